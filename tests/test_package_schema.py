"""The schema of the ``encryptedrds`` package: what `pulumi package add` turns into SDKs for every language.

The schema is built in-process, exactly as the plugin builds it, and checked against the
components' own annotations: every public component, every input and output with its type,
required or optional, plain or accepting outputs, and a description for each. Quality rules make
the generated TypeScript, Go, C# and YAML SDKs read like hand-written ones. The last test starts
the plugin the way the Python language host does and reads the schema it serves over gRPC.
"""

import importlib
import inspect
import json
import pkgutil
import re
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path

import pulumi
import pytest
from pulumi.provider.experimental.analyzer import (
    is_input,
    is_not_required,
    is_optional,
    is_required,
    unwrap_input,
    unwrap_not_required,
    unwrap_optional,
    unwrap_required,
)
from pulumi.provider.experimental.component import ComponentProvider

import components
from components.package import PACKAGE_NAME, PACKAGE_VERSION, build_provider, public_components
from offline.package import PulumiEngine, package_schema, token

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = public_components()
NAMES = [component.__name__ for component in COMPONENTS]
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
SIMPLE_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
#: Inputs that name other AWS resources (not the component's own names). Stacks usually create
#: those resources themselves (a VPC's subnets, a security group, an IAM role, an option group, the
#: key or database of another component), so their SDK types must accept outputs:
#: `pulumi.Input[str]`, or `pulumi.Input[Sequence[pulumi.Input[str]]]`.
RESOURCE_REFERENCE = re.compile(
    r"(Arn|Arns|[Ss]ubnetIds|[Ss]ecurityGroupIds|OptionGroupName|ParameterGroupName)$"
    r"|^source\w*Identifier$|^globalClusterIdentifier$"
)
#: Names a component cannot use for an input or an output: every resource already has them.
RESERVED = {"urn", "id", "provider", "providers", "version", "pluginDownloadURL"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def args_type(component: type) -> type:
    return inspect.get_annotations(component.__init__)["args"]


def declared_inputs(component: type) -> dict[str, object]:
    """The args TypedDict's fields (inherited ones included), annotations as written."""
    return {name: annotation for name, annotation in args_type(component).__annotations__.items()}


def declared_outputs(component: type) -> dict[str, object]:
    found: dict[str, object] = {}
    for cls in reversed(component.__mro__):
        if cls in (object, pulumi.Resource, pulumi.ComponentResource):
            continue
        found |= {k: v for k, v in inspect.get_annotations(cls).items() if not k.startswith("_")}
    return found


def expected_property(annotation) -> dict:
    """What a field's annotation should become in the schema: type, plain-ness, items, values."""
    plain = True
    while True:
        if is_not_required(annotation):
            annotation = unwrap_not_required(annotation)
        elif is_required(annotation):
            annotation = unwrap_required(annotation)
        elif is_input(annotation):
            annotation, plain = unwrap_input(annotation), False
        elif typing.get_origin(annotation) is pulumi.Output:
            annotation, plain = typing.get_args(annotation)[0], False
        elif is_optional(annotation):
            annotation = unwrap_optional(annotation)
        else:
            break
    expected: dict = {"plain": plain}
    origin = typing.get_origin(annotation)
    if annotation in SIMPLE_TYPES:
        expected["type"] = SIMPLE_TYPES[annotation]
    elif origin in (list, Sequence, typing.Sequence):
        expected["type"] = "array"
        expected["items"] = expected_property(typing.get_args(annotation)[0])
    elif origin in (dict, Mapping, typing.Mapping):
        expected["type"] = "object"
        expected["additionalProperties"] = expected_property(typing.get_args(annotation)[1])
    elif inspect.isclass(annotation) and annotation.__module__ != "builtins":
        # An Enum, a TypedDict or a class of the package: a named type of the schema.
        expected["$ref"] = f"#/types/{PACKAGE_NAME}:index:{annotation.__name__}"
    else:
        expected["unexpressible"] = repr(annotation)
    return expected


def schema_matches(actual: dict, expected: dict, *, output: bool) -> list[str]:
    problems = []
    if "unexpressible" in expected:
        return [f"annotation {expected['unexpressible']} has no schema type"]
    for key in ("type", "$ref"):
        if key in expected and actual.get(key) != expected[key]:
            problems.append(f"{key} is {actual.get(key)!r}, expected {expected[key]!r}")
    want_plain = expected["plain"] and not output
    if bool(actual.get("plain")) != want_plain:
        problems.append(f"plain is {bool(actual.get('plain'))}, the annotation says {want_plain}")
    for nested in ("items", "additionalProperties"):
        if nested in expected:
            problems += [
                f"{nested}: {p}" for p in schema_matches(actual.get(nested, {}), expected[nested], output=output)
            ]
    return problems


def resource(name: str) -> dict:
    return package_schema()["resources"][token(name)]


def test_package_is_named_encryptedrds_at_its_version():
    schema = package_schema()
    assert schema["name"] == PACKAGE_NAME == "encryptedrds"
    assert schema["version"] == PACKAGE_VERSION
    assert SEMVER.match(PACKAGE_VERSION), "the version is the git tag without its v: semver"


def test_the_package_hosts_every_public_component_and_nothing_else():
    assert NAMES, "components.__all__ exports no ComponentResource"
    assert set(package_schema()["resources"]) == {token(name) for name in NAMES}
    assert all(package_schema()["resources"][token(name)]["isComponent"] for name in NAMES)
    assert not package_schema().get("functions"), "component packages have no functions"


def test_every_component_defined_in_the_package_is_exported():
    """A ComponentResource in components/ but not in components.__all__ silently stays out of the package."""
    defined = set()
    for module_info in pkgutil.iter_modules(components.__path__):
        if module_info.name == "__main__":
            continue
        module = importlib.import_module(f"components.{module_info.name}")
        defined |= {
            value.__name__
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, pulumi.ComponentResource)
            and value.__module__ == module.__name__
        }
    missing = sorted(defined - set(NAMES))
    assert not missing, f"export {missing} from components/__init__.py (__all__)"


