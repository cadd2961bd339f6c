"""aws-native (Cloud Control) resources under the same rules, over gRPC (issue 9, item 1).

Property names are aws-native's (read from the pulumi-aws-native schema): ``dbInstanceClass``,
``enablePerformanceInsights``, ``masterUserSecret.kmsKeyId``, ``sourceDbInstanceIdentifier``,
``pendingWindowInDays``, ``keyPolicy`` as an object. Stack rules work across providers.
"""

import pytest
from stack_fixtures import ACCOUNT, AWAY, HOME, SHARED_ACCOUNT, StackBuilder, as_preview

DB_INSTANCE = "aws-native:rds:DbInstance"
DB_CLUSTER = "aws-native:rds:DbCluster"
GLOBAL_CLUSTER = "aws-native:rds:GlobalCluster"
DB_SNAPSHOT = "aws-native:rds:DbSnapshot"
NATIVE_KEY = "aws-native:kms:Key"
NATIVE_REPLICA_KEY = "aws-native:kms:ReplicaKey"
NATIVE_ALIAS = "aws-native:kms:Alias"
INSTANCE = "aws:rds/instance:Instance"
BOTH = pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])


def classic_db(b, name, key=None, **inputs):
    props = {
        "identifier": name,
        "engine": "postgres",
        "instanceClass": "db.t4g.micro",
        "storageEncrypted": key is not None,
    }
    refs = {"kmsKeyId": (key, "arn")} if key is not None else None
    return b.add(INSTANCE, name, {**props, **inputs}, refs, outputs={"arn": f"arn:aws:rds:{HOME}:{ACCOUNT}:db:{name}"})


def found(verdicts):
    return sorted((v.rule, v.urn.rsplit("::", 1)[-1]) for v in verdicts.violations)


# --- the same rules, in aws-native terms ----------------------------------------------------------------


def test_unencrypted_db_instance_is_rejected_naming_its_own_type(fresh):
    b = StackBuilder("dev", production=False)
    b.native_db("app")
    [violation] = fresh.analyze_stack(b.resources).mandatory
    assert violation.rule == "rds-storage-encrypted"
    assert "[rds-storage-encrypted] DbInstance 'app': `storageEncrypted` is false" in violation.message


def test_db_instance_class_that_cannot_be_encrypted_is_named_as_aws_native_names_it(fresh):
    b = StackBuilder("dev", production=False)
    b.native_db("app", b.native_key("k"), dbInstanceClass="db.t2.micro")
    [violation] = fresh.analyze_stack(b.resources).mandatory
    assert "`dbInstanceClass` is `db.t2.micro`" in violation.message


def test_managed_master_secret_without_a_customer_key_is_rejected(fresh):
    b = StackBuilder("dev", production=False)
    b.native_db("app", b.native_key("k"), manageMasterUserPassword=True, masterUsername="admin")
    [violation] = fresh.analyze_stack(b.resources).mandatory
    assert violation.rule == "rds-master-secret-cmk"
    assert "`masterUserSecret.kmsKeyId` is not set" in violation.message


def test_managed_master_secret_on_a_customer_key_passes(fresh):
    b = StackBuilder("dev", production=False)
    key = b.native_key("k")
    b.native_db("app", key, manageMasterUserPassword=True, masterUserSecret={"kmsKeyId": key["outputs"]["arn"]})
    assert fresh.analyze_stack(b.resources).violations == []


def test_performance_insights_without_a_customer_key_is_rejected(fresh):
    b = StackBuilder("dev", production=False)
    b.native_db("app", b.native_key("k"), enablePerformanceInsights=True)
    assert found(fresh.analyze_stack(b.resources)) == [("rds-performance-insights-cmk", "app")]


def test_master_user_password_is_an_advisory_in_aws_native_terms(fresh):
    b = StackBuilder("dev", production=False)
    b.native_db("app", b.native_key("k"), masterUserPassword="hunter2hunter2")
    [violation] = fresh.analyze_stack(b.resources).advisory
    assert (
        "`masterUserPassword` is set" in violation.message and "aws-native does not mark it secret" in violation.message
    )


