"""Where a resource's data comes from, and how that data ends up encrypted (stack view).

A replica, a restore, a snapshot and a snapshot copy hold data they take from a source. AWS
decides their encryption from that source unless they name a key of their own where the API lets
them re-key:
- a same-region snapshot copy without ``KmsKeyId`` keeps the source snapshot's key; with one it
  is encrypted with it, even from an unencrypted snapshot (CopyDBSnapshot / CopyDBClusterSnapshot
  ``KmsKeyId``, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html);
- an Aurora cluster restored without ``KmsKeyId`` keeps the snapshot's key, or stays unencrypted
  (RestoreDBClusterFromSnapshot ``KmsKeyId``); an instance restore cannot name a key;
- a read replica of an unencrypted source is unencrypted; of an encrypted one, it uses the
  source's key in the same region and its own key across regions
  (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html#Overview.Encryption.Limitations);
- a snapshot has its database's key.
Sources outside the stack are unknown here; so is anything unknown at preview. Neither decides.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final, NamedTuple

from .keyrefs import KeyRef, storage_key
from .props import UNKNOWN, arn_region, known, parse_key_id, plain
from .rule import (
    BACKUP_REPLICATION,
    CLUSTER,
    CLUSTER_SNAPSHOT,
    CLUSTER_SNAPSHOT_COPY,
    GLOBAL_CLUSTER,
    INSTANCE,
    KEYS_AND_ALIASES,
    PLACEMENT,
    SNAPSHOT,
    SNAPSHOT_COPY,
    Resource,
    Rule,
    Settings,
    Stack,
)

# What a source is to the resource that names it.
REPLICA, RESTORE, SNAPSHOT_OF, COPY = "replica", "restore", "snapshot", "copy"

_INSTANCE_IDS: Final = ("identifier", "arn", "id")
_CLUSTER_IDS: Final = ("clusterIdentifier", "arn", "id")
_SNAPSHOTS: Final = (SNAPSHOT, SNAPSHOT_COPY)
_SNAPSHOT_IDS: Final = ("dbSnapshotArn", "dbSnapshotIdentifier", "targetDbSnapshotIdentifier")
_CLUSTER_SNAPSHOTS: Final = (CLUSTER_SNAPSHOT, CLUSTER_SNAPSHOT_COPY)
_CLUSTER_SNAPSHOT_IDS: Final = (
    "dbClusterSnapshotArn",
    "dbClusterSnapshotIdentifier",
    "targetDbClusterSnapshotIdentifier",
)


class SourceProp(NamedTuple):
    prop: str  # the property naming the source
    kind: str
    types: tuple[str, ...]  # what the source can be
    ids: tuple[str, ...]  # the source's properties the value can equal
    field: str | None = None  # inside an object property (restoreToPointInTime)
    native_only: bool = False  # only an aws-native resource can have it (not read on the others)


# Per type, the properties through which it takes its data from a source (first one set wins).
SOURCES: Final[dict[str, tuple[SourceProp, ...]]] = {
    INSTANCE: (
        SourceProp("replicateSourceDb", REPLICA, (INSTANCE,), _INSTANCE_IDS),
        SourceProp("snapshotIdentifier", RESTORE, _SNAPSHOTS, _SNAPSHOT_IDS),
        SourceProp("restoreToPointInTime", RESTORE, (INSTANCE,), _INSTANCE_IDS, "sourceDbInstanceIdentifier"),
        # aws-native only: an instance restored from a Multi-AZ DB cluster snapshot, or replicating one.
        SourceProp("dbClusterSnapshotIdentifier", RESTORE, _CLUSTER_SNAPSHOTS, _CLUSTER_SNAPSHOT_IDS, native_only=True),
        SourceProp("sourceDbClusterIdentifier", REPLICA, (CLUSTER,), _CLUSTER_IDS, native_only=True),
    ),
    CLUSTER: (
        # An Aurora read replica of a cluster, or of an RDS for MySQL/PostgreSQL instance.
        SourceProp("replicationSourceIdentifier", REPLICA, (CLUSTER, INSTANCE), ("arn", "clusterIdentifier", "id")),
        SourceProp(
            "snapshotIdentifier", RESTORE, (*_CLUSTER_SNAPSHOTS, *_SNAPSHOTS), _CLUSTER_SNAPSHOT_IDS + _SNAPSHOT_IDS
        ),
        SourceProp("restoreToPointInTime", RESTORE, (CLUSTER,), _CLUSTER_IDS, "sourceClusterIdentifier"),
    ),
    GLOBAL_CLUSTER: (SourceProp("sourceDbClusterIdentifier", REPLICA, (CLUSTER,), ("arn", "clusterIdentifier")),),
    SNAPSHOT: (SourceProp("dbInstanceIdentifier", SNAPSHOT_OF, (INSTANCE,), _INSTANCE_IDS),),
    CLUSTER_SNAPSHOT: (SourceProp("dbClusterIdentifier", SNAPSHOT_OF, (CLUSTER,), _CLUSTER_IDS),),
    SNAPSHOT_COPY: (SourceProp("sourceDbSnapshotIdentifier", COPY, _SNAPSHOTS, _SNAPSHOT_IDS),),
    CLUSTER_SNAPSHOT_COPY: (
        SourceProp("sourceDbClusterSnapshotIdentifier", COPY, _CLUSTER_SNAPSHOTS, _CLUSTER_SNAPSHOT_IDS),
    ),
    BACKUP_REPLICATION: (SourceProp("sourceDbInstanceArn", REPLICA, (INSTANCE,), ("arn",)),),
}
INHERITING_TYPES: Final = tuple(SOURCES)


_CLASSIC_SOURCES: Final = {t: tuple(s for s in props if not s.native_only) for t, props in SOURCES.items()}


def specs(resource: Resource) -> tuple[SourceProp, ...]:
    """The properties through which this resource can name a source."""
    return (SOURCES if resource.native_type is not None else _CLASSIC_SOURCES).get(resource.type, ())


def inherits(resource: Resource) -> bool:
    """Whether its own properties name a source it takes its data (and encryption) from."""
    return any(resource.props.has(spec.prop) for spec in specs(resource))


def replicates(resource: Resource) -> bool:
    """Whether its own properties make it a read replica."""
    return any(resource.props.has(spec.prop) for spec in specs(resource) if spec.kind == REPLICA)


class Source(NamedTuple):
    kind: str
    prop: str
    value: Any  # the literal naming the source, UNKNOWN, or None
    resource: Resource | None  # the source, when it is in the stack


def _value(resource: Resource, spec: SourceProp) -> Any:
    if spec.field is None:
        return resource.props.text(spec.prop)
    block = resource.props.get(spec.prop)
    if block is None:
        return None
    block = plain(block)
    if block is UNKNOWN:
        return UNKNOWN
    # The SDKs send a MaxItems=1 block as an object; accept a one-element list as well.
    block = block[0] if isinstance(block, list) and block else block
    value = known(block.get(spec.field)) if isinstance(block, Mapping) else None
    return value if (isinstance(value, str) and value) or value is UNKNOWN else None


def _find_source(stack: Stack, resource: Resource) -> Source | None:
    for spec in specs(resource):
        value = _value(resource, spec)
        if value is None:
            continue  # a property wired from a source is set too (at preview, to an unknown)
        wired = next((r for r in resource.deps(spec.prop) if r.type in spec.types), None)
        found = wired or stack.find(spec.types, value, *spec.ids)
        return Source(spec.kind, spec.prop, value, found)
    return None


def source_of(stack: Stack, resource: Resource) -> Source | None:
    """The source ``resource`` takes its data from, resolved once per resource and call: its
    dependencies, or one indexed ``Stack.find``. O(1) amortised, O(n) over the stack."""
    return stack.once(_find_source, resource)


def same_region(resource: Resource, source: Source) -> bool | None:
    """Whether ``resource`` and its source share a region; ``None`` when not provable."""
    mine = resource.region
    theirs = (source.resource.region if source.resource else None) or arn_region(source.value)
    if mine and theirs:
        return mine == theirs
    # RDS only accepts a bare identifier (not an ARN) for a source in the resource's own region.
    return True if isinstance(source.value, str) and not source.value.startswith("arn:") else None


# --- how the data ends up encrypted --------------------------------------------------------------

UNENCRYPTED, AWS_MANAGED, CUSTOMER_MANAGED, UNDECIDED = "unencrypted", "aws-managed", "customer-managed", "undecided"


class Protection(NamedTuple):
    state: str  # one of UNENCRYPTED, AWS_MANAGED, CUSTOMER_MANAGED, UNDECIDED
    key: KeyRef | None = None  # the customer managed key, when that is the state
    decided_by: Resource | None = None  # the resource whose own settings decided it

    def describe(self) -> str:
        where = f" (set on {self.decided_by.label})" if self.decided_by is not None else ""
        if self.state == UNENCRYPTED:
            return f"unencrypted{where}"
        return f"on the AWS managed key aws/rds{where}"


_UNDECIDED: Final = Protection(UNDECIDED)


def _own_key(stack: Stack, resource: Resource) -> KeyRef | None:
    """The key the resource names itself; ``None`` if it names none (or leaves it to AWS)."""
    ref = storage_key(stack, resource)
    return None if ref is None or ref.computed else ref


def _from_key(ref: KeyRef, resource: Resource) -> Protection:
    if isinstance(ref.value, str) and parse_key_id(ref.value).is_aws_managed:
        return Protection(AWS_MANAGED, None, resource)
    return Protection(CUSTOMER_MANAGED, ref, resource)


def _chosen(stack: Stack, resource: Resource) -> Protection:
    """A database that chooses its own encryption."""
    encrypted, key = resource.props.bool("storageEncrypted"), _own_key(stack, resource)
    if encrypted is UNKNOWN:
        return _UNDECIDED
    if encrypted is False or (encrypted is None and key is None):
        return Protection(UNENCRYPTED, None, resource)
    if resource.type == GLOBAL_CLUSTER:
        return _UNDECIDED  # each member cluster names its own key
    if key is None:
        return Protection(AWS_MANAGED, None, resource)  # encrypted, no key named: AWS uses aws/rds
    return _from_key(key, resource)


_COPIES: Final = (SNAPSHOT_COPY, CLUSTER_SNAPSHOT_COPY)
# Where naming a key of its own re-keys the data (an instance restore cannot name one).
_REKEYS: Final = frozenset({COPY, REPLICA})


def _protection(stack: Stack, resource: Resource) -> Protection:
    if resource.type in _COPIES and (own := _own_key(stack, resource)) is not None:
        return _from_key(own, resource)  # a copy that names a key is encrypted with it, whatever its source
    source = source_of(stack, resource)
    if source is None:
        return _chosen(stack, resource) if resource.type in (INSTANCE, CLUSTER, GLOBAL_CLUSTER) else _UNDECIDED
    upstream = protection(stack, source.resource) if source.resource is not None else _UNDECIDED
    if source.kind == REPLICA and upstream.state == UNENCRYPTED:
        return upstream  # RDS cannot encrypt a replica of unencrypted data
    own = _own_key(stack, resource)
    if own is not None and (source.kind in _REKEYS or resource.type == CLUSTER):
        return _from_key(own, resource)
    return upstream


def protection(stack: Stack, resource: Resource) -> Protection:
    """How ``resource``'s data is encrypted, following sources through the stack. Memoised per
    stack, so following every chain costs O(n) in total; a cycle reads as undecided."""
    return stack.once(_protection, resource, pending=_UNDECIDED)


# --- rds-inherited-encryption ----------------------------------------------------------------------

_FIXES: Final = {
    COPY: "pass kms_key_id=<customer managed key>.arn to the copy: a copy is re-encrypted under the key it names",
    REPLICA: "move the source to a customer managed key first (snapshot, copy with kms_key_id, restore) "
    "and replicate that",
}
_RESTORE_FIX: Final = {
    INSTANCE: "restore from a snapshot copy made with kms_key_id=<customer managed key>.arn (an instance "
    "restore cannot change the key)",
    CLUSTER: "pass kms_key_id=<customer managed key>.arn: a cluster restore is encrypted under the key it names",
}


def _fix(resource: Resource, kind: str) -> str:
    return _RESTORE_FIX.get(resource.type, _FIXES[REPLICA]) if kind == RESTORE else _FIXES[kind]


def inherited_encryption(stack: Stack, _settings: Settings) -> Iterator[tuple[Resource, str]]:
    """O(n): one pass over inheriting resources; sources and protections come from memoised
    per-stack indexes (``source_of``, ``protection``)."""
    # A snapshot of unencrypted data is the first step of encrypting it (snapshot, encrypted copy,
    # restore): only what is made from it without a key of its own is reported.
    for resource in stack.of(*_MADE_FROM_DATA):
        source = source_of(stack, resource)
        if source is None or source.resource is None:
            continue
        stated = resource.props.bool("storageEncrypted")
        if stated is False or (source.kind == REPLICA and stated is True):
            continue  # explicit settings: rds-storage-encrypted, rds-replica-encryption-matches-source
        mine = protection(stack, resource)
        if mine.state not in (UNENCRYPTED, AWS_MANAGED):
            continue
        yield (
            resource,
            (
                f"it takes its data from {source.resource.label} (`{source.prop}`, a {source.kind}), "
                f"and that data is {mine.describe()}, so this {source.kind} is too; expected data "
                "encrypted with a customer managed key. An exemption for the source does not extend to "
                f"new copies of its data. Fix: {_fix(resource, source.kind)}."
            ),
        )


_MADE_FROM_DATA: Final = (INSTANCE, CLUSTER, GLOBAL_CLUSTER, SNAPSHOT_COPY, CLUSTER_SNAPSHOT_COPY, BACKUP_REPLICATION)

RULES = (
    Rule(
        id="rds-inherited-encryption",
        policy=PLACEMENT,
        types=_MADE_FROM_DATA,
        summary="A replica, restore or snapshot copy whose source is in the stack is judged by the data "
        "it receives: a source that is unencrypted or on aws/rds makes it so too (unless a copy or "
        "cluster restore names its own customer managed key).",
        severity="critical",
        source="AWS RDS User Guide, Overview.Encryption.Limitations; RDS API CopyDBSnapshot / "
        "RestoreDBClusterFromSnapshot KmsKeyId",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html#Overview.Encryption.Limitations",
        remediation="Name a customer managed key on copies and cluster restores; encrypt a source "
        "before replicating or restoring it.",
        check=inherited_encryption,
        controls=("FSBP RDS.3", "FSBP RDS.4", "FSBP RDS.27"),
        controls_note="Unencrypted data made from a source fails RDS.3 (instances), RDS.27 (clusters) or "
        "RDS.4 (snapshots); data on aws/rds passes them and is reported because this pack asks for a "
        "customer managed key.",
        keys=KEYS_AND_ALIASES,
    ),
)
