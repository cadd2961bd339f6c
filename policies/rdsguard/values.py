"""Booleans and numbers the provider cannot read: reported, never guessed.

``Props.bool`` and ``Props.number`` read ``"true"`` or ``"7"`` as the provider does. A value that
is neither (``"yes"``, ``"seven"``, a list) reads as absent there, which could let a resource
escape the rule that reads it; this rule blocks it instead, naming the property.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from .props import UNKNOWN, as_bool, as_number, plain, python_name
from .rule import (
    AT_REST,
    BACKUP_REPLICATION,
    CLUSTER,
    CLUSTER_INSTANCE,
    GLOBAL_CLUSTER,
    INSTANCE,
    KEY_POLICIES,
    SHARD_GROUP,
    Resource,
    Rule,
    Settings,
)

# The boolean and number properties the pack's rules read.
BOOLEANS: Final = (
    "storageEncrypted",
    "manageMasterUserPassword",
    "performanceInsightsEnabled",
    "deletionProtection",
    "enableKeyRotation",
    "isEnabled",
    "enabled",
    "bypassPolicyLockoutSafetyCheck",
    "publiclyAccessible",
)
NUMBERS: Final = ("backupRetentionPeriod", "deletionWindowInDays")
_READERS: Final = {"boolean": (BOOLEANS, as_bool), "number": (NUMBERS, as_number)}


def readable_values(resource: Resource, _settings: Settings) -> Iterator[str]:
    for kind, (names, read) in _READERS.items():
        for name in names:
            value = resource.props.get(name)
            if value is None or value is UNKNOWN or read(value) is not None:
                continue
            yield (
                f"`{name}` is {plain(value)!r}, which the provider cannot read as a {kind}; expected a "
                f'{kind} (the strings the provider converts, like "true" or "7", are judged by '
                f"their meaning, anything else is not guessed). Fix: pass {python_name(name)} as a "
                f"{kind}."
            )


RULES = (
    Rule(
        id="rds-valid-values",
        policy=AT_REST,
        types=(INSTANCE, CLUSTER, CLUSTER_INSTANCE, GLOBAL_CLUSTER, SHARD_GROUP, BACKUP_REPLICATION, *KEY_POLICIES),
        summary="Boolean and number properties the rules read hold values the provider can read "
        '(`true`, `"true"`, `7`, `"7"`); anything else is reported instead of guessed.',
        severity="high",
        source="terraform-plugin-sdk helper/schema field readers (strconv.ParseBool / ParseFloat)",
        url="https://pkg.go.dev/strconv#ParseBool",
        remediation="Pass booleans and numbers as such (or as the strings the provider converts).",
        check=readable_values,
        controls_note="Deployment correctness: a value the provider cannot read would otherwise escape "
        "the rule that reads it; no Security Hub, CIS or PCI DSS control covers it.",
        keys=KEY_POLICIES,
    ),
)
