"""Property-based checks (hypothesis) of every public function and method of
``crucible_scenarios.stats`` and ``crucible_scenarios.stats_report``: p-values, powers and
proportions in [0, 1], intervals ordered and holding their estimates, agreement with
closed-form references (noncentral t, normal approximation, Wilson, pair counting), same
seed same output, reports whose every field survives escaping, and invalid inputs raising
ValueError naming the argument."""

from __future__ import annotations

import html.parser
import json
import math
import re
from importlib import metadata

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from crucible_mock import MODELS
from crucible_scenarios import stats, stats_report
from crucible_scenarios.stats import reports
from tests.unit.properties import exercises

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**32 - 1)
alphas = st.floats(0.001, 0.5)
bad_unit = st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.just(math.nan))
effects = st.floats(0.05, 2.0)
bits = st.lists(st.integers(0, 1), min_size=2, max_size=60)
values = st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=30)
labels = st.text(max_size=25)
experiment_models = st.builds(
    stats.ExperimentModel, name=labels, base=st.sampled_from(list(MODELS)),
    accuracy=st.floats(0.01, 0.99), cost_per_query=st.floats(0.0, 0.1),
    mean_latency_ms=st.floats(1.0, 20_000.0))


def _wilson(k: int | np.ndarray, n: int | np.ndarray, alpha: float) -> tuple:
    """Wilson score interval from its closed form (Wilson 1927)."""
    z = sps.norm.ppf(1 - alpha / 2)
    p = k / n
    center = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return center - half, center + half


# --- the experiment ---------------------------------------------------------------------

@exercises(stats.ExperimentModel.profile)
@FAST
@given(arm=experiment_models, factor=st.floats(0.1, 10.0))
def test_experiment_profile_hits_the_stated_figures(arm: stats.ExperimentModel,
                                                    factor: float) -> None:
    profile = arm.profile()
    assert profile.accuracy == arm.accuracy and profile.error_rate == 0.0
    assert profile.display_name == arm.name
    assert profile.latency.mean() == pytest.approx(arm.mean_latency_ms, rel=1e-9)
    base = MODELS[arm.base]
    assert profile.latency.body_sigma == base.latency.body_sigma
    dearer = stats.ExperimentModel(arm.name, arm.base, arm.accuracy,
                                   arm.cost_per_query * factor, arm.mean_latency_ms).profile()
    assert dearer.input_price_per_1k == pytest.approx(profile.input_price_per_1k * factor)
    assert dearer.output_price_per_1k == pytest.approx(profile.output_price_per_1k * factor)


@exercises(stats.ExperimentModel.profile)
@FAST
@given(accuracy=bad_unit, cost=st.one_of(st.floats(max_value=-1e-9), st.just(math.nan)),
       latency=st.one_of(st.floats(max_value=0.0), st.just(math.inf)), base=st.text(max_size=8))
def test_experiment_model_rejects_bad_figures(accuracy: float, cost: float, latency: float,
                                              base: str) -> None:
    assume(base not in MODELS)
    for kwargs, name in (({"accuracy": accuracy}, "accuracy"),
                         ({"cost_per_query": cost}, "cost_per_query"),
                         ({"mean_latency_ms": latency}, "mean_latency_ms"),
                         ({"base": base}, "base")):
        fields = {"name": "X", "base": "gpt-4", "accuracy": 0.8, "cost_per_query": 0.01,
                  "mean_latency_ms": 500.0} | kwargs
        with pytest.raises(ValueError, match=name):
            stats.ExperimentModel(**fields).profile()  # type: ignore[arg-type]


@exercises(stats.iter_experiment, stats.run_experiment)
@SLOW
@given(a=experiment_models, b=experiment_models, n=st.integers(1, 80),
       batch=st.integers(1, 40), seed=seeds, correlation=st.floats(0.0, 0.95))
