"""Realistic stacks in the engine's wire format, and the mutations each rule must reject.

``full_stack()`` is what the program grows into: a primary instance on a customer managed key,
a same-region and a cross-region replica, automated backup replication, a shared snapshot copy
in another region, and an Aurora global database with a secondary. Every resource value that
comes from another resource carries ``propertyDependencies``, as the engine records them.
``as_preview()`` turns such a stack into what a first ``pulumi preview`` sees: every value that
comes from a resource output is unknown.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

ACCOUNT = "123456789012"
SHARED_ACCOUNT = "210987654321"
HOME, AWAY = "us-east-1", "eu-west-1"
PROJECT = "encrypted-rds"
PROVIDER_TYPE = "pulumi:providers:aws"
ORGANISATION = "o-a1b2c3d4e5"

Resource = dict[str, Any]

KEY = "aws:kms/key:Key"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey"
# What each key type's inputs look like for a symmetric encryption key.
KEY_SHAPES: dict[str, dict[str, Any]] = {
    KEY: {"enableKeyRotation": True, "keyUsage": "ENCRYPT_DECRYPT", "customerMasterKeySpec": "SYMMETRIC_DEFAULT"},
    REPLICA_KEY: {},
    # BYOK: imported key material cannot rotate automatically; its expiry is optional.
    EXTERNAL_KEY: {"keyUsage": "ENCRYPT_DECRYPT", "keySpec": "SYMMETRIC_DEFAULT", "keyMaterialBase64": "c2VjcmV0"},
    REPLICA_EXTERNAL_KEY: {"keyMaterialBase64": "c2VjcmV0"},
}


def urn(stack: str, type_: str, name: str, parent_type: str = "") -> str:
    qualified = f"{parent_type}${type_}" if parent_type else type_
    return f"urn:pulumi:{stack}::{PROJECT}::{qualified}::{name}"


def key_policy(region: str, shared_with: tuple[str, ...] = ()) -> str:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "EnableAccountRootAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        *(
            {
                "Sid": f"AllowUseVia{service.title()}",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": ACCOUNT,
                        "kms:ViaService": f"{service}.{region}.amazonaws.com",
                    }
                },
            }
            for service in ("rds", "secretsmanager")
        ),
    ]
    if shared_with:
        statements.append(
            {
                "Sid": "AllowSnapshotTargetAccounts",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in shared_with]},
                "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncrypt*"],
                "Resource": "*",
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class StackBuilder:
    """Builds resources the way the engine records them, wiring dependencies by name."""

    def __init__(self, stack: str, production: bool) -> None:
        self.stack = stack
        self.production = production
        self.resources: list[Resource] = []
        provider_urn = urn(stack, PROVIDER_TYPE, "default_7_51_1")
        self.provider_ref = f"{provider_urn}::04da6b54-provider-id"
        self.resources.append(
            {"urn": provider_urn, "type": PROVIDER_TYPE, "name": "default_7_51_1", "inputs": {"region": HOME}}
        )
        self.native_providers: dict[str, str] = {}

    def native_provider(self, region: str = HOME) -> str:
        """A reference to an aws-native provider for ``region`` (created on first use)."""
        if region not in self.native_providers:
            name = f"aws-native-{region}"
            provider_urn = urn(self.stack, "pulumi:providers:aws-native", name)
            self.resources.append(
                {"urn": provider_urn, "type": "pulumi:providers:aws-native", "name": name, "inputs": {"region": region}}
            )
            self.native_providers[region] = f"{provider_urn}::{name}-id"
        return self.native_providers[region]

    def add(
        self,
        type_: str,
        name: str,
        inputs: dict[str, Any],
        refs: dict[str, tuple[Resource, str]] | None = None,
        outputs: dict[str, Any] | None = None,
        provider: str | None = None,
    ) -> Resource:
        """``refs`` maps a property to (resource, output name) it is wired from; ``provider`` is
        a provider reference (``<urn>::<id>``), the default aws provider's when omitted."""
        inputs = dict(inputs)
        deps: dict[str, list[str]] = {}
        for prop, (source, output) in (refs or {}).items():
            inputs[prop] = source["outputs"][output]
            deps[prop] = [source["urn"]]
        resource = {
            "urn": urn(self.stack, type_, name, "encryptedrds:index:EncryptedDatabase"),
            "type": type_,
            "name": name,
            "parent": urn(self.stack, "encryptedrds:index:EncryptedDatabase", "database"),
            "provider": provider or self.provider_ref,
            "inputs": inputs,
            "outputs": {**inputs, **(outputs or {})},
            "dependencies": sorted({u for urns in deps.values() for u in urns}),
            "propertyDependencies": deps,
            "protect": self.production,
        }
        self.resources.append(resource)
        return resource

    def key(
        self,
        name: str,
        region: str,
        shared_with: tuple[str, ...] = (),
        type_: str = KEY,
        primary: Resource | None = None,
        **extra: Any,
    ) -> Resource:
        """A KMS key of ``type_`` (replicas need their ``primary``), with the project's key policy."""
        key_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.stack}/{name}"))
        if primary is not None:
            key_id = primary["outputs"]["keyId"]  # a multi-Region replica shares its primary's key ID
        inputs = {
            "description": f"RDS encryption ({name})",
            "deletionWindowInDays": 30.0 if self.production else 7.0,
            **KEY_SHAPES[type_],
            "policy": key_policy(region, shared_with),
            **extra,
        }
        if region != HOME:
            inputs["region"] = region
        return self.add(
            type_,
            name,
            inputs,
            {"primaryKeyArn": (primary, "arn")} if primary is not None else None,
            outputs={"arn": f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}", "keyId": key_id},
        )

    def native_key(
        self,
        name: str,
        region: str = HOME,
        type_: str = "aws-native:kms:Key",
        shared_with: tuple[str, ...] = (),
        **inputs: Any,
    ) -> Resource:
        """An aws-native KMS key (or ReplicaKey): ``keyPolicy`` is an object, the window ``pendingWindowInDays``."""
        key_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.stack}/native/{name}"))
        props = {
            "description": f"RDS encryption ({name})",
            "enableKeyRotation": True,
            "pendingWindowInDays": 30.0 if self.production else 7.0,
            "keyPolicy": json.loads(key_policy(region, shared_with)),
            **inputs,
        }
        if type_ == "aws-native:kms:ReplicaKey":
            del props["enableKeyRotation"]  # a replica key rotates with its primary
        outputs = {"arn": f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}", "keyId": key_id}
        return self.add(type_, name, props, outputs=outputs, provider=self.native_provider(region))

    def native_db(
        self,
        name: str,
        key: Resource | None = None,
        region: str = HOME,
        refs: dict[str, tuple[Resource, str]] | None = None,
        **inputs: Any,
    ) -> Resource:
        """An aws-native DbInstance, encrypted with ``key`` when one is given."""
        props = {
            "dbInstanceIdentifier": name,
            "engine": "postgres",
            "dbInstanceClass": "db.t4g.micro",
            "allocatedStorage": "20",
            "storageEncrypted": key is not None,
            "backupRetentionPeriod": 7.0,
            "deletionProtection": self.production,
            **inputs,
        }
        refs = dict(refs or {})
        if key is not None:
            refs["kmsKeyId"] = (key, "arn")
        outputs = {"dbInstanceArn": f"arn:aws:rds:{region}:{ACCOUNT}:db:{name}"}
        return self.add("aws-native:rds:DbInstance", name, props, refs, outputs, provider=self.native_provider(region))

    def db_outputs(self, kind: str, identifier: str, region: str = HOME) -> dict[str, Any]:
        return {"arn": f"arn:aws:rds:{region}:{ACCOUNT}:{kind}:{identifier}"}

    def snapshot(self, db: Resource, name: str, **inputs: Any) -> Resource:
        """A manual snapshot of an instance or a cluster, wired to it by identifier."""
        type_, source, db_id, own_id, arn, kind = SNAPSHOT_SHAPES[db["type"]]
        return self.add(
            type_,
            name,
            {own_id: name, **inputs},
            {source: (db, db_id)},
            outputs={arn: f"arn:aws:rds:{inputs.get('region', HOME)}:{ACCOUNT}:{kind}:{name}"},
        )

    def copy(self, snapshot: Resource, name: str, key: Resource | None = None, **inputs: Any) -> Resource:
        """A copy of a snapshot (or of a copy), re-keyed when ``key`` is given."""
        type_, source, own_id, arn, kind = COPY_SHAPES[snapshot["type"]]
        refs = {source: (snapshot, arn)}
        if key is not None:
            refs["kmsKeyId"] = (key, "arn")
        return self.add(
            type_,
            name,
            {own_id: name, **inputs},
            refs,
            outputs={arn: f"arn:aws:rds:{inputs.get('region', HOME)}:{ACCOUNT}:{kind}:{name}"},
        )


