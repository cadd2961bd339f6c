"""Stacks shaped like the large ones an org-wide policy pack runs on, at any size.

``realistic_stack(size)`` returns ``size`` resources in the engine's wire format (the dicts
``offline.policy_gate`` sends). About 30 % are RDS and KMS resources, grouped into applications of
ten per team; the rest are resources no rule covers (buckets, roles, security groups, functions,
alarms, subnet and parameter groups, components). What makes the stack rules work hard is there:

- per team: a customer managed key with an alias, and a multi-Region key with a replica key (and
  the same alias) in the other region; their policies grant the account snapshots are shared with.
  Every fourth team (the first included) declares its keys and aliases with aws-native (Cloud Control);
- per application: a primary instance on the team key; a same-region replica naming its source
  by identifier and a cross-region replica naming it by ARN; a snapshot of the primary and a
  cross-region copy of it, both shared with another account; an Aurora cluster with one instance and a
  cross-region replica cluster naming its source by ARN. Every fifth application declares its
  primary and same-region replica with aws-native; every fourth restores a disaster-recovery
  instance from the copy in the other region (a lineage of restore, copy, snapshot, database).

Every second application names its sources as literal values, as a program does when they come
from configuration or another stack: no dependency behind the value, so a rule can only find the
source by searching the stack. The others are wired from outputs. As the engine records them,
``propertyDependencies`` has an entry for every input, empty for a literal value.
The stack passes every rule when ``approvedKmsKeys`` is ``approved_aliases(size)``.
"""

from __future__ import annotations

import json
from typing import Any

from tests.policies.stack_fixtures import ACCOUNT, AWAY, HOME, SHARED_ACCOUNT, Resource, StackBuilder, key_policy

APPS_PER_TEAM = 10
RDS_SHARE = 0.3
NATIVE_TEAM_EVERY, NATIVE_APP_EVERY, DR_RESTORE_EVERY = 4, 5, 4
# The application's own resources (a DR restore for some), and its share of its team's keys and aliases.
RESOURCES_PER_APP = 8 + 1 / DR_RESTORE_EVERY + 5 / APPS_PER_TEAM
# pulumi-aws key and alias inputs under their aws-native names.
NATIVE_PROPS = {
    "deletionWindowInDays": "pendingWindowInDays",
    "policy": "keyPolicy",
    "customerMasterKeySpec": "keySpec",
    "name": "aliasName",
}
NATIVE_DB_PROPS = {
    "identifier": "dbInstanceIdentifier",
    "instanceClass": "dbInstanceClass",
    "username": "masterUsername",
    "performanceInsightsEnabled": "enablePerformanceInsights",
}
TEAMS = ("payments", "orders", "search", "identity", "billing", "catalog", "shipping", "support")

OTHER_KINDS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("aws:s3/bucket:Bucket", {"bucket": "logs", "forceDestroy": False, "tags": {"team": "x", "env": "prod"}}),
    (
        "aws:s3/bucketPolicy:BucketPolicy",
        {
            "bucket": "logs",
            "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", '
            '"Action": "s3:*", "Resource": "arn:aws:s3:::logs/*", "Condition": {"Bool": '
            '{"aws:SecureTransport": "false"}}}]}',
        },
    ),
    (
        "aws:iam/role:Role",
        {
            "assumeRolePolicy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
            '{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}',
            "path": "/service/",
            "tags": {"team": "x"},
        },
    ),
    (
        "aws:ec2/securityGroup:SecurityGroup",
        {
            "vpcId": "vpc-0a1b2c3d",
            "description": "database clients",
            "ingress": [{"fromPort": 5432.0, "toPort": 5432.0, "protocol": "tcp", "cidrBlocks": ["10.0.0.0/16"]}],
            "egress": [{"fromPort": 0.0, "toPort": 0.0, "protocol": "-1", "cidrBlocks": ["0.0.0.0/0"]}],
        },
    ),
    (
        "aws:lambda/function:Function",
        {
            "runtime": "python3.12",
            "handler": "app.handler",
            "memorySize": 512.0,
            "timeout": 30.0,
            "role": f"arn:aws:iam::{ACCOUNT}:role/service/app",
            "environment": {"variables": {"STAGE": "prod", "LOG_LEVEL": "info", "TABLE": "orders"}},
        },
    ),
    (
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        {
            "comparisonOperator": "GreaterThanThreshold",
            "evaluationPeriods": 3.0,
            "metricName": "CPUUtilization",
            "namespace": "AWS/RDS",
            "period": 60.0,
            "statistic": "Average",
            "threshold": 80.0,
        },
    ),
    ("aws:rds/subnetGroup:SubnetGroup", {"subnetIds": ["subnet-1", "subnet-2", "subnet-3"], "description": "db"}),
    ("aws:rds/parameterGroup:ParameterGroup", {"family": "postgres16", "parameters": [{"name": "rds.force_ssl"}]}),
    ("encryptedrds:index:EncryptedDatabase", {}),
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "app", "policyArn": "arn:aws:iam::aws:policy/x"}),
)


