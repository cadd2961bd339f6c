"""The Pulumi package these components form: its name, its version, and the components it hosts.

Other languages consume the components as the package ``encryptedrds`` (type tokens
``encryptedrds:index:<Class>``), through a plugin that ``__main__.py`` starts. The package's schema
is inferred by the Pulumi SDK from the components' annotations: each component's ``args``
``TypedDict`` gives its inputs (``NotRequired`` ones optional, plain types plain, ``pulumi.Input``
ones accepting outputs), its ``pulumi.Output`` class annotations give its outputs, and the
docstrings under the fields become the generated SDKs' documentation.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pulumi
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider

#: Package name: the first part of every type token, and the name consumers add.
PACKAGE_NAME = "encryptedrds"
#: The one place the package version is written. A release is the git tag ``v<PACKAGE_VERSION>``.
PACKAGE_VERSION = "0.1.0"


def public_components() -> list[type[pulumi.ComponentResource]]:
    """Every ``ComponentResource`` subclass the ``components`` package exports in ``__all__``, by name.

    Read at call time so a component added to ``__all__`` joins the package (and its tests)
    without being listed anywhere else.
    """
    package = importlib.import_module(__package__ or "components")
    found = []
    for name in sorted(getattr(package, "__all__", [])):
        value = getattr(package, name)
        if inspect.isclass(value) and issubclass(value, pulumi.ComponentResource):
            found.append(value)
    return found


class EncryptedRdsProvider(ComponentProvider):
    """The SDK's ``ComponentProvider``, delivering integer inputs as ``int``.

    Numbers cross the wire as doubles. ``ComponentProvider.map_input_properties`` (pulumi 3.272.0)
    converts an ``integer`` input with ``int(...)`` and then overwrites the result with the raw
    value, so a component receives ``instance_count=2.0`` from a TypeScript or YAML stack and
    ``range(2.0)`` fails. This converts whole numbers of ``integer`` properties (also in arrays,
    maps and nested types, and inside outputs) after the SDK has mapped the names.
    ``tests/test_package_construct.py`` shows the SDK behaviour; drop this class once the SDK
    converts by itself.
    """

    def map_input_properties(self, inputs, properties, mapping, component_name, property_path):
        mapped = super().map_input_properties(inputs, properties, mapping, component_name, property_path)
        for schema_name, prop in properties.items():
            python_name = mapping[schema_name]
            if python_name in mapped:
                mapped[python_name] = _integers(mapped[python_name], prop)
        return mapped


def _integers(value: Any, prop: PropertyDefinition) -> Any:
    if isinstance(value, pulumi.Output):
        return value.apply(lambda resolved: _integers(resolved, prop))
    if prop.type == PropertyType.INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)
    if prop.type == PropertyType.ARRAY and prop.items and isinstance(value, list):
        return [_integers(item, prop.items) for item in value]
    if prop.type == PropertyType.OBJECT and prop.additional_properties and isinstance(value, dict):
        return {key: _integers(item, prop.additional_properties) for key, item in value.items()}
    return value


def build_provider() -> EncryptedRdsProvider:
    """The provider the plugin serves, built in-process: its ``schema`` and its ``construct``."""
    return EncryptedRdsProvider(public_components(), PACKAGE_NAME, None, PACKAGE_VERSION)
