"""Sharing an RDS DB snapshot with other accounts: an encrypted copy under a key they may use."""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi

from .encryption_key import EncryptionKey
from .options import child_options
from .package import register_declared_outputs
from .rules import check_key_alias, check_snapshot_engine, check_snapshot_shareable
from .snapshot_copy import EncryptedSnapshotCopy, check_copy_args
from .validation import ArgumentChecks


class SnapshotSharingArgs(TypedDict):
    source_snapshot_arn: pulumi.Input[str]
    """ARN of the DB snapshot to share (encrypted with aws/rds or another key, or unencrypted). It is never shared itself: an encrypted copy under a key the accounts may use is."""
    shared_account_ids: Sequence[str]
    """12-digit AWS accounts that may copy the snapshot: 1 to 20, never all (public) and never this account."""
    engine: str
    """Engine of the DB instance the snapshot was taken from, such as postgres or oracle-ee."""
    tde_enabled: NotRequired[bool]
    """Whether that instance's option group has the Oracle or SQL Server TDE option: AWS cannot share such snapshots, so true is refused. Defaults to false."""
    target_snapshot_identifier: NotRequired[str]
    """Identifier of the shared copy. Defaults to the resource name."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """ARN of an existing customer managed key (in the copy's region, never aws/rds) whose policy already lets the accounts use it. Defaults to a new key whose policy grants exactly these accounts."""
    key_alias: NotRequired[str]
    """Alias of the key created when no `kmsKeyArn` is given. Defaults to alias/<name>-key."""
    region: NotRequired[str]
    """Region of the shared copy and its key. Defaults to the provider's region (AWS's procedure keeps the key in the snapshot's region)."""
    account_id: NotRequired[str]
    """12-digit id of this (sharing) account, when known; it is refused among the accounts shared with."""
    copy_tags: NotRequired[bool]
    """Copy the source snapshot's tags to the shared copy. Defaults to false: the copy is a hand-over to other accounts, tagged with tags only."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the key and the shared copy."""


class SnapshotSharing(pulumi.ComponentResource):
    """Shares a DB snapshot with listed AWS accounts as AWS documents for encrypted snapshots: an encrypted copy under a customer managed key whose policy lets exactly those accounts copy it, shared with them only (never public). The receiving accounts copy it under their own key (SharedSnapshotImport)."""

    snapshot_arn: pulumi.Output[str]
    """ARN of the shared copy: what the receiving accounts name as their source."""
    snapshot_identifier: pulumi.Output[str]
    """Identifier of the shared copy."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the key the shared copy is encrypted with (the receiving accounts use it to copy)."""
    region: pulumi.Output[str]
    """Region of the shared copy."""
    shared_account_ids: pulumi.Output[list[str]]
    """Accounts the copy is shared with."""

    def __init__(self, name: str, args: SnapshotSharingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"SnapshotSharing '{name}'", args, SnapshotSharingArgs)
        target = args.get("target_snapshot_identifier") or name
        key_given = args.get("kms_key_arn") is not None
        alias = args.get("key_alias") or f"alias/{name}-key"
        engine = args.get("engine")

        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/share-encrypted-snapshot.html: never
        # public; never under the AWS managed key aws/rds ("You can't share a snapshot that has been
        # encrypted using the default KMS key", which check_key_arn refuses): copy under a CMK first.
        check_copy_args(
            checks,
            {**args, "target_snapshot_identifier": target},
            key_created_here=not key_given,
            share_required=True,
        )
        checks.require("engine", engine)
        checks.check("engine", engine, check_snapshot_engine)
        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/share-encrypted-snapshot.html: TDE
        # snapshots (Oracle, SQL Server) cannot be shared.
        checks.check("tde_enabled", args.get("tde_enabled", False), check_snapshot_shareable, engine)
        if not key_given:
            checks.check("key_alias", alias, check_key_alias)
        checks.raise_if_any()

        super().__init__("encryptedrds:index:SnapshotSharing", name, None, opts)

        accounts = sorted(set(args["shared_account_ids"]))
        key_arn = args.get("kms_key_arn")
        if key_arn is None:
            # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/share-encrypted-snapshot.html
            # ("Create a customer managed key and give access to it"): the key policy gives the
            # accounts use of the key and grants for AWS resources (key_policy.rds_key_policy).
            key = EncryptionKey(
                f"{name}-key",
                {
                    "alias": alias,
                    "description": f"Encrypts the snapshot {target} shared with {', '.join(accounts)}",
                    "shared_account_ids": accounts,
                    **({"region": args["region"]} if args.get("region") else {}),
                    **({"tags": args["tags"]} if args.get("tags") is not None else {}),
                },
                opts=child_options(self, opts),
            )
            key_arn = key.key_arn

        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html: sharing
        # is the snapshot's `restore` attribute, which SnapshotCopy sets from `shared_accounts`.
        copy = EncryptedSnapshotCopy(
            f"{name}-copy",
            {
                "source_snapshot_arn": args["source_snapshot_arn"],
                "target_snapshot_identifier": target,
                "kms_key_arn": key_arn,
                "copy_tags": args.get("copy_tags", False),
                "shared_account_ids": accounts,
                **{field: args[field] for field in ("region", "account_id", "tags") if args.get(field) is not None},
            },
            opts=child_options(self, opts),
        )

        self.snapshot_arn = copy.snapshot_arn
        self.snapshot_identifier = copy.snapshot_identifier
        self.kms_key_arn = copy.kms_key_arn
        self.region = copy.region
        self.shared_account_ids = copy.shared_account_ids
        register_declared_outputs(self)
