"""What the providers do with the next `pulumi up`: which inputs replace a resource, which ones AWS
keeps when the program leaves them out, and the plan of one recorded run against the one before.

The mock runtime shows the first run only. A later run is the program evaluated again with its
configuration (changed or not), compared with what the previous run left in the state: for each
resource, the bridged provider plans from its Terraform schema, so this model holds, per resource
type, the schema facts that decide a plan. They are taken from the provider sources (pulumi-aws
7.51 is built on terraform-provider-aws v6; pulumi-random on terraform-provider-random), named per
type below:

- ``replace``: ``ForceNew`` attributes (``RequiresReplace`` in framework resources): a change
  replaces the resource (create the new one, then delete the old).
- ``computed``: Optional+Computed attributes: left out by the program, they keep the value AWS
  reports, so leaving them out is no change.
- ``read_back``: Optional (not Computed) attributes the provider reads back from AWS although the
  program may leave them out: the plan sets them back to empty, which is a change (the global
  secondary's ``replicationSourceIdentifier`` promotes it out of the global database).
- ``unordered``: set-typed attributes, compared without order.
- write-only inputs (``offline.runtime.WRITE_ONLY_INPUTS``) are sent only when their ``*Version``
  changes, and never compared.
- ``refused``: changes the provider rejects at apply time instead of planning them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc

from offline.runtime import WRITE_ONLY_INPUTS, RecordedResource, StackRun

_TF = "hashicorp/terraform-provider-aws internal/service"


@dataclass(frozen=True)
class Schema:
    source: str
    replace: frozenset[str] = frozenset()
    computed: frozenset[str] = frozenset()
    read_back: frozenset[str] = frozenset()
    unordered: frozenset[str] = frozenset()
    refused: Mapping[str, str] = field(default_factory=dict)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Every pulumi-aws v7 resource is replaced when its own `region` changes (the provider's region
# interceptor, forceNewIfRegionChanges).
_REGION = "region"

SCHEMAS: dict[str, Schema] = {
    "aws:rds/instance:Instance": Schema(
        f"{_TF}/rds/instance.go",
        replace=_names(
            "availabilityZone backupTarget characterSetName customIamInstanceProfile dbName engine kmsKeyId "
            "ncharCharacterSetName restoreToPointInTime snapshotIdentifier storageEncrypted timezone username "
            + _REGION
        ),
        computed=_names(
            "allocatedStorage availabilityZone backupRetentionPeriod backupTarget backupWindow caCertIdentifier "
            "characterSetName dbName dbSubnetGroupName engine engineVersion identifier iops kmsKeyId licenseModel "
            "maintenanceWindow masterUserSecretKmsKeyId multiAz networkType optionGroupName parameterGroupName "
            "performanceInsightsKmsKeyId performanceInsightsRetentionPeriod port storageThroughput storageType "
            "username vpcSecurityGroupIds"
        ),
        read_back=_names(
            "replicateSourceDb storageEncrypted enabledCloudwatchLogsExports iamDatabaseAuthenticationEnabled "
            "maxAllocatedStorage deletionProtection"
        ),
        unordered=_names("vpcSecurityGroupIds enabledCloudwatchLogsExports"),
        # resourceInstanceUpdate: "cannot elect new source database for replication".
        refused={"replicateSourceDb": "a replica cannot move to another source"},
    ),
    "aws:rds/cluster:Cluster": Schema(
        f"{_TF}/rds/cluster.go",
        replace=_names(
            "availabilityZones clusterIdentifier databaseName dbSubnetGroupName engine engineMode kmsKeyId "
            "masterUsername restoreToPointInTime snapshotIdentifier sourceRegion storageEncrypted " + _REGION
        ),
        computed=_names(
            "allocatedStorage availabilityZones backupRetentionPeriod clusterIdentifier databaseName "
            "dbSubnetGroupName engineVersion kmsKeyId masterUserSecretKmsKeyId masterUsername port "
            "preferredBackupWindow preferredMaintenanceWindow storageEncrypted storageType vpcSecurityGroupIds"
        ),
        read_back=_names(
            "replicationSourceIdentifier globalClusterIdentifier deletionProtection enabledCloudwatchLogsExports "
            "iamDatabaseAuthenticationEnabled"
        ),
        unordered=_names("vpcSecurityGroupIds enabledCloudwatchLogsExports availabilityZones"),
    ),
    "aws:rds/clusterInstance:ClusterInstance": Schema(
        f"{_TF}/rds/cluster_instance.go",
        replace=_names("availabilityZone clusterIdentifier dbSubnetGroupName engine identifier " + _REGION),
        computed=_names(
            "availabilityZone dbSubnetGroupName engineVersion identifier performanceInsightsEnabled "
            "performanceInsightsKmsKeyId performanceInsightsRetentionPeriod preferredBackupWindow "
            "preferredMaintenanceWindow"
        ),
    ),
    "aws:rds/globalCluster:GlobalCluster": Schema(
        f"{_TF}/rds/global_cluster.go",
        replace=_names(
            "databaseName engine globalClusterIdentifier sourceDbClusterIdentifier storageEncrypted " + _REGION
        ),
        computed=_names("databaseName engine sourceDbClusterIdentifier storageEncrypted"),
    ),
    "aws:rds/subnetGroup:SubnetGroup": Schema(
        f"{_TF}/rds/subnet_group.go", replace=_names("name namePrefix " + _REGION), unordered=_names("subnetIds")
    ),
    "aws:rds/snapshot:Snapshot": Schema(
        f"{_TF}/rds/snapshot.go", replace=_names("dbInstanceIdentifier dbSnapshotIdentifier " + _REGION)
    ),
    "aws:rds/snapshotCopy:SnapshotCopy": Schema(
        f"{_TF}/rds/snapshot_copy.go",
        replace=_names(
            "copyTags destinationRegion kmsKeyId optionGroupName presignedUrl sourceDbSnapshotIdentifier "
            "targetCustomAvailabilityZone targetDbSnapshotIdentifier " + _REGION
        ),
        unordered=_names("sharedAccounts"),
    ),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": Schema(
        f"{_TF}/rds/instance_automated_backups_replication.go (no update function)",
        replace=_names("kmsKeyId preSignedUrl retentionPeriod sourceDbInstanceArn " + _REGION),
        computed=_names("kmsKeyId"),
    ),
    "aws:kms/key:Key": Schema(
        f"{_TF}/kms/key.go",
        replace=_names("customKeyStoreId customerMasterKeySpec keyUsage multiRegion xksKeyId " + _REGION),
        computed=_names("description multiRegion policy rotationPeriodInDays"),
    ),
    "aws:kms/replicaKey:ReplicaKey": Schema(
        f"{_TF}/kms/replica_key.go", replace=_names("primaryKeyArn " + _REGION), computed=_names("policy")
    ),
    "aws:kms/alias:Alias": Schema(f"{_TF}/kms/alias.go", replace=_names("name namePrefix " + _REGION)),
    "aws:secretsmanager/secret:Secret": Schema(
        f"{_TF}/secretsmanager/secret.go", replace=_names("name namePrefix " + _REGION)
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": Schema(
        f"{_TF}/secretsmanager/secret_version.go",
        replace=_names("secretId secretBinary secretString secretStringWoVersion " + _REGION),
    ),
    "aws:cfg/rule:Rule": Schema(f"{_TF}/configservice/config_rule.go", replace=_names("name " + _REGION)),
    "random:index/randomPassword:RandomPassword": Schema(
        "hashicorp/terraform-provider-random internal/provider/resource_password.go",
        replace=_names(
            "keepers length special upper lower number numeric minNumeric minUpper minLower minSpecial overrideSpecial"
        ),
    ),
}

#: Resources whose replacement loses or moves data, keys or credentials, or takes a database down.
DATA_TYPES = frozenset(
    {
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:rds/globalCluster:GlobalCluster",
        "aws:rds/snapshot:Snapshot",
        "aws:rds/snapshotCopy:SnapshotCopy",
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
        "aws:kms/key:Key",
        "aws:kms/replicaKey:ReplicaKey",
        "aws:secretsmanager/secret:Secret",
        "random:index/randomPassword:RandomPassword",
    }
)


def plain(value: Any) -> Any:
    """A recorded value with secrets unwrapped, for comparing what the provider compares."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return plain(value.get("value"))
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


