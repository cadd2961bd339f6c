"""An Aurora cluster, encrypted at cluster level with a customer managed key, and its instances."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .database_settings import (
    DEFAULT_BACKUP_RETENTION_DAYS,
    DEFAULT_MASTER_USERNAME,
    check_database_args,
    default_identifier,
    deletion_inputs,
    modification_inputs,
    performance_insights_inputs,
    subnet_group,
)
from .engines import SERVERLESS_CLASS
from .master_password import SECRETS_MANAGER, MasterPassword
from .options import child_options
from .package import register_declared_outputs
from .rules import (
    check_aurora_engine,
    check_instance_count,
    check_serverless_max_capacity,
    check_serverless_min_capacity,
)
from .validation import ArgumentChecks

DEFAULT_INSTANCE_COUNT = 2
DEFAULT_SERVERLESS_MIN_CAPACITY = 0.5
DEFAULT_SERVERLESS_MAX_CAPACITY = 16.0


class EncryptedClusterArgs(TypedDict):
    kms_key_arn: pulumi.Input[str]
    """ARN of the customer managed KMS key (in the cluster's region) for storage, backups, snapshots, the master user secret and Performance Insights. Never an alias, a key id or aws/rds."""
    engine: str
    """Aurora engine: aurora-postgresql or aurora-mysql."""
    instance_class: str
    """Instance class of every cluster instance: db.serverless (Aurora Serverless v2), a memory-optimized class such as db.r7g.large, or db.t4g.medium/large."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnet ids in at least two Availability Zones, for the DB subnet group."""
    vpc_security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Security group ids that control access to the cluster."""
    engine_version: NotRequired[str]
    """Engine version, such as 16.6 for aurora-postgresql, or 8.0 (the default version of MySQL 8.0-compatible Aurora) or 8.0.mysql_aurora.3.08.2 for aurora-mysql. Defaults to RDS's default version of the engine."""
    serverless_min_capacity: NotRequired[float]
    """With `instanceClass` db.serverless: the least capacity in ACUs, 0 (auto-pause, on versions that support it) or 0.5 to 256, in steps of 0.5. Defaults to 0.5."""
    serverless_max_capacity: NotRequired[float]
    """With `instanceClass` db.serverless: the most capacity in ACUs, 1 to 256 (128 on older versions), in steps of 0.5. Defaults to 16."""
    identifier: NotRequired[str]
    """Cluster identifier; instances are named <identifier>-<n>. Defaults to the resource name."""
    instance_count: NotRequired[int]
    """Number of instances: one writer and the rest readers, 1 to 16. Defaults to 2."""
    db_name: NotRequired[str]
    """Name of the database created at launch."""
    master_username: NotRequired[str]
    """Master user name. Defaults to app_admin. Its password never appears in plain text: see `passwordMode`."""
    password_mode: NotRequired[str]
    """secrets-manager (default): RDS generates, keeps and rotates the password in Secrets Manager under `kmsKeyArn`; it never passes through Pulumi. write-only: the password is generated once (random.RandomPassword), kept in the Pulumi state as a secret and in a Secrets Manager secret under `kmsKeyArn` with the user, host and port, and sent to the database only through its write-only input; needed where AWS does not support the first mode (a cluster of an Aurora global database)."""
    password_version: NotRequired[int]
    """write-only mode: increase to generate a new password, apply it to the database and write it to the secret. Defaults to 1."""
    backup_retention_days: NotRequired[int]
    """Days of automated backups, 1 to 35. Defaults to 7."""
    apply_immediately: NotRequired[bool]
    """Apply modifications (class, storage, engine version, ...) now, some with downtime, instead of in the next maintenance window. A deferred change shows again in every preview until RDS applies it. Defaults to false."""
    deletion_protection: NotRequired[bool]
    """Refuse deletion of the cluster. Defaults to true."""
    final_snapshot: NotRequired[bool]
    """Take a final snapshot (<identifier>-final) and keep automated backups when the cluster is deleted. Defaults to true."""
    performance_insights: NotRequired[bool]
    """Turn on Performance Insights on every instance, encrypted with `kmsKeyArn`. Defaults to false."""
    performance_insights_retention_days: NotRequired[int]
    """Performance Insights retention: 7, a multiple of 31 up to 713, or 731. Defaults to 7."""
    log_exports: NotRequired[Sequence[str]]
    """Log types to publish to CloudWatch Logs, such as postgresql for aurora-postgresql."""
    global_cluster_identifier: NotRequired[pulumi.Input[str]]
    """Make the cluster a member of this Aurora global database (see EncryptedGlobalCluster)."""
    global_secondary: NotRequired[bool]
    """A secondary cluster of the global database: no master user or database of its own, data replicated from the primary. Defaults to false."""
    region: NotRequired[str]
    """Region to create the cluster in. Defaults to the provider's region; the key must be in the same region."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the cluster, its instances, subnet group and snapshots."""


class EncryptedCluster(pulumi.ComponentResource):
    """An Aurora cluster whose storage is encrypted with a customer managed key set at cluster level (a default Aurora cluster may be encrypted with an AWS owned key), with its instances."""

    cluster_arn: pulumi.Output[str]
    """ARN of the cluster."""
    cluster_identifier: pulumi.Output[str]
    """Cluster identifier."""
    endpoint: pulumi.Output[str]
    """Writer endpoint."""
    reader_endpoint: pulumi.Output[str]
    """Load-balanced reader endpoint."""
    port: pulumi.Output[int]
    """Port the engine listens on."""
    master_user_secret_arn: pulumi.Output[str]
    """ARN of the Secrets Manager secret holding the master credentials."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the key the cluster, its backups and snapshots are encrypted with."""

    def __init__(self, name: str, args: EncryptedClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"EncryptedCluster '{name}'", args, EncryptedClusterArgs)
        identifier = default_identifier(name, args)
        instance_count = args.get("instance_count", DEFAULT_INSTANCE_COUNT)

        check_database_args(checks, args, identifier, check_aurora_engine)
        checks.check("instance_count", instance_count, check_instance_count)
        check_serverless_capacity_args(checks, args)
        global_member = args.get("global_cluster_identifier") is not None
        secondary = global_member and args.get("global_secondary", False)
        # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html ("Limitations"):
        # Secrets Manager cannot manage the master password of a cluster in an Aurora global database.
        if global_member and not secondary and args.get("password_mode", SECRETS_MANAGER) == SECRETS_MANAGER:
            checks.problems.append(
                "password_mode: Secrets Manager cannot manage the master password of a cluster in an Aurora "
                "global database; use password_mode write-only"
            )
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptedCluster", name, None, opts)

        subnets = subnet_group(name, self, args, opts)
        key_arn = args["kms_key_arn"]
        username = args.get("master_username", DEFAULT_MASTER_USERNAME)
        password = MasterPassword(name, self, args, key_arn, opts, password_input="master_password_wo")
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=identifier,
            engine=args["engine"],
            engine_version=args.get("engine_version"),
            database_name=None if secondary else args.get("db_name") or None,
            master_username=None if secondary else username,
            **({} if secondary else password.database_inputs()),
            global_cluster_identifier=args.get("global_cluster_identifier"),
            # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html:
            # encryption and its key belong to the cluster; every instance inherits them.
            storage_encrypted=True,
            kms_key_id=key_arn,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=args["vpc_security_group_ids"],
            backup_retention_period=args.get("backup_retention_days", DEFAULT_BACKUP_RETENTION_DAYS),
            copy_tags_to_snapshot=True,
            enabled_cloudwatch_logs_exports=list(args.get("log_exports") or []),
            serverlessv2_scaling_configuration=serverless_scaling(args),
            region=args.get("region"),
            tags=args.get("tags"),
            **deletion_inputs(args, identifier),
            **modification_inputs(args),
            # AWS reports a global secondary's replication source (the primary's ARN) and the provider
            # reads it back: left unset here, the next update would promote the secondary out of the
            # global database (PromoteReadReplicaDBCluster; terraform-provider-aws PR #40921, and the
            # pulumi-aws GlobalCluster docs' ignoreChanges).
            opts=child_options(self, opts, ignore_changes=["replicationSourceIdentifier"] if secondary else None),
        )
        for index in range(instance_count):
            aws.rds.ClusterInstance(
                f"{name}-instance-{index}",
                identifier=f"{identifier}-{index}",
                cluster_identifier=cluster.id,
                engine=args["engine"],
                engine_version=args.get("engine_version"),
                instance_class=args["instance_class"],
                db_subnet_group_name=subnets.name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                region=args.get("region"),
                tags=args.get("tags"),
                **performance_insights_inputs(args, key_arn),
                **modification_inputs(args),
                opts=child_options(self, opts),
            )

        self.cluster_arn = cluster.arn
        self.cluster_identifier = cluster.cluster_identifier
        self.endpoint = cluster.endpoint
        self.reader_endpoint = cluster.reader_endpoint
        self.port = cluster.port
        self.master_user_secret_arn = (
            pulumi.Output.from_input("")
            if secondary
            else password.secret_arn(
                cluster.master_user_secrets,
                {
                    "engine": args["engine"],
                    "username": username,
                    "host": cluster.endpoint,
                    "port": cluster.port,
                    "dbname": args.get("db_name") or None,
                },
                args.get("region"),
            )
        )
        self.kms_key_arn = cluster.kms_key_id
        register_declared_outputs(self)


