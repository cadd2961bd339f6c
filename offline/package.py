"""The component package driven the way the Pulumi engine drives it, without the CLI.

When a TypeScript, Go, C# or YAML stack declares a component of the package, the engine starts the
plugin through the Python language host and talks to it over gRPC. ``PulumiEngine`` does the same,
step by step, from these sources (pulumi/pulumi):

- ``sdk/go/common/resource/plugin/provider_plugin.go`` (``NewProvider``): the plugin's arguments
  are the engine's address (``[host.ServerAddr()]``, plus ``--logtostderr``/``-v``/``--tracing``
  only when the user asks for them), its environment the engine's own plus ``PULUMI_RUNTIME_<OPTION>``
  for each runtime option of the consumer project, ``PULUMI_PROJECT`` (the consumer project's
  name) and ``PULUMI_CONFIG`` (the stack's configuration under the package's namespace, as JSON);
  it runs in the consumer project's directory. ``plugin.go`` (``ExecPlugin``, ``newPlugin``) reads
  the port from the first line the plugin prints, then calls ``Handshake`` (older providers answer
  UNIMPLEMENTED, which is accepted), ``GetPluginInfo`` and ``Configure``.
- ``sdk/python/cmd/pulumi-language-python/main.go`` (``RunPlugin``): a plugin directory with a
  ``__main__.py`` runs as ``python <plugin directory> <arguments>`` with the python of the virtualenv
  ``PulumiPlugin.yaml`` names (``venv``), whose ``bin`` leads ``PATH``, ``VIRTUAL_ENV`` set and
  ``PYTHONHOME`` removed (``toolchain.ActivateVirtualEnv``). Here that virtualenv is the one running
  the tests, pinned like ``components/requirements.txt``.
- ``provider_plugin.go`` (``Construct``): inputs marshalled with unknowns kept and, since the plugin's
  ``Configure`` accepts them, output values (a value, or none when unknown in a preview, with the
  URNs it came from); numbers are doubles; the resource monitor's address, the stack's config, the
  parent (the stack) and the resource options travel with the request.
- ``pkg/resource/deploy/source_eval.go``: the resource monitor the plugin registers children with
  (``RegisterResource``, ``RegisterResourceOutputs``, ``Invoke``, ``SupportsFeature`` and
  ``GetDeploymentInfo`` with the engine's feature list), and how a failed Construct's
  ``InputPropertiesError`` detail becomes the user's message (``errorToMessage``).

The monitor here answers like ``offline.runtime.AwsMocks``: in an update every AWS resource gets its
AWS-computed values; in a preview, like the real engine for resources to create, only its inputs
come back, so ARNs and endpoints stay unknown.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    errors_pb2,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
    status_pb2,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components.package import PACKAGE_NAME, build_provider  # noqa: E402
from offline.runtime import AwsMocks, RecordedResource  # noqa: E402

PLUGIN_DIRECTORY = ROOT / "components"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
#: What the engine's resource monitor says it supports (``supportsFeatureID``), by legacy name.
MONITOR_FEATURES = {
    "secrets": resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    "resourceReferences": resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    "outputValues": resource_pb2.RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES,
    "aliasSpecs": resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    "replacementTrigger": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER,
    "deletedWith": resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    "replaceWith": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACE_WITH,
    "transforms": resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
    "invokeTransforms": resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS,
    "parameterization": resource_pb2.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
    "resourceHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_HOOKS,
    "errorHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_ERROR_HOOKS,
    "sendsOptionsToHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_SENDS_OPTIONS_TO_HOOKS,
}
ALWAYS_SUPPORTED = [
    resource_pb2.RESOURCE_MONITOR_FEATURE_BYTE_STRING,
    resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_DEPENDS_ON,
    resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_PARENT,
]


@cache
def package_schema() -> dict[str, Any]:
    """The package schema, as ``pulumi package get-schema`` would print it for the plugin."""
    return json.loads(build_provider().schema or "{}")


def token(component: str | type) -> str:
    name = component if isinstance(component, str) else component.__name__
    return f"{PACKAGE_NAME}:index:{name}"


# Values on the wire ------------------------------------------------------------------------------


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


#: A value a preview does not know yet.
UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Secret:
    """A value marked secret on the wire."""

    value: Any


@dataclass(frozen=True)
class OutputValue:
    """Another resource's output as the engine hands it to Construct: its value (or UNKNOWN) and its origins."""

    value: Any
    dependencies: tuple[str, ...] = ()