@pytest.mark.parametrize("name", NAMES)
def test_component_is_analyzable_on_its_own(name):
    """Each component alone gives a schema: a type the analyzer cannot express fails here, by name."""
    component = getattr(components, name)
    schema = json.loads(ComponentProvider([component], PACKAGE_NAME, None, PACKAGE_VERSION).schema)
    assert token(name) in schema["resources"]


@pytest.mark.parametrize("name", NAMES)
def test_component_token_and_description(name):
    component = getattr(components, name)
    spec = resource(name)
    assert spec["description"] and len(spec["description"]) >= 20, "the class docstring is the SDK's class doc"
    assert args_type(component).__name__ == f"{name}Args", "SDKs name the args type <Component>Args"
    assert typing.is_typeddict(args_type(component)), "args are a TypedDict"


@pytest.mark.parametrize("name", NAMES)
def test_every_input_with_its_type_required_or_optional_and_plain_or_input(name):
    component = getattr(components, name)
    spec = resource(name)
    declared = declared_inputs(component)
    assert set(spec["inputProperties"]) == {camel(field) for field in declared}
    required = {camel(field) for field in args_type(component).__required_keys__}
    assert set(spec.get("requiredInputs", [])) == required
    problems = {
        camel(field): schema_matches(spec["inputProperties"][camel(field)], expected_property(annotation), output=False)
        for field, annotation in declared.items()
    }
    wrong = {field: issues for field, issues in problems.items() if issues}
    assert not wrong, wrong


@pytest.mark.parametrize("name", NAMES)
def test_every_output_with_its_type(name):
    component = getattr(components, name)
    spec = resource(name)
    declared = declared_outputs(component)
    assert declared, f"{name} declares no outputs (annotate them as pulumi.Output[T])"
    assert set(spec["properties"]) == {camel(field) for field in declared}
    assert set(spec.get("required", [])) == set(spec["properties"]), "every output is always set"
    problems = {
        camel(field): schema_matches(spec["properties"][camel(field)], expected_property(annotation), output=True)
        for field, annotation in declared.items()
    }
    wrong = {field: issues for field, issues in problems.items() if issues}
    assert not wrong, wrong
    assert all(typing.get_origin(a) is pulumi.Output for a in declared.values()), "outputs are pulumi.Output[T]"


