"""Run the CrossGuard policy pack over resources exactly as the Pulumi engine does, without the CLI.

    with PolicyPackProcess("policies") as pack:
        verdicts = pack.analyze_stack(resources, stack="prod", project="encrypted-rds")
    verdicts.mandatory  # -> the violations that would block `pulumi up`

The pack is spawned as ``python -u -m pulumi.policy <engine-address> <pack-dir>`` (what the
engine's python analyzer plugin runs), its port is read from stdout, and it is driven over the
Analyzer gRPC protocol: GetAnalyzerInfo, Configure (schema defaults plus overrides, the way the
engine sends them), ConfigureStack, then per resource Remediate and Analyze (on the remediated
properties) and one AnalyzeStack over the whole stack. A minimal Engine service answers the
pack's log calls.

Resources are plain dicts (``urn, type, name, properties|inputs, outputs, parent, provider,
dependencies, propertyDependencies|property_dependencies, protect``, and as in a checkpoint
``external, ignoreChanges, additionalSecretOutputs, aliases, customTimeouts``) or objects with
those attributes (``offline.runtime.RecordedResource``).

What each call carries follows the engine (pulumi/pulumi pkg/resource/deploy/step_generator.go and
pkg/resource/plugin/analyzer_plugin.go): Remediate and Analyze get the resource's inputs, AnalyzeStack
its outputs; every call gets the resource's provider with the provider's inputs; top-level internal
keys (``__defaults``) reach Remediate only; resources the program merely reads (``external``) get
no per-resource call but are part of AnalyzeStack.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PACK = ROOT / "policies"
_LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES = {name: value for value, name in _LEVELS.items()}
_MAX_MESSAGE = 400 * 1024 * 1024


@dataclass(frozen=True)
class Violation:
    policy: str  # the registered policy (what the engine shows)
    rule: str  # the rule id inside it ("[rule-id]" prefix of the message), or the policy name
    level: str  # mandatory | advisory | remediate
    urn: str
    message: str

    def __str__(self) -> str:
        text = self.message.split("\n", 1)[-1]
        return f"{self.level.upper():9} {self.rule}: {text}"


@dataclass(frozen=True)
class Remediation:
    properties: dict[str, Any] | None  # after every remediation; None if no policy changed them
    policies: list[str]  # the policies that changed them, in order
    advisories: list[Violation]  # remediations that could not run, reported as advisory like the engine does


@dataclass
class Verdicts:
    violations: list[Violation] = field(default_factory=list)
    remediated: dict[str, dict[str, Any]] = field(default_factory=dict)  # urn -> properties
    remediated_by: dict[str, list[str]] = field(default_factory=dict)  # urn -> policies that changed them

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "advisory"]

    def rules(self, level: str | None = None) -> set[str]:
        return {v.rule for v in self.violations if level is None or v.level == level}


def pack_module(name: str) -> ModuleType:
    """A module of the pack (``rdsguard.props``), imported as the engine imports it: from the pack's folder."""
    if str(DEFAULT_PACK) not in sys.path:
        sys.path.insert(0, str(DEFAULT_PACK))
    return importlib.import_module(name)


class _Engine(engine_pb2_grpc.EngineServicer):
    """Just enough of the engine for a pack: it may log (e.g. a failing `__main__.py`)."""

    def __init__(self) -> None:
        self.logs: list[str] = []

    def Log(self, request, context):  # noqa: N802 (gRPC method name)
        self.logs.append(request.message)
        return empty_pb2.Empty()


