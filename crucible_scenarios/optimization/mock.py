"""The mock tuning problem: a known accuracy surface over temperature, max_tokens and
few-shot examples, scored on seeded query sets (tuning and held-out), with its true
optimum so the regret is honest; and the Branin and Hartmann-6 test functions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.special import expit
from statsmodels.stats.proportion import proportion_confint

from crucible_scenarios.optimization.space import DEFAULT_CONFIG, Dimension, SearchSpace
from crucible_scenarios.validation import (
    brief_repr,
    make_rng,
    require_float,
    require_int,
)

DEFAULT_QUERIES = 50
#: Seed of the large reference population of queries the true surface averages over.
_REFERENCE_SEED = 20_240_601
_REFERENCE_QUERIES = 4000


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


# ------------------------------------------------------------------------- Branin
BRANIN_MINIMUM = 0.397887


def branin_space() -> SearchSpace:
    """The Branin function's usual domain: x1 in [-5, 10], x2 in [0, 15]."""
    return SearchSpace((Dimension("x1", "real", -5.0, 10.0),
                        Dimension("x2", "real", 0.0, 15.0)))


def _coordinates(config: Mapping[str, Any], names: tuple[str, ...]) -> list[float]:
    """The finite numbers ``config`` gives for ``names``, in that order."""
    if not isinstance(config, Mapping):
        raise ValueError(f"config must be a mapping, got {type(config).__name__}")
    coords = []
    for name in names:
        if name not in config:
            raise ValueError(f"config has no {name}")
        try:
            coords.append(float(config[name]))
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{name} must be a number, got {brief_repr(config[name])}"
                             ) from None
        if not math.isfinite(coords[-1]):
            raise ValueError(f"{name} must be finite, got {coords[-1]}")
    return coords


def branin(config: Mapping[str, Any]) -> float:
    """The Branin-Hoo test function (global minimum 0.397887 at three points);
    ``config`` sets x1 and x2 to finite numbers."""
    x1, x2 = _coordinates(config, ("x1", "x2"))
    a, b, c = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


# ------------------------------------------------------------------------- Hartmann-6
#: The global minimum of the six-dimensional Hartmann function on [0, 1]^6, and where it
#: lies (Dixon & Szego 1978; the values of Surjanovic & Bingham's Virtual Library of
#: Simulation Experiments).
HARTMANN6_MINIMUM = -3.32237
HARTMANN6_MINIMIZER = (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886],
                         [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650],
                         [4047, 8828, 8732, 5743, 1091, 381]])
_H6_NAMES = tuple(f"x{i}" for i in range(1, 7))


def hartmann6_space() -> SearchSpace:
    """The Hartmann-6 function's domain: x1 ... x6 each in [0, 1]."""
    return SearchSpace(tuple(Dimension(name, "real", 0.0, 1.0) for name in _H6_NAMES))


def hartmann6(config: Mapping[str, Any]) -> float:
    """The six-dimensional Hartmann function, ``-sum_i alpha_i exp(-sum_j A_ij (x_j -
    P_ij)^2)`` (global minimum -3.32237 on [0, 1]^6, six local minima); ``config`` sets x1
    ... x6 to finite numbers."""
    x = np.array(_coordinates(config, _H6_NAMES))
    return float(-_H6_ALPHA @ np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1)))
