"""Encrypted read replicas, regional keys, global databases and backup replication, used directly."""

import json

import pulumi
from conftest import CLUSTER, INSTANCE, KEY

from components import (
    EncryptedCluster,
    EncryptedDatabase,
    EncryptedGlobalCluster,
    EncryptedReadReplica,
    EncryptionKey,
    EncryptionReplicaKey,
)

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
WEST_KEY_ARN = "arn:aws:kms:us-west-2:123456789012:key/0a1b2c3d-0000-4000-8000-000000000002"
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
WEST_SUBNETS = ["subnet-0b1b2c3d4e5f60001", "subnet-0b1b2c3d4e5f60002"]
GROUPS = ["sg-0a1b2c3d4e5f60001"]
REPLICA = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"


def source(**overrides):
    return {
        "source_db_identifier": "orders",
        "source_db_arn": "arn:aws:rds:us-east-1:123456789012:db:orders",
        "source_region": "us-east-1",
        "source_engine": "postgres",
        "source_storage_encrypted": True,
        "source_backup_retention_days": 7,
        "source_password_mode": "write-only",
        "source_kms_key_arn": KEY_ARN,
        "instance_class": "db.t4g.micro",
        "vpc_security_group_ids": GROUPS,
        **overrides,
    }


def database(**overrides):
    return EncryptedDatabase(
        "orders",
        {
            "kms_key_arn": KEY_ARN,
            "engine": "postgres",
            "instance_class": "db.t4g.micro",
            "subnet_ids": SUBNETS,
            "vpc_security_group_ids": GROUPS,
            **overrides,
        },
    )


def test_same_region_replica_names_its_source_by_identifier_and_sends_no_key(under_mocks):
    replica = under_mocks(lambda: EncryptedReadReplica("reader", source())).one(INSTANCE).inputs
    assert replica["replicateSourceDb"] == "orders"
    assert "kmsKeyId" not in replica
    assert "region" not in replica
    assert replica["storageEncrypted"] is True
    assert replica["skipFinalSnapshot"] is True


def test_replicas_carry_no_master_user_or_password(under_mocks):
    replica = under_mocks(lambda: EncryptedReadReplica("reader", source())).one(INSTANCE).inputs
    assert not {"username", "password", "passwordWo", "manageMasterUserPassword"} & set(replica)


def test_same_region_replica_accepts_exactly_the_source_key(under_mocks):
    run = under_mocks(lambda: EncryptedReadReplica("reader", source(kms_key_arn=KEY_ARN)))
    assert "kmsKeyId" not in run.one(INSTANCE).inputs


def test_same_region_replica_refuses_a_different_key(refused):
    other = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-00000000000f"
    problems = refused(lambda: EncryptedReadReplica("reader", source(kms_key_arn=other)))
    assert problems[0].startswith("kms_key_arn: key '" + other + "' differs from the source's key")


def test_cross_region_replica_names_its_source_by_arn_on_a_key_of_its_region(under_mocks):
    run = under_mocks(
        lambda: EncryptedReadReplica(
            "dr",
            source(
                region="us-west-2", kms_key_arn=WEST_KEY_ARN, subnet_ids=WEST_SUBNETS, vpc_security_group_ids=GROUPS
            ),
        )
    )
    replica = run.one(INSTANCE).inputs
    assert replica["replicateSourceDb"] == "arn:aws:rds:us-east-1:123456789012:db:orders"
    assert replica["kmsKeyId"] == WEST_KEY_ARN
    assert replica["region"] == "us-west-2"
    assert run.one("aws:rds/subnetGroup:SubnetGroup").inputs["region"] == "us-west-2"


def test_cross_region_replica_without_a_destination_key_is_refused(refused):
    problems = refused(lambda: EncryptedReadReplica("dr", source(region="us-west-2", subnet_ids=WEST_SUBNETS)))
    assert "kms_key_arn: is required" in problems


def test_cross_region_replica_with_a_key_of_the_source_region_is_refused(refused):
    problems = refused(
        lambda: EncryptedReadReplica("dr", source(region="us-west-2", kms_key_arn=KEY_ARN, subnet_ids=WEST_SUBNETS)),
    )
    assert any(
        p.startswith("kms_key_arn: key") and "is in us-east-1 but the resource is in us-west-2" in p for p in problems
    )


def test_replica_of_an_unencrypted_source_is_refused(refused):
    problems = refused(lambda: EncryptedReadReplica("reader", source(source_storage_encrypted=False)))
    assert problems[0].startswith("source_storage_encrypted: the source is not encrypted")


