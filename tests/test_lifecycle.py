"""The second `pulumi up` and after: no perpetual change, routine changes replace no data, and the
changes that would are stopped by `protect` in prod.

Each test runs the real program twice, as two consecutive `pulumi up`s would, the second one
against what the first left in the state (including what AWS reports back: a replica's inherited
key, a global secondary's replication source), and plans the second with the providers' own rules
(tests/provider_model.py).
"""

import json

import pytest
from conftest import PROD_AS_AURORA_GLOBAL
from provider_model import DATA_TYPES, SCHEMAS, plain, plan

from offline.runtime import run_stack

#: The stacks every lifecycle rule is checked on: the two of this repository, and prod as an
#: Aurora global database with its secondary in the DR region.
STACKS = {"dev": ("dev", {}), "prod": ("prod", {}), "aurora-global-dr": ("prod", PROD_AS_AURORA_GLOBAL)}


def runs(stack, change=None):
    """The first `pulumi up` of a stack, then the next one with `change` applied to its config."""
    name, overrides = STACKS[stack]
    return run_stack(name, overrides), run_stack(name, {**overrides, **(change or {})})


def by_op(steps, op):
    return sorted(step.resource.name for step in steps.values() if step.op == op)


# --- the second run, unchanged --------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_every_input_is_the_same_on_the_second_run(stack):
    first, second = runs(stack)
    before, after = ({r.urn: plain(r.inputs) for r in run.resources} for run in (first, second))
    assert before.keys() == after.keys()
    assert [urn for urn in before if before[urn] != after[urn]] == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_second_run_plans_no_change_against_what_aws_reports(stack):
    steps = plan(*runs(stack))
    changed = {step.resource.name: step.changed for step in steps.values() if step.op != "same"}
    assert changed == {}


def test_the_global_secondary_ignores_the_replication_source_aws_reports():
    first, second = runs("aurora-global-dr")
    secondary = next(r for r in second.resources if r.name == "database-secondary-cluster")
    assert (
        first.named("database-secondary-cluster").outputs["replicationSourceIdentifier"]
        == (first.named("database-primary-cluster").outputs["arn"])
    )
    assert secondary.ignore_changes == ["replicationSourceIdentifier"]


def test_every_resource_type_the_program_creates_has_its_provider_schema():
    for stack in STACKS:
        name, overrides = STACKS[stack]
        assert {r.type for r in run_stack(name, overrides).resources if r.custom} <= set(SCHEMAS)


# --- routine changes ------------------------------------------------------------------------------

#: What the issue and every operator call routine: none may replace a key, database, cluster or
#: secret. Each is (stack, config change, resources that must be updated or created by it).
ROUTINE = {
    "instance class": ("prod", {"encrypted-rds:dbInstanceClass": "db.r7g.xlarge"}, {"database-instance"}),
    "replica class": ("prod", {"encrypted-rds:replicaInstanceClass": "db.r7g.xlarge"}, {"replica-1-instance"}),
    "storage": ("prod", {"encrypted-rds:dbAllocatedStorageGb": 200}, {"database-instance"}),
    "storage limit": ("prod", {"encrypted-rds:dbMaxAllocatedStorageGb": 2000}, {"database-instance"}),
    "backup retention": ("dev", {"encrypted-rds:dbBackupRetentionDays": 7}, {"database-instance"}),
    "multi-az": ("prod", {"encrypted-rds:dbMultiAz": False}, {"database-instance"}),
    "performance insights on": ("dev", {"encrypted-rds:dbPerformanceInsights": True}, {"database-instance"}),
    "performance insights retention": (
        "prod",
        {"encrypted-rds:dbPerformanceInsightsRetentionDays": 31},
        {"database-instance", "replica-1-instance", "dr-replica-instance"},
    ),
    "log exports": ("prod", {"encrypted-rds:dbLogExports": ["postgresql"]}, {"database-instance"}),
    "tags": ("prod", {"encrypted-rds:environment": "production"}, {"database-instance", "rds-key-key"}),
    "engine minor version": ("prod", {"encrypted-rds:dbEngineVersion": "16.4"}, {"database-instance"}),
    "one more replica": ("prod", {"encrypted-rds:sameRegionReplicas": 2}, {"replica-2-instance"}),
    "key deletion window": ("prod", {"encrypted-rds:keyDeletionWindowDays": 21}, {"rds-key-key", "dr-key-key"}),
    "key rotation period": ("prod", {"encrypted-rds:keyRotationPeriodDays": 180}, {"rds-key-key", "dr-key-key"}),
    "key users": (
        "prod",
        {"encrypted-rds:keyUserArns": ["arn:aws:iam::123456789012:role/Reporting"]},
        {"rds-key-key", "dr-key-key"},
    ),
    "apply immediately": ("prod", {"encrypted-rds:dbApplyImmediately": True}, {"database-instance"}),
    "aurora instance class": (
        "aurora-global-dr",
        {"encrypted-rds:dbInstanceClass": "db.r7g.xlarge"},
        {"database-primary-instance-0"},
    ),
    "aurora readers": ("aurora-global-dr", {"encrypted-rds:auroraInstanceCount": 3}, {"database-primary-instance-2"}),
    "aurora backup retention": (
        "aurora-global-dr",
        {"encrypted-rds:dbBackupRetentionDays": 14},
        {"database-primary-cluster", "database-secondary-cluster"},
    ),
}
#: What a routine change may never replace (snapshots and backup replication are handled below).
KEYS_DATABASES_SECRETS = DATA_TYPES - {
    "aws:rds/snapshot:Snapshot",
    "aws:rds/snapshotCopy:SnapshotCopy",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
}


