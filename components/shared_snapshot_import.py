"""The receiving side of a shared snapshot: a copy under this account's own key, then a restore."""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi

from .database_settings import default_identifier
from .encryption_key import EncryptionKey
from .migration import RestoredInstance, check_restore_args
from .options import child_options
from .package import register_declared_outputs
from .rules import check_importing_key, check_key_alias, check_shared_snapshot_arn, check_snapshot_engine
from .snapshot_copy import EncryptedSnapshotCopy, check_copy_args
from .validation import ArgumentChecks, is_known


class SharedSnapshotImportArgs(TypedDict):
    source_snapshot_arn: pulumi.Input[str]
    """ARN of the DB snapshot another account shared with this one (arn:aws:rds:<region>:<owner-account>:snapshot:<name>), such as the `snapshotArn` of a SnapshotSharing."""
    target_snapshot_identifier: NotRequired[str]
    """Identifier of this account's copy. Defaults to the resource name."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """ARN of a customer managed key of this account (in the copy's region) for the copy and the restored instance; never the sharing account's key. Defaults to a new key of this account."""
    key_alias: NotRequired[str]
    """Alias of the key created when no `kmsKeyArn` is given. Defaults to alias/<name>-key."""
    region: NotRequired[str]
    """Region of the copy, its key and the restored instance. Defaults to the provider's region."""
    account_id: NotRequired[str]
    """12-digit id of this (receiving) account, when known: the source must belong to another account and the key to this one."""
    copy_tags: NotRequired[bool]
    """Copy the shared snapshot's tags to this account's copy. Defaults to false."""
    restore_instance: NotRequired[bool]
    """Also restore a DB instance from this account's copy, with the settings below. Defaults to false."""
    engine: NotRequired[str]
    """Engine of the snapshot, such as postgres (required to restore)."""
    instance_class: NotRequired[str]
    """DB instance class of the restored instance, such as db.r7g.large (required to restore)."""
    subnet_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Private subnet ids in at least two Availability Zones for the restored instance (required to restore)."""
    vpc_security_group_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Security group ids of the restored instance (required to restore)."""
    parameter_group_name: NotRequired[pulumi.Input[str]]
    """DB parameter group of the restored instance (of this account). Defaults to the engine's default group."""
    option_group_name: NotRequired[pulumi.Input[str]]
    """Option group of the restored instance (of this account). Defaults to the engine's default group."""
    identifier: NotRequired[str]
    """Identifier of the restored instance. Defaults to the resource name."""
    multi_az: NotRequired[bool]
    """Run a synchronous standby in another Availability Zone. Defaults to false."""
    backup_retention_days: NotRequired[int]
    """Days of automated backups of the restored instance, 1 to 35. Defaults to 7."""
    deletion_protection: NotRequired[bool]
    """Refuse deletion of the restored instance. Defaults to true."""
    final_snapshot: NotRequired[bool]
    """Take a final snapshot (<identifier>-final) and keep automated backups when the restored instance is deleted. Defaults to true."""
    performance_insights: NotRequired[bool]
    """Turn on Performance Insights on the restored instance, encrypted with this account's key. Defaults to false."""
    performance_insights_retention_days: NotRequired[int]
    """Performance Insights retention: 7, a multiple of 31 up to 713, or 731. Defaults to 7."""
    log_exports: NotRequired[Sequence[str]]
    """Log types the restored instance publishes to CloudWatch Logs."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the key, the copy and the restored instance."""


class SharedSnapshotImport(pulumi.ComponentResource):
    """For the account a DB snapshot was shared with: copies the shared snapshot under this account's own customer managed key (AWS cannot restore a snapshot that is both shared and encrypted), then optionally restores a private, backed-up DB instance from that copy, its master password replaced by one in Secrets Manager. Deploy it with the receiving account's credentials: in a stack of that account, or with an AWS provider for that account given in the component's providers option."""

    snapshot_arn: pulumi.Output[str]
    """ARN of this account's encrypted copy."""
    snapshot_identifier: pulumi.Output[str]
    """Identifier of this account's encrypted copy."""
    kms_key_arn: pulumi.Output[str]
    """ARN of this account's key the copy (and the restored instance) is encrypted with."""
    region: pulumi.Output[str]
    """Region of the copy."""
    instance_arn: pulumi.Output[str]
    """ARN of the restored instance (empty when no instance is restored)."""
    endpoint: pulumi.Output[str]
    """Connection endpoint of the restored instance, host:port (empty when no instance is restored)."""
    master_user_secret_arn: pulumi.Output[str]
    """ARN of the Secrets Manager secret holding the restored instance's new master credentials (empty when no instance is restored)."""

    def __init__(self, name: str, args: SharedSnapshotImportArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"SharedSnapshotImport '{name}'", args, SharedSnapshotImportArgs)
        target = args.get("target_snapshot_identifier") or name
        key_given = args.get("kms_key_arn") is not None
        alias = args.get("key_alias") or f"alias/{name}-key"
        account_id = args.get("account_id")
        source = args.get("source_snapshot_arn")
        restore = args.get("restore_instance", False)
        identifier = default_identifier(name, args)

        check_copy_args(
            checks,
            {**args, "target_snapshot_identifier": target},
            key_created_here=not key_given,
            source_rule=lambda value: check_shared_snapshot_arn(value, account_id),
        )
        checks.check(
            "kms_key_arn",
            args.get("kms_key_arn"),
            check_importing_key,
            source if is_known(source) else None,
            account_id,
        )
        if not key_given:
            checks.check("key_alias", alias, check_key_alias)
        if restore:
            check_restore_args(checks, args, identifier, check_snapshot_engine, key_checked_with_the_copy=True)
        checks.raise_if_any()

        super().__init__("encryptedrds:index:SharedSnapshotImport", name, None, opts)

        key_arn = args.get("kms_key_arn")
        if key_arn is None:
            # A key of this account: its policy (key_policy.rds_key_policy) is built from this
            # account's caller identity, so the key is only ever usable by this account.
            key = EncryptionKey(
                f"{name}-key",
                {
                    "alias": alias,
                    "description": f"Encrypts {target}, this account's copy of a snapshot shared with it",
                    **{field: args[field] for field in ("region", "tags") if args.get(field) is not None},
                },
                opts=child_options(self, opts),
            )
            key_arn = key.key_arn

        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html: "you can't
        # restore a DB instance from a DB snapshot that is both shared and encrypted. Instead, you can
        # make a copy of the DB snapshot and restore the DB instance from the copy"; and
        # share-encrypted-snapshot.html ("Copy the shared snapshot in the target account") under a key
        # of the target, so the copy no longer depends on the sharing account's key.
        copy = EncryptedSnapshotCopy(
            f"{name}-copy",
            {
                "source_snapshot_arn": args["source_snapshot_arn"],
                "target_snapshot_identifier": target,
                "kms_key_arn": key_arn,
                "copy_tags": args.get("copy_tags", False),
                **{field: args[field] for field in ("region", "account_id", "tags") if args.get(field) is not None},
            },
            opts=child_options(self, opts),
        )

        instance_arn: pulumi.Input[str] = ""
        endpoint: pulumi.Input[str] = ""
        secret_arn: pulumi.Input[str] = ""
        if restore:
            restored = RestoredInstance(name, self, args, identifier, copy.snapshot_identifier, copy.kms_key_arn, opts)
            instance_arn = restored.instance.arn
            endpoint = restored.instance.endpoint
            secret_arn = restored.master_user_secret_arn

        self.snapshot_arn = copy.snapshot_arn
        self.snapshot_identifier = copy.snapshot_identifier
        self.kms_key_arn = copy.kms_key_arn
        self.region = copy.region
        self.instance_arn = pulumi.Output.from_input(instance_arn)
        self.endpoint = pulumi.Output.from_input(endpoint)
        self.master_user_secret_arn = pulumi.Output.from_input(secret_arn)
        register_declared_outputs(self)
