"""Request hedging library: simulation against the exact hedged-latency distribution,
hedge rates against the profile's survival function, the budget against a sequential
token bucket, and the strategies' behaviour."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import integrate, stats

from crucible_mock.latency import get_profile
from crucible_mock.pricing import SUPPORT_TOKENS_IN, SUPPORT_TOKENS_OUT, query_cost
from crucible_scenarios import hedging
from crucible_scenarios.hedging import (
    ADAPTIVE_PERCENTILES,
    BUDGET_WINDOW,
    STRATEGIES,
    apply_budget,
    compare_strategies,
    expected_extra_requests,
    fanout_curve,
    fanout_latency_quantile,
    hedged_latency_quantile,
    iter_simulate,
    simulate,
    simulate_fanout,
    summarize,
    tradeoff_curve,
)

SUPPORT = get_profile("support")


def _mixture_sf(t: np.ndarray) -> np.ndarray:
    """Independent reference: the support mixture's survival from scipy.stats.lognorm."""
    p = SUPPORT
    body = stats.lognorm(s=p.body_sigma, scale=p.body_median_ms).sf(t)
    tail = stats.lognorm(s=p.tail_sigma, scale=p.tail_median_ms).sf(t)
    return (1 - p.slow_fraction) * body + p.slow_fraction * tail


@pytest.fixture(scope="module")
def million_fixed():
    return simulate("fixed", 1_000_000, 7, delay_ms=1000)


def test_strategies_tuple() -> None:
    assert STRATEGIES == ("none", "fixed", "percentile", "adaptive")


def test_fixed_simulation_matches_exact_quantiles(million_fixed) -> None:
    for q in (0.50, 0.95, 0.99):
        exact = hedged_latency_quantile("support", 1000, q)
        simulated = float(np.quantile(million_fixed.final_ms, q))
        assert simulated == pytest.approx(exact, rel=0.03), q


def test_exact_quantile_against_independent_reference() -> None:
    # P(min(X1, d + X2) > t) = S(t) S(t - d), built here from scipy.stats.lognorm.
    d = 800.0
    for q in (0.5, 0.9, 0.99, 0.999):
        t = hedged_latency_quantile(SUPPORT, d, q)
        sf = _mixture_sf(np.array(t)) * (_mixture_sf(np.array(t - d)) if t > d else 1.0)
        assert 1 - sf == pytest.approx(q, abs=1e-7)
    # Below the delay nothing changes: P50 of support (500 ms) with a 1 s delay.
    assert hedged_latency_quantile(SUPPORT, 1000, 0.5) == pytest.approx(500.0, rel=1e-6)


def test_exact_two_hedges_quantile_matches_simulation() -> None:
    result = simulate("fixed", 300_000, 3, delay_ms=700, max_hedges=2)
    for q in (0.95, 0.99):
        exact = hedged_latency_quantile(SUPPORT, 700, q, max_hedges=2)
        assert float(np.quantile(result.final_ms, q)) == pytest.approx(exact, rel=0.03)


def test_hedge_rate_equals_tail_probability(million_fixed) -> None:
    p = float(_mixture_sf(np.array(1000.0)))
    se = np.sqrt(p * (1 - p) / million_fixed.n_requests)
    assert abs(million_fixed.hedged.mean() - p) < 4 * se
    assert expected_extra_requests(SUPPORT, 1000) == pytest.approx(p, rel=1e-9)


def test_expected_extra_requests_two_hedges() -> None:
    # Backup 2 fires when the primary and backup 1 are both unanswered at 2d:
    # P = S(2d) * P(X2 > d) = S(2d) S(d).
    d = 600.0
    exact = float(_mixture_sf(np.array(d)) + _mixture_sf(np.array(2 * d)) * _mixture_sf(
        np.array(d)))
    assert expected_extra_requests(SUPPORT, d, max_hedges=2) == pytest.approx(exact, rel=1e-9)
    result = simulate("fixed", 200_000, 5, delay_ms=d, max_hedges=2)
    extra = (result.requests_sent.sum() - result.n_requests) / result.n_requests
    assert extra == pytest.approx(exact, rel=0.03)


def test_mean_latency_of_hedged_stream_matches_integral() -> None:
    # E[T] = integral of P(T > t) dt, an independent check on the whole distribution.
    d = 1000.0
    exact, _ = integrate.quad(
        lambda t: float(_mixture_sf(np.array(t)) * (_mixture_sf(np.array(t - d)) if t > d
                                                    else 1.0)), 0, np.inf, limit=200)
    result = simulate("fixed", 400_000, 11, delay_ms=d)
    assert result.final_ms.mean() == pytest.approx(exact, rel=0.01)


