"""Parameter search for a mock model: grid, random and Bayesian optimization of prompt
parameters (temperature, max_tokens, few-shot examples), validated on held-out queries.

The mock accuracy surface (:func:`expected_accuracy`) is a logistic model per query:

* each query has a task type (precise tasks like a low temperature, open tasks a higher
  one), a difficulty and the answer length it needs;
* the temperature penalty is quadratic around the task's sweet spot, and few-shot
  examples pull that sweet spot down (an interaction);
* few-shot gains saturate (``1 - exp(-k/2.5)``) while each example costs tokens: answers
  grow longer, so a small ``max_tokens`` truncates more of them (a second interaction),
  and long contexts distract slightly;
* ``max_tokens`` too small truncates answers (a truncated answer is wrong); beyond what
  answers need it only adds rambling, so returns diminish and then turn slightly down.

:func:`objective` draws one pass/fail outcome per query from these probabilities, so
repeated evaluation of one configuration varies (binomial noise). The best configuration
scores well below 100% (see :data:`TRUE_OPTIMUM`) and only a small part of the space is
within one point of it. Dimensions the mock model does not read (user-added ones) have no
effect: a search has to find out which knobs matter.
"""

from __future__ import annotations

import math
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from statsmodels.stats.proportion import proportion_confint

from crucible_scenarios.validation import (
    MAX_SEED,
    brief_repr,
    make_rng,
    require_choice,
    require_float,
    require_int,
)

STRATEGIES: tuple[str, ...] = ("grid", "random", "bayesian")
ACQUISITIONS: tuple[str, ...] = ("EI", "PI", "LCB", "gp_hedge")
KINDS: tuple[str, ...] = ("real", "integer", "categorical")
MIN_TRIALS, MAX_TRIALS = 2, 200
MAX_DIMENSIONS = 8
DEFAULT_TRIALS = 30
DEFAULT_QUERIES = 50
#: Extra random restarts of the marginal-likelihood fit of :func:`surrogate_surface`'s GP
#: (a display of any strategy's trials; the Bayesian search itself uses
#: ``crucible_scenarios.advisor.BAYES_SETTINGS``).
GP_RESTARTS = 0
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
#: Column names of the trial table that a dimension may not take.
RESERVED_NAMES = frozenset({"trial", "score", "best_so_far", "elapsed_s"})
#: The parameter values a model uses when nobody tunes it (typical API defaults).
DEFAULT_CONFIG: dict[str, Any] = {"temperature": 1.0, "max_tokens": 512, "few_shot": 0}
#: Seed of the large reference population of queries the true surface averages over.
_REFERENCE_SEED = 20_240_601
_REFERENCE_QUERIES = 4000

Kind = Literal["real", "integer", "categorical"]


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


def _check_rng(rng: object) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")


def _check_space(space: object) -> SearchSpace:
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
    _check_space(space)
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


# ------------------------------------------------------------------------- queries
@dataclass(frozen=True)
class QuerySet:
    """Test queries: task type (0 precise, 1 open-ended), difficulty (logit units) and the
    answer length in tokens each needs."""

    task: np.ndarray
    difficulty: np.ndarray
    length: np.ndarray

    def __len__(self) -> int:
        return int(self.task.size)


def make_queries(n: int, seed: int | np.random.Generator) -> QuerySet:
    """``n`` queries: 60% precise tasks, difficulty ~ N(0, 1), needed length log-normal
    with median 300 tokens (sigma 0.45)."""
    n = require_int("n", n, low=1, high=100_000)
    rng = make_rng(seed)
    task = (rng.random(n) < 0.4).astype(np.int8)
    difficulty = rng.normal(0.0, 1.0, n)
    length = np.exp(rng.normal(math.log(300.0), 0.45, n))
    return QuerySet(task, difficulty, length)


def tuning_queries(seed: int, n: int = DEFAULT_QUERIES) -> QuerySet:
    """The tuning set of a study: ``n`` queries from the study's seed."""
    make_rng(seed)
    return make_queries(n, np.random.default_rng([seed, 1]))


def holdout_queries(seed: int, n: int = DEFAULT_QUERIES) -> QuerySet:
    """Held-out queries, from a stream disjoint from :func:`tuning_queries`."""
    make_rng(seed)
    return make_queries(n, np.random.default_rng([seed, 2]))


