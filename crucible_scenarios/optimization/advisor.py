"""An advisor for tuning done by hand: from the trials a user already ran, fit the
Bayesian optimizer's Gaussian-process surrogate, suggest the next configurations to try,
recommend the winner by the surrogate's posterior mean (not by the luckiest score), and
show which parameters matter (partial dependence and variance shares).

The optimizer is scikit-optimize's ask/tell ``Optimizer`` with the settings of
:data:`BAYES_SETTINGS`, the same settings the playground's Bayesian search uses on the
mock objective; they are checked on the Branin function (``tests/unit/test_advisor.py``
and ``make bench``).

Batches use the *constant liar* heuristic (Ginsbourger, Le Riche and Carraro, 2010): after
each suggestion the optimizer pretends it was already evaluated with a made-up ("lie")
value, refits and asks again. skopt minimizes, so a maximized score is negated before
``tell`` and the lie is chosen in that minimized space: ``cl_min`` lies that the pending
point reached the best value seen so far (optimistic: the next suggestions crowd around
it), ``cl_max`` lies that it reached the worst (pessimistic: the area around a pending
point looks bad, so the batch spreads out). Negating the score does not change which lie
is pessimistic, since the lie is taken after the negation; the advisor therefore uses the
pessimistic ``cl_max`` for both directions, so that a day's batch of evaluations explores
several regions instead of five near-copies of one.
"""

from __future__ import annotations

import csv
import io
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from crucible_scenarios.optimization.space import Dimension, SearchSpace, plain_value
from crucible_scenarios.validation import MAX_SEED, require_choice, require_int

ACQUISITIONS: tuple[str, ...] = ("EI", "PI", "LCB", "gp_hedge")
LIARS: tuple[str, ...] = ("cl_min", "cl_mean", "cl_max")
#: The pessimistic constant liar (see the module docstring).
DEFAULT_LIAR = "cl_max"
MAX_SUGGESTIONS = 20
#: Random points over which the partial dependence averages (``plot_objective``'s default).
PD_SAMPLES = 250
#: Points along each dimension of a partial dependence curve (``plot_objective``'s default).
PD_POINTS = 40
STUDY_FORMAT = "crucible-study"
STUDY_VERSION = 1
#: Columns a trial table may hold besides the dimensions.
SCORE, N_QUERIES = "score", "n_queries"


@dataclass(frozen=True)
class BayesSettings:
    """The ``Optimizer`` settings shared by the playground's Bayesian search and the
    advisor.

    ``n_initial_points`` random points come first; after that the acquisition function is
    maximized with ``acq_optimizer`` ("lbfgs": L-BFGS-B started from the best of
    ``n_points`` random candidates and ``n_restarts_optimizer`` more of them; "sampling":
    the best of ``n_points`` random candidates). ``gp_restarts`` extra starts of the GP's
    marginal-likelihood fit; ``xi`` the EI / PI margin; ``min_length_scale`` the lower
    bound of the kernel's length scales on skopt's normalized [0, 1] coordinates (skopt's
    own is 0.01: with a dozen noisy trials the likelihood then often prefers a kernel that
    treats every trial as unrelated to its neighbours, and the posterior mean stops
    pooling evidence; features narrower than a tenth of a range are beyond what a hand-run
    study resolves anyway).
    """

    n_initial_points: int = 10
    acq_optimizer: str = "lbfgs"
    n_points: int = 1000
    n_restarts_optimizer: int = 5
    gp_restarts: int = 2
    xi: float = 0.01
    min_length_scale: float = 0.1


#: Measured beside skopt's gp_minimize (its defaults) in one run (bench/bench_bayes.py):
#: Branin, calls to within 1% over seeds 0-29, median 29 (30 of 30 within 50 calls) against
#: gp_minimize's 31.5 (27 of 30), at under half its time per call; Hartmann-6 over seeds
#: 0-9, median 47.5 (9 of 10 within 100) against 54 (7 of 10). Over seeds 0-9 alone
#: Branin reads 33 against 28: a seed's count scatters from 17 to 50, so ten seeds decide
#: little (Mann-Whitney p = 0.96 over thirty). The length-scale floor does not bind on
#: Branin (the fitted scales stay above 0.3); skopt's 0.01 changes a run's path, not its
#: typical count (28.5 over seeds 0-9, 47.5 on Hartmann-6), and lets a single lucky trial
#: of a noisy study stand alone (tests/unit/test_advisor.py).
BAYES_SETTINGS = BayesSettings()