def to_wire(value: Any, keep_output_values: bool, dependencies: set[str]) -> Any:
    """JSON-like form of ``value`` for a protobuf Struct; collects the URNs its outputs came from."""
    if isinstance(value, OutputValue):
        dependencies.update(value.dependencies)
        if not keep_output_values:
            return to_wire(value.value, keep_output_values, dependencies)
        wired: dict[str, Any] = {rpc._special_sig_key: rpc._special_output_value_sig}
        if value.value is not UNKNOWN:
            wired["value"] = to_wire(value.value, keep_output_values, dependencies)
        wired["dependencies"] = list(value.dependencies)
        return wired
    if value is UNKNOWN:
        return rpc.UNKNOWN
    if isinstance(value, Secret):
        return {
            rpc._special_sig_key: rpc._special_secret_sig,
            "value": to_wire(value.value, keep_output_values, dependencies),
        }
    if isinstance(value, Mapping):
        return {key: to_wire(item, keep_output_values, dependencies) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(item, keep_output_values, dependencies) for item in value]
    return value


def struct(values: Mapping[str, Any], keep_output_values: bool = False) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(to_wire(values, keep_output_values, set()))
    return message


def from_wire(message: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct the plugin sent, with unknowns, secrets and output values made explicit."""
    return _decoded(json_format.MessageToDict(message))


def _decoded(value: Any) -> Any:
    if value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    if not isinstance(value, dict):
        return value
    signature = value.get(rpc._special_sig_key)
    if signature == rpc._special_secret_sig:
        return Secret(_decoded(value["value"]))
    if signature == rpc._special_output_value_sig:
        inner = _decoded(value["value"]) if "value" in value else UNKNOWN
        inner = Secret(inner) if value.get("secret") else inner
        return OutputValue(inner, tuple(value.get("dependencies", ())))
    return {key: _decoded(item) for key, item in value.items()}


def plain(value: Any) -> Any:
    """``value`` with secrets and output values replaced by what they hold."""
    if isinstance(value, (Secret, OutputValue)):
        return plain(value.value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


# The resource monitor and the engine services ---------------------------------------------------


@dataclass
class Deployment:
    """What one preview or update registered: resources, component state, invokes, engine logs."""

    project: str
    stack: str
    preview: bool
    config: dict[str, str]
    resources: list[RecordedResource] = field(default_factory=list)
    #: RegisterResourceOutputs by URN: the state each component recorded.
    component_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    invokes: list[str] = field(default_factory=list)
    logs: list[tuple[int, str]] = field(default_factory=list)

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{ROOT_STACK_TYPE}::{self.project}-{self.stack}"

    def urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN: the parent's qualified type, ``$``, the type (the stack adds nothing)."""
        parent_type = parent.split("::")[2] if parent else ""
        qualified = type_ if parent_type in ("", ROOT_STACK_TYPE) else f"{parent_type}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

    def by_urn(self, urn: str) -> RecordedResource:
        return next(r for r in self.resources if r.urn == urn)

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def descendants(self, urn: str) -> list[RecordedResource]:
        children = [r for r in self.resources if r.parent == urn]
        return children + [d for child in children for d in self.descendants(child.urn)]


class _ResourceMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, engine: PulumiEngine) -> None:
        self.engine = engine
        self.lock = threading.Lock()

    def SupportsFeature(self, request, context):  # noqa: N802 (gRPC method names)
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in MONITOR_FEATURES)

    def GetDeploymentInfo(self, request, context):  # noqa: N802
        deployment = self.engine.deployment
        return resource_pb2.DeploymentInfo(
            project=deployment.project,
            stack=deployment.stack,
            organization="organization",
            config=deployment.config,
            dryRun=deployment.preview,
            supportedFeatures=[*MONITOR_FEATURES.values(), *ALWAYS_SUPPORTED],
        )

    def Invoke(self, request, context):  # noqa: N802
        deployment = self.engine.deployment
        with self.lock:
            deployment.invokes.append(request.tok)
        result = self.engine.mocks.call(MockCallArgs(request.tok, plain(from_wire(request.args)), request.provider))
        return resource_pb2.ResourceInvokeResponse(**{"return": struct(result)})

    def RegisterResource(self, request, context):  # noqa: N802
        deployment = self.engine.deployment
        urn = deployment.urn(request.parent, request.type, request.name)
        inputs = from_wire(request.object)
        resource_id, state = "", {}
        if request.custom and not deployment.preview:
            resource_id, state = self.engine.mocks.new_resource(
                MockResourceArgs(request.type, request.name, inputs, request.provider, request.importId, True)
            )
        elif request.custom:
            # A resource to create, in a preview: the engine knows only its inputs.
            state = inputs
        record = RecordedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=request.custom,
            inputs=inputs,
            provider=request.provider,
            dependencies=list(request.dependencies),
            property_dependencies={key: list(deps.urns) for key, deps in request.propertyDependencies.items()},
            protect=request.protect if request.HasField("protect") else False,
            retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else False,
            id=resource_id,
            outputs=state,
        )
        with self.lock:
            deployment.resources.append(record)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=struct(state))

    def RegisterResourceOutputs(self, request, context):  # noqa: N802
        deployment = self.engine.deployment
        with self.lock:
            deployment.component_outputs[request.urn] = from_wire(request.outputs)
        return empty_pb2.Empty()


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self, engine: PulumiEngine) -> None:
        self.engine = engine

    def Log(self, request, context):  # noqa: N802
        self.engine.deployment.logs.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn=self.engine.deployment.stack_urn)

    def SetRootResource(self, request, context):  # noqa: N802
        return engine_pb2.SetRootResourceResponse()


