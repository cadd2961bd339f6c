"""Messages that say what is true, over the engine's gRPC protocol (issue 14, item 5)."""

import pytest
from stack_fixtures import ACCOUNT, HOME, StackBuilder, one_database

ALIAS_ARN = f"arn:aws:kms:{HOME}:{ACCOUNT}:alias/app"


def database(**inputs):
    return one_database(**inputs).resources


def messages(verdicts, rule):
    return [v.message for v in verdicts.violations if v.rule == rule]


def test_alias_in_kms_key_id_says_the_database_would_be_replaced(fresh):
    [message] = messages(fresh.analyze_stack(database(kmsKeyId=ALIAS_ARN)), "rds-kms-key-arn")
    assert "kmsKeyId forces replacement when it changes, so every update would replace the resource" in message


def test_alias_in_performance_insights_key_says_it_is_changed_in_place_not_replaced(fresh):
    verdicts = fresh.analyze_stack(database(performanceInsightsEnabled=True, performanceInsightsKmsKeyId=ALIAS_ARN))
    [message] = messages(verdicts, "rds-kms-key-arn")
    assert "in place (the property does not force replacement)" in message
    assert "replace the resource" not in message


@pytest.mark.parametrize("secret_key", [ALIAS_ARN, "alias/app", "1234abcd-12ab-34cd-56ef-1234567890ab"])
def test_any_key_identifier_for_the_master_user_secret_passes(fresh, secret_key):
    verdicts = fresh.analyze_stack(database(manageMasterUserPassword=True, masterUserSecretKmsKeyId=secret_key))
    assert verdicts.violations == []


def test_unprotected_production_signing_key_is_not_said_to_hold_databases(fresh):
    b = StackBuilder("prod", production=True)
    key = b.key("signing-key", HOME, keyUsage="SIGN_VERIFY", customerMasterKeySpec="RSA_2048", enableKeyRotation=None)
    key["protect"] = False
    [message] = messages(fresh.analyze_stack(b.resources, stack="prod"), "kms-key-protected")
    assert "database" not in message and "destroys its key material for good" in message


def test_unprotected_production_encryption_key_says_what_becomes_unreadable(fresh):
    b = StackBuilder("prod", production=True)
    b.key("rds-key", HOME)["protect"] = False
    [message] = messages(fresh.analyze_stack(b.resources, stack="prod"), "kms-key-protected")
    assert "everything encrypted under it unreadable" in message


def test_plaintext_password_on_rds_custom_is_not_told_to_let_rds_manage_it(fresh):
    resources = database(engine="custom-oracle-ee", instanceClass="db.m5.xlarge", password="hunter2hunter2")
    [message] = messages(fresh.analyze_stack(resources), "rds-no-plaintext-master-password")
    assert "manage_master_user_password" not in message
    assert "RDS Custom does not support RDS-managed master passwords" in message
    assert "password_wo with password_wo_version" in message


def test_plaintext_password_message_says_where_the_password_lives(fresh):
    [message] = messages(fresh.analyze_stack(database(password="hunter2hunter2")), "rds-no-plaintext-master-password")
    assert "Pulumi keeps it in the state, in the resource's inputs and outputs" in message
    assert "manage_master_user_password=True" in message