@dataclass(frozen=True)
class Trials:
    """Trials a user ran: ``frame`` has one column per dimension of ``space``, ``score``
    (missing for suggestions not yet run) and optionally ``n_queries`` (the size of the
    eval behind each score). ``seed`` and ``suggestions`` travel in a study file;
    ``problems`` are the reader's notes, by row."""

    frame: pd.DataFrame
    space: SearchSpace
    maximize: bool = True
    seed: int = 0
    suggestions: pd.DataFrame | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)
    source_format: str = ""


@dataclass(frozen=True)
class Surrogate:
    """A fitted surrogate: the GP (on skopt's normalized coordinates, fitted to the
    negated score when maximizing), the skopt space, the training points and targets."""

    space: SearchSpace
    model: Any
    sk_space: Any
    configs: list[dict[str, Any]]
    y: np.ndarray
    maximize: bool
    seed: int
    noise: float | str


def _coerce(dim: Dimension, value: Any) -> Any:
    if dim.kind == "categorical":
        return str(value)
    if dim.kind == "integer":
        return round(float(value))
    return float(value)


def _scored(space: SearchSpace, trials: Trials | pd.DataFrame,
            maximize: bool | None) -> tuple[pd.DataFrame, bool]:
    """The scored rows of ``trials`` (finite score, every dimension inside the space)."""
    if not isinstance(space, SearchSpace):
        raise ValueError(f"space must be a SearchSpace, got {type(space).__name__}")
    if isinstance(trials, Trials):
        frame, direction = trials.frame, trials.maximize
    elif isinstance(trials, pd.DataFrame):
        frame, direction = trials, True
    else:
        raise ValueError(f"trials must be Trials or a DataFrame, got {type(trials).__name__}")
    if maximize is not None:
        direction = bool(maximize)
    missing = [c for c in [*space.names, SCORE] if c not in frame.columns]
    if missing:
        raise ValueError(f"trials has no {missing[0]!r} column")
    scores = pd.to_numeric(frame[SCORE], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(scores)
    for dim in space.dimensions:
        keep &= np.array([dim.contains(v if dim.kind != "categorical" else str(v))
                          for v in frame[dim.name]], dtype=bool)
    rows = frame.loc[keep].copy()
    rows[SCORE] = scores[keep]
    if len(rows) < 2:
        raise ValueError(f"at least two scored trials inside the space are needed to fit "
                         f"the surrogate, got {len(rows)}")
    return rows.reset_index(drop=True), direction


def _seed(seed: object) -> int:
    return require_int("seed", seed, low=0, high=MAX_SEED)


def binomial_noise(scores: np.ndarray, n_queries: np.ndarray) -> float:
    """Mean binomial variance ``p (1 - p) / n`` of scores that are proportions measured on
    ``n`` queries (``p`` kept half a query away from 0 and 1, so a perfect score still has
    some noise)."""
    p = np.asarray(scores, dtype=float)
    n = np.asarray(n_queries, dtype=float)
    if p.size == 0 or p.shape != n.shape:
        raise ValueError("scores and n_queries must be non-empty and of equal length")
    if not (np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))):
        raise ValueError("binomial noise needs scores that are proportions in [0, 1]")
    if not (np.all(np.isfinite(n)) and np.all(n >= 1)):
        raise ValueError("n_queries must be at least 1")
    p = np.clip(p, 0.5 / n, 1 - 0.5 / n)
    return float(np.mean(p * (1 - p) / n))


def _noise(rows: pd.DataFrame) -> float | str:
    """The GP's noise: the binomial variance implied by ``n_queries`` when every scored
    row has it and the scores are proportions, else ``"gaussian"`` (a white-noise level
    learned by maximum marginal likelihood)."""
    if N_QUERIES not in rows.columns:
        return "gaussian"
    n = pd.to_numeric(rows[N_QUERIES], errors="coerce").to_numpy(dtype=float)
    scores = rows[SCORE].to_numpy(dtype=float)
    if not (np.all(np.isfinite(n)) and np.all(n >= 1) and np.all((scores >= 0) & (scores <= 1))):
        return "gaussian"
    variance = binomial_noise(scores, n)
    # skopt's GP normalizes the targets (normalize_y), so the white-noise level it adds is
    # in units of the targets' variance.
    spread = float(np.var(scores))
    return max(variance / spread if spread > 0 else variance, 1e-6)


