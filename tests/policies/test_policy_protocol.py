"""The pack as the engine runs it: spawned with `python -m pulumi.policy`, driven over gRPC."""

import copy

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE
from stack_fixtures import KNOWN_VALUE_COUNTERPART, MUTATIONS, REMEDIATIONS, as_preview, find, full_stack, mutated

from offline.policy_gate import PolicyPackProcess, engine_environment, recorded_to_resources
from offline.runtime import run_stack

POLICY_NAMES = ["rds-encryption-at-rest", "rds-encryption-hygiene", "kms-key-lifecycle", "rds-key-placement"]


def _unknown_wired_values(resources):
    """A recorded stack as a first preview sees it: values wired from other resources are unknown."""
    preview = copy.deepcopy(resources)
    for resource in preview:
        for prop, urns in resource["propertyDependencies"].items():
            if urns:
                resource["inputs"][prop] = resource["outputs"][prop] = UNKNOWN_STRING_VALUE
        for prop in ("arn", "keyId"):
            if prop in resource["outputs"] and prop not in resource["inputs"]:
                resource["outputs"][prop] = UNKNOWN_STRING_VALUE
    return preview


# --- the handshake ---------------------------------------------------------------------------------


def test_pack_lists_one_policy_per_enforcement_level(fresh):
    levels = {p.name: p.enforcementLevel for p in fresh.info.policies}
    assert list(levels) == POLICY_NAMES
    assert fresh.defaults()["kms-key-lifecycle"]["enforcementLevel"] == "remediate"
    assert fresh.defaults()["rds-encryption-hygiene"]["enforcementLevel"] == "advisory"


def test_every_policy_has_description_severity_remediation_steps_and_url(fresh):
    for policy in fresh.info.policies:
        assert policy.description and policy.severity and policy.remediation_steps and policy.url


def test_config_schema_defaults_are_what_the_engine_sends(fresh):
    defaults = fresh.defaults()
    assert defaults["rds-key-placement"]["approvedKmsKeys"] == []
    assert defaults["kms-key-lifecycle"]["productionMinimumDeletionWindowInDays"] == 30
    assert all(defaults[name]["exemptions"] == [] for name in POLICY_NAMES)


def test_resource_types_the_pack_does_not_cover_get_no_verdict(fresh):
    bucket = {"urn": "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b", "type": "aws:s3/bucket:Bucket", "name": "b"}
    assert fresh.analyze({**bucket, "inputs": {"acl": "public-read"}}) == []


# --- correct stacks pass -------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_recorded_program_stack_has_no_mandatory_violation(fresh, stack):
    resources = recorded_to_resources(run_stack(stack).resources)
    verdicts = fresh.analyze_stack(resources, stack=stack)
    assert verdicts.mandatory == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_recorded_program_stack_with_unknown_key_arns_has_no_mandatory_violation(fresh, stack):
    resources = _unknown_wired_values(recorded_to_resources(run_stack(stack, preview=True).resources))
    verdicts = fresh.analyze_stack(resources, stack=stack)
    assert verdicts.mandatory == []


def test_recorded_prod_stack_gets_no_advisory_either(fresh):
    verdicts = fresh.analyze_stack(recorded_to_resources(run_stack("prod").resources), stack="prod")
    assert verdicts.violations == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_full_stack_with_replicas_copies_and_aurora_passes(fresh, stack, preview):
    resources = full_stack(stack)
    verdicts = fresh.analyze_stack(as_preview(resources) if preview else resources, stack=stack)
    assert verdicts.violations == []


# --- every rule rejects its mutations ----------------------------------------------------------------

CASES = [
    pytest.param(rule, level, label, mutation, preview, id=f"{rule}: {label}{' (preview)' if preview else ''}")
    for rule, (level, mutations) in MUTATIONS.items()
    for label, mutation in mutations.items()
    for preview in (False, True)
]