@pytest.mark.parametrize("name", NAMES)
def test_every_input_and_output_has_a_description(name):
    spec = resource(name)
    undocumented = [
        f"{kind} {prop}"
        for kind, props in (("input", spec["inputProperties"]), ("output", spec["properties"]))
        for prop, definition in props.items()
        if len((definition.get("description") or "").strip()) < 10
    ]
    assert not undocumented, f"put a docstring under each of {undocumented}: it is the SDK documentation"


@pytest.mark.parametrize("name", NAMES)
def test_no_untyped_or_reserved_properties(name):
    spec = resource(name)
    text = json.dumps(spec)
    assert "pulumi.json#/Any" not in text, "Any becomes an untyped value in every SDK; use a concrete type"
    names = set(spec["inputProperties"]) | set(spec["properties"])
    assert names & RESERVED == set()


@pytest.mark.parametrize("name", NAMES)
def test_inputs_naming_other_resources_accept_outputs(name):
    """Plain (non-Input) fields only where they shape the resource graph.

    A subnet, a security group, an IAM role, a key or a database is usually created in the same
    stack, so its id or ARN is an output. A plain field makes the TypeScript type ``string[]``
    where ``vpc.privateSubnetIds`` is an ``Output<string[]>``: the stack does not compile.
    """
    spec = resource(name)
    plain = sorted(
        prop
        for prop, definition in spec["inputProperties"].items()
        if RESOURCE_REFERENCE.search(prop) and (definition.get("plain") or definition.get("items", {}).get("plain"))
    )
    assert not plain, (
        f"{name}Args: make {plain} pulumi.Input[str] / pulumi.Input[Sequence[pulumi.Input[str]]] "
        "(argument checks already skip values that are not known yet)"
    )


@pytest.mark.parametrize("name", NAMES)
def test_descriptions_speak_the_schema_not_python(name):
    """Descriptions reach TypeScript, Go, C# and YAML users: no Python names or literals in them.

    Name another property by its schema name in backticks (`kmsKeyArn`), or in words.
    """
    spec = resource(name)
    python_names = {
        field
        for component in COMPONENTS
        for field in declared_inputs(component) | declared_outputs(component)
        if "_" in field
    }
    problems = []
    texts = [("description", spec["description"])] + [
        (f"{kind} {prop}", definition.get("description") or "")
        for kind, props in (("input", spec["inputProperties"]), ("output", spec["properties"]))
        for prop, definition in props.items()
    ]
    for where, text in texts:
        for field in sorted(python_names):
            if re.search(rf"(?<![\w`]){re.escape(field)}(?![\w`])", text) or f"`{field}`" in text:
                problems.append(f"{where}: says {field}, the schema name is {camel(field)}")
        for code in re.findall(r"`([^`]*_[^`]*)`", text):
            problems.append(f"{where}: says `{code}`, a Python spelling; other languages write {camel(code)}")
        for literal in ("None", "True", "False"):
            if re.search(rf"\b{literal}\b", text):
                problems.append(f"{where}: says {literal}")
    assert not problems, "\n".join(problems)


def test_the_plugin_serves_this_schema_when_started_as_the_engine_starts_it():
    """``python <plugin directory> <engine address>`` in the consumer's directory: GetPluginInfo and GetSchema."""
    with PulumiEngine(ROOT / "examples" / "yaml", "dev", {}).running() as engine:
        served = engine.schema()
    assert engine.plugin_info.version == PACKAGE_VERSION
    assert served == json.loads(build_provider().schema)


def test_the_plugin_pins_the_sdk_versions_the_repository_pins():
    """The plugin's virtualenv gets components/requirements.txt; it must match what the tests ran."""

    def pins(path: Path) -> dict[str, str]:
        lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
        return dict(line.split("==") for line in lines if "==" in line)

    plugin, repository = pins(ROOT / "components" / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert {"pulumi", "pulumi-aws"} <= set(plugin)
    assert {name: repository.get(name) for name in plugin} == plugin
