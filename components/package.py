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

import pulumi
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


def build_provider() -> ComponentProvider:
    """The provider ``component_provider_host`` serves, built in-process (schema and construct)."""
    return ComponentProvider(public_components(), PACKAGE_NAME, None, PACKAGE_VERSION)
