"""Rule metadata, the resource view rules read, and the pack configuration.

A *rule* is one named check (``rds-storage-encrypted``). Rules are grouped into a few registered
Pulumi policies, one per enforcement level (see ``pack.py`` for why); every violation message
starts with ``[rule-id]`` so the rule stays visible wherever the engine shows the policy name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Final, NamedTuple

from .props import Props, stack_of

# Registered policy names (stable: users reference them in policy group config).
AT_REST: Final = "rds-encryption-at-rest"
HYGIENE: Final = "rds-encryption-hygiene"
LIFECYCLE: Final = "kms-key-lifecycle"
PLACEMENT: Final = "rds-key-placement"

INSTANCE: Final = "aws:rds/instance:Instance"
CLUSTER: Final = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE: Final = "aws:rds/clusterInstance:ClusterInstance"
GLOBAL_CLUSTER: Final = "aws:rds/globalCluster:GlobalCluster"
SHARD_GROUP: Final = "aws:rds/shardGroup:ShardGroup"
SNAPSHOT: Final = "aws:rds/snapshot:Snapshot"
CLUSTER_SNAPSHOT: Final = "aws:rds/clusterSnapshot:ClusterSnapshot"
SNAPSHOT_COPY: Final = "aws:rds/snapshotCopy:SnapshotCopy"
CLUSTER_SNAPSHOT_COPY: Final = "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy"
BACKUP_REPLICATION: Final = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
KEY: Final = "aws:kms/key:Key"
REPLICA_KEY: Final = "aws:kms/replicaKey:ReplicaKey"
EXTERNAL_KEY: Final = "aws:kms/externalKey:ExternalKey"
REPLICA_EXTERNAL_KEY: Final = "aws:kms/replicaExternalKey:ReplicaExternalKey"
KEY_POLICY: Final = "aws:kms/keyPolicy:KeyPolicy"
ALIAS: Final = "aws:kms/alias:Alias"

DATABASES: Final = (INSTANCE, CLUSTER)
SNAPSHOTS: Final = (SNAPSHOT, CLUSTER_SNAPSHOT, SNAPSHOT_COPY, CLUSTER_SNAPSHOT_COPY)
COPIES: Final = (SNAPSHOT_COPY, CLUSTER_SNAPSHOT_COPY)
# Every resource that is a KMS key: imported key material (BYOK) and multi-Region replicas included.
KEYS: Final = (KEY, REPLICA_KEY, EXTERNAL_KEY, REPLICA_EXTERNAL_KEY)
# Resources that set a key policy: the keys, and a policy set on a key by a separate resource.
KEY_POLICIES: Final = (*KEYS, KEY_POLICY)
KEYS_AND_ALIASES: Final = (*KEYS, ALIAS)

SEVERITIES: Final = ("low", "medium", "high", "critical")

# How ``Rule.controls`` are written. "FSBP <id>": an AWS Security Hub control of the AWS
# Foundational Security Best Practices standard v1.0.0; "Security Hub <id>": a Security Hub control
# outside it (KMS.4 belongs to the CIS, PCI DSS and NIST standards only); "CIS v<version> <number>":
# a CIS AWS Foundations Benchmark recommendation; "PCI DSS v4.0.1 <requirement>". CIS and PCI DSS
# numbers are those Security Hub lists under "Related requirements", or the requirement's own text
# where a rule's comment says so:
# https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html
# https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html
# https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html


def no_control(reason: str) -> str:
    """A ``Rule.controls_note`` for a rule that no compliance control covers, saying why it exists."""
    return f"{reason}; no Security Hub, CIS or PCI DSS control covers it."


AWS_REJECTS: Final = no_control(
    "Operational correctness: AWS rejects this configuration, or it leaves data unreadable later"
)
REPLACED_EVERY_UPDATE: Final = no_control(
    "Deployment correctness: AWS records the key ARN, so anything else in kmsKeyId replaces the "
    "resource on every update, and in performanceInsightsKmsKeyId updates it in place every time"
)


class Resource:
    """What a rule sees of one resource, in ``Analyze`` and ``AnalyzeStack`` alike.

    ``deps`` (stack view only) maps a property to the resources its value came from: the engine's
    ``propertyDependencies``, which stay known at preview when the values themselves do not.
    """

    __slots__ = ("_region", "deps", "name", "native_type", "props", "protect", "provider", "type", "urn")

    def __init__(
        self,
        urn: str,
        type_: str,
        name: str,
        props: Props,
        protect: bool = False,
        provider: Props | None = None,
        deps: Callable[[str], Sequence[Resource]] | None = None,
        native_type: str | None = None,
    ) -> None:
        self.urn = urn
        self.type = type_  # the pulumi-aws type the rules judge it as
        self.name = name
        self.props = props
        self.protect = protect
        self.provider = provider
        self.deps = deps or _no_deps
        self._region: str | _Unread | None = _UNREAD
        self.native_type = native_type  # its own type, when it is an aws-native resource

    @property
    def label(self) -> str:
        return f"{(self.native_type or self.type).rsplit(':', 1)[-1]} '{self.name}'"

    @property
    def region(self) -> str | None:
        """The region the resource lives in, when provable: its own ``region`` input, else its
        provider's. The default provider's region comes from stack config, which policies only
        see if the engine sends the provider; otherwise it is ``None`` and region rules abstain."""
        if self._region is _UNREAD:  # stack rules ask once per key use
            region = self.props.text("region")
            if region is None and self.provider is not None:
                region = self.provider.text("region")
            self._region = region if isinstance(region, str) else None
        return self._region


class _Unread:
    __slots__ = ()


_UNREAD: Final = _Unread()


_MISSING: Final = object()


def _no_deps(_prop: str) -> tuple[Resource, ...]:
    return ()


class Exemption(NamedTuple):
    resource: str
    reason: str
    rules: frozenset[str] | None  # None: every rule of the policy
    expires: date | None = None  # the last day it applies
    bad_expiry: str | None = None  # an ``expires`` that is not a date: the exemption never applies

    def covers(self, rule_id: str, resource: Resource) -> bool:
        return self.resource in (resource.urn, resource.name) and (self.rules is None or rule_id in self.rules)

    def applies(self, today: date) -> bool:
        return self.bad_expiry is None and (self.expires is None or today <= self.expires)

    def why_not(self) -> str:
        """Why a covering exemption does not apply, for the violation message."""
        if self.bad_expiry is not None:
            return f"`expires` {self.bad_expiry!r} is not a date (YYYY-MM-DD), so it never applied"
        return f"it expired on {self.expires}"


DEFAULT_PRODUCTION_PATTERN: Final = r"(^|[-_.])prod(uction)?($|[-_.])"
# KMS accepts 7-30 days. Non-production stacks may use the shortest window; production the longest.
DEFAULT_MIN_DELETION_WINDOW: Final = 7
DEFAULT_PRODUCTION_MIN_DELETION_WINDOW: Final = 30
# RDS keeps automated backups 1-35 days (0 turns them off). Security Hub RDS.11 asks for 7.
DEFAULT_MIN_BACKUP_RETENTION: Final = 1
DEFAULT_PRODUCTION_MIN_BACKUP_RETENTION: Final = 7


class Settings(NamedTuple):
    """Policy config as the engine sends it (schema defaults included), read defensively: the SDK
    does not apply defaults itself, and hand-written config may be malformed."""

    today: date  # exemptions expire by it
    stack: str = ""
    approved_keys: tuple[str, ...] = ()
    min_deletion_window: int = DEFAULT_MIN_DELETION_WINDOW
    min_backup_retention: int = DEFAULT_MIN_BACKUP_RETENTION
    production: bool = False
    exemptions: tuple[Exemption, ...] = ()

    @classmethod
    def read(cls, config: Mapping[str, Any] | None, urn: str) -> Settings:
        config = config if isinstance(config, Mapping) else {}
        stack = stack_of(urn)
        pattern = config.get("productionStackPattern")
        production = bool(_production_regex(pattern if isinstance(pattern, str) else "").search(stack))
        prefix, windows, retentions = (
            ("productionM", DEFAULT_PRODUCTION_MIN_DELETION_WINDOW, DEFAULT_PRODUCTION_MIN_BACKUP_RETENTION)
            if production
            else ("m", DEFAULT_MIN_DELETION_WINDOW, DEFAULT_MIN_BACKUP_RETENTION)
        )
        keys = config.get("approvedKmsKeys")
        return cls(
            today=today(),
            stack=stack,
            approved_keys=tuple(k for k in keys if isinstance(k, str) and k) if isinstance(keys, list) else (),
            # Clamped to what KMS and RDS accept, so a typo cannot demand the impossible.
            min_deletion_window=_days(config.get(f"{prefix}inimumDeletionWindowInDays"), windows, 7, 30),
            min_backup_retention=_days(config.get(f"{prefix}inimumBackupRetentionDays"), retentions, 1, 35),
            production=production,
            exemptions=_exemptions(config.get("exemptions")),
        )

    def exemption(self, rule_id: str, resource: Resource) -> Exemption | None:
        """The exemption covering this rule and resource: one that applies if there is one."""
        if not self.exemptions:  # the common case, asked for every rule and resource
            return None
        covering = [e for e in self.exemptions if e.covers(rule_id, resource)]
        return next((e for e in covering if e.applies(self.today)), covering[0] if covering else None)

    def exempt(self, rule_id: str, resource: Resource) -> bool:
        found = self.exemption(rule_id, resource)
        return found is not None and found.applies(self.today)

    def lapsed(self, rule_id: str, resource: Resource) -> str:
        """A note for the violation when an exemption covers it but does not apply, else ``""``."""
        found = self.exemption(rule_id, resource)
        if found is None or found.applies(self.today):
            return ""
        return f" (An exemption for this resource does not apply: {found.why_not()}. Its reason was: {found.reason})"


def today() -> date:
    """The date exemptions expire by (UTC)."""
    return datetime.now(UTC).date()


def _days(value: Any, default: int, low: int, high: int) -> int:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
        return default
    return int(min(high, max(low, value)))


@lru_cache(maxsize=32)
def _production_regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern or DEFAULT_PRODUCTION_PATTERN)
    except re.error:
        return re.compile(DEFAULT_PRODUCTION_PATTERN)


def _expiry(value: Any) -> tuple[date | None, str | None]:
    """(the date, None), or (None, the text) when ``expires`` is set but is not a date."""
    if value is None:
        return None, None
    try:
        return date.fromisoformat(value), None
    except (TypeError, ValueError):
        return None, str(value)


def _exemptions(raw: Any) -> tuple[Exemption, ...]:
    if not isinstance(raw, list):
        return ()
    found = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            continue
        resource, reason, rules = entry.get("resource"), entry.get("reason"), entry.get("rules")
        # An exemption without a reason is not an exemption: the audit trail is the point.
        if not isinstance(resource, str) or not isinstance(reason, str) or not reason.strip():
            continue
        expires, bad_expiry = _expiry(entry.get("expires"))
        found.append(
            Exemption(
                resource,
                reason,
                frozenset(r for r in rules if isinstance(r, str)) if isinstance(rules, list) else None,
                expires,
                bad_expiry,
            )
        )
    return tuple(found)


ResourceCheck = Callable[[Resource, Settings], Iterable[str]]
StackCheck = Callable[["Stack", Settings], Iterable[tuple[Resource, str]]]
Fix = Callable[[MutableMapping[str, Any], Settings], None]


class Rule(NamedTuple):
    """One named check with its catalogue metadata.

    ``check`` takes a :class:`Resource` for resource rules and a :class:`Stack` for stack rules
    (``policy == PLACEMENT``); it yields a message that names the property, the expected value
    and the fix (the resource is prefixed by the dispatcher).
    """

    id: str
    policy: str
    types: tuple[str, ...]
    summary: str
    severity: str
    source: str
    url: str
    remediation: str
    check: Callable[..., Iterable[Any]]
    config: tuple[str, ...] = ()
    fix: Fix | None = None
    controls: tuple[str, ...] = ()
    """Compliance controls the rule enforces (forms above), shown in the catalogue and audits."""
    controls_note: str = ""
    """Why no control applies, or how the rule differs from the controls it lists."""
    keys: tuple[str, ...] = ()
    """The key resource types whose properties it reads (aws-native equivalents included); rules
    that only look at a key identifier's text read none."""