def single_thread() -> Any:
    """A context in which BLAS runs on one thread (threadpoolctl, installed with
    scikit-learn): the GP's matrices are a few hundred rows at most, and on a shared
    machine several BLAS threads per fit cost far more in contention than they gain."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def make_optimizer(space: SearchSpace, seed: int, *, acq_func: str = "EI",
                   noise: float | str = "gaussian",
                   settings: BayesSettings = BAYES_SETTINGS) -> Any:
    """scikit-optimize's ``Optimizer`` over ``space`` with a GP surrogate from
    ``cook_estimator("GP", ...)`` (constant x Matern 5/2 kernel, normalized targets, the
    given ``noise``) and the acquisition settings of ``settings``. On a space of
    categorical dimensions only, skopt's GP has a Hamming kernel without gradients, so the
    acquisition is maximized by sampling (skopt refuses L-BFGS-B there)."""
    from skopt import Optimizer
    from skopt.utils import cook_estimator, has_gradients

    if not isinstance(space, SearchSpace):
        raise ValueError(f"space must be a SearchSpace, got {type(space).__name__}")
    require_choice("acq_func", acq_func, ACQUISITIONS)
    seed = _seed(seed)
    dims = [d.to_skopt() for d in space.dimensions]
    surrogate = cook_estimator("GP", space=dims, noise=noise,
                               n_restarts_optimizer=settings.gp_restarts,
                               random_state=np.random.RandomState(seed))
    n_dims = len(surrogate.kernel.k2.length_scale)
    surrogate.set_params(kernel__k2__length_scale_bounds=[
        (settings.min_length_scale, 100.0)] * n_dims)
    acq_optimizer = settings.acq_optimizer if has_gradients(surrogate) else "sampling"
    acq_kwargs: dict[str, Any] = {"n_points": settings.n_points}
    if acq_optimizer == "lbfgs":
        acq_kwargs["n_restarts_optimizer"] = settings.n_restarts_optimizer
    return Optimizer(dims, base_estimator=surrogate, acq_func=acq_func,
                     n_initial_points=settings.n_initial_points,
                     acq_optimizer=acq_optimizer, acq_optimizer_kwargs=acq_kwargs,
                     acq_func_kwargs={"xi": settings.xi},
                     random_state=np.random.RandomState(seed), model_queue_size=1)


def _point(space: SearchSpace, row: Mapping[str, Any]) -> list[Any]:
    return [_coerce(d, row[d.name]) for d in space.dimensions]


# ---------------------------------------------------------------- surrogate
def fit_surrogate(space: SearchSpace, trials: Trials | pd.DataFrame, *, seed: int = 0,
                  maximize: bool | None = None) -> Surrogate:
    """Fit the advisor's GP (:func:`make_optimizer`'s surrogate) to the scored trials
    inside ``space``; the targets are the scores, negated when maximizing."""
    from sklearn.base import clone

    rows, direction = _scored(space, trials, maximize)
    seed = _seed(seed)
    noise = _noise(rows)
    optimizer = make_optimizer(space, seed, noise=noise)
    configs = [{n: _coerce(space[n], r[n]) for n in space.names} for _, r in rows.iterrows()]
    points = [[c[n] for n in space.names] for c in configs]
    y = rows[SCORE].to_numpy(dtype=float) * (-1.0 if direction else 1.0)
    model = clone(optimizer.base_estimator_)
    with warnings.catch_warnings(), single_thread():  # hyperparameters at a bound: expected
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(optimizer.space.transform(points), y)
    return Surrogate(space, model, optimizer.space, configs, y, direction, seed, noise)


def _predict(result: Surrogate, configs: Sequence[Mapping[str, Any]]
             ) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean (in score units) and standard deviation at ``configs``."""
    X = result.sk_space.transform([_point(result.space, c) for c in configs])
    mean, std = result.model.predict(X, return_std=True)
    return (-mean if result.maximize else mean), np.asarray(std, dtype=float)


