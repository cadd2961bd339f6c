"""The consumer examples in examples/ and the programs in the docs, run as their stacks would run.

- Python (examples/python): the program itself runs under the mocks, with its own stack file.
- YAML (examples/yaml, and every YAML program block of README.md and docs/): every resource type, property name and
  ``${resource.output}`` reference is checked against the schema, then the program is evaluated
  the way Pulumi YAML runs it: each resource a Construct call to the plugin (started and called as
  the engine does, ``offline.package.PulumiEngine``), config values plain, references to earlier
  resources as their outputs with the URNs they came from; in a preview and in an update.
- TypeScript (examples/typescript/index.ts, and every TypeScript block of the docs): no SDK can be
  generated here (that needs the Pulumi CLI), so the program's statements are evaluated directly:
  each ``new encryptedrds.<Component>("name", {...})`` becomes the Construct call the TypeScript
  SDK has the engine make, with its object literal's values (literals, config values, outputs of
  earlier components); what a statement does that this evaluator cannot follow fails the test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from benchmarks.program import critical_paths
from components import EncryptedDatabase, EncryptionKey
from components.package import PACKAGE_NAME, PACKAGE_VERSION
from offline.package import UNKNOWN, Constructed, ConstructError, Deployment, PulumiEngine, package_schema, plain, token
from offline.runtime import run_program, run_stack
from tests.doc_blocks import Block, blocks

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
GROUPS = ["sg-0a1b2c3d4e5f60001"]
STACK_CONFIG = {"subnetIds": SUBNETS, "securityGroupIds": GROUPS}
REGION = "us-east-1"
EXPRESSION = re.compile(r"^\$\{([^}]+)\}$")
INSTANCE = "aws:rds/instance:Instance"


def resources() -> dict[str, dict]:
    return package_schema()["resources"]


def doc_blocks(language: str) -> list[Block]:
    """The docs' blocks in ``language``, but for those followed by the engine's report of their failure."""
    return [block for block in blocks(language) if block.report is None]


@pytest.fixture(scope="module")
def engines() -> Iterator[dict[str, PulumiEngine]]:
    """The plugin as the engine starts it for each example project (its name and runtime options)."""
    with ExitStack() as stack:
        yield {
            example: stack.enter_context(
                PulumiEngine(EXAMPLES / example, "dev", stack_config(EXAMPLES / example)).running()
            )
            for example in ("typescript", "yaml")
        }


def stack_config(project_directory: Path) -> dict[str, str]:
    """The stack's configuration as the engine passes it to Construct: namespaced keys, JSON values."""
    project = yaml.safe_load((project_directory / "Pulumi.yaml").read_text())["name"]
    return {"aws:region": REGION} | {f"{project}:{key}": json.dumps(value) for key, value in STACK_CONFIG.items()}


def assert_key_database_and_replica(resources: list, *, preview: bool = False) -> None:
    """What every example builds: one rotating key; a database on it; a same-region replica of it."""
    [key] = [r for r in resources if r.type == "aws:kms/key:Key"]
    [key_component] = [r for r in resources if r.type == token("EncryptionKey")]
    assert key.inputs["enableKeyRotation"] is True
    instances = [r for r in resources if r.type == INSTANCE]
    sources = [r for r in instances if "replicateSourceDb" not in r.inputs]
    replicas = [r for r in instances if "replicateSourceDb" in r.inputs]
    assert len(sources) == 1 and len(replicas) == 1, [r.name for r in instances]
    source, replica = sources[0], replicas[0]
    assert source.inputs["storageEncrypted"] is True
    assert source.inputs["kmsKeyId"] == (UNKNOWN if preview else key.outputs["arn"])
    assert {key.urn, key_component.urn} & set(source.property_dependencies["kmsKeyId"]), "wired to the key"
    assert source.inputs["identifier"] == "orders-db"
    assert replica.inputs["storageEncrypted"] is True
    assert replica.inputs["replicateSourceDb"] == "orders-db"
    assert "kmsKeyId" not in replica.inputs, "a same-region replica is encrypted with the source's key"
    assert replica.inputs["identifier"] == "orders-replica"


def assert_deploys_in_the_fewest_steps(resources: list) -> None:
    """Database, then replica: two long-running operations in a row, all the topology requires."""
    actual, minimum = critical_paths(resources)
    assert actual.length == minimum.length == 2