def test_replica_of_a_source_without_backups_is_refused(refused):
    problems = refused(lambda: EncryptedReadReplica("reader", source(source_backup_retention_days=0)))
    assert problems[0].startswith("source_storage_encrypted: the source has automated backups off")


def test_replica_of_a_source_whose_password_secrets_manager_manages_is_refused(refused):
    problems = refused(lambda: EncryptedReadReplica("reader", source(source_password_mode="secrets-manager")))
    assert problems[0].startswith("source_password_mode: the postgres source manages its master password")
    assert "write-only" in problems[0]


def test_sql_server_replicas_allow_a_secrets_manager_password_on_the_source(under_mocks):
    run = under_mocks(
        lambda: EncryptedReadReplica(
            "reader",
            source(source_engine="sqlserver-ee", source_password_mode="secrets-manager", instance_class="db.m5.xlarge"),
        )
    )
    assert run.one(INSTANCE).inputs["replicateSourceDb"] == "orders"


def secret_value(recorded):
    """The plaintext behind a secret input, after checking it is marked secret."""
    assert recorded[pulumi.runtime.rpc._special_sig_key] == pulumi.runtime.rpc._special_secret_sig
    return recorded["value"]


def test_write_only_password_is_generated_by_a_random_password_and_sent_only_to_the_write_only_input(under_mocks):
    run = under_mocks(lambda: database(password_mode="write-only"))
    instance = run.one(INSTANCE).inputs
    assert "manageMasterUserPassword" not in instance and "password" not in instance
    generated = run.named("orders-master-password")
    assert generated.type == "random:index/randomPassword:RandomPassword"
    assert secret_value(instance["passwordWo"]) == generated.outputs["result"]
    assert instance["passwordWoVersion"] == 1


def test_generated_password_fits_every_engine_and_changes_only_with_its_version(under_mocks):
    generated = under_mocks(lambda: database(password_mode="write-only", password_version=3)).named(
        "orders-master-password"
    )
    assert generated.inputs["length"] == 30
    assert generated.inputs["special"] is False
    assert generated.inputs["minUpper"] == generated.inputs["minLower"] == generated.inputs["minNumeric"] == 1
    assert generated.inputs["keepers"] == {"passwordVersion": "3"}


def test_write_only_secret_holds_the_password_and_the_endpoint_under_the_database_key(under_mocks):
    run = under_mocks(lambda: database(password_mode="write-only"))
    assert run.one("aws:secretsmanager/secret:Secret").inputs["kmsKeyId"] == KEY_ARN
    version = run.one("aws:secretsmanager/secretVersion:SecretVersion").inputs
    stored = json.loads(secret_value(version["secretString"]))
    instance = run.one(INSTANCE)
    assert stored["password"] == secret_value(instance.inputs["passwordWo"])
    assert (stored["host"], stored["port"]) == (instance.outputs["address"], instance.outputs["port"])
    assert stored["username"] == instance.inputs["username"]


def test_a_database_replicated_by_replica_source_gets_its_settings(under_mocks):
    def program():
        primary = database(password_mode="write-only")
        EncryptedReadReplica(
            "reader", {**primary.replica_source(), "instance_class": "db.t4g.micro", "vpc_security_group_ids": GROUPS}
        )

    run = under_mocks(program)
    primary, replica = sorted(run.of_type(INSTANCE), key=lambda r: r.name)
    assert replica.inputs["replicateSourceDb"] == "orders"
    assert primary.urn in replica.property_dependencies["replicateSourceDb"]


def test_automated_backups_are_replicated_under_a_key_of_the_destination_region(under_mocks):
    run = under_mocks(
        lambda: database(backup_replication_region="us-west-2", backup_replication_kms_key_arn=WEST_KEY_ARN)
    )
    replication = run.one(REPLICA).inputs
    assert replication["kmsKeyId"] == WEST_KEY_ARN
    assert replication["region"] == "us-west-2"
    assert replication["sourceDbInstanceArn"] == "arn:aws:rds:us-east-1:123456789012:db:orders"
    assert replication["retentionPeriod"] == 7


def test_backup_replication_with_a_key_of_another_region_is_refused(refused):
    problems = refused(lambda: database(backup_replication_region="us-west-2", backup_replication_kms_key_arn=KEY_ARN))
    assert problems[0].startswith("backup_replication_kms_key_arn: key")