@lru_cache(maxsize=1)
def reference_queries() -> QuerySet:
    """A large fixed population of queries on which the true surface is defined."""
    return make_queries(_REFERENCE_QUERIES, _REFERENCE_SEED)


def _param(config: Mapping[str, Any], name: str) -> float:
    value = config.get(name, DEFAULT_CONFIG[name])
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a number, got {brief_repr(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def _probabilities(temperature: np.ndarray | float, max_tokens: np.ndarray | float,
                   shots: np.ndarray | float, queries: QuerySet) -> np.ndarray:
    """Success probabilities, broadcasting parameter arrays of shape (k, 1) against the
    queries (shape (n,)) to (k, n)."""
    t = np.asarray(temperature, dtype=float)
    m = np.maximum(np.asarray(max_tokens, dtype=float), 1.0)
    k = np.maximum(np.asarray(shots, dtype=float), 0.0)
    sweet_spot = np.where(queries.task == 1, 1.1, 0.35) - 0.04 * k
    logit = (0.45 - queries.difficulty
             - 1.6 * (t - sweet_spot) ** 2
             + 1.3 * (1.0 - np.exp(-k / 2.5))
             - 0.035 * k
             - 0.6 * (m / 2000.0) ** 2)
    needed = queries.length * (1.0 + 0.06 * k) * (1.0 + 0.15 * t)
    truncated = expit((needed - m) / (0.08 * needed))
    return np.asarray(expit(logit) * (1.0 - truncated))


def success_probabilities(config: Mapping[str, Any], queries: QuerySet) -> np.ndarray:
    """Per-query probability that the mock model answers correctly under ``config``
    (the logistic model described in the module docstring); parameters missing from
    ``config`` take their :data:`DEFAULT_CONFIG` values; each must be a finite number."""
    if not isinstance(config, Mapping):
        raise ValueError(f"config must be a mapping, got {type(config).__name__}")
    if not isinstance(queries, QuerySet):
        raise ValueError(f"queries must be a QuerySet, got {type(queries).__name__}")
    return _probabilities(_param(config, "temperature"), _param(config, "max_tokens"),
                          _param(config, "few_shot"), queries)


def expected_accuracy(config: Mapping[str, Any], queries: QuerySet | None = None) -> float:
    """Noise-free accuracy of ``config``: the mean success probability over ``queries``
    (the large reference population when None)."""
    return float(success_probabilities(config, queries or reference_queries()).mean())


def objective(config: Mapping[str, Any], queries: QuerySet,
              seed: int | np.random.Generator) -> float:
    """Measured accuracy of ``config`` on ``queries``: one Bernoulli pass/fail per query
    with the probabilities of :func:`success_probabilities`, so repeated evaluation varies
    (binomial noise, standard deviation about 6 points on 50 queries)."""
    rng = make_rng(seed)
    p = success_probabilities(config, queries)
    return float((rng.random(p.size) < p).mean())


def expected_accuracy_grid(temperature: np.ndarray, max_tokens: np.ndarray,
                           few_shot: np.ndarray) -> np.ndarray:
    """Expected accuracy on the reference population for many configurations at once
    (three arrays of equal length, finite values), evaluated in chunks."""
    arrays = []
    for name, values in (("temperature", temperature), ("max_tokens", max_tokens),
                         ("few_shot", few_shot)):
        try:
            array = np.asarray(values, dtype=float).ravel()
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be an array of numbers") from None
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must hold finite numbers only")
        arrays.append(array)
    t, m, k = arrays
    if not t.size == m.size == k.size:
        raise ValueError(f"temperature, max_tokens and few_shot must have equal lengths, "
                         f"got {t.size}, {m.size} and {k.size}")
    queries = reference_queries()
    out = np.empty(t.size)
    chunk = 256
    for lo in range(0, t.size, chunk):
        hi = lo + chunk
        out[lo:hi] = _probabilities(t[lo:hi, None], m[lo:hi, None], k[lo:hi, None],
                                    queries).mean(axis=1)
    return out


#: The configuration of the default space with the highest expected accuracy on the
#: reference population, found by exhaustive search (every few_shot 0-10, max_tokens every
#: 10 tokens from 100 to 2000, temperature every 0.02, then refined to 0.005 and 1 token
#: around the winner); a unit test re-checks it with scipy's Nelder-Mead per few_shot.
TRUE_OPTIMUM_CONFIG: dict[str, Any] = {"temperature": 0.405, "max_tokens": 1134, "few_shot": 6}
#: Expected accuracy of :data:`TRUE_OPTIMUM_CONFIG` (68.94%): well below 100%.
TRUE_OPTIMUM_ACCURACY = 0.6894292523265694


def true_optimum() -> tuple[dict[str, Any], float]:
    """The documented true optimum of the default space and its expected accuracy."""
    return dict(TRUE_OPTIMUM_CONFIG), TRUE_OPTIMUM_ACCURACY


# ----------------------------------------------------------------------- optimize
ObjectiveFn = Callable[[dict[str, Any]], float]


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


def _default_objective(seed: int, n_queries: int) -> Callable[[dict[str, Any], int], float]:
    queries = tuning_queries(seed, n_queries)

    def evaluate(config: dict[str, Any], trial: int) -> float:
        return objective(config, queries, np.random.default_rng([seed, 3, trial]))

    return evaluate


def _check(strategy: str, space: SearchSpace, n_trials: int, seed: int,
           acquisition: str) -> None:
    require_choice("strategy", strategy, STRATEGIES)
    require_choice("acquisition", acquisition, ACQUISITIONS)
    if not isinstance(space, SearchSpace):
        raise ValueError(f"space must be a SearchSpace, got {type(space).__name__}")
    require_int("n_trials", n_trials, low=MIN_TRIALS, high=MAX_TRIALS)
    make_rng(seed)


def iter_optimize(strategy: str, space: SearchSpace, n_trials: int, seed: int, *,
                  objective: ObjectiveFn | None = None, maximize: bool = True,
                  acquisition: str = "EI",
                  n_queries: int = DEFAULT_QUERIES) -> Iterator[pd.DataFrame]:
    """Run a search and yield the cumulative trial table after each trial.

    * ``grid``: the balanced grid of :func:`grid_plan` (at most ``n_trials`` points),
      visited in a seeded random order;
    * ``random``: independent uniform draws from the space;
    * ``bayesian``: scikit-optimize's ``Optimizer`` (ask/tell) with a Gaussian-process
      surrogate (Matern 5/2 kernel) and the settings of
      ``crucible_scenarios.advisor.BAYES_SETTINGS`` (random starts, then the acquisition
      function, expected improvement, probability of improvement, lower confidence bound
      or the GP-hedge portfolio, maximized by L-BFGS from the best sampled candidates).

    Without ``objective`` the score is the mock model's measured accuracy on the study's
    tuning queries (:func:`objective`). Columns: trial, one per dimension, score,
    best_so_far, elapsed_s (wall-clock seconds since start; the only column that is not
    reproducible from the seed).
    """
    for rows in _iter_rows(strategy, space, n_trials, seed, objective=objective,
                           maximize=maximize, acquisition=acquisition, n_queries=n_queries):
        yield pd.DataFrame(rows)


def _iter_rows(strategy: str, space: SearchSpace, n_trials: int, seed: int, *,
               objective: ObjectiveFn | None, maximize: bool, acquisition: str,
               n_queries: int) -> Iterator[list[dict[str, Any]]]:
    """The trial rows so far (one growing list), after each trial."""
    _check(strategy, space, n_trials, seed, acquisition)
    n_queries = require_int("n_queries", n_queries, low=1, high=10_000)
    if objective is not None and not callable(objective):
        raise ValueError(f"objective must be callable, got {type(objective).__name__}")
    if objective is None:
        default = _default_objective(seed, n_queries)

        def score_of(config: dict[str, Any], trial: int) -> float:
            return default(config, trial)
    else:
        custom = objective

        def score_of(config: dict[str, Any], trial: int) -> float:
            try:
                score = float(custom(config))
            except (TypeError, ValueError, OverflowError):
                raise ValueError("objective must return a number") from None
            if not math.isfinite(score):
                raise ValueError(f"objective returned {score} for {config}; scores must be "
                                 "finite")
            return score

    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    best = -math.inf if maximize else math.inf

    def record(config: dict[str, Any], score: float) -> list[dict[str, Any]]:
        nonlocal best
        best = max(best, score) if maximize else min(best, score)
        rows.append({"trial": len(rows) + 1, **config, "score": score, "best_so_far": best,
                     "elapsed_s": time.perf_counter() - start})
        return rows

    if strategy == "bayesian":
        from dataclasses import replace

        from crucible_scenarios.advisor import BAYES_SETTINGS, make_optimizer, single_thread

        settings = replace(BAYES_SETTINGS, n_initial_points=min(
            BAYES_SETTINGS.n_initial_points, n_trials))
        optimizer = make_optimizer(space, seed % (2**32), acq_func=acquisition,
                                   settings=settings)
        for trial in range(1, n_trials + 1):
            with single_thread():
                point = optimizer.ask()
            config = {d.name: _plain(v) for d, v in zip(space.dimensions, point, strict=True)}
            score = score_of(config, trial)
            with warnings.catch_warnings(), single_thread():  # hyperparameters at a bound
                warnings.simplefilter("ignore", ConvergenceWarning)
                optimizer.tell(point, -score if maximize else score)
            yield record(config, score)
        return

    if strategy == "grid":
        points = grid_points(space, n_trials)
        order = make_rng(seed).permutation(len(points))
        configs = [points[i] for i in order]
    else:
        configs = space.sample(make_rng(seed), n_trials)
    for trial, config in enumerate(configs, start=1):
        yield record(config, score_of(config, trial))


def optimize(strategy: str, space: SearchSpace, n_trials: int, seed: int, *,
             objective: ObjectiveFn | None = None, maximize: bool = True,
             acquisition: str = "EI", n_queries: int = DEFAULT_QUERIES) -> pd.DataFrame:
    """The final trial table of :func:`iter_optimize` (one row per trial)."""
    rows: list[dict[str, Any]] = []
    for rows in _iter_rows(strategy, space, n_trials, seed, objective=objective,  # noqa: B007
                           maximize=maximize, acquisition=acquisition, n_queries=n_queries):
        pass
    return pd.DataFrame(rows)


def best_config(trials: pd.DataFrame, space: SearchSpace, *,
                maximize: bool = True) -> dict[str, Any]:
    """The configuration of the best-scoring trial (first one on ties)."""
    _check_trials(trials, space)
    scores = trials["score"].to_numpy(dtype=float)
    i = int(np.argmax(scores) if maximize else np.argmin(scores))
    config: dict[str, Any] = {}
    for dim in space.dimensions:
        value = trials[dim.name].iloc[i]
        config[dim.name] = (str(value) if dim.kind == "categorical" else
                            int(value) if dim.kind == "integer" else float(value))
    return config


def _check_trials(trials: object, space: object) -> pd.DataFrame:
    """``trials`` as a non-empty trial table with a score and a column per dimension."""
    names = _check_space(space).names
    if not isinstance(trials, pd.DataFrame):
        raise ValueError(f"trials must be a DataFrame, got {type(trials).__name__}")
    if trials.empty:
        raise ValueError("trials is empty")
    missing = [c for c in ["score", *names] if c not in trials.columns]
    if missing:
        raise ValueError(f"trials has no {missing[0]!r} column")
    try:
        scores = trials["score"].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError("trials' score column must be numeric") from None
    if not np.all(np.isfinite(scores)):
        raise ValueError("trials' scores must be finite")
    return trials


# ---------------------------------------------------------------------- surrogate
def surrogate_surface(space: SearchSpace, trials: pd.DataFrame, x: str, y: str, *,
                      seed: int, resolution: int = 24,
                      fixed: Mapping[str, Any] | None = None, maximize: bool = True,
                      xi: float = 0.01) -> pd.DataFrame:
    """Mean and standard deviation of a Gaussian-process surrogate fitted to the trials,
    and the expected improvement it promises, on a ``resolution`` x ``resolution`` grid
    over dimensions ``x`` and ``y`` (other dimensions held at ``fixed``, by default the
    best trial's values).

    The surrogate is the one scikit-optimize's Bayesian search uses (``cook_estimator``
    "GP": constant x Matern 5/2 kernel with a learned noise level, fitted on the space's
    normalized coordinates, to the negated scores when maximizing, as the search does);
    ``mean`` and ``std`` are in the trials' units. ``ei`` is skopt's ``gaussian_ei``
    (expected improvement over the best score so far by more than ``xi``).
    """
    from skopt.acquisition import gaussian_ei
    from skopt.space import Space
    from skopt.utils import cook_estimator

    _check_trials(trials, space)
    make_rng(seed)
    for label, name in (("x", x), ("y", y)):
        if name not in space.names:
            raise ValueError(f"{label} must be one of {space.names}, got {name!r}")
    if x == y:
        raise ValueError("x and y must be different dimensions")
    resolution = require_int("resolution", resolution, low=2, high=100)
    if len(trials) < 2:
        raise ValueError("trials needs at least two rows to fit a surrogate")
    if fixed is not None:
        if not isinstance(fixed, Mapping):
            raise ValueError(f"fixed must be a mapping, got {type(fixed).__name__}")
        unset = [n for n in space.names if n not in (x, y)
                 and (n not in fixed or not space[n].contains(fixed[n]))]
        if unset:
            raise ValueError(f"fixed must set {unset[0]!r} to a value inside its dimension")
    anchor = dict(fixed) if fixed is not None else best_config(trials, space)
    sk_space = Space([d.to_skopt() for d in space.dimensions])
    points = [[_plain(row[n]) for n in space.names] for _, row in trials.iterrows()]
    model = cook_estimator("GP", space=sk_space.dimensions, n_restarts_optimizer=GP_RESTARTS,
                           random_state=np.random.RandomState(seed % (2**32)))
    with warnings.catch_warnings():  # hyperparameters at a bound are expected
        warnings.simplefilter("ignore", ConvergenceWarning)
        target = trials["score"].to_numpy(dtype=float) * (-1.0 if maximize else 1.0)
        model.fit(sk_space.transform(points), target)

    def axis(name: str) -> list[Any]:
        dim = space[name]
        if dim.kind == "categorical":
            return list(dim.categories)
        return dim.levels(resolution if dim.kind == "real" else min(resolution,
                                                                     int(dim.n_values)))

    xs, ys = axis(x), axis(y)
    grid = [{**anchor, x: xv, y: yv} for yv in ys for xv in xs]
    grid_t = sk_space.transform([[g[n] for n in space.names] for g in grid])
    mean, std = model.predict(grid_t, return_std=True)
    ei = gaussian_ei(grid_t, model, y_opt=float(target.min()), xi=xi)
    return pd.DataFrame({x: [g[x] for g in grid], y: [g[y] for g in grid],
                         "mean": -mean if maximize else mean, "std": std, "ei": ei})


# --------------------------------------------------------------------- validation
@dataclass(frozen=True)
class ValidationResult:
    """Accuracy of one configuration on held-out queries with a 95% Wilson interval."""

    config: dict[str, Any]
    correct: int
    n: int
    accuracy: float
    low: float
    high: float
    expected: float


def validate(config: Mapping[str, Any], n_queries: int = DEFAULT_QUERIES, seed: int = 0, *,
             confidence: float = 0.95) -> ValidationResult:
    """Run ``config`` on ``n_queries`` held-out queries (a stream disjoint from the tuning
    set) and report the share answered correctly with a Wilson score interval
    (``statsmodels`` ``proportion_confint(method="wilson")``), plus its noise-free
    expected accuracy on the reference population."""
    n_queries = require_int("n_queries", n_queries, low=1, high=100_000)
    confidence = require_float("confidence", confidence, low=0.5, high=1.0, high_open=True)
    queries = holdout_queries(seed, n_queries)
    p = success_probabilities(config, queries)
    outcomes = np.random.default_rng([seed, 4]).random(p.size) < p
    correct = int(outcomes.sum())
    low, high = proportion_confint(correct, n_queries, alpha=1 - confidence, method="wilson")
    accuracy = correct / n_queries
    # The Wilson bounds at 0 or n successes are exactly 0 or 1; clip rounding residue.
    return ValidationResult(dict(config), correct, n_queries, accuracy,
                            min(float(low), accuracy), max(float(high), accuracy),
                            expected_accuracy(config))


def regret(config: Mapping[str, Any]) -> float:
    """Expected-accuracy gap between the true optimum of the default space and
    ``config`` (0 = found the optimum; can be negative only outside the default space)."""
    return true_optimum()[1] - expected_accuracy(config)


# --------------------------------------------------------------------- comparison
def compare_strategies(space: SearchSpace, n_trials: int, seeds: Sequence[int], *,
                       objective: ObjectiveFn | None = None, maximize: bool = True,
                       acquisition: str = "EI") -> pd.DataFrame:
    """Best-so-far curves of grid, random and Bayesian search over several seeds.

    Returns one row per (strategy, trial): median, 25th and 75th percentile of the
    best-so-far score across seeds, and the number of seeds with that trial (grid may use
    fewer trials than the budget).
    """
    try:
        seeds = [require_int("seeds", s, low=0, high=MAX_SEED) for s in seeds]
    except TypeError:
        raise ValueError("seeds must be a sequence of integers") from None
    if not seeds:
        raise ValueError("seeds must not be empty")
    frames = []
    for strategy in STRATEGIES:
        curves = []
        for seed in seeds:
            trials = optimize(strategy, space, n_trials, seed, objective=objective,
                              maximize=maximize, acquisition=acquisition)
            curves.append(trials.set_index("trial")["best_so_far"].rename(seed))
        table = pd.concat(curves, axis=1)
        frames.append(pd.DataFrame({
            "strategy": strategy, "trial": table.index.to_numpy(),
            "median": table.median(axis=1).to_numpy(),
            "q25": table.quantile(0.25, axis=1).to_numpy(),
            "q75": table.quantile(0.75, axis=1).to_numpy(),
            "n_seeds": table.notna().sum(axis=1).to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True)


def compare_recommendations(space: SearchSpace, n_trials: int, seeds: Sequence[int], *,
                            acquisition: str = "EI") -> pd.DataFrame:
    """A fairer comparison of strategies on the mock: the *true* expected accuracy
    (:func:`expected_accuracy`, known here) of the configuration each strategy would pick
    after ``n_trials``, both by the best observed score and by the advisor's best posterior
    mean (``crucible_scenarios.advisor.recommend``), over several seeds.

    Returns one row per (strategy, pick): median, 25th and 75th percentile over seeds and
    the number of seeds.
    """
    from crucible_scenarios.advisor import recommend

    _check_space(space)
    try:
        seeds = [require_int("seeds", s, low=0, high=MAX_SEED) for s in seeds]
    except TypeError:
        raise ValueError("seeds must be a sequence of integers") from None
    if not seeds:
        raise ValueError("seeds must not be empty")
    records = []
    for strategy in STRATEGIES:
        by_pick: dict[str, list[float]] = {"best observed": [], "best posterior mean": []}
        for seed in seeds:
            trials = optimize(strategy, space, n_trials, seed, acquisition=acquisition)
            by_pick["best observed"].append(expected_accuracy(best_config(trials, space)))
            rec = recommend(space, trials, seed=seed)
            by_pick["best posterior mean"].append(
                expected_accuracy({n: rec[n] for n in space.names}))
        for pick, values in by_pick.items():
            arr = np.asarray(values)
            records.append({"strategy": strategy, "pick": pick,
                            "median": float(np.median(arr)),
                            "q25": float(np.quantile(arr, 0.25)),
                            "q75": float(np.quantile(arr, 0.75)), "n_seeds": len(arr)})
    return pd.DataFrame(records)


# ------------------------------------------------------------------------- Branin
BRANIN_MINIMUM = 0.397887


def branin_space() -> SearchSpace:
    """The Branin function's usual domain: x1 in [-5, 10], x2 in [0, 15]."""
    return SearchSpace((Dimension("x1", "real", -5.0, 10.0),
                        Dimension("x2", "real", 0.0, 15.0)))


def branin(config: Mapping[str, Any]) -> float:
    """The Branin-Hoo test function (global minimum 0.397887 at three points);
    ``config`` sets x1 and x2 to finite numbers."""
    if not isinstance(config, Mapping):
        raise ValueError(f"config must be a mapping, got {type(config).__name__}")
    coords = []
    for name in ("x1", "x2"):
        if name not in config:
            raise ValueError(f"config has no {name}")
        try:
            coords.append(float(config[name]))
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{name} must be a number, got {brief_repr(config[name])}"
                             ) from None
        if not math.isfinite(coords[-1]):
            raise ValueError(f"{name} must be finite, got {coords[-1]}")
    x1, x2 = coords
    a, b, c = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


# ------------------------------------------------------------------- advisor
#: The advisor for the user's own trials lives in :mod:`crucible_scenarios.advisor`
#: (it builds on the space types above); its public names are re-exported here, loaded
#: on first use so that neither module imports the other at import time.
_ADVISOR_NAMES = frozenset({
    "BAYES_SETTINGS", "BayesSettings", "Trials", "Surrogate", "suggest", "recommend",
    "fit_surrogate", "partial_dependence", "importance", "convergence", "make_optimizer",
    "study_json", "study_csv", "space_to_dict", "space_from_dict", "with_suggestions",
    "binomial_noise", "single_thread",
})


def __getattr__(name: str) -> Any:
    if name in _ADVISOR_NAMES:
        from crucible_scenarios import advisor

        return getattr(advisor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
