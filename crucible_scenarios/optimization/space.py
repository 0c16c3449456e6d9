"""Search spaces of the Optimization Playground: real, integer and categorical dimensions
(linear or log), their grids and random samples, and their skopt equivalents."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from crucible_scenarios.validation import (
    require_choice,
    require_int,
)

Kind = Literal["real", "integer", "categorical"]


def _check_rng(rng: object) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")


def plain_value(value: Any) -> Any:
    """A numpy scalar as the Python int, float or str it holds (other values as given)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value



KINDS: tuple[str, ...] = ("real", "integer", "categorical")
MAX_DIMENSIONS = 8
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
#: Column names of the trial table that a dimension may not take.
RESERVED_NAMES = frozenset({"trial", "score", "best_so_far", "elapsed_s"})
#: The parameter values a model uses when nobody tunes it (typical API defaults).
DEFAULT_CONFIG: dict[str, Any] = {"temperature": 1.0, "max_tokens": 512, "few_shot": 0}


# --------------------------------------------------------------------------- space
@dataclass(frozen=True)
class Dimension:
    """One searchable parameter: a real or integer range [low, high] (optionally on a
    log scale) or a set of categories."""

    name: str
    kind: Kind
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not NAME_PATTERN.match(self.name):
            raise ValueError(
                f"dimension name must start with a letter or underscore and contain only "
                f"letters, digits and underscores (at most 32), got {self.name!r}")
        if self.name in RESERVED_NAMES:
            raise ValueError(f"dimension name {self.name!r} is reserved for the trial table")
        require_choice("kind", self.kind, KINDS)
        if self.kind == "categorical":
            cats = tuple(str(c) for c in self.categories)
            if len(cats) < 2:
                raise ValueError(f"dimension {self.name}: categories needs at least two "
                                 f"values, got {len(cats)}")
            if len(set(cats)) != len(cats):
                raise ValueError(f"dimension {self.name}: categories are repeated")
            object.__setattr__(self, "categories", cats)
            return
        for label, value in (("low", self.low), ("high", self.high)):
            if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
                    or not math.isfinite(float(value)):
                raise ValueError(f"dimension {self.name}: {label} must be a finite number, "
                                 f"got {value!r}")
        if self.kind == "integer" and (float(self.low) != int(self.low)
                                       or float(self.high) != int(self.high)):
            raise ValueError(f"dimension {self.name}: integer bounds must be whole numbers, "
                             f"got {self.low} and {self.high}")
        if not float(self.low) < float(self.high):
            raise ValueError(f"dimension {self.name}: low must be below high, got "
                             f"low={self.low}, high={self.high}")
        if self.log and float(self.low) <= 0:
            raise ValueError(f"dimension {self.name}: a log scale needs low > 0, "
                             f"got low={self.low}")

    @property
    def n_values(self) -> float:
        """How many distinct values the dimension holds (inf for a real range)."""
        if self.kind == "categorical":
            return len(self.categories)
        if self.kind == "integer":
            return int(self.high) - int(self.low) + 1
        return math.inf

    def levels(self, k: int) -> list[Any]:
        """``k`` evenly spaced values covering the dimension (log-spaced on a log scale;
        integers rounded and de-duplicated; categories: the first ``k``); ``k`` >= 1."""
        k = require_int("k", k, low=1)
        if self.kind == "categorical":
            return list(self.categories[:k])
        if k == 1:
            values = np.array([math.sqrt(self.low * self.high) if self.log
                               else (self.low + self.high) / 2])
        elif self.log:
            values = np.geomspace(self.low, self.high, k)
        else:
            values = np.linspace(self.low, self.high, k)
        if self.kind == "integer":
            return list(dict.fromkeys(int(v) for v in np.rint(values)))
        return [float(v) for v in values]

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        """``n`` independent uniform draws (log-uniform on a log scale); ``n`` >= 0."""
        _check_rng(rng)
        n = require_int("n", n, low=0)
        if self.kind == "categorical":
            return [self.categories[i] for i in rng.integers(0, len(self.categories), n)]
        if self.kind == "integer":
            if self.log:
                raw = np.exp(rng.uniform(math.log(self.low - 0.5 if self.low > 0.5 else
                                                  self.low), math.log(self.high + 0.5), n))
                return [int(v) for v in np.clip(np.rint(raw), self.low, self.high)]
            return [int(v) for v in rng.integers(int(self.low), int(self.high) + 1, n)]
        if self.log:
            return [float(v) for v in np.exp(rng.uniform(math.log(self.low),
                                                         math.log(self.high), n))]
        return [float(v) for v in rng.uniform(self.low, self.high, n)]

    def contains(self, value: Any) -> bool:
        """True when ``value`` lies in the dimension (right type, within range); False for
        anything that is not a finite number of a numeric dimension."""
        if self.kind == "categorical":
            return isinstance(value, str) and value in self.categories
        if isinstance(value, bool):
            return False
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            return False
        if not math.isfinite(number):
            return False
        if self.kind == "integer" and not number.is_integer():
            return False
        return bool(self.low <= number <= self.high)

    def to_skopt(self) -> Any:
        """The matching ``skopt.space`` dimension."""
        from skopt.space import Categorical, Integer, Real

        prior = "log-uniform" if self.log else "uniform"
        if self.kind == "categorical":
            return Categorical(list(self.categories), name=self.name)
        if self.kind == "integer":
            return Integer(int(self.low), int(self.high), prior=prior, name=self.name)
        return Real(float(self.low), float(self.high), prior=prior, name=self.name)

    def describe(self) -> str:
        """A short human description, e.g. ``integer 100-2000 (log)``."""
        if self.kind == "categorical":
            return "one of " + ", ".join(self.categories)
        scale = " (log)" if self.log else ""
        return f"{self.kind} {self.low:g}-{self.high:g}{scale}"


