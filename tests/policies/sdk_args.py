"""Call the pack's policies in-process with arguments shaped exactly like the SDK builds them.

Props are wrapped in ``unknown_checking_proxy`` (so a rule that touches an unknown raises, as it
would under the engine), numbers are floats and names camelCase. Violations come back as
``(rule id, level, urn, message)``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any, NamedTuple

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

# The engine runs the pack from inside its folder, so its package is importable from there only.
PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))
rdsguard = importlib.import_module("rdsguard")
RULES = rdsguard.RULES
build_policies = rdsguard.build_policies

POLICIES = build_policies()
ACCOUNT = "123456789012"


class Found(NamedTuple):
    rule: str
    level: str
    urn: str
    message: str


def _options(protect: bool, parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def _provider(region: str | None) -> PolicyProviderResource | None:
    if region is None:
        return None
    props = unknown_checking_proxy({"region": region})
    return PolicyProviderResource(
        "pulumi:providers:aws", props, "urn:pulumi:prod::p::pulumi:providers:aws::default", "default"
    )


def _rule(message: str, policy: str) -> str:
    return message[1 : message.index("]")] if message.startswith("[") else policy


def urn_of(type_: str, name: str = "subject", stack: str = "prod") -> str:
    return f"urn:pulumi:{stack}::encrypted-rds::{type_}::{name}"


def analyze(
    type_: str,
    props: dict[str, Any],
    *,
    stack: str = "dev",
    config: dict[str, dict[str, Any]] | None = None,
    protect: bool = False,
    provider_region: str | None = None,
) -> list[Found]:
    """Every resource policy's verdict on one resource, as ``Analyze`` would produce it."""
    found: list[Found] = []
    for policy in POLICIES:
        if not isinstance(policy, ResourceValidationPolicy):
            continue
        args = ResourceValidationArgs(
            type_,
            unknown_checking_proxy(props),
            urn_of(type_, stack=stack),
            "subject",
            _options(protect),
            _provider(provider_region),
            (config or {}).get(policy.name),
        )

        def report(message: str, urn: str | None = None, policy: Any = policy) -> None:
            found.append(Found(_rule(message, policy.name), policy.enforcement_level.value, urn or "", message))

        policy.validate(args, report)
    return found


def remediate(type_: str, props: dict[str, Any], *, stack: str = "prod") -> dict[str, Any] | None:
    for policy in POLICIES:
        if isinstance(policy, ResourceValidationPolicy) and policy.has_remediation():
            args = ResourceValidationArgs(
                type_, dict(props), urn_of(type_, stack=stack), "subject", _options(True), None, None
            )
            result = policy.remediate(args)
            if result is not None:
                return dict(result)
    return None


def stack_resources(resources: list[dict[str, Any]], provider_region: str | None = "us-east-1") -> list[PolicyResource]:
    """Fixture dicts as the SDK's ``PolicyResource`` graph (outputs as props, linked deps)."""
    built: dict[str, PolicyResource] = {}
    for r in resources:
        props = {**r.get("inputs", {}), **r.get("outputs", {})}
        built[r["urn"]] = PolicyResource(
            r["type"],
            unknown_checking_proxy(props),
            r["urn"],
            r["name"],
            _options(bool(r.get("protect"))),
            _provider(provider_region),
            None,
            [],
            {},
        )
    for r in resources:
        built[r["urn"]].property_dependencies = {
            prop: [built[u] for u in urns if u in built] for prop, urns in r.get("propertyDependencies", {}).items()
        }
    return list(built.values())


def analyze_stack(
    resources: list[dict[str, Any]],
    *,
    config: dict[str, dict[str, Any]] | None = None,
    provider_region: str | None = "us-east-1",
) -> list[Found]:
    found: list[Found] = []
    for policy in POLICIES:
        if not isinstance(policy, StackValidationPolicy):
            continue
        args = StackValidationArgs(stack_resources(resources, provider_region), (config or {}).get(policy.name))

        def report(message: str, urn: str | None = None, policy: Any = policy) -> None:
            found.append(Found(_rule(message, policy.name), policy.enforcement_level.value, urn or "", message))

        policy.validate(args, report)
    return found


def rules(found: list[Found]) -> set[str]:
    return {f.rule for f in found}


def key_arn(region: str = "us-east-1", key_id: str = "1234abcd-12ab-34cd-56ef-1234567890ab") -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"