def test_experiment_is_seeded_paired_and_streamed(a: stats.ExperimentModel,
                                                  b: stats.ExperimentModel, n: int, batch: int,
                                                  seed: int, correlation: float) -> None:
    df = stats.run_experiment(a, b, n, seed, batch_size=batch, correlation=correlation)
    assert list(df.columns) == stats.EXPERIMENT_COLUMNS
    assert list(df["problem"]) == list(range(1, n + 1))
    assert (df[["a_latency_ms", "b_latency_ms"]] > 0).all().all()
    assert (df[["a_cost_usd", "b_cost_usd"]] >= 0).all().all()
    parts = list(stats.iter_experiment(a, b, n, seed, batch_size=batch,
                                       correlation=correlation))
    assert [len(p) for p in parts] == [min(k * batch, n) for k in range(1, len(parts) + 1)]
    for part in parts:
        pd.testing.assert_frame_equal(part, df.iloc[: len(part)])
    pd.testing.assert_frame_equal(df, stats.run_experiment(a, b, n, seed, batch_size=batch,
                                                           correlation=correlation))


@exercises(stats.run_experiment, stats.iter_experiment)
@FAST
@given(n=st.one_of(st.integers(max_value=0), st.integers(min_value=stats.MAX_PROBLEMS + 1)),
       batch=st.integers(max_value=0),
       correlation=st.one_of(st.floats(min_value=1.0), st.floats(max_value=-1e-9),
                             st.just(math.nan)),
       seed=st.integers(max_value=-1), bad_model=st.one_of(st.text(), st.none()))
def test_experiment_rejects_bad_arguments(n: int, batch: int, correlation: float, seed: int,
                                          bad_model: object) -> None:
    a, b = stats.MODEL_A, stats.MODEL_B
    with pytest.raises(ValueError, match="n_problems"):
        stats.run_experiment(a, b, n, 0)
    with pytest.raises(ValueError, match="batch_size"):
        stats.run_experiment(a, b, 5, 0, batch_size=batch)
    with pytest.raises(ValueError, match="correlation"):
        stats.run_experiment(a, b, 5, 0, correlation=correlation)
    with pytest.raises(ValueError, match="seed"):
        stats.run_experiment(a, b, 5, seed)
    with pytest.raises(ValueError, match="model_a"):
        next(stats.iter_experiment(bad_model, b, 5, 0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="model_b"):
        next(stats.iter_experiment(a, bad_model, 5, 0))  # type: ignore[arg-type]


@exercises(stats.running_accuracy)
@FAST
@given(pairs=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=80),
       alpha=st.floats(0.001, 0.999), bad_alpha=bad_unit)
def test_running_accuracy_is_the_cumulative_wilson_interval(pairs: list[tuple[bool, bool]],
                                                            alpha: float,
                                                            bad_alpha: float) -> None:
    df = pd.DataFrame(pairs, columns=["a_correct", "b_correct"])
    run = stats.running_accuracy(df, alpha=alpha)
    assert len(run) == 2 * len(df)
    for arm in ("a", "b"):
        part = run[run["model"] == arm.upper()]
        hits = np.cumsum(df[f"{arm}_correct"].to_numpy(int))
        n = np.arange(1, len(df) + 1)
        assert list(part["problem"]) == list(n)
        np.testing.assert_allclose(part["accuracy"], hits / n)
        low, high = _wilson(hits, n, alpha)
        np.testing.assert_allclose(part["lower"], low, atol=1e-9)
        np.testing.assert_allclose(part["upper"], high, atol=1e-9)
        assert ((part["lower"] >= 0) & (part["upper"] <= 1)).all()
        assert (part["lower"] <= part["accuracy"]).all()
        assert (part["accuracy"] <= part["upper"]).all()
    with pytest.raises(ValueError, match="alpha"):
        stats.running_accuracy(df, alpha=bad_alpha)
    with pytest.raises(ValueError, match="df"):
        stats.running_accuracy(df.drop(columns="b_correct"))


# --- power and sample size --------------------------------------------------------------

