"""EncryptedMigration: snapshot of an unencrypted instance -> encrypted copy under the key -> restore."""

import pulumi
import pytest

from components.encryption_key import EncryptionKey
from components.migration import EncryptedMigration

SNAPSHOT = "aws:rds/snapshot:Snapshot"
COPY = "aws:rds/snapshotCopy:SnapshotCopy"
KEY = "aws:kms/key:Key"
INSTANCE = "aws:rds/instance:Instance"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"


def migration_args(**overrides):
    return {
        "source_instance_identifier": "orders-legacy",
        "kms_key_arn": KEY_ARN,
        "engine": "mysql",
        "instance_class": "db.r7g.large",
        "subnet_ids": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
        "vpc_security_group_ids": ["sg-0a1b2c3d4e5f60001"],
        **overrides,
    }


def test_snapshot_of_the_source_is_copied_under_the_key(under_mocks):
    run = under_mocks(lambda: EncryptedMigration("orders", migration_args()))
    snapshot, copy = run.one(SNAPSHOT), run.one(COPY)
    assert snapshot.inputs["dbInstanceIdentifier"] == "orders-legacy"
    assert snapshot.inputs["dbSnapshotIdentifier"] == "orders-pre-encryption"
    assert copy.inputs["sourceDbSnapshotIdentifier"] == snapshot.outputs["dbSnapshotArn"]
    assert snapshot.urn in copy.property_dependencies["sourceDbSnapshotIdentifier"]
    assert copy.inputs["kmsKeyId"] == KEY_ARN
    assert copy.inputs["targetDbSnapshotIdentifier"] == "orders-encrypted"


def test_new_instance_is_restored_from_the_encrypted_copy_not_the_unencrypted_snapshot(under_mocks):
    run = under_mocks(lambda: EncryptedMigration("orders", migration_args()))
    copy, instance = run.one(COPY), run.one(INSTANCE)
    assert instance.inputs["snapshotIdentifier"] == "orders-encrypted"
    assert copy.urn in instance.property_dependencies["snapshotIdentifier"]
    assert run.one(SNAPSHOT).urn not in instance.dependencies


def test_restored_instance_is_encrypted_with_the_key_and_safe(under_mocks):
    def program():
        key = EncryptionKey("orders-key", {})
        EncryptedMigration("orders", migration_args(kms_key_arn=key.key_arn))

    run = under_mocks(program)
    key, instance = run.one(KEY), run.one(INSTANCE)
    inputs = instance.inputs
    assert inputs["identifier"] == "orders"
    assert inputs["engine"] == "mysql"
    assert inputs["storageEncrypted"] is True
    assert inputs["kmsKeyId"] == key.outputs["arn"]
    assert key.urn in instance.property_dependencies["kmsKeyId"]
    assert inputs["manageMasterUserPassword"] is True
    assert inputs["masterUserSecretKmsKeyId"] == key.outputs["arn"]
    assert inputs["publiclyAccessible"] is False
    assert inputs["backupRetentionPeriod"] == 7
    assert inputs["deletionProtection"] is True
    assert inputs["finalSnapshotIdentifier"] == "orders-final"


def test_named_parameter_and_option_groups_carry_the_source_settings_over(under_mocks):
    run = under_mocks(
        lambda: EncryptedMigration(
            "orders", migration_args(parameter_group_name="orders-mysql8", option_group_name="orders-audit")
        )
    )
    inputs = run.one(INSTANCE).inputs
    assert (inputs["parameterGroupName"], inputs["optionGroupName"]) == ("orders-mysql8", "orders-audit")


def test_source_instance_is_not_managed(under_mocks):
    run = under_mocks(lambda: EncryptedMigration("orders", migration_args()))
    assert [instance.inputs["identifier"] for instance in run.of_type(INSTANCE)] == ["orders"]


def test_completing_the_migration_drops_the_snapshots_and_leaves_the_instance_unchanged(under_mocks):
    during = under_mocks(lambda: EncryptedMigration("orders", migration_args()))
    after = under_mocks(lambda: EncryptedMigration("orders", migration_args(migration_complete=True)))
    assert after.of_type(SNAPSHOT) == [] and after.of_type(COPY) == []
    assert after.one(INSTANCE).inputs == during.one(INSTANCE).inputs


def test_keeping_the_source_password_sends_no_password_change(under_mocks):
    def program():
        migration = EncryptedMigration("orders", migration_args(manage_master_user_password=False))
        pulumi.export("secret", migration.master_user_secret_arn)

    run = under_mocks(program)
    inputs = run.one(INSTANCE).inputs
    assert "manageMasterUserPassword" not in inputs and "masterUserSecretKmsKeyId" not in inputs
    assert run.outputs["secret"] == ""


def test_migration_refuses_aurora_whose_cluster_restore_takes_a_key(refused):
    problems = refused(lambda: EncryptedMigration("orders", migration_args(engine="aurora-mysql")))
    assert len(problems) == 1
    assert problems[0].startswith("engine: engine 'aurora-mysql' is Aurora: restore its cluster snapshot straight")


def test_migration_refuses_to_reuse_the_source_identifier(refused):
    problems = refused(lambda: EncryptedMigration("orders", migration_args(identifier="orders-legacy")))
    assert problems == [
        "identifier: 'orders-legacy' is the identifier of the instance being migrated, which keeps running until "
        "cutover; give the encrypted instance a new identifier"
    ]


def test_migration_refuses_a_class_that_cannot_be_encrypted(refused):
    problems = refused(lambda: EncryptedMigration("orders", migration_args(instance_class="db.m1.large")))
    assert len(problems) == 1
    assert problems[0].startswith("instance_class: instance class 'db.m1.large' does not support encryption")


@pytest.mark.parametrize(("key", "words"), [("alias/aws/rds", "AWS managed key aws/rds"), (None, "is required")])
def test_migration_needs_a_customer_managed_key(key, words, refused):
    args = migration_args(kms_key_arn=key)
    if key is None:
        del args["kms_key_arn"]
    problems = refused(lambda: EncryptedMigration("orders", args))
    assert len(problems) == 1
    assert problems[0].startswith("kms_key_arn: ") and words in problems[0]


def test_migration_refuses_invalid_snapshot_identifiers(refused):
    problems = refused(
        lambda: EncryptedMigration(
            "orders", migration_args(snapshot_identifier="orders--pre", encrypted_snapshot_identifier="9-encrypted")
        ),
    )
    assert [problem.split(":")[0] for problem in problems] == ["snapshot_identifier", "encrypted_snapshot_identifier"]


def test_retain_on_delete_reaches_every_resource_of_the_migration(under_mocks):
    run = under_mocks(
        lambda: EncryptedMigration("orders", migration_args(), opts=pulumi.ResourceOptions(retain_on_delete=True))
    )
    assert all(resource.retain_on_delete for resource in run.resources)
