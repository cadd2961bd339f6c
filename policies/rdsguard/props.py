"""Unknown-safe, crash-safe reading of resource properties and KMS key identifiers.

The SDK wraps props in ``unknown_checking_proxy``: touching a value that is unknown at preview
raises ``UnknownValueError``, which the SDK reports as an *advisory* "can't run policy during
preview". A mandatory rule that touches one therefore blocks nothing. Rules read the raw mapping
behind the proxy instead and get the ``UNKNOWN`` sentinel, which they must handle explicitly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final, NamedTuple

from pulumi_policy import Secret
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

UNKNOWN_SENTINELS: Final = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<unknown until apply>"


UNKNOWN: Final = _Unknown()
"""A value the provider computes during the update; never equal to anything known."""


def unwrap(value: Any) -> Any:
    """The container behind an SDK proxy (unknown-checking or secret-preserving), else ``value``."""
    if value is None or isinstance(value, (dict, list, str, bool, int, float)):
        return value
    try:
        return value["__target"]
    except (KeyError, TypeError, IndexError):
        return value


_PLAIN: Final = frozenset({bool, int, float, type(None)})


def plain(value: Any) -> Any:
    """``value`` with every SDK proxy inside it unwrapped: the SDK wraps nested objects and lists
    eagerly, and indexing a wrapper raises on unknowns. Unknowns stay sentinel strings."""
    value = unwrap(value)
    kind = type(value)
    if kind in _PLAIN or kind is str:  # decoded values are plain: skip the abstract Mapping check
        return value
    if kind is dict or isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def known(value: Any) -> Any:
    """``UNKNOWN`` for a preview sentinel, the unwrapped (and unsecreted) value otherwise."""
    kind = type(value)
    if kind is str:  # the common case first: rules run on every resource of every update
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if kind in _PLAIN:
        return value
    if isinstance(value, Secret):  # only Remediate keeps secret markers
        value = value.value
    if isinstance(value, str) and value in UNKNOWN_SENTINELS:
        return UNKNOWN
    return unwrap(value)


class Props:
    """Typed, never-raising accessors over one resource's properties.

    Accessors return ``None`` when a property is absent or has the wrong type (the provider would
    reject or ignore it), and ``UNKNOWN`` when the engine says the value is computed later.
    """

    __slots__ = ("raw",)

    def __init__(self, props: Any) -> None:
        raw = unwrap(props)
        self.raw: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}

    def get(self, name: str) -> Any:
        try:
            return known(self.raw.get(name))
        except Exception:
            return None

    def has(self, name: str) -> bool:
        return self.get(name) is not None

    def str(self, name: str) -> str | _Unknown | None:
        value = self.get(name)
        return value if isinstance(value, str) or value is UNKNOWN else None

    def text(self, name: str) -> str | _Unknown | None:
        """Like :meth:`str`, but an empty string counts as absent (AWS treats "" as not set)."""
        value = self.get(name)
        return value if (isinstance(value, str) and value) or value is UNKNOWN else None

    def bool(self, name: str) -> bool | _Unknown | None:
        """A boolean as the provider reads it: ``"true"``/``"false"`` (and the other spellings Go's
        ``strconv.ParseBool`` accepts) mean what they say; other values read as absent and are
        reported by ``rds-valid-values``."""
        return as_bool(self.get(name))

    def number(self, name: str) -> float | _Unknown | None:
        """A number as the provider reads it: a decimal string such as ``"7"`` counts as 7."""
        return as_number(self.get(name))

    def strings(self, name: str) -> list[str | _Unknown] | _Unknown | None:
        """A list of strings; unknown elements stay ``UNKNOWN``, non-strings are dropped."""
        value = self.get(name)
        if value is UNKNOWN or value is None:
            return value
        if not isinstance(value, (list, tuple)):
            return None
        items: list[str | _Unknown] = []
        for item in value:
            item = known(item)
            if isinstance(item, str) or item is UNKNOWN:
                items.append(item)
        return items


# --- values as the provider reads them ------------------------------------------------------------
# Untyped programs (YAML, ``Input[Any]``, config read as strings) can send "true" or "7" where the
# schema says boolean or number. Terraform's SDK reads such strings with Go's strconv.ParseBool and
# ParseFloat (helper/schema field readers) and cty converts "true"/"false"/"1"/"0" the same way, so
# the pack judges them by that meaning instead of treating them as absent.

_BOOL_STRINGS: Final = {
    **dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),
    **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False),
}
_DECIMAL: Final = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def as_bool(value: Any) -> bool | _Unknown | None:
    if isinstance(value, bool) or value is UNKNOWN:
        return value
    return _BOOL_STRINGS.get(value) if isinstance(value, str) else None


def as_number(value: Any) -> float | _Unknown | None:
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, str) and _DECIMAL.match(value):
        value = float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def python_name(prop: str) -> str:
    """The Python SDKs' argument name for a wire (camelCase) property name."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", prop).lower()


# --- KMS key identifiers -----------------------------------------------------------------------

_KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)/(.+)$")


class KeyId(NamedTuple):
    """What a ``kmsKeyId``-like string names. ``region`` is ``None`` unless it is an ARN."""

    kind: str  # "key-arn" | "alias-arn" | "alias-name" | "bare-id"
    region: str | None
    account: str | None
    name: str  # key id or alias name without the "alias/" prefix

    @property
    def is_alias(self) -> bool:
        return self.kind in ("alias-arn", "alias-name")

    @property
    def is_aws_managed(self) -> bool:
        # AWS managed keys are only addressable by their reserved aliases (alias/aws/<service>).
        return self.is_alias and self.name.startswith("aws/")


@lru_cache(maxsize=4096)  # stack rules parse the same few key ARNs thousands of times
def parse_key_id(value: str) -> KeyId:
    match = _KMS_ARN.match(value)
    if match:
        region, account, kind, name = match.groups()
        return KeyId("key-arn" if kind == "key" else "alias-arn", region, account, name)
    if value.startswith("alias/"):
        return KeyId("alias-name", None, None, value[len("alias/") :])
    return KeyId("bare-id", None, None, value)


def arn_region(value: Any) -> str | None:
    """The region of any known ARN (``arn:partition:service:region:...``), else ``None``."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    return parts[3] or None if len(parts) > 4 else None


def stack_of(urn: str) -> str:
    """The stack name in ``urn:pulumi:<stack>::<project>::<type>::<name>``."""
    head = urn.split("::", 1)[0]
    return head[len("urn:pulumi:") :] if head.startswith("urn:pulumi:") else ""
