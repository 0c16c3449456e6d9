"""Property-based checks (hypothesis) of ``crucible_scenarios.hedging_plan`` and
``crucible_scenarios.hedging_export``: the empirical profile is a distribution (monotone
CDF, S = 1 - F, quantile the inverse of F, samples from the log), the recommendation
meets its budget and target, intervals hold their estimate, exports keep their systems'
limits, and bad arguments raise ValueError naming them."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_scenarios import hedging_export, hedging_plan
from tests.unit.properties import exercises

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
logs = st.lists(st.floats(0.5, 60_000.0), min_size=2, max_size=300)
levels = st.floats(0.001, 0.999)


@exercises(hedging_plan.empirical_profile, hedging_plan.EmpiricalProfile.cdf,
           hedging_plan.EmpiricalProfile.sf, hedging_plan.EmpiricalProfile.quantile,
           hedging_plan.EmpiricalProfile.sample, hedging_plan.EmpiricalProfile.mean)
@FAST
@given(values=logs, q=levels, seed=st.integers(0, 2**32 - 1))
def test_empirical_profile_is_a_distribution(values: list[float], q: float,
                                             seed: int) -> None:
    prof = hedging_plan.empirical_profile(values)
    x = prof.quantile(q)
    assert float(prof.cdf(x)) >= q - 1e-12
    below = prof.sorted_ms[prof.sorted_ms < x]
    if below.size:
        assert float(prof.cdf(below[-1])) < q + 1e-12
    grid = np.linspace(0, max(values) * 1.1, 50)
    assert np.all(np.diff(prof.cdf(grid)) >= 0)
    np.testing.assert_allclose(prof.sf(grid), 1 - prof.cdf(grid))
    draws = prof.sample(100, np.random.default_rng(seed))
    assert np.isin(draws, prof.sorted_ms).all()
    assert prof.mean() == pytest.approx(float(np.mean(values)))
    with pytest.raises(ValueError, match="latencies_ms"):
        hedging_plan.empirical_profile(values[:1])
    with pytest.raises(ValueError, match="latencies_ms"):
        hedging_plan.empirical_profile([*values, -1.0])


@exercises(hedging_plan.recommend_delay)
@FAST
@given(values=st.lists(st.floats(1.0, 10_000.0), min_size=20, max_size=200),
       budget=st.floats(0.01, 1.0), target=st.floats(1.0, 20_000.0))
def test_recommendation_meets_budget_and_target(values: list[float], budget: float,
                                                target: float) -> None:
    prof = hedging_plan.empirical_profile(values)
    rec = hedging_plan.recommend_delay(prof, budget=budget)
    assert rec.feasible and rec.extra_requests <= budget + 1e-12
    assert rec.p99_ms <= rec.baseline_p99_ms + 1e-9
    aimed = hedging_plan.recommend_delay(prof, target_ms=target)
    if aimed.feasible:
        assert aimed.hedged_quantile_ms <= target + 1e-6
    else:
        assert aimed.reason
    with pytest.raises(ValueError, match="budget"):
        hedging_plan.recommend_delay(prof, budget=1.5)


@exercises(hedging_plan.exact_tradeoff_curve, hedging_plan.log_delays)
@FAST
@given(values=st.lists(st.floats(1.0, 10_000.0), min_size=20, max_size=200))
def test_exact_curve_falls_with_earlier_hedges(values: list[float]) -> None:
    prof = hedging_plan.empirical_profile(values)
    delays = hedging_plan.log_delays(prof, count=6)
    assert delays == sorted(delays) and len(delays) >= 1
    curve = hedging_plan.exact_tradeoff_curve(prof, delays)
    assert np.all(np.diff(curve["exact_p99_ms"]) >= -1e-9)
    assert np.all(np.diff(curve["exact_extra_requests_pct"]) <= 1e-9)


@exercises(hedging_plan.independence_check, hedging_plan.IndependenceCheck.message)
@FAST
@given(values=st.lists(st.floats(0.0, 60_000.0), min_size=10, max_size=300))
def test_independence_check_is_well_formed(values: list[float]) -> None:
    check = hedging_plan.independence_check(values)
    assert -1.0 - 1e-9 <= check.lag1_autocorrelation <= 1.0 + 1e-9
    assert check.slow_after_slow_ratio >= 0 and 0 <= check.slow_after_slow_p <= 1
    assert isinstance(check.message(), str) and check.message()
    with pytest.raises(ValueError, match="at least 10"):
        hedging_plan.independence_check(values[:9])


@exercises(hedging_plan.quantile_interval)
@FAST
@given(values=st.lists(st.floats(0.0, 60_000.0), min_size=1, max_size=500), q=levels)
def test_quantile_interval_holds_the_estimate(values: list[float], q: float) -> None:
    est = hedging_plan.quantile_interval(values, q)
    if math.isfinite(est.low_ms):
        assert est.low_ms <= est.value_ms
    if math.isfinite(est.high_ms):
        assert est.value_ms <= est.high_ms
    with pytest.raises(ValueError, match="q"):
        hedging_plan.quantile_interval(values, 1.0)


@exercises(hedging_export.export_policy, hedging_export.export_notes,
           hedging_export.duration_string)
@FAST
@given(delay=st.floats(0.001, 600_000.0), hedges=st.integers(1, 4),
       budget=st.one_of(st.none(), st.floats(0.001, 0.999)),
       system=st.sampled_from(hedging_export.EXPORT_SYSTEMS))
def test_exports_keep_their_limits(delay: float, hedges: int, budget: float | None,
                                   system: str) -> None:
    text = hedging_export.export_policy(delay, max_hedges=hedges, budget=budget,
                                        system=system)
    notes = hedging_export.export_notes(delay, max_hedges=hedges, budget=budget,
                                        system=system)
    assert any("Cannot express" in note for note in notes)
    duration = hedging_export.duration_string(delay)
    assert duration.endswith("s") and float(duration[:-1]) == pytest.approx(
        delay / 1000, abs=1e-9)
    if system == "grpc":
        config = json.loads(text)
        assert 2 <= config["methodConfig"][0]["hedgingPolicy"]["maxAttempts"] <= 5
    with pytest.raises(ValueError, match="delay_ms"):
        hedging_export.export_policy(-delay, max_hedges=hedges, budget=budget,
                                     system=system)
