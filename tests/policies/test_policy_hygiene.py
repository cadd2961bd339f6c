"""Hygiene and exemptions, over the engine's gRPC protocol (issue 9, items 4 and 5)."""

import pytest
from stack_fixtures import StackBuilder, one_database

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
SHARD_GROUP = "aws:rds/shardGroup:ShardGroup"


def database(stack="dev", **inputs):
    return one_database(stack, **inputs)


def advisories(verdicts):
    return [(v.rule, v.urn.rsplit("::", 1)[-1]) for v in verdicts.advisory]


# --- publiclyAccessible -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, "true"])
def test_publicly_accessible_instance_gets_an_advisory(fresh, value):
    verdicts = fresh.analyze_stack(database(publiclyAccessible=value, backupRetentionPeriod=1.0).resources)
    assert advisories(verdicts) == [("rds-not-publicly-accessible", "app")]


@pytest.mark.parametrize(
    ("type_", "inputs"),
    [
        (CLUSTER_INSTANCE, {"clusterIdentifier": "aurora", "instanceClass": "db.r7g.large", "engine": "aurora-mysql"}),
        (
            CLUSTER,
            {
                "clusterIdentifier": "multi-az",
                "engine": "mysql",
                "storageEncrypted": False,
                "backupRetentionPeriod": 1.0,
            },
        ),
        (SHARD_GROUP, {"dbClusterIdentifier": "limitless", "maxAcu": 768.0}),
        ("aws-native:rds:DbInstance", {"dbClusterIdentifier": "aurora", "engine": "aurora-mysql"}),
    ],
    ids=["cluster instance", "Multi-AZ DB cluster", "Limitless shard group", "aws-native cluster member"],
)
def test_publicly_accessible_cluster_members_and_shard_groups_get_an_advisory(fresh, type_, inputs):
    b = StackBuilder("dev", production=False)
    b.add(type_, "public", {**inputs, "publiclyAccessible": True})
    assert ("rds-not-publicly-accessible", "public") in advisories(fresh.analyze_stack(b.resources))


# --- backup retention ---------------------------------------------------------------------------------


def test_production_database_keeping_backups_under_seven_days_gets_an_advisory(fresh):
    verdicts = fresh.analyze_stack(database("prod", backupRetentionPeriod=3.0).resources, stack="prod")
    assert advisories(verdicts) == [("rds-backups-enabled", "app")]
    assert "expected at least 7 days on this production stack" in verdicts.advisory[0].message


def test_production_database_on_the_default_retention_gets_an_advisory(fresh):
    verdicts = fresh.analyze_stack(database("prod", backupRetentionPeriod=None).resources, stack="prod")
    assert "`backupRetentionPeriod` is not set (the AWS default: 1 day)" in verdicts.advisory[0].message


def test_one_day_of_backups_is_enough_off_production(fresh):
    assert fresh.analyze_stack(database(backupRetentionPeriod=1.0).resources).violations == []


def test_production_read_replica_keeps_no_backups_of_its_own(fresh):
    b = database("prod", backupRetentionPeriod=7.0)
    source = b.resources[-1]
    b.add(
        INSTANCE,
        "replica",
        {"instanceClass": "db.t4g.micro", "deletionProtection": True},
        {"replicateSourceDb": (source, "identifier")},
    )
    assert fresh.analyze_stack(b.resources, stack="prod").violations == []


@pytest.mark.parametrize(
    ("stack", "key", "retention"),
    [("dev", "minimumBackupRetentionDays", 1.0), ("prod", "productionMinimumBackupRetentionDays", 7.0)],
)
def test_minimum_backup_retention_is_configurable(pack, stack, key, retention):
    pack.configure({"rds-encryption-hygiene": {key: 14}})
    verdicts = pack.analyze_stack(database(stack, backupRetentionPeriod=retention).resources, stack=stack)
    assert advisories(verdicts) == [("rds-backups-enabled", "app")]
    assert "expected at least 14 days" in verdicts.advisory[0].message


# --- exemptions that expire ------------------------------------------------------------------------------


def exempting(**exemption):
    entry = {"resource": "app", "rules": ["rds-storage-encrypted"], "reason": "legacy, ticket 42", **exemption}
    return {"rds-encryption-at-rest": {"exemptions": [entry]}}


def unencrypted():
    return database(storageEncrypted=False, backupRetentionPeriod=1.0).resources


def test_exemption_before_its_expiry_applies(pack):
    pack.configure(exempting(expires="2999-12-31"))
    assert pack.analyze_stack(unencrypted()).mandatory == []


def test_exemption_after_its_expiry_no_longer_applies_and_the_violation_says_so(pack):
    pack.configure(exempting(expires="2020-01-31"))
    [violation] = pack.analyze_stack(unencrypted()).mandatory
    assert violation.rule == "rds-storage-encrypted"
    assert "An exemption for this resource does not apply: it expired on 2020-01-31" in violation.message
    assert "Its reason was: legacy, ticket 42" in violation.message


def test_exemption_whose_expiry_is_not_a_date_never_applies(pack):
    pack.configure(exempting(expires="end of March"))
    [violation] = pack.analyze_stack(unencrypted()).mandatory
    assert "`expires` 'end of March' is not a date (YYYY-MM-DD)" in violation.message


def test_expired_exemption_of_a_stack_rule_says_so_too(pack):
    b = StackBuilder("dev", production=False)
    b.add(INSTANCE, "replica", {"replicateSourceDb": "app", "kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/x"})
    entry = {"resource": "replica", "reason": "moving keys", "expires": "2020-01-31"}
    pack.configure({"rds-key-placement": {"exemptions": [entry]}})
    [violation] = pack.analyze_stack(b.resources).mandatory
    assert violation.rule == "rds-key-in-resource-region" and "expired on 2020-01-31" in violation.message


def test_exemption_by_urn_is_limited_to_its_rules(pack):
    resources = database(storageEncrypted=False, backupRetentionPeriod=1.0, instanceClass="db.t2.micro").resources
    app = next(r for r in resources if r["name"] == "app")
    entry = {"resource": app["urn"], "rules": ["rds-storage-encrypted"], "reason": "legacy"}
    pack.configure({"rds-encryption-at-rest": {"exemptions": [entry]}})
    assert pack.analyze_stack(resources).rules("mandatory") == {"rds-encryptable-engine-class"}