def _acquisition(result: Surrogate, configs: Sequence[Mapping[str, Any]],
                 acq_func: str, xi: float) -> np.ndarray:
    """The acquisition at ``configs``: expected improvement (EI and gp_hedge), probability
    of improvement (PI), both over the best target so far by ``xi``; for LCB the optimistic
    bound in score units (mean +- 1.96 sd, skopt's default kappa)."""
    from skopt.acquisition import gaussian_ei, gaussian_lcb, gaussian_pi

    X = result.sk_space.transform([_point(result.space, c) for c in configs])
    y_opt = float(np.min(result.y))
    if acq_func == "PI":
        return np.asarray(gaussian_pi(X, result.model, y_opt=y_opt, xi=xi))
    if acq_func == "LCB":
        lcb = np.asarray(gaussian_lcb(X, result.model, kappa=1.96))
        return -lcb if result.maximize else lcb
    return np.asarray(gaussian_ei(X, result.model, y_opt=y_opt, xi=xi))


def suggest(space: SearchSpace, trials: Trials | pd.DataFrame, n: int = 5, *,
            acq_func: str = "EI", seed: int = 0, maximize: bool | None = None,
            strategy: str = DEFAULT_LIAR) -> pd.DataFrame:
    """The next ``n`` configurations to try: the scored trials are told to scikit-optimize's
    ``Optimizer`` (:func:`make_optimizer`, noise-aware GP), then ``ask(n_points=n,
    strategy=...)`` proposes a batch by the constant-liar heuristic (pessimistic
    ``cl_max`` by default; see the module docstring). While fewer trials than the settings'
    ``n_initial_points`` exist, the optimizer still explores with random points.

    Columns: one per dimension, then ``predicted_score`` and ``predicted_sd`` (the
    surrogate's posterior mean and standard deviation of the noise-free score) and
    ``acquisition`` (see :func:`_acquisition`)."""
    n = require_int("n", n, low=1, high=MAX_SUGGESTIONS)
    require_choice("acq_func", acq_func, ACQUISITIONS)
    require_choice("strategy", strategy, LIARS)
    result = fit_surrogate(space, trials, seed=seed, maximize=maximize)
    optimizer = make_optimizer(space, result.seed, acq_func=acq_func, noise=result.noise)
    with warnings.catch_warnings(), single_thread():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # "objective has been evaluated"
        optimizer.tell([[c[nm] for nm in space.names] for c in result.configs],
                       [float(v) for v in result.y])
        points = optimizer.ask(n_points=n, strategy=strategy)
    configs = [{d.name: _coerce(d, plain_value(v))
                for d, v in zip(space.dimensions, p, strict=True)} for p in points]
    mean, std = _predict(result, configs)
    acq = _acquisition(result, configs, acq_func, BAYES_SETTINGS.xi)
    out = pd.DataFrame(configs, columns=space.names)
    out["predicted_score"] = mean
    out["predicted_sd"] = std
    out["acquisition"] = acq
    return out


def recommend(space: SearchSpace, trials: Trials | pd.DataFrame, *, seed: int = 0,
              maximize: bool | None = None) -> dict[str, Any]:
    """The tried configuration with the best posterior mean of the surrogate, not the best
    observed score: the maximum of many noisy scores is biased upward (the winner's curse),
    while the posterior mean pools the evidence of neighbouring trials.

    Keys: one per dimension, ``posterior_mean`` and ``posterior_sd`` of the recommended
    configuration, its ``observed`` score (mean over repeats), ``best_observed`` (the best
    single score of any trial), ``gap`` = ``best_observed - posterior_mean`` (sign flipped
    when minimizing, so a positive gap is how much the best score flatters) and
    ``same_as_best_observed``."""
    result = fit_surrogate(space, trials, seed=seed, maximize=maximize)
    frame = pd.DataFrame(result.configs)
    frame[SCORE] = -result.y if result.maximize else result.y
    groups = frame.groupby(space.names, sort=False, dropna=False)[SCORE].mean().reset_index()
    unique = [{n: _coerce(space[n], r[n]) for n in space.names} for _, r in groups.iterrows()]
    mean, std = _predict(result, unique)
    i = int(np.argmax(mean) if result.maximize else np.argmin(mean))
    scores = frame[SCORE].to_numpy(dtype=float)
    j = int(np.argmax(scores) if result.maximize else np.argmin(scores))
    best_observed = float(scores[j])
    gap = best_observed - float(mean[i]) if result.maximize else float(mean[i]) - best_observed
    best_config = {n: _coerce(space[n], frame[n].iloc[j]) for n in space.names}
    return {**unique[i], "posterior_mean": float(mean[i]), "posterior_sd": float(std[i]),
            "observed": float(groups[SCORE].iloc[i]), "best_observed": best_observed,
            "gap": gap, "same_as_best_observed": best_config == unique[i]}


