"""Read Pulumi state files as the resources the engine hands a policy pack on the next update.

Two shapes hold the same deployment (pulumi/pulumi sdk/go/common/apitype/core.go):

- ``pulumi stack export``: ``{"version": 3, "deployment": DeploymentV3}`` (``UntypedDeployment``;
  version 4 when the deployment uses newer features, with the same resource fields);
- a DIY backend's stack file (``.pulumi/stacks/<project>/<stack>.json``):
  ``{"version": 3, "checkpoint": {"stack", "config", "latest": DeploymentV3}}``.

``DeploymentV3`` has ``manifest``, ``secrets_providers``, ``resources``, ``pending_operations`` and
``metadata``; each ``ResourceV3`` has ``urn``, ``custom``, ``delete``, ``id``, ``type``, ``inputs``,
``outputs``, ``parent``, ``protect``, ``external``, ``dependencies``, ``provider`` (``<provider
urn>::<provider id>``), ``propertyDependencies``, ``additionalSecretOutputs``, ``aliases``,
``customTimeouts``, ``ignoreChanges`` and more. Resources marked ``delete`` (replaced, awaiting
deletion) and pending operations (interrupted creates, updates, deletes) are not part of the next
update's stack and are skipped, as ``pulumi policy analyze`` skips them.

Secrets are ``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ...}``
with either ``plaintext`` (JSON text, from ``--show-secrets``) or ``ciphertext`` (readable only with
the stack's secrets provider). Plaintext is decoded and sent as a secret, as the engine sends it;
ciphertext cannot be read offline, so it is sent as an unknown secret (what the pack sees of a
value it cannot know) and listed, so a reader knows which verdicts rest on unreadable fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from offline.policy_gate import pack_module, provider_urn

arn_region = pack_module("rdsguard.props").arn_region

SUPPORTED_VERSIONS = (3, 4)
PROVIDER_PREFIX = "pulumi:providers:"
_URN_LINE = re.compile(r'"urn"\s*:\s*"([^"]+)"')


class StateFileError(Exception):
    """A state file that cannot be audited; the message names the file and every problem found."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass
class StackState:
    path: str
    shape: str  # "export" or "checkpoint" (a DIY backend stack file)
    stack: str
    project: str
    organization: str
    resources: list[dict[str, Any]]  # as offline.policy_gate sends them
    encrypted: dict[str, list[str]] = field(default_factory=dict)  # urn -> unreadable fields
    deleted: list[str] = field(default_factory=list)  # urns awaiting deletion, not audited
    pending: list[str] = field(default_factory=list)  # "<operation> <urn>", not audited
    regions: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # provider urn -> (region, source)
    lines: dict[str, int] = field(default_factory=dict)  # urn -> line of its "urn" in the file

    def label(self, urn: str) -> str:
        resource = next((r for r in self.resources if r["urn"] == urn), None)
        return f"{resource['type'].rsplit(':', 1)[-1]} '{resource['name']}'" if resource else "stack"


