"""Grid, random and Bayesian search (a Gaussian process with EI, PI, LCB or gp_hedge
through scikit-optimize's ask/tell; Snoek, Larochelle & Adams 2012), run trial by trial,
the surrogate surface of any strategy's trials, re-validation of the winner with a
Wilson interval, and comparisons of strategies over seeds (Bergstra & Bengio 2012)."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from crucible_scenarios.optimization.advisor import (
    ACQUISITIONS,
    BAYES_SETTINGS,
    make_optimizer,
    recommend,
    single_thread,
)
from crucible_scenarios.optimization.mock import (
    DEFAULT_QUERIES,
    expected_accuracy,
    objective,
    tuning_queries,
)
from crucible_scenarios.optimization.space import SearchSpace, check_space, grid_points, plain_value
from crucible_scenarios.validation import (
    MAX_SEED,
    make_rng,
    require_choice,
    require_int,
)

STRATEGIES: tuple[str, ...] = ("grid", "random", "bayesian")
MIN_TRIALS, MAX_TRIALS = 2, 200
DEFAULT_TRIALS = 30
#: Extra random restarts of the marginal-likelihood fit of :func:`surrogate_surface`'s GP
#: (a display of any strategy's trials; the Bayesian search itself uses
#: ``crucible_scenarios.optimization.advisor.BAYES_SETTINGS``).
GP_RESTARTS = 0


# ----------------------------------------------------------------------- optimize
ObjectiveFn = Callable[[dict[str, Any]], float]


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
      ``crucible_scenarios.optimization.advisor.BAYES_SETTINGS`` (random starts, then the
      acquisition function, expected improvement, probability of improvement, lower
      confidence bound or the GP-hedge portfolio, maximized by L-BFGS from the best
      sampled candidates).

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


        settings = replace(BAYES_SETTINGS, n_initial_points=min(
            BAYES_SETTINGS.n_initial_points, n_trials))
        optimizer = make_optimizer(space, seed % (2**32), acq_func=acquisition,
                                   settings=settings)
        for trial in range(1, n_trials + 1):
            with single_thread():
                point = optimizer.ask()
            config = {d.name: plain_value(v) for d, v in zip(space.dimensions, point, strict=True)}
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
    names = check_space(space).names
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
    points = [[plain_value(row[n]) for n in space.names] for _, row in trials.iterrows()]
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


# --------------------------------------------------------------------- comparison
def _check_seeds(seeds: Sequence[int]) -> list[int]:
    try:
        checked = [require_int("seeds", s, low=0, high=MAX_SEED) for s in seeds]
    except TypeError:
        raise ValueError("seeds must be a sequence of integers") from None
    if not checked:
        raise ValueError("seeds must not be empty")
    return checked


def compare_strategies(space: SearchSpace, n_trials: int, seeds: Sequence[int], *,
                       objective: ObjectiveFn | None = None, maximize: bool = True,
                       acquisition: str = "EI") -> pd.DataFrame:
    """Best-so-far curves of grid, random and Bayesian search over several seeds.

    Returns one row per (strategy, trial): median, 25th and 75th percentile of the
    best-so-far score across seeds, and the number of seeds with that trial (grid may use
    fewer trials than the budget).
    """
    seeds = _check_seeds(seeds)
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
    mean (``crucible_scenarios.optimization.advisor.recommend``), over several seeds.

    Returns one row per (strategy, pick): median, 25th and 75th percentile over seeds and
    the number of seeds.
    """
    check_space(space)
    seeds = _check_seeds(seeds)
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


# ------------------------------------------------------------------- advisor
#: The advisor for the user's own trials lives in :mod:`crucible_scenarios.optimization.advisor`
#: (it builds on the space types above); its public names are re-exported here, loaded
#: on first use so that neither module imports the other at import time.
_ADVISOR_NAMES = frozenset({
    "BAYES_SETTINGS", "BayesSettings", "Trials", "Surrogate", "suggest", "recommend",
    "fit_surrogate", "partial_dependence", "importance", "convergence", "make_optimizer",
    "study_json", "study_csv", "space_to_dict", "space_from_dict", "with_suggestions",
    "binomial_noise", "single_thread",
})
