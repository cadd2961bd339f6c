"""The registered policies: one dispatcher per enforcement level, many named rules each.

Why few registered policies: a registered policy fixes one enforcement level per violation, and
``pulumi_policy`` decodes a request once per registered policy (``rdsguard.analyzer`` avoids that
for these policies, but the catalogue keeps one dispatcher per level either way). Rules are
grouped by enforcement level and dispatched by resource type over one view of the resource;
each message starts with ``[rule-id]`` so rules keep stable, visible names. A policy's
``judge`` method is the whole policy: the SDK calls it through ``validate`` with the properties
it decoded, the pack's Analyzer directly with properties decoded as the rules read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import key_usage, kms_keys, lineage, native, rds_databases, replicas, snapshots, values
from .props import Props
from .rule import (
    ALIAS,
    AT_REST,
    DEFAULT_MIN_BACKUP_RETENTION,
    DEFAULT_MIN_DELETION_WINDOW,
    DEFAULT_PRODUCTION_MIN_BACKUP_RETENTION,
    DEFAULT_PRODUCTION_MIN_DELETION_WINDOW,
    DEFAULT_PRODUCTION_PATTERN,
    HYGIENE,
    KEY_POLICIES,
    LIFECYCLE,
    PLACEMENT,
    SEVERITIES,
    Resource,
    Rule,
    Settings,
    Stack,
)

RULES: tuple[Rule, ...] = (
    *rds_databases.RULES,
    *key_usage.RULES,
    *snapshots.RULES,
    *kms_keys.RULES,
    *replicas.RULES,
    *lineage.RULES,
    *values.RULES,
)

CONFIG_PROPERTIES: dict[str, dict[str, Any]] = {
    "exemptions": {
        "type": "array",
        "default": [],
        "description": "Resources (URN or logical name) exempt from some or all rules of this "
        "policy. Every exemption needs a reason; entries without one are ignored. With `expires` "
        "(YYYY-MM-DD, the last day it applies) it stops applying after that day, and the violation "
        "says so.",
        "items": {
            "type": "object",
            "properties": {
                "resource": {"type": "string"},
                "rules": {"type": "array", "items": {"type": "string"}},
                "reason": {"type": "string", "minLength": 1},
                "expires": {"type": "string", "format": "date"},
            },
            "required": ["resource", "reason"],
        },
    },
    "approvedKmsKeys": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Key ARNs, alias names (alias/...) or alias ARNs the organisation "
        "approves for RDS. Empty: any customer managed key.",
    },
    "minimumDeletionWindowInDays": {
        "type": "integer",
        "minimum": 7,
        "maximum": 30,
        "default": DEFAULT_MIN_DELETION_WINDOW,
        "description": "Smallest accepted KMS key deletion window on non-production stacks.",
    },
    "productionMinimumDeletionWindowInDays": {
        "type": "integer",
        "minimum": 7,
        "maximum": 30,
        "default": DEFAULT_PRODUCTION_MIN_DELETION_WINDOW,
        "description": "Smallest accepted KMS key deletion window on production stacks.",
    },
    "minimumBackupRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "maximum": 35,
        "default": DEFAULT_MIN_BACKUP_RETENTION,
        "description": "Smallest accepted automated backup retention on non-production stacks.",
    },
    "productionMinimumBackupRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "maximum": 35,
        "default": DEFAULT_PRODUCTION_MIN_BACKUP_RETENTION,
        "description": "Smallest accepted automated backup retention on production stacks "
        "(Security Hub RDS.11 asks for 7).",
    },
    "productionStackPattern": {
        "type": "string",
        "default": DEFAULT_PRODUCTION_PATTERN,
        "description": "Regular expression (searched) matching production stack names.",
    },
}

_POLICIES: dict[str, tuple[EnforcementLevel, str]] = {
    AT_REST: (
        EnforcementLevel.MANDATORY,
        "RDS data is encrypted at rest with a customer managed KMS key that only your accounts can use.",
    ),
    HYGIENE: (
        EnforcementLevel.ADVISORY,
        "Encrypted RDS data stays recoverable: backups, deletion protection, no plain-text master password.",
    ),
    LIFECYCLE: (
        EnforcementLevel.REMEDIATE,
        "KMS keys rotate and cannot be deleted on short notice (fixed automatically).",
    ),
    PLACEMENT: (
        EnforcementLevel.MANDATORY,
        "Across the stack, every RDS key is in the right region, matches its replica source, "
        "is symmetric, approved, and usable by the accounts snapshots are shared with.",
    ),
}


def rules_of(policy: str) -> tuple[Rule, ...]:
    return tuple(rule for rule in RULES if rule.policy == policy)


def _message(rule: Rule, resource: Resource, text: str) -> str:
    return f"[{rule.id}] {resource.label}: {native.in_own_terms(resource, text)}"


def _failure(error: Exception) -> str:
    # Fail closed: a mandatory rule that cannot decide must not wave the resource through.
    return (
        f"could not be evaluated ({type(error).__name__}: {error}). This is a policy pack bug; "
        "report it, and exempt the resource with a reason to proceed meanwhile."
    )


def _run(check: Callable[[], Iterable[Any]]) -> list[Any]:
    try:
        return list(check())
    except Exception as error:  # an error reply would abort the whole preview
        return [error]


def resource_view(args: ResourceValidationArgs) -> Resource:
    provider = args.provider
    return Resource(
        args.urn,
        args.resource_type,
        args.name,
        Props(args.props),
        bool(getattr(args.opts, "protect", False)),
        Props(provider.props) if provider is not None else None,
    )


def _by_type(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    """Rules by the request type they concern: their own types, and the aws-native types judged
    as one of them (those get the rules of every type they can be judged as)."""
    index: dict[str, list[Rule]] = {}
    for rule in rules:
        for type_ in rule.types:
            index.setdefault(type_, []).append(rule)
    for native_type, equivalents in native.equivalent_types(frozenset(index)).items():
        index[native_type] = list(dict.fromkeys(rule for type_ in equivalents for rule in index.get(type_, ())))
    return index


class ResourceRules(ResourceValidationPolicy):
    """A registered resource policy: its rules, dispatched by resource type over one view.

    :meth:`judge` is the whole policy; the SDK reaches it through ``validate`` with the props it
    decoded, ``rdsguard.analyzer`` directly with a view decoding only what the rules read.
    """

    def __init__(self, rules: Iterable[Rule], **common: Any) -> None:
        rules = tuple(rules)
        self.by_type = _by_type(rules)
        self.fixes = _by_type(rule for rule in rules if rule.fix is not None)
        super().__init__(validate=self._validate, remediate=self._remediate if self.fixes else None, **common)

    def judge(self, resource: Resource, settings: Settings, report: ReportViolation) -> None:
        if resource.type not in self.by_type:
            return
        resource = native.adapt(resource)
        for rule in self.by_type.get(resource.type, ()):
            if settings.exempt(rule.id, resource):
                continue
            for found in _run(lambda rule=rule: rule.check(resource, settings)):
                text = _failure(found) if isinstance(found, Exception) else found
                report(_message(rule, resource, text) + settings.lapsed(rule.id, resource), None)

    def _validate(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type in self.by_type:
            self.judge(resource_view(args), Settings.read(args.get_config(), args.urn), report)

    def _remediate(self, args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        if args.resource_type not in self.fixes:
            return None
        resource = native.adapt(resource_view(args))
        settings = Settings.read(args.get_config(), args.urn)
        fixed = False
        for rule in self.fixes.get(resource.type, ()):
            found = _run(lambda rule=rule: rule.check(resource, settings))
            violated = any(isinstance(text, str) for text in found)
            if rule.fix and violated and not settings.exempt(rule.id, resource):
                # Writing through the SDK proxy keeps secret markers on the other properties; an
                # aws-native resource is written under its own property names.
                rule.fix(native.writable(args.resource_type, args.props), settings)  # type: ignore[arg-type]
                fixed = True
        return args.props if fixed else None


Dependencies = Callable[[str], Iterable[str]] | None
"""A resource's ``propertyDependencies``: the URNs a property's value came from (``None``: none)."""


def _elsewhere(urn: str) -> Resource:
    """A bare view of a resource the rules do not read, from its URN
    (``urn:pulumi:<stack>::<project>::<parent types$>type::<name>``)."""
    parts = urn.split("::", 3)
    type_, name = (parts[2].rsplit("$", 1)[-1], parts[3]) if len(parts) == 4 else ("", urn)
    return Resource(urn, type_, name, Props(None))


def follow(views: Mapping[str, Resource], urns: Callable[[str], Iterable[str]], prop: str) -> tuple[Resource, ...]:
    """The views ``prop``'s value came from. A resource of a type no rule reads stays in as a bare
    view: that a value came from something (a stack reference, a parameter) says it is not unset."""
    found = urns(prop)
    return tuple(views.get(urn) or _elsewhere(urn) for urn in found) if found else ()


def linked_stack(resources: Iterable[tuple[Resource, Dependencies]]) -> Stack:
    """The views, each ``deps`` resolving its property dependencies to the other views when a rule
    follows one (a URN seen twice keeps its first place and its last view, as the SDK resolves it).
    A view's link is one ``partial`` over the shared URN index, not a closure and cache of its own:
    rules follow a property about once, and a large stack holds thousands of views.

    Views and the stack's URN index refer to each other, so use the stack as a context manager:
    leaving it unlinks them, and the request they read is freed when the call ends rather than
    at the next cyclic garbage collection (each call would otherwise hold a request's memory)."""
    views: dict[str, Resource] = {}
    for view, urns in resources:
        if urns is not None:
            view.deps = partial(follow, views, urns)
        if view.type in native.SHAPES:  # after linking: its dependencies are read under its own names
            view = native.adapt(view)
        views[view.urn] = view
    stack = Stack(views.values())
    stack.by_urn = views  # the same mapping, now released with the stack
    return stack


def _sdk_dependencies(resource: PolicyResource) -> Dependencies:
    dependencies = resource.property_dependencies
    if not dependencies:
        return None
    return lambda prop: [source.urn for source in dependencies.get(prop, ())]


def stack_view(args: StackValidationArgs, types: frozenset[str]) -> Stack:
    """Views of the SDK-decoded resources the rules care about, linked through ``propertyDependencies``."""
    return linked_stack(
        (
            Resource(
                r.urn,
                r.resource_type,
                r.name,
                Props(r.props),
                bool(getattr(r.opts, "protect", False)),
                Props(r.provider.props) if r.provider is not None else None,
            ),
            _sdk_dependencies(r),
        )
        for r in args.resources
        if r.resource_type in types
    )


# Stack rules follow keys, their policies and sources through these types besides the ones they judge.
_LINKED_TYPES = frozenset({*KEY_POLICIES, ALIAS})


class StackRules(StackValidationPolicy):
    """The registered stack policy: its rules over one indexed :class:`Stack` of the resources
    they judge or follow. :meth:`judge` is the whole policy (see :class:`ResourceRules`)."""

    def __init__(self, rules: Iterable[Rule], **common: Any) -> None:
        self.rules = tuple(rules)
        types = frozenset(t for rule in self.rules for t in rule.types) | _LINKED_TYPES
        self.types = types | frozenset(native.equivalent_types(types))
        super().__init__(validate=self._validate, **common)

    def judge(self, stack: Stack, settings: Settings, report: ReportViolation) -> None:
        for rule in self.rules:
            for found in _run(lambda rule=rule: rule.check(stack, settings)):
                if isinstance(found, Exception):
                    report(f"[{rule.id}] {_failure(found)}", None)
                    continue
                resource, text = found
                if not settings.exempt(rule.id, resource):
                    report(_message(rule, resource, text) + settings.lapsed(rule.id, resource), resource.urn)

    def _validate(self, args: StackValidationArgs, report: ReportViolation) -> None:
        # Any URN of the stack: its name decides whether it is production.
        settings = Settings.read(args.get_config(), args.resources[0].urn if args.resources else "")
        with stack_view(args, self.types) as stack:
            self.judge(stack, settings, report)


def _severity(rules: Iterable[Rule]) -> Severity:
    return Severity(max((rule.severity for rule in rules), key=SEVERITIES.index))


def _schema(rules: Iterable[Rule]) -> PolicyConfigSchema:
    names = ["exemptions", *sorted({name for rule in rules for name in rule.config})]
    return PolicyConfigSchema(properties={name: CONFIG_PROPERTIES[name] for name in names})


def _remediation_steps(rules: Iterable[Rule]) -> str:
    return "\n".join(f"{rule.id}: {rule.remediation}" for rule in rules)


def build_policies() -> list[Policy]:
    """The registered policies, in a stable order. Constructing them starts no server."""
    policies: list[Policy] = []
    for name, (level, description) in _POLICIES.items():
        rules = rules_of(name)
        common: dict[str, Any] = {
            "name": name,
            "description": description,
            "enforcement_level": level,
            "config_schema": _schema(rules),
            "severity": _severity(rules),
            "remediation_steps": _remediation_steps(rules),
            "tags": ["aws", "rds", "kms", "encryption"],
            "url": rules[0].url,
        }
        policies.append(StackRules(rules, **common) if name == PLACEMENT else ResourceRules(rules, **common))
    return policies
