"""KMS keys that protect RDS data: not open to the world, rotated, hard to delete."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, Final

from .key_policies import public_reasons, read_policy
from .props import UNKNOWN, Props, _Unknown
from .rule import AT_REST, HYGIENE, KEY, KEY_POLICIES, KEYS, LIFECYCLE, Resource, Rule, Settings, no_control

KMS_DOC = "https://docs.aws.amazon.com/kms/latest/developerguide"


def _sid(index: int, statement: Mapping[str, Any]) -> str:
    return f"key policy statement #{index} (Sid {statement.get('Sid', '-')!r})"


def no_public_principal(resource: Resource, _settings: Settings) -> Iterator[str]:
    document = read_policy(resource.props.get("policy"))
    if document is None:
        return
    if document.problem:
        yield (
            f"`policy` cannot be read as a key policy ({document.problem}); expected a JSON policy "
            "document. What the pack cannot read it cannot pass, and KMS rejects it "
            "(MalformedPolicyDocumentException). Fix: pass json.dumps(<policy dict>)."
        )
        return
    for index, statement in enumerate(document.statements):
        reasons = public_reasons(statement)
        if reasons is None:
            continue
        who = "`NotPrincipal` (everyone but the listed principals)" if "NotPrincipal" in statement else "principal `*`"
        why = f" ({'; '.join(reasons)})" if reasons else ""
        yield (
            f"{_sid(index, statement)} allows {who} with no condition that pins the caller to fixed "
            f"accounts{why}, so any AWS account may use it; expected named principals, or a "
            "StringEquals condition on kms:CallerAccount, aws:PrincipalAccount or aws:PrincipalOrgID "
            "with fixed values. Fix: add Condition StringEquals kms:CallerAccount=<account> (with "
            "kms:ViaService rds.<region>.amazonaws.com)."
        )


# RDS encrypts only with symmetric encryption keys:
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html
RDS_USAGE: Final = "ENCRYPT_DECRYPT"
RDS_SPEC: Final = "SYMMETRIC_DEFAULT"


def key_spec(props: Props) -> str | _Unknown | None:
    """pulumi-aws ``Key`` calls it ``customerMasterKeySpec``; ExternalKey, replicas and aws-native ``keySpec``."""
    return props.text("customerMasterKeySpec") or props.text("keySpec")


def symmetric_encryption(props: Props) -> bool:
    """A symmetric encryption key unless its usage or spec says otherwise (both default to one)."""
    return props.text("keyUsage") in (None, UNKNOWN, RDS_USAGE) and key_spec(props) in (None, UNKNOWN, RDS_SPEC)


def _rotatable(props: Props) -> bool:
    # Automatic rotation exists only for symmetric encryption keys with key material KMS generated
    # in its own key store: https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
    return (
        symmetric_encryption(props)
        and props.text("customKeyStoreId") is None
        and props.text("origin") in (None, "AWS_KMS")
    )


def rotation_enabled(resource: Resource, _settings: Settings) -> Iterator[str]:
    props = resource.props
    if _rotatable(props) and props.bool("enableKeyRotation") in (False, None):
        yield (
            "`enableKeyRotation` is not true; expected true so the key material rotates "
            "yearly (or per rotationPeriodInDays). Fix: enable_key_rotation=True."
        )


def enable_rotation(props: MutableMapping[str, Any], _settings: Settings) -> None:
    props["enableKeyRotation"] = True


def deletion_window(resource: Resource, settings: Settings) -> Iterator[str]:
    days = resource.props.number("deletionWindowInDays")
    # Absent means the KMS default of 30 days, the maximum.
    if isinstance(days, float) and days < settings.min_deletion_window:
        yield (
            f"`deletionWindowInDays` is {days:g}; expected at least "
            f"{settings.min_deletion_window} (the configured minimum for this stack) so a mistaken "
            "deletion can be cancelled before every database on the key becomes unreadable. "
            f"Fix: deletion_window_in_days={settings.min_deletion_window}."
        )


def widen_deletion_window(props: MutableMapping[str, Any], settings: Settings) -> None:
    props["deletionWindowInDays"] = float(settings.min_deletion_window)


def key_protected(resource: Resource, settings: Settings) -> Iterator[str]:
    if not settings.production or resource.protect:
        return
    if symmetric_encryption(resource.props):
        loss = (
            "deleting or replacing the key makes everything encrypted under it unreadable (for RDS: "
            "the databases, snapshots and backups on it)"
        )
    else:
        # Signing, MAC and key agreement keys: RDS never uses them, but their loss is final too.
        loss = "deleting or replacing the key destroys its key material for good, and with it every use of the key"
    yield (
        f"resource option `protect` is off on production stack `{settings.stack}`; expected "
        f"protect=True: {loss}. Fix: opts=pulumi.ResourceOptions(protect=True)."
    )


def lockout_check_kept(resource: Resource, _settings: Settings) -> Iterator[str]:
    if resource.props.bool("bypassPolicyLockoutSafetyCheck") is True:
        yield (
            "`bypassPolicyLockoutSafetyCheck` is true, so KMS does not check that the new key policy "
            "still lets the caller manage the key; a wrong policy then makes the key unmanageable, "
            "and only AWS Support can restore access. Expected false (the default). Fix: remove "
            "bypass_policy_lockout_safety_check."
        )


def _enabled(props: Props) -> bool | _Unknown | None:
    # pulumi-aws Key calls it isEnabled; the other key types (and aws-native) call it enabled.
    enabled = props.bool("isEnabled")
    return props.bool("enabled") if enabled is None else enabled


def key_enabled(resource: Resource, _settings: Settings) -> Iterator[str]:
    # Judged on the key: whether RDS uses it is a stack fact, and a second stack policy would decode
    # the whole stack again on every update. Only keys RDS can use (symmetric encryption) count.
    if _enabled(resource.props) is False and symmetric_encryption(resource.props):
        yield (
            "the key is disabled, so KMS refuses every operation with it: an RDS database, snapshot or "
            "master secret on it cannot be read (the database becomes inaccessible until the key is "
            "enabled again, and terminally so after 7 days). Expected it enabled. Fix: remove "
            "is_enabled=False / enabled=False, or move the data to another key first."
        )


RULES = (
    Rule(
        id="kms-key-policy-no-public-principal",
        policy=AT_REST,
        types=KEY_POLICIES,
        summary="No Allow for principal `*` or `NotPrincipal` unless a positive equality condition "
        "pins the caller's account, organisation or principal to fixed values (no wildcard, policy "
        "variable, negation, IfExists or ForAllValues); an unreadable policy is reported.",
        severity="critical",
        source="AWS Config kms-key-policy-no-public-access; IAM Access Analyzer (KMS keys); "
        "Security Hub KMS.5; checkov CKV_AWS_33",
        url="https://docs.aws.amazon.com/config/latest/developerguide/kms-key-policy-no-public-access.html",
        remediation="Replace `*` with account principals, or add a kms:CallerAccount / "
        "aws:PrincipalOrgID condition next to kms:ViaService.",
        check=no_public_principal,
        controls=("FSBP KMS.5", "PCI DSS v4.0.1 3.6.1"),
        controls_note="PCI DSS v4.0.1 3.6.1 (requirement text): access to keys is restricted to the "
        "fewest custodians necessary. Security Hub lists no PCI DSS mapping for KMS.5.",
        keys=KEY_POLICIES,
    ),
    Rule(
        id="kms-key-rotation-enabled",
        policy=LIFECYCLE,
        types=(KEY,),
        summary="Symmetric encryption keys have `enableKeyRotation` on (remediated automatically).",
        severity="medium",
        source="AWS Config cmk-backing-key-rotation-enabled; Security Hub KMS.4; checkov CKV_AWS_7",
        url=f"{KMS_DOC}/rotate-keys.html",
        remediation="enable_key_rotation=True (the remediation sets it; RDS keeps working, old "
        "key material stays available for decryption).",
        check=rotation_enabled,
        fix=enable_rotation,
        controls=("Security Hub KMS.4", "CIS v5.0.0 3.6", "CIS v3.0.0 3.6", "PCI DSS v4.0.1 3.7.4"),
        controls_note="KMS.4 is not part of FSBP; Security Hub checks it in the CIS, PCI DSS and NIST SP "
        "800-53 standards.",
        keys=(KEY,),
    ),
    Rule(
        id="kms-key-deletion-window",
        policy=LIFECYCLE,
        types=KEYS,
        summary="`deletionWindowInDays` >= minimumDeletionWindowInDays (remediated automatically).",
        severity="medium",
        source="AWS KMS Developer Guide, deleting-keys; Security Hub KMS.3",
        url=f"{KMS_DOC}/deleting-keys.html",
        remediation="deletion_window_in_days=30 (the remediation raises it to the configured minimum).",
        check=deletion_window,
        config=("minimumDeletionWindowInDays", "productionMinimumDeletionWindowInDays", "productionStackPattern"),
        fix=widen_deletion_window,
        controls=("FSBP KMS.3",),
        controls_note="KMS.3 fails keys scheduled for deletion; a long window keeps such a deletion cancellable.",
        keys=KEYS,
    ),
    Rule(
        id="kms-key-protected",
        policy=HYGIENE,
        types=KEYS,
        summary="On production stacks, KMS keys are `protect`ed.",
        severity="high",
        source="AWS KMS Developer Guide, deleting-keys; AWS RDS User Guide, Overview.Encryption "
        "(lost key access is terminal)",
        url=f"{KMS_DOC}/deleting-keys.html",
        remediation="opts=pulumi.ResourceOptions(protect=True) on the key (or its component).",
        check=key_protected,
        config=("productionStackPattern",),
        controls=("FSBP KMS.3",),
        controls_note="Keeps `pulumi destroy` or a replacement from scheduling the deletion KMS.3 reports.",
        keys=KEYS,
    ),
    Rule(
        id="kms-key-lockout-safety-check",
        policy=HYGIENE,
        types=KEY_POLICIES,
        summary="`bypassPolicyLockoutSafetyCheck` is not true on keys and key policies.",
        severity="high",
        source="AWS KMS API Reference, PutKeyPolicy / CreateKey BypassPolicyLockoutSafetyCheck",
        url=f"{KMS_DOC}/key-policy-default.html#prevent-unmanageable-key",
        remediation="Leave bypass_policy_lockout_safety_check unset.",
        check=lockout_check_kept,
        controls_note=no_control("AWS guidance on keeping keys manageable (key-policy-default)"),
        keys=KEY_POLICIES,
    ),
    Rule(
        id="kms-key-enabled",
        policy=HYGIENE,
        types=KEYS,
        summary="Symmetric encryption keys (the ones RDS can use) are not disabled.",
        severity="high",
        source="AWS RDS User Guide, Overview.Encryption.Keys (inaccessible-encryption-credentials); "
        "AWS KMS Developer Guide, enabling-keys",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html",
        remediation="Keep keys that encrypt RDS data enabled.",
        check=key_enabled,
        controls_note=no_control(
            "Operational correctness: RDS data on a disabled key cannot be read (KMS.3 covers keys "
            "scheduled for deletion, not disabled ones)"
        ),
        keys=KEYS,
    ),
)
