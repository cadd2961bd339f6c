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
    modification_inputs,
    performance_insights_inputs,
    resource_region,
    subnet_group,
)
from .engines import check_license_model, default_license
from .master_password import MasterPassword
from .options import child_options
from .package import register_declared_outputs
from .rules import (
    check_allocated_storage,
    check_backup_retention,
    check_govcloud_cross_region_copy,
    check_identifier,
    check_instance_engine,
    check_key_arn,
    check_max_allocated_storage,
    check_region,
    check_same_partition,
)
from .validation import ArgumentChecks

DEFAULT_ALLOCATED_STORAGE_GB = 20
DEFAULT_MAX_ALLOCATED_STORAGE_GB = 100


class EncryptedDatabaseArgs(TypedDict):
    kms_key_arn: pulumi.Input[str]
    """ARN of the customer managed KMS key (in the database's region) for storage, backups, snapshots, the master user secret and Performance Insights. Never an alias, a key id or aws/rds."""
    engine: str
    """Engine: postgres, mysql, mariadb, oracle-ee, oracle-ee-cdb, oracle-se2, oracle-se2-cdb, sqlserver-ee, sqlserver-se or sqlserver-web (sqlserver-ex cannot be encrypted)."""
    instance_class: str
    """DB instance class the engine runs on, such as db.t4g.micro or db.r7g.large (db.m1.*, db.m2.* and db.t2.micro cannot be encrypted; Oracle and SQL Server run on no Graviton class)."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnet ids in at least two Availability Zones, for the DB subnet group."""
    vpc_security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Security group ids that control access to the database."""
    engine_version: NotRequired[str]
    """Engine version: a major version such as 16 (RDS picks a recent minor) or a full one such as 16.4. Defaults to RDS's default version of the engine."""
    license_model: NotRequired[str]
    """License model: license-included or bring-your-own-license for Oracle SE2. Defaults to the edition's: bring-your-own-license for Oracle EE, license-included for Oracle SE2 and SQL Server, the open-source license otherwise."""
    identifier: NotRequired[str]
    """DB instance identifier. Defaults to the resource name."""
    db_name: NotRequired[str]
    """Name of the database created at launch (none for SQL Server; the SID for Oracle)."""
    master_username: NotRequired[str]
    """Master user name. Defaults to app_admin. Its password never appears in plain text: see `passwordMode`."""
    password_mode: NotRequired[str]
    """secrets-manager (default): RDS generates, keeps and rotates the password in Secrets Manager under `kmsKeyArn`; it never passes through Pulumi. write-only: the password is generated once (random.RandomPassword), kept in the Pulumi state as a secret and in a Secrets Manager secret under `kmsKeyArn` with the user, host and port, and sent to the database only through its write-only input; needed where AWS does not support the first mode (a source of read replicas, except SQL Server)."""
    password_version: NotRequired[int]
    """write-only mode: increase to generate a new password, apply it to the database and write it to the secret. Defaults to 1."""
    allocated_storage_gb: NotRequired[int]
    """Initial gp3 storage in GiB: 20 to 65536 (16384 for SQL Server). Defaults to 20."""
    max_allocated_storage_gb: NotRequired[int]
    """Storage autoscaling limit in GiB, at least 10% above `allocatedStorageGb`. Defaults to 100."""
    backup_retention_days: NotRequired[int]
    """Days of automated backups, 1 to 35 (backups cannot be turned off: without them a lost key loses the data). Defaults to 7."""
    multi_az: NotRequired[bool]
    """Run a synchronous standby in another Availability Zone. Defaults to false."""
    apply_immediately: NotRequired[bool]
    """Apply modifications (class, storage, engine version, ...) now, some with downtime, instead of in the next maintenance window. A deferred change shows again in every preview until RDS applies it. Defaults to false."""
    deletion_protection: NotRequired[bool]
    """Refuse deletion of the instance. Defaults to true."""
    final_snapshot: NotRequired[bool]
    """Take a final snapshot (<identifier>-final) and keep automated backups when the instance is deleted. Defaults to true."""
    performance_insights: NotRequired[bool]
    """Turn on Performance Insights, encrypted with `kmsKeyArn`. Defaults to false."""
    performance_insights_retention_days: NotRequired[int]
    """Performance Insights retention: 7, a multiple of 31 up to 713, or 731. Defaults to 7."""
    log_exports: NotRequired[Sequence[str]]
    """Log types to publish to CloudWatch Logs, such as postgresql and upgrade for PostgreSQL."""
    baseline_snapshot_identifier: NotRequired[str]
    """Take one manual snapshot with this identifier once the instance exists: a baseline to copy to another region or share with other accounts. Encrypted with `kmsKeyArn`, like every snapshot of the instance."""
    backup_replication_region: NotRequired[str]
    """Disaster recovery: also replicate automated backups to this other region."""
    backup_replication_kms_key_arn: NotRequired[pulumi.Input[str]]
    """ARN of a customer managed key in `backupReplicationRegion` that encrypts the replicated backups (required with it)."""
    backup_replication_retention_days: NotRequired[int]
    """Days the replicated backups are kept, 1 to 35. Defaults to `backupRetentionDays`."""
    region: NotRequired[str]
    """Region to create the database in. Defaults to the provider's region; the key must be in the same region."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the instance, its subnet group and its snapshots."""


