"""Audit existing stacks with the policy pack, as it would judge them on their next update.

    python -m offline.audit STATE.json [STATE.json ...] [--policy-config FILE] [--json FILE] [--sarif FILE]

Each file is a ``pulumi stack export`` (or a DIY backend's stack file). The pack is spawned as the
engine spawns it and driven over the engine's gRPC protocol, the way an update with an unchanged
program drives it (pulumi/pulumi pkg/resource/deploy/step_generator.go): per resource Remediate on
its inputs, then Analyze on the remediated inputs; then one AnalyzeStack on every resource's
outputs; each call with the resource's provider and its inputs. Findings are listed per stack and
rule, with the compliance controls each rule enforces, and written as JSON and SARIF 2.1.0 on request.

Exit codes: 0 when no stack would be blocked; 1 when some stack has a mandatory violation (its
next update would fail); 2 when a file could not be audited, or on a usage or configuration error
(2 wins: an audit with a missing stack proves nothing about it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from offline.policy_gate import PolicyPackProcess, Violation, pack_module
from offline.state import PROVIDER_PREFIX, StackState, StateFileError, read_state

RULES = pack_module("rdsguard").RULES
RULES_BY_ID = {rule.id: rule for rule in RULES}
LEVELS = ("mandatory", "advisory", "remediate")
ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
SARIF_LEVEL = {"mandatory": "error", "advisory": "warning", "remediate": "note", "disabled": "none"}
# GitHub code scanning reads "security-severity" (0-10) to rank security results.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def controls_of(rule_id: str) -> tuple[str, ...]:
    rule = RULES_BY_ID.get(rule_id)
    return rule.controls if rule else ()


class ConfigError(Exception):
    """A policy config file that is not what ``--policy-pack-config`` accepts."""


@dataclass(frozen=True)
class Finding:
    rule: str
    policy: str
    level: str  # mandatory | advisory | remediate (the next update fixes it itself)
    urn: str
    resource: str  # "Instance 'reporting-db'", or "stack"
    message: str

    @property
    def controls(self) -> tuple[str, ...]:
        return controls_of(self.rule)


@dataclass
class StackReport:
    state: StackState
    findings: list[Finding] = field(default_factory=list)
    remediations: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # urn -> prop -> change

    @property
    def would_block(self) -> bool:
        return any(f.level == "mandatory" for f in self.findings)

    def count(self, rule: str, level: str) -> int:
        return sum(1 for f in self.findings if f.rule == rule and f.level == level)


@dataclass
class AuditReport:
    pack: str
    version: str
    levels: dict[str, str]  # policy -> enforcement level the audit ran with
    stacks: list[StackReport] = field(default_factory=list)
    errors: list[StateFileError] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if any(s.would_block for s in self.stacks) else 0


# --- policy config ---------------------------------------------------------------------------------


def read_policy_config(path: str, policies: Iterable[str]) -> dict[str, dict[str, Any]]:
    """A ``--policy-pack-config`` file as per-policy overrides, read as the engine reads it
    (pulumi/pulumi pkg/resource/analyzer/config.go): a policy maps to an enforcement level or to an
    object of properties with an optional ``enforcementLevel``; ``all`` sets every policy's level."""
    policies = list(policies)
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8") or "{}")
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read as JSON ({error})") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected an object of policy names")
    problems, overrides = [], {}
    for name, value in raw.items():
        if name not in (*policies, "all"):
            problems.append(f"`{name}` is not a policy of the pack (policies: {', '.join(policies)}, or all)")
            continue
        entry = {"enforcementLevel": value} if isinstance(value, str) else value
        if not isinstance(entry, dict):
            problems.append(f"`{name}`: expected an enforcement level or an object, got {value!r}")
            continue
        level = entry.get("enforcementLevel")
        if level is not None and level not in ENFORCEMENT_LEVELS:
            problems.append(f"`{name}`: enforcementLevel {level!r} is not one of {', '.join(ENFORCEMENT_LEVELS)}")
            continue
        overrides[name] = dict(entry)
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    everything = overrides.pop("all", {})
    if "enforcementLevel" in everything:
        for name in policies:
            overrides[name] = {"enforcementLevel": everything["enforcementLevel"], **overrides.get(name, {})}
    return overrides


# --- running the pack ------------------------------------------------------------------------------


def _finding(violation: Violation, state: StackState, level: str | None = None) -> Finding:
    text = violation.message.split("\n", 1)[-1]
    text = text.split("] ", 1)[1] if text.startswith(f"[{violation.rule}] ") else text
    label = state.label(violation.urn)
    return Finding(
        rule=violation.rule,
        policy=violation.policy,
        level=level or violation.level,
        urn=violation.urn,
        resource=label,
        message=text.removeprefix(f"{label}: "),
    )


def _number(value: Any) -> Any:
    # The protocol carries every number as a double; 30.0 days reads better as 30.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        key: {"from": before.get(key), "to": _number(value)}
        for key, value in after.items()
        if not key.startswith("__") and before.get(key) != value
    }