def _field(resource: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = resource.get(name) if isinstance(resource, Mapping) else getattr(resource, name, None)
        if value is not None:
            return value
    return default


def _plain(value: Any) -> Any:
    """JSON-able form of a property value (Struct accepts nothing else)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def _struct(properties: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_plain(properties))
    return struct


def _public(properties: Mapping[str, Any]) -> dict[str, Any]:
    # The engine marshals Analyze and AnalyzeStack properties with SkipInternalKeys: top-level keys
    # starting with "__" (a bridged provider's "__defaults") stay out; Remediate gets them.
    return {key: value for key, value in properties.items() if not str(key).startswith("__")}


def _timeouts(resource: Any) -> analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts | None:
    timeouts = _field(resource, "customTimeouts")
    if not isinstance(timeouts, Mapping):
        return None
    return analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
        **{op: float(timeouts[op]) for op in ("create", "update", "delete") if timeouts.get(op)}
    )


def provider_urn(reference: str) -> str:
    # Provider references are "<provider urn>::<provider id>".
    return reference.rsplit("::", 1)[0] if reference.count("::") > 3 else reference


def engine_environment(
    project: str, stack: str, dry_run: bool, config: Mapping[str, str] | None = None, organization: str = ""
) -> dict[str, str]:
    """What the engine adds to a policy pack's environment at launch (pkg/resource/plugin/
    analyzer_plugin.go ``constructEnv``): the stack's config as a JSON object of strings (secrets
    decrypted), and the organization, project, stack and whether it is a preview. Empty values
    are left out, as the engine leaves them out."""
    found = {
        "PULUMI_CONFIG": json.dumps(dict(config)) if config else "",
        "PULUMI_ORGANIZATION": organization,
        "PULUMI_PROJECT": project,
        "PULUMI_STACK": stack,
        "PULUMI_DRY_RUN": "true" if dry_run else "false",
    }
    return {name: value for name, value in found.items() if value}


class PolicyPackProcess:
    """A policy pack served over gRPC by a child process, driven like the Pulumi engine drives it
    (``environment``: what the engine adds to its environment, see :func:`engine_environment`)."""

    def __init__(
        self,
        pack_dir: str | os.PathLike[str] = DEFAULT_PACK,
        config: Mapping[str, Mapping[str, Any]] | None = None,
        python: str = sys.executable,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.config = dict(config or {})
        self.python = python
        self.environment = dict(environment or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.info: analyzer_pb2.AnalyzerInfo | None = None
        self.engine = _Engine()
        self.startup_seconds = 0.0

    # --- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> PolicyPackProcess:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._engine_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self._engine_server)
        engine_port = self._engine_server.add_insecure_port("127.0.0.1:0")
        self._engine_server.start()
        began = time.perf_counter()
        self.process = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.policy", f"127.0.0.1:{engine_port}", str(self.pack_dir)],
            cwd=self.pack_dir,
            env={**os.environ, **self.environment},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.process.kill()
            stderr = self.process.communicate()[1].decode()
            raise RuntimeError(f"policy pack did not start: {line!r}\n{stderr}")
        self.channel = grpc.insecure_channel(
            f"127.0.0.1:{line}",
            options=[("grpc.max_receive_message_length", _MAX_MESSAGE), ("grpc.max_send_message_length", _MAX_MESSAGE)],
        )
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), wait_for_ready=True)
        self.startup_seconds = time.perf_counter() - began
        self.configure(self.config)

    def stop(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()
        if getattr(self, "_engine_server", None) is not None:
            self._engine_server.stop(0)

    # --- configuration -----------------------------------------------------------------------------

    def defaults(self) -> dict[str, dict[str, Any]]:
        """Every policy's enforcement level and schema defaults, as the engine computes them."""
        assert self.info is not None
        result: dict[str, dict[str, Any]] = {}
        for policy in self.info.policies:
            properties = json_format.MessageToDict(policy.configSchema.properties)
            values = {name: schema["default"] for name, schema in properties.items() if "default" in schema}
            result[policy.name] = {"enforcementLevel": _LEVELS[policy.enforcementLevel], **values}
        return result

    def configure(self, overrides: Mapping[str, Mapping[str, Any]]) -> None:
        """Configure with the defaults, each policy's entries replaced by ``overrides[policy]``."""
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, values in self.defaults().items():
            merged = {**values, **overrides.get(name, {})}
            level = _LEVEL_VALUES[merged.pop("enforcementLevel")]
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(enforcementLevel=level, properties=_struct(merged))
            )
        self.stub.Configure(request)

    def configure_stack(self, stack: str, project: str, dry_run: bool) -> None:
        self.stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack, project=project, organization="organization", dry_run=dry_run
            )
        )

    # --- requests ------------------------------------------------------------------------------------

    def _resource(self, resource: Any, properties: Mapping[str, Any], providers: Mapping[str, Any]) -> dict:
        fields: dict[str, Any] = {
            "type": _field(resource, "type", default=""),
            "urn": _field(resource, "urn", default=""),
            "name": _field(resource, "name", default=""),
            "properties": _struct(properties),
            "options": analyzer_pb2.AnalyzerResourceOptions(
                protect=bool(_field(resource, "protect", default=False)),
                parent=_field(resource, "parent", default=""),
                ignoreChanges=list(_field(resource, "ignoreChanges", default=[])),
                additionalSecretOutputs=list(_field(resource, "additionalSecretOutputs", default=[])),
                aliases=list(_field(resource, "aliases", default=[])),
                customTimeouts=_timeouts(resource),
            ),
        }
        provider = providers.get(provider_urn(_field(resource, "provider", default="")))
        if provider is not None:
            fields["provider"] = analyzer_pb2.AnalyzerProviderResource(
                type=_field(provider, "type"),
                urn=_field(provider, "urn"),
                name=_field(provider, "name"),
                properties=_struct(_public(_inputs(provider))),
            )
        return fields

    def analyze_request(self, resource: Any, providers: Mapping[str, Any] | None = None) -> analyzer_pb2.AnalyzeRequest:
        return analyzer_pb2.AnalyzeRequest(**self._resource(resource, _public(_inputs(resource)), providers or {}))

    def remediate_request(
        self, resource: Any, providers: Mapping[str, Any] | None = None
    ) -> analyzer_pb2.AnalyzeRequest:
        return analyzer_pb2.AnalyzeRequest(**self._resource(resource, _inputs(resource), providers or {}))

    def analyze_stack_request(self, resources: Iterable[Any]) -> analyzer_pb2.AnalyzeStackRequest:
        resources = list(resources)
        providers = providers_of(resources)
        stack_resources = []
        for resource in resources:
            fields = self._resource(resource, _public(_outputs(resource)), providers)
            property_deps = _field(resource, "propertyDependencies", "property_dependencies", default={})
            stack_resources.append(
                analyzer_pb2.AnalyzerResource(
                    **fields,
                    parent=_field(resource, "parent", default=""),
                    dependencies=list(_field(resource, "dependencies", default=[])),
                    propertyDependencies={
                        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                        for key, urns in property_deps.items()
                        if urns
                    },
                )
            )
        return analyzer_pb2.AnalyzeStackRequest(resources=stack_resources)

    def analyze(self, resource: Any, providers: Mapping[str, Any] | None = None) -> list[Violation]:
        response = self.stub.Analyze(self.analyze_request(resource, providers))
        return list(_violations(response, _field(resource, "urn", default="")))

    def remediation(self, resource: Any, providers: Mapping[str, Any] | None = None) -> Remediation:
        response = self.stub.Remediate(self.remediate_request(resource, providers))
        changed = [r for r in response.remediations if r.HasField("properties")]
        urn = _field(resource, "urn", default="")
        advisories = [
            Violation(policy=r.policyName, rule=r.policyName, level="advisory", urn=urn, message=r.diagnostic)
            for r in response.remediations
            if r.diagnostic
        ]
        return Remediation(
            properties=json_format.MessageToDict(changed[-1].properties) if changed else None,
            policies=[r.policyName for r in changed],
            advisories=advisories,
        )

    def remediate(self, resource: Any, providers: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """The properties after every remediation, or ``None`` if no policy changed them."""
        return self.remediation(resource, providers).properties

    def analyze_stack(
        self,
        resources: Iterable[Any],
        stack: str = "dev",
        project: str = "encrypted-rds",
        dry_run: bool = True,
    ) -> Verdicts:
        """What ``pulumi preview``/``up`` with this pack would report for the stack: remediations,
        per-resource verdicts on the remediated inputs, then the stack verdicts."""
        resources = list(resources)
        providers = providers_of(resources)
        self.configure_stack(stack, project, dry_run)
        verdicts = Verdicts()
        for resource in resources:
            if _field(resource, "external", default=False):
                continue  # a read resource: no Remediate or Analyze step, only part of AnalyzeStack
            remediation = self.remediation(resource, providers)
            verdicts.violations += remediation.advisories
            if remediation.properties is not None:
                urn = _field(resource, "urn", default="")
                verdicts.remediated[urn] = remediation.properties
                verdicts.remediated_by[urn] = remediation.policies
                resource = {**_as_dict(resource), "inputs": remediation.properties, "properties": None}
            verdicts.violations += self.analyze(resource, providers)
        response = self.stub.AnalyzeStack(self.analyze_stack_request(resources))
        verdicts.violations += _violations(response, "")
        return verdicts


def _as_dict(resource: Any) -> dict[str, Any]:
    if isinstance(resource, Mapping):
        return dict(resource)
    names = ("urn", "type", "name", "parent", "provider", "dependencies", "protect", "outputs")
    result = {name: getattr(resource, name, None) for name in names}
    result["propertyDependencies"] = getattr(resource, "property_dependencies", {})
    return result


def _inputs(resource: Any) -> Mapping[str, Any]:
    return _field(resource, "properties", "inputs", default={})


def _outputs(resource: Any) -> Mapping[str, Any]:
    # "AnalyzeStack is called on the final outputs of each resource" (step_generator.go).
    return _field(resource, "outputs", default={})


def providers_of(resources: Iterable[Any]) -> dict[str, Any]:
    """The provider resources among ``resources``, by URN (what ``provider`` references name)."""
    return {
        _field(r, "urn"): r for r in resources if str(_field(r, "type", default="")).startswith("pulumi:providers:")
    }


def _violations(response: analyzer_pb2.AnalyzeResponse, default_urn: str) -> Iterator[Violation]:
    for diagnostic in response.diagnostics:
        text = diagnostic.message.split("\n", 1)[-1]
        rule = text[1 : text.index("]")] if text.startswith("[") and "]" in text else diagnostic.policyName
        yield Violation(
            policy=diagnostic.policyName,
            rule=rule,
            level=_LEVELS.get(diagnostic.enforcementLevel, "advisory"),
            urn=diagnostic.urn or default_urn,
            message=diagnostic.message,
        )


def recorded_to_resources(recorded: Iterable[Any]) -> list[dict[str, Any]]:
    """``offline.runtime.RecordedResource`` objects as the plain dicts this module sends.

    Kept separate so callers can inspect or adjust a stack before evaluation (e.g. mark values
    unknown to simulate a preview).
    """
    return [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "provider": r.provider,
            "inputs": dict(r.inputs),
            "outputs": dict(r.outputs),
            "dependencies": list(r.dependencies),
            "propertyDependencies": {k: list(v) for k, v in r.property_dependencies.items()},
            "protect": r.protect,
        }
        for r in recorded
    ]