def check_serverless_capacity_args(checks: ArgumentChecks, args: Mapping[str, Any]) -> None:
    """The capacity range a cluster of db.serverless instances needs, and only such a cluster."""
    low = args.get("serverless_min_capacity", DEFAULT_SERVERLESS_MIN_CAPACITY)
    high = args.get("serverless_max_capacity", DEFAULT_SERVERLESS_MAX_CAPACITY)
    if args.get("instance_class") != SERVERLESS_CLASS:
        for argument in ("serverless_min_capacity", "serverless_max_capacity"):
            if argument in args:
                checks.problems.append(f"{argument}: applies only to instance_class {SERVERLESS_CLASS}; leave it out")
        return
    checks.check("serverless_min_capacity", low, check_serverless_min_capacity)
    if check_serverless_min_capacity(low) is None:
        checks.check("serverless_max_capacity", high, lambda acu: check_serverless_max_capacity(low, acu))


def serverless_scaling(args: Mapping[str, Any]) -> aws.rds.ClusterServerlessv2ScalingConfigurationArgs | None:
    """https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.requirements.html:
    a cluster must have a capacity range before it can have db.serverless instances."""
    if args.get("instance_class") != SERVERLESS_CLASS:
        return None
    return aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
        min_capacity=args.get("serverless_min_capacity", DEFAULT_SERVERLESS_MIN_CAPACITY),
        max_capacity=args.get("serverless_max_capacity", DEFAULT_SERVERLESS_MAX_CAPACITY),
    )
