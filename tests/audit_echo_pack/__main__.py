"""A policy pack that reports, as advisory violations, exactly what each call delivered to it.

Each message is JSON: the phase ("analyze" or "stack"), the resource's type, URN, properties and
options, and its provider's type and properties, as ``pulumi_policy`` decoded them (unknown values
are the SDK's sentinel strings; secrets arrive decoded). A remediation that needs
``masterUserPassword`` gives up when that value is unknown, which the engine reports as advisory.
"""

import json

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError


def raw(props):
    """Plain values behind the SDK's unknown-checking proxies (reading through them would raise)."""
    return serialize_properties(props) if props is not None else None


def seen(phase, resource_type, urn, props, opts, provider):
    return json.dumps(
        {
            "phase": phase,
            "type": resource_type,
            "urn": urn,
            "props": raw(props),
            "options": {"protect": opts.protect, "additionalSecretOutputs": list(opts.additional_secret_outputs)},
            "provider": {"type": provider.resource_type, "props": raw(provider.props)} if provider else None,
        },
        default=str,
    )


def echo_resource(args, report):
    report(seen("analyze", args.resource_type, args.urn, args.props, args.opts, args.provider))


def echo_stack(args, report):
    for r in args.resources:
        report(seen("stack", r.resource_type, r.urn, r.props, r.opts, r.provider), r.urn)


def read_password(args):
    # Remediate's secrets-preserving proxy hands unknowns over without raising; give up explicitly.
    if args.props.get("masterUserPassword") == UNKNOWN_STRING_VALUE:
        raise UnknownValueError(UNKNOWN_STRING_VALUE, ["masterUserPassword"])


PolicyPack(
    name="audit-echo",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(name="echo-resource", description="echo", validate=echo_resource),
        StackValidationPolicy(name="echo-stack", description="echo", validate=echo_stack),
        ResourceValidationPolicy(
            name="echo-remediate",
            description="reads the password",
            remediate=read_password,
            enforcement_level=EnforcementLevel.REMEDIATE,
        ),
    ],
)
