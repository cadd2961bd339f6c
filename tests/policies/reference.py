"""The straightforward stack lookups the pack's indexes replaced: what they must keep answering."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sdk_args import rdsguard

Stack = rdsguard.rule.Stack


def scan_find(stack: Any, types: tuple[str, ...], value: Any, *props: str) -> Any:
    """The first resource of ``types`` (type by type, in stack order) whose ``props`` hold ``value``."""
    if not isinstance(value, str) or not value:
        return None
    for resource in stack.of(*types):
        if any(resource.props.get(prop) == value for prop in props):
            return resource
    return None


@contextmanager
def linear_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within: every Stack lookup scans, and nothing is cached between rules."""
    with monkeypatch.context() as linear:
        linear.setattr(Stack, "find", scan_find)
        linear.setattr(Stack, "cached", lambda _stack, function, *args: function(*args))
        yield