def assert_pins_this_release(project: dict) -> None:
    package = project["packages"][PACKAGE_NAME]
    assert package["source"].endswith("/components"), "the package is the components/ directory"
    assert package["version"] == PACKAGE_VERSION, "examples pin the current release"


# Python ----------------------------------------------------------------------------------------


def test_python_example_runs_and_builds_an_encrypted_database_and_replica():
    run = run_stack("dev", directory=EXAMPLES / "python")  # its own project name and Pulumi.dev.yaml
    assert run.project == "orders-database-py"
    assert run.config[f"{run.project}:subnetIds"] == json.dumps(SUBNETS)
    assert_key_database_and_replica(run.resources)
    assert_deploys_in_the_fewest_steps(run.resources)
    assert set(run.outputs) == {"endpoint", "replicaEndpoint", "masterSecretArn", "kmsKeyArn"}
    declared = yaml.safe_load((EXAMPLES / "python" / "Pulumi.yaml").read_text())["config"]
    assert set(declared) == set(STACK_CONFIG)


def assert_ran_through_the_plugin(deployment: Deployment, exports: dict[str, Any]) -> None:
    assert_key_database_and_replica(deployment.resources, preview=deployment.preview)
    assert [message for severity, message in deployment.logs if severity > 0] == []
    if not deployment.preview:
        assert_deploys_in_the_fewest_steps(deployment.resources)
        assert UNKNOWN not in exports.values(), exports


# YAML ------------------------------------------------------------------------------------------

YAML_PROGRAMS = {
    "examples/yaml/Pulumi.yaml": (EXAMPLES / "yaml" / "Pulumi.yaml").read_text(),
    **{block.id: block.code for block in doc_blocks("yaml") if "resources:" in block.code},
}


def yaml_program() -> dict:
    return yaml.safe_load(YAML_PROGRAMS["examples/yaml/Pulumi.yaml"])


def full_token(type_: str) -> str:
    """Pulumi YAML accepts ``pkg:Component`` for ``pkg:index:Component``."""
    parts = type_.split(":")
    return f"{parts[0]}:index:{parts[1]}" if len(parts) == 2 else type_


def references(value: Any) -> list[str]:
    if isinstance(value, str):
        return re.findall(r"\$\{([^}]+)\}", value)
    if isinstance(value, list):
        return [ref for item in value for ref in references(item)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in references(item)]
    return []


@pytest.mark.parametrize("source", YAML_PROGRAMS)
def test_yaml_program_uses_only_schema_types_properties_and_outputs(source):
    program = yaml.safe_load(YAML_PROGRAMS[source])
    assert_pins_this_release(program)
    declared_resources = program["resources"]
    config = set(program.get("config", {})) | set(STACK_CONFIG)
    problems = []
    for name, declaration in declared_resources.items():
        type_ = full_token(declaration["type"])
        if type_ not in resources():
            problems.append(f"{name}: {declaration['type']} is not in the schema")
            continue
        inputs = resources()[type_]["inputProperties"]
        given = set(declaration.get("properties", {}))
        problems += [f"{name}: {prop} is not an input of {type_}" for prop in sorted(given - set(inputs))]
        required = set(resources()[type_].get("requiredInputs", []))
        problems += [f"{name}: required input {prop} is missing" for prop in sorted(required - given)]
    for ref in references(program.get("resources")) + references(program.get("outputs")):
        head, _, prop = ref.partition(".")
        if head in declared_resources:
            outputs = resources()[full_token(declared_resources[head]["type"])]["properties"]
            if prop not in outputs:
                problems.append(f"${{{ref}}}: {prop} is not an output of {declared_resources[head]['type']}")
        # Another namespace's key (aws:region) is the stack's setting: a program cannot declare it.
        elif head not in config and ":" not in head:
            problems.append(f"${{{ref}}}: no resource or config value {head}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "block",
    [pytest.param(block.code, id=block.id) for block in doc_blocks("yaml") if "packages:" in block.code],
)
def test_every_package_entry_in_the_docs_pins_this_release(block):
    assert_pins_this_release(yaml.safe_load(block))


def test_the_yaml_example_is_a_yaml_project():
    assert yaml_program()["runtime"] == "yaml"