class Stack:
    """The ``AnalyzeStack`` resources the rules care about, with every lookup they make indexed.

    Rules look resources up by property value (:meth:`find`) and share what they derive
    (:meth:`memo`). Each distinct lookup builds its index on first use, in one pass over the
    resources of its types, and answers in O(1) afterwards: a rule making one lookup per resource
    is O(n) over the stack, not O(n²). Indexes live as long as the ``Stack``: one AnalyzeStack call.
    """

    __slots__ = ("_found", "_memo", "_per_resource", "by_type", "by_urn")

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.by_urn: dict[str, Resource] = {}
        self.by_type: dict[str, list[Resource]] = {}
        self._memo: dict[Any, Any] = {}
        self._found: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[str, Resource]] = {}
        self._per_resource: dict[Callable[[Stack, Resource], Any], dict[Resource, Any]] = {}
        for resource in resources:
            self.by_urn[resource.urn] = resource
            self.by_type.setdefault(resource.type, []).append(resource)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_exc: object) -> None:
        """Forget every resource and index, so nothing outlives the call through a cycle."""
        self.by_urn.clear()
        self.by_type.clear()
        self._memo.clear()
        self._found.clear()
        self._per_resource.clear()

    def of(self, *types: str) -> Iterable[Resource]:
        for type_ in types:
            yield from self.by_type.get(type_, ())

    def memo(self, name: Any, compute: Callable[[Stack], Any]) -> Any:
        """A derived index, computed once per AnalyzeStack call and shared by the rules."""
        found = self._memo.get(name, _MISSING)
        if found is _MISSING:
            found = self._memo[name] = compute(self)
        return found

    def once(self, compute: Callable[[Stack, Resource], Any], resource: Resource, pending: Any = None) -> Any:
        """``compute(self, resource)`` once per resource and call, O(1) afterwards (by view, not URN:
        no string to hash). ``pending`` (if not ``None``) is what a cycle back to this resource sees
        while it is computed."""
        known = self._per_resource.get(compute)
        if known is None:
            known = self._per_resource[compute] = {}
        found = known.get(resource, _MISSING)
        if found is _MISSING:
            if pending is not None:
                known[resource] = pending
            found = known[resource] = compute(self, resource)
        return found

    def cached(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` (hashable ``args``), computed once per AnalyzeStack call."""
        return self.memo((function, *args), lambda _: function(*args))

    def find(self, types: tuple[str, ...], value: Any, *props: str) -> Resource | None:
        """The first resource of ``types`` (stack order, type by type) whose ``props`` (e.g.
        identifier or arn) holds ``value``. O(1) after an O(n) index of those types and props."""
        if not isinstance(value, str) or not value:
            return None
        index = self._found.get((types, props))
        if index is None:
            index = self._found[types, props] = self._values(types, props)
        return index.get(value)

    def _values(self, types: tuple[str, ...], props: tuple[str, ...]) -> dict[str, Resource]:
        index: dict[str, Resource] = {}
        for resource in self.of(*types):
            for prop in props:
                value = resource.props.get(prop)
                if isinstance(value, str):
                    index.setdefault(value, resource)
        return index
