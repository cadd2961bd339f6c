"""Stacks shaped like the large ones an org-wide policy pack runs on, at any size.

``realistic_stack(size)`` returns ``size`` resources in the engine's wire format (the dicts
``offline.policy_gate`` sends). About 30 % are RDS and KMS resources, grouped into applications of
ten per team; the rest are resources no rule covers (buckets, roles, security groups, functions,
alarms, subnet and parameter groups, components). What makes the stack rules work hard is there:

- per team: a customer managed key with an alias, and a multi-Region key with a replica key (and
  the same alias) in the other region; their policies grant the account snapshots are shared with;
- per application: a primary instance on the team key; a same-region replica naming its source
  by identifier and a cross-region replica naming it by ARN; a snapshot of the primary and a
  cross-region copy of it, both shared with another account; an Aurora cluster with one instance and a
  cross-region replica cluster naming its source by ARN.

Every second application names its sources as literal values, as a program does when they come
from configuration or another stack: no ``propertyDependencies``, so a rule can only find the
source by searching the stack. The others are wired from outputs, as the engine records them.
The stack passes every rule when ``approvedKmsKeys`` is ``approved_aliases(size)``.
"""

from __future__ import annotations

from typing import Any

from tests.policies.stack_fixtures import ACCOUNT, AWAY, HOME, SHARED_ACCOUNT, Resource, StackBuilder, key_policy

APPS_PER_TEAM = 10
RDS_SHARE = 0.3
# The application's own resources, and its share of its team's keys and aliases.
RESOURCES_PER_APP = 8 + 5 / APPS_PER_TEAM
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
        self.key = b.key(f"team{team}-key", HOME, shared_with=(SHARED_ACCOUNT,))
        self._alias(b, f"team{team}-key-alias", alias, self.key, HOME)
        self.global_key = b.key(f"team{team}-global-key", HOME, shared_with=(SHARED_ACCOUNT,))
        self.global_key["inputs"]["multiRegion"] = self.global_key["outputs"]["multiRegion"] = True
        key_id = self.global_key["outputs"]["keyId"]
        self.away_key = b.add(
            "aws:kms/replicaKey:ReplicaKey",
            f"team{team}-global-key-{AWAY}",
            {
                "region": AWAY,
                "description": "RDS encryption (replica of the multi-Region key)",
                "deletionWindowInDays": 30.0,
                "policy": key_policy(AWAY, (SHARED_ACCOUNT,)),
            },
            {"primaryKeyArn": (self.global_key, "arn")},
            outputs={"arn": f"arn:aws:kms:{AWAY}:{ACCOUNT}:key/{key_id}", "keyId": key_id},
        )
        self._alias(b, f"team{team}-global-key-alias-{AWAY}", alias, self.away_key, AWAY)

    @staticmethod
    def _alias(b: StackBuilder, name: str, alias: str, key: Resource, region: str) -> None:
        inputs = {"name": alias} if region == HOME else {"name": alias, "region": region}
        b.add(
            "aws:kms/alias:Alias",
            name,
            inputs,
            {"targetKeyId": (key, "keyId")},
            outputs={"arn": f"arn:aws:kms:{region}:{ACCOUNT}:{alias}"},
        )


def _source(resource: Resource, prop: str, source: Resource, output: str, wired: bool) -> None:
    """Name ``source`` in ``prop``: as a literal value, or wired from its output with the dependency."""
    value = source["outputs"][output]
    resource["inputs"][prop] = resource["outputs"][prop] = value
    if wired:
        resource["propertyDependencies"][prop] = [source["urn"]]
        resource["dependencies"] = sorted({*resource["dependencies"], source["urn"]})


def _application(b: StackBuilder, team: _Team, app: int) -> None:
    wired = app % 2 == 1
    identifier = f"app{app}"
    keys = {"kmsKeyId": (team.key, "arn")}
    primary = b.add(
        "aws:rds/instance:Instance",
        f"{identifier}-db",
        {
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
        },
        {**keys, "masterUserSecretKmsKeyId": (team.key, "arn"), "performanceInsightsKmsKeyId": (team.key, "arn")},
        outputs={**b.db_outputs("db", identifier), "id": identifier},
    )
    replica = b.add(
        "aws:rds/instance:Instance",
        f"{identifier}-replica",
        {"identifier": f"{identifier}-replica", "instanceClass": "db.r7g.large", "deletionProtection": True},
        # AWS reports the encryption the replica inherits.
        outputs={**b.db_outputs("db", f"{identifier}-replica"), "storageEncrypted": True},
    )
    replica["outputs"]["kmsKeyId"] = team.key["outputs"]["arn"]
    _source(replica, "replicateSourceDb", primary, "identifier", wired)
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
    _source(far_replica, "replicateSourceDb", primary, "arn", wired)
    snapshot = b.add(
        "aws:rds/snapshot:Snapshot",
        f"{identifier}-baseline",
        {"dbSnapshotIdentifier": f"{identifier}-baseline", "sharedAccounts": [SHARED_ACCOUNT]},
        outputs={"dbSnapshotArn": f"arn:aws:rds:{HOME}:{ACCOUNT}:snapshot:{identifier}-baseline"},
    )
    _source(snapshot, "dbInstanceIdentifier", primary, "identifier", wired)
    b.add(
        "aws:rds/snapshotCopy:SnapshotCopy",
        f"{identifier}-baseline-{AWAY}",
        {"targetDbSnapshotIdentifier": f"{identifier}-dr", "region": AWAY, "sharedAccounts": [SHARED_ACCOUNT]},
        {"sourceDbSnapshotIdentifier": (snapshot, "dbSnapshotArn"), "kmsKeyId": (team.away_key, "arn")},
    )
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


def realistic_stack(size: int, stack: str = "prod") -> list[Resource]:
    """``size`` resources (the provider included), ordered as the engine registers them."""
    b = StackBuilder(stack, production=True)
    apps = _apps(size)
    teams = [_Team(b, team) for team in range(_teams(apps))]
    for app in range(apps):
        _application(b, teams[app // APPS_PER_TEAM], app)
    other_resources(b, max(0, size - len(b.resources)))
    return b.resources[:size]