@dataclass(frozen=True)
class Step:
    """What the next `pulumi up` does to one resource, and because of which inputs."""

    resource: RecordedResource
    op: str  # create | same | update | replace | refused | delete
    changed: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


def _equal(schema: Schema, prop: str, old: Any, new: Any) -> bool:
    old, new = plain(old), plain(new)
    if prop in schema.unordered and isinstance(old, list) and isinstance(new, list):
        return sorted(map(repr, old)) == sorted(map(repr, new))
    return old == new


def _changes(schema: Schema, before: RecordedResource, after: RecordedResource) -> list[str]:
    """The inputs whose planned value differs from the state the previous run left."""
    state = {**before.inputs, **before.outputs}
    changed = []
    for prop in sorted(set(before.inputs) | set(after.inputs) | schema.read_back):
        if prop in WRITE_ONLY_INPUTS or prop in after.ignore_changes:
            continue
        new, old = after.inputs.get(prop), state.get(prop)
        if new is None:
            if prop not in schema.computed and old not in (None, [], {}):
                changed.append(prop)
        elif not _equal(schema, prop, old, new):
            changed.append(prop)
    return changed


def plan(before: StackRun, after: StackRun) -> dict[str, Step]:
    """The step for every custom resource of either run, by URN."""
    previous = {r.urn: r for r in before.resources if r.custom}
    steps: dict[str, Step] = {}
    for resource in (r for r in after.resources if r.custom):
        old = previous.pop(resource.urn, None)
        if old is None:
            steps[resource.urn] = Step(resource, "create")
            continue
        schema = SCHEMAS[resource.type]
        changed = _changes(schema, old, resource)
        refused = [schema.refused[prop] for prop in changed if prop in schema.refused and resource.inputs.get(prop)]
        if refused:
            steps[resource.urn] = Step(resource, "refused", tuple(changed), tuple(refused))
        elif replacing := [prop for prop in changed if prop in schema.replace]:
            steps[resource.urn] = Step(resource, "replace", tuple(changed), tuple(replacing))
        else:
            steps[resource.urn] = Step(resource, "update" if changed else "same", tuple(changed))
    for resource in previous.values():
        steps[resource.urn] = Step(resource, "delete")
    return steps
