"""The audit of existing stacks: exports judged by the pack over the engine's protocol, reported
per stack and rule with the controls each rule enforces, as a table, JSON and SARIF 2.1.0."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from legacy_state import KEY, LEGACY, NATIVE_DB, NATIVE_KEY, ORDERS, REPORTING, SHARED, write

from offline import audit as audit_module
from offline.audit import ConfigError, audit, read_policy_config, render, to_json, to_sarif

POLICY_NAMES = ["rds-encryption-at-rest", "rds-encryption-hygiene", "kms-key-lifecycle", "rds-key-placement"]


def mandatory(report) -> set[tuple[str, str]]:
    return {(f.rule, f.urn) for s in report.stacks for f in s.findings if f.level == "mandatory"}


# --- verdicts --------------------------------------------------------------------------------------


def test_legacy_stack_is_blocked_by_its_unencrypted_and_aws_managed_key_databases(fresh):
    report = audit([str(LEGACY)], fresh)
    assert mandatory(report) == {
        ("rds-storage-encrypted", REPORTING),
        ("rds-customer-managed-key", ORDERS),
        ("rds-storage-encrypted", NATIVE_DB),  # aws-native resources are judged by the same rules
    }
    assert report.stacks[0].would_block and report.exit_code == 1


def test_a_password_kept_as_ciphertext_still_counts_as_set(fresh):
    findings = to_json(audit([str(LEGACY)], fresh))["stacks"][0]["findings"]
    password = [f for f in findings if f["rule"] == "rds-no-plaintext-master-password"]
    assert {(f["urn"], f["level"], f["resourceHasEncryptedFields"]) for f in password} == {
        (REPORTING, "advisory", True),
        (NATIVE_DB, "advisory", True),
    }


def test_what_the_update_would_remediate_is_reported_as_fixed_not_blocking(fresh):
    stack = audit([str(LEGACY)], fresh).stacks[0]
    remediated = {(f.rule, f.urn) for f in stack.findings if f.level == "remediate"}
    assert remediated == {
        ("kms-key-rotation-enabled", KEY),
        ("kms-key-deletion-window", KEY),
        ("kms-key-rotation-enabled", NATIVE_KEY),
        ("kms-key-deletion-window", NATIVE_KEY),
    }
    assert stack.remediations[KEY] == {
        "enableKeyRotation": {"from": False, "to": True},
        "deletionWindowInDays": {"from": 7, "to": 30},
    }


def test_a_read_resource_gets_no_per_resource_verdict(fresh):
    assert not [f for s in audit([str(LEGACY)], fresh).stacks for f in s.findings if f.urn == SHARED]


@pytest.mark.parametrize("stack", ["prod", "dev", "dev-diy"])
def test_this_projects_own_stacks_pass_without_any_finding(fresh, exports, stack):
    report = audit([exports[stack]], fresh)
    assert report.stacks[0].findings == [] and report.exit_code == 0


def test_findings_carry_the_rules_controls(fresh):
    findings = to_json(audit([str(LEGACY)], fresh))["stacks"][0]["findings"]
    unencrypted = next(f for f in findings if f["rule"] == "rds-storage-encrypted")
    assert unencrypted["controls"] == ["FSBP RDS.3", "FSBP RDS.27", "CIS v5.0.0 2.2.1", "CIS v3.0.0 2.3.1"]
    assert unencrypted["severity"] == "critical"


def test_summary_table_counts_each_rule_per_level_with_its_controls(fresh):
    text = render(audit([str(LEGACY)], fresh))
    assert re.search(r"\n  rds-storage-encrypted +2 +0 +0  FSBP RDS\.3, FSBP RDS\.27, CIS v5\.0\.0 2\.2\.1", text)
    assert re.search(r"\n  rds-deletion-protection +0 +4 +0  FSBP RDS\.7, FSBP RDS\.8\n", text)
    assert re.search(r"\n  kms-key-rotation-enabled +0 +0 +2  Security Hub KMS\.4", text)
    assert "encrypted secrets, judged as unknown values: Instance 'reporting-db': inputs.password" in text
    assert "provider default_6_83_0: region eu-west-1 (the ARNs of its resources)" in text


# --- policy config ---------------------------------------------------------------------------------


def test_all_mandatory_turns_remediations_and_advisories_into_blockers(pack, tmp_path):
    overrides = read_policy_config(write(tmp_path / "all.json", {"all": "mandatory"}), POLICY_NAMES)
    blocking = {rule for rule, _urn in mandatory(audit([str(LEGACY)], pack, overrides))}
    assert {"kms-key-rotation-enabled", "rds-no-plaintext-master-password", "rds-deletion-protection"} <= blocking


def test_a_policys_own_level_overrides_all_and_properties_are_kept(tmp_path):
    config = {"all": "mandatory", "kms-key-lifecycle": {"enforcementLevel": "remediate"}, "rds-key-placement": {}}
    overrides = read_policy_config(write(tmp_path / "mixed.json", config), POLICY_NAMES)
    assert overrides["kms-key-lifecycle"] == {"enforcementLevel": "remediate"}
    assert overrides["rds-encryption-hygiene"] == {"enforcementLevel": "mandatory"}


def test_policy_config_problems_are_named_all_at_once(tmp_path):
    config = {"rds-encryption-at-res": "mandatory", "kms-key-lifecycle": {"enforcementLevel": "blocking"}}
    with pytest.raises(ConfigError) as refused:
        read_policy_config(write(tmp_path / "typos.json", config), POLICY_NAMES)
    assert "`rds-encryption-at-res` is not a policy of the pack" in str(refused.value)
    assert "`kms-key-lifecycle`: enforcementLevel 'blocking' is not one of" in str(refused.value)


# --- the command -----------------------------------------------------------------------------------

# The SARIF 2.1.0 schema's required properties and enumerations (oasis-tcs/sarif-spec,
# sarif-schema-2.1.0.json) for the objects the audit writes.
SARIF_REQUIRED = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "items": {"$ref": "#/definitions/run"}},
    },
    "definitions": {
        "run": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {
                    "type": "object",
                    "required": ["driver"],
                    "properties": {"driver": {"$ref": "#/definitions/toolComponent"}},
                },
                "invocations": {"type": "array", "items": {"$ref": "#/definitions/invocation"}},
                "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
            },
        },
        "toolComponent": {
            "type": "object",
            "required": ["name"],
            "properties": {"rules": {"type": "array", "items": {"$ref": "#/definitions/reportingDescriptor"}}},
        },
        "reportingDescriptor": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "shortDescription": {"type": "object", "required": ["text"]},
                "help": {"type": "object", "required": ["text"]},
                "defaultConfiguration": {"properties": {"level": {"$ref": "#/definitions/level"}}},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
        },
        "invocation": {
            "type": "object",
            "required": ["executionSuccessful"],
            "properties": {
                "toolExecutionNotifications": {
                    "type": "array",
                    "items": {"type": "object", "required": ["message"]},
                }
            },
        },
        "result": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"$ref": "#/definitions/level"},
                "message": {"anyOf": [{"required": ["text"]}, {"required": ["id"]}]},
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
        },
        "location": {
            "type": "object",
            "properties": {
                "physicalLocation": {
                    "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
                    "properties": {
                        "region": {
                            "anyOf": [
                                {"required": ["startLine"]},
                                {"required": ["charOffset"]},
                                {"required": ["byteOffset"]},
                            ],
                            "properties": {"startLine": {"type": "integer", "minimum": 1}},
                        }
                    },
                }
            },
        },
        "level": {"enum": ["none", "note", "warning", "error"]},
        "propertyBag": {
            "type": "object",
            "properties": {"tags": {"type": "array", "uniqueItems": True, "items": {"type": "string"}}},
        },
    },
}


def test_sarif_output_has_the_required_2_1_0_structure_and_rule_controls_as_tags(fresh, tmp_path):
    broken = write(tmp_path / "broken.json", "{")
    report = audit([str(LEGACY), broken], fresh)
    sarif = to_sarif(report)
    jsonschema.validate(sarif, SARIF_REQUIRED)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    storage = next(r for r in rules if r["id"] == "rds-storage-encrypted")
    assert {"FSBP RDS.3", "CIS v3.0.0 2.3.1"} <= set(storage["properties"]["tags"])
    result = next(r for r in run["results"] if r["ruleId"] == "rds-storage-encrypted")
    assert rules[result["ruleIndex"]]["id"] == "rds-storage-encrypted"
    assert result["level"] == "error"
    line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert f'"urn": "{REPORTING}"' in LEGACY.read_text().splitlines()[line - 1]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert broken in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]


def test_command_exits_1_when_a_stack_would_be_blocked_and_writes_json(tmp_path, capsys):
    out = tmp_path / "audit.json"
    assert audit_module.main([str(LEGACY), "--json", str(out)]) == 1
    assert "WOULD BLOCK" in capsys.readouterr().out
    assert json.loads(out.read_text())["stacks"][0]["wouldBlock"] is True


def test_command_exits_0_on_a_clean_stack(exports, capsys):
    assert audit_module.main([exports["prod"]]) == 0
    assert "1 stack(s) audited, 0 would be blocked" in capsys.readouterr().out


def test_command_audits_the_other_files_and_exits_2_when_one_is_malformed(exports, tmp_path, capsys):
    broken = write(tmp_path / "broken.json", '{"version": 3, "deployment": ')
    assert audit_module.main([broken, exports["prod"]]) == 2
    printed = capsys.readouterr()
    assert f"error: {broken}: is not JSON" in printed.err
    assert "stack 'prod' of project 'encrypted-rds'" in printed.out


def test_command_refuses_a_bad_policy_config_with_exit_2(tmp_path, capsys):
    config = write(tmp_path / "config.json", {"rds-placement": "mandatory"})
    assert audit_module.main([str(LEGACY), "--policy-config", config]) == 2
    assert "`rds-placement` is not a policy of the pack" in capsys.readouterr().err
