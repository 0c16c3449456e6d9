"""Time units of latency columns: guessed from the column's name or, failing that, from
the magnitude of its values, and always stated so a page can say what it assumed and let
the user override it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

#: Factor from each supported unit to milliseconds.
TO_MS: dict[str, float] = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1000.0}

_NAME_HINTS: tuple[tuple[str, str], ...] = (
    (r"(^|[_\W])(ns|nanos?|nanoseconds?)($|[_\W])", "ns"),
    (r"(^|[_\W])(us|µs|micros?|microseconds?)($|[_\W])", "us"),
    (r"(^|[_\W])(ms|millis?|milliseconds?|msec)($|[_\W])", "ms"),
    (r"(^|[_\W])(s|sec|secs|seconds?)($|[_\W])", "s"),
)
#: Columns that some tools always write in one unit, whatever the values look like.
_KNOWN_COLUMNS: dict[str, str] = {
    "elapsed": "ms", "latency": "ms", "connect": "ms", "idletime": "ms",
    "ttime": "ms", "ctime": "ms", "dtime": "ms", "wait": "ms",
    "http_req_duration": "ms", "duration_ms": "ms",
}


@dataclass(frozen=True)
class UnitGuess:
    """A unit and why it was chosen ("column name", "magnitude", "given")."""

    unit: str
    reason: str

    def describe(self) -> str:
        """E.g. ``"s (from the column name)"``."""
        return f"{self.unit} (from the {self.reason})" if self.reason != "given" else (
            f"{self.unit} (as given)")


def unit_from_name(column: str) -> str | None:
    """The unit a column name states (``latency_ms``, ``end_to_end_latency_s``), if any."""
    lowered = column.strip().lower()
    if lowered in _KNOWN_COLUMNS:
        return _KNOWN_COLUMNS[lowered]
    for pattern, unit in _NAME_HINTS:
        if re.search(pattern, lowered):
            return unit
    return None


def guess_unit(column: str, values: np.ndarray, *, given: str | None = None) -> UnitGuess:
    """The unit of a latency column: ``given`` if set; else the one its name states;
    else by magnitude: a median under 30 reads as seconds (no API answers in under
    30 ms as a rule, and no request takes 30 s as a rule), otherwise milliseconds."""
    if given is not None:
        if given not in TO_MS:
            raise ValueError(f"unit must be one of {sorted(TO_MS)}, got {given!r}")
        return UnitGuess(given, "given")
    named = unit_from_name(column)
    if named is not None:
        return UnitGuess(named, "column name")
    finite = values[np.isfinite(values)]
    median = float(np.median(finite)) if finite.size else 0.0
    return UnitGuess("s" if median < 30 else "ms", "magnitude")
