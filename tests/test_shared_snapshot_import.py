"""SharedSnapshotImport: the receiving account copies a shared snapshot under its own key, then restores."""

import pulumi
import pulumi_aws as aws

from components.shared_snapshot_import import SharedSnapshotImport

COPY = "aws:rds/snapshotCopy:SnapshotCopy"
KEY = "aws:kms/key:Key"
INSTANCE = "aws:rds/instance:Instance"
THIS_ACCOUNT = "123456789012"
SHARING_ACCOUNT = "210987654321"
SHARED_ARN = f"arn:aws:rds:us-east-1:{SHARING_ACCOUNT}:snapshot:handover"
OWN_KEY_ARN = f"arn:aws:kms:us-east-1:{THIS_ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000001"
SHARING_KEY_ARN = f"arn:aws:kms:us-east-1:{SHARING_ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000009"
RESTORE = {
    "restore_instance": True,
    "engine": "postgres",
    "instance_class": "db.t4g.medium",
    "subnet_ids": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    "vpc_security_group_ids": ["sg-0a1b2c3d4e5f60001"],
}


def import_args(**overrides):
    return {"source_snapshot_arn": SHARED_ARN, **overrides}


def test_shared_snapshot_is_copied_under_a_new_key_of_this_account(under_mocks):
    run = under_mocks(lambda: SharedSnapshotImport("orders", import_args()))
    key, copy = run.one(KEY), run.one(COPY)
    assert copy.inputs["sourceDbSnapshotIdentifier"] == SHARED_ARN
    assert copy.inputs["kmsKeyId"] == key.outputs["arn"]
    assert key.urn in copy.property_dependencies["kmsKeyId"]
    assert f":{THIS_ACCOUNT}:" in key.outputs["arn"]
    assert "sharedAccounts" not in copy.inputs


def test_a_given_key_of_this_account_is_used_and_no_key_created(under_mocks):
    run = under_mocks(lambda: SharedSnapshotImport("orders", import_args(kms_key_arn=OWN_KEY_ARN)))
    assert run.of_type(KEY) == []
    assert run.one(COPY).inputs["kmsKeyId"] == OWN_KEY_ARN


def test_without_restore_no_instance_is_made_and_instance_outputs_are_empty(under_mocks):
    def program():
        imported = SharedSnapshotImport("orders", import_args(kms_key_arn=OWN_KEY_ARN))
        pulumi.export("snapshot", imported.snapshot_identifier)
        pulumi.export("instance", imported.instance_arn)

    run = under_mocks(program)
    assert run.of_type(INSTANCE) == []
    assert run.outputs == {"snapshot": "orders", "instance": ""}


def test_instance_is_restored_from_the_local_copy_never_the_shared_snapshot(under_mocks):
    run = under_mocks(lambda: SharedSnapshotImport("orders", import_args(**RESTORE)))
    copy, instance = run.one(COPY), run.one(INSTANCE)
    assert instance.inputs["snapshotIdentifier"] == copy.inputs["targetDbSnapshotIdentifier"] == "orders"
    assert copy.urn in instance.property_dependencies["snapshotIdentifier"]


def test_restored_instance_has_the_safe_settings_of_an_encrypted_database(under_mocks):
    def program():
        imported = SharedSnapshotImport("orders", import_args(**RESTORE))
        pulumi.export("secret", imported.master_user_secret_arn)

    run = under_mocks(program)
    key, instance = run.one(KEY), run.one(INSTANCE).inputs
    assert instance["storageEncrypted"] is True
    assert instance["kmsKeyId"] == key.outputs["arn"]
    assert instance["manageMasterUserPassword"] is True
    assert instance["masterUserSecretKmsKeyId"] == key.outputs["arn"]
    assert instance["publiclyAccessible"] is False
    assert instance["backupRetentionPeriod"] == 7
    assert instance["deletionProtection"] is True
    assert instance["skipFinalSnapshot"] is False
    assert "username" not in instance and "dbName" not in instance
    assert run.outputs["secret"].startswith(f"arn:aws:secretsmanager:us-east-1:{THIS_ACCOUNT}:secret:rds!db-")


