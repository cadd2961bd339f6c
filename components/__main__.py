"""Entry point of the ``encryptedrds`` component package: serves every public component over gRPC.

The Python language host runs a plugin directory that has a ``__main__.py`` as
``python <plugin directory> <engine address> [flags]`` (pulumi-language-python ``RunPlugin``), in
the virtualenv ``PulumiPlugin.yaml`` names. Python then runs this file as the top-level script
``__main__`` with the plugin directory itself first on ``sys.path``, so the component modules,
which are a package using relative imports (``from .rules import ...``), cannot be imported from
here as they are. This file therefore:

1. takes the plugin directory off ``sys.path``, so that its module names (``options``, ``rules``,
   ``validation`` ...) can never shadow a standard or third-party module of the same name;
2. imports this directory as the package ``components`` whatever the directory is called (a
   package fetched from git may sit under another name), exactly as Python stacks import it;
3. serves every ``ComponentResource`` in ``components.__all__``: the SDK infers the schema from
   their annotations and answers the engine's GetPluginInfo, GetSchema and Construct calls.

``pulumi.provider.experimental.component_provider_host(components, name, version=...)`` is
``pulumi.provider.main(ComponentProvider(components, name, None, version), sys.argv[1:])``; this
file makes the same call with ``components.package.EncryptedRdsProvider``: the SDK's
``ComponentProvider`` that delivers integer inputs as ``int``, judges every input before the
component runs and answers argument errors as input-property errors in schema names (see its
docstring).

``python -m components`` from the repository root works the same way.
"""

import importlib.util
import sys
from pathlib import Path

PLUGIN_DIRECTORY = Path(__file__).resolve().parent


def _import_components_package():
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != PLUGIN_DIRECTORY]
    if "components" in sys.modules:
        return sys.modules["components"]
    spec = importlib.util.spec_from_file_location(
        "components", PLUGIN_DIRECTORY / "__init__.py", submodule_search_locations=[str(PLUGIN_DIRECTORY)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["components"] = package
    spec.loader.exec_module(package)
    return package


def main() -> None:
    _import_components_package()
    from pulumi.provider import main as serve

    from components.package import build_provider

    serve(build_provider(), sys.argv[1:])


if __name__ == "__main__":
    main()
