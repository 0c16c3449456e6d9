"""Property-based checks (hypothesis) of the scenarios' main entry points: random valid
inputs never raise and keep their invariants (probabilities in [0, 1], percentiles
ordered, costs non-negative, same seed same output); invalid inputs raise ValueError
naming the argument."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_mock import MODELS
from crucible_scenarios import ensemble, hedging, monitoring, monitoring_arl, optimization, stats
from crucible_scenarios.trace import Trace, generate_trace
from tests.unit.properties import exercises

FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**31 - 1)
model_subsets = st.lists(st.sampled_from(list(MODELS)), min_size=1, max_size=5, unique=True)


@exercises(ensemble.evaluate, ensemble.summarize)
@FAST
@given(models=model_subsets, voting=st.sampled_from(ensemble.VOTING_STRATEGIES),
       execution=st.sampled_from(ensemble.EXECUTION_STRATEGIES),
       n=st.integers(1, 60), seed=seeds)
def test_ensemble_evaluate_invariants(models: list[str], voting: str, execution: str,
                                      n: int, seed: int) -> None:
    df = ensemble.evaluate(models, voting, execution, n, seed)
    again = ensemble.evaluate(models, voting, execution, n, seed)
    pd.testing.assert_frame_equal(df, again)
    assert len(df) == n
    assert df["consensus"].between(0, 1).all()
    assert (df["cost_usd"] >= 0).all() and (df["latency_ms"] >= 0).all()
    assert not (df["correct"] & df["abstained"]).any()
    summary = ensemble.summarize(df)
    for column in summary.columns:
        if column.startswith("accuracy") and pd.api.types.is_numeric_dtype(summary[column]):
            assert summary[column].dropna().between(0, 1).all()


@exercises(ensemble.independent_majority_accuracy)
@FAST
@given(accuracies=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=9))
def test_condorcet_probability_is_a_probability(accuracies: list[float]) -> None:
    p = ensemble.independent_majority_accuracy(accuracies)
    assert 0.0 <= p <= 1.0 + 1e-12


@exercises(hedging.simulate, hedging.summarize)
@FAST
@given(strategy=st.sampled_from(hedging.STRATEGIES), n=st.integers(1, 3000), seed=seeds,
       delay=st.floats(10.0, 10_000.0), percentile=st.floats(1.0, 99.9),
       budget=st.one_of(st.none(), st.floats(0.0, 100.0)), max_hedges=st.integers(1, 3))
def test_hedging_simulate_invariants(strategy: str, n: int, seed: int, delay: float,
                                     percentile: float, budget: float | None,
                                     max_hedges: int) -> None:
    kwargs = {"delay_ms": delay, "percentile": percentile, "budget": budget,
              "max_hedges": max_hedges}
    result = hedging.simulate(strategy, n, seed, **kwargs)  # type: ignore[arg-type]
    summary = hedging.summarize(result, n_boot=20)
    values = list(summary.quantiles.values())
    assert values == sorted(values)
    assert 0.0 <= summary.hedge_rate <= 1.0
    assert 0.0 <= summary.hedge_win_rate <= 1.0
    assert summary.extra_requests_pct >= 0 and summary.cost_overhead_pct >= -1e-9
    again = hedging.summarize(hedging.simulate(strategy, n, seed, **kwargs), n_boot=20)  # type: ignore[arg-type]
    assert again.quantiles == summary.quantiles


@exercises(hedging.hedged_latency_quantile, hedging.resolve_profile)
@FAST
@given(delay=st.floats(1.0, 20_000.0), q=st.floats(0.01, 0.999))
def test_hedged_quantile_never_exceeds_the_unhedged_one(delay: float, q: float) -> None:
    hedged = hedging.hedged_latency_quantile("support", delay, q)
    plain = hedging.resolve_profile("support").quantile(q)
    assert 0 < hedged <= plain * (1 + 1e-9)


@exercises(stats.power, stats.required_sample_size)
@FAST
@given(effect=st.floats(0.05, 3.0), n=st.integers(2, 5000),
       alpha=st.sampled_from([0.01, 0.05, 0.1]))
def test_power_is_a_probability_and_sample_size_reaches_it(effect: float, n: int,
                                                           alpha: float) -> None:
    p = stats.power(effect, n, kind="continuous", alpha=alpha)
    assert 0.0 <= p <= 1.0
    needed = stats.required_sample_size(effect, kind="continuous", alpha=alpha, power=0.8)
    assert stats.power(effect, needed, kind="continuous", alpha=alpha) >= 0.8 - 1e-6


@exercises(stats.compare)
@FAST
@given(a=st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=40),
       b=st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=40), paired=st.booleans())
def test_compare_continuous_never_raises_and_keeps_p_in_range(a: list[float], b: list[float],
                                                              paired: bool) -> None:
    if paired:
        b = (b * 40)[: len(a)]
    result = stats.compare(np.array(a), np.array(b), paired=paired, kind="continuous",
                           n_boot=200, seed=1, power_analysis=False)
    if result.p_value is not None:
        assert 0.0 <= result.p_value <= 1.0
    if result.difference_ci is not None:
        low, high = result.difference_ci
        assert low <= high or (math.isnan(low) or math.isnan(high))


@FAST
@given(a=st.lists(st.booleans(), min_size=2, max_size=60), seed=seeds)
def test_compare_binary_paired(a: list[bool], seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = rng.random(len(a)) < 0.8
    result = stats.compare(np.array(a, dtype=float), b.astype(float), paired=True,
                           kind="binary", n_boot=200, seed=1)
    if result.p_value is not None:
        assert 0.0 <= result.p_value <= 1.0
    assert 0.0 <= result.estimate_a <= 1.0 and 0.0 <= result.estimate_b <= 1.0


@exercises(generate_trace, Trace.validate, Trace.to_json)
@FAST
@given(seed=seeds, category=st.sampled_from(["medical", "math", "general", "code"]),
       index=st.integers(0, 5))
def test_generated_traces_are_valid_and_deterministic(seed: int, category: str,
                                                      index: int) -> None:
    from crucible_mock.datasets import get_bank

    item = get_bank(category)[index]
    trace = generate_trace(item, seed)
    assert trace.validate() == [] or not trace.validate()
    assert all(0.0 <= e.confidence <= 1.0 for e in trace.events)
    assert generate_trace(item, seed).to_json() == trace.to_json()


@exercises(monitoring.generate_history, monitoring.cusum, monitoring.ewma)
@FAST
@given(seed=seeds, days=st.integers(2, 40), accuracy=st.floats(0.5, 0.99),
       k=st.floats(0.1, 2.0), h=st.floats(1.0, 8.0), lam=st.floats(0.05, 1.0),
       limit=st.floats(1.5, 4.0))
def test_monitoring_detectors_invariants(seed: int, days: int, accuracy: float, k: float,
                                         h: float, lam: float, limit: float) -> None:
    history = monitoring.generate_history(days, baseline_accuracy=accuracy,
                                          queries_per_hour=100, seed=seed)
    assert history["accuracy"].dropna().between(0, 1).all()
    assert (history["latency_p95_ms"] >= history["latency_p50_ms"]).all()
    for result in (monitoring.cusum(history, k=k, h=h),
                   monitoring.ewma(history, lam=lam, L=limit)):
        assert set(result.alerts["time"]) <= set(history["timestamp"]) or result.alerts.empty


@exercises(monitoring_arl.average_run_length)
@FAST
@given(detector=st.sampled_from(["cusum", "ewma"]), shift=st.floats(0.0, 3.0),
       seed=seeds, two_sided=st.booleans())
def test_average_run_length_is_positive_and_deterministic(detector: str, shift: float,
                                                          seed: int, two_sided: bool) -> None:
    result = monitoring_arl.average_run_length(detector, shift, 50, seed,
                                               two_sided=two_sided, max_steps=2000)
    assert result.arl >= 1 and result.median >= 1
    assert 0 <= result.censored <= 50
    again = monitoring_arl.average_run_length(detector, shift, 50, seed,
                                              two_sided=two_sided, max_steps=2000)
    assert again.arl == result.arl


@exercises(optimization.validate, optimization.regret)
@FAST
@given(temperature=st.floats(0.0, 2.0), max_tokens=st.integers(100, 2000),
       few_shot=st.integers(0, 10), seed=seeds, n=st.integers(1, 200))
def test_optimization_validation_interval_contains_the_estimate(
        temperature: float, max_tokens: int, few_shot: int, seed: int, n: int) -> None:
    config = {"temperature": temperature, "max_tokens": max_tokens, "few_shot": few_shot}
    result = optimization.validate(config, n, seed)
    assert 0.0 <= result.low <= result.accuracy <= result.high <= 1.0
    assert 0.0 <= result.expected <= 1.0
    assert optimization.regret(config) >= -1e-9


@pytest.mark.parametrize(("call", "name"), [
    (lambda: ensemble.evaluate(["gpt-4"], "majority", "parallel", -1, 0), "n_questions"),
    (lambda: ensemble.evaluate(["gpt-4"], "plurality", "parallel", 5, 0), "voting"),
    (lambda: hedging.simulate("fixed", 0, 0), "n_requests"),
    (lambda: hedging.simulate("fixed", 10, 0, delay_ms=-5), "delay_ms"),
    (lambda: hedging.simulate("percentile", 10, 0, percentile=100), "percentile"),
    (lambda: hedging.hedged_latency_quantile("support", 100, 1.5), "q"),
    (lambda: stats.required_sample_size(0.0), "effect"),
    (lambda: stats.power(0.5, 1), "n"),
    (lambda: monitoring.generate_history(0, seed=0), "days"),
    (lambda: monitoring_arl.average_run_length("cusum", 1.0, 0, 0), "n_sims"),
    (lambda: optimization.validate({"temperature": 0.5}, 0, 0), "n_queries"),
])
def test_invalid_arguments_raise_value_error_naming_them(call, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=name):
        call()