_INSTANCE_SNAPSHOT = ("aws:rds/snapshot:Snapshot", "dbInstanceIdentifier", "identifier", "dbSnapshotIdentifier")
_CLUSTER_SNAPSHOT = ("aws:rds/clusterSnapshot:ClusterSnapshot", "dbClusterIdentifier", "clusterIdentifier")
#: database type -> (snapshot type, property naming the database, its identifier, the snapshot's
#: identifier property, its ARN output, the ARN's resource kind)
SNAPSHOT_SHAPES: dict[str, tuple[str, ...]] = {
    "aws:rds/instance:Instance": (*_INSTANCE_SNAPSHOT, "dbSnapshotArn", "snapshot"),
    "aws:rds/cluster:Cluster": (
        *_CLUSTER_SNAPSHOT,
        "dbClusterSnapshotIdentifier",
        "dbClusterSnapshotArn",
        "cluster-snapshot",
    ),
}
_COPY = (
    "aws:rds/snapshotCopy:SnapshotCopy",
    "sourceDbSnapshotIdentifier",
    "targetDbSnapshotIdentifier",
    "dbSnapshotArn",
    "snapshot",
)
_CLUSTER_COPY = (
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy",
    "sourceDbClusterSnapshotIdentifier",
    "targetDbClusterSnapshotIdentifier",
    "dbClusterSnapshotArn",
    "cluster-snapshot",
)
#: snapshot type -> (copy type, property naming the source, the copy's identifier property, ARN output, ARN kind)
COPY_SHAPES: dict[str, tuple[str, ...]] = {
    "aws:rds/snapshot:Snapshot": _COPY,
    "aws:rds/snapshotCopy:SnapshotCopy": _COPY,
    "aws:rds/clusterSnapshot:ClusterSnapshot": _CLUSTER_COPY,
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": _CLUSTER_COPY,
    "aws-native:rds:DbSnapshot": _COPY,  # aws-native has no copy resource; pulumi-aws copies them
    "aws-native:rds:ClusterSnapshot": _CLUSTER_COPY,
}