def convergence(space: SearchSpace, trials: Trials | pd.DataFrame, *, seed: int = 0,
                maximize: bool | None = None, max_fits: int = 30) -> pd.DataFrame:
    """The best posterior mean among the trials so far, refitting the surrogate on the
    first k trials (file order) for k = 2 .. n (at most ``max_fits`` evenly spaced k),
    beside the best observed score so far. Columns: trial, best_observed,
    best_posterior_mean."""
    max_fits = require_int("max_fits", max_fits, low=2, high=500)
    rows, direction = _scored(space, trials, maximize)
    ks = sorted({round(float(k)) for k in np.linspace(2, len(rows), min(max_fits, len(rows) - 1))})
    scores = rows[SCORE].to_numpy(dtype=float)
    records = []
    for k in ks:
        best = recommend(space, rows.iloc[:k], seed=seed, maximize=direction)
        observed = float(scores[:k].max() if direction else scores[:k].min())
        records.append({"trial": k, "best_observed": observed,
                        "best_posterior_mean": best["posterior_mean"]})
    return pd.DataFrame(records)


# ------------------------------------------------------- partial dependence
def _samples(result: Surrogate, n_samples: int) -> np.ndarray:
    return np.asarray(result.sk_space.transform(
        result.sk_space.rvs(n_samples=n_samples,
                            random_state=np.random.RandomState(result.seed))))


def _pd_1d(result: Surrogate, i: int, samples: np.ndarray,
           n_points: int) -> tuple[list[Any], np.ndarray]:
    """The model averaged over ``samples`` with dimension ``i`` fixed at each point of its
    grid: ``n_points`` values evenly spaced on the dimension's own scale (geometrically on
    a log dimension), every category once."""
    dims = result.sk_space.dimensions
    locs = np.cumsum([0] + [d.transformed_size for d in dims])
    dim = dims[i]
    if hasattr(dim, "categories"):
        values: list[Any] = list(dim.categories)
    else:
        values = list(np.linspace(dim.bounds[0], dim.bounds[1], n_points))
        if result.space.dimensions[i].log:  # evenly spaced in the transformed (log) space
            values = list(np.geomspace(dim.bounds[0], dim.bounds[1], n_points))
    transformed = dim.transform(values)
    out = []
    for x in transformed:
        rvs = np.array(samples)
        rvs[:, locs[i]:locs[i + 1]] = x
        out.append(float(np.mean(result.model.predict(rvs))))
    ys = np.asarray(out)
    return [plain_value(v) for v in values], (-ys if result.maximize else ys)


def partial_dependence(result: Surrogate, dims: Sequence[str], *, n_points: int = PD_POINTS,
                       n_samples: int = PD_SAMPLES) -> pd.DataFrame:
    """The surrogate's partial dependence on one or two dimensions (Friedman 2001): the
    predicted score averaged over ``n_samples`` random points of the space with the
    chosen dimensions fixed on a grid, ``n_points`` values each, evenly spaced on each
    dimension's own scale (geometrically on a log dimension) and every category once.

    This is the average ``skopt.plots.partial_dependence_1D`` / ``_2D`` compute, on a
    different grid where skopt's differs: skopt spaces its points linearly even on a log
    dimension and, when a dimension has more categories than ``n_points``, uses only a
    subset of them. On linear dimensions with no more categories than points the two
    agree (a test checks it against skopt's functions).

    Columns: the dimension(s), then ``score`` (in the trials' units)."""
    if not isinstance(result, Surrogate):
        raise ValueError(f"result must be a Surrogate, got {type(result).__name__}")
    names = list(dims)
    if len(names) not in (1, 2) or len(set(names)) != len(names):
        raise ValueError(f"dims must name one or two different dimensions, got {names}")
    for name in names:
        if name not in result.space.names:
            raise ValueError(f"dims: {name!r} is not a dimension of the space")
    n_points = require_int("n_points", n_points, low=2, high=200)
    n_samples = require_int("n_samples", n_samples, low=1, high=5000)
    with single_thread():
        return _partial_dependence(result, names, n_points, n_samples)