def construct_yaml(engine: PulumiEngine, program: dict, region: str) -> dict[str, Any]:
    """Evaluate a YAML program as Pulumi YAML runs it, in a stack of ``region``; returns its exports."""
    config = {key: spec.get("default") for key, spec in program.get("config", {}).items()}
    config |= STACK_CONFIG | {"aws:region": region}
    declared = program["resources"]
    order = TopologicalSorter(
        {
            name: {ref.split(".")[0] for ref in references(spec.get("properties")) if ref.split(".")[0] in declared}
            for name, spec in declared.items()
        }
    ).static_order()
    constructed: dict[str, Constructed] = {}

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        if isinstance(value, str) and "${" in value:
            match = EXPRESSION.match(value)
            assert match, f"only whole-value references are evaluated here: {value}"
            head, _, prop = match[1].partition(".")
            return constructed[head].output(prop) if prop else config[head]
        return value

    for name in order:
        type_ = full_token(declared[name]["type"]).rsplit(":", 1)[-1]
        constructed[name] = engine.construct(type_, name, resolve(declared[name].get("properties", {})))
    return {name: plain(resolve(value)) for name, value in program["outputs"].items()}


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
@pytest.mark.parametrize("source", YAML_PROGRAMS)
def test_yaml_program_constructs_through_the_plugin(engines, source, preview):
    program = yaml.safe_load(YAML_PROGRAMS[source])
    engine = engines["yaml"]
    deployment = engine.start_deployment(preview=preview)
    exports = construct_yaml(engine, program, REGION)
    assert_ran_through_the_plugin(deployment, exports)
    assert {r.type for r in deployment.resources if not r.custom} == {
        full_token(d["type"]) for d in program["resources"].values()
    }


@pytest.mark.parametrize("source", YAML_PROGRAMS)
def test_yaml_program_places_its_databases_in_the_region_of_its_key(source):
    """The key is created in the stack's region (aws:region); the database and the replica follow it."""
    project = EXAMPLES / "yaml"
    with PulumiEngine(project, "dev", stack_config(project) | {"aws:region": "eu-west-1"}).running() as engine:
        deployment = engine.start_deployment(preview=False)
        construct_yaml(engine, yaml.safe_load(YAML_PROGRAMS[source]), "eu-west-1")
    [key] = deployment.of_type("aws:kms/key:Key")
    assert key.outputs["arn"].startswith("arn:aws:kms:eu-west-1:")
    for instance in deployment.of_type(INSTANCE):
        assert instance.inputs.get("region", "eu-west-1") == "eu-west-1", instance.name
        assert instance.outputs["arn"].startswith("arn:aws:rds:eu-west-1:"), instance.name


# TypeScript ------------------------------------------------------------------------------------

TYPESCRIPT_PROGRAMS = {
    "examples/typescript/index.ts": (EXAMPLES / "typescript" / "index.ts").read_text(),
    **{block.id: block.code for block in doc_blocks("typescript")},
}
NEW_COMPONENT = re.compile(r"new\s+encryptedrds\.(\w+)\(\s*\"([^\"]+)\"\s*,\s*")
CONFIG_READ = re.compile(
    r"^(?:config|new pulumi\.Config\((?:\"(?P<namespace>\w+)\")?\))\.require(?:Object<[^>]*>)?\(\"(?P<key>\w+)\"\)$"
)
STATEMENT = re.compile(r"^(?P<export>export\s+)?const\s+(?P<name>\w+)\s*=\s*", re.M)


def top_level_entries(source: str, start: int) -> tuple[list[str], int]:
    """Split the object or array literal opening at ``source[start]`` into its top-level entries."""
    assert source[start] in "{["
    depth, entries, current, i = 0, [], [], start
    while i < len(source):
        char = source[i]
        if char in "\"'`":
            end = i + 1
            while source[end] != char:
                end += 2 if source[end] == "\\" else 1
            current.append(source[i : end + 1])
            i = end + 1
            continue
        if source.startswith("//", i):
            i = source.index("\n", i)
            continue
        if source.startswith("/*", i):
            i = source.index("*/", i) + 2
            continue
        if char in "{[(":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif char in "}])":
            depth -= 1
            if depth == 0:
                entries.append("".join(current).strip())
                return [entry for entry in entries if entry], i
        elif char == "," and depth == 1:
            entries.append("".join(current).strip())
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    raise AssertionError("unbalanced literal")