def test_multi_region_key_replica_lands_in_its_region_with_a_policy_for_rds_there(under_mocks):
    def program():
        primary = EncryptionKey("primary", {"multi_region": True})
        EncryptionReplicaKey("west", {"primary_key_arn": primary.key_arn, "region": "us-west-2"})

    run = under_mocks(program)
    primary = run.one(KEY)
    replica = run.one("aws:kms/replicaKey:ReplicaKey")
    assert primary.inputs["multiRegion"] is True
    assert replica.inputs["primaryKeyArn"] == primary.outputs["arn"]
    assert replica.inputs["region"] == "us-west-2"
    assert "rds.us-west-2.amazonaws.com" in replica.inputs["policy"]
    assert replica.outputs["arn"].startswith("arn:aws:kms:us-west-2:")


def test_replicating_a_single_region_key_is_refused(refused):
    problems = refused(lambda: EncryptionReplicaKey("west", {"primary_key_arn": KEY_ARN, "region": "us-west-2"}))
    assert problems == [
        f"primary_key_arn: '{KEY_ARN}' is a single-Region key; replicate a multi-Region key (EncryptionKey multi_region)"
    ]


def global_args(**overrides):
    return {
        "engine": "aurora-postgresql",
        "engine_version": "16.4",
        "instance_class": "db.r7g.large",
        "primary_kms_key_arn": KEY_ARN,
        "primary_subnet_ids": SUBNETS,
        "primary_vpc_security_group_ids": GROUPS,
        "secondary_region": "us-west-2",
        "secondary_kms_key_arn": WEST_KEY_ARN,
        "secondary_subnet_ids": WEST_SUBNETS,
        "secondary_vpc_security_group_ids": GROUPS,
        **overrides,
    }


def test_global_database_clusters_are_each_on_a_key_of_their_region(under_mocks):
    run = under_mocks(lambda: EncryptedGlobalCluster("orders", global_args()))
    assert run.one("aws:rds/globalCluster:GlobalCluster").inputs["storageEncrypted"] is True
    clusters = {r.name: r.inputs for r in run.of_type(CLUSTER)}
    assert clusters["orders-primary-cluster"]["kmsKeyId"] == KEY_ARN
    assert clusters["orders-secondary-cluster"]["kmsKeyId"] == WEST_KEY_ARN
    assert clusters["orders-secondary-cluster"]["region"] == "us-west-2"
    assert "masterUsername" not in clusters["orders-secondary-cluster"]


def test_global_primary_uses_a_write_only_password_since_secrets_manager_cannot(under_mocks):
    run = under_mocks(lambda: EncryptedGlobalCluster("orders", global_args()))
    primary = next(r for r in run.of_type(CLUSTER) if r.name == "orders-primary-cluster").inputs
    assert "manageMasterUserPassword" not in primary
    assert "masterPasswordWo" in primary


def test_global_secondary_waits_for_the_primary_cluster_and_its_instances(under_mocks):
    run = under_mocks(lambda: EncryptedGlobalCluster("orders", global_args()))
    primary = next(r for r in run.resources if r.name == "orders-primary" and not r.custom)
    secondary_cluster = next(r for r in run.of_type(CLUSTER) if r.name == "orders-secondary-cluster")
    primary_members = {r.urn for r in run.resources if r.parent == primary.urn and r.type.startswith("aws:rds/cluster")}
    assert len(primary_members) == 3
    assert primary_members <= set(secondary_cluster.dependencies)


def test_global_secondary_key_of_the_wrong_region_is_refused(refused):
    problems = refused(lambda: EncryptedGlobalCluster("orders", global_args(secondary_kms_key_arn=KEY_ARN)))
    assert problems[0].startswith("secondary_kms_key_arn: key")


def test_same_region_replica_refuses_subnets_of_its_own(refused):
    problems = refused(lambda: EncryptedReadReplica("reader", source(subnet_ids=WEST_SUBNETS)))
    assert problems == ["subnet_ids: a replica in the source's region uses the source's subnet group; leave it out"]


def test_same_region_replica_insights_without_the_source_key_are_refused(refused):
    args = source(performance_insights=True)
    del args["source_kms_key_arn"]
    problems = refused(lambda: EncryptedReadReplica("reader", args))
    assert problems[0].startswith("source_kms_key_arn: Performance Insights of a same-region replica must use")


def test_global_secondary_in_the_primary_region_is_refused(refused):
    problems = refused(
        lambda: EncryptedGlobalCluster(
            "orders", global_args(secondary_region="us-east-1", secondary_kms_key_arn=KEY_ARN)
        )
    )
    assert problems == ["secondary_region: a secondary cluster lives in another region than the primary"]