def _partial_dependence(result: Surrogate, names: list[str], n_points: int,
                        n_samples: int) -> pd.DataFrame:
    samples = _samples(result, n_samples)
    index = [result.space.names.index(n) for n in names]
    if len(names) == 1:
        xs, ys = _pd_1d(result, index[0], samples, n_points)
        return pd.DataFrame({names[0]: xs, SCORE: ys})
    sk_dims = result.sk_space.dimensions
    locs = np.cumsum([0] + [d.transformed_size for d in sk_dims])
    axes = []
    for i in index:
        dim, mine = sk_dims[i], result.space.dimensions[i]
        if hasattr(dim, "categories"):
            values: list[Any] = list(dim.categories)
        elif mine.log:
            values = list(np.geomspace(dim.bounds[0], dim.bounds[1], n_points))
        else:
            values = list(np.linspace(dim.bounds[0], dim.bounds[1], n_points))
        axes.append((values, dim.transform(values)))
    records = []
    (xv, xt), (yv, yt) = axes
    for a, ta in zip(xv, xt, strict=True):
        for b, tb in zip(yv, yt, strict=True):
            rvs = np.array(samples)
            rvs[:, locs[index[0]]:locs[index[0] + 1]] = ta
            rvs[:, locs[index[1]]:locs[index[1] + 1]] = tb
            value = float(np.mean(result.model.predict(rvs)))
            records.append({names[0]: plain_value(a), names[1]: plain_value(b),
                            SCORE: -value if result.maximize else value})
    return pd.DataFrame(records)


def importance(result: Surrogate, *, n_points: int = PD_POINTS,
               n_samples: int = PD_SAMPLES) -> pd.DataFrame:
    """Each dimension's share of the surrogate's variance: its first-order Sobol index
    ``S_i = Var(E[f | x_i]) / Var(f)`` (Sobol 2001; Saltelli et al., *Global Sensitivity
    Analysis*, 2008), where ``E[f | x_i]`` is the 1-D partial dependence (equal to the
    conditional mean because the space's dimensions are sampled independently) and
    ``Var(f)`` is the variance of the surrogate's mean over the random samples.

    Columns: dimension, first_order (S_i), share (S_i over the sum of all S_i: what the
    bars show), sorted by share. The first-order indices sum to at most about 1; the rest
    of the variance is interactions."""
    if not isinstance(result, Surrogate):
        raise ValueError(f"result must be a Surrogate, got {type(result).__name__}")
    n_points = require_int("n_points", n_points, low=2, high=200)
    n_samples = require_int("n_samples", n_samples, low=2, high=5000)
    samples = _samples(result, n_samples)
    firsts = []
    with single_thread():
        total = float(np.var(result.model.predict(samples)))
        for i, name in enumerate(result.space.names):
            _, ys = _pd_1d(result, i, samples, n_points)
            firsts.append((name, float(np.var(ys)) / total if total > 0 else 0.0))
    frame = pd.DataFrame(firsts, columns=["dimension", "first_order"])
    summed = float(frame["first_order"].sum())
    frame["share"] = frame["first_order"] / summed if summed > 0 else 1.0 / len(frame)
    return frame.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- the study
def space_to_dict(space: SearchSpace) -> list[dict[str, Any]]:
    """The space as JSON-ready records: name, kind, low/high/log or categories."""
    if not isinstance(space, SearchSpace):
        raise ValueError(f"space must be a SearchSpace, got {type(space).__name__}")
    out: list[dict[str, Any]] = []
    for d in space.dimensions:
        if d.kind == "categorical":
            out.append({"name": d.name, "kind": d.kind, "categories": list(d.categories)})
        else:
            low = int(d.low) if d.kind == "integer" else float(d.low)
            high = int(d.high) if d.kind == "integer" else float(d.high)
            out.append({"name": d.name, "kind": d.kind, "low": low, "high": high,
                        "log": bool(d.log)})
    return out


def space_from_dict(records: object) -> SearchSpace:
    """The inverse of :func:`space_to_dict`; bad records raise ``ValueError`` naming the
    dimension."""
    if not isinstance(records, list):
        raise ValueError(f"space must be a list of dimensions, got {type(records).__name__}")
    dims = []
    for k, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise ValueError(f"space dimension {k} must be an object")
        kind = rec.get("kind")
        name = rec.get("name")
        if kind == "categorical":
            cats = rec.get("categories")
            if not isinstance(cats, list):
                raise ValueError(f"space dimension {name!r}: categories must be a list")
            dims.append(Dimension(str(name), "categorical", categories=tuple(map(str, cats))))
        elif kind in ("real", "integer"):
            low, high = rec.get("low"), rec.get("high")
            if not all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in (low, high)):
                raise ValueError(f"space dimension {name!r}: low and high must be numbers")
            dims.append(Dimension(str(name), kind, low, high,  # type: ignore[arg-type]
                                  log=bool(rec.get("log", False))))
        else:
            raise ValueError(f"space dimension {name!r}: kind must be real, integer or "
                             f"categorical, got {kind!r}")
    return SearchSpace(tuple(dims))


