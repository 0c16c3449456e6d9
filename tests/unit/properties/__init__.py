"""Property-based checks (hypothesis) of every public function in ``crucible_scenarios``.

Each property test names the functions it exercises with :func:`exercises`; the inventory
test fails when a public function is exercised by no property test, or when a test names
a function its source never calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: ``"module.function"`` (the module's path below ``crucible_scenarios``, e.g.
#: ``"hedging.simulation.simulate"``) -> the property tests that exercise it.
EXERCISED: dict[str, list[Callable[..., Any]]] = {}


def exercises(*functions: Callable[..., Any]) -> Callable[[F], F]:
    """Record that the decorated property test calls each of ``functions``."""

    def mark(test: F) -> F:
        for function in functions:
            module = function.__module__.removeprefix("crucible_scenarios.")
            EXERCISED.setdefault(f"{module}.{function.__qualname__}", []).append(test)
        return test

    return mark
