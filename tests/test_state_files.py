"""State files as Pulumi writes them, read and sent to a policy pack as the engine would on the next update.

A small echo pack (tests/audit_echo_pack) reports what each gRPC call delivered, so what a pack
is sent can be asserted directly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from legacy_state import (
    AWS_PROVIDER,
    LEGACY,
    NATIVE_DB,
    NATIVE_KEY,
    ORDERS,
    PREFIX,
    REPORTING,
    SHARED,
    legacy,
    with_secrets_shown,
    write,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from offline import export
from offline.policy_gate import PolicyPackProcess
from offline.state import StateFileError, read_state

ECHO_PACK = Path(__file__).resolve().parent / "audit_echo_pack"


@pytest.fixture(scope="module")
def echo():
    with PolicyPackProcess(ECHO_PACK) as process:
        yield process


def echoed(echo: PolicyPackProcess, path: str) -> list[Any]:
    state = read_state(path)
    return echo.analyze_stack(state.resources, stack=state.stack, project=state.project).violations


def delivered(echo: PolicyPackProcess, path: str, phase: str) -> dict[str, dict[str, Any]]:
    """What the echo pack received for each URN in one phase ("analyze" or "stack")."""
    received = [json.loads(v.message.split("\n", 1)[1]) for v in echoed(echo, path) if v.policy != "echo-remediate"]
    return {r["urn"]: r for r in received if r["phase"] == phase}


# --- reading state files ---------------------------------------------------------------------------


def test_resources_reference_their_provider_by_urn_and_id_and_are_named_from_the_urn():
    state = read_state(LEGACY)
    orders = next(r for r in state.resources if r["urn"] == ORDERS)
    assert orders["provider"] == f"{AWS_PROVIDER}::5c8e0a9e-4f0c-4a66-9a1f-6d2f1f0e8b31"
    assert orders["name"] == "orders-db"
    assert (state.stack, state.project, state.shape) == ("billing-prod", "billing", "export")


def test_a_replaced_copy_awaiting_deletion_is_not_audited():
    state = read_state(LEGACY)
    assert state.deleted == [REPORTING]
    live = [r for r in state.resources if r["urn"] == REPORTING]
    assert len(live) == 1 and live[0]["inputs"]["instanceClass"] == "db.t3.medium"


def test_pending_operations_are_listed_not_audited():
    state = read_state(LEGACY)
    assert state.pending == [f"creating {PREFIX}aws:rds/instance:Instance::reporting-db-replica"]
    assert all(not r["urn"].endswith("reporting-db-replica") for r in state.resources)


def test_null_property_dependencies_read_as_no_dependencies(exports):
    state = read_state(exports["prod"])
    instance = next(r for r in state.resources if r["name"] == "database-instance")
    assert instance["propertyDependencies"]["engine"] == []
    assert instance["propertyDependencies"]["kmsKeyId"][0].endswith("aws:kms/key:Key::rds-key-key")


def test_diy_backend_stack_file_is_read_like_the_export_of_the_same_stack(exports):
    diy, export = read_state(exports["dev-diy"]), read_state(exports["dev"])
    assert diy.shape == "checkpoint" and export.shape == "export"
    assert (diy.stack, diy.project, diy.organization) == ("dev", "encrypted-rds", "organization")
    assert [r["urn"] for r in diy.resources] == [r["urn"] for r in export.resources]


def test_export_command_with_show_secrets_writes_them_as_plaintext_json_text(capsys, tmp_path):
    assert export.main(["--stack", "prod", "--show-secrets"]) == 0
    state = read_state(write(tmp_path / "prod-shown.json", capsys.readouterr().out))
    instance = next(r for r in state.resources if r["name"] == "database-instance")
    assert isinstance(instance["inputs"]["passwordWo"]["value"], str)
    assert len(instance["inputs"]["passwordWo"]["value"]) >= 16
    assert state.encrypted == {}


def test_ciphertext_secrets_are_unknown_and_listed_as_unreadable():
    state = read_state(LEGACY)
    reporting = next(r for r in state.resources if r["urn"] == REPORTING)
    assert reporting["inputs"]["password"]["value"] == UNKNOWN_STRING_VALUE
    assert state.encrypted[REPORTING] == ["inputs.password", "outputs.password"]
    assert state.encrypted[NATIVE_DB] == ["inputs.masterUserPassword", "outputs.masterUserPassword"]


def test_plaintext_secrets_are_decoded_from_their_json_text(tmp_path):
    shown = with_secrets_shown(legacy())
    state = read_state(write(tmp_path / "shown.json", shown))
    reporting = next(r for r in state.resources if r["urn"] == REPORTING)
    assert reporting["inputs"]["password"]["value"] == "r3porting!"
    assert state.encrypted == {}


def test_a_default_provider_without_region_takes_the_region_of_its_resources_arns():
    state = read_state(LEGACY)
    assert state.regions[AWS_PROVIDER] == ("eu-west-1", "the ARNs of its resources")
    provider = next(r for r in state.resources if r["urn"] == AWS_PROVIDER)
    assert provider["inputs"]["region"] == "eu-west-1"


def test_a_provider_region_recorded_only_in_its_outputs_is_used(tmp_path):
    document = legacy()
    provider = next(r for r in document["deployment"]["resources"] if r["urn"] == AWS_PROVIDER)
    provider["outputs"]["region"] = "eu-central-1"
    state = read_state(write(tmp_path / "outputs-region.json", document))
    assert state.regions[AWS_PROVIDER] == ("eu-central-1", "outputs")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"version": 3, "deployment": {"resources": [', "is not JSON (Expecting value at line 1, column 45)"),
        ('{"version": 1, "deployment": {}}', "`version` is 1; expected 3 or 4"),
        ('{"version": 3, "stack": "dev"}', "has neither `deployment`"),
        ('{"version": 3, "deployment": {"resources": {}}}', "`resources` is not a list"),
    ],
    ids=["truncated", "old version", "not a state file", "resources not a list"],
)
def test_a_malformed_file_is_refused_with_its_name_and_the_problem(tmp_path, content, expected):
    path = write(tmp_path / "broken.json", content)
    with pytest.raises(StateFileError) as refused:
        read_state(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert expected in str(refused.value)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    document = legacy()
    resources = document["deployment"]["resources"]
    del resources[4]["urn"]
    resources[5]["inputs"]["kmsKeyId"] = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
    with pytest.raises(StateFileError) as refused:
        read_state(write(tmp_path / "two-problems.json", document))
    assert len(refused.value.problems) == 2
    assert refused.value.problems[0].startswith("resources[4]: `urn` is None")
    assert "inputs.kmsKeyId: a secret needs exactly one of `ciphertext` or `plaintext`" in refused.value.problems[1]


# --- what the pack is sent -------------------------------------------------------------------------


def test_analyze_gets_inputs_without_internal_keys(echo):
    received = delivered(echo, str(LEGACY), "analyze")[ORDERS]
    assert received["props"]["kmsKeyId"] == "alias/aws/rds"
    assert "__defaults" not in received["props"]


def test_remediate_gets_the_internal_keys_analyze_does_not(echo):
    orders = next(r for r in read_state(LEGACY).resources if r["urn"] == ORDERS)
    assert "__defaults" in echo.remediate_request(orders).properties
    assert "__defaults" not in echo.analyze_request(orders).properties


def test_analyze_stack_gets_outputs(echo, exports):
    received = delivered(echo, str(LEGACY), "stack")[ORDERS]
    assert (
        received["props"]["kmsKeyId"] == "arn:aws:kms:eu-west-1:210987654321:key/2b9f6c1d-8e4a-4d7b-a3c5-9e0f1a2b3c4d"
    )
    instance = next(urn for urn in delivered(echo, exports["prod"], "stack") if urn.endswith("::database-instance"))
    # A write-only input is in the inputs only: Analyze sees it, AnalyzeStack does not.
    assert "passwordWo" in delivered(echo, exports["prod"], "analyze")[instance]["props"]
    assert "passwordWo" not in delivered(echo, exports["prod"], "stack")[instance]["props"]


def test_resource_options_recorded_in_state_reach_the_pack(echo):
    received = delivered(echo, str(LEGACY), "analyze")
    assert received[ORDERS]["options"]["protect"] is True
    assert received[NATIVE_DB]["options"]["additionalSecretOutputs"] == ["masterUserPassword"]


def test_a_remediation_that_cannot_run_is_reported_as_advisory_like_the_engine_does(echo):
    found = [v for v in echoed(echo, str(LEGACY)) if v.policy == "echo-remediate"]
    assert [(v.urn, v.level) for v in found] == [(NATIVE_DB, "advisory")]
    assert "can't run remediation 'echo-remediate'" in found[0].message


def test_every_call_carries_the_provider_with_the_resolved_region(echo):
    for phase in ("analyze", "stack"):
        provider = delivered(echo, str(LEGACY), phase)[ORDERS]["provider"]
        assert provider["type"] == "pulumi:providers:aws"
        assert provider["props"]["region"] == "eu-west-1"


def test_a_read_resource_is_only_part_of_analyze_stack(echo):
    assert SHARED not in delivered(echo, str(LEGACY), "analyze")
    assert SHARED in delivered(echo, str(LEGACY), "stack")


def test_resources_awaiting_deletion_or_pending_reach_no_call(echo):
    for phase in ("analyze", "stack"):
        received = delivered(echo, str(LEGACY), phase)
        assert [r["props"].get("instanceClass") for urn, r in received.items() if urn == REPORTING] == ["db.t3.medium"]
        assert not any(urn.endswith("reporting-db-replica") for urn in received)


def test_aws_native_resources_reach_the_pack_with_their_type_properties_and_provider_region(echo):
    analyzed = delivered(echo, str(LEGACY), "analyze")
    database, key = analyzed[NATIVE_DB], analyzed[NATIVE_KEY]
    assert database["type"] == "aws-native:rds:DbInstance"
    assert database["props"]["storageEncrypted"] is False
    assert database["props"]["masterUserPassword"] == UNKNOWN_STRING_VALUE
    assert database["provider"] == {
        "type": "pulumi:providers:aws-native",
        "props": {"region": "eu-west-1", "version": "1.30.0"},
    }
    assert key["type"] == "aws-native:kms:Key"
    assert key["props"]["keyPolicy"]["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    assert key["props"]["enableKeyRotation"] is False
    stacked = delivered(echo, str(LEGACY), "stack")[NATIVE_DB]
    assert stacked["props"]["dbInstanceArn"] == "arn:aws:rds:eu-west-1:210987654321:db:analytics-db"


def test_a_shown_secret_reaches_the_pack_decoded(echo, tmp_path):
    shown = with_secrets_shown(legacy())
    received = delivered(echo, write(tmp_path / "shown.json", shown), "analyze")
    assert received[NATIVE_DB]["props"]["masterUserPassword"] == "an4lytics!"
