"""What one stack builds from its validated configuration, and what it exports."""

import gc
from typing import Any

import pulumi

from components import (
    EncryptedCluster,
    EncryptedDatabase,
    EncryptedGlobalCluster,
    EncryptedReadReplica,
    EncryptedSnapshotCopy,
    EncryptionComplianceRules,
    EncryptionKey,
    EncryptionReplicaKey,
    SnapshotSharing,
)
from components.engines import SERVERLESS_CLASS
from stack_config import StackConfig


class Stack:
    """The resources of one stack, built in dependency order only where AWS requires it."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.project, self.stack = pulumi.get_project(), pulumi.get_stack()
        self.tags = {
            "Project": self.project,
            "Stack": self.stack,
            "Environment": config.environment,
            "ManagedBy": "pulumi",
        }
        # Production data must survive a mistaken `pulumi destroy` or a resource dropped from the code.
        self.data_options = pulumi.ResourceOptions(
            protect=config.protect_resources, retain_on_delete=config.protect_resources
        )
        self.exports: dict[str, Any] = {"region": config.region}

    @property
    def needs_dr_key(self) -> bool:
        config = self.config
        return bool(config.dr_region) and (config.dr_replica or config.dr_automated_backups or config.dr_snapshot_copy)

    def key_settings(self) -> dict[str, Any]:
        return {
            "deletion_window_days": self.config.key_deletion_window_days,
            "administrator_arns": self.config.key_administrator_arns,
            "user_arns": self.config.key_user_arns,
            "tags": self.tags,
        }

    def primary_key(self) -> tuple[pulumi.Input[str], EncryptionKey | None]:
        config = self.config
        if config.kms_key_arn:
            self.exports["kmsKeyArn"] = config.kms_key_arn
            return config.kms_key_arn, None
        key = EncryptionKey(
            "rds-key",
            {
                **self.key_settings(),
                "alias": config.key_alias or f"alias/{self.project}-{self.stack}",
                "description": f"RDS encryption for {self.project} ({self.stack})",
                "rotation_period_days": config.key_rotation_period_days,
                # A key cannot become multi-Region later: the mode is chosen when the key is created.
                "multi_region": self.needs_dr_key and config.dr_key_mode == "multi-region",
            },
            opts=self.data_options,
        )
        self.exports |= {"kmsKeyArn": key.key_arn, "kmsKeyAlias": key.alias_name}
        return key.key_arn, key

    def dr_key(self, primary: EncryptionKey | None) -> pulumi.Input[str]:
        """The DR region's key. It depends on nothing of the primary region but, in multi-Region
        mode, the primary key: never on the database, so it is created while the database is."""
        config = self.config
        if config.dr_kms_key_arn:
            return config.dr_kms_key_arn
        alias = f"alias/{self.project}-{self.stack}-dr"
        if config.dr_key_mode == "multi-region" and primary is not None:
            key: EncryptionKey | EncryptionReplicaKey = EncryptionReplicaKey(
                "dr-key",
                {**self.key_settings(), "primary_key_arn": primary.key_arn, "region": config.dr_region, "alias": alias},
                opts=self.data_options,
            )
        else:
            key = EncryptionKey(
                "dr-key",
                {
                    **self.key_settings(),
                    "region": config.dr_region,
                    "alias": alias,
                    "rotation_period_days": config.key_rotation_period_days,
                },
                opts=self.data_options,
            )
        self.exports["drKmsKeyArn"] = key.key_arn
        return key.key_arn

    def engine_settings(self) -> dict[str, Any]:
        """Engine, version and class, from the engine table where the stack leaves them empty; without a
        version, RDS picks its default version of the engine. Serverless v2 classes carry a capacity range."""
        config = self.config
        settings: dict[str, Any] = {"engine": config.db_engine, "instance_class": config.instance_class}
        if config.engine_version:
            settings["engine_version"] = config.engine_version
        if config.instance_class == SERVERLESS_CLASS:
            minimum, maximum = config.serverless_capacity
            settings |= {"serverless_min_capacity": minimum, "serverless_max_capacity": maximum}
        return settings

    def database_settings(self, key_arn: pulumi.Input[str]) -> dict[str, Any]:
        config = self.config
        return {
            "kms_key_arn": key_arn,
            **self.engine_settings(),
            "identifier": self.identifier,
            "subnet_ids": config.subnet_ids,
            "vpc_security_group_ids": config.security_group_ids,
            "password_mode": config.db_password_mode,
            **self.member_settings(),
        }

    def member_settings(self) -> dict[str, Any]:
        """What every database of the stack takes from it: an instance, a cluster, a global database's."""
        config = self.config
        return {
            "db_name": config.db_name,
            "master_username": config.db_master_username,
            "password_version": config.db_password_version,
            "backup_retention_days": config.db_backup_retention_days,
            "deletion_protection": config.db_deletion_protection,
            "apply_immediately": config.db_apply_immediately,
            "final_snapshot": config.db_final_snapshot,
            "performance_insights": config.db_performance_insights,
            "performance_insights_retention_days": config.db_performance_insights_retention_days,
            "log_exports": config.db_log_exports,
            "tags": self.tags,
        }

    @property
    def identifier(self) -> str:
        return self.config.db_identifier or f"{self.project}-{self.stack}"

    def aurora(self, key_arn: pulumi.Input[str], dr_key_arn: pulumi.Input[str] | None) -> None:
        config = self.config
        settings = self.database_settings(key_arn)
        if dr_key_arn is None:
            cluster = EncryptedCluster(
                "database", {**settings, "instance_count": config.aurora_instance_count}, opts=self.data_options
            )
            self.exports |= {
                "dbEndpoint": cluster.endpoint,
                "dbReaderEndpoint": cluster.reader_endpoint,
                "dbPort": cluster.port,
                "dbIdentifier": cluster.cluster_identifier,
                "dbArn": cluster.cluster_arn,
                "masterUserSecretArn": cluster.master_user_secret_arn,
            }
            return
        global_cluster = EncryptedGlobalCluster(
            "database",
            {
                "identifier": self.identifier,
                **self.engine_settings(),
                "primary_kms_key_arn": key_arn,
                "primary_subnet_ids": config.subnet_ids,
                "primary_vpc_security_group_ids": config.security_group_ids,
                "primary_instance_count": config.aurora_instance_count,
                "secondary_region": config.dr_region,
                "secondary_kms_key_arn": dr_key_arn,
                "secondary_subnet_ids": config.dr_subnet_ids,
                "secondary_vpc_security_group_ids": config.dr_security_group_ids,
                **self.member_settings(),
            },
            opts=self.data_options,
        )
        self.exports |= {
            "dbEndpoint": global_cluster.primary_endpoint,
            "drReaderEndpoint": global_cluster.secondary_reader_endpoint,
            "dbIdentifier": global_cluster.global_cluster_identifier,
            "masterUserSecretArn": global_cluster.master_user_secret_arn,
        }

    def instance(self, key_arn: pulumi.Input[str], dr_key_arn: pulumi.Input[str] | None) -> EncryptedDatabase:
        config = self.config
        extras: dict[str, Any] = {}
        if config.dr_automated_backups:
            extras |= {"backup_replication_region": config.dr_region, "backup_replication_kms_key_arn": dr_key_arn}
        if config.dr_snapshot_copy or config.backup_account_ids:
            extras["baseline_snapshot_identifier"] = f"{self.identifier}-baseline"
        database = EncryptedDatabase(
            "database",
            {
                **self.database_settings(key_arn),
                "license_model": config.license_model,
                "allocated_storage_gb": config.db_allocated_storage_gb,
                "max_allocated_storage_gb": config.db_max_allocated_storage_gb,
                "multi_az": config.db_multi_az,
                **extras,
            },
            opts=self.data_options,
        )
        self.exports |= {
            "dbEndpoint": database.endpoint,
            "dbAddress": database.address,
            "dbPort": database.port,
            "dbIdentifier": database.identifier,
            "dbArn": database.instance_arn,
            "masterUserSecretArn": database.master_user_secret_arn,
        }
        self.replicas(database, dr_key_arn)
        self.snapshots(database, dr_key_arn)
        return database

    def snapshots(self, database: EncryptedDatabase, dr_key_arn: pulumi.Input[str] | None) -> None:
        """Copies of the baseline snapshot: to the DR region on its key, and to the backup accounts on a
        key whose policy grants exactly them (aws/rds-encrypted snapshots could not be shared at all)."""
        config = self.config
        if config.dr_snapshot_copy and dr_key_arn is not None:
            copy = EncryptedSnapshotCopy(
                "dr-snapshot-copy",
                {
                    "source_snapshot_arn": database.baseline_snapshot_arn,
                    "target_snapshot_identifier": f"{self.identifier}-baseline-dr",
                    "kms_key_arn": dr_key_arn,
                    "region": config.dr_region,
                    "copy_tags": True,
                    "tags": self.tags,
                },
                opts=self.data_options,
            )
            self.exports["drSnapshotArn"] = copy.snapshot_arn
        if config.backup_account_ids:
            shared = SnapshotSharing(
                "shared-snapshot",
                {
                    "source_snapshot_arn": database.baseline_snapshot_arn,
                    "shared_account_ids": config.backup_account_ids,
                    "engine": config.db_engine,
                    "target_snapshot_identifier": f"{self.identifier}-baseline-shared",
                    "key_alias": f"alias/{self.project}-{self.stack}-share",
                    "tags": self.tags,
                },
                opts=self.data_options,
            )
            self.exports |= {"sharedSnapshotArn": shared.snapshot_arn, "shareKmsKeyArn": shared.kms_key_arn}

    def replicas(self, database: EncryptedDatabase, dr_key_arn: pulumi.Input[str] | None) -> None:
        config = self.config
        replica_settings = {
            **database.replica_source(),
            "instance_class": config.replica_class,
            "performance_insights": config.db_performance_insights,
            "performance_insights_retention_days": config.db_performance_insights_retention_days,
            "deletion_protection": config.db_deletion_protection,
            "apply_immediately": config.db_apply_immediately,
            "tags": self.tags,
        }
        endpoints = []
        for number in range(1, config.same_region_replicas + 1):
            replica = EncryptedReadReplica(
                f"replica-{number}",
                {
                    **replica_settings,
                    "identifier": f"{self.identifier}-replica-{number}",
                    "vpc_security_group_ids": config.security_group_ids,
                },
                opts=self.data_options,
            )
            endpoints.append(replica.endpoint)
        if endpoints:
            self.exports["replicaEndpoints"] = endpoints
        if config.dr_replica and dr_key_arn is not None:
            dr_replica = EncryptedReadReplica(
                "dr-replica",
                {
                    **replica_settings,
                    "identifier": f"{self.identifier}-dr",
                    "region": config.dr_region,
                    "kms_key_arn": dr_key_arn,
                    "subnet_ids": config.dr_subnet_ids,
                    "vpc_security_group_ids": config.dr_security_group_ids,
                },
                opts=self.data_options,
            )
            self.exports["drReplicaEndpoint"] = dr_replica.endpoint


def deploy(config: StackConfig) -> dict[str, Any]:
    stack = Stack(config)
    key_arn, key = stack.primary_key()
    dr_key_arn = stack.dr_key(key) if stack.needs_dr_key else None
    if config.is_aurora:
        stack.aurora(key_arn, dr_key_arn)
    else:
        stack.instance(key_arn, dr_key_arn)
    if config.config_recorder_name:
        # Detective control beside the preventive policy pack: AWS Config re-checks what exists.
        EncryptionComplianceRules(
            "compliance",
            {"kms_key_arn": key_arn, "recorder_name": config.config_recorder_name, "tags": stack.tags},
        )
    return stack.exports


def tune_garbage_collector() -> None:
    """Keep evaluation time linear in the number of resources.

    Measured (benchmarks/program.py): with CPython's default thresholds, full collections rescan
    the SDKs' ~65,000 long-lived objects ever more often as a large stack allocates, and evaluation
    per database grew 1.7x from 10 to 100 databases. Freezing what the imports created and collecting
    the youngest generation less often makes it constant (about 20 ms and 1 MB per database).
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
