"""aws-native (Cloud Control) resources, presented to the rules as their pulumi-aws equivalents.

The rules speak pulumi-aws: types like ``aws:rds/instance:Instance`` and property names like
``instanceClass``. An aws-native resource is viewed under the equivalent type with its properties
renamed to those names (``dbInstanceClass`` -> ``instanceClass``, ``keyPolicy`` ->
``policy``, ``masterUserSecret.kmsKeyId`` -> ``masterUserSecretKmsKeyId``), so every rule, stack
rules across providers included, judges both providers the same way. Violations keep the
resource's own type in their label and its own property names in their text.

Names come from the aws-native schema (the camelCased CloudFormation properties), read from the
pulumi-aws-native 1.84 Python SDK; the pack does not import that SDK.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, MutableMapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from .props import UNKNOWN, Props, known, plain, python_name
from .rule import (
    ALIAS,
    CLUSTER,
    CLUSTER_INSTANCE,
    CLUSTER_SNAPSHOT,
    EXTERNAL_KEY,
    GLOBAL_CLUSTER,
    INSTANCE,
    KEY,
    REPLICA_KEY,
    SHARD_GROUP,
    SNAPSHOT,
    Resource,
)

DB_INSTANCE: Final = "aws-native:rds:DbInstance"
DB_CLUSTER: Final = "aws-native:rds:DbCluster"
NATIVE_GLOBAL_CLUSTER: Final = "aws-native:rds:GlobalCluster"
DB_SNAPSHOT: Final = "aws-native:rds:DbSnapshot"
NATIVE_CLUSTER_SNAPSHOT: Final = "aws-native:rds:ClusterSnapshot"
DB_SHARD_GROUP: Final = "aws-native:rds:DbShardGroup"
NATIVE_KEY: Final = "aws-native:kms:Key"
NATIVE_REPLICA_KEY: Final = "aws-native:kms:ReplicaKey"
NATIVE_ALIAS: Final = "aws-native:kms:Alias"

_SECRET_KEY: Final = {"masterUserSecretKmsKeyId": ("masterUserSecret", "kmsKeyId")}
# Point-in-time restores: CloudFormation names the source at top level and marks a restore by
# RestoreTime / UseLatestRestorableTime (instances) or a source cluster (clusters).
_INSTANCE_RESTORE_SOURCES: Final = (
    "sourceDbInstanceIdentifier",
    "sourceDbiResourceId",
    "sourceDbInstanceAutomatedBackupsArn",
)


_NONE: Final[Mapping[str, Any]] = MappingProxyType({})


class Shape(NamedTuple):
    """How one aws-native type maps onto its pulumi-aws equivalent."""

    types: tuple[str, ...]  # the equivalents it can be (the first unless ``kind`` picks another)
    renames: Mapping[str, str] = _NONE  # pulumi-aws name -> aws-native name
    nested: Mapping[str, tuple[str, str]] = _NONE  # name -> (object, field)


SHAPES: Final[dict[str, Shape]] = {
    DB_INSTANCE: Shape(
        (INSTANCE, CLUSTER_INSTANCE),
        {
            "identifier": "dbInstanceIdentifier",
            "instanceClass": "dbInstanceClass",
            "clusterIdentifier": "dbClusterIdentifier",
            "password": "masterUserPassword",
            "username": "masterUsername",
            "performanceInsightsEnabled": "enablePerformanceInsights",
            "replicateSourceDb": "sourceDbInstanceIdentifier",
            "snapshotIdentifier": "dbSnapshotIdentifier",
            "arn": "dbInstanceArn",
        },
        _SECRET_KEY,
    ),
    DB_CLUSTER: Shape(
        (CLUSTER,),
        {
            "clusterIdentifier": "dbClusterIdentifier",
            "masterPassword": "masterUserPassword",
            "arn": "dbClusterArn",
        },
        _SECRET_KEY,
    ),
    NATIVE_GLOBAL_CLUSTER: Shape((GLOBAL_CLUSTER,)),
    DB_SNAPSHOT: Shape((SNAPSHOT,)),
    NATIVE_CLUSTER_SNAPSHOT: Shape((CLUSTER_SNAPSHOT,)),
    DB_SHARD_GROUP: Shape((SHARD_GROUP,)),
    NATIVE_KEY: Shape(
        (KEY, EXTERNAL_KEY),
        {"policy": "keyPolicy", "deletionWindowInDays": "pendingWindowInDays", "isEnabled": "enabled"},
    ),
    NATIVE_REPLICA_KEY: Shape((REPLICA_KEY,), {"policy": "keyPolicy", "deletionWindowInDays": "pendingWindowInDays"}),
    NATIVE_ALIAS: Shape((ALIAS,), {"name": "aliasName"}),
}


def equivalent_types(types: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """The aws-native types judged as one of ``types``, each with those it can be judged as."""
    found = {native: tuple(t for t in shape.types if t in types) for native, shape in SHAPES.items()}
    return {native: judged for native, judged in found.items() if judged}


def equivalents(types: frozenset[str]) -> frozenset[str]:
    """The aws-native types some of whose equivalents are in ``types``."""
    return frozenset(equivalent_types(types))


class NativeProps(Props):
    """An aws-native resource's properties under pulumi-aws names, each read through to its own
    property when a rule reads it (the views decode lazily; this keeps them so)."""

    __slots__ = ("extra", "inner", "nested", "renames")

    def __init__(self, inner: Props, shape: Shape, extra: dict[str, Any]) -> None:
        self.inner, self.renames, self.nested, self.extra = inner, shape.renames, shape.nested, extra

    def get(self, name: str) -> Any:
        if name in self.extra:
            return self.extra[name]
        if name in self.nested:
            holder, key = self.nested[name]
            value = plain(self.inner.get(holder))
            if value is UNKNOWN:
                return UNKNOWN
            return known(value.get(key)) if isinstance(value, Mapping) else None
        return self.inner.get(self.renames.get(name, name))

    @property  # type: ignore[override]
    def raw(self) -> Mapping[str, Any]:
        """Every property under its pulumi-aws name, for code that reads the mapping."""
        names = (*self.inner.raw, *self.renames, *self.nested, *self.extra)
        return {name: value for name in names if (value := self.get(name)) is not None}


def _kind(native_type: str, props: Props) -> str:
    if native_type == DB_INSTANCE and props.get("dbClusterIdentifier") is not None:
        return CLUSTER_INSTANCE  # an Aurora member: encryption is the cluster's
    if native_type == NATIVE_KEY and props.get("origin") == "EXTERNAL":
        return EXTERNAL_KEY  # imported key material (BYOK)
    return SHAPES[native_type].types[0]


def _restore(native_type: str, props: Props) -> tuple[dict[str, Any], str | None]:
    """A point-in-time restore in pulumi-aws's ``restoreToPointInTime`` form, and the property its
    source is named by (for ``propertyDependencies``)."""
    if native_type == DB_INSTANCE and (
        props.text("restoreTime") is not None or props.bool("useLatestRestorableTime") not in (None, False)
    ):
        sources = {s: props.get(s) for s in _INSTANCE_RESTORE_SOURCES}
        # With a restore time it is a restore, not a replica.
        block = {s: v for s, v in sources.items() if v is not None}
        return {"replicateSourceDb": None, "restoreToPointInTime": block}, "sourceDbInstanceIdentifier"
    if native_type == DB_CLUSTER and (source := props.get("sourceDbClusterIdentifier")) is not None:
        return {"restoreToPointInTime": {"sourceClusterIdentifier": source}}, "sourceDbClusterIdentifier"
    return {}, None


def adapt(resource: Resource) -> Resource:
    """The pulumi-aws view of an aws-native resource; any other resource as it is."""
    shape = SHAPES.get(resource.type)
    if shape is None:
        return resource
    extra, restored_from = _restore(resource.type, resource.props)
    wires = dict(shape.renames)
    wires.update((name, holder) for name, (holder, _key) in shape.nested.items())
    if restored_from is not None:
        wires["restoreToPointInTime"] = restored_from
    own_deps = resource.deps
    return Resource(
        resource.urn,
        _kind(resource.type, resource.props),
        resource.name,
        NativeProps(resource.props, shape, extra),
        resource.protect,
        resource.provider,
        lambda prop: own_deps(wires.get(prop, prop)),
        native_type=resource.type,
    )


# --- messages and remediations in the resource's own terms -----------------------------------------


def _renames(resource: Resource) -> Iterator[tuple[str, str]]:
    shape = SHAPES[resource.native_type or ""]
    yield from shape.renames.items()
    for name, (holder, key) in shape.nested.items():
        yield name, f"{holder}.{key}"


def in_own_terms(resource: Resource, text: str) -> str:
    """``text`` with pulumi-aws property and argument names replaced by the resource's own."""
    if resource.native_type is None:
        return text
    for name, native_name in _renames(resource):
        text = text.replace(f"`{name}`", f"`{native_name}`")
        text = re.sub(rf"\b{python_name(name)}=", f"{python_name(native_name).replace('._', '.')}=", text)
    return text


class _Renamed(MutableMapping[str, Any]):
    """Writes to pulumi-aws names land on the aws-native names (for remediations)."""

    def __init__(self, target: MutableMapping[str, Any], renames: Mapping[str, str]) -> None:
        self.target, self.renames = target, renames

    def __getitem__(self, name: str) -> Any:
        return self.target[self.renames.get(name, name)]

    def __setitem__(self, name: str, value: Any) -> None:
        self.target[self.renames.get(name, name)] = value

    def __delitem__(self, name: str) -> None:
        del self.target[self.renames.get(name, name)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.target)

    def __len__(self) -> int:
        return len(self.target)


def writable(resource_type: str, props: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """``props`` as a remediation writes them: under the resource's own names."""
    shape = SHAPES.get(resource_type)
    return props if shape is None else _Renamed(props, shape.renames)
