"""Snapshots and snapshot copies: never public; shared only under a key the targets can use."""

from __future__ import annotations

from collections.abc import Iterator

from .key_policies import allows, grants_account, read_policy
from .keyrefs import key_policy
from .lineage import AWS_MANAGED, UNENCRYPTED, protection
from .rule import (
    AT_REST,
    KEY_POLICY,
    KEYS_AND_ALIASES,
    PLACEMENT,
    SNAPSHOTS,
    Resource,
    Rule,
    Settings,
    Stack,
)

SHARE_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html"


def not_public(resource: Resource, _settings: Settings) -> Iterator[str]:
    accounts = resource.props.strings("sharedAccounts")
    if isinstance(accounts, list) and "all" in accounts:
        yield (
            "`sharedAccounts` contains `all`, which makes the snapshot public; expected explicit "
            "account IDs. Fix: list the 12-digit account IDs that may restore it."
        )


# What the target account needs to copy the shared snapshot under its own key.
_TARGET_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant")


def _ungranted(stack: Stack, key: Resource, accounts: tuple[str, ...]) -> list[str]:
    """Accounts the key policy does not grant (none if the policy is unknown or not set here).
    An unreadable policy grants nobody: the pack cannot pass what it cannot read."""
    document = read_policy(key_policy(stack, key))
    if document is None:
        return []
    missing = []
    for account in accounts:
        granted = [s for s in document.statements if grants_account(s, account)]
        if not all(any(allows(s, action) for s in granted) for action in _TARGET_ACTIONS):
            missing.append(account)
    return missing


def shared_snapshot_key(stack: Stack, _settings: Settings) -> Iterator[tuple[Resource, str]]:
    """O(n): the key of each shared snapshot comes from the memoised ``protection`` index."""
    for snapshot in stack.of(*SNAPSHOTS):
        accounts = snapshot.props.strings("sharedAccounts")
        targets = [a for a in accounts if isinstance(a, str) and a != "all"] if isinstance(accounts, list) else []
        if not targets:
            continue
        data = protection(stack, snapshot)
        if data.state in (UNENCRYPTED, AWS_MANAGED):
            yield (
                snapshot,
                (
                    f"`sharedAccounts` shares it with {', '.join(targets)}, but its data is "
                    f"{data.describe()}: unencrypted data would leave your accounts as it is, and a "
                    "snapshot on aws/rds cannot be shared; expected a customer managed key. Fix: share "
                    "a SnapshotCopy made with kms_key_id=<key>.arn instead."
                ),
            )
            continue
        key = data.key.key if data.key is not None else None
        # A key outside the stack has a policy the pack cannot read.
        missing = stack.cached(_ungranted, stack, key, tuple(targets)) if key is not None else []
        if missing and key is not None:
            yield (
                snapshot,
                (
                    f"`sharedAccounts` shares it with {', '.join(missing)}, but the key policy of "
                    f"{key.label} does not allow {', '.join(_TARGET_ACTIONS)} to them; expected a "
                    "statement for each target account. Fix: add Principal "
                    '{"AWS": "arn:aws:iam::<account>:root"} with those actions to the key policy (or '
                    'Principal "*" with Condition StringEquals aws:PrincipalOrgID=<your organisation>).'
                ),
            )


RULES = (
    Rule(
        id="rds-snapshot-not-public",
        policy=AT_REST,
        types=SNAPSHOTS,
        summary="`sharedAccounts` never contains `all`.",
        severity="critical",
        source="AWS Config rds-snapshots-public-prohibited; Security Hub RDS.1",
        url=SHARE_DOC,
        remediation="Share with explicit account IDs only.",
        check=not_public,
        controls=("FSBP RDS.1",),
        controls_note="Security Hub maps RDS.1 to PCI DSS v3.2.1 only (1.2.1, 1.3.1, 1.3.4, 1.3.6, 7.2.1).",
    ),
    Rule(
        id="rds-shared-snapshot-cmk",
        policy=PLACEMENT,
        types=SNAPSHOTS,
        summary="A shared snapshot is encrypted with a customer managed key whose key policy "
        "(when in the stack) grants each target account Decrypt, DescribeKey, CreateGrant.",
        severity="high",
        source="AWS RDS User Guide, USER_ShareSnapshot (sharing encrypted snapshots); Security Hub RDS.4",
        url=SHARE_DOC,
        remediation="Share a SnapshotCopy made with kms_key_id=<cmk>.arn and add the target "
        "accounts to the key policy.",
        check=shared_snapshot_key,
        controls=("FSBP RDS.4",),
        controls_note="RDS.4 requires snapshots to be encrypted; the key policy grants for the target accounts are "
        "AWS's sharing requirement, which no control covers.",
        keys=(*KEYS_AND_ALIASES, KEY_POLICY),
    ),
)
