"""Moving an unencrypted RDS DB instance onto encryption: snapshot, encrypted copy, restore.

The restore half (an encrypted instance restored from an encrypted snapshot copy, with the safe
settings of ``EncryptedDatabase``) is shared with ``SharedSnapshotImport``.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .database_settings import (
    DEFAULT_BACKUP_RETENTION_DAYS,
    check_database_args,
    deletion_inputs,
    performance_insights_inputs,
    subnet_group,
)
from .master_password import SECRETS_MANAGER, MasterPassword
from .options import child_options
from .package import register_declared_outputs
from .rules import check_identifier, check_migration_engine, check_new_identifier, check_snapshot_identifier
from .snapshot_copy import EncryptedSnapshotCopy
from .validation import ArgumentChecks, is_known

#: How long Pulumi waits for the snapshot of the source and for the restore (the provider's defaults
#: are 20 and 40 minutes); both grow with the size of the database.
SNAPSHOT_CREATE_TIMEOUT = "3h"
RESTORE_CREATE_TIMEOUT = "4h"


class _CheckedWithTheCopy:
    """Stands for a key ARN that check_database_args must not check again (the copy's checks did).

    ``ArgumentChecks`` neither requires nor checks awaitable values: they are known only later.
    """

    def __await__(self):  # pragma: no cover - never awaited
        return iter(())


def check_restore_args(
    checks: ArgumentChecks,
    args: Mapping[str, Any],
    identifier: str,
    engine_rule: Callable[[str], str | None],
    *,
    key_checked_with_the_copy: bool = False,
) -> None:
    """The rules of EncryptedDatabase that apply to an instance restored from a snapshot.

    ``key_checked_with_the_copy``: the key and the region were checked with the snapshot copy, so
    they are neither required nor reported twice.
    """
    view = dict(args)
    if key_checked_with_the_copy:
        view["kms_key_arn"] = _CheckedWithTheCopy()
        view.pop("region", None)
    check_database_args(checks, view, identifier, engine_rule)


class RestoredInstance:
    """An instance restored from an encrypted snapshot copy, private, backed up, on the copy's key."""

    def __init__(
        self,
        name: str,
        parent: pulumi.Resource,
        args: Mapping[str, Any],
        identifier: str,
        snapshot_identifier: pulumi.Input[str],
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None,
        *,
        manage_master_user_password: bool = True,
    ) -> None:
        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html: the restored
        # master password is the snapshot's (known to whoever knew the source's); RDS replaces it
        # with one it generates and rotates in Secrets Manager, under the customer managed key.
        password = MasterPassword(
            name, parent, {"password_mode": SECRETS_MANAGER}, kms_key_arn, opts, password_input="password_wo"
        )
        self.instance = _restore(
            name,
            parent,
            args,
            identifier,
            snapshot_identifier,
            kms_key_arn,
            opts,
            password.database_inputs() if manage_master_user_password else {},
        )
        self.master_user_secret_arn: pulumi.Output[str] = (
            password.secret_arn(self.instance.master_user_secrets, {}, args.get("region"))
            if manage_master_user_password
            else pulumi.Output.from_input("")
        )


def _restore(
    name: str,
    parent: pulumi.Resource,
    args: Mapping[str, Any],
    identifier: str,
    snapshot_identifier: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions | None,
    password_inputs: Mapping[str, Any],
) -> aws.rds.Instance:
    subnets = subnet_group(name, parent, args, opts)
    return aws.rds.Instance(
        f"{name}-instance",
        identifier=identifier,
        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html ("Limitations"):
        # a restore takes its encryption and key from the snapshot and cannot set a key, which is why
        # it restores the copy encrypted under the customer managed key.
        snapshot_identifier=snapshot_identifier,
        # Not sent on a restore, but declared as what the copy gives: pulumi-aws replaces an instance
        # whose storage_encrypted differs from the program, and the key ARN records which key it is.
        storage_encrypted=True,
        kms_key_id=kms_key_arn,
        engine=args["engine"],
        instance_class=args["instance_class"],
        # A restore uses the default groups unless told otherwise: the source's settings carry over
        # only when its custom groups are named here.
        parameter_group_name=args.get("parameter_group_name"),
        option_group_name=args.get("option_group_name"),
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
        **password_inputs,
        **performance_insights_inputs(args, kms_key_arn),
        **deletion_inputs(args, identifier),
        opts=child_options(parent, opts, custom_timeouts=pulumi.CustomTimeouts(create=RESTORE_CREATE_TIMEOUT)),
    )


class EncryptedMigrationArgs(TypedDict):
    source_instance_identifier: pulumi.Input[str]
    """Identifier of the existing unencrypted DB instance, in this account and region. It is only snapshotted: never changed, stopped or deleted."""
    kms_key_arn: pulumi.Input[str]
    """ARN of the customer managed KMS key (in the instance's region) for the encrypted copy, the new instance, its backups, master user secret and Performance Insights. Never an alias, a key id or aws/rds."""
    engine: str
    """Engine of the source instance, which the new one runs too: postgres, mysql, mariadb, oracle-*, sqlserver-se, sqlserver-ee or sqlserver-web. Aurora is refused: a cluster restore accepts a key directly, so it needs no copy step."""
    instance_class: str
    """DB instance class of the encrypted instance, such as db.r7g.large (db.m1.*, db.m2.* and db.t2.micro cannot be encrypted)."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnet ids in at least two Availability Zones, for the new instance's DB subnet group."""
    vpc_security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Security group ids of the new instance (usually the source's)."""
    parameter_group_name: NotRequired[pulumi.Input[str]]
    """DB parameter group of the new instance, usually the source's. Defaults to the engine's default group."""
    option_group_name: NotRequired[pulumi.Input[str]]
    """Option group of the new instance, usually the source's. Defaults to the engine's default group."""
    identifier: NotRequired[str]
    """Identifier of the encrypted instance, different from the source's. Defaults to the resource name."""
    snapshot_identifier: NotRequired[str]
    """Identifier of the (unencrypted) snapshot of the source. Defaults to <name>-pre-encryption."""
    encrypted_snapshot_identifier: NotRequired[str]
    """Identifier of its encrypted copy, which the new instance is restored from. Defaults to <name>-encrypted."""
    migration_complete: NotRequired[bool]
    """Set to true after cutover: the unencrypted snapshot and its encrypted copy are deleted and the encrypted instance stays as it is. Defaults to false."""
    manage_master_user_password: NotRequired[bool]
    """Replace the master password with one RDS generates and rotates in Secrets Manager, encrypted with the key. Defaults to true; false keeps the source's password."""
    multi_az: NotRequired[bool]
    """Run a synchronous standby in another Availability Zone. Defaults to false."""
    backup_retention_days: NotRequired[int]
    """Days of automated backups of the new instance, 1 to 35. Defaults to 7."""
    deletion_protection: NotRequired[bool]
    """Refuse deletion of the new instance. Defaults to true."""
    final_snapshot: NotRequired[bool]
    """Take a final snapshot (<identifier>-final) and keep automated backups when the new instance is deleted. Defaults to true."""
    performance_insights: NotRequired[bool]
    """Turn on Performance Insights, encrypted with the key. Defaults to false."""
    performance_insights_retention_days: NotRequired[int]
    """Performance Insights retention: 7, a multiple of 31 up to 713, or 731. Defaults to 7."""
    log_exports: NotRequired[Sequence[str]]
    """Log types to publish to CloudWatch Logs, such as postgresql and upgrade for PostgreSQL."""
    region: NotRequired[str]
    """Region of the source instance, where everything is made. Defaults to the provider's region; the key must be in it."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the snapshots, the new instance and its subnet group."""


class EncryptedMigration(pulumi.ComponentResource):
    """Moves an unencrypted RDS DB instance onto encryption with a customer managed key: a snapshot of it, an encrypted copy of that snapshot under the key, and a new instance restored from the copy. The source instance keeps running untouched: switch the applications over, then delete it yourself."""

    instance_arn: pulumi.Output[str]
    """ARN of the encrypted instance."""
    identifier: pulumi.Output[str]
    """Identifier of the encrypted instance."""
    endpoint: pulumi.Output[str]
    """Connection endpoint of the encrypted instance, host:port: what the applications switch to at cutover."""
    address: pulumi.Output[str]
    """Host name of the encrypted instance."""
    port: pulumi.Output[int]
    """Port the engine listens on."""
    master_user_secret_arn: pulumi.Output[str]
    """ARN of the Secrets Manager secret holding the new master credentials (empty when the source's password is kept)."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the key the instance, its backups and snapshots are encrypted with."""
    encrypted_snapshot_identifier: pulumi.Output[str]
    """Identifier of the encrypted copy the instance was restored from (deleted once the migration is marked complete)."""

    def __init__(self, name: str, args: EncryptedMigrationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"EncryptedMigration '{name}'", args, EncryptedMigrationArgs)
        source = args.get("source_instance_identifier")
        identifier = args.get("identifier") or name
        snapshot_id = args.get("snapshot_identifier") or f"{name}-pre-encryption"
        encrypted_id = args.get("encrypted_snapshot_identifier") or f"{name}-encrypted"

        checks.require("source_instance_identifier", source)
        checks.check("source_instance_identifier", source, check_identifier)
        # Aurora is refused with the way to encrypt it (check_migration_engine): a cluster restore
        # accepts a key directly, so it needs no copy step and no component.
        check_restore_args(checks, args, identifier, check_migration_engine)
        checks.check("identifier", identifier, check_new_identifier, source if is_known(source) else None)
        checks.check("snapshot_identifier", snapshot_id, check_snapshot_identifier)
        checks.check("encrypted_snapshot_identifier", encrypted_id, check_snapshot_identifier)
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptedMigration", name, None, opts)

        key_arn = args["kms_key_arn"]
        restore_from: pulumi.Input[str] = encrypted_id
        if not args.get("migration_complete", False):
            # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html
            # ("Limitations"): "You can't restore an unencrypted backup or snapshot to an encrypted DB
            # instance", but "you can encrypt a copy of an unencrypted snapshot": snapshot, then copy
            # under the key, then restore the copy.
            snapshot = aws.rds.Snapshot(
                f"{name}-source-snapshot",
                db_instance_identifier=source,
                db_snapshot_identifier=snapshot_id,
                region=args.get("region"),
                tags=args.get("tags"),
                opts=child_options(self, opts, custom_timeouts=pulumi.CustomTimeouts(create=SNAPSHOT_CREATE_TIMEOUT)),
            )
            copy = EncryptedSnapshotCopy(
                f"{name}-copy",
                {
                    "source_snapshot_arn": snapshot.db_snapshot_arn,
                    "target_snapshot_identifier": encrypted_id,
                    "kms_key_arn": key_arn,
                    "copy_tags": True,
                    **{field: args[field] for field in ("region", "tags") if args.get(field) is not None},
                },
                opts=child_options(self, opts),
            )
            # The same value as the plain identifier used once the copy is gone, so completing the
            # migration changes no input of the instance (a new snapshot_identifier would replace it).
            restore_from = copy.snapshot_identifier

        restored = RestoredInstance(
            name,
            self,
            args,
            identifier,
            restore_from,
            key_arn,
            opts,
            manage_master_user_password=args.get("manage_master_user_password", True),
        )
        instance = restored.instance

        self.instance_arn = instance.arn
        self.identifier = instance.identifier
        self.endpoint = instance.endpoint
        self.address = instance.address
        self.port = instance.port
        self.master_user_secret_arn = restored.master_user_secret_arn
        self.kms_key_arn = instance.kms_key_id
        self.encrypted_snapshot_identifier = pulumi.Output.from_input(restore_from)
        register_declared_outputs(self)
