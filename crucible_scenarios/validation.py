"""Argument checks shared by the scenarios: a bad argument raises ``ValueError`` with a
message that names it, before any numpy or scipy internals see it."""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterable

import numpy as np

MAX_SEED = 2**32 - 1

# Messages show a bad value through a bounded repr: a deeply nested or huge object must
# not make the message itself fail (RecursionError) or run to megabytes.
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 3, 60, 60, 40


def brief_repr(value: object) -> str:
    """A short ``repr`` of ``value`` for error messages, safe for any object."""
    try:
        return _REPR.repr(value)
    except Exception:  # a broken __repr__ must not hide the real problem
        return f"<{type(value).__name__}>"


def make_rng(seed: int | np.random.Generator) -> np.random.Generator:
    """A PCG64 generator from a non-negative integer seed (or the generator itself)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {brief_repr(seed)}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"seed must lie in [0, {MAX_SEED}], got {brief_repr(seed)}")
    return np.random.default_rng(int(seed))


def require_int(name: str, value: object, *, low: int | None = None,
                high: int | None = None) -> int:
    """``value`` as an int within [low, high]; ``ValueError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {brief_repr(value)}")
    number = int(value)
    if low is not None and number < low:
        raise ValueError(f"{name} must be at least {low}, got {brief_repr(number)}")
    if high is not None and number > high:
        raise ValueError(f"{name} must be at most {high}, got {brief_repr(number)}")
    return number


def require_float(name: str, value: object, *, low: float | None = None,
                  high: float | None = None, low_open: bool = False,
                  high_open: bool = False) -> float:
    """``value`` as a finite float within the given bounds (open or closed)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number, got {brief_repr(value)}")
    try:
        number = float(value)
    except OverflowError:  # a Python int beyond the float range
        raise ValueError(f"{name} must be finite, got an integer too large for a "
                         "float") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    if low is not None and (number <= low if low_open else number < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {number}")
    if high is not None and (number >= high if high_open else number > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {number}")
    return number


def require_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """``value`` if it is one of ``choices``; ``ValueError`` listing them otherwise."""
    options = list(choices)
    # Only text can name a choice; comparing other objects (arrays) to the options could
    # itself raise or give an ambiguous truth value.
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {options}, got {brief_repr(value)}")
    return str(value)