@exercises(stats.power)
@FAST
@given(effect=st.floats(-2.0, 2.0), n=st.integers(2, 2000), alpha=alphas)
def test_power_matches_the_noncentral_t_and_the_normal_approximation(effect: float, n: int,
                                                                     alpha: float) -> None:
    paired_t = stats.power(effect, n, kind="continuous", paired=True, alpha=alpha)
    crit = sps.t.ppf(1 - alpha / 2, n - 1)
    nc = effect * math.sqrt(n)
    expected = sps.nct.sf(crit, n - 1, nc) + sps.nct.cdf(-crit, n - 1, nc)
    assume(math.isfinite(expected))  # scipy's nct gives NaN at huge noncentrality
    assert paired_t == pytest.approx(expected, abs=1e-6)
    two_prop = stats.power(effect, n, kind="binary", paired=False, alpha=alpha)
    z = sps.norm.ppf(1 - alpha / 2)
    shift = abs(effect) * math.sqrt(n / 2)
    assert two_prop == pytest.approx(sps.norm.cdf(shift - z) + sps.norm.cdf(-shift - z),
                                     abs=1e-9)
    for value in (paired_t, two_prop):
        assert alpha - 1e-9 <= value <= 1.0


@exercises(stats.power)
@FAST
@given(effect=effects, n=st.integers(2, 1000), extra=st.integers(1, 1000), alpha=alphas,
       kind=st.sampled_from(stats.KINDS), paired=st.booleans(), ratio=st.floats(0.2, 5.0))
def test_power_grows_with_n_and_mirrors_one_sided_alternatives(
        effect: float, n: int, extra: int, alpha: float, kind: str, paired: bool,
        ratio: float) -> None:
    def p(e: float, size: int, alternative: str = "two-sided") -> float:
        return stats.power(e, size, kind=kind, alpha=alpha, paired=paired,
                           alternative=alternative, ratio=ratio)

    assert p(effect, n) <= p(effect, n + extra) + 1e-9
    assert p(effect, n, "greater") == pytest.approx(p(-effect, n, "less"), abs=1e-9)
    assert p(effect, n, "less") <= alpha + 1e-9
    assert 0.0 <= p(effect, n, "greater") <= 1.0


@exercises(stats.power, stats.required_sample_size)
@FAST
@given(effect=effects, sign=st.sampled_from([-1, 1]), alpha=st.sampled_from([0.01, 0.05, 0.1]),
       target=st.floats(0.5, 0.95), kind=st.sampled_from(stats.KINDS), paired=st.booleans())
def test_required_sample_size_is_the_smallest_n_reaching_the_power(
        effect: float, sign: int, alpha: float, target: float, kind: str,
        paired: bool) -> None:
    effect *= sign
    n = stats.required_sample_size(effect, kind=kind, alpha=alpha, power=target, paired=paired)
    assert n >= 2
    assert stats.power(effect, n, kind=kind, alpha=alpha, paired=paired) >= target - 1e-6
    if n > 2:
        assert stats.power(effect, n - 1, kind=kind, alpha=alpha,
                           paired=paired) < target + 1e-6
    alternative = "greater" if effect > 0 else "less"
    one_sided = stats.required_sample_size(effect, kind=kind, alpha=alpha, power=target,
                                           paired=paired, alternative=alternative)
    assert one_sided <= n


@exercises(stats.power, stats.required_sample_size, stats.power_curve)
@FAST
@given(n=st.integers(max_value=1), alpha=bad_unit, kind=st.text(max_size=8),
       effect=st.one_of(st.just(math.nan), st.just(math.inf)))
def test_power_functions_reject_bad_arguments(n: int, alpha: float, kind: str,
                                              effect: float) -> None:
    assume(kind not in stats.KINDS)
    with pytest.raises(ValueError, match="n"):
        stats.power(0.5, n)
    with pytest.raises(ValueError, match="alpha"):
        stats.power(0.5, 10, alpha=alpha)
    with pytest.raises(ValueError, match="kind"):
        stats.power(0.5, 10, kind=kind)
    with pytest.raises(ValueError, match="effect"):
        stats.power(effect, 10)
    with pytest.raises(ValueError, match="ratio"):
        stats.power(0.5, 10, ratio=-1.0)
    with pytest.raises(ValueError, match="alternative"):
        stats.power(0.5, 10, alternative=kind)
    with pytest.raises(ValueError, match="effect"):
        stats.required_sample_size(0.0)
    with pytest.raises(ValueError, match="effect"):
        stats.required_sample_size(0.5, alternative="less")
    with pytest.raises(ValueError, match="power"):
        stats.required_sample_size(0.5, alpha=0.05, power=0.04)
    with pytest.raises(ValueError, match="n"):
        stats.power_curve(0.5, [10, n], kind="continuous")
    with pytest.raises(ValueError, match="kind"):
        stats.power_curve(0.5, [10], kind=kind)


@exercises(stats.power_curve, stats.power)
@FAST
@given(effect=effects, ns=st.lists(st.integers(2, 3000), max_size=8, unique=True).map(sorted),
       kind=st.sampled_from(stats.KINDS), paired=st.booleans(), alpha=alphas)
def test_power_curve_is_power_over_n(effect: float, ns: list[int], kind: str, paired: bool,
                                     alpha: float) -> None:
    curve = stats.power_curve(effect, ns, kind=kind, alpha=alpha, paired=paired)
    assert list(curve.columns) == ["n", "power"] and list(curve["n"]) == ns
    for n, value in zip(ns, curve["power"], strict=True):
        assert value == stats.power(effect, n, kind=kind, alpha=alpha, paired=paired)
    assert (np.diff(curve["power"].to_numpy()) >= -1e-9).all()
    assert curve["power"].between(0, 1).all()


# --- intervals and effect sizes ---------------------------------------------------------------

counts = st.integers(0, 200)


@exercises(stats.newcombe_paired_interval)
@FAST
@given(both=counts, a_only=counts, b_only=counts, neither=counts, alpha=st.floats(0.001, 0.5))
def test_newcombe_paired_interval_holds_the_difference_and_mirrors(
        both: int, a_only: int, b_only: int, neither: int, alpha: float) -> None:
    assume(both + a_only + b_only + neither > 0)
    low, high = stats.newcombe_paired_interval(both, a_only, b_only, neither, alpha)
    n = both + a_only + b_only + neither
    diff = (b_only - a_only) / n
    assert -1.0 <= low <= diff + 1e-12 and diff - 1e-12 <= high <= 1.0
    mirrored = stats.newcombe_paired_interval(both, b_only, a_only, neither, alpha)
    assert mirrored == pytest.approx((-high, -low), abs=1e-12)


@exercises(stats.newcombe_paired_interval)
@FAST
@given(negative=st.integers(max_value=-1), alpha=bad_unit,
       which=st.sampled_from(["both", "a_only", "b_only", "neither"]))
def test_newcombe_paired_interval_rejects_bad_arguments(negative: int, alpha: float,
                                                        which: str) -> None:
    table = {"both": 3, "a_only": 2, "b_only": 4, "neither": 1}
    with pytest.raises(ValueError, match=which):
        stats.newcombe_paired_interval(**(table | {which: negative}))
    with pytest.raises(ValueError, match=which):
        stats.newcombe_paired_interval(**(table | {which: 1.5}))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="alpha"):
        stats.newcombe_paired_interval(**table, alpha=alpha)
    with pytest.raises(ValueError, match="both"):
        stats.newcombe_paired_interval(0, 0, 0, 0)


@exercises(stats.rank_biserial)
@FAST
@given(a=st.lists(st.integers(-5, 5).map(float), min_size=1, max_size=25),
       b=st.lists(st.integers(-5, 5).map(float), min_size=1, max_size=25))
def test_unpaired_rank_biserial_counts_wins_minus_losses(a: list[float], b: list[float]) -> None:
    x, y = np.array(a), np.array(b)
    value = stats.rank_biserial(x, y, paired=False)
    wins = sum((bj > ai) - (bj < ai) for ai in a for bj in b)
    assert value == pytest.approx(wins / (len(a) * len(b)), abs=1e-12)
    assert -1.0 <= value <= 1.0
    assert stats.rank_biserial(y, x, paired=False) == pytest.approx(-value, abs=1e-12)
    assert stats.rank_biserial(a, b, paired=False) == value


@exercises(stats.rank_biserial)
@FAST
@given(a=st.lists(st.integers(-50, 50).map(float), min_size=1, max_size=30),
       shift=st.integers(-100, 100), data=st.data())
def test_paired_rank_biserial_is_signed_rank_balance(a: list[float], shift: int,
                                                     data: st.DataObject) -> None:
    # integer-valued floats: a shift must not change a difference by rounding
    b = data.draw(st.lists(st.integers(-50, 50).map(float), min_size=len(a), max_size=len(a)))
    x, y = np.array(a), np.array(b)
    value = stats.rank_biserial(x, y, paired=True)
    assert -1.0 <= value <= 1.0
    assert stats.rank_biserial(y, x, paired=True) == pytest.approx(-value, abs=1e-12)
    assert stats.rank_biserial(x + shift, y + shift, paired=True) == pytest.approx(value,
                                                                                   abs=1e-9)
    d = y - x
    if (d > 0).all():
        assert value == 1.0
    if (d == 0).all():
        assert value == 0.0


@exercises(stats.rank_biserial)
@FAST
@given(a=values, bad=st.sampled_from([math.nan, math.inf]), paired=st.booleans())
def test_rank_biserial_rejects_bad_samples(a: list[float], bad: float, paired: bool) -> None:
    with pytest.raises(ValueError, match="a"):
        stats.rank_biserial([], a, paired=paired)
    with pytest.raises(ValueError, match="b"):
        stats.rank_biserial(a, [*a[1:], bad], paired=paired)
    with pytest.raises(ValueError, match="b"):
        stats.rank_biserial(a, a[1:], paired=True)
    with pytest.raises(ValueError, match="a"):
        stats.rank_biserial(np.zeros((2, 2)), a, paired=paired)


# --- compare ----------------------------------------------------------------------------------

@exercises(stats.compare, stats.Comparison.to_dict)
@SLOW
@given(a=bits, data=st.data(), paired=st.booleans(), alpha=st.floats(0.01, 0.5),
       alternative=st.sampled_from(stats.ALTERNATIVES))
def test_binary_comparison_invariants(a: list[int], data: st.DataObject, paired: bool,
                                      alpha: float, alternative: str) -> None:
    size = len(a) if paired else data.draw(st.integers(2, 60))
    b = data.draw(st.lists(st.integers(0, 1), min_size=size, max_size=size))
    c = stats.compare(a, b, paired=paired, kind="binary", alpha=alpha, alternative=alternative,
                      n_boot=0)
    assert c.estimate_a == pytest.approx(np.mean(a)) and c.estimate_b == pytest.approx(np.mean(b))
    assert c.difference == pytest.approx(c.estimate_b - c.estimate_a)
    for estimate, ci, k, n in ((c.estimate_a, c.ci_a, sum(a), len(a)),
                               (c.estimate_b, c.ci_b, sum(b), len(b))):
        assert ci is not None
        assert ci == pytest.approx(_wilson(k, n, alpha), abs=1e-9)
        assert 0 <= ci[0] <= estimate <= ci[1] <= 1
    payload = json.loads(json.dumps(c.to_dict(), allow_nan=False))
    assert payload["label_a"] == c.label_a and payload["kind"] == "binary"
    if c.degenerate is not None:
        assert c.p_value is None and c.test is None
        return
    assert c.p_value is not None and 0 <= c.p_value <= 1
    assert payload["p_value"] == pytest.approx(c.p_value)
    assert c.significant == (c.p_value < alpha)
    assert c.difference_ci is not None
    low, high = c.difference_ci
    assert -1 <= low <= c.difference + 1e-12 and c.difference - 1e-12 <= high <= 1
    if c.power is not None:
        assert 0 <= c.power <= 1
    if paired and alternative == "two-sided":
        swapped = stats.compare(b, a, paired=True, kind="binary", alpha=alpha, n_boot=0)
        assert swapped.p_value == pytest.approx(c.p_value)
        assert swapped.difference == pytest.approx(-c.difference)


@exercises(stats.compare, stats.Comparison.to_dict)
@SLOW
@given(a=values, data=st.data(), paired=st.booleans(),
       alternative=st.sampled_from(stats.ALTERNATIVES), seed=st.integers(0, 2**31))
def test_continuous_comparison_invariants(a: list[float], data: st.DataObject, paired: bool,
                                          alternative: str, seed: int) -> None:
    size = len(a) if paired else data.draw(st.integers(3, 30))
    b = data.draw(st.lists(st.floats(-1e3, 1e3), min_size=size, max_size=size))
    c = stats.compare(a, b, paired=paired, kind="continuous", alternative=alternative,
                      n_boot=200, seed=seed)
    again = stats.compare(a, b, paired=paired, kind="continuous", alternative=alternative,
                          n_boot=200, seed=seed)
    assert c.to_dict() == again.to_dict()
    json.dumps(c.to_dict(), allow_nan=False)
    assert c.difference == pytest.approx(np.mean(b) - np.mean(a), abs=1e-9)
    if c.degenerate is not None:
        assert c.p_value is None
        return
    assert c.p_value is not None and 0 <= c.p_value <= 1
    assert c.difference_ci is not None
    low, high = c.difference_ci
    scale = 1e-9 * (1 + abs(c.difference))
    assert low <= c.difference + scale and c.difference - scale <= high
    if c.bootstrap_ci is not None:
        assert c.bootstrap_ci[0] <= c.bootstrap_ci[1]
    assert c.effect is not None
    assert c.effect.lower is not None and c.effect.upper is not None
    assert c.effect.lower <= c.effect.value <= c.effect.upper


@exercises(stats.compare)
@FAST
@given(kind=st.text(max_size=8), alpha=st.one_of(st.floats(max_value=0.0),
                                                 st.floats(min_value=0.5 + 1e-9),
                                                 st.just(math.nan)),
       n_boot=st.one_of(st.integers(max_value=-1), st.integers(1, 99)),
       seed=st.integers(max_value=-1), bad=st.sampled_from([math.nan, math.inf, 2.0, -1.0]))
def test_compare_rejects_bad_arguments(kind: str, alpha: float, n_boot: int, seed: int,
                                       bad: float) -> None:
    assume(kind not in stats.KINDS and kind not in stats.ALTERNATIVES)
    a, b = [0, 1, 1, 0], [1, 1, 0, 1]
    cases = [({"kind": kind}, "kind"), ({"alternative": kind}, "alternative"),
             ({"alpha": alpha}, "alpha"), ({"n_boot": n_boot}, "n_boot"),
             ({"seed": seed}, "seed"), ({"a": []}, "a"), ({"b": [0, 1, bad]}, "b"),
             ({"b": [0, 1]}, "b"), ({"min_effect": -1.0}, "min_effect")]
    for change, name in cases:
        kwargs = {"a": a, "b": b, "paired": True, "kind": "binary"} | change
        with pytest.raises(ValueError, match=name):
            stats.compare(**kwargs)  # type: ignore[arg-type]


# --- compare_many ------------------------------------------------------------------------------

@exercises(stats.compare_many)
@SLOW
@given(k=st.integers(3, 5), n=st.integers(3, 15), kind=st.sampled_from(stats.KINDS),
       paired=st.booleans(), correction=st.sampled_from(stats.CORRECTIONS),
       levels=st.integers(1, 4), data=st.data())
def test_compare_many_keeps_p_values_in_range(k: int, n: int, kind: str, paired: bool,
                                              correction: str, levels: int,
                                              data: st.DataObject) -> None:
    # few distinct values, so ties and constant groups (no variation at all) come up often
    cell = st.integers(0, 1 if kind == "binary" else levels - 1).map(float)
    groups = {}
    for i in range(k):
        size = n if paired else data.draw(st.integers(3, 15))
        groups[f"g{i}"] = data.draw(st.lists(cell, min_size=size, max_size=size))
    result = stats.compare_many(groups, kind=kind, paired=paired, correction=correction)
    assert 0.0 <= result.p_value <= 1.0 and result.statistic >= 0
    table = result.pairwise
    assert len(table) == k * (k - 1) // 2
    assert table["p_raw"].between(0, 1).all() and table["p_adjusted"].between(0, 1).all()
    assert (table["p_adjusted"] >= table["p_raw"] - 1e-12).all()
    assert (table["significant"] == (table["p_adjusted"] <= 0.05)).all()


@exercises(stats.compare_many)
@FAST
@given(alpha=st.one_of(st.floats(max_value=0.0), st.floats(min_value=0.5 + 1e-9)),
       correction=st.text(max_size=6), bad=st.sampled_from([math.nan, math.inf]))
def test_compare_many_rejects_bad_arguments(alpha: float, correction: str, bad: float) -> None:
    assume(correction not in stats.CORRECTIONS)
    good = {"x": [1.0, 2.0, 3.0], "y": [2.0, 3.0, 4.0], "z": [1.0, 5.0, 2.0]}
    cases = [(good, {"alpha": alpha}, "alpha"), (good, {"correction": correction}, "correction"),
             (good, {"kind": correction}, "kind"),
             ({"x": [1.0, 2.0, 3.0], "y": [2.0, 3.0, 4.0]}, {}, "groups"),
             (good | {"z": [1.0, bad, 2.0]}, {}, "groups"),
             (good | {"z": [1.0, 2.0]}, {}, "group"),
             (good | {"z": [1.0, 2.0, 3.0, 4.0]}, {"paired": True}, "groups"),
             (list(good.values()), {}, "groups"),
             ({1: [1.0, 2.0, 3.0], "1": [2.0, 3.0, 4.0], "z": [1.0, 5.0, 2.0]}, {}, "groups")]
    for groups, change, name in cases:
        kwargs = {"kind": "continuous"} | change
        with pytest.raises(ValueError, match=name):
            stats.compare_many(groups, **kwargs)  # type: ignore[arg-type]


# --- reports ----------------------------------------------------------------------------------

#: Characters that start Markdown constructs inside a line (CommonMark inline syntax and
#: entity references, GFM tables and strikethrough, HTML) or math ($ in Streamlit/KaTeX).
MARKDOWN_ACTIVE = set("\\`*_[]<>!&|~$#{}")
LATEX_SPECIAL = set("\\&%$#_{}~^<>")
LATEX_LITERALS = sorted(reports._LATEX_SPECIAL.items(), key=lambda kv: -len(kv[1]))
texts = st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from(
    list("\\`*_[]<>!&|~$#{}%^\n\r ")), max_size=40)


