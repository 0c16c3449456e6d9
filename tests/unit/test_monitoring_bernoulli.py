"""Bernoulli CUSUM, fixed-limit EWMA and run-length distributions, each checked against an
independent reference: the increment formula, an exact lattice Markov chain, the Lucas &
Saccucci (1990) table, and the geometric law of run lengths."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from crucible_scenarios.monitoring import (
    Degradation,
    MonitorConfig,
    aggregate_requests,
    alert_log,
    bernoulli_cusum,
    generate_history,
    recommend,
    run_all,
)
from crucible_scenarios.monitoring_arl import ARLResult, average_run_length
from crucible_scenarios.monitoring_bernoulli import (
    bernoulli_cusum_arl,
    bernoulli_cusum_increments,
    bernoulli_threshold,
)


def test_increments_match_the_log_likelihood_ratio() -> None:
    y = np.array([0, 3, 12, 40])
    n = np.array([40, 40, 100, 40])
    p0, p1 = 0.08, 0.11
    expected = [yi * math.log(p1 / p0) + (ni - yi) * math.log((1 - p1) / (1 - p0))
                for yi, ni in zip(y.tolist(), n.tolist(), strict=True)]
    assert bernoulli_cusum_increments(y, n, p0, p1) == pytest.approx(expected, rel=1e-12)
    # the same as the difference of binomial log-likelihoods (scipy)
    llr = stats.binom.logpmf(y, n, p1) - stats.binom.logpmf(y, n, p0)
    assert bernoulli_cusum_increments(y, n, p0, p1) == pytest.approx(llr, rel=1e-9)


@pytest.mark.parametrize(("args", "word"), [
    ((np.array([5]), np.array([4]), 0.1, 0.2), "errors"),
    ((np.array([1]), np.array([4]), 0.0, 0.2), "p0"),
    ((np.array([1]), np.array([4]), 0.1, 0.1), "p1"),
    ((np.array([np.nan]), np.array([4]), 0.1, 0.2), "finite"),
])
def test_increments_reject_bad_input(args: tuple, word: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=word):
        bernoulli_cusum_increments(*args)


def _lattice_case(m: int = 3, p0: float = 0.1) -> tuple[float, float, float]:
    """p1 with ln(p1/p0) = m * -ln((1-p1)/(1-p0)): one event moves the statistic up m
    units of u = -ln((1-p1)/(1-p0)), a non-event down one unit, so it lives on a lattice."""
    def gap(p1: float) -> float:
        return math.log(p1 / p0) + m * (math.log1p(-p1) - math.log1p(-p0))
    p1 = optimize.brentq(gap, p0 + 1e-9, 0.999)
    u = -(math.log1p(-p1) - math.log1p(-p0))
    return p0, p1, u


def _exact_lattice_arl(p: float, m: int, top: int) -> float:
    """Exact ARL of S = max(0, S + m) w.p. p, max(0, S - 1) otherwise, alarm above top:
    the linear system E = 1 + P E on the states 0..top, solved directly."""
    size = top + 1
    transition = np.zeros((size, size))
    for s in range(size):
        if s + m <= top:
            transition[s, s + m] += p
        transition[s, max(s - 1, 0)] += 1 - p
    return float(np.linalg.solve(np.eye(size) - transition, np.ones(size))[0])


def test_markov_chain_is_exact_on_a_lattice() -> None:
    m, top = 3, 6
    p0, p1, u = _lattice_case(m)
    h = (top + 0.5) * u
    exact0 = _exact_lattice_arl(p0, m, top)
    exact1 = _exact_lattice_arl(p1, m, top)
    # a non-event moves the statistic a quarter of an event exactly: the chain finds
    # that lattice and is the exact one
    assert bernoulli_cusum_arl(p0, p1, 1, h) == pytest.approx(exact0, rel=1e-9)
    assert bernoulli_cusum_arl(p0, p1, 1, h, p=p1) == pytest.approx(exact1, rel=1e-9)
    # with too few states allowed for that lattice it is an approximation, not an error
    coarse = bernoulli_cusum_arl(p0, p1, 1, h, states=3)
    assert 1.0 < coarse < math.inf


def _reference_arl(p0: float, p1: float, n: int, h: float, most: int) -> tuple[float, float]:
    """ARL on the lattice of step s/q, for the q up to ``most`` states whose rounding of
    the non-event move is smallest, built cell by cell as a dense matrix and solved
    directly; also that rounding error per window, in units of s."""
    up, down = math.log(p1 / p0), math.log((1 - p1) / (1 - p0))
    s = up - down
    ratio = n * down / s
    candidates = range(1, int(most * s / h) + 1)
    q = min(candidates, key=lambda k: abs(k * ratio - round(k * ratio)) / k)
    base, top = round(q * ratio), math.floor(h * q / s)
    pmf = stats.binom.pmf(np.arange(n + 1), n, p0)
    transition = np.zeros((top + 1, top + 1))
    for j in range(top + 1):
        for y in range(n + 1):
            target = j + y * q + base
            if target <= top:
                transition[j, max(target, 0)] += pmf[y]
    arl = np.linalg.solve(np.eye(top + 1) - transition, np.ones(top + 1))[0]
    return float(arl), abs(q * ratio - base) / q


def test_few_queries_per_window_match_simulation_where_a_fixed_grid_did_not() -> None:
    """p0 0.02, p1 0.04, 50 queries per window, h 3.337: a grid of 200 cells gave 203;
    a fine lattice and 40,000 simulated runs both give about 223.4."""
    p0, p1, n, h = 0.02, 0.04, 50, 3.337
    arl = bernoulli_cusum_arl(p0, p1, n, h)
    reference, err = _reference_arl(p0, p1, n, h, 3000)
    assert err < 1e-4
    assert arl == pytest.approx(reference, rel=2e-3)
    assert arl == pytest.approx(223.4, rel=2e-3)
    sim = average_run_length("bernoulli", 0.0, 40_000, 21, p0=p0, p1=p1, n=n, h=h)
    assert sim.censored == 0
    assert abs(sim.arl - arl) < 4 * sim.standard_error


@pytest.mark.parametrize(("p0", "p1", "n"), [(0.05, 0.08, 5), (0.1, 0.15, 1),
                                             (0.02, 0.04, 50), (0.1, 0.13, 20)])
def test_thresholds_at_small_n_meet_their_target_by_simulation(p0: float, p1: float,
                                                               n: int) -> None:
    h = bernoulli_threshold(p0, p1, n, arl0=200.0)
    arl = bernoulli_cusum_arl(p0, p1, n, h)
    assert arl >= 200.0 * (1 - 1e-9)
    reference, err = _reference_arl(p0, p1, n, h, 2500)
    if err < 1e-5:  # the dense reference is itself fine enough to compare with
        assert arl == pytest.approx(reference, rel=5e-3)
    sim = average_run_length("bernoulli", 0.0, 20_000, 31, p0=p0, p1=p1, n=n, h=h)
    assert sim.censored == 0
    assert abs(sim.arl - arl) < 4 * sim.standard_error


def test_simulated_bernoulli_arl_matches_the_exact_lattice_value() -> None:
    m, top = 3, 6
    p0, p1, u = _lattice_case(m)
    h = (top + 0.5) * u
    exact0 = _exact_lattice_arl(p0, m, top)
    result = average_run_length("bernoulli", 0.0, 20_000, 11, p0=p0, p1=p1, n=1, h=h)
    assert result.censored == 0
    assert abs(result.arl - exact0) < 4 * result.standard_error
    out = average_run_length("bernoulli", p1 - p0, 20_000, 12, p0=p0, p1=p1, n=1, h=h)
    assert abs(out.arl - _exact_lattice_arl(p1, m, top)) < 4 * out.standard_error


def test_threshold_meets_its_target_by_chain_and_by_simulation() -> None:
    p0, p1, n = 0.08, 0.11, 400
    h = bernoulli_threshold(p0, p1, n, arl0=200.0)
    arl = bernoulli_cusum_arl(p0, p1, n, h)
    # an event moves the statistic by a tenth of h, so the ARL is a step function of h:
    # here it jumps from about 198.5 to 224.2, and the smallest h that reaches 200 is
    # on the upper step
    assert arl >= 200.0
    assert bernoulli_cusum_arl(p0, p1, n, h * 0.99) < 200.0
    assert arl == pytest.approx(224.2, rel=2e-3)
    # a chain on fewer states agrees
    assert bernoulli_cusum_arl(p0, p1, n, h, states=1500) == pytest.approx(arl, rel=0.01)
    sim = average_run_length("bernoulli", 0.0, 8000, 3, p0=p0, p1=p1, n=n, h=h)
    assert abs(sim.arl - arl) < 4 * sim.standard_error
    assert sim.censored == 0
    faster = average_run_length("bernoulli", 0.03, 4000, 4, p0=p0, p1=p1, n=n, h=h)
    assert faster.arl < 10
    assert faster.arl == pytest.approx(bernoulli_cusum_arl(p0, p1, n, h, p=0.11), rel=0.05)


def test_fixed_limit_ewma_reproduces_lucas_and_saccucci() -> None:
    """Lucas & Saccucci (1990), Table 3 (Montgomery, Table 9.11): lambda = 0.10, L = 2.814
    gives an in-control ARL of 500 and 10.3 at a one-sigma shift."""
    ic = average_run_length("ewma", 0.0, 20_000, 7, limits="fixed", lam=0.1, L=2.814)
    assert ic.censored == 0
    assert ic.arl == pytest.approx(500.0, rel=0.05)
    shifted = average_run_length("ewma", 1.0, 20_000, 8, limits="fixed", lam=0.1, L=2.814)
    assert shifted.arl == pytest.approx(10.3, rel=0.05)
    # time-varying limits are narrower at first: more early false alarms
    varying = average_run_length("ewma", 0.0, 20_000, 7, lam=0.1, L=2.814)
    assert varying.prob_alarm_within(20) > ic.prob_alarm_within(20)


def test_false_alarm_odds_of_a_geometric_run_length() -> None:
    """The Shewhart rule's run length is geometric with mean 1/alpha, so the chance of
    an alarm within T is 1 - (1 - 1/ARL)^T."""
    alpha = 0.02
    result = average_run_length("proportion", 0.0, 40_000, 5, two_sided=False, alpha=alpha)
    for t in (10, 50, 200):
        expected = 1 - (1 - alpha) ** t
        se = math.sqrt(expected * (1 - expected) / result.n_sims)
        assert abs(result.prob_alarm_within(t) - expected) < 4 * se
    assert result.median == pytest.approx(stats.geom.median(alpha), abs=2)
    # the example: mean 500 h still gives about 76% (0.7634) in 30 days
    assert pytest.approx(0.7634, abs=1e-4) == 1 - (1 - 1 / 500) ** 720


def test_prob_alarm_within_is_a_lower_bound_past_the_cap() -> None:
    result = average_run_length("ewma", 0.0, 200, 1, max_steps=50, lam=0.1, L=3.0)
    assert result.censored > 0 and result.is_lower_bound
    fired = (result.n_sims - result.censored) / result.n_sims
    assert result.prob_alarm_within(50) == pytest.approx(fired)
    assert result.prob_alarm_within(10_000) == pytest.approx(fired)
    assert 0 <= result.prob_alarm_within(0) <= result.prob_alarm_within(10)
    with pytest.raises(ValueError, match="run lengths"):
        ARLResult("cusum", 0.0, 1, 1.0, 0.0, 1.0, 0, 10).prob_alarm_within(3)


def test_bernoulli_detector_catches_a_drop_and_stays_quiet_without_one() -> None:
    drop = generate_history(30, degradation=Degradation(0.88, start_hour=6), seed=4)
    result = bernoulli_cusum(drop, shift=0.03)
    assert len(result.alerts) > 0
    first = pd.Timestamp(result.alerts["time"].iloc[0])
    assert first.hour >= 6
    assert result.params["p0"] == pytest.approx(
        1 - drop["correct"][drop["period"] == "baseline"].sum()
        / drop["queries"][drop["period"] == "baseline"].sum())
    # the trace's increments are the formula on the window counts
    trace = result.trace
    y = np.rint(trace["n"] * (1 - trace["value"]))
    assert trace["increment"].to_numpy() == pytest.approx(bernoulli_cusum_increments(
        y, trace["n"], result.params["p0"], result.params["p1"]))
    quiet = generate_history(30, degradation=None, seed=4)
    assert bernoulli_cusum(quiet, shift=0.03).alerts.empty


def test_run_all_adds_the_bernoulli_cusum_when_asked() -> None:
    history = generate_history(30, degradation=Degradation(0.88), seed=2)
    plain = run_all(history)
    assert not any(d == "bernoulli" for d, _ in plain)
    results = run_all(history, MonitorConfig(bernoulli=True, ewma_limits="fixed"))
    assert ("bernoulli", "accuracy") in results and ("bernoulli", "error_rate") in results
    assert ("bernoulli", "latency_p95_ms") not in results
    assert results[("ewma", "accuracy")].params["fixed_limits"] == 1.0
    advice = recommend(alert_log(results), history)
    assert "bernoulli" in advice.agreeing_detectors


def test_aggregate_requests_counts_per_hour() -> None:
    rng = np.random.default_rng(0)
    n = 26 * 50
    stamps = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 26 * 3600, n)),
                                                          unit="s")
    frame = pd.DataFrame({"timestamp": stamps, "correct": rng.integers(0, 2, n),
                          "latency_ms": rng.gamma(2.0, 300.0, n),
                          "cost_usd": rng.uniform(0, 0.01, n), "error": rng.random(n) < 0.05})
    out = aggregate_requests(frame, "1h", today_windows=24)
    assert len(out) == 26 and out["queries"].sum() == n
    first = frame[frame["timestamp"] < pd.Timestamp("2025-01-01 01:00")]
    assert out["correct"].iloc[0] == first["correct"].sum()
    assert out["latency_p95_ms"].iloc[0] == pytest.approx(np.quantile(first["latency_ms"], 0.95))
    assert out["errors"].iloc[0] == first["error"].sum()
    assert out["cost_per_query"].iloc[0] == pytest.approx(first["cost_usd"].mean())
    assert list(out["period"]).count("baseline") == 2
    with pytest.raises(ValueError, match="windows"):
        aggregate_requests(frame, "6h")
    with pytest.raises(ValueError, match="window"):
        aggregate_requests(frame, "soon")
