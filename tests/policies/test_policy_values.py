"""Values read as the provider reads them, over the engine's gRPC protocol (issue 14, item 4).

Untyped programs (YAML, ``Input[Any]``, config strings) can send "true" or "7" where the schema
says boolean or number; the provider converts them. The pack judges them by that meaning, and
reports what the provider could not read instead of guessing.
"""

import json

import pytest
from stack_fixtures import HOME, StackBuilder, key_policy, one_database

KEY = "aws:kms/key:Key"


def instance_stack(**inputs):
    return one_database(**inputs).resources


def key_stack(stack="dev", **inputs):
    b = StackBuilder(stack, production=stack == "prod")
    key = b.key("rds-key", HOME)
    key["inputs"].update(inputs)
    key["outputs"].update(inputs)
    return b.resources


@pytest.mark.parametrize("spelling", ["true", "True", "1"])
def test_storage_encrypted_as_a_true_string_is_encrypted(fresh, spelling):
    assert fresh.analyze_stack(instance_stack(storageEncrypted=spelling)).violations == []


def test_storage_encrypted_as_a_false_string_is_unencrypted(fresh):
    assert "rds-storage-encrypted" in fresh.analyze_stack(instance_stack(storageEncrypted="false")).rules("mandatory")


def test_managed_password_as_a_string_still_needs_a_customer_managed_secret_key(fresh):
    verdicts = fresh.analyze_stack(instance_stack(manageMasterUserPassword="true"))
    assert verdicts.rules("mandatory") == {"rds-master-secret-cmk"}


def test_performance_insights_as_a_string_still_needs_a_customer_managed_key(fresh):
    verdicts = fresh.analyze_stack(instance_stack(performanceInsightsEnabled="true"))
    assert verdicts.rules("mandatory") == {"rds-performance-insights-cmk"}


def test_backup_retention_as_a_zero_string_turns_backups_off(fresh):
    verdicts = fresh.analyze_stack(instance_stack(backupRetentionPeriod="0"))
    assert verdicts.rules() == {"rds-backups-enabled"}


def test_deletion_window_as_a_string_is_remediated_like_a_number(fresh):
    verdicts = fresh.analyze_stack(key_stack("prod", deletionWindowInDays="7"), stack="prod")
    assert [props["deletionWindowInDays"] for props in verdicts.remediated.values()] == [30.0]


@pytest.mark.parametrize(("prop", "value"), [("storageEncrypted", "yes"), ("backupRetentionPeriod", "seven")])
def test_a_value_the_provider_cannot_read_is_reported_not_guessed(fresh, prop, value):
    verdicts = fresh.analyze_stack(instance_stack(**{prop: value}))
    found = [v for v in verdicts.mandatory if v.rule == "rds-valid-values"]
    assert len(found) == 1 and f"`{prop}` is '{value}'" in found[0].message


def test_key_policy_with_a_byte_order_mark_is_read_and_judged(fresh):
    policy = json.loads(key_policy(HOME))
    del policy["Statement"][1]["Condition"]
    verdicts = fresh.analyze_stack(key_stack(policy="\ufeff" + json.dumps(policy)))
    assert verdicts.rules("mandatory") == {"kms-key-policy-no-public-principal"}


def test_key_policy_with_a_byte_order_mark_and_nothing_public_passes(fresh):
    assert fresh.analyze_stack(key_stack(policy="\ufeff" + key_policy(HOME))).violations == []


@pytest.mark.parametrize(
    "policy",
    ['{"Statement": [', '["not", "an", "object"]', json.dumps({"Version": "2012-10-17"}), '{"Statement": ["x"]}'],
    ids=["truncated JSON", "a list", "no statements", "a statement that is not an object"],
)
def test_a_key_policy_the_pack_cannot_read_is_reported(fresh, policy):
    verdicts = fresh.analyze_stack(key_stack(policy=policy))
    found = [v for v in verdicts.mandatory if v.rule == "kms-key-policy-no-public-principal"]
    assert len(found) == 1 and "cannot be read as a key policy" in found[0].message


def test_a_share_key_whose_policy_cannot_be_read_grants_nobody(fresh):
    b = StackBuilder("dev", production=False)
    key = b.key("share-key", HOME)
    key["inputs"]["policy"] = key["outputs"]["policy"] = "{truncated"
    b.add(
        "aws:rds/snapshotCopy:SnapshotCopy",
        "copy",
        {"targetDbSnapshotIdentifier": "c", "sourceDbSnapshotIdentifier": "s", "sharedAccounts": ["210987654321"]},
        {"kmsKeyId": (key, "arn")},
    )
    assert "rds-shared-snapshot-cmk" in fresh.analyze_stack(b.resources).rules("mandatory")