@pytest.mark.parametrize("change", ROUTINE.values(), ids=ROUTINE.keys())
def test_a_routine_change_reaches_aws_and_replaces_no_key_database_cluster_or_secret(change):
    stack, config, touched = change
    steps = plan(*runs(stack, config))
    replaced = [s.resource.name for s in steps.values() if s.op in ("replace", "delete", "refused")]
    assert [name for name in replaced if steps_type(steps, name) in KEYS_DATABASES_SECRETS] == []
    assert touched <= set(by_op(steps, "update") + by_op(steps, "create"))


def steps_type(steps, name):
    return next(step.resource.type for step in steps.values() if step.resource.name == name)


def test_a_backup_retention_change_restarts_backup_replication_stopping_the_old_one_first():
    steps = plan(*runs("prod", {"encrypted-rds:dbBackupRetentionDays": 14}))
    replication = next(s for s in steps.values() if s.resource.name == "database-backup-replication")
    assert (replication.op, replication.reasons) == ("replace", ("retentionPeriod",))
    # AWS runs one replication per instance and region: create-before-delete would be refused.
    assert replication.resource.delete_before_replace
    assert by_op(steps, "replace") == ["database-backup-replication"]


# --- changes that replace data ----------------------------------------------------------------------

#: Changes that would replace a key or a database (or move a replica, which the provider refuses).
REPLACING = {
    "master user name": ({"encrypted-rds:dbMasterUsername": "orders_owner"}, "database-instance"),
    "database name": ({"encrypted-rds:dbName": "orders"}, "database-instance"),
    "engine": (
        {
            "encrypted-rds:dbEngine": "mysql",
            "encrypted-rds:dbEngineVersion": "8.0.40",
            "encrypted-rds:dbLogExports": ["error"],
        },
        "database-instance",
    ),
    "existing key instead of the stack's": (
        {"encrypted-rds:kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-00000000beef"},
        "database-instance",
    ),
    "multi-Region key mode": ({"encrypted-rds:drKeyMode": "multi-region"}, "rds-key-key"),
    "identifier (renamed in place, but its snapshots are replaced)": (
        {"encrypted-rds:dbIdentifier": "orders-prod"},
        "database-baseline-snapshot",
    ),
}


@pytest.mark.parametrize("change", REPLACING.values(), ids=REPLACING.keys())
def test_a_data_replacing_change_is_stopped_by_protect_in_prod(change):
    config, victim = change
    steps = plan(*runs("prod", config))
    destructive = [s for s in steps.values() if s.op in ("replace", "delete") and s.resource.type in DATA_TYPES]
    assert victim in [s.resource.name for s in destructive]
    # pulumi refuses to replace or delete a protected resource, so the preview fails before any change.
    assert [s.resource.name for s in destructive if not s.resource.protect] == []


def test_renaming_the_primary_would_move_its_replicas_which_the_provider_refuses():
    steps = plan(*runs("prod", {"encrypted-rds:dbIdentifier": "orders-prod"}))
    assert by_op(steps, "refused") == ["dr-replica-instance", "replica-1-instance"]
    assert next(s for s in steps.values() if s.resource.name == "database-instance").op == "update"


def test_aurora_cluster_identifier_change_replaces_the_cluster_and_is_stopped_by_protect():
    steps = plan(*runs("aurora-global-dr", {"encrypted-rds:dbIdentifier": "orders-global"}))
    replaced = {s.resource.name: s.resource.protect for s in steps.values() if s.op == "replace"}
    assert {"database-primary-cluster", "database-secondary-cluster", "database-global"} <= set(replaced)
    assert all(replaced.values())


# --- the secret follows the database ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "field", "value"),
    [
        ({"encrypted-rds:dbMasterUsername": "orders_owner"}, "username", "orders_owner"),
        ({"encrypted-rds:dbIdentifier": "orders-prod"}, "host", "orders-prod.c0ffee000000.us-east-1.rds.amazonaws.com"),
    ],
    ids=["replaced database", "renamed database"],
)
def test_the_master_secret_is_rewritten_with_the_credentials_of_the_database_that_exists(config, field, value):
    steps = plan(*runs("prod", config))
    version = next(s for s in steps.values() if s.resource.name == "database-master-secret-value")
    assert version.op == "replace" and "secretString" in version.changed
    assert json.loads(plain(version.resource.inputs["secretString"]))[field] == value


def test_a_password_rotation_replaces_only_the_generated_password_and_the_secret_value_and_applies_it():
    first, second = runs("prod", {"encrypted-rds:dbPasswordVersion": 2})
    steps = plan(first, second)
    assert by_op(steps, "replace") == ["database-master-password", "database-master-secret-value"]
    instance = next(s for s in steps.values() if s.resource.name == "database-instance")
    # The new password is sent because its version changed (a write-only input is sent only then).
    assert instance.changed == ("passwordWoVersion",)
    stored = json.loads(plain(second.named("database-master-secret-value").inputs["secretString"]))
    assert (
        stored["password"]
        == plain(instance.resource.inputs["passwordWo"])
        != json.loads(plain(first.named("database-master-secret-value").inputs["secretString"]))["password"]
    )
