"""Invalid inputs from another language: an input-property error per bad property, nothing registered.

Through the plugin, started and called as the engine does, a Construct with bad inputs must fail
with the provider protocol's InputPropertiesError detail (status INVALID_ARGUMENT): every bad
property at once, by its schema (camelCase) name, with what is wrong and the fix, and no Python
traceback or Python names; the engine shows each as "property <name> with value '<value>' has a
problem: <reason>". The Python API keeps its own InvalidArgumentsError with Python names
(tests/test_argument_types.py).
"""

from __future__ import annotations

import re
from typing import Any

import grpc
import pytest
from test_argument_types import WRONG
from test_package_construct import KEY, NAMES, required_inputs, spec

from offline.package import ROOT, UNKNOWN, ConstructError, OutputValue, PulumiEngine

UPSTREAM = "urn:pulumi:dev::orders-database-ts::aws:kms/key:Key::orders"
DATABASE = required_inputs("EncryptedDatabase")
REPLICA = required_inputs("EncryptedReadReplica") | {"sourceKmsKeyArn": KEY}


@pytest.fixture(scope="module")
def engine():
    with PulumiEngine(ROOT / "examples" / "typescript", "dev", {"aws:region": "us-east-1"}).running() as running:
        yield running


def refused(engine: PulumiEngine, name: str, inputs: dict[str, Any], *, preview: bool = False) -> ConstructError:
    """Construct ``name`` expecting bad inputs; checks the form every such failure must have."""
    deployment = engine.start_deployment(preview=preview)
    with pytest.raises(ConstructError) as failure:
        engine.construct(name, "subject", inputs)
    error = failure.value
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT, error.message
    assert error.errors, "the InputPropertiesError detail lists each bad property"
    assert error.message == f"{name} 'subject': {len(error.errors)} invalid input(s); nothing was created"
    assert "Traceback" not in error.message and 'File "' not in error.message
    for path, reason in error.errors:
        unquoted = re.sub(r"'[^' ]*'", "", reason)
        assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", path + " " + unquoted), f"a Python name in {path}: {reason}"
    assert deployment.resources == [], "nothing is registered when inputs are invalid"
    return error


def integer_inputs() -> list[tuple[str, str]]:
    return [
        (name, prop)
        for name in NAMES
        for prop, definition in spec(name)["inputProperties"].items()
        if definition.get("type") == "integer"
    ]


@pytest.mark.parametrize(("name", "prop"), integer_inputs())
def test_a_fractional_number_for_an_integer_input_is_refused_by_its_schema_name(engine, name, prop):
    error = refused(engine, name, required_inputs(name) | {prop: 7.5})
    assert error.errors == [(prop, "must be an integer (a whole number); got 7.5")]


@pytest.mark.parametrize("name", NAMES)
def test_every_input_of_the_wrong_type_is_refused_at_once_by_schema_name(engine, name):
    properties = spec(name)["inputProperties"]
    inputs = {prop: WRONG[definition["type"]][0] for prop, definition in properties.items()}
    error = refused(engine, name, inputs)
    assert sorted(error.errors) == sorted(
        (prop, WRONG[definition["type"]][1]) for prop, definition in properties.items()
    )


@pytest.mark.parametrize("name", [name for name in NAMES if spec(name).get("requiredInputs")])
def test_every_missing_required_input_is_refused_at_once(engine, name):
    error = refused(engine, name, {})
    assert {path for path, _ in error.errors} >= set(spec(name)["requiredInputs"])


def test_items_of_lists_and_values_of_maps_are_named_by_their_paths(engine):
    inputs = DATABASE | {"subnetIds": ["subnet-0a1b2c3d4e5f60001", 7], "tags": {"Team": "data", "CostCenter": 1234}}
    error = refused(engine, "EncryptedDatabase", inputs)
    assert error.errors == [
        ("subnetIds[1]", "must be a string; got 7"),
        ('tags["CostCenter"]', "must be a string; got 1234"),
    ]
    assert error.engine_message().splitlines()[1:] == [
        "\t\t- property subnetIds[1] with value '{7}' has a problem: must be a string; got 7",
        "\t\t- property tags[\"CostCenter\"] with value '{1234}' has a problem: must be a string; got 1234",
    ]


def test_a_key_alias_as_kms_key_arn_is_refused_with_the_fix_naming_the_schema_property(engine):
    inputs = DATABASE | {"kmsKeyArn": "alias/orders"}
    error = refused(engine, "EncryptedDatabase", inputs)
    [(path, reason)] = error.errors
    assert path == "kmsKeyArn"
    assert reason.startswith("'alias/orders' is a key alias; RDS stores the key ARN")
    assert "pass the key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)" in reason
    assert error.engine_message().splitlines()[1] == (
        f"\t\t- property kmsKeyArn with value '{{alias/orders}}' has a problem: {reason}"
    )


def test_several_rule_violations_are_reported_at_once(engine):
    inputs = DATABASE | {
        "kmsKeyArn": "alias/aws/rds",
        "instanceClass": "db.m1.small",
        "backupRetentionDays": 0,
        "subnetIds": ["subnet-0a1b2c3d4e5f60001"],
        "performanceInsightsRetentionDays": 10,
    }
    error = refused(engine, "EncryptedDatabase", inputs)
    assert [path for path, _ in error.errors] == [
        "kmsKeyArn",
        "instanceClass",
        "subnetIds",
        "backupRetentionDays",
        "performanceInsightsRetentionDays",
    ]


def test_reasons_name_other_properties_by_their_schema_names(engine):
    """Rules write Python argument names into their reasons; callers of other languages read camelCase."""
    inputs = REPLICA | {"kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-00000000ffff"}
    error = refused(engine, "EncryptedReadReplica", inputs)
    [(path, reason)] = error.errors
    assert path == "kmsKeyArn"
    assert reason.endswith(
        "a replica in the source's region is always encrypted with the source's key: leave kmsKeyArn out"
    )


def test_quoted_values_keep_their_spelling_in_reasons(engine):
    error = refused(engine, "EncryptionKey", {"alias": "alias/aws/kms_key_arn"})
    [(path, reason)] = error.errors
    assert path == "alias" and "'alias/aws/kms_key_arn'" in reason


def test_a_plain_input_unknown_in_a_preview_is_refused_before_anything_is_registered(engine):
    """A plain input decides what is created; an output of another resource cannot be waited for."""
    inputs = dict(required_inputs("EncryptedCluster"))
    inputs["instanceCount"] = OutputValue(UNKNOWN, (UPSTREAM,))
    error = refused(engine, "EncryptedCluster", inputs, preview=True)
    assert error.errors == [
        ("instanceCount", "needs a value known when the stack runs, not the output of another resource")
    ]


def test_an_input_that_accepts_outputs_is_judged_when_given_a_value_and_left_for_later_when_unknown(engine):
    deployment = engine.start_deployment(preview=True)
    engine.construct("EncryptedDatabase", "subject", DATABASE | {"kmsKeyArn": OutputValue(UNKNOWN, (UPSTREAM,))})
    assert deployment.resources, "an unknown key ARN does not stop the preview"
    refused(engine, "EncryptedDatabase", DATABASE | {"kmsKeyArn": "alias/orders"}, preview=True)
