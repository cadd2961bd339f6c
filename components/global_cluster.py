"""An encrypted Aurora global database: a primary and a secondary cluster, each on a key of its region."""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .cluster import EncryptedCluster, check_serverless_capacity_args
from .database_settings import check_class_of, default_identifier, resource_region
from .engines import check_global_database_class
from .master_password import WRITE_ONLY
from .options import child_options
from .package import register_declared_outputs
from .rules import (
    check_aurora_engine,
    check_global_engine_version,
    check_identifier,
    check_instance_class,
    check_key_arn,
    check_region,
    check_same_partition,
)
from .validation import ArgumentChecks

DEFAULT_SECONDARY_INSTANCE_COUNT = 1


class EncryptedGlobalClusterArgs(TypedDict):
    engine: str
    """Aurora engine: aurora-postgresql or aurora-mysql."""
    engine_version: str
    """Full engine version that supports global databases, such as 16.4 or 8.0.mysql_aurora.3.08.0; every cluster of a global database runs the same one."""
    instance_class: str
    """Instance class of every instance: a memory-optimized class such as db.r7g.large, or db.serverless."""
    primary_kms_key_arn: pulumi.Input[str]
    """ARN of a customer managed key in the primary region."""
    primary_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnet ids of the primary region (two or more Availability Zones)."""
    primary_vpc_security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Security group ids of the primary cluster."""
    secondary_region: str
    """Region of the secondary cluster."""
    secondary_kms_key_arn: pulumi.Input[str]
    """ARN of a customer managed key in the secondary region: every region needs a key of its own."""
    secondary_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnet ids of the secondary region."""
    secondary_vpc_security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Security group ids of the secondary cluster."""
    identifier: NotRequired[str]
    """Global cluster identifier; the clusters are <identifier>-primary and <identifier>-secondary. Defaults to the resource name."""
    primary_region: NotRequired[str]
    """Region of the primary cluster. Defaults to the provider's region."""
    primary_instance_count: NotRequired[int]
    """Instances in the primary cluster, 1 to 16. Defaults to 2."""
    secondary_instance_count: NotRequired[int]
    """Instances in the secondary cluster, 1 to 16. Defaults to 1."""
    db_name: NotRequired[str]
    """Name of the database created at launch."""
    master_username: NotRequired[str]
    """Master user name. Defaults to app_admin. Secrets Manager cannot manage the password of a global database, so it is generated once, kept in the Pulumi state as a secret and in a Secrets Manager secret under the primary key, and sent to the primary cluster only through its write-only input."""
    password_version: NotRequired[int]
    """Increase to generate a new master password, apply it and write it to the secret. Defaults to 1."""
    backup_retention_days: NotRequired[int]
    """Days of automated backups, 1 to 35. Defaults to 7."""
    apply_immediately: NotRequired[bool]
    """Apply modifications (class, storage, engine version, ...) now, some with downtime, instead of in the next maintenance window. A deferred change shows again in every preview until RDS applies it. Defaults to false."""
    deletion_protection: NotRequired[bool]
    """Refuse deletion of the global database and its clusters. Defaults to true."""
    final_snapshot: NotRequired[bool]
    """Take final snapshots when the clusters are deleted. Defaults to true."""
    serverless_min_capacity: NotRequired[float]
    """With `instanceClass` db.serverless: the least capacity of every instance in ACUs (see EncryptedCluster). Defaults to 0.5."""
    serverless_max_capacity: NotRequired[float]
    """With `instanceClass` db.serverless: the most capacity of every instance in ACUs (see EncryptedCluster). Defaults to 16."""
    performance_insights: NotRequired[bool]
    """Turn on Performance Insights on every instance, each cluster's on its own region's key. Defaults to false."""
    performance_insights_retention_days: NotRequired[int]
    """Performance Insights retention: 7, a multiple of 31 up to 713, or 731. Defaults to 7."""
    log_exports: NotRequired[Sequence[str]]
    """Log types both clusters publish to CloudWatch Logs, such as postgresql for aurora-postgresql."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for every resource."""


