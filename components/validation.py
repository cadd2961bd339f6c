"""Collecting argument problems so a component reports all of them at once, before it registers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi


class InvalidArgumentsError(pulumi.RunError):
    """Raised before a component registers anything; lists every problem with its argument."""

    def __init__(self, resource: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{resource}: {len(problems)} invalid argument(s); nothing was created:\n{lines}")


def is_known(value: Any) -> bool:
    """Plain values can be checked now; Outputs and awaitables come from other resources."""
    if isinstance(value, pulumi.Output) or hasattr(value, "__await__"):
        return False
    if isinstance(value, (list, tuple)):
        return all(is_known(item) for item in value)
    return True


class ArgumentChecks:
    """Runs rules over a component's plain arguments and remembers every failure."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self.problems: list[str] = []

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
        if self.problems:
            raise InvalidArgumentsError(self.resource, self.problems)
