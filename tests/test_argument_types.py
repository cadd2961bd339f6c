"""Every component checks its arguments against their declared types before anything else.

The package schema other languages see is inferred from each component's args TypedDict; the
Python API judges a value against the same annotation, names the argument by its Python name and
registers nothing. (Over the provider protocol the same checks answer with schema names:
tests/test_package_inputs.py.)
"""

import inspect
from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
import pytest

from components import EncryptedCluster, EncryptionKey, EncryptionKeyArgs
from components.package import public_components
from components.validation import missing_arguments, type_problems
from offline.package import package_schema, token

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
#: A value of another type than each schema type, and the problem it must be reported as.
WRONG = {
    "string": (5, "must be a string; got 5"),
    "integer": (7.5, "must be an integer (a whole number); got 7.5"),
    "number": ("7", 'must be a number; got "7"'),
    "boolean": ("yes", 'must be true or false; got "yes"'),
    "array": ("subnet-0a1b2c3d4e5f60001", 'must be a list; got "subnet-0a1b2c3d4e5f60001"'),
    "object": ("Team=data", 'must be a map of names to values; got "Team=data"'),
}


def args_type(component: type) -> type:
    return inspect.get_annotations(component.__init__)["args"]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@pytest.mark.parametrize("component", public_components(), ids=lambda component: component.__name__)
def test_every_argument_of_the_wrong_schema_type_is_refused_by_name_before_anything_is_registered(component, refused):
    """All arguments wrong at once: one problem each, named in Python, judged by its schema type."""
    schema = package_schema()["resources"][token(component)]["inputProperties"]
    fields = list(inspect.get_annotations(args_type(component)))
    args = {field: WRONG[schema[camel(field)]["type"]][0] for field in fields}
    problems = refused(lambda: component("subject", args))
    assert problems == [f"{field}: {WRONG[schema[camel(field)]['type']][1]}" for field in fields]


def test_a_fractional_integer_is_refused_not_truncated(refused):
    problems = refused(lambda: EncryptionKey("key", {"deletion_window_days": 7.5}))
    assert problems == ["deletion_window_days: must be an integer (a whole number); got 7.5"]


def test_a_float_is_not_an_integer_even_when_whole_in_python(refused):
    """Python callers pass ints; a float would reach ``range`` or AWS as a float."""
    problems = refused(lambda: EncryptionKey("key", {"rotation_period_days": 365.0}))
    assert problems == ["rotation_period_days: must be an integer (a whole number); got 365.0"]


def test_a_boolean_is_not_an_integer(refused):
    problems = refused(lambda: EncryptionKey("key", {"deletion_window_days": True}))
    assert problems == ["deletion_window_days: must be an integer (a whole number); got true"]


def test_items_of_lists_and_values_of_maps_are_checked_and_named_by_position_and_key(refused):
    problems = refused(
        lambda: EncryptionKey(
            "key", {"administrator_arns": ["arn:aws:iam::123456789012:role/Admin", 7], "tags": {"Team": 1}}
        )
    )
    assert problems == ["administrator_arns[1]: must be a string; got 7", 'tags["Team"]: must be a string; got 1']


def test_every_missing_required_argument_is_reported_with_the_wrong_types(refused):
    problems = refused(lambda: EncryptedCluster("cluster", {"engine": "aurora-postgresql", "instance_count": 1.5}))
    assert problems == [
        "kms_key_arn: is required",
        "instance_class: is required",
        "subnet_ids: is required",
        "vpc_security_group_ids: is required",
        "instance_count: must be an integer (a whole number); got 1.5",
    ]


def test_outputs_and_unknown_values_are_left_for_later():
    """An input that accepts outputs is judged by the resource it reaches, once known."""
    args = {
        "kms_key_arn": pulumi.Output.from_input(KEY_ARN),
        "subnet_ids": [pulumi.Output.from_input("subnet-0a1b2c3d4e5f60001"), pulumi.output.Unknown()],
        "tags": pulumi.output.Unknown(),
    }
    assert type_problems(args, args_type(EncryptedCluster)) == []


def test_an_argument_none_counts_as_left_out():
    assert type_problems({"alias": None, "deletion_window_days": None}, EncryptionKeyArgs) == []
    assert missing_arguments({"kms_key_arn": None}, args_type(EncryptedCluster))[0] == "kms_key_arn"


@pytest.mark.parametrize("component", public_components(), ids=lambda component: component.__name__)
def test_no_arguments_at_all_reports_every_required_one_and_never_fails_otherwise(component, refused):
    """The checks run on whatever is given: a rule or the component never trips over a missing argument."""
    required = sorted(args_type(component).__required_keys__)
    if not required:
        pytest.skip(f"{component.__name__} has no required argument")
    problems = refused(lambda: component("subject", {}))
    assert {problem.split(":")[0] for problem in problems} >= set(required)


def test_an_annotation_the_checks_cannot_express_fails_loudly():
    class OddArgs(TypedDict):
        names: NotRequired[set[str]]
        sizes: NotRequired[Sequence[complex]]

    with pytest.raises(TypeError, match="no argument check for the annotation"):
        type_problems({}, OddArgs)


def test_a_plain_argument_cannot_wait_for_another_resource(refused):
    """Plain arguments decide what is created (how many instances, which region): never outputs."""
    problems = refused(lambda: EncryptionKey("key", {"region": pulumi.Output.from_input("us-east-1")}))
    assert problems == ["region: needs a value known when the stack runs, not the output of another resource"]
