"""The search-space editor's text format, parsed and checked at the edge.

One dimension per line::

    temperature real 0 2
    max_tokens integer 100 2000 log
    style categorical terse, chatty, formal

Blank lines and lines starting with ``#`` are ignored. Every problem is reported with its
line number and a precise reason; user text in messages is escaped for Markdown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from crucible_scenarios.optimization import (
    KINDS,
    MAX_DIMENSIONS,
    NAME_PATTERN,
    RESERVED_NAMES,
    Dimension,
    SearchSpace,
    default_space,
)
from crucible_ui.text import escape_markdown

MAX_TEXT = 2000


def _shortest(value: float) -> str:
    """``value`` as short as it can be written and still read back as the same float:
    ``%g`` when that round-trips, else Python's shortest round-tripping ``repr``."""
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


def format_space(space: SearchSpace) -> str:
    """The editor text of ``space`` (inverse of :func:`parse_space`: every bound reads
    back as the same number)."""
    lines = []
    for dim in space.dimensions:
        if dim.kind == "categorical":
            lines.append(f"{dim.name} categorical {', '.join(dim.categories)}")
        else:
            if dim.kind == "integer":
                low, high = str(int(dim.low)), str(int(dim.high))
            else:
                low, high = _shortest(dim.low), _shortest(dim.high)
            lines.append(f"{dim.name} {dim.kind} {low} {high}" + (" log" if dim.log else ""))
    return "\n".join(lines)


DEFAULT_SPACE_TEXT = format_space(default_space())


@dataclass(frozen=True)
class ParsedSpace:
    """The parsed space (None when any line is wrong) and the messages for the user."""

    space: SearchSpace | None
    errors: tuple[str, ...]


def _shown(text: str, limit: int = 40) -> str:
    short = text if len(text) <= limit else text[:limit] + "…"
    return f"`{escape_markdown(short)}`" if short else "(empty)"


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse_line(number: int, line: str) -> tuple[Dimension | None, str | None]:
    where = f"Line {number}"
    parts = line.split(None, 2)
    if len(parts) < 2:
        return None, (f"{where}: write `name kind low high` (kinds: {', '.join(KINDS)}), "
                      f"got {_shown(line)}")
    name, kind = parts[0], parts[1].lower()
    if not NAME_PATTERN.match(name):
        return None, (f"{where}: the name {_shown(name)} is not allowed; use letters, digits "
                      "and underscores (starting with a letter or underscore, at most 32)")
    if name in RESERVED_NAMES:
        return None, (f"{where}: the name `{name}` is reserved for a column of the trial "
                      f"table ({', '.join(sorted(RESERVED_NAMES))}); pick another")
    where = f"Line {number} ({name})"
    if kind not in KINDS:
        return None, f"{where}: kind must be one of {', '.join(KINDS)}, got {_shown(kind)}"
    rest = parts[2] if len(parts) > 2 else ""
    if kind == "categorical":
        cats = [c.strip() for c in rest.split(",") if c.strip()]
        if len(cats) < 2:
            return None, f"{where}: list at least two categories, separated by commas"
        if len(set(cats)) != len(cats):
            return None, f"{where}: a category is listed twice"
        if any(len(c) > 40 for c in cats):
            return None, f"{where}: categories are at most 40 characters long"
        return Dimension(name, "categorical", categories=tuple(cats)), None
    tokens = rest.split()
    log = bool(tokens) and tokens[-1].lower() == "log"
    if log:
        tokens = tokens[:-1]
    if len(tokens) != 2:
        return None, f"{where}: give a low and a high value, e.g. `{name} {kind} 0 10`"
    low, high = _number(tokens[0]), _number(tokens[1])
    if low is None or high is None:
        return None, (f"{where}: low and high must be finite numbers, got "
                      f"{_shown(tokens[0])} and {_shown(tokens[1])}")
    if kind == "integer" and (low != int(low) or high != int(high)):
        return None, f"{where}: integer ranges need whole numbers, got {low:g} and {high:g}"
    if low >= high:
        return None, (f"{where}: the range is empty: low ({low:g}) must be below "
                      f"high ({high:g})")
    if log and low <= 0:
        return None, f"{where}: a log scale needs low above 0, got {low:g}"
    return Dimension(name, kind, low, high, log=log), None  # type: ignore[arg-type]


def parse_space(text: str) -> ParsedSpace:
    """Parse the editor text into a :class:`SearchSpace`, collecting every problem."""
    if len(text) > MAX_TEXT:
        return ParsedSpace(None, (f"The space description is too long ({len(text):,} "
                                  f"characters; at most {MAX_TEXT:,}).",))
    dims: list[Dimension] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        dim, error = _parse_line(number, line)
        if error:
            errors.append(error)
            continue
        assert dim is not None
        if dim.name in seen:
            errors.append(f"Line {number}: the name `{dim.name}` is already used on line "
                          f"{seen[dim.name]}; names must be unique")
            continue
        seen[dim.name] = number
        dims.append(dim)
    if not dims and not errors:
        errors.append("The space is empty: add at least one dimension, e.g. "
                      "`temperature real 0 2`.")
    if len(dims) > MAX_DIMENSIONS:
        errors.append(f"The space has {len(dims)} dimensions; at most {MAX_DIMENSIONS}.")
    if errors:
        return ParsedSpace(None, tuple(errors))
    return ParsedSpace(SearchSpace(tuple(dims)), ())