def test_final_latency_is_first_answer() -> None:
    r = simulate("fixed", 5000, 1, delay_ms=500, max_hedges=3)
    arrivals = np.column_stack([r.primary_ms] + [
        (j + 1) * 500 + r.backup_ms[:, j] for j in range(3)])
    assert np.allclose(np.nanmin(arrivals, axis=1), r.final_ms)
    assert np.all(r.final_ms <= r.primary_ms)
    assert np.array_equal(r.requests_sent, 1 + np.isfinite(r.backup_ms).sum(axis=1))
    assert np.array_equal(r.hedge_won, r.final_ms < r.primary_ms)
    assert not np.any(r.hedged & (r.primary_ms <= 500))


def _token_bucket_reference(wants: np.ndarray, budget: float, window: int) -> np.ndarray:
    """Sequential, loop-based token bucket with the same refill rule."""
    granted = np.zeros(wants.size, dtype=bool)
    tokens = 0
    rate = budget / 100
    for i, want in enumerate(wants):
        if i % window == 0:
            end = min(i + window, wants.size)
            tokens = int(np.floor(end * rate + 1e-9) - np.floor(i * rate + 1e-9))
        if want and tokens > 0:
            granted[i] = True
            tokens -= 1
    return granted


@pytest.mark.parametrize("budget", [0.0, 0.5, 2.0, 7.5, 30.0, 100.0])
def test_budget_matches_sequential_token_bucket(budget: float) -> None:
    rng = np.random.default_rng(3)
    wants = rng.random(2345) < 0.2
    expected = _token_bucket_reference(wants, budget, BUDGET_WINDOW)
    assert np.array_equal(apply_budget(wants, budget), expected)


@pytest.mark.parametrize("strategy", ["fixed", "percentile", "adaptive"])
def test_budget_caps_hedge_rate(strategy: str) -> None:
    # Everything slow: without a budget most requests would hedge.
    r = simulate(strategy, 20_000, 4, budget=5, slow_fraction=1.0, delay_ms=300)
    assert r.hedged.sum() <= 0.05 * r.n_requests
    assert r.hedged.mean() > 0.03
    if strategy == "fixed":
        assert r.hedged.mean() > 0.049
        unlimited = simulate(strategy, 20_000, 4, slow_fraction=1.0, delay_ms=300)
        assert unlimited.hedged.mean() > 0.9


def test_zero_budget_never_hedges() -> None:
    r = simulate("fixed", 5000, 1, budget=0)
    assert not r.hedged.any()
    s = summarize(r)
    assert s.hedge_rate == 0 and s.p99_reduction_pct == 0 and s.p99_reduction_ci == (0, 0)


def test_percentile_strategy_converges_to_profile_p95() -> None:
    r = simulate("percentile", 200_000, 9, percentile=95, delay_ms=300)
    later = r.delay_ms[50_000:]
    assert np.median(later) == pytest.approx(SUPPORT.quantile(0.95), rel=0.03)
    assert np.all(r.delay_ms[:1000] == 300)
    p75 = simulate("percentile", 100_000, 9, percentile=75)
    assert np.median(p75.delay_ms[20_000:]) == pytest.approx(SUPPORT.quantile(0.75), rel=0.03)


def test_percentile_window_is_previous_batch() -> None:
    r = simulate("percentile", 3500, 2, percentile=90, window=1000, delay_ms=1234)
    assert np.all(r.delay_ms[:1000] == 1234)
    for b in (1, 2, 3):
        expected = np.quantile(r.primary_ms[(b - 1) * 1000:b * 1000], 0.9)
        assert np.allclose(r.delay_ms[b * 1000:(b + 1) * 1000], expected)


def test_adaptive_improves_on_no_hedging_and_respects_budget() -> None:
    base = summarize(simulate("none", 50_000, 5), n_boot=0)
    adaptive = simulate("adaptive", 50_000, 5, budget=8)
    s = summarize(adaptive, n_boot=0)
    assert s.quantiles["p99"] < 0.8 * base.quantiles["p99"]
    assert adaptive.hedged.sum() <= 0.08 * adaptive.n_requests
    # The chosen delay is a real percentile arm, well above the median and finite.
    arms = np.bincount(adaptive.arm[-10_000:], minlength=len(ADAPTIVE_PERCENTILES))
    assert arms.max() > 0.5 * 10_000
    assert SUPPORT.quantile(0.5) < s.median_delay_ms < SUPPORT.quantile(0.999)


def test_adaptive_really_samples() -> None:
    r = simulate("adaptive", 20_000, 6)
    # Early on every arm is tried (Thompson draws, not greedy).
    assert np.unique(r.arm[:1000]).size == len(ADAPTIVE_PERCENTILES)