def test_aurora_member_instance_is_judged_as_a_cluster_instance(fresh):
    b = StackBuilder("dev", production=False)
    b.native_db("member", dbClusterIdentifier="aurora", engine="aurora-postgresql", enablePerformanceInsights=True)
    assert found(fresh.analyze_stack(b.resources)) == [("rds-performance-insights-cmk", "member")]


def test_db_cluster_encrypted_without_a_customer_key_is_rejected(fresh):
    b = StackBuilder("dev", production=False)
    props = {"dbClusterIdentifier": "aurora", "engine": "aurora-postgresql", "storageEncrypted": True}
    b.add(DB_CLUSTER, "aurora", props, provider=b.native_provider())
    assert found(fresh.analyze_stack(b.resources)) == [("rds-customer-managed-key", "aurora")]


def test_unencrypted_global_cluster_is_rejected(fresh):
    b = StackBuilder("dev", production=False)
    b.add(
        GLOBAL_CLUSTER,
        "global",
        {"engine": "aurora-postgresql", "storageEncrypted": False},
        provider=b.native_provider(),
    )
    assert found(fresh.analyze_stack(b.resources)) == [("rds-storage-encrypted", "global")]


@pytest.mark.parametrize("type_", [NATIVE_KEY, NATIVE_REPLICA_KEY])
def test_key_policy_object_open_to_everyone_is_rejected(fresh, type_):
    b = StackBuilder("dev", production=False)
    key = b.native_key("k", type_=type_)
    del key["inputs"]["keyPolicy"]["Statement"][1]["Condition"]
    assert found(fresh.analyze_stack(b.resources)) == [("kms-key-policy-no-public-principal", "k")]


def test_short_pending_window_is_remediated_under_its_own_name(fresh):
    b = StackBuilder("prod", production=True)
    b.native_key("k", pendingWindowInDays=7.0)
    verdicts = fresh.analyze_stack(b.resources, stack="prod")
    [props] = verdicts.remediated.values()
    assert props["pendingWindowInDays"] == 30.0 and "deletionWindowInDays" not in props


def test_rotation_off_is_remediated(fresh):
    b = StackBuilder("dev", production=False)
    b.native_key("k", enableKeyRotation=False)
    assert [props["enableKeyRotation"] for props in fresh.analyze_stack(b.resources).remediated.values()] == [True]


def test_imported_key_material_is_not_asked_to_rotate(fresh):
    b = StackBuilder("dev", production=False)
    b.native_key("byok", origin="EXTERNAL", enableKeyRotation=None)
    assert fresh.analyze_stack(b.resources).violations == []


def test_replicated_backups_without_a_key_are_rejected(fresh):
    b = StackBuilder("dev", production=False)
    b.native_db("app", b.native_key("k"), automaticBackupReplicationRegion=AWAY)
    [violation] = fresh.analyze_stack(b.resources).mandatory
    assert violation.rule == "rds-customer-managed-key" and "`automaticBackupReplicationKmsKeyId`" in violation.message


@BOTH
def test_replicated_backups_on_a_key_of_the_wrong_region_are_rejected(fresh, preview):
    b = StackBuilder("dev", production=False)
    key = b.native_key("k")
    b.native_db(
        "app", key, refs={"automaticBackupReplicationKmsKeyId": (key, "arn")}, automaticBackupReplicationRegion=AWAY
    )
    verdicts = fresh.analyze_stack(as_preview(b.resources) if preview else b.resources)
    assert found(verdicts) == [("rds-key-in-resource-region", "app")]
    assert f"`automaticBackupReplicationRegion` is {AWAY}" in verdicts.mandatory[0].message


# --- stack rules across providers ---------------------------------------------------------------------


@BOTH
def test_aws_native_replica_of_a_classic_instance_on_another_key_is_rejected(fresh, preview):
    b = StackBuilder("dev", production=False)
    source = classic_db(b, "source", b.key("rds-key", HOME))
    b.native_db("replica", b.native_key("other"), refs={"sourceDbInstanceIdentifier": (source, "identifier")})
    assert found(fresh.analyze_stack(as_preview(b.resources) if preview else b.resources)) == [
        ("rds-same-region-replica-key", "replica")
    ]


