"""Copies, restores and replicas judged by the data they receive, over gRPC (issue 14 item 1, issue 9 item 3).

A same-region snapshot copy without kmsKeyId keeps its source's key; a replica or restore of
unencrypted data is unencrypted, and gets the violation itself, so an exemption for a legacy
source does not extend to new copies of its data.
"""

import pytest
from stack_fixtures import AWAY, HOME, SHARED_ACCOUNT, StackBuilder, as_preview

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
ARN = "arn:aws:rds:{region}:123456789012:{kind}:{name}"
LEGACY_EXEMPT = {
    "rds-encryption-at-rest": {"exemptions": [{"resource": "legacy", "reason": "migration ticket 42"}]},
    "rds-encryption-hygiene": {"exemptions": [{"resource": "legacy", "reason": "migration ticket 42"}]},
}
BOTH = pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])


def seen(resources, preview):
    return as_preview(resources) if preview else resources


def instance(b, name, key=None, **inputs):
    props = {"identifier": name, "engine": "postgres", "instanceClass": "db.t4g.micro", "backupRetentionPeriod": 1.0}
    props["storageEncrypted"] = key is not None
    props.update(inputs)
    refs = {"kmsKeyId": (key, "arn")} if key is not None else None
    return b.add(INSTANCE, name, props, refs, outputs={"arn": ARN.format(region=HOME, kind="db", name=name)})


def derived(b, name, prop, source, output, **inputs):
    """An instance that takes its data from ``source`` (replica, restore) through ``prop``."""
    props = {"identifier": name, "instanceClass": "db.t4g.micro", **inputs}
    return b.add(INSTANCE, name, props, {prop: (source, output)})


def blocked(verdicts):
    """(rule, resource name) of each mandatory violation."""
    return [(v.rule, v.urn.rsplit("::", 1)[-1]) for v in verdicts.mandatory]


def aurora_snapshot(b):
    """A snapshot of an Aurora cluster on a customer managed key."""
    key = b.key("rds-key", HOME)
    props = {"clusterIdentifier": "aurora", "engine": "aurora-postgresql", "storageEncrypted": True}
    return b.snapshot(b.add(CLUSTER, "aurora", props, {"kmsKeyId": (key, "arn")}), "aurora-nightly")


# --- a same-region copy keeps its source's key --------------------------------------------------------


@BOTH
def test_same_region_snapshot_copy_without_a_key_of_a_snapshot_on_a_customer_key_passes(fresh, preview):
    b = StackBuilder("dev", production=False)
    b.copy(b.snapshot(instance(b, "app", b.key("rds-key", HOME)), "nightly"), "copy")
    assert fresh.analyze_stack(seen(b.resources, preview)).violations == []


FROM_AURORA_SNAPSHOT = {
    "same-region cluster snapshot copy": (
        "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy",
        {},
        "sourceDbClusterSnapshotIdentifier",
    ),
    "cluster restore": (CLUSTER, {"engine": "aurora-postgresql"}, "snapshotIdentifier"),
}


@BOTH
@pytest.mark.parametrize("made", FROM_AURORA_SNAPSHOT)
def test_made_from_a_cluster_snapshot_on_a_customer_key_without_naming_a_key_passes(fresh, preview, made):
    type_, inputs, prop = FROM_AURORA_SNAPSHOT[made]
    b = StackBuilder("dev", production=False)
    b.add(type_, "made", {"clusterIdentifier": "made", **inputs}, {prop: (aurora_snapshot(b), "dbClusterSnapshotArn")})
    assert fresh.analyze_stack(seen(b.resources, preview)).violations == []


def test_same_region_copy_of_a_snapshot_outside_the_stack_is_left_to_its_source(fresh):
    b = StackBuilder("dev", production=False)
    b.add(SNAPSHOT_COPY, "copy", {"targetDbSnapshotIdentifier": "c", "sourceDbSnapshotIdentifier": "rds:app-2024"})
    assert fresh.analyze_stack(b.resources).violations == []


@BOTH
def test_same_region_copy_without_a_key_of_data_on_the_aws_managed_key_is_rejected(pack, preview):
    pack.configure(LEGACY_EXEMPT)
    b = StackBuilder("dev", production=False)
    b.copy(b.snapshot(instance(b, "legacy", storageEncrypted=True), "nightly"), "copy")
    verdicts = pack.analyze_stack(seen(b.resources, preview))
    assert blocked(verdicts) == [("rds-inherited-encryption", "copy")]
    assert "on the AWS managed key aws/rds (set on Instance 'legacy')" in verdicts.mandatory[0].message


