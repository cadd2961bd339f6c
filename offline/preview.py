"""Offline preview: run the real program for a stack under Pulumi's mock runtime and print its plan.

    python -m offline.preview --stack prod

No AWS account and no Pulumi CLI are needed. The policy pack in policies/ then judges the plan
through the same gRPC protocol the Pulumi engine uses. Exits 2 when the configuration is invalid
(with the validation message), 1 when a mandatory policy is violated, and 0 otherwise: a pre-merge
gate that needs no AWS credentials.
"""

import sys
from typing import Any

from offline.policy_gate import PolicyPackProcess, Verdicts, recorded_to_resources
from offline.runtime import ROOT, RecordedResource, StackRun, project_file, run_stack, run_stack_for, stack_command

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


def _inherited_key(resource: RecordedResource, by_urn: dict[str, RecordedResource]) -> str | None:
    """A same-region replica sends no key: AWS encrypts it with its source's key. Say which."""
    if resource.inputs.get("kmsKeyId") or not resource.inputs.get("replicateSourceDb"):
        return None
    for source_urn in resource.property_dependencies.get("replicateSourceDb", []):
        source = by_urn.get(source_urn)
        if source and source.inputs.get("kmsKeyId"):
            key_names = [by_urn[urn].name for urn in source.property_dependencies.get("kmsKeyId", []) if urn in by_urn]
            return f"kmsKeyId=(the source's key, inherited) {source.inputs['kmsKeyId']} (from {', '.join(key_names)})"
    return None


def _describe_inputs(resource: RecordedResource, by_urn: dict[str, RecordedResource]) -> list[str]:
    described = [text] if (text := _inherited_key(resource, by_urn)) else []
    for key in SHOWN_INPUTS:
        if key not in resource.inputs or resource.inputs[key] in (None, ""):
            continue
        text = f"{key}={_format_value(resource.inputs[key])}"
        sources = [by_urn[urn].name if urn in by_urn else urn for urn in resource.property_dependencies.get(key, [])]
        if sources:
            text += f" (from {', '.join(sources)})"
        described.append(text)
    return described


def render_plan(run: StackRun) -> str:
    by_urn = {r.urn: r for r in run.resources}
    children: dict[str, list[RecordedResource]] = {}
    for resource in run.resources:
        parent = resource.parent if resource.parent in by_urn else ""
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
            lines.extend(f"{indent}      {text}" for text in _describe_inputs(resource, by_urn))
            walk(resource.urn, depth + 1)

    walk("", 0)
    lines += ["", "Outputs:"]
    lines += [f"    {name}: {_format_value(value)}" for name, value in run.outputs.items()]
    return "\n".join(lines)


def judge(run: StackRun) -> Verdicts:
    with PolicyPackProcess(pack_dir=str(ROOT / "policies")) as pack:
        return pack.analyze_stack(
            recorded_to_resources(run.resources), stack=run.stack, project=project_file()["name"], dry_run=True
        )


def render_verdicts(verdicts: Verdicts) -> str:
    lines = ["", "Policy pack (policies/, over the engine's gRPC protocol):"]
    if not verdicts.violations:
        lines.append("    no violations")
    names = {v.urn: v.urn.rsplit("::", 1)[-1] for v in verdicts.violations}
    lines += [f"    {violation} [{names[violation.urn] or 'stack'}]" for violation in verdicts.violations]
    lines.append(
        f"    {len(verdicts.mandatory)} mandatory, {len(verdicts.advisory)} advisory violation(s); "
        f"{len(verdicts.remediated)} resource(s) would be remediated"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    arguments = stack_command(__doc__.splitlines()[0]).parse_args(argv)
    run = run_stack_for("OFFLINE PREVIEW", arguments.stack, run_stack)
    if run is None:
        return 2
    print(render_plan(run))
    verdicts = judge(run)
    print(render_verdicts(verdicts))
    return 1 if verdicts.mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