def one_database(stack: str = "dev", **inputs: Any) -> StackBuilder:
    """A stack with one PostgreSQL instance 'app' on a customer managed key; ``inputs`` override its
    properties (None removes one; a kmsKeyId given here replaces the wired key)."""
    b = StackBuilder(stack, production=stack == "prod")
    key = b.key("rds-key", HOME)
    props = {
        "identifier": "app",
        "engine": "postgres",
        "instanceClass": "db.t4g.micro",
        "storageEncrypted": True,
        "deletionProtection": stack == "prod",
        "backupRetentionPeriod": 7.0 if stack == "prod" else 1.0,
        **inputs,
    }
    refs = None if "kmsKeyId" in inputs else {"kmsKeyId": (key, "arn")}
    b.add("aws:rds/instance:Instance", "app", {k: v for k, v in props.items() if v is not None}, refs)
    return b


def organisation_share_policy(region: str, **extra_condition: str) -> str:
    """The project's key policy plus the statement AWS documents for sharing with an organisation."""
    policy = json.loads(key_policy(region))
    policy["Statement"].append(
        {
            "Sid": "AllowOrganisationToCopySharedSnapshots",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncrypt*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORGANISATION, **extra_condition}},
        }
    )
    return json.dumps(policy)


def full_stack(stack: str = "prod") -> list[Resource]:
    production = stack == "prod"
    b = StackBuilder(stack, production)
    key = b.key("rds-key", HOME)
    alias = f"alias/{PROJECT}-{stack}"
    b.add(
        "aws:kms/alias:Alias",
        "rds-key-alias",
        {"name": alias},
        {"targetKeyId": (key, "keyId")},
        outputs={"arn": f"arn:aws:kms:{HOME}:{ACCOUNT}:{alias}"},
    )
    away_key = b.key("rds-key-eu", AWAY, shared_with=(SHARED_ACCOUNT,))
    identifier = f"app-{stack}"
    primary = b.add(
        "aws:rds/instance:Instance",
        "database-instance",
        {
            "identifier": identifier,
            "engine": "postgres",
            "engineVersion": "16",
            "instanceClass": "db.r7g.large" if production else "db.t4g.micro",
            "allocatedStorage": 100.0,
            "storageEncrypted": True,
            "manageMasterUserPassword": True,
            "username": "app_admin",
            "performanceInsightsEnabled": True,
            "backupRetentionPeriod": 35.0 if production else 1.0,
            "deletionProtection": production,
            "publiclyAccessible": False,
        },
        {
            "kmsKeyId": (key, "arn"),
            "masterUserSecretKmsKeyId": (key, "arn"),
            "performanceInsightsKmsKeyId": (key, "arn"),
        },
        outputs=b.db_outputs("db", identifier),
    )
    b.add(
        "aws:rds/instance:Instance",
        "database-replica",
        {
            "identifier": f"{identifier}-replica",
            "instanceClass": "db.r7g.large",
            "replicateSourceDb": identifier,
            "deletionProtection": production,
        },
        outputs=b.db_outputs("db", f"{identifier}-replica"),
    )
    replica = b.resources[-1]
    replica["propertyDependencies"]["replicateSourceDb"] = [primary["urn"]]
    # After creation AWS reports the inherited encryption on the replica.
    replica["outputs"] |= {"storageEncrypted": True, "kmsKeyId": key["outputs"]["arn"]}
    b.add(
        "aws:rds/instance:Instance",
        "database-replica-eu",
        {
            "identifier": f"{identifier}-eu",
            "instanceClass": "db.r7g.large",
            "region": AWAY,
            "deletionProtection": production,
        },
        {"replicateSourceDb": (primary, "arn"), "kmsKeyId": (away_key, "arn")},
        outputs=b.db_outputs("db", f"{identifier}-eu", AWAY),
    )
    b.add(
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
        "database-backups-eu",
        {"region": AWAY, "retentionPeriod": 14.0},
        {"sourceDbInstanceArn": (primary, "arn"), "kmsKeyId": (away_key, "arn")},
    )
    snapshot = b.add(
        "aws:rds/snapshot:Snapshot",
        "database-snapshot",
        {"dbSnapshotIdentifier": f"{identifier}-baseline"},
        {"dbInstanceIdentifier": (primary, "identifier")},
        outputs={"dbSnapshotArn": f"arn:aws:rds:{HOME}:{ACCOUNT}:snapshot:{identifier}-baseline"},
    )
    b.add(
        "aws:rds/snapshotCopy:SnapshotCopy",
        "database-snapshot-dr",
        {"targetDbSnapshotIdentifier": f"{identifier}-dr", "region": AWAY, "sharedAccounts": [SHARED_ACCOUNT]},
        {"sourceDbSnapshotIdentifier": (snapshot, "dbSnapshotArn"), "kmsKeyId": (away_key, "arn")},
    )
    global_cluster = b.add(
        "aws:rds/globalCluster:GlobalCluster",
        "aurora-global",
        {
            "globalClusterIdentifier": f"aurora-{stack}",
            "engine": "aurora-postgresql",
            "storageEncrypted": True,
            "deletionProtection": production,
        },
        outputs={"id": f"aurora-{stack}"},
    )
    cluster = b.add(
        "aws:rds/cluster:Cluster",
        "aurora",
        {
            "clusterIdentifier": f"aurora-{stack}-primary",
            "engine": "aurora-postgresql",
            "storageEncrypted": True,
            "manageMasterUserPassword": True,
            "masterUsername": "app_admin",
            "backupRetentionPeriod": 35.0 if production else 1.0,
            "deletionProtection": production,
        },
        {
            "kmsKeyId": (key, "arn"),
            "masterUserSecretKmsKeyId": (key, "arn"),
            "globalClusterIdentifier": (global_cluster, "id"),
        },
        outputs=b.db_outputs("cluster", f"aurora-{stack}-primary"),
    )
    b.add(
        "aws:rds/clusterInstance:ClusterInstance",
        "aurora-1",
        {"instanceClass": "db.r7g.large", "engine": "aurora-postgresql", "performanceInsightsEnabled": True},
        {"clusterIdentifier": (cluster, "clusterIdentifier"), "performanceInsightsKmsKeyId": (key, "arn")},
    )
    b.add(
        "aws:rds/cluster:Cluster",
        "aurora-eu",
        {
            "clusterIdentifier": f"aurora-{stack}-eu",
            "engine": "aurora-postgresql",
            "region": AWAY,
            "storageEncrypted": True,
            "backupRetentionPeriod": 7.0,
            "deletionProtection": production,
        },
        {"kmsKeyId": (away_key, "arn"), "globalClusterIdentifier": (global_cluster, "id")},
        outputs=b.db_outputs("cluster", f"aurora-{stack}-eu", AWAY),
    )
    return b.resources


