"""Collecting argument problems so a component reports all of them at once, before it registers."""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.provider.experimental.analyzer import (
    is_dict,
    is_input,
    is_list,
    is_not_required,
    is_optional,
    is_required,
    unwrap_input,
    unwrap_not_required,
    unwrap_optional,
    unwrap_required,
)


class InvalidArgumentsError(pulumi.RunError):
    """Raised before a component registers anything; lists every problem with its argument."""

    def __init__(self, resource: str, problems: list[str]) -> None:
        self.resource = resource
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{resource}: {len(problems)} invalid argument(s); nothing was created:\n{lines}")

    def by_argument(self) -> list[tuple[str, str]]:
        """Each problem as (argument, message); the argument may end in an item: ``subnet_ids[1]``."""
        return [tuple(problem.split(": ", 1)) for problem in self.problems]  # type: ignore[misc]


def is_known(value: Any) -> bool:
    """Plain values can be checked now; Outputs, awaitables and unknowns come from other resources."""
    if _pending(value):
        return False
    if isinstance(value, (list, tuple)):
        return all(is_known(item) for item in value)
    return True


def _pending(value: Any) -> bool:
    """An Output, an awaitable, or a value a preview does not know yet."""
    return isinstance(value, (pulumi.Output, Unknown)) or hasattr(value, "__await__")


class ArgumentChecks:
    """Runs rules over a component's plain arguments and remembers every failure.

    Given the component's ``args`` and its args ``TypedDict``, first checks every argument against
    its declared type (the type the package schema shows other languages) and raises at once on
    any mismatch: the rules, and the component itself, need values of the declared types. A
    missing required argument is reported with the rest, unless a rule says more about it.
    """

    def __init__(self, resource: str, args: Mapping[str, Any] | None = None, args_type: type | None = None) -> None:
        self.resource = resource
        self.problems: list[str] = []
        self.missing: list[str] = []
        if args_type is not None:
            self.missing = missing_arguments(args or {}, args_type)
            self.problems += type_problems(args or {}, args_type)
            if self.problems:
                self.raise_if_any()

    def check(self, argument: str, value: Any, rule: Callable[..., str | None], *context: Any) -> None:
        if value is None or not is_known(value):
            return
        message = rule(value, *context)
        if message:
            self.problems.append(f"{argument}: {message}")

    def require(self, argument: str, value: Any) -> None:
        if value is None or value == "":
            self.problems.append(f"{argument}: is required")

    def raise_if_any(self) -> None:
        if not self.problems and not self.missing:
            return
        explained = {problem.split(":", 1)[0] for problem in self.problems}
        required = [f"{name}: is required" for name in self.missing if name not in explained]
        raise InvalidArgumentsError(self.resource, required + self.problems)


# Argument types ---------------------------------------------------------------------------------
#
# The schema other languages see is inferred from the args TypedDicts by the Pulumi SDK's analyzer;
# these checks read the same annotations with the analyzer's own helpers, so a value is judged
# against the type its caller was shown: string, integer, number, boolean, list or map.

Check = Callable[[Any, str], list[str]]


def type_problems(args: Mapping[str, Any], args_type: type) -> list[str]:
    """Every argument of another type than its annotation, as ``argument: message``."""
    fields, _ = _fields(args_type)
    return [
        problem for name, check in fields.items() if args.get(name) is not None for problem in check(args[name], name)
    ]


def missing_arguments(args: Mapping[str, Any], args_type: type) -> list[str]:
    """The required arguments (not ``NotRequired``) left out or given as None."""
    fields, required = _fields(args_type)
    return [name for name in fields if name in required and args.get(name) is None]


@cache
def _fields(args_type: type) -> tuple[dict[str, Check], frozenset[str]]:
    annotations: dict[str, Any] = {}
    for cls in reversed(args_type.__mro__):
        annotations |= inspect.get_annotations(cls)
    fields = {name: _checker(annotation) for name, annotation in annotations.items() if not name.startswith("_")}
    return fields, frozenset(getattr(args_type, "__required_keys__", ()))


def _checker(annotation: Any) -> Check:
    """A check for values of ``annotation``; an annotation the schema cannot express raises here."""
    accepts_outputs = False
    while True:
        if is_not_required(annotation):
            annotation = unwrap_not_required(annotation)
        elif is_required(annotation):
            annotation = unwrap_required(annotation)
        elif is_input(annotation):
            annotation, accepts_outputs = unwrap_input(annotation), True
        elif is_optional(annotation):
            annotation = unwrap_optional(annotation)
        else:
            break
    check = _value_checker(annotation)

    def checked(value: Any, where: str) -> list[str]:
        if not _pending(value):
            return check(value, where)
        if accepts_outputs:
            return []
        # A plain argument decides what the component creates, so it cannot wait for a resource.
        return [f"{where}: needs a value known when the stack runs, not the output of another resource"]

    return checked


def _value_checker(annotation: Any) -> Check:
    if annotation in _SIMPLE:
        accepts, expected = _SIMPLE[annotation]
        return _simple(accepts, expected, exact=annotation is int)
    if is_list(annotation):
        return _sequence(_checker(typing.get_args(annotation)[0]))
    if is_dict(annotation):
        key, value = typing.get_args(annotation)
        if key is not str:
            raise TypeError(f"map keys must be strings, not {key!r}")
        return _mapping(_checker(value))
    raise TypeError(f"no argument check for the annotation {annotation!r}")


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_SIMPLE: dict[type, tuple[Callable[[Any], bool], str]] = {
    str: (lambda value: isinstance(value, str), "a string"),
    bool: (lambda value: isinstance(value, bool), "true or false"),
    int: (_whole_number, "an integer (a whole number)"),
    float: (_number, "a number"),
}


def _shown(value: Any, *, exact: bool = False) -> str:
    if isinstance(value, float) and value.is_integer() and not exact:
        value = int(value)  # the caller wrote 5, which crossed the wire as 5.0
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _simple(accepts: Callable[[Any], bool], expected: str, *, exact: bool) -> Check:
    def check(value: Any, where: str) -> list[str]:
        return [] if accepts(value) else [f"{where}: must be {expected}; got {_shown(value, exact=exact)}"]

    return check


def _sequence(item: Check) -> Check:
    def check(value: Any, where: str) -> list[str]:
        if not isinstance(value, (list, tuple)):
            return [f"{where}: must be a list; got {_shown(value)}"]
        return [problem for index, element in enumerate(value) for problem in item(element, f"{where}[{index}]")]

    return check


def _mapping(item: Check) -> Check:
    def check(value: Any, where: str) -> list[str]:
        if not isinstance(value, Mapping):
            return [f"{where}: must be a map of names to values; got {_shown(value)}"]
        return [problem for key, element in value.items() for problem in item(element, f"{where}[{json.dumps(key)}]")]

    return check
