"""The registered policies: one dispatcher per enforcement level, many named rules each.

Why few registered policies: for *every* registered resource policy, ``pulumi_policy`` decodes
the request's properties again (``MessageToDict`` + deserialize + unknown-checking proxy) before
calling the validator, whether or not the resource type concerns it; for every stack policy it
decodes the whole stack again. With one policy per rule (~20) that cost dominates. Rules are
therefore grouped by enforcement level (the one thing a registered policy fixes per violation)
and dispatched by resource type over one shared, decoded view. Each message starts with
``[rule-id]`` so rules keep stable, visible names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import key_usage, kms_keys, rds_databases, replicas, snapshots
from .props import Props
from .rule import (
    ALIAS,
    AT_REST,
    DEFAULT_MIN_DELETION_WINDOW,
    DEFAULT_PRODUCTION_MIN_DELETION_WINDOW,
    DEFAULT_PRODUCTION_PATTERN,
    HYGIENE,
    KEYS,
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
)

CONFIG_PROPERTIES: dict[str, dict[str, Any]] = {
    "exemptions": {
        "type": "array",
        "default": [],
        "description": "Resources (URN or logical name) exempt from some or all rules of this "
        "policy. Every exemption needs a reason; entries without one are ignored.",
        "items": {
            "type": "object",
            "properties": {
                "resource": {"type": "string"},
                "rules": {"type": "array", "items": {"type": "string"}},
                "reason": {"type": "string", "minLength": 1},
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
    return f"[{rule.id}] {resource.label}: {text}"


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
    index: dict[str, list[Rule]] = {}
    for rule in rules:
        for type_ in rule.types:
            index.setdefault(type_, []).append(rule)
    return index


def resource_validator(rules: Iterable[Rule]) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    by_type = _by_type(rules)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        applicable = by_type.get(args.resource_type)
        if not applicable:
            return
        resource = resource_view(args)
        settings = Settings.read(args.get_config(), args.urn)
        for rule in applicable:
            if settings.exempt(rule.id, resource):
                continue
            for found in _run(lambda rule=rule: rule.check(resource, settings)):
                text = _failure(found) if isinstance(found, Exception) else found
                report(_message(rule, resource, text), None)

    return validate


def resource_remediation(rules: Iterable[Rule]) -> Callable[[ResourceValidationArgs], Mapping[str, Any] | None]:
    by_type = _by_type(rule for rule in rules if rule.fix is not None)

    def remediate(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        resource = resource_view(args)
        settings = Settings.read(args.get_config(), args.urn)
        fixed = False
        for rule in by_type.get(args.resource_type, ()):
            found = _run(lambda rule=rule: rule.check(resource, settings))
            violated = any(isinstance(text, str) for text in found)
            if rule.fix and violated and not settings.exempt(rule.id, resource):
                # Writing through the SDK proxy keeps secret markers on the other properties.
                rule.fix(args.props, settings)  # type: ignore[arg-type]
                fixed = True
        return args.props if fixed else None

    return remediate


def stack_view(args: StackValidationArgs, types: frozenset[str]) -> Stack:
    """Views of the resources the rules care about, linked through ``propertyDependencies``."""
    views: dict[str, Resource] = {}

    def linker(dependencies: Mapping[str, list[Any]]) -> Callable[[str], list[Resource]]:
        def deps(prop: str) -> list[Resource]:
            return [views[d.urn] for d in dependencies.get(prop, ()) if d.urn in views]

        return deps

    for r in args.resources:
        if r.resource_type in types:
            views[r.urn] = Resource(
                r.urn,
                r.resource_type,
                r.name,
                Props(r.props),
                bool(getattr(r.opts, "protect", False)),
                Props(r.provider.props) if r.provider is not None else None,
                linker(r.property_dependencies or {}),
            )
    return Stack(views.values())


# Stack rules follow keys and sources through these types besides the ones they judge.
_LINKED_TYPES = frozenset({*KEYS, ALIAS})


def stack_validator(rules: Iterable[Rule]) -> Callable[[StackValidationArgs, ReportViolation], None]:
    rules = tuple(rules)
    types = frozenset(t for rule in rules for t in rule.types) | _LINKED_TYPES

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        stack = stack_view(args, types)
        urn = args.resources[0].urn if args.resources else ""
        settings = Settings.read(args.get_config(), urn)
        for rule in rules:
            for found in _run(lambda rule=rule: rule.check(stack, settings)):
                if isinstance(found, Exception):
                    report(f"[{rule.id}] {_failure(found)}", None)
                    continue
                resource, text = found
                if not settings.exempt(rule.id, resource):
                    report(_message(rule, resource, text), resource.urn)

    return validate


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
        if name == PLACEMENT:
            policies.append(StackValidationPolicy(validate=stack_validator(rules), **common))
        elif any(rule.fix for rule in rules):
            policies.append(
                ResourceValidationPolicy(
                    validate=resource_validator(rules),
                    remediate=resource_remediation(rules),
                    **common,
                )
            )
        else:
            policies.append(ResourceValidationPolicy(validate=resource_validator(rules), **common))
    return policies
