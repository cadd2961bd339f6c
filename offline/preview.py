"""Offline preview: run the real program for a stack under Pulumi's mock runtime and print its plan.

    python -m offline.preview --stack prod

No AWS account and no Pulumi CLI are needed. Exits 2 when the configuration is invalid (with the
validation message) and 0 otherwise.
"""

import argparse
import sys
from typing import Any

from offline.runtime import ProgramError, RecordedResource, StackRun, run_stack

# The inputs that tell whether and how a resource is encrypted, placed and protected.
SHOWN_INPUTS = (
    "engine",
    "instanceClass",
    "region",
    "storageEncrypted",
    "kmsKeyId",
    "manageMasterUserPassword",
    "masterUserSecretKmsKeyId",
    "performanceInsightsEnabled",
    "performanceInsightsKmsKeyId",
    "publiclyAccessible",
    "multiAz",
    "backupRetentionPeriod",
    "deletionProtection",
    "skipFinalSnapshot",
    "replicateSourceDb",
    "sourceDbInstanceArn",
    "sourceDbSnapshotIdentifier",
    "sharedAccounts",
    "enableKeyRotation",
    "rotationPeriodInDays",
    "deletionWindowInDays",
    "keyUsage",
    "customerMasterKeySpec",
    "multiRegion",
    "name",
    "targetKeyId",
)
BANNER = (
    "OFFLINE PREVIEW of stack '{stack}': the real program under Pulumi's mock runtime. No AWS call was made;\n"
    "AWS-computed values (ARNs, ids, endpoints, secret ARNs) are deterministic placeholders."
)


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _describe_inputs(resource: RecordedResource, names_by_urn: dict[str, str]) -> list[str]:
    described = []
    for key in SHOWN_INPUTS:
        if key not in resource.inputs or resource.inputs[key] in (None, ""):
            continue
        text = f"{key}={_format_value(resource.inputs[key])}"
        sources = [names_by_urn.get(urn, urn) for urn in resource.property_dependencies.get(key, [])]
        if sources:
            text += f" (from {', '.join(sources)})"
        described.append(text)
    return described


def render_plan(run: StackRun) -> str:
    names_by_urn = {r.urn: r.name for r in run.resources}
    children: dict[str, list[RecordedResource]] = {}
    for resource in run.resources:
        parent = resource.parent if resource.parent in names_by_urn else ""
        children.setdefault(parent, []).append(resource)

    lines = [BANNER.format(stack=run.stack), "", f"Resources to create ({len(run.resources)}):"]

    def walk(parent: str, depth: int) -> None:
        for resource in sorted(children.get(parent, []), key=lambda r: (r.custom, r.name)):
            options = [
                flag
                for flag, on in (("protect", resource.protect), ("retainOnDelete", resource.retain_on_delete))
                if on
            ]
            indent = "    " * depth
            lines.append(
                f"{indent}+ {resource.type}  {resource.name}" + (f"  [{', '.join(options)}]" if options else "")
            )
            lines.extend(f"{indent}      {text}" for text in _describe_inputs(resource, names_by_urn))
            walk(resource.urn, depth + 1)

    walk("", 0)
    lines += ["", "Outputs:"]
    lines += [f"    {name}: {_format_value(value)}" for name, value in run.outputs.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to use (default: dev)")
    arguments = parser.parse_args(argv)
    try:
        run = run_stack(arguments.stack)
    except ProgramError as failure:
        print(f"OFFLINE PREVIEW of stack '{arguments.stack}' failed:\n{failure.error}", file=sys.stderr)
        return 2
    print(render_plan(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
