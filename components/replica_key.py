"""A replica, in another region, of a multi-Region customer managed key."""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .encryption_key import DEFAULT_DELETION_WINDOW_DAYS, key_policy_output
from .options import child_options
from .package import register_declared_outputs
from .rules import (
    check_account_ids,
    check_deletion_window,
    check_key_alias,
    check_multi_region_primary,
    check_principal_arns,
    check_region,
)
from .validation import ArgumentChecks


class EncryptionReplicaKeyArgs(TypedDict):
    primary_key_arn: pulumi.Input[str]
    """ARN of the multi-Region primary key (an EncryptionKey with `multiRegion`)."""
    region: str
    """Region of the replica key."""
    alias: NotRequired[str]
    """Alias of the replica key in its region. Defaults to alias/<resource name>."""
    description: NotRequired[pulumi.Input[str]]
    """What the key protects."""
    deletion_window_days: NotRequired[int]
    """Days KMS waits before deleting the replica key: 7 to 30. Defaults to 30."""
    administrator_arns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """IAM role or user ARNs that manage the key: policy, grants, rotation, enabling and deletion scheduling, but no cryptographic operations. They can still give themselves use of the key (PutKeyPolicy, CreateGrant): guard these roles like key users."""
    user_arns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """IAM role or user ARNs that may use the key directly."""
    shared_account_ids: NotRequired[Sequence[str]]
    """12-digit AWS accounts allowed to use the key to copy snapshots shared with them."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the key."""


class EncryptionReplicaKey(pulumi.ComponentResource):
    """A replica of a multi-Region customer managed key in another region, with a key policy for RDS in that region.

    RDS treats it as a single-Region key of its region: same key material and id as the primary, but
    its own ARN, policy and alias, and it is what a replica, copy or backup in that region names.
    """

    key_arn: pulumi.Output[str]
    """ARN of the replica key, in its own region: what resources of that region must be given."""
    key_id: pulumi.Output[str]
    """Key id (mrk-..., the same as the primary's)."""
    alias_name: pulumi.Output[str]
    """Alias of the replica key."""
    region: pulumi.Output[str]
    """Region of the replica key."""

    def __init__(self, name: str, args: EncryptionReplicaKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"EncryptionReplicaKey '{name}'", args, EncryptionReplicaKeyArgs)
        region = args.get("region")
        alias = args.get("alias") or f"alias/{name}"
        administrators = args.get("administrator_arns") or []
        users = args.get("user_arns") or []
        shared_accounts = list(args.get("shared_account_ids") or [])
        deletion_window = args.get("deletion_window_days", DEFAULT_DELETION_WINDOW_DAYS)

        checks.require("primary_key_arn", args.get("primary_key_arn"))
        checks.require("region", region)
        checks.check("region", region, check_region)
        checks.check("primary_key_arn", args.get("primary_key_arn"), check_multi_region_primary, region)
        checks.check("alias", alias, check_key_alias)
        checks.check("deletion_window_days", deletion_window, check_deletion_window)
        checks.check("administrator_arns", administrators, check_principal_arns, region)
        checks.check("user_arns", users, check_principal_arns, region)
        checks.check("shared_account_ids", shared_accounts, check_account_ids)
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptionReplicaKey", name, None, opts)

        key = aws.kms.ReplicaKey(
            f"{name}-key",
            primary_key_arn=args["primary_key_arn"],
            description=args.get("description") or f"Replica of an RDS encryption key ({name})",
            deletion_window_in_days=deletion_window,
            # The policy of a replica key is its own; it must name RDS in the replica's region.
            policy=key_policy_output(self, region, administrators, users, shared_accounts),
            region=region,
            tags=args.get("tags"),
            opts=child_options(self, opts),
        )
        key_alias = aws.kms.Alias(
            f"{name}-alias", name=alias, target_key_id=key.key_id, region=region, opts=child_options(self, opts)
        )

        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = key_alias.name
        self.region = pulumi.Output.from_input(region)
        register_declared_outputs(self)