@pytest.mark.parametrize(("rule", "level", "label", "mutation", "preview"), CASES)
def test_mutated_stack_is_rejected(fresh, rule, level, label, mutation, preview):
    resources = mutated(rule, mutation)
    verdicts = fresh.analyze_stack(as_preview(resources) if preview else resources, stack="prod")
    expected = rule if preview else KNOWN_VALUE_COUNTERPART.get((rule, label), rule)
    assert expected in verdicts.rules(level), [str(v) for v in verdicts.violations]


@pytest.mark.parametrize("rule", list(REMEDIATIONS))
def test_remediable_mutation_is_fixed_not_reported(fresh, rule):
    mutation, prop, fixed = REMEDIATIONS[rule]
    verdicts = fresh.analyze_stack(mutated(rule, mutation), stack="prod")
    assert [props[prop] for props in verdicts.remediated.values()] == [fixed]
    assert verdicts.violations == []


@pytest.mark.parametrize("rule", list(REMEDIATIONS))
def test_remediable_rule_blocks_when_configured_mandatory(pack, rule):
    pack.configure({"kms-key-lifecycle": {"enforcementLevel": "mandatory"}})
    mutation, _prop, _fixed = REMEDIATIONS[rule]
    assert rule in pack.analyze_stack(mutated(rule, mutation), stack="prod").rules("mandatory")


def test_unapproved_keys_are_rejected_when_approved_keys_are_configured(pack):
    pack.configure({"rds-key-placement": {"approvedKmsKeys": ["alias/central-rds"]}})
    verdicts = pack.analyze_stack(as_preview(full_stack()), stack="prod")
    assert verdicts.rules("mandatory") == {"rds-approved-kms-key"}


def test_violations_name_the_offending_resource(fresh):
    resources = mutated(
        "rds-storage-encrypted", MUTATIONS["rds-storage-encrypted"][1]["cluster storageEncrypted unset"]
    )
    violation = next(v for v in fresh.analyze_stack(resources, stack="prod").mandatory)
    assert violation.urn.endswith("::aurora")
    assert "[rds-storage-encrypted] Cluster 'aurora'" in violation.message


# --- the environment the engine launches a pack with -----------------------------------------------


def test_engine_environment_holds_the_stack_config_as_json_and_leaves_out_empty_values():
    found = engine_environment("encrypted-rds", "prod", dry_run=True, config={"aws:region": "us-east-1"})
    assert found == {
        "PULUMI_CONFIG": '{"aws:region": "us-east-1"}',
        "PULUMI_PROJECT": "encrypted-rds",
        "PULUMI_STACK": "prod",
        "PULUMI_DRY_RUN": "true",
    }


def test_a_pack_is_launched_with_the_engines_environment(tmp_path):
    (tmp_path / "__main__.py").write_text(
        "import os\n"
        "from pulumi_policy import PolicyPack, ResourceValidationPolicy\n"
        "PolicyPack(name=os.environ['PULUMI_STACK'] + '-pack', policies=[ResourceValidationPolicy(\n"
        "    name='nothing', description='Judges nothing.', validate=lambda args, report: None)])\n"
    )
    with PolicyPackProcess(tmp_path, environment=engine_environment("encrypted-rds", "prod", dry_run=False)) as pack:
        assert pack.info.name == "prod-pack"


def test_the_pack_judges_alike_with_the_stack_config_in_its_environment():
    # The engine passes the whole stack config (PULUMI_CONFIG) and the stack's names at launch.
    config = {"aws:region": "us-east-1", "encrypted-rds:subnetIds": '["subnet-1", "subnet-2"]'}
    environment = engine_environment("encrypted-rds", "prod", dry_run=True, config=config)
    resources = full_stack("prod")
    find(resources, "database-instance")["inputs"]["storageEncrypted"] = False
    with PolicyPackProcess() as plain, PolicyPackProcess(environment=environment) as launched:
        verdicts = [sorted(map(str, p.analyze_stack(resources, stack="prod").violations)) for p in (plain, launched)]
    assert verdicts[0] == verdicts[1] != []
