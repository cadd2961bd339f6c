"""The components used directly, as another Python stack would: argument checks and options."""

import pulumi
import pytest
from conftest import CLUSTER, INSTANCE, KEY

from components import EncryptedCluster, EncryptedDatabase, EncryptionKey

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
NETWORK = {
    "subnet_ids": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    "vpc_security_group_ids": ["sg-0a1b2c3d4e5f60001"],
}


def database_args(**overrides):
    return {"kms_key_arn": KEY_ARN, "engine": "postgres", "instance_class": "db.t4g.micro", **NETWORK, **overrides}


def test_database_refuses_an_unencryptable_class_and_engine_before_registering(refused):
    problems = refused(
        lambda: EncryptedDatabase("db", database_args(engine="sqlserver-ex", instance_class="db.m2.xlarge")),
    )
    assert any(p.startswith("engine: engine 'sqlserver-ex'") for p in problems)
    assert any(p.startswith("instance_class: instance class 'db.m2.xlarge'") for p in problems)


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("alias/rds", "is a key alias"),
        ("alias/aws/rds", "AWS managed key aws/rds"),
        ("0a1b2c3d-0000-4000-8000-000000000001", "bare key id"),
        ("arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001", "is in eu-west-1"),
    ],
)
def test_database_refuses_a_key_that_is_not_a_customer_managed_key_arn_of_its_region(key, words, refused):
    problems = refused(lambda: EncryptedDatabase("db", database_args(kms_key_arn=key)))
    assert problems == [next(p for p in problems if p.startswith("kms_key_arn: ") and words in p)]


def test_database_in_another_region_needs_a_key_of_that_region(refused):
    problems = refused(lambda: EncryptedDatabase("db", database_args(region="eu-west-1")))
    assert problems == [
        "kms_key_arn: key '" + KEY_ARN + "' is in us-east-1 but the resource is in eu-west-1; "
        "KMS keys are regional: use a key created in eu-west-1"
    ]


def test_database_refuses_backups_off_and_reports_it_with_other_problems(refused):
    problems = refused(
        lambda: EncryptedDatabase("db", database_args(backup_retention_days=0, max_allocated_storage_gb=10)),
    )
    assert [p.split(":")[0] for p in problems] == ["backup_retention_days", "max_allocated_storage_gb"]


def test_database_requires_a_key(refused):
    args = database_args()
    del args["kms_key_arn"]
    problems = refused(lambda: EncryptedDatabase("db", args))
    assert "kms_key_arn: is required" in problems


def test_cluster_refuses_a_non_aurora_engine(refused):
    problems = refused(lambda: EncryptedCluster("c", database_args(engine="postgres")))
    assert problems[0].startswith("engine: engine 'postgres' is not an Aurora engine")


def test_key_refuses_out_of_range_windows_and_wildcard_principals(refused):
    problems = refused(
        lambda: EncryptionKey(
            "k", {"deletion_window_days": 5, "rotation_period_days": 3000, "user_arns": ["arn:aws:iam::*:root"]}
        ),
    )
    assert [p.split(":")[0] for p in problems] == ["deletion_window_days", "rotation_period_days", "user_arns"]


def test_database_defaults_are_safe_deletion_protection_and_final_snapshot_on(under_mocks):
    run = under_mocks(lambda: EncryptedDatabase("orders", database_args()))
    instance = run.one(INSTANCE).inputs
    assert instance["deletionProtection"] is True
    assert instance["skipFinalSnapshot"] is False
    assert instance["finalSnapshotIdentifier"] == "orders-final"
    assert instance["performanceInsightsEnabled"] is False
    assert "performanceInsightsKmsKeyId" not in instance


def test_retain_on_delete_reaches_every_child_since_pulumi_does_not_inherit_it(under_mocks):
    run = under_mocks(
        lambda: EncryptedDatabase("orders", database_args(), opts=pulumi.ResourceOptions(retain_on_delete=True))
    )
    assert all(r.retain_on_delete for r in run.resources)


def test_protect_on_the_component_reaches_its_children(under_mocks):
    run = under_mocks(lambda: EncryptionKey("k", {}, opts=pulumi.ResourceOptions(protect=True)))
    assert all(r.protect for r in run.resources)


def test_key_in_another_region_has_a_policy_for_rds_in_that_region(under_mocks):
    run = under_mocks(lambda: EncryptionKey("dr", {"region": "us-west-2"}))
    key = run.one(KEY)
    assert key.inputs["region"] == "us-west-2"
    assert "rds.us-west-2.amazonaws.com" in key.inputs["policy"]
    assert key.outputs["arn"].startswith("arn:aws:kms:us-west-2:")


def test_cluster_key_output_is_the_cluster_key(under_mocks):
    run = under_mocks(lambda: EncryptedCluster("c", database_args(engine="aurora-mysql", instance_count=1)))
    assert run.one(CLUSTER).inputs["kmsKeyId"] == KEY_ARN