def audit_stack(pack: PolicyPackProcess, state: StackState) -> StackReport:
    """One stack, as its next update would see it."""
    verdicts = pack.analyze_stack(state.resources, stack=state.stack, project=state.project, dry_run=False)
    report = StackReport(state, [_finding(v, state) for v in verdicts.violations])
    by_urn = {r["urn"]: r for r in state.resources}
    providers = {urn: r for urn, r in by_urn.items() if r["type"].startswith(PROVIDER_PREFIX)}
    for urn, policies in verdicts.remediated_by.items():
        # The update applies these fixes before Analyze, so they block nothing. Analyze on the
        # original inputs names the rules they fix (only for the report; verdicts stay the engine's).
        report.findings += [
            _finding(v, state, level="remediate") for v in pack.analyze(by_urn[urn], providers) if v.policy in policies
        ]
        report.remediations[urn] = _changes(by_urn[urn]["inputs"], verdicts.remediated[urn])
    return report


def audit(
    paths: Iterable[str], pack: PolicyPackProcess, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> AuditReport:
    """Every readable file audited with the pack configured by ``overrides`` (``read_policy_config``)
    over its defaults; unreadable files reported, without stopping the others."""
    assert pack.info is not None
    overrides = overrides or {}
    pack.configure(overrides)
    levels = {
        name: overrides.get(name, {}).get("enforcementLevel", values["enforcementLevel"])
        for name, values in pack.defaults().items()
    }
    # The engine reports the version in PulumiPolicy.yaml over the one the pack states.
    manifest = yaml.safe_load((pack.pack_dir / "PulumiPolicy.yaml").read_text()) or {}
    version = str(manifest.get("version") or pack.info.version)
    report = AuditReport(pack=pack.info.name, version=version, levels=levels)
    for path in paths:
        try:
            state = read_state(path)
        except StateFileError as error:
            report.errors.append(error)
            continue
        report.stacks.append(audit_stack(pack, state))
    return report


# --- the summary table -----------------------------------------------------------------------------


_CATALOGUE_ORDER = {rule.id: index for index, rule in enumerate(RULES)}


def _rule_order(rule: str) -> tuple[int, str]:
    return (_CATALOGUE_ORDER.get(rule, len(_CATALOGUE_ORDER)), rule)


def render_stack(stack: StackReport) -> list[str]:
    state = stack.state
    lines = [f"{state.path}: stack '{state.stack}' of project '{state.project}' ({state.shape})"]
    counts = {level: sum(1 for f in stack.findings if f.level == level) for level in LEVELS}
    verdict = "WOULD BLOCK the next update" if stack.would_block else "passes"
    lines.append(
        f"  {len(state.resources)} resources audited: {verdict} ({counts['mandatory']} mandatory, "
        f"{counts['advisory']} advisory, {counts['remediate']} fixed by the update's remediation)"
    )
    skipped = [f"awaiting deletion (not audited): {urn}" for urn in state.deleted]
    skipped += [f"pending operation (not audited): {operation}" for operation in state.pending]
    lines += [f"  {text}" for text in skipped]
    for urn, fields in state.encrypted.items():
        lines.append(f"  encrypted secrets, judged as unknown values: {state.label(urn)}: {', '.join(fields)}")
    for urn, (region, source) in state.regions.items():
        lines.append(f"  provider {urn.rsplit('::', 1)[-1]}: region {region or '-'} ({source})")
    rules = sorted({f.rule for f in stack.findings}, key=_rule_order)
    if rules:
        width = max(len(r) for r in [*rules, "Rule"])
        lines.append(f"  {'Rule':<{width}}  Mandatory  Advisory  Remediated  Controls")
        for rule in rules:
            controls = ", ".join(controls_of(rule))
            numbers = [stack.count(rule, level) for level in LEVELS]
            lines.append(f"  {rule:<{width}}  {numbers[0]:>9}  {numbers[1]:>8}  {numbers[2]:>10}  {controls or '-'}")
        for finding in sorted(stack.findings, key=lambda f: (LEVELS.index(f.level), _rule_order(f.rule))):
            lines.append(f"    {finding.level.upper():9} {finding.rule}: {finding.resource}: {finding.message}")
    for urn, changes in stack.remediations.items():
        fixes = ", ".join(f"{key} {change['from']!r} -> {change['to']!r}" for key, change in changes.items())
        lines.append(f"    the update would remediate {state.label(urn)}: {fixes}")
    return lines


def render(report: AuditReport) -> str:
    lines = [
        f"Audit with policy pack {report.pack} {report.version}, as on each stack's next update "
        "(Remediate and Analyze per resource, AnalyzeStack on the outputs).",
        "",
    ]
    for stack in report.stacks:
        lines += [*render_stack(stack), ""]
    for error in report.errors:
        lines.append(f"NOT AUDITED {error}")
    blocked = [s for s in report.stacks if s.would_block]
    lines.append(
        f"{len(report.stacks)} stack(s) audited, {len(blocked)} would be blocked"
        + (f" ({', '.join(s.state.stack for s in blocked)})" if blocked else "")
        + f"; {len(report.errors)} file(s) could not be audited."
    )
    return "\n".join(lines)


# --- JSON and SARIF ----------------------------------------------------------------------------------


def _rule_json(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.id,
        "policy": rule.policy,
        "severity": rule.severity,
        "summary": rule.summary,
        "url": rule.url,
        "controls": list(rule.controls),
        "controlsNote": rule.controls_note,
    }


def to_json(report: AuditReport) -> dict[str, Any]:
    stacks = []
    for stack in report.stacks:
        state = stack.state
        stacks.append(
            {
                "file": state.path,
                "format": state.shape,
                "stack": state.stack,
                "project": state.project,
                "resources": len(state.resources),
                "wouldBlock": stack.would_block,
                "notAudited": {"awaitingDeletion": state.deleted, "pendingOperations": state.pending},
                "encryptedFields": state.encrypted,
                "providerRegions": {
                    urn: {"region": region, "source": source} for urn, (region, source) in state.regions.items()
                },
                "findings": [
                    {
                        "rule": f.rule,
                        "policy": f.policy,
                        "level": f.level,
                        "severity": RULES_BY_ID[f.rule].severity if f.rule in RULES_BY_ID else None,
                        "controls": list(f.controls),
                        "urn": f.urn,
                        "resource": f.resource,
                        "message": f.message,
                        "resourceHasEncryptedFields": f.urn in state.encrypted,
                    }
                    for f in stack.findings
                ],
                "remediations": stack.remediations,
            }
        )
    return {
        "pack": {"name": report.pack, "version": report.version},
        "exitCode": report.exit_code,
        "stacks": stacks,
        "errors": [{"file": e.path, "problems": e.problems} for e in report.errors],
        "rules": [_rule_json(rule) for rule in RULES],
    }


def _artifact_uri(path: str) -> str:
    candidate = Path(path)
    return candidate.resolve().as_uri() if candidate.is_absolute() else candidate.as_posix()


def _descriptor(rule: Any, levels: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.summary},
        "helpUri": rule.url,
        "help": {"text": rule.remediation},
        "defaultConfiguration": {"level": SARIF_LEVEL[levels[rule.policy]]},
        "properties": {
            "tags": ["security", "encryption", *rule.controls],
            "controls": list(rule.controls),
            "controlsNote": rule.controls_note,
            "policy": rule.policy,
            "severity": rule.severity,
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def _result(finding: Finding, state: StackState) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.rule}
    if finding.rule in _CATALOGUE_ORDER:
        result["ruleIndex"] = _CATALOGUE_ORDER[finding.rule]  # the rule's place in tool.driver.rules
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _artifact_uri(state.path)},
            "region": {"startLine": state.lines.get(finding.urn, 1)},
        }
    }
    if finding.urn:
        name = finding.urn.split("::", 3)[-1]
        location["logicalLocations"] = [{"name": name, "fullyQualifiedName": finding.urn, "kind": "resource"}]
    result |= {
        "level": SARIF_LEVEL[finding.level],
        "message": {"text": f"{finding.resource}: {finding.message}"},
        "locations": [location],
        "partialFingerprints": {"pulumiUrnRule/v1": f"{finding.urn or state.stack}|{finding.rule}"},
        "properties": {
            "stack": state.stack,
            "project": state.project,
            "enforcementLevel": finding.level,
            "controls": list(finding.controls),
            "resourceHasEncryptedFields": finding.urn in state.encrypted,
        },
    }
    return result