def entry_key(entry: str) -> str:
    if entry.startswith("..."):
        raise AssertionError(f"spread '{entry}' cannot be checked against the schema; list the properties")
    match = re.match(r"""^(?:["']?)([A-Za-z_$][\w$]*)(?:["']?)\s*(?::|$)""", entry)
    assert match, f"cannot read the property name of '{entry}'"
    return match[1]


class TypeScriptProgram:
    """Evaluates the statements of a consumer program the way its TypeScript SDK would send them.

    Understands ``const`` bindings of config reads (``config.require*``, ``new pulumi.Config("aws")
    .require(...)``), ``new encryptedrds.<Component>("name", {...})`` with literal, config and output
    values, and ``export const``; anything else fails with what could not be evaluated.
    """

    def __init__(self, source: str, config: dict[str, Any]) -> None:
        self.source = source
        self.config = config
        self.bindings: dict[str, Any] = {}
        self.components: list[tuple[str, str, dict[str, str]]] = []
        self.exports: dict[str, str] = {}
        for match in STATEMENT.finditer(source):
            rest = source[match.end() :]
            created = NEW_COMPONENT.match(rest)
            if created:
                entries, _ = top_level_entries(source, match.end() + created.end())
                literal = {entry_key(entry): self.value_text(entry) for entry in entries}
                self.components.append((match["name"], created[1], literal))
                self.bindings[match["name"]] = (created[1], created[2], literal)
            elif match["export"]:
                self.exports[match["name"]] = rest.split(";", 1)[0].strip()
            else:
                self.bindings[match["name"]] = rest.split(";", 1)[0].strip()

    @staticmethod
    def value_text(entry: str) -> str:
        key, colon, value = entry.partition(":")
        return value.strip() if colon else key.strip()  # `{ subnetIds }` is `{ subnetIds: subnetIds }`

    def run(self, engine: PulumiEngine) -> tuple[dict[str, Constructed], dict[str, Any]]:
        constructed: dict[str, Constructed] = {}
        for variable, component, literal in self.components:
            name = self.bindings[variable][1]
            inputs = {key: self.evaluate(text, constructed) for key, text in literal.items()}
            constructed[variable] = engine.construct(component, name, inputs)
        return constructed, {name: plain(self.evaluate(text, constructed)) for name, text in self.exports.items()}

    def evaluate(self, text: str, constructed: dict[str, Constructed]) -> Any:
        text = text.strip()
        if text[:1] in "{[":
            entries, end = top_level_entries(text, 0)
            assert end == len(text) - 1, f"cannot evaluate {text!r}"
            if text[0] == "[":
                return [self.evaluate(entry, constructed) for entry in entries]
            return {entry_key(entry): self.evaluate(self.value_text(entry), constructed) for entry in entries}
        if re.fullmatch(r'"[^"\\]*"|-?\d+(\.\d+)?|true|false', text):
            return json.loads(text)
        read = CONFIG_READ.match(text)
        if read:
            key = f"{read['namespace']}:{read['key']}" if read["namespace"] else read["key"]
            return self.config[key]
        head, dot, prop = text.partition(".")
        if dot and head in constructed and re.fullmatch(r"\w+", prop):
            return constructed[head].output(prop)
        if re.fullmatch(r"\w+", text) and isinstance(self.bindings.get(text), str):
            return self.evaluate(self.bindings[text], constructed)
        raise AssertionError(
            f"the TypeScript evaluator cannot follow {text!r}: keep examples to literals, config and outputs"
        )


def typescript_program(source: str) -> TypeScriptProgram:
    return TypeScriptProgram(TYPESCRIPT_PROGRAMS[source], STACK_CONFIG | {"aws:region": REGION})


def test_typescript_example_imports_the_generated_sdk():
    source = TYPESCRIPT_PROGRAMS["examples/typescript/index.ts"]
    assert 'import * as encryptedrds from "@pulumi/encryptedrds";' in source
    package = json.loads((EXAMPLES / "typescript" / "package.json").read_text())
    assert package["dependencies"]["@pulumi/encryptedrds"] == "file:sdks/encryptedrds"
    project = yaml.safe_load((EXAMPLES / "typescript" / "Pulumi.yaml").read_text())
    assert project["runtime"]["name"] == "nodejs"
    assert_pins_this_release(project)


