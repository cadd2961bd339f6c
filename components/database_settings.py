"""What an RDS DB instance and an Aurora cluster share: argument rules, networking and outputs."""

from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from .engines import check_engine_class, check_engine_version
from .master_password import check_password_mode, check_password_version
from .options import child_options
from .rules import (
    check_backup_retention,
    check_db_name,
    check_identifier,
    check_instance_class,
    check_key_arn,
    check_log_exports,
    check_master_username,
    check_performance_insights_retention,
    check_region,
    check_security_group_ids,
    check_subnet_ids,
)
from .validation import ArgumentChecks

DEFAULT_BACKUP_RETENTION_DAYS = 7
DEFAULT_MASTER_USERNAME = "app_admin"
DEFAULT_PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7


def resource_region(args: Mapping[str, Any]) -> str | None:
    """The region a resource lands in: its own ``region`` argument, else the stack's ``aws:region``."""
    return args.get("region") or pulumi.Config("aws").get("region")


def check_database_args(
    checks: ArgumentChecks, args: Mapping[str, Any], identifier: str, engine_rule: Callable[[str], str | None]
) -> None:
    """The rules an encrypted DB instance and an encrypted Aurora cluster both follow."""
    engine = args.get("engine")
    region = resource_region(args)
    checks.require("kms_key_arn", args.get("kms_key_arn"))
    checks.require("engine", engine)
    checks.require("instance_class", args.get("instance_class"))
    checks.require("subnet_ids", args.get("subnet_ids"))
    checks.check("kms_key_arn", args.get("kms_key_arn"), check_key_arn, region)
    checks.check("engine", engine, engine_rule)
    checks.check("instance_class", args.get("instance_class"), check_instance_class)
    checks.check("identifier", identifier, check_identifier)
    checks.check("region", args.get("region"), check_region)
    checks.check("subnet_ids", args.get("subnet_ids"), check_subnet_ids)
    checks.check("vpc_security_group_ids", args.get("vpc_security_group_ids", []), check_security_group_ids)
    checks.check("master_username", args.get("master_username"), check_master_username)
    checks.check("password_mode", args.get("password_mode"), check_password_mode)
    checks.check("password_version", args.get("password_version"), check_password_version)
    checks.check(
        "backup_retention_days",
        args.get("backup_retention_days", DEFAULT_BACKUP_RETENTION_DAYS),
        check_backup_retention,
    )
    checks.check(
        "performance_insights_retention_days",
        args.get("performance_insights_retention_days"),
        check_performance_insights_retention,
    )
    if engine and engine_rule(engine) is None:
        checks.check(
            "engine_version", args.get("engine_version"), lambda version: check_engine_version(engine, version)
        )
        checks.check("instance_class", args.get("instance_class"), lambda klass: check_class_of(engine, klass))
        checks.check("db_name", args.get("db_name"), lambda name: check_db_name(engine, name))
        checks.check("log_exports", args.get("log_exports"), lambda logs: check_log_exports(engine, logs))


def check_class_of(engine: str, instance_class: str) -> str | None:
    """The engine's own class rules, once the class is a class at all (reported by check_instance_class)."""
    return None if check_instance_class(instance_class) else check_engine_class(engine, instance_class)


def default_identifier(name: str, args: Mapping[str, Any]) -> str:
    return args.get("identifier") or name


def subnet_group(
    name: str, parent: pulumi.Resource, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None
) -> aws.rds.SubnetGroup:
    return aws.rds.SubnetGroup(
        f"{name}-subnets",
        description=f"Private subnets of {name}",
        subnet_ids=args["subnet_ids"],
        region=args.get("region"),
        tags=args.get("tags"),
        opts=child_options(parent, opts),
    )


def performance_insights_inputs(args: Mapping[str, Any], kms_key_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Performance Insights on the customer managed key; its key can never be changed once set.

    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Enabling.html: without a
    key, Performance Insights data is encrypted with the AWS managed key.
    """
    if not args.get("performance_insights"):
        return {"performance_insights_enabled": False}
    return {
        "performance_insights_enabled": True,
        "performance_insights_kms_key_id": kms_key_arn,
        "performance_insights_retention_period": args.get(
            "performance_insights_retention_days", DEFAULT_PERFORMANCE_INSIGHTS_RETENTION_DAYS
        ),
    }


def modification_inputs(args: Mapping[str, Any]) -> dict[str, Any]:
    """When RDS applies a modification: now, or in the next maintenance window (the safe default).

    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.DBInstance.Modifying.html: without
    ApplyImmediately most changes wait for the maintenance window, and AWS reports the old value
    until then, so the provider shows the change again on every run in between.
    """
    return {"apply_immediately": args.get("apply_immediately", False)}


def deletion_inputs(args: Mapping[str, Any], identifier: str) -> dict[str, Any]:
    """Deletion protection and a final snapshot unless the caller turns them off (safe defaults)."""
    final_snapshot = args.get("final_snapshot", True)
    return {
        "deletion_protection": args.get("deletion_protection", True),
        "skip_final_snapshot": not final_snapshot,
        "final_snapshot_identifier": f"{identifier}-final" if final_snapshot else None,
        # Automated backups outlive the database when its data is meant to survive deletion.
        "delete_automated_backups": not final_snapshot,
    }