def test_a_global_database_member_cannot_keep_its_password_in_secrets_manager(refused):
    problems = refused(
        lambda: EncryptedCluster(
            "member",
            {
                "kms_key_arn": KEY_ARN,
                "engine": "aurora-postgresql",
                "instance_class": "db.r7g.large",
                "subnet_ids": SUBNETS,
                "vpc_security_group_ids": GROUPS,
                "global_cluster_identifier": "orders",
            },
        )
    )
    assert problems[0].startswith("password_mode: Secrets Manager cannot manage the master password")


def test_same_region_replica_without_security_groups_is_refused_since_aws_would_attach_the_default_group(refused):
    args = source()
    del args["vpc_security_group_ids"]
    problems = refused(lambda: EncryptedReadReplica("reader", args))
    assert problems == [
        "vpc_security_group_ids: no security group given, so RDS would attach the VPC's default group; "
        "list at least one security group id"
    ]


def test_backup_replication_between_govcloud_regions_is_refused_for_want_of_a_presigned_url(refused):
    gov_key = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000005"
    gov_east_key = "arn:aws-us-gov:kms:us-gov-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000006"
    problems = refused(
        lambda: database(
            kms_key_arn=gov_key,
            region="us-gov-west-1",
            backup_replication_region="us-gov-east-1",
            backup_replication_kms_key_arn=gov_east_key,
        )
    )
    assert [problem.split(":")[0] for problem in problems] == ["backup_replication_region"]
    assert "needs a presigned URL that pulumi-aws does not generate" in problems[0]


def test_global_database_needs_a_full_engine_version_which_the_provider_reads_back(refused):
    problems = refused(lambda: EncryptedGlobalCluster("orders", global_args(engine_version="16")))
    assert problems == [
        "engine_version: '16' is not a full aurora-postgresql version; an Aurora global database needs one (such as "
        "16.4): the provider reads the full version back and would otherwise modify the global cluster on every update"
    ]


def test_replica_of_oracle_standard_edition_2_is_refused_as_aws_has_none(refused):
    problems = refused(
        lambda: EncryptedReadReplica("reader", source(source_engine="oracle-se2", instance_class="db.m5.large"))
    )
    assert problems == [
        "source_engine: RDS for Oracle has read replicas only in Enterprise Edition, not oracle-se2; "
        "use oracle-ee or oracle-ee-cdb, or no replicas"
    ]


def test_replica_class_must_be_one_the_source_engine_runs_on(refused):
    problems = refused(lambda: EncryptedReadReplica("reader", source(source_engine="sqlserver-ee")))
    assert problems == [
        "instance_class: sqlserver-ee cannot run on db.t4g.micro: RDS for SQL Server runs on no AWS Graviton (g) "
        "class; use a class such as db.m5.xlarge"
    ]


def test_global_database_on_a_burstable_class_is_refused_before_anything_exists(refused):
    problems = refused(lambda: EncryptedGlobalCluster("orders", global_args(instance_class="db.t4g.medium")))
    assert problems == [
        "instance_class: an Aurora global database needs memory-optimized classes (db.r*, db.x2g) or db.serverless, "
        "not db.t4g.medium; use a class such as db.r6g.large"
    ]


def test_serverless_global_database_gives_both_clusters_the_capacity_range(under_mocks):
    args = global_args(instance_class="db.serverless", serverless_min_capacity=1, serverless_max_capacity=32)
    run = under_mocks(lambda: EncryptedGlobalCluster("orders", args))
    ranges = [r.inputs["serverlessv2ScalingConfiguration"] for r in run.of_type(CLUSTER)]
    assert ranges == [{"minCapacity": 1, "maxCapacity": 32}] * 2


def test_replica_in_another_partition_than_its_source_is_refused(refused):
    gov_key = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000002"
    args = source(region="us-gov-west-1", kms_key_arn=gov_key, subnet_ids=WEST_SUBNETS, vpc_security_group_ids=GROUPS)
    problems = refused(lambda: EncryptedReadReplica("reader", args))
    assert [p.split(":")[0] for p in problems] == ["region"]
    assert "us-gov-west-1 is in partition aws-us-gov but us-east-1 is in aws" in problems[0]


def test_global_database_secondary_in_another_partition_is_refused(refused):
    china_key = "arn:aws-cn:kms:cn-northwest-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000002"
    args = global_args(secondary_region="cn-northwest-1", secondary_kms_key_arn=china_key)
    problems = refused(lambda: EncryptedGlobalCluster("orders", args))
    assert [p.split(":")[0] for p in problems] == ["secondary_region"]
