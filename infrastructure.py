"""What one stack builds from its validated configuration, and what it exports."""

from typing import Any

import pulumi

from components import EncryptedCluster, EncryptedDatabase, EncryptionKey
from stack_config import StackConfig


def deploy(config: StackConfig) -> dict[str, Any]:
    project, stack = pulumi.get_project(), pulumi.get_stack()
    tags = {"Project": project, "Stack": stack, "Environment": config.environment, "ManagedBy": "pulumi"}
    # Production data must survive a mistaken `pulumi destroy` or a resource dropped from the code.
    data_options = pulumi.ResourceOptions(protect=config.protect_resources, retain_on_delete=config.protect_resources)

    exports: dict[str, Any] = {"region": config.region}
    if config.kms_key_arn:
        key_arn: pulumi.Input[str] = config.kms_key_arn
        exports["kmsKeyArn"] = key_arn
    else:
        key = EncryptionKey(
            "rds-key",
            {
                "alias": config.key_alias or f"alias/{project}-{stack}",
                "description": f"RDS encryption for {project} ({stack})",
                "deletion_window_days": config.key_deletion_window_days,
                "rotation_period_days": config.key_rotation_period_days,
                "administrator_arns": config.key_administrator_arns,
                "user_arns": config.key_user_arns,
                "tags": tags,
            },
            opts=data_options,
        )
        key_arn = key.key_arn
        exports |= {"kmsKeyArn": key.key_arn, "kmsKeyAlias": key.alias_name}

    database_args: dict[str, Any] = {
        "kms_key_arn": key_arn,
        "engine": config.db_engine,
        "engine_version": config.db_engine_version,
        "instance_class": config.db_instance_class,
        "identifier": config.db_identifier or f"{project}-{stack}",
        "subnet_ids": config.subnet_ids,
        "vpc_security_group_ids": config.security_group_ids,
        "db_name": config.db_name,
        "master_username": config.db_master_username,
        "backup_retention_days": config.db_backup_retention_days,
        "deletion_protection": config.db_deletion_protection,
        "final_snapshot": config.db_final_snapshot,
        "performance_insights": config.db_performance_insights,
        "performance_insights_retention_days": config.db_performance_insights_retention_days,
        "log_exports": config.db_log_exports,
        "tags": tags,
    }
    if config.is_aurora:
        cluster = EncryptedCluster(
            "database", {**database_args, "instance_count": config.aurora_instance_count}, opts=data_options
        )
        return exports | {
            "dbEndpoint": cluster.endpoint,
            "dbReaderEndpoint": cluster.reader_endpoint,
            "dbPort": cluster.port,
            "dbIdentifier": cluster.cluster_identifier,
            "dbArn": cluster.cluster_arn,
            "masterUserSecretArn": cluster.master_user_secret_arn,
        }
    database = EncryptedDatabase(
        "database",
        {
            **database_args,
            "allocated_storage_gb": config.db_allocated_storage_gb,
            "max_allocated_storage_gb": config.db_max_allocated_storage_gb,
            "multi_az": config.db_multi_az,
        },
        opts=data_options,
    )
    return exports | {
        "dbEndpoint": database.endpoint,
        "dbAddress": database.address,
        "dbPort": database.port,
        "dbIdentifier": database.identifier,
        "dbArn": database.instance_arn,
        "masterUserSecretArn": database.master_user_secret_arn,
    }