# The plugin and the Construct calls --------------------------------------------------------------


@dataclass
class Constructed:
    """The plugin's Construct response: the component's URN and its outputs by schema name."""

    urn: str
    outputs: dict[str, Any]
    output_dependencies: dict[str, list[str]]

    def output(self, name: str) -> OutputValue:
        """An output as the consumer's SDK passes it on: its value, from the component and its sources."""
        return OutputValue(plain(self.outputs.get(name, UNKNOWN)), (self.urn, *self.output_dependencies.get(name, [])))


class ConstructError(Exception):
    """Construct failed: the status message and, for bad inputs, each property's error."""

    def __init__(
        self, code: grpc.StatusCode, message: str, errors: list[tuple[str, str]], inputs: Mapping[str, Any]
    ) -> None:
        super().__init__("\n".join([message, *(f"  - {path}: {reason}" for path, reason in errors)]))
        self.code = code
        self.message = message
        self.errors = errors
        self.inputs = inputs

    def engine_message(self) -> str:
        """What the engine shows the user (``errorToMessage``): each property, its value and its problem."""
        lines = [self.message]
        for path, reason in self.errors:
            found, value = _at_path(plain(dict(self.inputs)), path)
            shown = f" with value '{_go_property_value(value)}'" if found else ""
            lines.append(f"\t\t- property {path}{shown} has a problem: {reason}")
        return "\n".join(lines)


def _at_path(value: Any, path: str) -> tuple[bool, Any]:
    """The value at a property path such as ``subnetIds[1]`` or ``tags["Team"]``, if there is one."""
    for name, index, key in re.findall(r'^(\w+)|\[(\d+)\]|\["([^"]*)"\]', path):
        step: Any = int(index) if index else (key if key or not name else name)
        if isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        elif isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return False, None
    return True, value


