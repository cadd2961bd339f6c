"""EncryptionComplianceRules: AWS Config managed rules as a detective control."""

import json

import pulumi
import pulumi_aws as aws

from components.config_rules import EncryptionComplianceRules

RULE = "aws:cfg/rule:Rule"
KEY_ID = "0a1b2c3d-0000-4000-8000-000000000001"
KEY_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"
IDENTIFIERS = {
    "RDS_STORAGE_ENCRYPTED",
    "RDS_SNAPSHOT_ENCRYPTED",
    "RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
    "CMK_BACKING_KEY_ROTATION_ENABLED",
    "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
}


def rules_args(**overrides):
    return {"kms_key_arn": KEY_ARN, "recorder_name": "default", **overrides}


def rules_by_identifier(run) -> dict[str, dict]:
    return {rule.inputs["source"]["sourceIdentifier"]: rule for rule in run.of_type(RULE)}


def test_the_five_aws_managed_rules_are_deployed_under_the_component(under_mocks):
    run = under_mocks(lambda: EncryptionComplianceRules("rds-encryption", rules_args()))
    component = run.one("encryptedrds:index:EncryptionComplianceRules")
    rules = rules_by_identifier(run)
    assert set(rules) == IDENTIFIERS
    assert all(rule.inputs["source"]["owner"] == "AWS" for rule in rules.values())
    assert all(rule.parent == component.urn for rule in rules.values())
    assert rules["RDS_STORAGE_ENCRYPTED"].inputs["name"] == "encrypted-rds-dev-rds-encryption-rds-storage-encrypted"


def test_rule_names_are_unique_per_stack_since_config_rules_of_one_name_overwrite_each_other(under_mocks):
    def names(stack):
        run = under_mocks(lambda: EncryptionComplianceRules("rds-encryption", rules_args()), stack)
        return {rule.inputs["name"] for rule in run.of_type(RULE)}

    assert names("dev").isdisjoint(names("prod"))


def test_an_explicit_name_prefix_names_the_rules(under_mocks):
    run = under_mocks(lambda: EncryptionComplianceRules("rds-encryption", rules_args(name_prefix="orders")))
    assert rules_by_identifier(run)["RDS_STORAGE_ENCRYPTED"].inputs["name"] == "orders-rds-storage-encrypted"


def test_storage_rule_expects_the_customer_managed_key(under_mocks):
    run = under_mocks(lambda: EncryptionComplianceRules("rds-encryption", rules_args()))
    storage = rules_by_identifier(run)["RDS_STORAGE_ENCRYPTED"].inputs
    assert storage["inputParameters"] == f'{{"kmsKeyId":"{KEY_ARN}"}}'
    assert storage["scope"]["complianceResourceTypes"] == ["AWS::RDS::DBInstance"]


def test_deletion_rule_watches_the_key_by_id(under_mocks):
    run = under_mocks(lambda: EncryptionComplianceRules("rds-encryption", rules_args()))
    deletion = rules_by_identifier(run)["KMS_CMK_NOT_SCHEDULED_FOR_DELETION"].inputs
    assert json.loads(deletion["inputParameters"]) == {"kmsKeyIds": KEY_ID}


def test_rules_without_parameters_get_none(under_mocks):
    run = under_mocks(lambda: EncryptionComplianceRules("rds-encryption", rules_args()))
    rules = rules_by_identifier(run)
    for identifier in ("RDS_SNAPSHOT_ENCRYPTED", "RDS_SNAPSHOTS_PUBLIC_PROHIBITED", "CMK_BACKING_KEY_ROTATION_ENABLED"):
        assert "inputParameters" not in rules[identifier].inputs


def test_snapshot_rules_watch_instance_and_cluster_snapshots_and_key_rules_run_daily(under_mocks):
    run = under_mocks(lambda: EncryptionComplianceRules("rds-encryption", rules_args()))
    rules = rules_by_identifier(run)
    for identifier in ("RDS_SNAPSHOT_ENCRYPTED", "RDS_SNAPSHOTS_PUBLIC_PROHIBITED"):
        assert rules[identifier].inputs["scope"]["complianceResourceTypes"] == [
            "AWS::RDS::DBSnapshot",
            "AWS::RDS::DBClusterSnapshot",
        ]
    for identifier in ("CMK_BACKING_KEY_ROTATION_ENABLED", "KMS_CMK_NOT_SCHEDULED_FOR_DELETION"):
        assert rules[identifier].inputs["maximumExecutionFrequency"] == "TwentyFour_Hours"
        assert "scope" not in rules[identifier].inputs


def test_rules_are_created_after_a_recorder_managed_in_the_same_program(under_mocks):
    def program():
        recorder = aws.cfg.Recorder("recorder", name="default", role_arn="arn:aws:iam::123456789012:role/config")
        EncryptionComplianceRules("rds-encryption", rules_args(recorder_name=recorder.name))

    run = under_mocks(program)
    recorder = run.one("aws:cfg/recorder:Recorder")
    for rule in run.of_type(RULE):
        assert rule.inputs["tags"]["ConfigurationRecorder"] == "default"
        assert recorder.urn in rule.property_dependencies["tags"]


def test_rule_arns_are_exported_by_identifier(under_mocks):
    def program():
        rules = EncryptionComplianceRules("rds-encryption", rules_args(tags={"team": "data"}))
        pulumi.export("arns", rules.rule_arns)

    run = under_mocks(program)
    arns = run.outputs["arns"]
    assert set(arns) == IDENTIFIERS
    assert all(arn.startswith("arn:aws:config:us-east-1:123456789012:config-rule/") for arn in arns.values())
    assert all(rule.inputs["tags"]["team"] == "data" for rule in run.of_type(RULE))


def test_rules_need_a_configuration_recorder(refused):
    args = rules_args()
    del args["recorder_name"]
    assert refused(lambda: EncryptionComplianceRules("rds-encryption", args)) == ["recorder_name: is required"]


def test_rules_refuse_a_blank_recorder_name(refused):
    problems = refused(lambda: EncryptionComplianceRules("rds-encryption", rules_args(recorder_name=" ")))
    assert len(problems) == 1
    assert problems[0].startswith("recorder_name: ' ' is not a configuration recorder name")


def test_rules_refuse_a_key_of_another_region(refused):
    problems = refused(lambda: EncryptionComplianceRules("rds-encryption", rules_args(region="eu-west-1")))
    assert len(problems) == 1
    assert problems[0].startswith(f"kms_key_arn: key '{KEY_ARN}' is in us-east-1 but the resource is in eu-west-1")


def test_rules_refuse_a_prefix_that_makes_names_too_long(refused):
    problems = refused(lambda: EncryptionComplianceRules("rds-encryption", rules_args(name_prefix="x" * 100)))
    assert len(problems) == 1
    assert problems[0].startswith("name_prefix: rule name 'x")
