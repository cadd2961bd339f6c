"""Key policy documents: read as KMS reads them, judged by what they allow.

A key policy reaches the pack as a JSON string (pulumi-aws ``policy``, possibly with a UTF-8
byte-order mark) or as an object (aws-native ``keyPolicy``). What cannot be read is reported by
the rules (fail closed), never passed as harmless.

Which statements are public follows AWS Config ``kms-key-policy-no-public-access`` ("to be
considered non-public, a KMS key policy must grant access only to fixed values ... that don't
contain a wildcard or ... Variables",
https://docs.aws.amazon.com/config/latest/developerguide/kms-key-policy-no-public-access.html) and
IAM Access Analyzer's findings for KMS keys
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html): an ``Allow`` for
``*`` or ``NotPrincipal`` is scoped only by a positive equality condition (``StringEquals``,
``ArnEquals``, their ``ForAnyValue:`` forms, ``...Like`` without wildcards) on a key that names
the caller's account, organisation or principal, with fixed values. Negated operators,
``IfExists`` (true when the key is absent), ``ForAllValues:`` (true for an empty set), wildcards
and policy variables leave the statement open.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any, Final, NamedTuple

from .props import UNKNOWN, plain

# Condition keys whose fixed values pin a caller to accounts, an organisation or principals.
# kms:ViaService is not one: any account's RDS could then use the key.
SCOPING_KEYS: Final = frozenset(
    {
        "kms:calleraccount",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourceowner",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "aws:userid",
    }
)
# Keys that name the organisation: every account in it is granted, whichever the pack cannot list.
ORGANISATION_KEYS: Final = frozenset({"aws:principalorgid", "aws:principalorgpaths"})
ACCOUNT_KEYS: Final = frozenset({"kms:calleraccount", "aws:principalaccount"})
_EQUALITY: Final = frozenset({"stringequals", "stringequalsignorecase", "arnequals", "stringlike", "arnlike"})


class Document(NamedTuple):
    """A key policy as KMS would read it. ``problem`` says why it cannot be read."""

    statements: tuple[Mapping[str, Any], ...] = ()
    problem: str | None = None


def read_policy(value: Any) -> Document | None:
    """The policy document, or ``None`` when there is none to judge (unset or unknown)."""
    if value is None or value is UNKNOWN or value == "":
        return None
    value = plain(value)
    if isinstance(value, str):
        try:
            # KMS, like most JSON readers on AWS, accepts a leading UTF-8 byte-order mark.
            value = json.loads(value.removeprefix("\ufeff"))
        except ValueError as error:
            return Document(problem=f"not valid JSON: {error}")
    if not isinstance(value, Mapping):
        return Document(problem=f"a JSON {type(value).__name__}, not a policy object")
    found = value.get("Statement")
    listed = found if isinstance(found, list) else [found]
    if found is None or not all(isinstance(s, Mapping) for s in listed):
        return Document(problem="`Statement` is missing or is not a list of statement objects")
    return Document(tuple(listed))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def aws_principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, Mapping):
        return [p for p in as_list(principal.get("AWS")) if isinstance(p, str)]
    return []


def allows(statement: Mapping[str, Any], action: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    action = action.lower()
    if "NotAction" in statement:
        excluded = [a for a in as_list(statement.get("NotAction")) if isinstance(a, str)]
        return not any(fnmatchcase(action, p.lower()) for p in excluded)
    patterns = [a for a in as_list(statement.get("Action")) if isinstance(a, str)]
    return any(fnmatchcase(action, p.lower()) for p in patterns)


def _fixed(values: list[Any]) -> bool:
    return bool(values) and all(
        isinstance(v, str) and v and not any(c in v for c in "*?") and "${" not in v for v in values
    )


def condition_entries(statement: Mapping[str, Any]) -> Iterator[tuple[str, str, list[Any]]]:
    """(operator, lower-cased key, values) for every condition of the statement."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return
    for operator, keys in condition.items():
        if isinstance(operator, str) and isinstance(keys, Mapping):
            for key, values in keys.items():
                if isinstance(key, str):
                    yield operator, key.lower(), as_list(values)


def why_not_scoping(operator: str, values: list[Any]) -> str | None:
    """Why this condition does not restrict the caller (``None`` if it does)."""
    qualifier, _, base = operator.rpartition(":")
    base = base.lower()
    if qualifier.lower() == "forallvalues":
        return "ForAllValues: is also true when the request has no value"
    if qualifier and qualifier.lower() != "foranyvalue":
        return f"unknown qualifier {qualifier!r}"
    if base.endswith("ifexists"):
        return "...IfExists is true when the key is absent"
    if base not in _EQUALITY:
        return f"{operator} is not a positive equality"
    if not _fixed(values):
        return "its values are not fixed (empty, wildcard or policy variable)"
    return None


def scoping(statement: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """The (key, values) conditions that pin this statement's caller to fixed values."""
    return [
        (key, values)
        for operator, key, values in condition_entries(statement)
        if key in SCOPING_KEYS and why_not_scoping(operator, values) is None
    ]


def open_to_anyone(statement: Mapping[str, Any]) -> bool:
    """An ``Allow`` for every principal (``*``, or everyone but some with ``NotPrincipal``)."""
    return statement.get("Effect") == "Allow" and ("NotPrincipal" in statement or "*" in aws_principals(statement))


def public_reasons(statement: Mapping[str, Any]) -> list[str] | None:
    """``None`` if the statement is not public; else why its conditions do not scope it."""
    if not open_to_anyone(statement) or scoping(statement):
        return None
    return [
        f"{operator} {key}: {reason}"
        for operator, key, values in condition_entries(statement)
        if key in SCOPING_KEYS and (reason := why_not_scoping(operator, values))
    ]


def _admits(key: str, values: list[str], account: str) -> bool:
    if key in ACCOUNT_KEYS or key == "aws:sourceaccount":
        return account in values
    if key in ("aws:principalarn", "aws:sourcearn"):
        return any(f":{account}:" in value for value in values)
    # The organisation (the pack cannot list its accounts) and keys that name no account.
    return True


def grants_account(statement: Mapping[str, Any], account: str) -> bool:
    """Whether the statement's principals include ``account``: by its root or an IAM principal
    of it, or as ``*`` whose conditions all admit it (e.g. ``aws:PrincipalOrgID``, which AWS
    documents for sharing with an organisation; conditions are ANDed)."""
    if open_to_anyone(statement):
        return all(_admits(key, values, account) for key, values in scoping(statement))
    return any(p == account or f":{account}:" in p for p in aws_principals(statement))
