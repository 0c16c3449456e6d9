"""The playground's Bayesian search beside scikit-optimize's ``gp_minimize`` (its own
defaults) and optuna's TPE sampler, on the two problems of skopt's benchmark suite:
Branin (50 calls, within 1% of 0.397887) and Hartmann-6 (100 calls, within 1% of
-3.32237). Same seeds, same run: calls until the best value is within 1% (per seed, and
the median with a miss counted as budget + 1) and the median wall time per call.

Branin runs over seeds 0-29 and also reports seeds 0-9 alone: the calls a seed needs
scatter widely (17 to 50 here), so a median over ten seeds moves by several calls from
one set of seeds to the next.
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.core import Row
from crucible_scenarios.optimization import (
    BRANIN_MINIMUM,
    HARTMANN6_MINIMUM,
    SearchSpace,
    branin,
    branin_space,
    hartmann6,
    hartmann6_space,
    optimize,
    single_thread,
)

AREA = "bayes"


@dataclass(frozen=True)
class Problem:
    name: str
    space: SearchSpace
    objective: Callable[[Mapping[str, Any]], float]
    target: float
    budget: int
    seeds: range


PROBLEMS = (
    Problem("Branin", branin_space(), branin, BRANIN_MINIMUM * 1.01, 50, range(30)),
    Problem("Hartmann-6", hartmann6_space(), hartmann6, HARTMANN6_MINIMUM * 0.99, 100,
            range(10)),
)
Outcome = tuple[int | None, float]  # calls to the target (None: not within the budget), s/call


def _first_hit(values: list[float], target: float) -> int | None:
    return next((i + 1 for i, v in enumerate(values) if v <= target), None)


def crucible(problem: Problem, seed: int) -> Outcome:
    """The playground's search (``optimize("bayesian", ...)``, BAYES_SETTINGS)."""
    start = time.perf_counter()
    trials = optimize("bayesian", problem.space, problem.budget, seed,
                      objective=problem.objective, maximize=False)
    per_call = (time.perf_counter() - start) / problem.budget
    return _first_hit(trials["score"].tolist(), problem.target), per_call


def gp_minimize(problem: Problem, seed: int) -> Outcome:
    """``skopt.gp_minimize`` with its defaults (gp_hedge, 10 random starts, L-BFGS-B on
    10,000 candidates), BLAS on one thread as for the playground."""
    from skopt import gp_minimize as skopt_gp_minimize

    names = problem.space.names
    bounds = [(d.low, d.high) for d in problem.space.dimensions]
    start = time.perf_counter()
    with warnings.catch_warnings(), single_thread():
        warnings.simplefilter("ignore")
        result = skopt_gp_minimize(
            lambda x: problem.objective(dict(zip(names, x, strict=True))), bounds,
            n_calls=problem.budget, random_state=seed)
    per_call = (time.perf_counter() - start) / problem.budget
    return _first_hit([float(v) for v in result.func_vals], problem.target), per_call


def tpe(problem: Problem, seed: int) -> Outcome:
    """optuna's ``TPESampler(seed=seed)`` with its defaults (10 random starts)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    start = time.perf_counter()
    values = []
    for _ in range(problem.budget):
        trial = study.ask()
        config = {d.name: trial.suggest_float(d.name, float(d.low), float(d.high))
                  for d in problem.space.dimensions}
        values.append(problem.objective(config))
        study.tell(trial, values[-1])
    per_call = (time.perf_counter() - start) / problem.budget
    return _first_hit(values, problem.target), per_call


METHODS: dict[str, Callable[[Problem, int], Outcome]] = {
    "Crucible (BAYES_SETTINGS)": crucible, "skopt gp_minimize": gp_minimize,
    "optuna TPE": tpe}


def _median_calls(calls: list[int | None], budget: int) -> float:
    return statistics.median(budget + 1 if c is None else c for c in calls)


def _summary_rows(problem: Problem, label: str, outcomes: dict[str, list[Outcome]],
                  seeds: range) -> list[Row]:
    idx = [list(problem.seeds).index(s) for s in seeds]
    medians = {m: _median_calls([outcomes[m][i][0] for i in idx], problem.budget)
               for m in METHODS}
    reference = medians["skopt gp_minimize"]
    out = []
    for method in METHODS:
        calls = [outcomes[method][i][0] for i in idx]
        shown = ", ".join("-" if c is None else str(c) for c in calls)
        reached = sum(c is not None for c in calls)
        out.append(Row(
            AREA, f"{problem.name}: calls to 1% ({method}), median over {label}",
            medians[method], "calls", reference if method.startswith("Crucible") else None,
            note=f"per seed: {shown}; {reached} of {len(calls)} within {problem.budget}"))
    return out


def rows() -> list[Row]:
    out: list[Row] = []
    for problem in PROBLEMS:
        # seed by seed, the methods one after another: the times per call are measured
        # under the same load
        outcomes: dict[str, list[Outcome]] = {m: [] for m in METHODS}
        for seed in problem.seeds:
            for method, fn in METHODS.items():
                outcomes[method].append(fn(problem, seed))
        first, last = problem.seeds[0], problem.seeds[-1]
        out += _summary_rows(problem, f"seeds {first}-{last}", outcomes, problem.seeds)
        if len(problem.seeds) > 10:
            out += _summary_rows(problem, "seeds 0-9", outcomes, range(10))
        reference = statistics.median(t for _c, t in outcomes["skopt gp_minimize"])
        for method in METHODS:
            out.append(Row(AREA, f"{problem.name}: time per call ({method})",
                           statistics.median(t for _c, t in outcomes[method]), "s",
                           reference if method.startswith("Crucible") else None))
    return out