def test_paired_comparison_uses_same_primary_draws() -> None:
    results = [simulate(s, 3000, 12) for s in STRATEGIES]
    for r in results[1:]:
        assert np.array_equal(r.primary_ms, results[0].primary_ms)
    assert np.array_equal(results[0].final_ms, results[0].primary_ms)
    s = summarize(results[1])
    assert s.baseline_quantiles["p99"] == pytest.approx(np.quantile(results[0].primary_ms, .99))
    expected = 100 * (1 - np.quantile(results[1].final_ms, .99)
                      / np.quantile(results[1].primary_ms, .99))
    assert s.p99_reduction_pct == pytest.approx(expected)


def test_determinism_by_seed() -> None:
    for strategy in STRATEGIES:
        a = simulate(strategy, 4000, 99, budget=10)
        b = simulate(strategy, 4000, 99, budget=10)
        assert np.array_equal(a.final_ms, b.final_ms)
        assert np.array_equal(a.requests_sent, b.requests_sent)
    assert not np.array_equal(simulate("fixed", 100, 1).primary_ms,
                              simulate("fixed", 100, 2).primary_ms)
    assert summarize(simulate("fixed", 500, 3)) == summarize(simulate("fixed", 500, 3))


def test_summary_figures() -> None:
    r = simulate("fixed", 20_000, 8, delay_ms=900)
    s = summarize(r, n_boot=100)
    extra = (r.requests_sent.sum() - r.n_requests) / r.n_requests
    assert s.extra_requests_pct == pytest.approx(100 * extra)
    full = float(query_cost("gpt-4", SUPPORT_TOKENS_IN, SUPPORT_TOKENS_OUT))
    partial = float(query_cost("gpt-4", SUPPORT_TOKENS_IN, SUPPORT_TOKENS_OUT * 0.5))
    assert s.cost_overhead_pct == pytest.approx(100 * extra * partial / full)
    assert s.hedge_win_rate == pytest.approx(r.hedge_won.sum() / r.hedged.sum())
    assert s.quantiles["p999"] == pytest.approx(np.quantile(r.final_ms, 0.999))
    low, high = s.p99_reduction_ci
    assert low <= s.p99_reduction_pct <= high


def test_small_runs_show_wider_intervals() -> None:
    small = summarize(simulate("fixed", 200, 1))
    large = summarize(simulate("fixed", 20_000, 1))
    width = lambda s: s.p99_reduction_ci[1] - s.p99_reduction_ci[0]  # noqa: E731
    assert width(small) > 3 * width(large)


def test_iter_simulate_is_cumulative_and_ends_at_full_run() -> None:
    parts = list(iter_simulate("percentile", 1050, 4, batch_size=100, window=200))
    assert [p.done for p in parts] == [*range(100, 1001, 100), 1050]
    full = simulate("percentile", 1050, 4, window=200)
    assert np.array_equal(parts[-1].result.final_ms, full.final_ms)
    assert parts[-1].summary == summarize(full)
    assert np.array_equal(parts[3].result.final_ms, full.final_ms[:400])


def test_fanout_matches_exact_quantiles() -> None:
    for k in (1, 10, 100):
        f = simulate_fanout(k, 4000, 2, delay_ms=1000)
        for q in (0.5, 0.9):
            assert np.quantile(f.baseline_ms, q) == pytest.approx(
                fanout_latency_quantile(SUPPORT, k, q), rel=0.05)
            assert np.quantile(f.hedged_ms, q) == pytest.approx(
                fanout_latency_quantile(SUPPORT, k, q, delay_ms=1000), rel=0.05)
    # Tail amplification: the median of 100 sub-requests sits near one request's P99.
    assert fanout_latency_quantile(SUPPORT, 100, 0.5) == pytest.approx(
        SUPPORT.quantile(0.5 ** 0.01))
    assert fanout_latency_quantile(SUPPORT, 100, 0.5) > SUPPORT.quantile(0.99)


def test_fanout_curve_and_tradeoff_curve() -> None:
    curve = fanout_curve([1, 10, 100], delay_ms=1000)
    med = curve[(curve["quantile"] == "p50")].pivot(index="k", columns="hedging",
                                                    values="latency_ms")
    assert (med["hedged"] < med["none"]).loc[[10, 100]].all()
    trade = tradeoff_curve([500, 1000, 2000, 4000], 20_000, 1)
    assert trade["extra_requests_pct"].is_monotonic_decreasing
    assert trade["exact_extra_requests_pct"].is_monotonic_decreasing
    assert np.allclose(trade["p99_ms"], trade["exact_p99_ms"], rtol=0.1)


