"""The component package as another language's stack sees it, without the Pulumi CLI.

- ``package_schema()``: the schema the plugin serves, built in-process by the SDK's
  ``ComponentProvider`` exactly as ``component_provider_host`` builds it.
- ``construct(...)``: what happens when a TypeScript, Go, C# or YAML stack creates a component of
  the package. The engine hands the plugin a Construct request whose inputs are a protobuf
  ``Struct`` keyed by the schema's camelCase names (numbers as doubles, values of other resources'
  outputs resolved, with the URNs they came from in ``inputDependencies``). This module serializes
  the inputs the same way, turns them back into Python values with the SDK's own Construct
  helpers (``ProviderServicer._construct_inputs`` and ``_construct_options``), calls
  ``ComponentProvider.construct`` and serializes the component's state as the plugin's
  Construct response would. Run it inside ``offline.runtime.run_program`` so every resource the
  component registers is recorded by the mock monitor.
- ``serve_plugin()``: starts the plugin the way pulumi-language-python does
  (``python components <engine address>``) and returns a gRPC ``ResourceProvider`` client.

The Construct helpers are private to the SDK (``pulumi.provider.server``); they are used rather
than re-implemented so the tests follow the SDK's own behaviour, and are pinned with the SDK.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import grpc
import pulumi
from google.protobuf import struct_pb2
from pulumi.provider.server import ProviderServicer
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi.runtime.sync_await import _sync_await

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components.package import PACKAGE_NAME, build_provider  # noqa: E402


@cache
def package_schema() -> dict[str, Any]:
    """The package schema, as ``pulumi package get-schema`` would print it for the plugin."""
    return json.loads(build_provider().schema or "{}")


def token(component: str | type) -> str:
    name = component if isinstance(component, str) else component.__name__
    return f"{PACKAGE_NAME}:index:{name}"


@dataclass
class Constructed:
    """What the plugin answers a Construct request with: the component's URN and its outputs."""

    urn: str
    #: Outputs the component set (schema names), whatever their values.
    assigned: set[str] = field(default_factory=set)
    #: Outputs by schema (camelCase) name, as the consumer's SDK receives them. An output whose
    #: value is empty is not sent (under the mocks: an AWS-computed value the mocks leave empty).
    state: dict[str, Any] = field(default_factory=dict)
    #: For each output, the URNs of the resources it came from.
    state_dependencies: dict[str, list[str]] = field(default_factory=dict)

    def output(self, name: str) -> pulumi.Output[Any]:
        """An output of the component as a consumer holds it: its value, depending on the component."""
        return pulumi.Output.from_input(self.state[name])


def construct(
    type_: str | type,
    name: str,
    inputs: Mapping[str, Any],
    *,
    protect: bool = False,
    retain_on_delete: bool = False,
    depends_on: list[str] | None = None,
    provider=None,
) -> Constructed:
    """Construct a component of the package from camelCase inputs, as another language's stack would.

    ``inputs`` may hold plain values and outputs (for example another component's ``Constructed``
    output): like the engine, this sends their values, and the URNs of the resources they came
    from as the input's dependencies. Must run inside a Pulumi program (``run_program``).
    """
    provider = provider or build_provider()
    resource_type = token(type_)
    property_deps: dict[str, list[pulumi.Resource]] = {}
    serialized: struct_pb2.Struct = _sync_await(rpc.serialize_properties(dict(inputs), property_deps))
    input_dependencies = {
        key: provider_pb2.ConstructRequest.PropertyDependencies(urns=_sync_await(_urns(resources)))
        for key, resources in property_deps.items()
    }
    request = provider_pb2.ConstructRequest(
        type=resource_type,
        name=name,
        inputs=serialized,
        inputDependencies=input_dependencies,
        protect=protect,
        retainOnDelete=retain_on_delete,
        dependencies=depends_on or [],
    )
    wire_inputs = _sync_await(ProviderServicer._construct_inputs(request.inputs, request.inputDependencies))
    result = provider.construct(
        name=request.name,
        resource_type=request.type,
        inputs=wire_inputs,
        options=ProviderServicer._construct_options(request),
    )
    # An instance method that never reads ``self``: the servicer needs an engine, this needs none.
    response: provider_pb2.ConstructResponse = _sync_await(ProviderServicer._construct_response(None, result))  # type: ignore[arg-type]
    state = rpc.deserialize_properties(response.state)
    constructed = Constructed(
        urn=response.urn,
        assigned=set(result.state),
        state=dict(state),
        state_dependencies={key: list(deps.urns) for key, deps in response.stateDependencies.items()},
    )
    resource = pulumi.resource.DependencyResource(response.urn)
    constructed.state = {
        key: _output_of(value, resource, constructed.state_dependencies.get(key, []))
        for key, value in constructed.state.items()
    }
    return constructed


def _output_of(value: Any, component: pulumi.Resource, urns: list[str]) -> pulumi.Output[Any]:
    """A value of the Construct response as the consumer's SDK holds it: an output of the component."""
    resources: set[pulumi.Resource] = {component} | {pulumi.resource.DependencyResource(urn) for urn in urns}
    return pulumi.Output(
        resources, _resolved(rpc.unwrap_rpc_secret(value)), _resolved(True), _resolved(rpc.is_rpc_secret(value))
    )


async def _resolved(value: Any) -> Any:
    return value


async def _urns(resources: list[pulumi.Resource]) -> list[str]:
    urns = []
    for resource in resources:
        urn = await resource.urn.future()
        if urn:
            urns.append(urn)
    return urns


@contextlib.contextmanager
def serve_plugin(timeout: float = 60) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """Run the plugin as pulumi-language-python does, and yield a gRPC client to it.

    The command is ``python <plugin directory> <engine address>`` from another working
    directory, which is what ``RunPlugin`` does for a plugin directory holding ``__main__.py``.
    The plugin prints the port it listens on; GetSchema and GetPluginInfo need no engine.
    """
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "components"), "127.0.0.1:1"],
        cwd="/",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port.isdigit():
            process.kill()
            raise RuntimeError(f"the plugin did not start: {port!r}\n{process.communicate(timeout=timeout)[1]}")
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=timeout)
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        process.kill()
        process.communicate(timeout=timeout)