# --- preview -----------------------------------------------------------------------------------

COMPUTED_OUTPUTS = (
    "arn",
    "keyId",
    "id",
    "dbSnapshotArn",
    "dbClusterSnapshotArn",
    "targetKeyArn",
    "dbInstanceArn",  # aws-native
    "dbClusterArn",  # aws-native
)
# Optional inputs the provider fills in when the program leaves them out.
COMPUTED_WHEN_UNSET = {
    "aws:rds/instance:Instance": ("kmsKeyId", "storageEncrypted"),
    "aws:rds/cluster:Cluster": ("kmsKeyId",),
    "aws-native:rds:DbInstance": ("kmsKeyId", "storageEncrypted"),
    "aws-native:rds:DbCluster": ("kmsKeyId",),
}


def as_preview(resources: list[Resource]) -> list[Resource]:
    """What the first preview sees: outputs of resources not yet created are unknown, and so is
    every input wired from one (its ``propertyDependencies`` stay known)."""
    preview = copy.deepcopy(resources)
    for resource in preview:
        for prop, urns in resource.get("propertyDependencies", {}).items():
            if urns:  # the engine records an empty list for a literal value
                resource["inputs"][prop] = UNKNOWN_STRING_VALUE
                resource["outputs"][prop] = UNKNOWN_STRING_VALUE
        for prop in COMPUTED_OUTPUTS:
            if prop in resource.get("outputs", {}) and prop not in resource["inputs"]:
                resource["outputs"][prop] = UNKNOWN_STRING_VALUE
        for prop in COMPUTED_WHEN_UNSET.get(resource["type"], ()):
            if prop not in resource["inputs"]:
                resource["outputs"][prop] = UNKNOWN_STRING_VALUE
    return preview