def read_state(path: str | Path) -> StackState:
    """The stack in a state file, ready to send to a policy pack; ``StateFileError`` if it is not one."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StateFileError(name, [f"cannot be read ({error})"]) from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise StateFileError(
            name, [f"is not JSON ({error.msg} at line {error.lineno}, column {error.colno})"]
        ) from error
    shape, deployment, qualified_stack = _deployment(name, document)
    problems: list[str] = []
    encrypted: dict[str, list[str]] = {}
    resources, deleted = [], []
    raw_resources = deployment.get("resources")
    raw_resources = [] if raw_resources is None else raw_resources
    if not isinstance(raw_resources, list):
        raise StateFileError(name, ["`resources` is not a list"])
    for index, raw in enumerate(raw_resources):
        fields: list[str] = []
        resource = _resource(raw, f"resources[{index}]", problems, fields)
        if resource is None:
            continue
        if raw.get("delete"):
            deleted.append(resource["urn"])  # the replaced copy; its replacement has the same URN
            continue
        resources.append(resource)
        if fields:
            encrypted[resource["urn"]] = fields
    pending = [
        f"{op.get('type', '?')} {op['resource'].get('urn', '?')}"
        for op in deployment.get("pending_operations") or []
        if isinstance(op, dict) and isinstance(op.get("resource"), dict)
    ]
    if problems:
        raise StateFileError(name, problems)
    stack, project = _stack_and_project(resources, qualified_stack)
    organization = qualified_stack.split("/")[0] if qualified_stack.count("/") == 2 else "organization"
    return StackState(
        path=name,
        shape=shape,
        stack=stack,
        project=project,
        organization=organization,
        resources=resources,
        encrypted=encrypted,
        deleted=deleted,
        pending=pending,
        regions=_resolve_regions(resources),
        lines=_urn_lines(text),
    )


def _deployment(name: str, document: Any) -> tuple[str, dict[str, Any], str]:
    if not isinstance(document, dict):
        raise StateFileError(name, ["expected a JSON object as `pulumi stack export` writes"])
    version = document.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise StateFileError(
            name,
            [f"`version` is {version!r}; expected 3 or 4, as a current `pulumi stack export` writes"],
        )
    if "deployment" in document:
        deployment, shape, qualified = document["deployment"], "export", ""
    elif "checkpoint" in document:
        checkpoint = document["checkpoint"]
        if not isinstance(checkpoint, dict):
            raise StateFileError(name, ["`checkpoint` is not an object"])
        deployment, shape = checkpoint.get("latest") or {}, "checkpoint"
        qualified = checkpoint.get("stack") if isinstance(checkpoint.get("stack"), str) else ""
    else:
        raise StateFileError(
            name,
            ["has neither `deployment` (`pulumi stack export`) nor `checkpoint` (a DIY backend stack file)"],
        )
    if not isinstance(deployment, dict):
        raise StateFileError(name, ["the deployment is not an object"])
    return shape, deployment, qualified


def _resource(raw: Any, where: str, problems: list[str], encrypted: list[str]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} is not an object")
        return None
    urn, type_ = raw.get("urn"), raw.get("type")
    if not isinstance(urn, str) or not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
        problems.append(f"{where}: `urn` is {urn!r}; expected urn:pulumi:<stack>::<project>::<type>::<name>")
        return None
    if not isinstance(type_, str) or not type_:
        problems.append(f"{where} ({urn}): `type` is missing")
        return None
    where = f"{where} ({urn})"
    bags = {}
    for bag in ("inputs", "outputs"):
        value = raw.get(bag) or {}
        if not isinstance(value, dict):
            problems.append(f"{where}: `{bag}` is not an object")
            return None
        bags[bag] = _reveal(value, bag, encrypted, problems, where)
    return {
        "urn": urn,
        "type": type_,
        "name": urn.split("::", 3)[3],  # what the engine sends as the name (URN.Name())
        "custom": bool(raw.get("custom")),
        "id": raw.get("id", ""),
        "parent": raw.get("parent", ""),
        "provider": raw.get("provider", ""),
        "inputs": bags["inputs"],
        "outputs": bags["outputs"],
        "dependencies": list(raw.get("dependencies") or []),
        # Values may be null in state: a property that depends on nothing.
        "propertyDependencies": {k: list(v or []) for k, v in (raw.get("propertyDependencies") or {}).items()},
        "protect": bool(raw.get("protect")),
        "external": bool(raw.get("external")),
        "ignoreChanges": list(raw.get("ignoreChanges") or []),
        "additionalSecretOutputs": list(raw.get("additionalSecretOutputs") or []),
        "aliases": list(raw.get("aliases") or []),
        "customTimeouts": raw.get("customTimeouts") or {},
    }


def _reveal(value: Any, path: str, encrypted: list[str], problems: list[str], where: str) -> Any:
    """State values as the engine sends them: secrets in the wire form ``{sig, "value"}``."""
    if isinstance(value, list):
        return [_reveal(item, f"{path}[{i}]", encrypted, problems, where) for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if value.get(SPECIAL_SIG_KEY) != SPECIAL_SECRET_SIG:
        return {key: _reveal(item, f"{path}.{key}", encrypted, problems, where) for key, item in value.items()}
    ciphertext, plaintext = value.get("ciphertext"), value.get("plaintext")
    if isinstance(ciphertext, str) == isinstance(plaintext, str):
        problems.append(f"{where} {path}: a secret needs exactly one of `ciphertext` or `plaintext` (a string)")
        return None
    if isinstance(ciphertext, str):
        encrypted.append(path)
        return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": UNKNOWN_STRING_VALUE}
    try:
        decoded = json.loads(plaintext)
    except json.JSONDecodeError:
        problems.append(f"{where} {path}: the secret's `plaintext` is not JSON text")
        return None
    return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": _reveal(decoded, path, encrypted, problems, where)}


def _stack_and_project(resources: list[dict[str, Any]], qualified_stack: str) -> tuple[str, str]:
    root = next((r for r in resources if r["type"] == "pulumi:pulumi:Stack"), resources[0] if resources else None)
    if root is not None:
        head, project = root["urn"].split("::")[:2]
        return head.removeprefix("urn:pulumi:"), project
    parts = qualified_stack.split("/")
    return parts[-1], parts[-2] if len(parts) > 1 else ""


def _resolve_regions(resources: list[dict[str, Any]]) -> dict[str, tuple[str | None, str]]:
    """Each provider's region, and where it was found; filled into the provider's inputs when the
    inputs lack it (a default provider configured by environment or profile) so region rules can
    judge the stack."""
    users: dict[str, set[str]] = {}
    for resource in resources:
        if isinstance(resource["inputs"].get("region"), str):
            continue  # a v7 per-resource region says nothing about the provider's
        region = arn_region(resource["outputs"].get("arn"))
        if region and resource["provider"]:
            users.setdefault(provider_urn(resource["provider"]), set()).add(region)
    regions: dict[str, tuple[str | None, str]] = {}
    for provider in (r for r in resources if r["type"].startswith(PROVIDER_PREFIX)):
        inputs, outputs = provider["inputs"], provider["outputs"]
        if isinstance(inputs.get("region"), str) and inputs["region"]:
            regions[provider["urn"]] = (inputs["region"], "inputs")
            continue
        if isinstance(outputs.get("region"), str) and outputs["region"]:
            region, source = outputs["region"], "outputs"
        elif len(users.get(provider["urn"], ())) == 1:
            region, source = next(iter(users[provider["urn"]])), "the ARNs of its resources"
        else:
            regions[provider["urn"]] = (None, "not recorded: region rules abstain")
            continue
        provider["inputs"] = {**inputs, "region": region}
        regions[provider["urn"]] = (region, source)
    return regions


def _urn_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _URN_LINE.search(line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines
