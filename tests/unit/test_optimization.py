"""The optimization library: search spaces, the three strategies, the mock accuracy
surface and its documented optimum, validation intervals and strategy comparison."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from crucible_scenarios import optimization as opt
from crucible_scenarios.optimization import Dimension, SearchSpace

SPACE = opt.default_space()
MIXED = SearchSpace((
    Dimension("temperature", "real", 0.1, 1.5),
    Dimension("max_tokens", "integer", 200, 800, log=True),
    Dimension("style", "categorical", categories=("terse", "chatty", "formal")),
))


# ------------------------------------------------------------------ space checks
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "t", "kind": "real", "low": 2.0, "high": 1.0}, "low must be below high"),
    ({"name": "t", "kind": "real", "low": 1.0, "high": 1.0}, "low must be below high"),
    ({"name": "t", "kind": "real", "low": 0.0, "high": 1.0, "log": True}, "log scale needs"),
    ({"name": "t", "kind": "integer", "low": 0.5, "high": 3}, "whole numbers"),
    ({"name": "t", "kind": "real", "low": float("nan"), "high": 1.0}, "finite"),
    ({"name": "<script>", "kind": "real"}, "dimension name"),
    ({"name": "", "kind": "real"}, "dimension name"),
    ({"name": "c", "kind": "categorical", "categories": ("a",)}, "at least two"),
    ({"name": "c", "kind": "categorical", "categories": ("a", "a")}, "repeated"),
    ({"name": "c", "kind": "complex"}, "kind must be one of"),
])
def test_bad_dimensions_raise_with_a_precise_message(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Dimension(**kwargs)


def test_space_rejects_empty_and_repeated_names() -> None:
    with pytest.raises(ValueError, match="space is empty"):
        SearchSpace(())
    with pytest.raises(ValueError, match="repeated: t"):
        SearchSpace((Dimension("t", "real"), Dimension("t", "real")))


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="strategy"):
        opt.optimize("annealing", SPACE, 10, 0)
    with pytest.raises(ValueError, match="n_trials must be at least 2"):
        opt.optimize("random", SPACE, 1, 0)
    with pytest.raises(ValueError, match="n_trials must be at most 200"):
        opt.optimize("random", SPACE, 201, 0)
    with pytest.raises(ValueError, match="acquisition"):
        opt.optimize("bayesian", SPACE, 10, 0, acquisition="GBRT")
    with pytest.raises(ValueError, match="seed"):
        opt.optimize("random", SPACE, 10, -1)


# ------------------------------------------------------------------ strategies
@pytest.mark.parametrize("strategy", opt.STRATEGIES)
@pytest.mark.parametrize("space", [SPACE, MIXED], ids=["default", "mixed"])
def test_each_strategy_respects_space_and_budget(strategy: str, space: SearchSpace) -> None:
    n_trials = 12
    trials = opt.optimize(strategy, space, n_trials, 7)
    assert 1 <= len(trials) <= n_trials
    if strategy != "grid":
        assert len(trials) == n_trials
    for _, row in trials.iterrows():
        assert space.contains({n: row[n] for n in space.names})
    assert trials["trial"].tolist() == list(range(1, len(trials) + 1))
    assert np.array_equal(trials["best_so_far"], np.maximum.accumulate(trials["score"]))
    assert trials["score"].between(0, 1).all()
    assert trials["elapsed_s"].is_monotonic_increasing


def test_iter_optimize_yields_after_each_trial() -> None:
    sizes = [len(p) for p in opt.iter_optimize("random", SPACE, 9, 3)]
    assert sizes == list(range(1, 10))


def test_grid_covers_the_space_evenly() -> None:
    plan = opt.grid_plan(SPACE, 30)
    assert plan.levels == {"temperature": 3, "max_tokens": 3, "few_shot": 3}
    trials = opt.optimize("grid", SPACE, 30, 0)
    assert len(trials) == plan.size == 27 and plan.unused == 3
    assert sorted(trials["temperature"].unique()) == [0.0, 1.0, 2.0]
    # log-scale dimension: evenly spaced on the log axis (ratio 2000/100 split in two)
    assert sorted(trials["max_tokens"].unique()) == [100, round(np.sqrt(100 * 2000)), 2000]
    assert sorted(trials["few_shot"].unique()) == [0, 5, 10]
    # every combination exactly once
    combos = trials[SPACE.names].apply(tuple, axis=1)
    assert combos.nunique() == 27
    assert set(combos) == set(itertools.product([0.0, 1.0, 2.0], [100, 447, 2000], [0, 5, 10]))


def test_grid_budget_is_never_exceeded_and_small_dimensions_cap() -> None:
    for n in (2, 5, 17, 64, 200):
        plan = opt.grid_plan(MIXED, n)
        assert plan.size <= n
        assert plan.levels["style"] <= 3
    tiny = SearchSpace((Dimension("flag", "integer", 0, 1), Dimension("x", "real", 0, 1)))
    assert opt.grid_plan(tiny, 20).levels == {"flag": 2, "x": 10}


@pytest.mark.parametrize("strategy", opt.STRATEGIES)
def test_same_seed_same_trials(strategy: str) -> None:
    a = opt.optimize(strategy, SPACE, 12, 11).drop(columns="elapsed_s")
    b = opt.optimize(strategy, SPACE, 12, 11).drop(columns="elapsed_s")
    c = opt.optimize(strategy, SPACE, 12, 12).drop(columns="elapsed_s")
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)  # grid: same points, another visiting order


@pytest.mark.slow
def test_bayesian_beats_random_on_the_default_objective() -> None:
    """Median best-so-far after 30 trials over 10 seeds: Bayesian > random. (Its speed is
    a bench row, "Bayesian search (GP, EI), 30 trials", not a timed test.)"""
    curves = opt.compare_strategies(SPACE, 30, range(10))
    final = curves[curves["trial"] == 30].set_index("strategy")["median"]
    assert final["bayesian"] > final["random"]


@pytest.mark.slow
def test_bayesian_finds_the_branin_minimum() -> None:
    """Bayesian, 40 trials, minimizing Branin: within 0.1 of 0.397887 in most seeds."""
    hits = 0
    seeds = range(5)
    for seed in seeds:
        trials = opt.optimize("bayesian", opt.branin_space(), 40, seed,
                              objective=opt.branin, maximize=False)
        assert np.array_equal(trials["best_so_far"], np.minimum.accumulate(trials["score"]))
        hits += trials["score"].min() - opt.BRANIN_MINIMUM < 0.1
    assert hits >= 4


def test_branin_reference_values() -> None:
    for x1, x2 in ((-np.pi, 12.275), (np.pi, 2.275), (9.42478, 2.475)):
        assert opt.branin({"x1": x1, "x2": x2}) == pytest.approx(opt.BRANIN_MINIMUM, abs=1e-5)


# ------------------------------------------------------------------ the surface
def test_documented_optimum_matches_an_independent_search() -> None:
    """scipy's Nelder-Mead per few_shot value finds nothing better than the documented
    optimum, and the documented accuracy is what the surface gives there."""
    config, value = opt.true_optimum()
    assert opt.expected_accuracy(config) == pytest.approx(value, abs=1e-12)
    best = 0.0
    for shots in range(11):
        def loss(x: np.ndarray, shots: int = shots) -> float:
            t, m = float(np.clip(x[0], 0, 2)), float(np.clip(x[1], 100, 2000))
            return -opt.expected_accuracy({"temperature": t, "max_tokens": m,
                                           "few_shot": shots})
        result = minimize(loss, x0=[0.5, 900.0], method="Nelder-Mead",
                          options={"xatol": 1e-3, "fatol": 1e-7})
        best = max(best, -result.fun)
    assert best <= value + 2e-4  # max_tokens is an integer in the space
    assert value < 0.8  # never saturates


def test_only_a_small_part_of_the_space_is_near_the_optimum() -> None:
    t, m, k = np.meshgrid(np.linspace(0, 2, 21), np.geomspace(100, 2000, 20), np.arange(11),
                          indexing="ij")
    values = opt.expected_accuracy_grid(t, m, k)
    assert values.max() <= opt.TRUE_OPTIMUM_ACCURACY + 1e-9
    assert (values >= opt.TRUE_OPTIMUM_ACCURACY - 0.01).mean() < 0.02


def test_surface_has_the_described_shape() -> None:
    acc = opt.expected_accuracy
    base = dict(opt.TRUE_OPTIMUM_CONFIG)
    # truncation when max_tokens is too small
    assert acc({**base, "max_tokens": 100}) < acc(base) - 0.4
    # diminishing returns: 1134 -> 2000 changes little compared with 100 -> 600
    assert abs(acc({**base, "max_tokens": 2000}) - acc(base)) < 0.1
    # few-shot gains saturate: the first example helps more than the tenth
    gain1 = acc({**base, "few_shot": 1}) - acc({**base, "few_shot": 0})
    gain10 = acc({**base, "few_shot": 10}) - acc({**base, "few_shot": 9})
    assert gain1 > 0.05 > gain10
    # temperature sweet spot: both extremes lose
    assert acc({**base, "temperature": 0.0}) < acc(base)
    assert acc({**base, "temperature": 2.0}) < acc(base) - 0.2
    # the precise and open tasks prefer different temperatures
    q = opt.make_queries(2000, 5)
    p_cold = opt.success_probabilities({**base, "temperature": 0.2}, q)
    p_warm = opt.success_probabilities({**base, "temperature": 1.1}, q)
    assert p_cold[q.task == 0].mean() > p_warm[q.task == 0].mean()
    assert p_cold[q.task == 1].mean() < p_warm[q.task == 1].mean()


def test_objective_is_binomial_noise_around_the_expected_accuracy() -> None:
    queries = opt.tuning_queries(0)
    p = opt.success_probabilities(opt.TRUE_OPTIMUM_CONFIG, queries)
    draws = np.array([opt.objective(opt.TRUE_OPTIMUM_CONFIG, queries, s) for s in range(400)])
    assert len(set(draws.tolist())) > 5  # repeated evaluation varies
    assert draws.mean() == pytest.approx(p.mean(), abs=0.01)
    # variance of a mean of independent Bernoulli(p_i): sum p(1-p) / n^2
    expected_sd = np.sqrt((p * (1 - p)).sum()) / p.size
    assert draws.std(ddof=1) == pytest.approx(expected_sd, rel=0.15)
    assert opt.objective({}, queries, 3) == opt.objective({}, queries, 3)


# ------------------------------------------------------------------ validation
def test_validation_interval_is_a_wilson_interval() -> None:
    result = opt.validate(opt.TRUE_OPTIMUM_CONFIG, 50, seed=4)
    low, high = proportion_confint(result.correct, 50, alpha=0.05, method="wilson")
    assert (result.low, result.high) == pytest.approx((low, high))
    # independent closed form of the Wilson score interval
    z, n, phat = 1.959963984540054, 50, result.correct / 50
    centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n))
    assert result.low == pytest.approx(centre - half) and result.high == pytest.approx(
        centre + half)
    assert result.accuracy == phat
    assert result.expected == pytest.approx(opt.TRUE_OPTIMUM_ACCURACY)


def test_validation_uses_queries_disjoint_from_tuning() -> None:
    tune, hold = opt.tuning_queries(9), opt.holdout_queries(9)
    assert not np.intersect1d(tune.difficulty, hold.difficulty).size
    with pytest.raises(ValueError, match="n_queries"):
        opt.validate(opt.DEFAULT_CONFIG, 0, seed=1)


def test_optimum_beats_defaults_on_holdout_and_regret_is_consistent() -> None:
    tuned = opt.validate(opt.TRUE_OPTIMUM_CONFIG, 400, seed=1)
    default = opt.validate(opt.DEFAULT_CONFIG, 400, seed=1)
    assert tuned.high > tuned.accuracy > default.high
    assert opt.regret(opt.TRUE_OPTIMUM_CONFIG) == pytest.approx(0.0, abs=1e-12)
    assert opt.regret(opt.DEFAULT_CONFIG) == pytest.approx(
        opt.TRUE_OPTIMUM_ACCURACY - opt.expected_accuracy(opt.DEFAULT_CONFIG))


# ------------------------------------------------------------------ surrogate
def test_surrogate_surface_tracks_the_trials() -> None:
    trials = opt.optimize("random", SPACE, 25, 2)
    surface = opt.surrogate_surface(SPACE, trials, "temperature", "few_shot", seed=2,
                                    resolution=10)
    assert list(surface.columns) == ["temperature", "few_shot", "mean", "std", "ei"]
    # expected improvement: the closed form for maximization, from the surface itself
    best, xi = trials["score"].max(), 0.01
    z = (surface["mean"] - best - xi) / surface["std"]
    closed = (surface["mean"] - best - xi) * norm.cdf(z) + surface["std"] * norm.pdf(z)
    assert np.allclose(surface["ei"], closed, atol=1e-9)
    assert surface["ei"].ge(0).all()
    assert len(surface) == 10 * 10
    assert surface["std"].ge(0).all()
    # the fit should reproduce its training data roughly: predict at the trials
    best = opt.best_config(trials, SPACE)
    at_best = opt.surrogate_surface(SPACE, trials, "temperature", "few_shot", seed=2,
                                    resolution=2, fixed=best)
    assert at_best["mean"].between(-0.5, 1.5).all()
    with pytest.raises(ValueError, match="different"):
        opt.surrogate_surface(SPACE, trials, "few_shot", "few_shot", seed=2)
    with pytest.raises(ValueError, match="x must be one of"):
        opt.surrogate_surface(SPACE, trials, "nope", "few_shot", seed=2)


def test_best_config_keeps_types() -> None:
    trials = opt.optimize("random", MIXED, 8, 1)
    best = opt.best_config(trials, MIXED)
    assert isinstance(best["max_tokens"], int) and isinstance(best["style"], str)
    assert best == {n: trials.loc[trials["score"].idxmax(), n] for n in MIXED.names}


# ------------------------------------------------------- argument checks (regressions)
def test_contains_answers_false_for_values_that_are_not_finite_numbers() -> None:
    few_shot = SPACE["few_shot"]
    # inf, None and text must not escape as OverflowError, TypeError or ValueError.
    for value in (float("inf"), float("nan"), None, "three", [3], True):
        assert few_shot.contains(value) is False
    assert few_shot.contains(3) and few_shot.contains(3.0) and not few_shot.contains(3.5)
    assert MIXED["style"].contains("terse") and not MIXED["style"].contains(["terse"])
    with pytest.raises(ValueError, match="config"):
        SPACE.contains(["temperature", "max_tokens", "few_shot"])  # type: ignore[arg-type]


def test_levels_and_sample_need_sensible_counts() -> None:
    temperature = SPACE["temperature"]
    with pytest.raises(ValueError, match="k must"):  # not an empty list
        temperature.levels(0)
    with pytest.raises(ValueError, match="k must"):  # not numpy's "Number of samples"
        temperature.levels(-1)
    with pytest.raises(ValueError, match="n must"):  # not numpy's "negative dimensions"
        SPACE.sample(np.random.default_rng(0), -1)
    with pytest.raises(ValueError, match="rng"):
        temperature.sample(0, 3)  # type: ignore[arg-type]


def test_non_finite_parameters_are_rejected_not_turned_into_nan() -> None:
    # A NaN or infinite temperature must not give an expected accuracy of NaN.
    for value in (float("nan"), float("-inf"), "hot"):
        with pytest.raises(ValueError, match="temperature"):
            opt.expected_accuracy({"temperature": value})
    with pytest.raises(ValueError, match="equal lengths"):  # not a numpy broadcast error
        opt.expected_accuracy_grid(np.ones(3), np.full(2, 500.0), np.ones(3))
    with pytest.raises(ValueError, match="seed"):  # numpy's "expected non-negative integer"
        opt.tuning_queries(-1)
    with pytest.raises(ValueError, match="seed"):
        opt.validate({}, 10, -1)
    with pytest.raises(ValueError, match="confidence"):
        opt.validate({}, 10, 0, confidence="high")  # type: ignore[arg-type]


def test_tables_and_configs_missing_fields_are_named() -> None:
    with pytest.raises(ValueError, match="x2"):  # not a KeyError
        opt.branin({"x1": 1.0})
    with pytest.raises(ValueError, match="score"):  # not a KeyError
        opt.best_config(pd.DataFrame({"temperature": [1.0]}), SPACE)
    with pytest.raises(ValueError, match="space"):  # not an AttributeError
        opt.grid_plan(["temperature"], 5)  # type: ignore[arg-type]
    trials = opt.optimize("random", SPACE, 4, 0, n_queries=10)
    with pytest.raises(ValueError, match="fixed"):  # not a KeyError
        opt.surrogate_surface(SPACE, trials, "temperature", "few_shot", seed=0,
                              fixed={"temperature": 0.5})
    with pytest.raises(ValueError, match="seeds"):  # not int("a")'s message
        opt.compare_strategies(SPACE, 3, ["a"])
    with pytest.raises(ValueError, match="strategy"):  # an array must not pass the check
        opt.optimize(np.array(["grid"]), SPACE, 3, 0)  # type: ignore[arg-type]


def test_an_objective_returning_nan_is_an_error() -> None:
    # NaN scores must not be recorded while best_so_far silently skips them.
    with pytest.raises(ValueError, match="objective"):
        opt.optimize("random", opt.branin_space(), 3, 0, objective=lambda c: float("nan"))
    with pytest.raises(ValueError, match="objective"):
        opt.optimize("bayesian", opt.branin_space(), 3, 0, objective=lambda c: None)


def test_grid_points_match_the_plan_when_integer_levels_merge() -> None:
    # Six log-spaced levels of 1-6 round to five distinct integers; asking the axis again
    # for five levels would round to only four and the grid would disagree with its plan.
    space = SearchSpace((Dimension("k", "integer", 1, 6, log=True),))
    plan = opt.grid_plan(space, 6)
    points = opt.grid_points(space, 6)
    assert plan.levels == {"k": 5} and len(points) == plan.size == 5
    assert [p["k"] for p in points] == [1, 2, 3, 4, 6]
    assert len(opt.optimize("grid", space, 6, 0, objective=lambda c: c["k"])) == plan.size


def test_bayesian_search_on_categorical_dimensions_only_runs() -> None:
    # skopt's GP over categorical dimensions alone has no gradients, so its acquisition
    # must be sampled; L-BFGS-B there is refused by skopt itself.
    space = opt.SearchSpace(dimensions=(
        opt.Dimension(name="a", kind="categorical", categories=("0", "00")),))
    trials = opt.optimize("bayesian", space, 3, 0, acquisition="EI")
    assert len(trials) == 3 and set(trials["a"]) <= {"0", "00"}