# --- mutations ---------------------------------------------------------------------------------


def find(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r["name"] == name)


def set_input(resources: list[Resource], name: str, prop: str, value: Any) -> None:
    resource = find(resources, name)
    resource["propertyDependencies"].pop(prop, None)
    for bag in ("inputs", "outputs"):
        if value is None:
            resource[bag].pop(prop, None)
        else:
            resource[bag][prop] = value


def wire(resources: list[Resource], name: str, prop: str, source: str, output: str = "arn") -> None:
    """Point ``prop`` of ``name`` at ``source``'s output, with the dependency the engine records."""
    resource, origin = find(resources, name), find(resources, source)
    value = origin["outputs"][output]
    resource["inputs"][prop] = resource["outputs"][prop] = value
    resource["propertyDependencies"][prop] = [origin["urn"]]


def add_key(resources: list[Resource], name: str, region: str = HOME, **inputs: Any) -> None:
    key = StackBuilder("prod", production=True).key(name, region)
    key["inputs"].update(inputs)
    key["outputs"].update(inputs)
    resources.append(key)


def _drop_condition(resources: list[Resource]) -> None:
    key = find(resources, "rds-key")
    policy = json.loads(key["inputs"]["policy"])
    del policy["Statement"][1]["Condition"]
    set_input(resources, "rds-key", "policy", json.dumps(policy))