class EncryptedGlobalCluster(pulumi.ComponentResource):
    """An Aurora global database whose primary and secondary clusters are each encrypted with a customer managed key of their own region."""

    global_cluster_identifier: pulumi.Output[str]
    """Identifier of the global database."""
    primary_endpoint: pulumi.Output[str]
    """Writer endpoint of the primary cluster."""
    secondary_reader_endpoint: pulumi.Output[str]
    """Reader endpoint of the secondary cluster."""
    master_user_secret_arn: pulumi.Output[str]
    """ARN of the secret with the master credentials (primary region)."""

    def __init__(self, name: str, args: EncryptedGlobalClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"EncryptedGlobalCluster '{name}'", args, EncryptedGlobalClusterArgs)
        identifier = default_identifier(name, args)
        primary_region = resource_region({"region": args.get("primary_region")})
        secondary_region = args.get("secondary_region")

        engine = args.get("engine", "")
        for required in (
            "engine",
            "engine_version",
            "instance_class",
            "secondary_region",
            "primary_kms_key_arn",
            "secondary_kms_key_arn",
        ):
            checks.require(required, args.get(required))
        checks.check("engine", engine, check_aurora_engine)
        checks.check(
            "engine_version", args.get("engine_version"), lambda version: check_global_engine_version(engine, version)
        )
        # The member clusters check these again, but only once the global cluster exists: checked here,
        # nothing is created for arguments that cannot work.
        checks.check("instance_class", args.get("instance_class"), check_instance_class)
        if check_aurora_engine(engine) is None:
            checks.check("instance_class", args.get("instance_class"), lambda klass: _global_class(engine, klass))
        check_serverless_capacity_args(checks, args)
        checks.check("identifier", identifier, check_identifier)
        checks.check(
            "secondary_region",
            secondary_region,
            lambda region: check_region(region) or check_same_partition(region, primary_region),
        )
        # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html:
        # each secondary cluster of an encrypted global database needs a key of its own region.
        checks.check("primary_kms_key_arn", args.get("primary_kms_key_arn"), check_key_arn, primary_region)
        checks.check("secondary_kms_key_arn", args.get("secondary_kms_key_arn"), check_key_arn, secondary_region)
        if secondary_region and secondary_region == primary_region:
            checks.problems.append("secondary_region: a secondary cluster lives in another region than the primary")
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptedGlobalCluster", name, None, opts)

        global_cluster = aws.rds.GlobalCluster(
            f"{name}-global",
            global_cluster_identifier=identifier,
            engine=args["engine"],
            engine_version=args["engine_version"],
            storage_encrypted=True,
            deletion_protection=args.get("deletion_protection", True),
            opts=child_options(self, opts),
        )
        # Settings left out keep EncryptedCluster's own defaults: one place for each default.
        shared = {
            "engine": args["engine"],
            "engine_version": args["engine_version"],
            "instance_class": args["instance_class"],
            "global_cluster_identifier": global_cluster.id,
            **{
                setting: args[setting]
                for setting in (
                    "apply_immediately",
                    "backup_retention_days",
                    "deletion_protection",
                    "final_snapshot",
                    "performance_insights",
                    "performance_insights_retention_days",
                    "log_exports",
                    "serverless_min_capacity",
                    "serverless_max_capacity",
                    "tags",
                )
                if setting in args
            },
        }
        member_opts = child_options(self, opts)
        primary = EncryptedCluster(
            f"{name}-primary",
            {
                **shared,
                "identifier": f"{identifier}-primary",
                "kms_key_arn": args["primary_kms_key_arn"],
                "subnet_ids": args["primary_subnet_ids"],
                "vpc_security_group_ids": args["primary_vpc_security_group_ids"],
                **{
                    setting: args[source]
                    for setting, source in (
                        ("instance_count", "primary_instance_count"),
                        ("db_name", "db_name"),
                        ("master_username", "master_username"),
                        ("password_version", "password_version"),
                        ("region", "primary_region"),
                    )
                    if source in args
                },
                "password_mode": WRITE_ONLY,
            },
            opts=member_opts,
        )
        # AWS adds a secondary only to a global database whose primary is available.
        secondary = EncryptedCluster(
            f"{name}-secondary",
            {
                **shared,
                "identifier": f"{identifier}-secondary",
                "kms_key_arn": args["secondary_kms_key_arn"],
                "subnet_ids": args["secondary_subnet_ids"],
                "vpc_security_group_ids": args["secondary_vpc_security_group_ids"],
                "instance_count": args.get("secondary_instance_count", DEFAULT_SECONDARY_INSTANCE_COUNT),
                "global_secondary": True,
                "region": secondary_region,
            },
            opts=pulumi.ResourceOptions.merge(member_opts, pulumi.ResourceOptions(depends_on=[primary])),
        )

        self.global_cluster_identifier = global_cluster.id
        self.primary_endpoint = primary.endpoint
        self.secondary_reader_endpoint = secondary.reader_endpoint
        self.master_user_secret_arn = primary.master_user_secret_arn
        register_declared_outputs(self)


def _global_class(engine: str, instance_class: str) -> str | None:
    """A class of the engine that a global database runs on (a malformed class is reported on its own)."""
    if check_instance_class(instance_class):
        return None
    return check_class_of(engine, instance_class) or check_global_database_class(instance_class)