def _records(frame: pd.DataFrame, columns: list[str],
             space: SearchSpace | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dimension values of their kind, missing numbers None."""
    out = []
    kinds = {d.name: d for d in space.dimensions} if space is not None else {}
    for rec in frame[columns].to_dict("records"):
        row: dict[str, Any] = {}
        for c in columns:
            v = plain_value(rec[c])
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                row[c] = None
            elif c in kinds:
                row[c] = _coerce(kinds[c], v)
            elif c == N_QUERIES and isinstance(v, float) and v.is_integer():
                row[c] = int(v)
            else:
                row[c] = v
        out.append(row)
    return out


def _study_columns(trials: Trials) -> list[str]:
    cols = [*trials.space.names, SCORE]
    if N_QUERIES in trials.frame.columns:
        cols.append(N_QUERIES)
    return cols


def study_json(trials: Trials, suggestions: pd.DataFrame | None = None) -> str:
    """The study as one JSON document: format and version, seed, maximize, the space, the
    trials (score null where not yet run) and the suggestions with their predictions.
    Upload it again, with the suggestions' scores filled in under ``trials`` or under
    ``suggestions``, and the loop continues."""
    if not isinstance(trials, Trials):
        raise ValueError(f"trials must be Trials, got {type(trials).__name__}")
    cols = _study_columns(trials)
    doc: dict[str, Any] = {
        "format": STUDY_FORMAT, "version": STUDY_VERSION, "seed": int(trials.seed),
        "maximize": bool(trials.maximize), "space": space_to_dict(trials.space),
        "trials": _records(trials.frame, cols, trials.space), "suggestions": [],
    }
    if suggestions is not None and len(suggestions):
        extra = [c for c in ("predicted_score", "predicted_sd", "acquisition")
                 if c in suggestions.columns]
        sug = suggestions.copy()
        sug[SCORE] = np.nan
        doc["suggestions"] = _records(sug, [*trials.space.names, *extra, SCORE], trials.space)
    return json.dumps(doc, indent=2, allow_nan=False)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def study_csv(trials: Trials, suggestions: pd.DataFrame | None = None) -> str:
    """The study as CSV: ``#`` lines first (format, seed, maximize, the space as JSON),
    then one row per trial and per suggestion with a ``status`` column ("tried" or
    "suggested") and an empty score for each suggestion, to fill in. Text cells that a
    spreadsheet would run as formulas are prefixed with ``'``."""
    if not isinstance(trials, Trials):
        raise ValueError(f"trials must be Trials, got {type(trials).__name__}")
    cols = _study_columns(trials)
    lines = [f"# format: {STUDY_FORMAT} {STUDY_VERSION}", f"# seed: {int(trials.seed)}",
             f"# maximize: {'true' if trials.maximize else 'false'}",
             "# space: " + json.dumps(space_to_dict(trials.space), separators=(",", ":")),
             ",".join([*cols, "status"])]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for rec in _records(trials.frame, cols, trials.space):
        status = "tried" if rec[SCORE] is not None else "suggested"
        writer.writerow([_cell(rec[c]) for c in cols] + [status])
    if suggestions is not None and len(suggestions):
        for rec in _records(suggestions, trials.space.names, trials.space):
            writer.writerow([_cell(rec[c]) for c in trials.space.names]
                            + [""] * (len(cols) - len(trials.space.names)) + ["suggested"])
    return "\n".join(lines) + "\n" + buffer.getvalue()


def with_suggestions(trials: Trials, suggestions: pd.DataFrame) -> Trials:
    """``trials`` with the suggestions appended as unscored rows (what a downloaded study
    holds once the user fills in the scores)."""
    if not isinstance(trials, Trials):
        raise ValueError(f"trials must be Trials, got {type(trials).__name__}")
    add = suggestions[trials.space.names].copy()
    add[SCORE] = np.nan
    frame = pd.concat([trials.frame, add], ignore_index=True)
    return Trials(frame, trials.space, trials.maximize, trials.seed, None, trials.problems,
                  trials.source_format)
