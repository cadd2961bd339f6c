"""The components used directly, as another Python stack would: argument checks and options."""

import pulumi
import pytest
from conftest import ALIAS, CLUSTER, CLUSTER_INSTANCE, INSTANCE, KEY

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
    run = under_mocks(
        lambda: EncryptedCluster(
            "c", database_args(engine="aurora-mysql", instance_class="db.t4g.medium", instance_count=1)
        )
    )
    assert run.one(CLUSTER).inputs["kmsKeyId"] == KEY_ARN


@pytest.mark.parametrize(
    ("engine", "license_model"),
    [("oracle-ee", "bring-your-own-license"), ("oracle-se2", "license-included"), ("sqlserver-se", "license-included")],
)
def test_database_declares_the_license_model_of_its_edition(engine, license_model, under_mocks):
    args = database_args(engine=engine, instance_class="db.m5.large")
    assert under_mocks(lambda: EncryptedDatabase("db", args)).one(INSTANCE).inputs["licenseModel"] == license_model


def test_database_refuses_a_license_model_its_edition_does_not_have(refused):
    args = database_args(engine="oracle-ee", instance_class="db.m5.large", license_model="license-included")
    problems = refused(lambda: EncryptedDatabase("db", args))
    assert problems == [
        "license_model: 'license-included' is not a license model of oracle-ee; use bring-your-own-license"
    ]


def test_database_refuses_a_class_and_a_version_its_engine_does_not_run(refused):
    args = database_args(engine="oracle-ee", instance_class="db.r7g.large", engine_version="8.0.36")
    problems = refused(lambda: EncryptedDatabase("db", args))
    assert [p.split(":")[0] for p in problems] == ["engine_version", "instance_class"]
    assert "RDS for Oracle runs on no AWS Graviton (g) class" in problems[1]


def test_database_names_the_allocation_when_the_allocation_is_out_of_range(refused):
    problems = refused(lambda: EncryptedDatabase("db", database_args(allocated_storage_gb=70000)))
    assert problems == [
        "allocated_storage_gb: allocated storage 70000 GiB is outside the 20 to 65536 GiB that postgres allows on gp3"
    ]


def test_sql_server_database_storage_ends_at_16_tib(refused):
    args = database_args(engine="sqlserver-se", instance_class="db.m5.large", max_allocated_storage_gb=17000)
    problems = refused(lambda: EncryptedDatabase("db", args))
    assert problems == [
        "max_allocated_storage_gb: storage autoscaling limit 17000 GiB exceeds the 16384 GiB that sqlserver-se allows"
    ]


def serverless_args(**overrides):
    return database_args(engine="aurora-postgresql", instance_class="db.serverless", instance_count=1, **overrides)


def test_serverless_cluster_gets_the_capacity_range_aurora_requires(under_mocks):
    run = under_mocks(lambda: EncryptedCluster("c", serverless_args(serverless_max_capacity=8)))
    assert run.one(CLUSTER).inputs["serverlessv2ScalingConfiguration"] == {"minCapacity": 0.5, "maxCapacity": 8}
    assert run.one(CLUSTER_INSTANCE).inputs["instanceClass"] == "db.serverless"


def test_provisioned_cluster_has_no_capacity_range(under_mocks):
    args = database_args(engine="aurora-mysql", instance_class="db.r7g.large", instance_count=1)
    assert (
        "serverlessv2ScalingConfiguration" not in under_mocks(lambda: EncryptedCluster("c", args)).one(CLUSTER).inputs
    )


def test_serverless_capacity_outside_what_aurora_allows_is_refused(refused):
    problems = refused(lambda: EncryptedCluster("c", serverless_args(serverless_min_capacity=0.3)))
    assert problems[0].startswith("serverless_min_capacity: minimum capacity 0.3 ACUs must be 0 (auto-pause) or 0.5")
    problems = refused(lambda: EncryptedCluster("c", serverless_args(serverless_max_capacity=300)))
    assert problems[0].startswith("serverless_max_capacity: maximum capacity 300 ACUs must be 1 to 256")


def test_capacity_range_without_serverless_instances_is_refused(refused):
    args = database_args(engine="aurora-mysql", instance_class="db.r7g.large", serverless_max_capacity=8)
    problems = refused(lambda: EncryptedCluster("c", args))
    assert problems == ["serverless_max_capacity: applies only to instance_class db.serverless; leave it out"]


def test_key_alias_may_contain_a_colon_as_kms_allows(under_mocks):
    run = under_mocks(lambda: EncryptionKey("k", {"alias": "alias/orders:prod"}))
    assert run.one(ALIAS).inputs["name"] == "alias/orders:prod"


def test_database_refuses_backup_replication_into_another_partition(refused):
    china_key = "arn:aws-cn:kms:cn-north-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000002"
    args = database_args(backup_replication_region="cn-north-1", backup_replication_kms_key_arn=china_key)
    problems = refused(lambda: EncryptedDatabase("db", args))
    assert [p.split(":")[0] for p in problems] == ["backup_replication_region"]
    assert "cn-north-1 is in partition aws-cn but us-east-1 is in aws" in problems[0]