def test_import_refuses_a_source_that_is_not_an_arn(refused):
    problems = refused(lambda: SharedSnapshotImport("orders", import_args(source_snapshot_arn="handover")))
    assert problems == [
        "source_snapshot_arn: 'handover' is not a DB snapshot ARN; a snapshot shared by another account is named "
        "by its ARN (arn:aws:rds:<region>:<owner-account>:snapshot:<name>)"
    ]


def test_import_refuses_a_snapshot_of_this_account(refused):
    own = f"arn:aws:rds:us-east-1:{THIS_ACCOUNT}:snapshot:orders-1"
    problems = refused(
        lambda: SharedSnapshotImport("orders", import_args(source_snapshot_arn=own, account_id=THIS_ACCOUNT)),
    )
    assert problems == [
        f"source_snapshot_arn: '{own}' belongs to this account ({THIS_ACCOUNT}), so it is not shared; "
        "copy it with an EncryptedSnapshotCopy"
    ]


def test_import_refuses_the_sharing_accounts_key(refused):
    problems = refused(lambda: SharedSnapshotImport("orders", import_args(kms_key_arn=SHARING_KEY_ARN)))
    assert len(problems) == 1
    assert problems[0].startswith(
        f"kms_key_arn: key '{SHARING_KEY_ARN}' belongs to account {SHARING_ACCOUNT}, which shared"
    )


def test_import_refuses_a_key_of_a_third_account_when_this_account_is_known(refused):
    third = "arn:aws:kms:us-east-1:310987654321:key/0a1b2c3d-0000-4000-8000-000000000003"
    problems = refused(lambda: SharedSnapshotImport("orders", import_args(kms_key_arn=third, account_id=THIS_ACCOUNT)))
    assert problems == [
        f"kms_key_arn: key '{third}' belongs to account 310987654321, not this account {THIS_ACCOUNT}; "
        "use a key of this account"
    ]


def test_import_refuses_the_aws_managed_key(refused):
    problems = refused(lambda: SharedSnapshotImport("orders", import_args(kms_key_arn="alias/aws/rds")))
    assert len(problems) == 1
    assert problems[0].startswith("kms_key_arn: 'alias/aws/rds' is the AWS managed key aws/rds")


def test_restore_needs_the_instance_settings(refused):
    problems = refused(lambda: SharedSnapshotImport("orders", import_args(restore_instance=True)))
    assert [problem.split(":")[0] for problem in problems] == [
        "engine",
        "instance_class",
        "subnet_ids",
        "vpc_security_group_ids",
    ]


def test_restore_refuses_an_unencryptable_instance_class(refused):
    problems = refused(
        lambda: SharedSnapshotImport("orders", import_args(**{**RESTORE, "instance_class": "db.t2.micro"}))
    )
    assert len(problems) == 1
    assert problems[0].startswith("instance_class: instance class 'db.t2.micro' does not support encryption")


def test_restore_reports_a_bad_region_once(refused):
    problems = refused(lambda: SharedSnapshotImport("orders", import_args(**RESTORE, region="europe")))
    assert [problem.split(":")[0] for problem in problems] == ["region"]


def test_target_account_provider_reaches_every_resource_of_the_import(under_mocks):
    def program():
        target = aws.Provider("target-account", region="us-east-1", profile="target-account")
        SharedSnapshotImport("orders", import_args(**RESTORE), opts=pulumi.ResourceOptions(providers=[target]))

    run = under_mocks(program)
    provider = run.one("pulumi:providers:aws")
    custom = [r for r in run.resources if r.custom and r.type.startswith("aws:")]
    assert {r.type for r in custom} >= {KEY, COPY, INSTANCE}
    assert all(r.provider.startswith(provider.urn + "::") for r in custom)


def test_retain_on_delete_reaches_every_resource_of_the_import(under_mocks):
    run = under_mocks(
        lambda: SharedSnapshotImport(
            "orders", import_args(**RESTORE), opts=pulumi.ResourceOptions(retain_on_delete=True)
        )
    )
    assert all(resource.retain_on_delete for resource in run.resources)