def test_compare_strategies_table() -> None:
    table = compare_strategies(2000, 3, n_boot=0)
    assert list(table["strategy"]) == list(STRATEGIES)
    assert table.loc[0, "extra_requests_pct"] == 0


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"strategy": "bogus"}, "strategy"),
    ({"n_requests": 0}, "n_requests"),
    ({"n_requests": 10**9}, "n_requests"),
    ({"delay_ms": 0}, "delay_ms"),
    ({"delay_ms": -5}, "delay_ms"),
    ({"percentile": 0}, "percentile"),
    ({"percentile": 100}, "percentile"),
    ({"budget": -1}, "budget"),
    ({"budget": 101}, "budget"),
    ({"max_hedges": 0}, "max_hedges"),
    ({"slow_fraction": 1.5}, "slow_fraction"),
    ({"seed": -1}, "seed"),
    ({"profile": "nope"}, "profile"),
])
def test_invalid_arguments_name_themselves(kwargs: dict, name: str) -> None:
    args = {"strategy": "fixed", "n_requests": 100, "seed": 1}
    args.update(kwargs)
    strategy, n, seed = args.pop("strategy"), args.pop("n_requests"), args.pop("seed")
    with pytest.raises(ValueError, match=name):
        simulate(strategy, n, seed, **args)


def test_one_request_works() -> None:
    s = summarize(simulate("fixed", 1, 1))
    assert s.n_requests == 1 and np.isnan(s.p99_reduction_ci[0])


def test_zero_hedges_quantile_is_profile_quantile() -> None:
    for q in (0.01, 0.5, 0.95, 0.999):
        assert hedged_latency_quantile(SUPPORT, 1000, q, max_hedges=0) == pytest.approx(
            SUPPORT.quantile(q), rel=1e-9)


@pytest.mark.parametrize("q", [0.001, 0.25, 0.5, 0.95, 0.999, 1.0])
def test_row_quantiles_match_numpy(q: float) -> None:
    from crucible_scenarios.hedging.simulation import _row_quantiles

    rows = np.random.default_rng(2).lognormal(size=(7, 333))
    assert np.allclose(_row_quantiles(rows, q), np.quantile(rows, q, axis=1), rtol=1e-12)


def test_percentile_strategy_follows_a_shift_and_fixed_does_not() -> None:
    shift = (40_000, 0.4)
    r = simulate("percentile", 100_000, 3, shift=shift)
    shifted = SUPPORT.with_slow_fraction(0.4)
    assert np.median(r.delay_ms[20_000:40_000]) == pytest.approx(SUPPORT.quantile(0.95),
                                                                 rel=0.04)
    assert np.median(r.delay_ms[60_000:]) == pytest.approx(shifted.quantile(0.95), rel=0.04)
    # After the shift the percentile strategy keeps hedging about 5% of requests; a fixed
    # delay tuned for the old distribution now hedges far more.
    fixed = simulate("fixed", 100_000, 3, shift=shift, delay_ms=SUPPORT.quantile(0.95))
    assert r.hedged[60_000:].mean() == pytest.approx(0.05, abs=0.01)
    assert fixed.hedged[60_000:].mean() == pytest.approx(float(shifted.sf(
        SUPPORT.quantile(0.95))), abs=0.01)
    assert fixed.hedged[60_000:].mean() > 0.15
    with pytest.raises(ValueError, match="shift"):
        simulate("fixed", 100, 1, shift=(500, 0.2))


# --- regressions: argument checks -------------------------------------------------------------

def test_apply_budget_rejects_bad_arguments() -> None:
    wants = np.ones(10, dtype=bool)
    with pytest.raises(ValueError, match="window"):
        hedging.apply_budget(wants, 10.0, window=0)  # was ZeroDivisionError
    with pytest.raises(ValueError, match="window"):
        hedging.apply_budget(wants, 10.0, window=-5)  # was IndexError
    with pytest.raises(ValueError, match="budget"):
        hedging.apply_budget(wants, float("nan"))  # was silently no hedging
    with pytest.raises(ValueError, match="offset"):
        hedging.apply_budget(wants, 50.0, offset=-100)
    with pytest.raises(ValueError, match="wants"):
        hedging.apply_budget(np.ones((2, 5), dtype=bool), 50.0)


def test_prefix_and_summarize_reject_empty_or_negative_lengths() -> None:
    result = hedging.simulate("fixed", 50, 0)
    with pytest.raises(ValueError, match="m"):
        result.prefix(-1)  # used to drop the last request silently
    with pytest.raises(ValueError, match="m"):
        result.prefix(0)  # its summary used to raise IndexError
    with pytest.raises(ValueError, match="result"):
        hedging.summarize(dataclasses.replace(
            result, **{f.name: getattr(result, f.name)[:0] for f in dataclasses.fields(result)
                       if isinstance(getattr(result, f.name), np.ndarray)}))


def test_hedged_sf_rejects_nan_and_text_times() -> None:
    with pytest.raises(ValueError, match="t_ms"):
        hedging.hedged_sf("support", 100.0, float("nan"))  # used to return 1.0
    with pytest.raises(ValueError, match="t_ms"):
        hedging.hedged_sf("support", 100.0, "soon")  # type: ignore[arg-type]