class EncryptedDatabase(pulumi.ComponentResource):
    """An RDS DB instance encrypted at rest with a customer managed key, private, backed up, its master password in Secrets Manager under the same key."""

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
    baseline_snapshot_arn: pulumi.Output[str]
    """ARN of the baseline snapshot, or an empty string without `baselineSnapshotIdentifier`."""

    def __init__(self, name: str, args: EncryptedDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"EncryptedDatabase '{name}'", args, EncryptedDatabaseArgs)
        identifier = default_identifier(name, args)
        allocated = args.get("allocated_storage_gb", DEFAULT_ALLOCATED_STORAGE_GB)
        max_allocated = args.get("max_allocated_storage_gb", DEFAULT_MAX_ALLOCATED_STORAGE_GB)

        engine = args.get("engine", "")

        check_database_args(checks, args, identifier, check_instance_engine)
        if check_instance_engine(engine) is None:
            checks.check("license_model", args.get("license_model"), lambda model: check_license_model(engine, model))
        checks.check("allocated_storage_gb", allocated, lambda size: check_allocated_storage(engine, size))
        if check_allocated_storage(engine, allocated) is None:
            checks.check(
                "max_allocated_storage_gb",
                max_allocated,
                lambda size: check_max_allocated_storage(engine, allocated, size),
            )
        backup_region = args.get("backup_replication_region")
        if backup_region:
            # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html: backups of
            # an encrypted instance are replicated under a key of the destination region.
            checks.check(
                "backup_replication_region",
                backup_region,
                lambda destination: (
                    check_region(destination)
                    or check_same_partition(destination, resource_region(args))
                    or check_govcloud_cross_region_copy(resource_region(args), destination)
                ),
            )
            if backup_region == resource_region(args):
                checks.problems.append(
                    "backup_replication_region: backups are replicated to another region; choose a region other "
                    "than the database's"
                )
            checks.require("backup_replication_kms_key_arn", args.get("backup_replication_kms_key_arn"))
            checks.check(
                "backup_replication_kms_key_arn",
                args.get("backup_replication_kms_key_arn"),
                check_key_arn,
                backup_region,
            )
            checks.check(
                "backup_replication_retention_days",
                args.get("backup_replication_retention_days"),
                check_backup_retention,
            )
        checks.check("baseline_snapshot_identifier", args.get("baseline_snapshot_identifier"), check_identifier)
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptedDatabase", name, None, opts)

        subnets = subnet_group(name, self, args, opts)
        key_arn = args["kms_key_arn"]
        username = args.get("master_username", DEFAULT_MASTER_USERNAME)
        password = MasterPassword(name, self, args, key_arn, opts, password_input="password_wo")
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            engine=args["engine"],
            engine_version=args.get("engine_version"),
            instance_class=args["instance_class"],
            license_model=args.get("license_model") or default_license(engine),
            db_name=args.get("db_name") or None,
            username=username,
            **password.database_inputs(),
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
            **modification_inputs(args),
            opts=child_options(self, opts),
        )

        if backup_region:
            aws.rds.InstanceAutomatedBackupsReplication(
                f"{name}-backup-replication",
                source_db_instance_arn=instance.arn,
                kms_key_id=args["backup_replication_kms_key_arn"],
                retention_period=args.get(
                    "backup_replication_retention_days",
                    args.get("backup_retention_days", DEFAULT_BACKUP_RETENTION_DAYS),
                ),
                region=backup_region,
                # Every input replaces the replication (the provider has no update), and AWS runs one
                # replication per instance and region: stop the old one before starting the new one.
                # Backups already replicated are kept for their retention period.
                # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html
                opts=child_options(self, opts, delete_before_replace=True),
            )
        baseline = args.get("baseline_snapshot_identifier")
        # A snapshot of an encrypted instance is encrypted with the instance's key (seed 000, "Limitations").
        self.baseline_snapshot_arn = (
            aws.rds.Snapshot(
                f"{name}-baseline-snapshot",
                db_instance_identifier=instance.identifier,
                db_snapshot_identifier=baseline,
                region=args.get("region"),
                tags=args.get("tags"),
                opts=child_options(self, opts),
            ).db_snapshot_arn
            if baseline
            else pulumi.Output.from_input("")
        )
        self._replica_source = {
            "source_db_identifier": instance.identifier,
            "source_db_arn": instance.arn,
            "source_region": resource_region(args),
            "source_engine": args["engine"],
            "source_storage_encrypted": True,
            "source_backup_retention_days": args.get("backup_retention_days", DEFAULT_BACKUP_RETENTION_DAYS),
            "source_password_mode": password.mode,
            "source_kms_key_arn": key_arn,
        }

        self.instance_arn = instance.arn
        self.identifier = instance.identifier
        self.endpoint = instance.endpoint
        self.address = instance.address
        self.port = instance.port
        self.master_user_secret_arn = password.secret_arn(
            instance.master_user_secrets,
            {
                "engine": args["engine"],
                "username": username,
                "host": instance.address,
                "port": instance.port,
                "dbname": args.get("db_name") or None,
            },
            args.get("region"),
        )
        self.kms_key_arn = instance.kms_key_id
        register_declared_outputs(self)

    def replica_source(self) -> dict:
        """The source_* arguments of an EncryptedReadReplica of this database (Python stacks)."""
        return dict(self._replica_source)