@BOTH
def test_shared_same_region_copy_is_judged_by_its_sources_key_policy(fresh, preview):
    b = StackBuilder("dev", production=False)
    b.copy(b.snapshot(instance(b, "app", b.key("rds-key", HOME)), "nightly"), "copy", sharedAccounts=[SHARED_ACCOUNT])
    assert fresh.analyze_stack(seen(b.resources, preview)).rules("mandatory") == {"rds-shared-snapshot-cmk"}


@BOTH
def test_shared_same_region_copy_whose_source_key_grants_the_target_passes(fresh, preview):
    b = StackBuilder("dev", production=False)
    key = b.key("rds-key", HOME, shared_with=(SHARED_ACCOUNT,))
    b.copy(b.snapshot(instance(b, "app", key), "nightly"), "copy", sharedAccounts=[SHARED_ACCOUNT])
    assert fresh.analyze_stack(seen(b.resources, preview)).violations == []


# --- replicas and restores of unencrypted data --------------------------------------------------------


# What is made from an exempt, unencrypted legacy instance: (property, output, from its snapshot, inputs).
FROM_UNENCRYPTED = {
    "same-region replica": ("replicateSourceDb", "identifier", False, {}),
    "cross-region replica": ("replicateSourceDb", "arn", False, {"region": AWAY}),
    "restore from its snapshot": ("snapshotIdentifier", "dbSnapshotArn", True, {}),
}


@BOTH
@pytest.mark.parametrize("made", FROM_UNENCRYPTED)
def test_data_made_from_an_exempt_unencrypted_source_is_rejected_itself(pack, preview, made):
    prop, output, from_snapshot, inputs = FROM_UNENCRYPTED[made]
    pack.configure(LEGACY_EXEMPT)
    b = StackBuilder("dev", production=False)
    legacy = instance(b, "legacy")
    derived(b, "made", prop, b.snapshot(legacy, "nightly") if from_snapshot else legacy, output, **inputs)
    assert blocked(pack.analyze_stack(seen(b.resources, preview))) == [("rds-inherited-encryption", "made")]


@BOTH
def test_migration_snapshot_encrypted_copy_restore_passes(pack, preview):
    """The documented way to encrypt an existing database: only the legacy source is exempt."""
    pack.configure(LEGACY_EXEMPT)
    b = StackBuilder("dev", production=False)
    key = b.key("rds-key", HOME)
    copy = b.copy(b.snapshot(instance(b, "legacy"), "nightly"), "encrypted-copy", key)
    derived(b, "migrated", "snapshotIdentifier", copy, "dbSnapshotArn", backupRetentionPeriod=7.0)
    assert pack.analyze_stack(seen(b.resources, preview)).violations == []


def test_cluster_restored_from_unencrypted_data_under_its_own_key_passes(pack):
    pack.configure(LEGACY_EXEMPT)
    b = StackBuilder("dev", production=False)
    legacy = b.add(
        CLUSTER, "legacy", {"clusterIdentifier": "legacy", "engine": "aurora-mysql", "storageEncrypted": False}
    )
    key = b.key("rds-key", HOME)
    b.add(
        CLUSTER,
        "encrypted",
        {"clusterIdentifier": "encrypted", "engine": "aurora-mysql", "storageEncrypted": True},
        {"restoreToPointInTime": (legacy, "clusterIdentifier"), "kmsKeyId": (key, "arn")},
    )
    b.resources[-1]["inputs"]["restoreToPointInTime"] = b.resources[-1]["outputs"]["restoreToPointInTime"] = {
        "sourceClusterIdentifier": "legacy",
        "useLatestRestorableTime": True,
    }
    assert pack.analyze_stack(b.resources).violations == []


def test_snapshot_of_unencrypted_data_is_not_itself_reported(pack):
    pack.configure(LEGACY_EXEMPT)
    b = StackBuilder("dev", production=False)
    b.snapshot(instance(b, "legacy"), "nightly")
    assert pack.analyze_stack(b.resources).violations == []
