"""One RDS DB instance, encrypted with a customer managed key, its master secret on the same key."""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .database_settings import (
    DEFAULT_BACKUP_RETENTION_DAYS,
    DEFAULT_MASTER_USERNAME,
    check_database_args,
    default_identifier,
    deletion_inputs,
    master_user_secret_arn,
    performance_insights_inputs,
    subnet_group,
)
from .options import child_options
from .rules import check_instance_engine, check_storage
from .validation import ArgumentChecks

DEFAULT_ALLOCATED_STORAGE_GB = 20
DEFAULT_MAX_ALLOCATED_STORAGE_GB = 100


class EncryptedDatabaseArgs(TypedDict):
    kms_key_arn: pulumi.Input[str]
    """ARN of the customer managed KMS key (in the database's region) for storage, backups, snapshots, the master user secret and Performance Insights. Never an alias, a key id or aws/rds."""
    engine: str
    """Engine: postgres, mysql, mariadb, oracle-ee, oracle-ee-cdb, oracle-se2, oracle-se2-cdb, sqlserver-ee, sqlserver-se or sqlserver-web (sqlserver-ex cannot be encrypted)."""
    instance_class: str
    """DB instance class, such as db.t4g.micro or db.r7g.large (db.m1.*, db.m2.* and db.t2.micro cannot be encrypted)."""
    subnet_ids: Sequence[str]
    """Private subnet ids in at least two Availability Zones, for the DB subnet group."""
    vpc_security_group_ids: Sequence[str]
    """Security group ids that control access to the database."""
    engine_version: NotRequired[str]
    """Engine version, such as 16.4 or 16 (major only lets RDS pick the minor). Defaults to the engine's default."""
    identifier: NotRequired[str]
    """DB instance identifier. Defaults to the resource name."""
    db_name: NotRequired[str]
    """Name of the database created at launch (none for SQL Server; the SID for Oracle)."""
    master_username: NotRequired[str]
    """Master user name. Defaults to app_admin. Its password is generated and kept by RDS in Secrets Manager, encrypted with kms_key_arn."""
    allocated_storage_gb: NotRequired[int]
    """Initial gp3 storage in GiB (20 to 65536). Defaults to 20."""
    max_allocated_storage_gb: NotRequired[int]
    """Storage autoscaling limit in GiB, above allocated_storage_gb. Defaults to 100."""
    backup_retention_days: NotRequired[int]
    """Days of automated backups, 1 to 35 (backups cannot be turned off: without them a lost key loses the data). Defaults to 7."""
    multi_az: NotRequired[bool]
    """Run a synchronous standby in another Availability Zone. Defaults to false."""
    deletion_protection: NotRequired[bool]
    """Refuse deletion of the instance. Defaults to true."""
    final_snapshot: NotRequired[bool]
    """Take a final snapshot (<identifier>-final) and keep automated backups when the instance is deleted. Defaults to true."""
    performance_insights: NotRequired[bool]
    """Turn on Performance Insights, encrypted with kms_key_arn. Defaults to false."""
    performance_insights_retention_days: NotRequired[int]
    """Performance Insights retention: 7, a multiple of 31 up to 713, or 731. Defaults to 7."""
    log_exports: NotRequired[Sequence[str]]
    """Log types to publish to CloudWatch Logs, such as postgresql and upgrade for PostgreSQL."""
    region: NotRequired[str]
    """Region to create the database in. Defaults to the provider's region; the key must be in the same region."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the instance, its subnet group and its snapshots."""


class EncryptedDatabase(pulumi.ComponentResource):
    """An RDS DB instance encrypted at rest with a customer managed key, private, backed up, its master password managed by Secrets Manager under the same key."""

    instance_arn: pulumi.Output[str]
    """ARN of the DB instance (what a cross-region replica names as its source)."""
    identifier: pulumi.Output[str]
    """DB instance identifier (what a same-region replica names as its source)."""
    endpoint: pulumi.Output[str]
    """Connection endpoint, host:port."""
    address: pulumi.Output[str]
    """Host name of the instance."""
    port: pulumi.Output[int]
    """Port the engine listens on."""
    master_user_secret_arn: pulumi.Output[str]
    """ARN of the Secrets Manager secret holding the master credentials."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the key the instance, its backups and snapshots are encrypted with."""

    def __init__(self, name: str, args: EncryptedDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        identifier = default_identifier(name, args)
        allocated = args.get("allocated_storage_gb", DEFAULT_ALLOCATED_STORAGE_GB)
        max_allocated = args.get("max_allocated_storage_gb", DEFAULT_MAX_ALLOCATED_STORAGE_GB)

        checks = ArgumentChecks(f"EncryptedDatabase '{name}'")
        check_database_args(checks, args, identifier, check_instance_engine)
        checks.check("max_allocated_storage_gb", (allocated, max_allocated), lambda sizes: check_storage(*sizes))
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptedDatabase", name, None, opts)

        subnets = subnet_group(name, self, args, opts)
        key_arn = args["kms_key_arn"]
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            engine=args["engine"],
            engine_version=args.get("engine_version"),
            instance_class=args["instance_class"],
            db_name=args.get("db_name") or None,
            username=args.get("master_username", DEFAULT_MASTER_USERNAME),
            # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html: RDS
            # generates and rotates the password; it never passes through this program or its state.
            manage_master_user_password=True,
            master_user_secret_kms_key_id=key_arn,
            # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html: without
            # a key id RDS uses the AWS managed key, and the key can never be changed afterwards.
            storage_encrypted=True,
            kms_key_id=key_arn,
            storage_type="gp3",
            allocated_storage=allocated,
            max_allocated_storage=max_allocated,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=args["vpc_security_group_ids"],
            publicly_accessible=False,
            multi_az=args.get("multi_az", False),
            backup_retention_period=args.get("backup_retention_days", DEFAULT_BACKUP_RETENTION_DAYS),
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            enabled_cloudwatch_logs_exports=list(args.get("log_exports") or []),
            region=args.get("region"),
            tags=args.get("tags"),
            **performance_insights_inputs(args, key_arn),
            **deletion_inputs(args, identifier),
            opts=child_options(self, opts),
        )

        self.instance_arn = instance.arn
        self.identifier = instance.identifier
        self.endpoint = instance.endpoint
        self.address = instance.address
        self.port = instance.port
        self.master_user_secret_arn = master_user_secret_arn(instance.master_user_secrets)
        self.kms_key_arn = instance.kms_key_id
        self.register_outputs(
            {
                "instance_arn": self.instance_arn,
                "identifier": self.identifier,
                "endpoint": self.endpoint,
                "address": self.address,
                "port": self.port,
                "master_user_secret_arn": self.master_user_secret_arn,
                "kms_key_arn": self.kms_key_arn,
            }
        )