def _go_property_value(value: Any) -> str:
    """A value as the engine prints a ``resource.PropertyValue`` (``fmt.Sprintf("{%v}", v.V)``)."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, list):
        text = "[" + " ".join(_go_property_value(item) for item in value) + "]"
    elif isinstance(value, dict):
        text = "map[" + " ".join(f"{key}:{_go_property_value(item)}" for key, item in sorted(value.items())) + "]"
    else:
        text = str(value)
    return "{" + text + "}"


def _input_property_errors(error: grpc.RpcError) -> list[tuple[str, str]]:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                details = errors_pb2.InputPropertiesError()
                if detail.Unpack(details):
                    return [(e.property_path, e.reason) for e in details.errors]
    return []


class PulumiEngine:
    """Starts the plugin as the engine does, serves it a resource monitor, and sends it Construct calls."""

    def __init__(self, project_directory: Path, stack: str, config: Mapping[str, str]) -> None:
        project = yaml.safe_load((project_directory / "Pulumi.yaml").read_text())
        self.project_directory = project_directory
        self.project = project["name"]
        runtime = project["runtime"]
        self.runtime_options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
        self.stack = stack
        self.config = dict(config)
        self.mocks = AwsMocks(self.config.get("aws:region", "us-east-1"))
        self.deployment = Deployment(self.project, stack, False, self.config)
        self.stderr: list[str] = []
        self.accepts_outputs = False

    def plugin_command(self, engine_address: str) -> tuple[list[str], dict[str, str]]:
        """The plugin's command line and environment, as the engine and the language host build them."""
        environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONHOME", "VIRTUAL_ENV")}
        environment |= {f"PULUMI_RUNTIME_{key.upper()}": str(value) for key, value in self.runtime_options.items()}
        package_config = {
            key.split(":", 1)[1]: value for key, value in self.config.items() if key.startswith(f"{PACKAGE_NAME}:")
        }
        environment |= {"PULUMI_PROJECT": self.project, "PULUMI_CONFIG": json.dumps(package_config)}
        virtualenv = Path(sys.prefix)
        environment["PATH"] = f"{virtualenv / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
        environment["VIRTUAL_ENV"] = str(virtualenv)
        return [str(virtualenv / "bin" / "python"), str(PLUGIN_DIRECTORY), engine_address], environment

    @contextmanager
    def running(self, timeout: float = 60) -> Iterator[PulumiEngine]:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_ResourceMonitor(self), server)
        engine_pb2_grpc.add_EngineServicer_to_server(_Engine(self), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self.address = f"127.0.0.1:{port}"
        command, environment = self.plugin_command(self.address)
        process = subprocess.Popen(
            command,
            cwd=self.project_directory,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None and process.stderr is not None
        drain = threading.Thread(target=lambda: self.stderr.extend(process.stderr), daemon=True)  # type: ignore[union-attr]
        drain.start()
        try:
            plugin_port = process.stdout.readline().strip()
            if not plugin_port.isdigit():
                process.kill()
                drain.join(timeout)
                raise RuntimeError(f"the plugin wrote {plugin_port!r}, not its port:\n{''.join(self.stderr)}")
            with grpc.insecure_channel(f"127.0.0.1:{plugin_port}") as channel:
                grpc.channel_ready_future(channel).result(timeout=timeout)
                self.plugin = provider_pb2_grpc.ResourceProviderStub(channel)
                self._handshake()
                yield self
        finally:
            process.terminate()
            process.wait(timeout)
            server.stop(0)

    def _handshake(self) -> None:
        try:
            self.plugin.Handshake(
                provider_pb2.ProviderHandshakeRequest(
                    engine_address=self.address,
                    root_directory=str(PLUGIN_DIRECTORY),
                    program_directory=str(PLUGIN_DIRECTORY),
                    configure_with_urn=True,
                    supports_views=True,
                    invoke_with_preview=True,
                )
            )
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
        self.plugin_info = self.plugin.GetPluginInfo(empty_pb2.Empty())
        configured = self.plugin.Configure(
            provider_pb2.ConfigureRequest(
                args=struct_pb2.Struct(),
                acceptSecrets=True,
                acceptResources=True,
                urn=f"urn:pulumi:{self.stack}::{self.project}::pulumi:providers:{PACKAGE_NAME}::default",
                name="default",
                type=f"pulumi:providers:{PACKAGE_NAME}",
            )
        )
        assert configured.acceptSecrets, "plugins that construct components must support secrets"
        self.accepts_outputs = configured.acceptOutputs

    def schema(self) -> dict[str, Any]:
        return json.loads(self.plugin.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema)

    def start_deployment(self, *, preview: bool) -> Deployment:
        """A new preview or update: what it registers is recorded apart from earlier ones."""
        self.deployment = Deployment(self.project, self.stack, preview, self.config)
        return self.deployment

    def construct(
        self,
        component: str | type,
        name: str,
        inputs: Mapping[str, Any],
        *,
        protect: bool = False,
        retain_on_delete: bool = False,
        depends_on: tuple[str, ...] = (),
    ) -> Constructed:
        """Construct a component as the engine does for a stack that declares it; raises ConstructError."""
        deployment = self.deployment
        marshalled = struct_pb2.Struct()
        input_dependencies = {}
        for key, value in inputs.items():
            urns: set[str] = set()
            marshalled.update({key: to_wire(value, self.accepts_outputs, urns)})
            if urns:
                input_dependencies[key] = provider_pb2.ConstructRequest.PropertyDependencies(urns=sorted(urns))
        request = provider_pb2.ConstructRequest(
            project=deployment.project,
            stack=deployment.stack,
            organization="organization",
            config=deployment.config,
            dryRun=deployment.preview,
            monitorEndpoint=self.address,
            type=token(component),
            name=name,
            parent=deployment.stack_urn,
            inputs=marshalled,
            inputDependencies=input_dependencies,
            protect=protect,
            retainOnDelete=retain_on_delete,
            dependencies=list(depends_on),
            accepts_output_values=True,
        )
        try:
            response = self.plugin.Construct(request)
        except grpc.RpcError as error:
            raise ConstructError(error.code(), error.details() or "", _input_property_errors(error), inputs) from None
        return Constructed(
            urn=response.urn,
            outputs=from_wire(response.state),
            output_dependencies={key: list(deps.urns) for key, deps in response.stateDependencies.items()},
        )