def _asymmetric_key(resources: list[Resource]) -> None:
    add_key(resources, "signing-key", keyUsage="SIGN_VERIFY", customerMasterKeySpec="RSA_2048")
    wire(resources, "database-instance", "performanceInsightsKmsKeyId", "signing-key")


def _other_key_on_replica(resources: list[Resource]) -> None:
    add_key(resources, "other-key")
    wire(resources, "database-replica", "kmsKeyId", "other-key")


def _unshared_key(resources: list[Resource]) -> None:
    set_input(resources, "rds-key-eu", "policy", key_policy(AWAY))


Mutation = Callable[[list[Resource]], None]

#: rule id -> (level it is reported at, mutations of full_stack("prod") it must reject).
#: Every mutation is also checked in its preview form (unknown ARNs), where it must still fail.
MUTATIONS: dict[str, tuple[str, dict[str, Mutation]]] = {
    "rds-storage-encrypted": (
        "mandatory",
        {
            "instance storageEncrypted=false": lambda rs: set_input(rs, "database-instance", "storageEncrypted", False),
            "cluster storageEncrypted unset": lambda rs: set_input(rs, "aurora", "storageEncrypted", None),
            "global cluster storageEncrypted=false": lambda rs: set_input(
                rs, "aurora-global", "storageEncrypted", False
            ),
        },
    ),
    "rds-encryptable-engine-class": (
        "mandatory",
        {
            "db.t2.micro": lambda rs: set_input(rs, "database-instance", "instanceClass", "db.t2.micro"),
            "sqlserver-ex": lambda rs: set_input(rs, "database-instance", "engine", "sqlserver-ex"),
        },
    ),
    "rds-customer-managed-key": (
        "mandatory",
        {
            "instance kmsKeyId unset": lambda rs: set_input(rs, "database-instance", "kmsKeyId", None),
            "instance on alias/aws/rds": lambda rs: set_input(rs, "database-instance", "kmsKeyId", "alias/aws/rds"),
            "cluster kmsKeyId unset": lambda rs: set_input(rs, "aurora", "kmsKeyId", None),
            "backup replication kmsKeyId unset": lambda rs: set_input(rs, "database-backups-eu", "kmsKeyId", None),
        },
    ),
    "rds-performance-insights-cmk": (
        "mandatory",
        {
            "instance PI key unset": lambda rs: set_input(rs, "database-instance", "performanceInsightsKmsKeyId", None),
            "cluster instance PI key unset": lambda rs: set_input(rs, "aurora-1", "performanceInsightsKmsKeyId", None),
        },
    ),
    "rds-master-secret-cmk": (
        "mandatory",
        {
            "secret key unset": lambda rs: set_input(rs, "database-instance", "masterUserSecretKmsKeyId", None),
            "secret on aws/secretsmanager": lambda rs: set_input(
                rs, "aurora", "masterUserSecretKmsKeyId", "alias/aws/secretsmanager"
            ),
        },
    ),
    "rds-kms-key-arn": (
        "mandatory",
        {
            "alias name": lambda rs: set_input(rs, "database-instance", "kmsKeyId", f"alias/{PROJECT}-prod"),
            "bare key id": lambda rs: set_input(rs, "aurora", "kmsKeyId", "1234abcd-12ab-34cd-56ef-1234567890ab"),
        },
    ),
    "rds-snapshot-not-public": (
        "mandatory",
        {"shared with all": lambda rs: set_input(rs, "database-snapshot-dr", "sharedAccounts", ["all"])},
    ),
    "kms-key-policy-no-public-principal": ("mandatory", {"unconditioned *": _drop_condition}),
    "rds-key-in-resource-region": (
        "mandatory",
        {
            "cross-region replica on home key": lambda rs: wire(rs, "database-replica-eu", "kmsKeyId", "rds-key"),
            "backup replication on home key": lambda rs: wire(rs, "database-backups-eu", "kmsKeyId", "rds-key"),
            "snapshot copy on home key": lambda rs: wire(rs, "database-snapshot-dr", "kmsKeyId", "rds-key"),
            "global secondary on home key": lambda rs: wire(rs, "aurora-eu", "kmsKeyId", "rds-key"),
        },
    ),
    "rds-same-region-replica-key": ("mandatory", {"replica on another key": _other_key_on_replica}),
    "rds-cross-region-replica-key": (
        "mandatory",
        {
            "cross-region replica without key": lambda rs: set_input(rs, "database-replica-eu", "kmsKeyId", None),
            "cross-region snapshot copy without key": lambda rs: set_input(
                rs, "database-snapshot-dr", "kmsKeyId", None
            ),
        },
    ),
    "rds-replica-encryption-matches-source": (
        "mandatory",
        {"unencrypted replica": lambda rs: set_input(rs, "database-replica", "storageEncrypted", False)},
    ),
    "kms-key-symmetric-for-rds": ("mandatory", {"asymmetric key": _asymmetric_key}),
    "rds-shared-snapshot-cmk": (
        "mandatory",
        {
            "target account not granted": _unshared_key,
            "snapshot of a database on aws/rds": lambda rs: (
                set_input(rs, "database-instance", "kmsKeyId", None),
                set_input(rs, "database-snapshot", "sharedAccounts", [SHARED_ACCOUNT]),
            ),
        },
    ),
    "rds-backups-enabled": (
        "advisory",
        {"retention 0": lambda rs: set_input(rs, "database-instance", "backupRetentionPeriod", 0.0)},
    ),
    "rds-deletion-protection": (
        "advisory",
        {"prod without deletion protection": lambda rs: set_input(rs, "aurora", "deletionProtection", False)},
    ),
    "rds-no-plaintext-master-password": (
        "advisory",
        {"password set": lambda rs: set_input(rs, "database-instance", "password", "hunter2hunter2")},
    ),
    "kms-key-protected": ("advisory", {"prod key unprotected": lambda rs: find(rs, "rds-key").update(protect=False)}),
}

#: (rule, mutation) -> the rule that reports it once values are known: a literal check on the
#: resource itself catches the same mistake first.
KNOWN_VALUE_COUNTERPART = {
    ("rds-cross-region-replica-key", "cross-region snapshot copy without key"): "rds-customer-managed-key",
}

#: Rules fixed by a remediation: the mutation must come back remediated, not reported.
REMEDIATIONS: dict[str, tuple[Mutation, str, Any]] = {
    "kms-key-rotation-enabled": (
        lambda rs: set_input(rs, "rds-key", "enableKeyRotation", False),
        "enableKeyRotation",
        True,
    ),
    "kms-key-deletion-window": (
        lambda rs: set_input(rs, "rds-key", "deletionWindowInDays", 7.0),
        "deletionWindowInDays",
        30.0,
    ),
}


def mutated(rule: str, mutation: Mutation, stack: str = "prod") -> list[Resource]:
    resources = full_stack(stack)
    mutation(resources)
    return resources
