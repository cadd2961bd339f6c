"""The consumer examples in examples/: each creates a key, an encrypted database and a replica.

- Python (examples/python): the program itself runs under the mocks.
- YAML (examples/yaml): every resource type, property name and ``${resource.output}`` reference
  is checked against the schema, then the program is evaluated through the package provider
  (each resource a Construct request, references resolved to the outputs of earlier ones), the
  way Pulumi YAML runs it.
- TypeScript (examples/typescript): no SDK can be generated here (that needs the Pulumi CLI), so
  the object literal keys given to each ``new encryptedrds.<Component>(...)`` and the outputs read
  from them are checked against the schema.
"""

from __future__ import annotations

import json
import re
import runpy
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from benchmarks.program import critical_paths
from components import EncryptedDatabase, EncryptionKey
from components.package import PACKAGE_NAME, PACKAGE_VERSION
from offline.package import construct, package_schema, token
from offline.runtime import StackRun, project_file, run_program

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
GROUPS = ["sg-0a1b2c3d4e5f60001"]
STACK_CONFIG = {"subnetIds": SUBNETS, "securityGroupIds": GROUPS}
EXPRESSION = re.compile(r"^\$\{([^}]+)\}$")
INSTANCE = "aws:rds/instance:Instance"


def resources() -> dict[str, dict]:
    return package_schema()["resources"]


def assert_key_database_and_replica(run: StackRun) -> None:
    """What every example builds: one rotating key; a database on it; a same-region replica of it."""
    key = run.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    instances = run.of_type(INSTANCE)
    sources = [r for r in instances if "replicateSourceDb" not in r.inputs]
    replicas = [r for r in instances if "replicateSourceDb" in r.inputs]
    assert len(sources) == 1 and len(replicas) == 1, [r.name for r in instances]
    source, replica = sources[0], replicas[0]
    assert source.inputs["storageEncrypted"] is True
    assert source.inputs["kmsKeyId"] == key.outputs["arn"]
    assert source.inputs["identifier"] == "orders-db"
    assert replica.inputs["storageEncrypted"] is True
    assert replica.inputs["replicateSourceDb"] == "orders-db"
    assert "kmsKeyId" not in replica.inputs, "a same-region replica is encrypted with the source's key"
    assert replica.inputs["identifier"] == "orders-replica"


def assert_deploys_in_the_fewest_steps(run: StackRun) -> None:
    """Database, then replica: two long-running operations in a row, all the topology requires."""
    actual, minimum = critical_paths(run.resources)
    assert actual.length == minimum.length == 2


def assert_pins_this_release(project: dict) -> None:
    package = project["packages"][PACKAGE_NAME]
    assert package["source"].endswith("/components"), "the package is the components/ directory"
    assert package["version"] == PACKAGE_VERSION, "examples pin the current release"


# Python ----------------------------------------------------------------------------------------


def test_python_example_runs_and_builds_an_encrypted_database_and_replica():
    project = project_file()["name"]  # the mocks run every program under this project's name
    config = {"aws:region": "us-east-1"} | {f"{project}:{k}": json.dumps(v) for k, v in STACK_CONFIG.items()}
    run = run_program(lambda: runpy.run_path(str(EXAMPLES / "python" / "__main__.py")), "dev", config)
    assert_key_database_and_replica(run)
    assert_deploys_in_the_fewest_steps(run)
    assert set(run.outputs) == {"endpoint", "replicaEndpoint", "masterSecretArn", "kmsKeyArn"}
    declared = yaml.safe_load((EXAMPLES / "python" / "Pulumi.yaml").read_text())["config"]
    assert set(declared) == set(STACK_CONFIG)


# YAML ------------------------------------------------------------------------------------------


def yaml_program() -> dict:
    return yaml.safe_load((EXAMPLES / "yaml" / "Pulumi.yaml").read_text())


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


def test_yaml_example_uses_only_schema_types_properties_and_outputs():
    program = yaml_program()
    assert program["runtime"] == "yaml"
    assert_pins_this_release(program)
    declared_resources = program["resources"]
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
        elif head not in program.get("config", {}):
            problems.append(f"${{{ref}}}: no resource or config value {head}")
    assert not problems, "\n".join(problems)


