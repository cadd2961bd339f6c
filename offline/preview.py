"""Offline preview: run a Pulumi Python program for a stack under Pulumi's mock runtime and print its plan.

    python -m offline.preview --stack prod                          # this repository's program
    python -m offline.preview --program ../orders-infra --stack dev # any Pulumi Python program

No AWS account and no Pulumi CLI are needed. The program runs with its own project name, its
Pulumi.yaml config defaults and its Pulumi.<stack>.yaml, as the CLI would run it; the policy pack in
policies/ then judges the plan through the same gRPC protocol the Pulumi engine uses. Exit codes:
0 no mandatory violation; 1 a mandatory policy is violated; 2 the program could not run (invalid
configuration, no Pulumi.<stack>.yaml, an error in the program, bad arguments). A pre-merge gate that
needs no AWS credentials.
"""

import os
import sys
from pathlib import Path
from typing import Any

from offline.policy_gate import PolicyPackProcess, Verdicts, recorded_to_resources
from offline.runtime import (
    ENCRYPTED_PLACEHOLDER,
    ROOT,
    RecordedResource,
    StackRun,
    project_file,
    run_stack,
    run_stack_for,
    stack_command,
    stack_file,
)

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
    "OFFLINE PREVIEW of stack '{stack}' of project '{project}' in {directory}/\n"
    "The program ran under Pulumi's mock runtime: no AWS call was made, and AWS-computed values (ARNs, ids,\n"
    "endpoints, secret ARNs) are deterministic placeholders."
)
DATABASES = ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster")


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


def password_mode(inputs: dict[str, Any]) -> str:
    """How a database's master password is kept, from its inputs (never its value)."""
    if inputs.get("manageMasterUserPassword"):
        return "secrets-manager (RDS generates, keeps and rotates it in Secrets Manager)"
    for key in ("passwordWo", "masterPasswordWo"):
        if key in inputs:
            return f"write-only ({key}, applied when {key}Version changes; now {_format_value(inputs.get(f'{key}Version'))})"
    for key in ("password", "masterPassword"):
        if key in inputs:
            return f"plain input {key} (kept in the state's inputs; prefer manageMasterUserPassword or {key}Wo)"
    if inputs.get("replicateSourceDb"):
        return "the source's (a read replica has no master password of its own)"
    if inputs.get("snapshotIdentifier"):
        return "the snapshot's (restored as it was)"
    if inputs.get("globalClusterIdentifier"):
        return "the global database's (a secondary cluster has no master password of its own)"
    return "none set"


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
    if resource.type in DATABASES:
        described.append(f"password={password_mode(resource.inputs)}")
    return described


def render_plan(run: StackRun, directory: str) -> str:
    by_urn = {r.urn: r for r in run.resources}
    children: dict[str, list[RecordedResource]] = {}
    for resource in run.resources:
        parent = resource.parent if resource.parent in by_urn else ""
        children.setdefault(parent, []).append(resource)

    lines = [BANNER.format(stack=run.stack, project=run.project, directory=directory)]
    encrypted = sorted(key for key, value in run.config.items() if value == ENCRYPTED_PLACEHOLDER)
    if encrypted:
        lines.append(f"Encrypted config the program saw as '{ENCRYPTED_PLACEHOLDER}': {', '.join(encrypted)}")
    lines += ["", f"Resources to create ({len(run.resources)}):"]

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
    lines += [f"    {name}: {_format_value(value)}" for name, value in run.outputs.items()] or ["    (none)"]
    return "\n".join(lines)


def judge(run: StackRun) -> Verdicts:
    with PolicyPackProcess(pack_dir=str(ROOT / "policies")) as pack:
        return pack.analyze_stack(
            recorded_to_resources(run.resources), stack=run.stack, project=run.project, dry_run=True
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


def _config_overrides(pairs: list[str], project: str) -> dict[str, str]:
    """``-c key=value`` as ``pulumi preview -c`` takes it: a key without a namespace is the project's."""
    overrides = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        overrides[key if ":" in key else f"{project}:{key}"] = value
    return overrides


def _not_runnable(stack: str, directory: Path, pairs: list[str]) -> str | None:
    """Why the program cannot be run as asked, before running it."""
    if not (directory / "Pulumi.yaml").exists():
        return f"{os.path.relpath(directory)} has no Pulumi.yaml: --program names a Pulumi project directory"
    path = stack_file(stack, directory)
    if not path.exists():
        stacks = sorted(
            found.name.removeprefix("Pulumi.").removesuffix(".yaml") for found in path.parent.glob("Pulumi.*.yaml")
        )
        return (
            f"{os.path.relpath(path)} does not exist: this project has no settings for a stack '{stack}' "
            f"(stacks with settings here: {', '.join(stacks) or 'none'}). Preview one of those, or create it "
            f"(pulumi stack init {stack}, then pulumi config set <key> <value> for each required key)."
        )
    malformed = [pair for pair in pairs if not pair.partition("=")[0] or "=" not in pair]
    if malformed:
        return f"-c {malformed[0]}: expected KEY=VALUE, for example -c aws:region=eu-west-1"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = stack_command(__doc__.splitlines()[0])
    parser.add_argument(
        "--program", type=Path, default=ROOT, help="Pulumi Python program directory (default: this one)"
    )
    parser.add_argument(
        "-c", "--config", action="append", default=[], metavar="KEY=VALUE", help="config value overriding the stack's"
    )
    arguments = parser.parse_args(argv)
    directory, stack = arguments.program.resolve(), arguments.stack
    if problem := _not_runnable(stack, directory, arguments.config):
        print(f"OFFLINE PREVIEW of stack '{stack}' failed:\n{problem}", file=sys.stderr)
        return 2
    overrides = _config_overrides(arguments.config, project_file(directory)["name"])
    run = run_stack_for("OFFLINE PREVIEW", stack, lambda name: run_stack(name, overrides, directory=directory))
    if run is None:
        return 2
    print(render_plan(run, os.path.relpath(directory)))
    verdicts = judge(run)
    print(render_verdicts(verdicts))
    return 1 if verdicts.mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