def team_alias(team: int) -> str:
    return f"alias/{TEAMS[team % len(TEAMS)]}-{team}"


def approved_aliases(size: int) -> list[str]:
    """The ``approvedKmsKeys`` under which every key of ``realistic_stack(size)`` is approved."""
    return [team_alias(team) for team in range(_teams(_apps(size)))]


def _apps(size: int) -> int:
    return max(1, round(size * RDS_SHARE / RESOURCES_PER_APP))


def _teams(apps: int) -> int:
    return -(-apps // APPS_PER_TEAM)


class _Team:
    def __init__(self, b: StackBuilder, team: int) -> None:
        alias = team_alias(team)
        self.native = team % NATIVE_TEAM_EVERY == 0
        self.key = self._key(b, f"team{team}-key")
        self._alias(b, f"team{team}-key-alias", alias, self.key, HOME)
        self.global_key = self._key(b, f"team{team}-global-key", multiRegion=True)
        key_id = self.global_key["outputs"]["keyId"]
        self.away_key = self._as_declared(
            b,
            "aws:kms/replicaKey:ReplicaKey",
            f"team{team}-global-key-{AWAY}",
            {
                "region": AWAY,
                "description": "RDS encryption (replica of the multi-Region key)",
                "deletionWindowInDays": 30.0,
                "policy": key_policy(AWAY, (SHARED_ACCOUNT,)),
            },
            {"primaryKeyArn": (self.global_key, "arn")},
            {"arn": f"arn:aws:kms:{AWAY}:{ACCOUNT}:key/{key_id}", "keyId": key_id},
            AWAY,
        )
        self._alias(b, f"team{team}-global-key-alias-{AWAY}", alias, self.away_key, AWAY)

    def _key(self, b: StackBuilder, name: str, **inputs: Any) -> Resource:
        key = b.key(name, HOME, shared_with=(SHARED_ACCOUNT,), **inputs)
        if not self.native:
            return key
        b.resources.remove(key)
        return self._as_declared(
            b,
            "aws:kms/key:Key",
            name,
            key["inputs"],
            {},
            {"arn": key["outputs"]["arn"], "keyId": key["outputs"]["keyId"]},
        )

    def _alias(self, b: StackBuilder, name: str, alias: str, key: Resource, region: str) -> None:
        inputs = {"name": alias} if region == HOME else {"name": alias, "region": region}
        outputs = {"arn": f"arn:aws:kms:{region}:{ACCOUNT}:{alias}"}
        self._as_declared(b, "aws:kms/alias:Alias", name, inputs, {"targetKeyId": (key, "keyId")}, outputs, region)

    def _as_declared(
        self,
        b: StackBuilder,
        type_: str,
        name: str,
        inputs: dict[str, Any],
        refs: dict[str, tuple[Resource, str]],
        outputs: dict[str, Any],
        region: str = HOME,
    ) -> Resource:
        """A key resource as pulumi-aws declares it, or (on an aws-native team) as aws-native does:
        ``aws-native:kms:<Kind>``, its own property names, a key policy object, its region's provider."""
        if not self.native:
            return b.add(type_, name, inputs, refs, outputs)
        kind = type_.rsplit(":", 1)[-1]
        if kind == "Alias":
            outputs = {}  # an aws-native Alias has no ARN output
        native = {NATIVE_PROPS.get(prop, prop): value for prop, value in inputs.items() if prop != "region"}
        if "keyPolicy" in native:
            native["keyPolicy"] = json.loads(native["keyPolicy"])
        return b.add(f"aws-native:kms:{kind}", name, native, refs, outputs, provider=b.native_provider(region))


def _source(resource: Resource, prop: str, source: Resource, output: str, wired: bool) -> None:
    """Name ``source`` in ``prop``: as a literal value, or wired from its output with the dependency."""
    value = source["outputs"][output]
    resource["inputs"][prop] = resource["outputs"][prop] = value
    if wired:
        resource["propertyDependencies"][prop] = [source["urn"]]
        resource["dependencies"] = sorted({*resource["dependencies"], source["urn"]})


def _primary(b: StackBuilder, team: _Team, identifier: str, native: bool) -> Resource:
    inputs: dict[str, Any] = {
        "identifier": identifier,
        "engine": "postgres",
        "instanceClass": "db.r7g.large",
        "allocatedStorage": 100.0,
        "storageEncrypted": True,
        "manageMasterUserPassword": True,
        "username": "app_admin",
        "performanceInsightsEnabled": True,
        "backupRetentionPeriod": 14.0,
        "deletionProtection": True,
    }
    keys = {"kmsKeyId": (team.key, "arn"), "performanceInsightsKmsKeyId": (team.key, "arn")}
    outputs = {**b.db_outputs("db", identifier), "id": identifier}
    if not native:
        keys["masterUserSecretKmsKeyId"] = (team.key, "arn")
        return b.add("aws:rds/instance:Instance", f"{identifier}-db", inputs, keys, outputs)
    native_inputs = {NATIVE_DB_PROPS.get(prop, prop): value for prop, value in inputs.items()}
    native_inputs["allocatedStorage"] = "100"  # a string in the aws-native schema
    outputs["dbInstanceArn"] = outputs.pop("arn")
    keys["masterUserSecret"] = (team.key, "arn")
    primary = b.add("aws-native:rds:DbInstance", f"{identifier}-db", native_inputs, keys, outputs, b.native_provider())
    # The secret's key is a field of an object: wired from the key's ARN all the same.
    primary["inputs"]["masterUserSecret"] = primary["outputs"]["masterUserSecret"] = {
        "kmsKeyId": team.key["outputs"]["arn"]
    }
    return primary


def _same_region_replica(b: StackBuilder, team: _Team, primary: Resource, identifier: str, wired: bool) -> None:
    name = f"{identifier}-replica"
    if primary["type"].startswith("aws-native:"):
        replica = b.add(
            "aws-native:rds:DbInstance",
            name,
            {"dbInstanceIdentifier": name, "dbInstanceClass": "db.r7g.large", "deletionProtection": True},
            outputs={"dbInstanceArn": f"arn:aws:rds:{HOME}:{ACCOUNT}:db:{name}", "storageEncrypted": True},
            provider=b.native_provider(),
        )
        replica["outputs"]["kmsKeyId"] = team.key["outputs"]["arn"]
        _source(replica, "sourceDbInstanceIdentifier", primary, "dbInstanceIdentifier", wired)
        return
    replica = b.add(
        "aws:rds/instance:Instance",
        name,
        {"identifier": name, "instanceClass": "db.r7g.large", "deletionProtection": True},
        # AWS reports the encryption the replica inherits.
        outputs={**b.db_outputs("db", name), "storageEncrypted": True},
    )
    replica["outputs"]["kmsKeyId"] = team.key["outputs"]["arn"]
    _source(replica, "replicateSourceDb", primary, "identifier", wired)


def _application(b: StackBuilder, team: _Team, app: int) -> None:
    wired = app % 2 == 1
    identifier = f"app{app}"
    keys = {"kmsKeyId": (team.key, "arn")}
    native = app % NATIVE_APP_EVERY == NATIVE_APP_EVERY - 1
    primary = _primary(b, team, identifier, native)
    primary_id, primary_arn = ("dbInstanceIdentifier", "dbInstanceArn") if native else ("identifier", "arn")
    _same_region_replica(b, team, primary, identifier, wired)
    far_replica = b.add(
        "aws:rds/instance:Instance",
        f"{identifier}-replica-{AWAY}",
        {
            "identifier": f"{identifier}-{AWAY}",
            "instanceClass": "db.r7g.large",
            "region": AWAY,
            "deletionProtection": True,
        },
        {"kmsKeyId": (team.away_key, "arn")},
        outputs={**b.db_outputs("db", f"{identifier}-{AWAY}", AWAY), "storageEncrypted": True},
    )
    _source(far_replica, "replicateSourceDb", primary, primary_arn, wired)
    snapshot = b.add(
        "aws:rds/snapshot:Snapshot",
        f"{identifier}-baseline",
        {"dbSnapshotIdentifier": f"{identifier}-baseline", "sharedAccounts": [SHARED_ACCOUNT]},
        outputs={"dbSnapshotArn": f"arn:aws:rds:{HOME}:{ACCOUNT}:snapshot:{identifier}-baseline"},
    )
    _source(snapshot, "dbInstanceIdentifier", primary, primary_id, wired)
    copy = b.add(
        "aws:rds/snapshotCopy:SnapshotCopy",
        f"{identifier}-baseline-{AWAY}",
        {"targetDbSnapshotIdentifier": f"{identifier}-dr", "region": AWAY, "sharedAccounts": [SHARED_ACCOUNT]},
        {"sourceDbSnapshotIdentifier": (snapshot, "dbSnapshotArn"), "kmsKeyId": (team.away_key, "arn")},
        outputs={"dbSnapshotArn": f"arn:aws:rds:{AWAY}:{ACCOUNT}:snapshot:{identifier}-dr"},
    )
    if app % DR_RESTORE_EVERY == DR_RESTORE_EVERY - 1:
        # Restored from the copy: an instance restore cannot name a key, it keeps the copy's.
        restored = b.add(
            "aws:rds/instance:Instance",
            f"{identifier}-dr-{AWAY}",
            {
                "identifier": f"{identifier}-dr",
                "instanceClass": "db.r7g.large",
                "region": AWAY,
                "backupRetentionPeriod": 14.0,
                "deletionProtection": True,
            },
            outputs={**b.db_outputs("db", f"{identifier}-dr", AWAY), "storageEncrypted": True},
        )
        restored["outputs"]["kmsKeyId"] = team.away_key["outputs"]["arn"]
        _source(restored, "snapshotIdentifier", copy, "dbSnapshotArn", wired)
    cluster_id = f"{identifier}-aurora"
    cluster = b.add(
        "aws:rds/cluster:Cluster",
        cluster_id,
        {
            "clusterIdentifier": cluster_id,
            "engine": "aurora-postgresql",
            "storageEncrypted": True,
            "manageMasterUserPassword": True,
            "masterUsername": "app_admin",
            "backupRetentionPeriod": 14.0,
            "deletionProtection": True,
        },
        {**keys, "masterUserSecretKmsKeyId": (team.key, "arn")},
        outputs={**b.db_outputs("cluster", cluster_id), "id": cluster_id},
    )
    b.add(
        "aws:rds/clusterInstance:ClusterInstance",
        f"{cluster_id}-1",
        {"instanceClass": "db.r7g.large", "engine": "aurora-postgresql", "performanceInsightsEnabled": True},
        {"clusterIdentifier": (cluster, "clusterIdentifier"), "performanceInsightsKmsKeyId": (team.key, "arn")},
    )
    far_cluster = b.add(
        "aws:rds/cluster:Cluster",
        f"{cluster_id}-{AWAY}",
        {
            "clusterIdentifier": f"{cluster_id}-{AWAY}",
            "engine": "aurora-postgresql",
            "region": AWAY,
            "storageEncrypted": True,
            "backupRetentionPeriod": 14.0,
            "deletionProtection": True,
        },
        {"kmsKeyId": (team.away_key, "arn")},
        outputs=b.db_outputs("cluster", f"{cluster_id}-{AWAY}", AWAY),
    )
    _source(far_cluster, "replicationSourceIdentifier", cluster, "arn", wired)


def other_resources(b: StackBuilder, count: int) -> None:
    """Resources an org-wide pack sees that no rule covers: it must pass them cheaply."""
    for i in range(count):
        type_, inputs = OTHER_KINDS[i % len(OTHER_KINDS)]
        resource = b.add(type_, f"other-{i}", inputs)
        if type_.startswith("encryptedrds:"):
            del resource["provider"]  # components have no provider


def _record_every_input(resources: list[Resource]) -> None:
    """``propertyDependencies`` as the engine records them: an entry per input, empty for a literal."""
    for resource in resources:
        if "propertyDependencies" in resource:
            for prop in resource["inputs"]:
                resource["propertyDependencies"].setdefault(prop, [])


def realistic_stack(size: int, stack: str = "prod") -> list[Resource]:
    """``size`` resources (the providers included), ordered as the engine registers them."""
    b = StackBuilder(stack, production=True)
    apps = _apps(size)
    teams = [_Team(b, team) for team in range(_teams(apps))]
    for app in range(apps):
        _application(b, teams[app // APPS_PER_TEAM], app)
    other_resources(b, max(0, size - len(b.resources)))
    _record_every_input(b.resources)
    return b.resources[:size]
