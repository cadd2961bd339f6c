"""A copy of an RDS DB snapshot encrypted with a customer managed key, in its region or another."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .database_settings import resource_region
from .options import child_options
from .package import register_declared_outputs
from .rules import (
    check_account_ids,
    check_govcloud_cross_region_copy,
    check_key_arn,
    check_region,
    check_share_recipients,
    check_shared_accounts,
    check_snapshot_identifier,
    check_snapshot_source,
    snapshot_arn_region,
)
from .validation import ArgumentChecks, is_known

#: How long Pulumi waits for a copy to become available (the provider's default is 20 minutes).
#: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html: a cross-region
#: copy "can take hours to complete"; RDS goes on copying whatever Pulumi does.
COPY_CREATE_TIMEOUT = "6h"


class EncryptedSnapshotCopyArgs(TypedDict):
    source_snapshot_arn: pulumi.Input[str]
    """ARN of the DB snapshot to copy (arn:aws:rds:<region>:<account>:snapshot:<name>): unencrypted, under aws/rds or another key, automated (snapshot:rds:<name>) or shared by another account. A plain identifier names a snapshot of the copy's own region only."""
    target_snapshot_identifier: str
    """Identifier of the copy: 1-255 letters, digits or hyphens, starting with a letter."""
    kms_key_arn: pulumi.Input[str]
    """ARN of the customer managed KMS key that encrypts the copy, in the copy's region: a cross-region copy needs a key of the destination region. Never an alias, a key id or aws/rds."""
    region: NotRequired[str]
    """Region the copy lands in (its destination). Defaults to the provider's region."""
    copy_tags: NotRequired[bool]
    """Copy the source snapshot's tags to the copy. Defaults to true."""
    option_group_name: NotRequired[pulumi.Input[str]]
    """Option group of the destination region for the copy; needed to copy across regions a snapshot of an instance with a non-default option group."""
    shared_account_ids: NotRequired[Sequence[str]]
    """12-digit AWS accounts the copy is shared with (up to 20; never all, which is public). The key policy must let them use the key: SnapshotSharing creates both."""
    account_id: NotRequired[str]
    """12-digit id of the account that makes the copy, when known; it is refused among the accounts shared with."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the copy."""


def check_copy_args(
    checks: ArgumentChecks,
    args: Mapping[str, Any],
    *,
    key_created_here: bool = False,
    share_required: bool = False,
    source_rule: Callable[[str], str | None] | None = None,
) -> None:
    """The rules every encrypted snapshot copy follows, for the copy and the components built on it.

    ``key_created_here``: the component creates the key, so no ``kms_key_arn`` is needed;
    ``share_required``: the copy exists to be shared, so at least one account must be listed;
    ``source_rule``: a stricter rule for the source (a snapshot shared by another account).
    """
    region = args.get("region")
    source = args.get("source_snapshot_arn")
    account_id = args.get("account_id")
    shared = args.get("shared_account_ids")
    default_region = pulumi.Config("aws").get("region")

    checks.require("source_snapshot_arn", source)
    checks.require("target_snapshot_identifier", args.get("target_snapshot_identifier"))
    if not key_created_here:
        # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html (KmsKeyId):
        # without a key the copy keeps the source's key (aws/rds, another key) or stays unencrypted.
        checks.require("kms_key_arn", args.get("kms_key_arn"))
    checks.check(
        "source_snapshot_arn",
        source,
        lambda value: check_snapshot_source(value, region, default_region) or (source_rule and source_rule(value)),
    )
    checks.check("target_snapshot_identifier", args.get("target_snapshot_identifier"), check_snapshot_identifier)
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html ("Limitations"):
    # "To copy an encrypted snapshot from one AWS Region to another, you must specify the KMS key in
    # the destination AWS Region", so the key is checked against the copy's (destination) region.
    checks.check("kms_key_arn", args.get("kms_key_arn"), check_key_arn, resource_region(args))
    source_region = snapshot_arn_region(source) if is_known(source) else default_region
    checks.check(
        "region",
        resource_region(args),
        lambda copy_region: check_govcloud_cross_region_copy(source_region, copy_region),
    )
    checks.check("region", region, check_region)
    checks.check("account_id", account_id, lambda value: check_account_ids([value]))
    if share_required:
        if shared is None:
            checks.require("shared_account_ids", shared)
        checks.check("shared_account_ids", shared, check_share_recipients, account_id)
    else:
        checks.check("shared_account_ids", shared, check_shared_accounts, account_id)


class EncryptedSnapshotCopy(pulumi.ComponentResource):
    """A copy of an RDS DB snapshot encrypted with a customer managed key, in the same region or another, optionally shared with listed accounts (never public)."""

    snapshot_arn: pulumi.Output[str]
    """ARN of the encrypted copy: what another region or account names as its source."""
    snapshot_identifier: pulumi.Output[str]
    """Identifier of the copy: what a restore in this account and region names as its snapshot."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the key the copy is encrypted with."""
    region: pulumi.Output[str]
    """Region the copy lives in."""
    shared_account_ids: pulumi.Output[list[str]]
    """Accounts the copy is shared with (empty when it is not shared)."""

    def __init__(self, name: str, args: EncryptedSnapshotCopyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"EncryptedSnapshotCopy '{name}'", args, EncryptedSnapshotCopyArgs)
        check_copy_args(checks, args)
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptedSnapshotCopy", name, None, opts)

        region = args.get("region")
        shared = args.get("shared_account_ids") or []
        copy = aws.rds.SnapshotCopy(
            f"{name}-snapshot",
            source_db_snapshot_identifier=args["source_snapshot_arn"],
            target_db_snapshot_identifier=args["target_snapshot_identifier"],
            # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html: a copy
            # given a key is encrypted with it, whether the source was unencrypted, under aws/rds or
            # under another key; a copy of a snapshot shared by another account must name a key.
            kms_key_id=args["kms_key_arn"],
            copy_tags=args.get("copy_tags", True),
            option_group_name=args.get("option_group_name"),
            # The copy is made in `region` (pulumi-aws v7), which is what makes it cross-region;
            # `destination_region` only feeds a presigned URL (read by GovCloud regions alone) and
            # does not move the copy, so it is never set.
            region=region,
            shared_accounts=list(shared) or None,
            tags=args.get("tags"),
            opts=child_options(self, opts, custom_timeouts=pulumi.CustomTimeouts(create=COPY_CREATE_TIMEOUT)),
        )

        invoke_opts = pulumi.InvokeOutputOptions(parent=self)
        self.snapshot_arn = copy.db_snapshot_arn
        self.snapshot_identifier = copy.target_db_snapshot_identifier
        self.kms_key_arn = copy.kms_key_id
        self.region = pulumi.Output.from_input(region or aws.get_region_output(opts=invoke_opts).region)
        self.shared_account_ids = copy.shared_accounts.apply(lambda accounts: sorted(accounts or []))
        register_declared_outputs(self)