def _unescape_markdown(text: str) -> str:
    """Undo backslash escapes, failing on any active character left unescaped."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            assert i + 1 < len(text), f"dangling backslash in {text!r}"
            out.append(text[i + 1])
            i += 2
            continue
        assert ch not in MARKDOWN_ACTIVE, f"unescaped {ch!r} in {text!r}"
        out.append(ch)
        i += 1
    return "".join(out)


def _unescape_latex(text: str) -> str:
    """Undo ``escape_latex``, failing on any special character left unescaped."""
    out, i = [], 0
    while i < len(text):
        for char, literal in LATEX_LITERALS:
            if text.startswith(literal, i):
                out.append(char)
                i += len(literal)
                break
        else:
            assert text[i] not in LATEX_SPECIAL, f"unescaped {text[i]!r} in {text!r}"
            out.append(text[i])
            i += 1
    return "".join(out)


@exercises(stats_report.escape_markdown)
@FAST
@given(text=texts)
def test_escape_markdown_makes_every_metacharacter_inert(text: str) -> None:
    escaped = stats_report.escape_markdown(text)
    assert escaped.splitlines() == [escaped] or escaped == ""
    assert _unescape_markdown(escaped) == " ".join(text.splitlines())


@exercises(stats_report.escape_latex)
@FAST
@given(text=texts)
def test_escape_latex_is_literal_and_reversible(text: str) -> None:
    assert _unescape_latex(stats_report.escape_latex(text)) == text


@exercises(stats_report.versions, stats_report.reproducibility_line)
@SLOW
@given(seed=st.integers(0, 2**31), n_boot=st.sampled_from([0, 100, 12_345]))
def test_reproducibility_line_names_seed_resamples_and_versions(seed: int, n_boot: int) -> None:
    found = stats_report.versions()
    assert found["python"].count(".") == 2
    for package in ("numpy", "scipy", "statsmodels", "pandas"):
        assert found[package] == metadata.version(package)
    c = stats.compare([0, 1, 1, 0, 1], [1, 1, 1, 0, 1], paired=True, kind="binary",
                      seed=seed, n_boot=n_boot)
    line = stats_report.reproducibility_line(c)
    assert line.startswith(f"seed {seed}, {n_boot:,} bootstrap resamples")
    for package, version in found.items():
        assert f"{package} {version}" in line


class _Cells(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.title = ""
        self._tag: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("th", "td", "h1"):
            self._tag = tag
            if tag != "h1":
                self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        self._tag = None

    def handle_data(self, data: str) -> None:
        if self._tag == "h1":
            self.title += data
        elif self._tag in ("th", "td"):
            self.cells[-1] += data


def _split_unescaped(line: str, separator: str) -> list[str]:
    """``line`` cut at every ``separator`` that is not backslash-escaped."""
    return re.split(r"(?<!\\)(?:\\\\)*" + re.escape(separator), line)


@exercises(stats_report.report, stats_report.report_fields)
@SLOW
@given(label_a=labels, label_b=labels, metric=labels, title=labels, a=bits, data=st.data(),
       kind=st.sampled_from(stats.KINDS))
def test_every_report_format_carries_every_field_escaped(label_a: str, label_b: str,
                                                         metric: str, title: str, a: list[int],
                                                         data: st.DataObject,
                                                         kind: str) -> None:
    b = data.draw(st.lists(st.integers(0, 1), min_size=len(a), max_size=len(a)))
    if kind == "continuous":
        a = [x + 0.1 * i for i, x in enumerate(a)]
    c = stats.compare(a, b, paired=True, kind=kind, label_a=label_a, label_b=label_b,
                      metric=metric or None, n_boot=0)
    rows = stats_report.report_fields(c)
    assert rows[0] == ("Comparison", f"{label_b} vs {label_a} on {c.metric}")
    assert ("Verdict", c.verdict) in rows and rows[-1][0] == "Reproducibility"
    flat = [(k, " ".join(v.splitlines())) for k, v in rows]

    md = stats_report.report(c, "markdown", title=title).splitlines()
    assert _unescape_markdown(md[0][2:]) == " ".join(title.splitlines())
    table = md[4:]
    assert len(table) == len(rows)
    for line, (key, value) in zip(table, flat, strict=True):
        cells = _split_unescaped(line, "|")
        assert len(cells) == 4 and cells[0] == cells[3] == ""
        assert (_unescape_markdown(cells[1][1:-1]), _unescape_markdown(cells[2][1:-1])) == (
            key, value)

    latex = stats_report.report(c, "latex", title=title)
    assert _unescape_latex(latex.split("\\section*{")[1].split("}\n\\begin{tabularx}")[0]) == title
    lines = latex.split("\\hline\n")[1].split(" \\\\\n")
    assert lines.pop() == ""
    assert len(lines) == len(rows)
    for line, (key, value) in zip(lines, rows, strict=True):
        cells = _split_unescaped(line, " & ")
        assert [_unescape_latex(cell) for cell in cells] == [key, value]

    parser = _Cells()
    parser.feed(stats_report.report(c, "html", title=title))
    assert parser.title == title
    assert parser.cells == [cell for row in rows for cell in row]

    payload = json.loads(stats_report.report(c, "json", title=title))
    assert payload["title"] == title and payload["fields"] == dict(rows)
    assert payload["comparison"]["label_a"] == label_a


@exercises(stats_report.report)
@FAST
@given(fmt=st.text(max_size=10))
def test_report_rejects_unknown_formats(fmt: str) -> None:
    assume(fmt not in stats_report.FORMATS)
    c = stats.compare([0, 1, 1, 0], [1, 1, 1, 0], paired=True, kind="binary", n_boot=0)
    with pytest.raises(ValueError, match="fmt"):
        stats_report.report(c, fmt)
