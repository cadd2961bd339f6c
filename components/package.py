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
import re
from dataclasses import replace
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError, InputPropertyErrorDetails
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case
from pulumi.provider.server import ComponentInitError

from .validation import ArgumentChecks, InvalidArgumentsError

#: Package name: the first part of every type token, and the name consumers add.
PACKAGE_NAME = "encryptedrds"
#: The one place the package version is written. A release is the git tag ``v<PACKAGE_VERSION>``.
PACKAGE_VERSION = "0.2.0"


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
    """The SDK's ``ComponentProvider``, judging inputs like the Python API and answering in schema names.

    - Integer inputs are delivered as ``int``. Numbers cross the wire as doubles and
      ``ComponentProvider.map_input_properties`` (pulumi 3.272.0) converts an ``integer`` input with
      ``int(...)`` and then overwrites the result with the raw value, so a component would receive
      ``instance_count=2.0``; whole numbers of ``integer`` properties (also in arrays, maps and
      outputs) are converted first. ``tests/test_package_construct.py`` shows the SDK behaviour.
    - Every input is checked against its args annotation before the component runs
      (``validation.type_problems``, as the Python API does); missing required inputs are left to
      the component, which reports them with its other problems.
    - An ``InvalidArgumentsError``, from those checks or from the component's own rules, becomes the
      provider protocol's ``InputPropertiesError``: each problem under the property's schema name
      (``kmsKeyArn``), Python argument names in the reasons turned into schema names, and no
      traceback. The SDK returns any other exception as a plain error with its stack.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Python name to schema name of every input and output of the package spelled differently.
        self._schema_names = {
            python: schema
            for definition in self._component_defs.values()
            for mapping in (definition.inputs_mapping, definition.outputs_mapping)
            for schema, python in mapping.items()
            if python != schema
        }
        self._python_names = re.compile(
            r"(?<![\w/.'\"-])(" + "|".join(sorted(self._schema_names, key=len, reverse=True)) + r")(?![\w/'\"-])"
        )

    def construct(self, name, resource_type, inputs, options=None):
        component = resource_type.rsplit(":", 1)[-1]
        definition = self._component_defs.get(component)
        if definition is None:
            return super().construct(name, resource_type, inputs, options)
        inputs = {
            key: _integers(value, definition.inputs[key]) if key in definition.inputs else value
            for key, value in inputs.items()
        }
        args = {definition.inputs_mapping[key]: value for key, value in inputs.items() if key in definition.inputs}
        args_type = inspect.get_annotations(self._components[component].__init__)["args"]
        try:
            ArgumentChecks(f"{component} '{name}'", args, args_type)
            return super().construct(name, resource_type, inputs, options)
        except InvalidArgumentsError as error:
            invalid = error
        except ComponentInitError as error:
            if not isinstance(error.inner, InvalidArgumentsError):
                raise
            invalid = error.inner
        raise self.input_properties_error(invalid) from None

    def map_inputs(self, inputs, component_def):
        # Missing required inputs are the component's to report, with its other problems at once
        # and in its words; the SDK would stop at the first with a message of its own.
        optional = {name: replace(prop, optional=True) for name, prop in component_def.inputs.items()}
        return self.map_input_properties(inputs, optional, component_def.inputs_mapping, component_def.name, "")

    def input_properties_error(self, error: InvalidArgumentsError) -> InputPropertiesError:
        """The problems of ``error`` as the protocol's input property errors, in schema names."""
        errors: list[InputPropertyErrorDetails] = [
            {"property_path": self._in_schema_names(argument), "reason": self._in_schema_names(reason)}
            for argument, reason in error.by_argument()
        ]
        return InputPropertiesError(f"{error.resource}: {len(errors)} invalid input(s); nothing was created", errors)

    def _in_schema_names(self, text: str) -> str:
        # Quoted values and paths (alias/kms_key_arn) keep their spelling: they are the caller's data.
        return self._python_names.sub(lambda match: self._schema_names[match[1]], text)


def _integers(value: Any, prop: PropertyDefinition) -> Any:
    """Whole numbers of integer properties as ``int``: the wire has only doubles."""
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


def register_declared_outputs(component: pulumi.ComponentResource) -> None:
    """Record a component's outputs as its state, under the names Construct returns them by.

    The outputs are the class annotations (``key_arn: pulumi.Output[str]``), read as the SDK's
    analyzer reads them for the schema; the state keys are their schema names (``keyArn``), so a
    stack's state says the same whether the component came from Python or through the package.
    """
    names: dict[str, Any] = {}
    for cls in reversed(type(component).__mro__):
        if cls not in (object, pulumi.Resource, pulumi.ComponentResource):
            names |= inspect.get_annotations(cls)
    component.register_outputs(
        {camel_case(name): getattr(component, name) for name in names if not name.startswith("_")}
    )