def test_yaml_example_evaluated_through_the_package_provider():
    program = yaml_program()
    config = {key: spec.get("default") for key, spec in program["config"].items()} | STACK_CONFIG
    declared = program["resources"]
    order = TopologicalSorter(
        {
            name: {ref.split(".")[0] for ref in references(spec.get("properties")) if ref.split(".")[0] in declared}
            for name, spec in declared.items()
        }
    ).static_order()
    constructed: dict[str, Any] = {}

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

    def evaluate():
        for name in order:
            type_ = full_token(declared[name]["type"]).rsplit(":", 1)[-1]
            constructed[name] = construct(type_, name, resolve(declared[name].get("properties", {})))
        return {name: resolve(value) for name, value in program["outputs"].items()}

    run = run_program(evaluate, "dev", {"aws:region": config["region"]})
    assert_key_database_and_replica(run)
    assert_deploys_in_the_fewest_steps(run)
    assert {r.type for r in run.resources if not r.custom} == {full_token(d["type"]) for d in declared.values()}


# TypeScript ------------------------------------------------------------------------------------


def top_level_entries(source: str, start: int) -> tuple[list[str], int]:
    """Split the object literal opening at ``source[start] == '{'`` into its top-level entries."""
    assert source[start] == "{"
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
    raise AssertionError("unbalanced object literal")


def entry_key(entry: str) -> str:
    if entry.startswith("..."):
        raise AssertionError(f"spread '{entry}' cannot be checked against the schema; list the properties")
    match = re.match(r"""^(?:["']?)([A-Za-z_$][\w$]*)(?:["']?)\s*(?::|$)""", entry)
    assert match, f"cannot read the property name of '{entry}'"
    return match[1]


def typescript_components() -> list[tuple[str, str, set[str]]]:
    """(variable, component, property names) of each ``new encryptedrds.X("name", {...})``."""
    source = (EXAMPLES / "typescript" / "index.ts").read_text()
    found = []
    for match in re.finditer(r"(?:const|let)\s+(\w+)\s*=\s*new\s+encryptedrds\.(\w+)\(\s*\"[^\"]+\"\s*,\s*", source):
        entries, _ = top_level_entries(source, match.end())
        found.append((match[1], match[2], {entry_key(entry) for entry in entries}))
    return found


def test_typescript_example_imports_the_generated_sdk():
    source = (EXAMPLES / "typescript" / "index.ts").read_text()
    assert 'import * as encryptedrds from "@pulumi/encryptedrds";' in source
    package = json.loads((EXAMPLES / "typescript" / "package.json").read_text())
    assert package["dependencies"]["@pulumi/encryptedrds"] == "file:sdks/encryptedrds"
    project = yaml.safe_load((EXAMPLES / "typescript" / "Pulumi.yaml").read_text())
    assert project["runtime"]["name"] == "nodejs"
    assert_pins_this_release(project)


def test_typescript_example_uses_only_schema_inputs_and_outputs():
    source = (EXAMPLES / "typescript" / "index.ts").read_text()
    created = typescript_components()
    assert [component for _, component, _ in created] == ["EncryptionKey", "EncryptedDatabase", "EncryptedReadReplica"]
    problems = []
    for variable, component, given in created:
        spec = resources().get(token(component))
        if spec is None:
            problems.append(f"{variable}: encryptedrds.{component} is not in the schema")
            continue
        problems += [
            f"{variable}: {p} is not an input of {component}" for p in sorted(given - set(spec["inputProperties"]))
        ]
        missing = set(spec.get("requiredInputs", [])) - given
        problems += [f"{variable}: required input {p} is missing" for p in sorted(missing)]
        for read in re.findall(rf"\b{variable}\.(\w+)\b", source):
            if read not in spec["properties"] and read != "urn":
                problems.append(f"{variable}.{read} is not an output of {component}")
    assert not problems, "\n".join(problems)


def test_typescript_and_yaml_examples_build_the_same_program():
    typescript = {component: given for _, component, given in typescript_components()}
    program = yaml_program()["resources"]
    yaml_side = {full_token(d["type"]).rsplit(":", 1)[-1]: set(d.get("properties", {})) for d in program.values()}
    assert typescript == yaml_side


@pytest.mark.parametrize("example", ["python", "typescript", "yaml"])
def test_each_example_declares_the_stack_config_it_reads(example):
    declared = yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())["config"]
    assert set(STACK_CONFIG) <= set(declared)


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

    run = run_program(program, "dev", {"aws:region": "us-east-1"})
    actual, minimum = critical_paths(run.resources)
    assert (actual.length, minimum.length) == (2, 1)
    assert [run.by_urn(urn).name for urn in actual.urns] == ["first-instance", "second-instance"]
