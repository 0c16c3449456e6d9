"""Properties of the Bernoulli CUSUM, the run-length distribution and per-request
aggregation: on random inputs they keep their documented invariants and agree with
independent references (scipy's binomial log-likelihood, direct counting)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from crucible_scenarios import monitoring, monitoring_arl, monitoring_bernoulli
from tests.unit.properties import exercises

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
rates = st.floats(0.01, 0.6)


@exercises(monitoring_bernoulli.bernoulli_cusum_increments)
@FAST
@given(p0=rates, lift=st.floats(0.005, 0.3), n=st.integers(1, 500), share=st.floats(0, 1))
def test_increments_are_binomial_log_likelihood_ratios(p0: float, lift: float, n: int,
                                                       share: float) -> None:
    p1 = min(p0 + lift, 0.99)
    y = np.array([math.floor(share * n)])
    inc = monitoring_bernoulli.bernoulli_cusum_increments(y, n, p0, p1)
    llr = stats.binom.logpmf(y, n, p1) - stats.binom.logpmf(y, n, p0)
    assert inc == pytest.approx(llr, rel=1e-7, abs=1e-9)


@exercises(monitoring_bernoulli.bernoulli_cusum_arl, monitoring_bernoulli.bernoulli_threshold)
@SLOW
@given(p0=st.floats(0.02, 0.3), lift=st.floats(0.01, 0.1), n=st.integers(20, 400),
       arl0=st.floats(20.0, 800.0))
def test_threshold_and_chain_agree_and_order(p0: float, lift: float, n: int,
                                             arl0: float) -> None:
    p1 = p0 + lift
    h = monitoring_bernoulli.bernoulli_threshold(p0, p1, n, arl0=arl0, states=150)
    ic = monitoring_bernoulli.bernoulli_cusum_arl(p0, p1, n, h, states=150)
    assert ic >= arl0 * (1 - 1e-9)
    out = monitoring_bernoulli.bernoulli_cusum_arl(p0, p1, n, h, p=p1, states=150)
    assert 1.0 <= out < ic
    with pytest.raises(ValueError, match="arl0"):
        monitoring_bernoulli.bernoulli_threshold(p0, p1, n, arl0=0.5)


@exercises(monitoring_arl.ARLResult.prob_alarm_within, monitoring_arl.average_run_length)
@FAST
@given(seed=st.integers(0, 2**32 - 1), t=st.lists(st.integers(0, 400), min_size=2,
                                                     max_size=5))
def test_prob_alarm_within_is_the_empirical_cdf(seed: int, t: list[int]) -> None:
    result = monitoring_arl.average_run_length("cusum", 0.5, 60, seed, max_steps=300)
    lengths = result.run_lengths
    for span in sorted(t):
        share = result.prob_alarm_within(span)
        if span < result.max_steps:
            assert share == pytest.approx(float(np.mean(lengths <= span)))
        assert 0.0 <= share <= 1.0
    values = [result.prob_alarm_within(s) for s in sorted(t)]
    assert values == sorted(values)


@exercises(monitoring.bernoulli_cusum)
@SLOW
@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(0.01, 0.1),
       window=st.sampled_from([1, 3, 6]))
def test_bernoulli_detector_statistic_and_alarms(seed: int, shift: float,
                                                 window: int) -> None:
    history = monitoring.generate_history(3, queries_per_hour=200, seed=seed)
    result = monitoring.bernoulli_cusum(history, shift=shift, window_hours=window)
    trace = result.trace
    assert (trace["statistic"] >= 0).all()
    h = result.params["h"]
    assert (trace["statistic"][trace["alarm"]] > h).all()
    assert (trace["statistic"][~trace["alarm"]] <= h).all()
    assert result.params["p1"] == pytest.approx(result.params["p0"] + shift)
    with pytest.raises(ValueError, match="metric"):
        monitoring.bernoulli_cusum(history, metric="latency_p95_ms")


@exercises(monitoring.aggregate_requests)
@FAST
@given(seed=st.integers(0, 2**32 - 1), hours=st.integers(4, 40), per_hour=st.integers(1, 30))
def test_aggregate_requests_conserves_requests(seed: int, hours: int, per_hour: int) -> None:
    rng = np.random.default_rng(seed)
    n = hours * per_hour
    stamps = pd.Timestamp("2025-03-01") + pd.to_timedelta(
        rng.integers(0, hours * 3600, n), unit="s")
    frame = pd.DataFrame({"timestamp": stamps, "correct": rng.integers(0, 2, n),
                          "error": rng.integers(0, 2, n)})
    windows = frame["timestamp"].dt.floor("1h").nunique()
    if windows < 4:
        with pytest.raises(ValueError, match="windows"):
            monitoring.aggregate_requests(frame, today_windows=2)
        return
    out = monitoring.aggregate_requests(frame, today_windows=2)
    assert len(out) == windows
    assert out["queries"].sum() == n
    assert out["correct"].sum() == frame["correct"].sum()
    assert out["errors"].sum() == frame["error"].sum()
    assert out["timestamp"].is_monotonic_increasing