@pytest.mark.parametrize("source", TYPESCRIPT_PROGRAMS)
def test_typescript_program_uses_only_schema_inputs_and_outputs(source):
    program = typescript_program(source)
    assert [component for _, component, _ in program.components] == [
        "EncryptionKey",
        "EncryptedDatabase",
        "EncryptedReadReplica",
    ]
    problems = []
    for variable, component, literal in program.components:
        spec = resources().get(token(component))
        if spec is None:
            problems.append(f"{variable}: encryptedrds.{component} is not in the schema")
            continue
        given = set(literal)
        problems += [
            f"{variable}: {p} is not an input of {component}" for p in sorted(given - set(spec["inputProperties"]))
        ]
        missing = set(spec.get("requiredInputs", [])) - given
        problems += [f"{variable}: required input {p} is missing" for p in sorted(missing)]
        for read in re.findall(rf"\b{variable}\.(\w+)\b", program.source):
            if read not in spec["properties"] and read != "urn":
                problems.append(f"{variable}.{read} is not an output of {component}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
@pytest.mark.parametrize("source", TYPESCRIPT_PROGRAMS)
def test_typescript_program_constructs_through_the_plugin(engines, source, preview):
    engine = engines["typescript"]
    deployment = engine.start_deployment(preview=preview)
    _, exports = typescript_program(source).run(engine)
    assert_ran_through_the_plugin(deployment, exports)


@pytest.mark.parametrize(
    ("block", "report"),
    [
        pytest.param(block.code, block.report.code, id=f"{block.id} with its report")
        for block in blocks("typescript")
        if block.report is not None
    ],
)
def test_the_docs_show_what_the_engine_reports_for_wrong_inputs(engines, block, report):
    engine = engines["typescript"]
    deployment = engine.start_deployment(preview=True)
    with pytest.raises(ConstructError) as failure:
        TypeScriptProgram(block, STACK_CONFIG | {"aws:region": REGION}).run(engine)
    assert [line.strip() for line in failure.value.engine_message().splitlines()] == [
        line.strip() for line in report.strip().splitlines()
    ]
    assert deployment.resources == []


def test_typescript_and_yaml_examples_build_the_same_program():
    typescript = {
        component: set(literal)
        for _, component, literal in typescript_program("examples/typescript/index.ts").components
    }
    program = yaml_program()["resources"]
    yaml_side = {full_token(d["type"]).rsplit(":", 1)[-1]: set(d.get("properties", {})) for d in program.values()}
    assert typescript == yaml_side


@pytest.mark.parametrize("example", ["python", "typescript", "yaml"])
def test_each_example_declares_the_stack_config_it_reads(example):
    declared = yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())["config"]
    assert set(STACK_CONFIG) <= set(declared)


def test_the_docs_show_the_typescript_and_yaml_programs_and_an_invalid_one():
    """The docs' programs are among those run above: deleting them must be a decision, not an accident."""
    assert doc_blocks("typescript") and [block for block in doc_blocks("yaml") if "resources:" in block.code]
    assert [block for block in blocks("typescript") if block.report is not None]


# The critical path analysis the benchmarks report -----------------------------------------------


def test_a_false_dependency_lengthens_the_critical_path_beyond_the_topology_minimum():
    """Two independent databases, the second made to wait for the first: AWS could build both at once."""

    def program():
        key = EncryptionKey("key", {})
        args = {
            "kms_key_arn": key.key_arn,
            "engine": "postgres",
            "instance_class": "db.t4g.micro",
            "subnet_ids": SUBNETS,
            "vpc_security_group_ids": GROUPS,
        }
        first = EncryptedDatabase("first", args)
        EncryptedDatabase("second", args, opts=pulumi.ResourceOptions(depends_on=[first]))

    run = run_program(program, "dev", {"aws:region": REGION})
    actual, minimum = critical_paths(run.resources)
    assert (actual.length, minimum.length) == (2, 1)
    assert [run.by_urn(urn).name for urn in actual.urns] == ["first-instance", "second-instance"]