@BOTH
def test_aws_native_cross_region_replica_of_a_classic_instance_without_a_key_is_rejected(fresh, preview):
    b = StackBuilder("dev", production=False)
    source = classic_db(b, "source", b.key("rds-key", HOME))
    replica = b.native_db("replica-eu", region=AWAY, refs={"sourceDbInstanceIdentifier": (source, "arn")})
    del replica["inputs"]["storageEncrypted"], replica["outputs"]["storageEncrypted"]
    assert found(fresh.analyze_stack(as_preview(b.resources) if preview else b.resources)) == [
        ("rds-cross-region-replica-key", "replica-eu")
    ]


@BOTH
def test_aws_native_cross_region_replica_on_a_native_key_of_its_region_passes(fresh, preview):
    b = StackBuilder("dev", production=False)
    source = classic_db(b, "source", b.key("rds-key", HOME), backupRetentionPeriod=7.0)
    replica = b.native_db("replica-eu", b.native_key("eu", AWAY), AWAY, {"sourceDbInstanceIdentifier": (source, "arn")})
    del replica["inputs"]["storageEncrypted"], replica["outputs"]["storageEncrypted"]
    assert fresh.analyze_stack(as_preview(b.resources) if preview else b.resources).violations == []


@BOTH
def test_classic_instance_on_an_asymmetric_aws_native_key_is_rejected(fresh, preview):
    b = StackBuilder("dev", production=False)
    key = b.native_key("signing", keyUsage="SIGN_VERIFY", keySpec="RSA_2048", enableKeyRotation=None)
    classic_db(b, "app", key)
    assert found(fresh.analyze_stack(as_preview(b.resources) if preview else b.resources)) == [
        ("kms-key-symmetric-for-rds", "app")
    ]


@BOTH
def test_classic_instance_on_an_aws_native_key_of_another_region_is_rejected(fresh, preview):
    b = StackBuilder("dev", production=False)
    classic_db(b, "app", b.native_key("eu", AWAY))
    assert found(fresh.analyze_stack(as_preview(b.resources) if preview else b.resources)) == [
        ("rds-key-in-resource-region", "app")
    ]


def test_aws_native_alias_approves_the_classic_database_on_its_key(pack):
    pack.configure({"rds-key-placement": {"approvedKmsKeys": ["alias/central-rds"]}})
    b = StackBuilder("dev", production=False)
    key = b.native_key("central")
    b.add(
        NATIVE_ALIAS,
        "central-alias",
        {"aliasName": "alias/central-rds"},
        {"targetKeyId": (key, "keyId")},
        provider=b.native_provider(),
    )
    classic_db(b, "app", key)
    assert pack.analyze_stack(as_preview(b.resources)).violations == []


def test_snapshot_of_an_aws_native_instance_shared_without_a_grant_is_rejected(fresh):
    b = StackBuilder("dev", production=False)
    db = b.native_db("app", b.native_key("k"))
    snapshot = b.add(
        DB_SNAPSHOT,
        "nightly",
        {"dbSnapshotIdentifier": "nightly"},
        {"dbInstanceIdentifier": (db, "dbInstanceIdentifier")},
        {"dbSnapshotArn": f"arn:aws:rds:{HOME}:{ACCOUNT}:snapshot:nightly"},
        provider=b.native_provider(),
    )
    b.copy(snapshot, "shared", sharedAccounts=[SHARED_ACCOUNT])
    assert found(fresh.analyze_stack(b.resources)) == [("rds-shared-snapshot-cmk", "shared")]


def test_aws_native_replica_of_an_unencrypted_classic_instance_is_rejected(pack):
    pack.configure({"rds-encryption-at-rest": {"exemptions": [{"resource": "legacy", "reason": "ticket 42"}]}})
    b = StackBuilder("dev", production=False)
    legacy = classic_db(b, "legacy")
    replica = b.native_db("replica", refs={"sourceDbInstanceIdentifier": (legacy, "identifier")})
    del replica["inputs"]["storageEncrypted"], replica["outputs"]["storageEncrypted"]
    assert found(pack.analyze_stack(b.resources)) == [("rds-inherited-encryption", "replica")]
