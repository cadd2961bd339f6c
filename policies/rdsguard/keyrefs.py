"""Resolving which KMS key a property names, in the stack view, even when its ARN is unknown.

At preview the ARN of a key created in the same update is unknown, but the engine still tells
which resource the value came from (``propertyDependencies``). A key reference is therefore
identified by the key resource's URN, by the ARN, or both.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .props import UNKNOWN, arn_region, parse_key_id
from .rule import ALIAS, KEY_POLICY, KEYS, Resource, Stack


class KeyRef(NamedTuple):  # a tuple: stack rules make thousands per call
    value: Any  # the literal (str), UNKNOWN, or None when absent
    key: Resource | None  # the aws:kms key resource it came from
    alias: Resource | None  # the aws:kms/alias resource it came from, if any
    wired: bool = False  # the value came from some resource's output

    @property
    def computed(self) -> bool:
        """Unknown and wired from no resource: the provider fills it in, so the program left it
        unset (config and invokes are known at preview)."""
        return self.value is UNKNOWN and not self.wired

    @property
    def arn(self) -> str | None:
        if isinstance(self.value, str) and parse_key_id(self.value).kind == "key-arn":
            return self.value
        if self.key is not None:
            key_arn = self.key.props.str("arn")
            return key_arn if isinstance(key_arn, str) else None
        return None

    @property
    def region(self) -> str | None:
        if isinstance(self.value, str):
            return parse_key_id(self.value).region
        if self.key is not None:
            return arn_region(self.key.props.get("arn")) or self.key.region
        return None

    def identities(self) -> set[str]:
        ids = {self.key.urn} if self.key is not None else set()
        if self.arn:
            ids.add(self.arn)
        return ids

    def differs_from(self, other: KeyRef) -> bool:
        """Provably a different key. Keys not yet created cannot equal a literal ARN."""
        mine, theirs = self.identities(), other.identities()
        return bool(mine) and bool(theirs) and not mine & theirs


def key_ref(resource: Resource, prop: str) -> KeyRef | None:
    """The key ``prop`` names, or ``None`` when the property is absent. O(1): the property and
    the resources its value came from (for an alias, the key it targets)."""
    value = resource.props.text(prop)
    sources = resource.deps(prop)
    if not sources:  # the common case: stack rules ask every keyed resource for every key property
        return None if value is None else KeyRef(value, None, None, False)
    key = alias = None
    for source in sources:  # the first key and the first alias it came from
        if key is None and source.type in KEYS:
            key = source
        elif alias is None and source.type == ALIAS:
            alias = source
    if key is None and alias is not None:
        key = next((r for r in alias.deps("targetKeyId") if r.type in KEYS), None)
    if value is None and key is None and alias is None:
        return None
    return KeyRef(value, key, alias, True)


def _storage_key(_stack: Stack, resource: Resource) -> KeyRef | None:
    return key_ref(resource, "kmsKeyId")


def storage_key(stack: Stack, resource: Resource) -> KeyRef | None:
    """``key_ref(resource, "kmsKeyId")`` once per resource and call: key uses, the data's
    protection and the replica rules all ask for it."""
    return stack.once(_storage_key, resource)


def _policies_by_key(stack: Stack) -> dict[str, Resource]:
    """Key URN -> the ``aws:kms/keyPolicy:KeyPolicy`` that sets its policy. O(p) lookups for p
    KeyPolicy resources, each through ``Stack.find`` when the key is named by a literal."""
    index: dict[str, Resource] = {}
    for holder in stack.of(KEY_POLICY):
        key = next((r for r in holder.deps("keyId") if r.type in KEYS), None)
        key = key or stack.find(KEYS, holder.props.get("keyId"), "keyId", "arn")
        if key is not None:
            index[key.urn] = holder
    return index


def key_policy(stack: Stack, key: Resource) -> Any:
    """The policy in force on ``key``: a separate KeyPolicy resource replaces the key's own
    (PutKeyPolicy after CreateKey), so the key's ``policy`` is then only its initial one."""
    holder = stack.memo("key_policies", _policies_by_key).get(key.urn)
    return (holder or key).props.get("policy")