def to_sarif(report: AuditReport) -> dict[str, Any]:
    """SARIF 2.1.0 (the format code scanning tools read): one run, every rule with its controls."""
    notifications = [
        {
            "level": "error",
            "message": {"text": str(error)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _artifact_uri(error.path)}}}],
        }
        for error in report.errors
    ]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": report.pack,
                        "version": report.version,
                        "rules": [_descriptor(rule, report.levels) for rule in RULES],
                    }
                },
                "invocations": [
                    {"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}
                ],
                "artifacts": [{"location": {"uri": _artifact_uri(s.state.path)}} for s in report.stacks],
                "results": [_result(f, s.state) for s in report.stacks for f in s.findings],
            }
        ],
    }


# --- command line ------------------------------------------------------------------------------------


def _write(path: str, document: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="`pulumi stack export` files or DIY backend stack files")
    parser.add_argument("--policy-config", help="policy pack config, as for `--policy-pack-config`")
    parser.add_argument("--json", help="write the findings as JSON to this file")
    parser.add_argument("--sarif", help="write the findings as SARIF 2.1.0 to this file")
    arguments = parser.parse_args(argv)
    with PolicyPackProcess() as pack:
        assert pack.info is not None
        try:
            overrides = (
                read_policy_config(arguments.policy_config, (p.name for p in pack.info.policies))
                if arguments.policy_config
                else {}
            )
        except ConfigError as error:
            print(error, file=sys.stderr)
            return 2
        report = audit(arguments.files, pack, overrides)
    if arguments.json:
        _write(arguments.json, to_json(report))
    if arguments.sarif:
        _write(arguments.sarif, to_sarif(report))
    print(render(report))
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
