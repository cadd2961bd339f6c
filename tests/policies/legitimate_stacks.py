"""Correct configurations a platform team deploys, in the engine's wire format.

Each builder returns one stack of a kind (Aurora Serverless v2, I/O-Optimized, Limitless, Multi-AZ
DB clusters, global databases, RDS Custom, BYOK and multi-Region keys, snapshots, copies, shares,
keys from other stacks and from config, restores): the pack must pass every one of them with no
violation, at preview (``as_preview``) and at update, on development and production stacks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stack_fixtures import (
    ACCOUNT,
    AWAY,
    EXTERNAL_KEY,
    HOME,
    REPLICA_KEY,
    SHARED_ACCOUNT,
    Resource,
    StackBuilder,
    organisation_share_policy,
)

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
SHARD_GROUP = "aws:rds/shardGroup:ShardGroup"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
NATIVE_ALIAS = "aws-native:kms:Alias"
NATIVE_REPLICA_KEY = "aws-native:kms:ReplicaKey"
NATIVE_DB_SNAPSHOT = "aws-native:rds:DbSnapshot"
NATIVE_DB_CLUSTER = "aws-native:rds:DbCluster"
CENTRAL_KEY = f"arn:aws:kms:{HOME}:{ACCOUNT}:key/6f1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"


class Builder(StackBuilder):
    """A StackBuilder that sets what production expects of every database."""

    def database(
        self,
        type_: str,
        name: str,
        inputs: dict[str, Any],
        refs: dict[str, tuple[Resource, str]] | None = None,
        region: str = HOME,
    ) -> Resource:
        kind = "cluster" if type_ == CLUSTER else "db"
        defaults = {"deletionProtection": self.production, "backupRetentionPeriod": 7.0}
        if region != HOME:
            defaults["region"] = region
        return self.add(type_, name, {**defaults, **inputs}, refs, outputs=self.db_outputs(kind, name, region))

    def aurora(self, name: str, key: Resource, **inputs: Any) -> Resource:
        props = {
            "clusterIdentifier": name,
            "engine": "aurora-postgresql",
            "storageEncrypted": True,
            "manageMasterUserPassword": True,
            "masterUsername": "app_admin",
            **inputs,
        }
        return self.database(CLUSTER, name, props, {"kmsKeyId": (key, "arn"), "masterUserSecretKmsKeyId": (key, "arn")})

    def member(self, cluster: Resource, name: str, key: Resource, instance_class: str) -> Resource:
        return self.add(
            CLUSTER_INSTANCE,
            name,
            {"instanceClass": instance_class, "engine": "aurora-postgresql", "performanceInsightsEnabled": True},
            {"clusterIdentifier": (cluster, "clusterIdentifier"), "performanceInsightsKmsKeyId": (key, "arn")},
        )

    def postgres(self, name: str, refs: dict[str, tuple[Resource, str]], **inputs: Any) -> Resource:
        props = {
            "identifier": name,
            "engine": "postgres",
            "instanceClass": "db.r7g.large",
            "allocatedStorage": 100.0,
            "storageEncrypted": True,
            **inputs,
        }
        return self.database(INSTANCE, name, props, refs)


def aurora_serverless_v2(b: Builder) -> None:
    key = b.key("rds-key", HOME)
    cluster = b.aurora(
        "serverless",
        key,
        engineMode="provisioned",
        serverlessv2ScalingConfiguration={"minCapacity": 0.5, "maxCapacity": 16.0},
    )
    b.member(cluster, "serverless-1", key, "db.serverless")


def aurora_io_optimized(b: Builder) -> None:
    key = b.key("rds-key", HOME)
    b.member(b.aurora("io-optimized", key, storageType="aurora-iopt1"), "io-optimized-1", key, "db.r7g.large")


def aurora_limitless(b: Builder) -> None:
    key = b.key("rds-key", HOME)
    cluster = b.aurora(
        "limitless",
        key,
        clusterScalabilityType="limitless",
        databaseInsightsMode="advanced",
        performanceInsightsEnabled=True,
        performanceInsightsRetentionPeriod=465.0,
    )
    cluster["inputs"]["performanceInsightsKmsKeyId"] = cluster["outputs"]["performanceInsightsKmsKeyId"] = key[
        "outputs"
    ]["arn"]
    cluster["propertyDependencies"]["performanceInsightsKmsKeyId"] = [key["urn"]]
    b.add(
        SHARD_GROUP,
        "limitless-shards",
        {
            "dbShardGroupIdentifier": "limitless-shards",
            "maxAcu": 768.0,
            "computeRedundancy": 1.0,
            "publiclyAccessible": False,
        },
        {"dbClusterIdentifier": (cluster, "clusterIdentifier")},
    )


def multi_az_db_cluster(b: Builder) -> None:
    key = b.key("rds-key", HOME)
    b.database(
        CLUSTER,
        "multi-az",
        {
            "clusterIdentifier": "multi-az",
            "engine": "postgres",
            "dbClusterInstanceClass": "db.m6gd.large",
            "storageType": "io2",
            "allocatedStorage": 100.0,
            "iops": 3000.0,
            "storageEncrypted": True,
            "manageMasterUserPassword": True,
            "masterUsername": "app_admin",
            "publiclyAccessible": False,
        },
        {"kmsKeyId": (key, "arn"), "masterUserSecretKmsKeyId": (key, "arn")},
    )


def global_database_from_an_existing_cluster(b: Builder) -> None:
    home, away = b.key("rds-key", HOME), b.key("rds-key-eu", AWAY)
    primary = b.aurora("primary", home)
    global_cluster = b.add(
        GLOBAL_CLUSTER,
        "global",
        {"globalClusterIdentifier": "global", "deletionProtection": b.production, "forceDestroy": False},
        {"sourceDbClusterIdentifier": (primary, "arn")},
        outputs={"id": "global"},
    )
    b.database(
        CLUSTER,
        "secondary",
        {"clusterIdentifier": "secondary", "engine": "aurora-postgresql", "storageEncrypted": True},
        {"kmsKeyId": (away, "arn"), "globalClusterIdentifier": (global_cluster, "id")},
        region=AWAY,
    )


def rds_custom_for_oracle(b: Builder) -> None:
    # RDS Custom requires a symmetric customer managed key and cannot let RDS manage the password.
    key = b.key("rds-custom-key", HOME)
    b.postgres(
        "custom-oracle",
        {"kmsKeyId": (key, "arn")},
        engine="custom-oracle-ee",
        engineVersion="19.c.ee.002",
        instanceClass="db.m5.xlarge",
        customIamInstanceProfile="AWSRDSCustomInstanceProfile",
        username="admin",
        passwordWo="from-the-secret-store",
        passwordWoVersion=1.0,
    )


def byok_imported_key_material(b: Builder) -> None:
    key = b.key("byok", HOME, type_=EXTERNAL_KEY)
    b.postgres(
        "byok-db", {"kmsKeyId": (key, "arn"), "masterUserSecretKmsKeyId": (key, "arn")}, manageMasterUserPassword=True
    )


def multi_region_key_replica(b: Builder) -> None:
    primary_key = b.key("mrk", HOME, multiRegion=True)
    replica_key = b.key("mrk-eu", AWAY, type_=REPLICA_KEY, primary=primary_key)
    source = b.postgres("mrk-db", {"kmsKeyId": (primary_key, "arn")})
    b.database(
        INSTANCE,
        "mrk-db-eu",
        {"identifier": "mrk-db-eu", "instanceClass": "db.r7g.large"},
        {"replicateSourceDb": (source, "arn"), "kmsKeyId": (replica_key, "arn")},
        region=AWAY,
    )


def snapshots_and_copies(b: Builder) -> None:
    key, away = b.key("rds-key", HOME), b.key("rds-key-eu", AWAY)
    snapshot = b.snapshot(b.postgres("app", {"kmsKeyId": (key, "arn")}), "app-baseline")
    same_region = b.copy(snapshot, "app-baseline-copy")
    b.copy(snapshot, "app-baseline-eu", away, region=AWAY)
    restored = {"identifier": "app-restored", "instanceClass": "db.r7g.large"}
    b.database(INSTANCE, "app-restored", restored, {"snapshotIdentifier": (same_region, "dbSnapshotArn")})
    cluster_snapshot = b.snapshot(b.aurora("aurora", key), "aurora-baseline")
    b.copy(cluster_snapshot, "aurora-baseline-copy")
    restored = {"clusterIdentifier": "aurora-restored", "engine": "aurora-postgresql"}
    b.database(CLUSTER, "aurora-restored", restored, {"snapshotIdentifier": (cluster_snapshot, "dbClusterSnapshotArn")})


def snapshot_shares(b: Builder) -> None:
    by_account = b.key("share-key", HOME, (SHARED_ACCOUNT,))
    by_organisation = b.key("org-share-key", HOME, policy=organisation_share_policy(HOME))
    for key in (by_account, by_organisation):
        db = b.postgres(f"{key['name']}-db", {"kmsKeyId": (key, "arn")})
        b.snapshot(db, f"{key['name']}-snapshot", sharedAccounts=[SHARED_ACCOUNT])


def keys_from_another_stack_and_from_config(b: Builder) -> None:
    reference = b.add(
        STACK_REFERENCE, "platform/keys/prod", {"name": "platform/keys/prod"}, outputs={"rdsKeyArn": CENTRAL_KEY}
    )
    b.postgres("from-stack-reference", {"kmsKeyId": (reference, "rdsKeyArn")})
    b.postgres("from-config", {}, kmsKeyId=CENTRAL_KEY)
    b.postgres(
        "secret-key-by-alias",
        {"kmsKeyId": (reference, "rdsKeyArn")},
        manageMasterUserPassword=True,
        masterUserSecretKmsKeyId="alias/platform-secrets",
    )


def aws_native_end_to_end(b: Builder) -> None:
    key = b.native_key("rds-key", multiRegion=True)
    b.add(
        NATIVE_ALIAS,
        "rds-key-alias",
        {"aliasName": "alias/app"},
        {"targetKeyId": (key, "keyId")},
        provider=b.native_provider(),
    )
    secret_and_insights = {"masterUserSecret": (key, "arn"), "performanceInsightsKmsKeyId": (key, "arn")}
    db = b.native_db(
        "app",
        key,
        refs=secret_and_insights,
        manageMasterUserPassword=True,
        masterUsername="app_admin",
        enablePerformanceInsights=True,
        publiclyAccessible=False,
    )
    db["inputs"]["masterUserSecret"] = db["outputs"]["masterUserSecret"] = {"kmsKeyId": key["outputs"]["arn"]}
    replica_key = b.native_key("rds-key-eu", AWAY, type_=NATIVE_REPLICA_KEY)
    replica_key["inputs"]["primaryKeyArn"] = replica_key["outputs"]["primaryKeyArn"] = key["outputs"]["arn"]
    replica_key["propertyDependencies"]["primaryKeyArn"] = [key["urn"]]
    replica = b.native_db("app-eu", replica_key, AWAY, {"sourceDbInstanceIdentifier": (db, "dbInstanceArn")})
    del replica["inputs"]["storageEncrypted"], replica["outputs"]["storageEncrypted"]
    b.add(
        NATIVE_DB_SNAPSHOT,
        "app-nightly",
        {"dbSnapshotIdentifier": "app-nightly"},
        {"dbInstanceIdentifier": (db, "dbInstanceIdentifier")},
        provider=b.native_provider(),
    )
    cluster = b.add(
        NATIVE_DB_CLUSTER,
        "aurora",
        {
            "dbClusterIdentifier": "aurora",
            "engine": "aurora-postgresql",
            "storageEncrypted": True,
            "backupRetentionPeriod": 7.0,
            "deletionProtection": b.production,
            "serverlessV2ScalingConfiguration": {"minCapacity": 0.5, "maxCapacity": 8.0},
        },
        {"kmsKeyId": (key, "arn")},
        provider=b.native_provider(),
    )
    b.native_db(
        "aurora-1",
        refs={"dbClusterIdentifier": (cluster, "dbClusterIdentifier"), "performanceInsightsKmsKeyId": (key, "arn")},
        engine="aurora-postgresql",
        dbInstanceClass="db.serverless",
        enablePerformanceInsights=True,
        storageEncrypted=None,
        backupRetentionPeriod=None,
        allocatedStorage=None,
    )


KINDS: dict[str, Callable[[Builder], None]] = {
    "Aurora Serverless v2": aurora_serverless_v2,
    "Aurora I/O-Optimized": aurora_io_optimized,
    "Aurora Limitless": aurora_limitless,
    "Multi-AZ DB cluster": multi_az_db_cluster,
    "global database from an existing cluster": global_database_from_an_existing_cluster,
    "RDS Custom for Oracle": rds_custom_for_oracle,
    "BYOK imported key material": byok_imported_key_material,
    "multi-Region key replica": multi_region_key_replica,
    "snapshots, copies and restores": snapshots_and_copies,
    "shares by account and by organisation": snapshot_shares,
    "keys from another stack and from config": keys_from_another_stack_and_from_config,
    "aws-native databases on aws-native keys": aws_native_end_to_end,
}


def legitimate_stack(kind: str, stack: str) -> list[Resource]:
    b = Builder(stack, production=stack == "prod")
    KINDS[kind](b)
    return b.resources
