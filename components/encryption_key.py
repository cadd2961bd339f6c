"""A symmetric customer managed KMS key for RDS, with its key policy and alias."""

import json
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .database_settings import resource_region
from .key_policy import rds_key_policy
from .options import child_options
from .package import register_declared_outputs
from .rules import (
    check_account_ids,
    check_deletion_window,
    check_key_alias,
    check_principal_arns,
    check_region,
    check_rotation_period,
    key_arn_region,
)
from .validation import ArgumentChecks

DEFAULT_DELETION_WINDOW_DAYS = 30
DEFAULT_ROTATION_PERIOD_DAYS = 365


class EncryptionKeyArgs(TypedDict):
    alias: NotRequired[str]
    """Alias name, such as `alias/orders-db`. Defaults to `alias/<resource name>`. Consumers get the key ARN, never the alias."""
    description: NotRequired[pulumi.Input[str]]
    """What the key protects; shown in the KMS console."""
    deletion_window_days: NotRequired[int]
    """Days KMS waits before deleting the key once deletion is scheduled: 7 to 30. Defaults to 30."""
    rotation_period_days: NotRequired[int]
    """Days between automatic rotations of the key material: 90 to 2560. Defaults to 365. Rotation is always on."""
    administrator_arns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """IAM role or user ARNs that manage the key: policy, grants, rotation, enabling and deletion scheduling, but no cryptographic operations. They can still give themselves use of the key (PutKeyPolicy, CreateGrant): guard these roles like key users."""
    user_arns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """IAM role or user ARNs that may use the key directly, and attach it to AWS resources through grants."""
    shared_account_ids: NotRequired[Sequence[str]]
    """12-digit AWS accounts allowed to use the key to copy snapshots shared with them."""
    multi_region: NotRequired[bool]
    """Create a multi-Region primary key, so EncryptionReplicaKey can replicate it to other regions. Defaults to false."""
    region: NotRequired[str]
    """Region to create the key in. Defaults to the provider's region."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the key."""


class EncryptionKey(pulumi.ComponentResource):
    """A symmetric customer managed KMS key with rotation on, for RDS and its master user secret."""

    key_arn: pulumi.Output[str]
    """The key ARN: what every `kmsKeyId` of an AWS resource must be given (never the alias or key id)."""
    key_id: pulumi.Output[str]
    """The key id."""
    alias_name: pulumi.Output[str]
    """The alias name, for people and the console."""
    region: pulumi.Output[str]
    """The region the key lives in."""

    def __init__(self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"EncryptionKey '{name}'", args, EncryptionKeyArgs)
        alias = args.get("alias") or f"alias/{name}"
        deletion_window = args.get("deletion_window_days", DEFAULT_DELETION_WINDOW_DAYS)
        rotation_period = args.get("rotation_period_days", DEFAULT_ROTATION_PERIOD_DAYS)
        administrators = args.get("administrator_arns") or []
        users = args.get("user_arns") or []
        shared_accounts = list(args.get("shared_account_ids") or [])
        region = args.get("region")
        # Principals must be of the key's partition: the key's region, else the stack's.
        key_region = resource_region(args)

        checks.check("alias", alias, check_key_alias)
        checks.check("deletion_window_days", deletion_window, check_deletion_window)
        checks.check("rotation_period_days", rotation_period, check_rotation_period)
        checks.check("administrator_arns", administrators, check_principal_arns, key_region)
        checks.check("user_arns", users, check_principal_arns, key_region)
        checks.check("shared_account_ids", shared_accounts, check_account_ids)
        checks.check("region", region, check_region)
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptionKey", name, None, opts)

        policy = key_policy_output(self, region, administrators, users, shared_accounts)
        key = aws.kms.Key(
            f"{name}-key",
            description=args.get("description") or f"Encrypts RDS storage, snapshots and secrets ({name})",
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=rotation_period,
            deletion_window_in_days=deletion_window,
            policy=policy,
            multi_region=args.get("multi_region", False),
            region=region,
            tags=args.get("tags"),
            opts=child_options(self, opts),
        )
        key_alias = aws.kms.Alias(
            f"{name}-alias",
            name=alias,
            target_key_id=key.key_id,
            region=region,
            opts=child_options(self, opts),
        )

        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = key_alias.name
        self.region = key.arn.apply(key_arn_region)
        register_declared_outputs(self)


def key_policy_output(
    parent: pulumi.Resource,
    region: str | None,
    administrators: pulumi.Input[Sequence[pulumi.Input[str]]],
    users: pulumi.Input[Sequence[pulumi.Input[str]]],
    shared_accounts: list[str],
) -> pulumi.Output[str]:
    """The RDS key policy as JSON, for the account, partition and region the key lives in."""
    invoke_opts = pulumi.InvokeOutputOptions(parent=parent)
    account_id = aws.get_caller_identity_output(opts=invoke_opts).account_id
    partition = aws.get_partition_output(opts=invoke_opts).partition
    key_region: pulumi.Input[str] = region or aws.get_region_output(opts=invoke_opts).region
    return pulumi.Output.all(account_id, key_region, partition, administrators, users).apply(
        lambda values: json.dumps(
            rds_key_policy(
                account_id=values[0],
                region=values[1],
                partition=values[2],
                administrator_arns=values[3],
                user_arns=values[4],
                shared_account_ids=shared_accounts,
            )
        )
    )