@dataclass(frozen=True)
class SearchSpace:
    """An ordered set of named dimensions (at least one, names unique)."""

    dimensions: tuple[Dimension, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        dims = tuple(self.dimensions)
        if not dims:
            raise ValueError("space is empty: add at least one dimension")
        if len(dims) > MAX_DIMENSIONS:
            raise ValueError(f"space has {len(dims)} dimensions; at most {MAX_DIMENSIONS}")
        names = [d.name for d in dims]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"dimension names are repeated: {', '.join(repeated)}")
        object.__setattr__(self, "dimensions", dims)

    @property
    def names(self) -> list[str]:
        """Dimension names in order."""
        return [d.name for d in self.dimensions]

    def __getitem__(self, name: str) -> Dimension:
        for dim in self.dimensions:
            if dim.name == name:
                return dim
        raise KeyError(name)

    def sample(self, rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
        """``n`` configurations drawn uniformly (log-uniformly on log scales); ``n`` >= 0."""
        _check_rng(rng)
        n = require_int("n", n, low=0)
        columns = {d.name: d.sample(rng, n) for d in self.dimensions}
        return [{name: columns[name][i] for name in self.names} for i in range(n)]

    def contains(self, config: Mapping[str, Any]) -> bool:
        """True when ``config`` sets every dimension to a value inside it."""
        if not isinstance(config, Mapping):
            raise ValueError(f"config must be a mapping of dimension names to values, got "
                             f"{type(config).__name__}")
        return all(d.name in config and d.contains(config[d.name]) for d in self.dimensions)


def check_space(space: object) -> SearchSpace:
    """``space`` itself when it is a :class:`SearchSpace`; a ValueError otherwise."""
    if not isinstance(space, SearchSpace):
        raise ValueError(f"space must be a SearchSpace, got {type(space).__name__}")
    return space


def default_space() -> SearchSpace:
    """temperature 0.0-2.0, max_tokens 100-2000 (log scale), few_shot 0-10."""
    return SearchSpace((
        Dimension("temperature", "real", 0.0, 2.0),
        Dimension("max_tokens", "integer", 100, 2000, log=True),
        Dimension("few_shot", "integer", 0, 10),
    ))


# ---------------------------------------------------------------------------- grid
@dataclass(frozen=True)
class GridPlan:
    """How a grid search spends its budget: levels per dimension and the grid size."""

    levels: dict[str, int]
    size: int
    n_trials: int

    @property
    def unused(self) -> int:
        """Trials of the budget the grid leaves unused."""
        return self.n_trials - self.size


def _grid_levels(space: SearchSpace, n_trials: int) -> dict[str, int]:
    """Levels requested per dimension by the greedy growth of :func:`grid_plan` (before
    integer rounding merges any)."""
    check_space(space)
    n_trials = require_int("n_trials", n_trials, low=1)
    levels = {d.name: 1 for d in space.dimensions}
    while True:
        growable = [d for d in space.dimensions if levels[d.name] < d.n_values]
        growable.sort(key=lambda d: levels[d.name])
        grown = False
        for dim in growable:
            size = math.prod(levels.values()) // levels[dim.name] * (levels[dim.name] + 1)
            if size <= n_trials:
                levels[dim.name] += 1
                grown = True
                break
        if not grown:
            return levels


def grid_plan(space: SearchSpace, n_trials: int) -> GridPlan:
    """The largest balanced grid within the budget: levels are added one dimension at a
    time (always to the dimension with the fewest levels that can still grow) while the
    product of levels stays within ``n_trials``. ``levels`` and ``size`` count the
    distinct values :func:`grid_points` visits (rounding may merge integer levels)."""
    requested = _grid_levels(space, n_trials)
    real = {d.name: len(d.levels(requested[d.name])) for d in space.dimensions}
    return GridPlan(real, math.prod(real.values()), int(n_trials))


def grid_points(space: SearchSpace, n_trials: int) -> list[dict[str, Any]]:
    """The configurations of :func:`grid_plan`'s grid (Cartesian product of evenly spaced
    levels), in lexicographic order; there are exactly ``grid_plan(...).size`` of them."""
    requested = _grid_levels(space, n_trials)
    # The axes come from the requested counts: asking again for the merged count would
    # space the integer levels differently and could merge some more.
    axes = [d.levels(requested[d.name]) for d in space.dimensions]
    mesh = np.array(np.meshgrid(*[np.arange(len(a)) for a in axes], indexing="ij"))
    index = mesh.reshape(len(axes), -1).T
    return [{d.name: axes[j][int(row[j])] for j, d in enumerate(space.dimensions)}
            for row in index]
