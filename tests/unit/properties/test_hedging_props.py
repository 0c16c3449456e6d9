"""Property-based checks (hypothesis) of every public function and method of
``crucible_scenarios.hedging``: hedging never makes a request slower, budgets cap the hedge
rate, exact formulas agree with each other and with scipy's log-normal, simulations agree
with the exact formulas within sampling error, same seed gives the same output, and
invalid inputs raise ValueError naming the argument."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from crucible_mock.latency import PRESETS, LatencyProfile
from crucible_scenarios import hedging
from tests.unit.properties import exercises

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**32 - 1)
preset_names = st.sampled_from(sorted(PRESETS))
profiles = st.one_of(preset_names, st.builds(
    LatencyProfile, name=st.just("custom"), body_median_ms=st.floats(10.0, 3000.0),
    body_sigma=st.floats(0.1, 1.5), tail_median_ms=st.floats(100.0, 20_000.0),
    tail_sigma=st.floats(0.1, 1.5), slow_fraction=st.floats(0.0, 1.0)))
delays = st.floats(1.0, 20_000.0)
levels = st.floats(0.01, 0.999)
budgets = st.one_of(st.none(), st.floats(0.0, 100.0))
bad_positive = st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf))
bad_budgets = st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=100.0 + 1e-9),
                        st.just(math.nan))
bad_levels = st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.just(math.nan))


def _lognormal_mixture_sf(profile: LatencyProfile, t: np.ndarray) -> np.ndarray:
    """P(X > t) of the profile from scipy's log-normal (S = 1 for t <= 0)."""
    t = np.asarray(t, dtype=float)
    body = sps.lognorm.sf(t, profile.body_sigma, scale=profile.body_median_ms)
    tail = sps.lognorm.sf(t, profile.tail_sigma, scale=profile.tail_median_ms)
    return np.where(t > 0, (1 - profile.slow_fraction) * body + profile.slow_fraction * tail,
                    1.0)


# --- resolve_profile and apply_budget ------------------------------------------------------

@exercises(hedging.resolve_profile)
@FAST
@given(name=preset_names, slow=st.one_of(st.none(), st.floats(0.0, 1.0)),
       bad_slow=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1 + 1e-9),
                          st.just(math.nan)),
       bad_name=st.text(max_size=10))
def test_resolve_profile(name: str, slow: float | None, bad_slow: float, bad_name: str) -> None:
    profile = hedging.resolve_profile(name, slow)
    base = PRESETS[name]
    assert profile.slow_fraction == (base.slow_fraction if slow is None else slow)
    assert (profile.body_median_ms, profile.tail_median_ms) == (base.body_median_ms,
                                                                base.tail_median_ms)
    assert hedging.resolve_profile(profile) is profile
    with pytest.raises(ValueError, match="slow_fraction"):
        hedging.resolve_profile(name, bad_slow)
    assume(bad_name not in PRESETS)
    with pytest.raises(ValueError, match="profile"):
        hedging.resolve_profile(bad_name)
    with pytest.raises(ValueError, match="profile"):
        hedging.resolve_profile(42)  # type: ignore[arg-type]


@exercises(hedging.apply_budget)
@FAST
@given(wants=st.lists(st.booleans(), max_size=400).map(lambda w: np.array(w, dtype=bool)),
       budget=budgets, window=st.integers(1, 120))
def test_apply_budget_is_the_token_bucket(wants: np.ndarray, budget: float | None,
                                          window: int) -> None:
    granted = hedging.apply_budget(wants, budget, window=window)
    assert granted.shape == wants.shape and granted.dtype == bool
    assert not (granted & ~wants).any()
    if budget is None:
        assert (granted == wants).all()
        return
    expected = np.zeros(wants.size, dtype=bool)
    rate = budget / 100
    for start in range(0, wants.size, window):
        stop = min(start + window, wants.size)
        tokens = math.floor(stop * rate + 1e-9) - math.floor(start * rate + 1e-9)
        for i in range(start, stop):
            if wants[i] and tokens > 0:
                expected[i] = True
                tokens -= 1
    assert (granted == expected).all()
    assert granted.sum() <= math.floor(rate * wants.size + 1e-9)
    if budget == 100.0:
        assert (granted == wants).all()
    k = wants.size // (2 * window) * window
    tail = hedging.apply_budget(wants[k:], budget, window=window, offset=k)
    assert (tail == granted[k:]).all()


@exercises(hedging.apply_budget)
@FAST
@given(budget=bad_budgets, window=st.integers(max_value=0), offset=st.integers(max_value=-1),
       misaligned=st.integers(1, 99))
def test_apply_budget_rejects_bad_arguments(budget: float, window: int, offset: int,
                                            misaligned: int) -> None:
    wants = np.ones(50, dtype=bool)
    with pytest.raises(ValueError, match="budget"):
        hedging.apply_budget(wants, budget)
    with pytest.raises(ValueError, match="window"):
        hedging.apply_budget(wants, 10.0, window=window)
    with pytest.raises(ValueError, match="offset"):
        hedging.apply_budget(wants, 10.0, offset=offset * 100)
    with pytest.raises(ValueError, match="offset"):
        hedging.apply_budget(wants, 10.0, offset=misaligned)
    with pytest.raises(ValueError, match="wants"):
        hedging.apply_budget(np.ones((5, 5), dtype=bool), 10.0)


# --- simulate, its result and its summary ----------------------------------------------------

@exercises(hedging.simulate, hedging.HedgingResult.frame, hedging.HedgingResult.prefix,
           hedging.summarize, hedging.HedgingSummary.row)
@SLOW
@given(strategy=st.sampled_from(hedging.STRATEGIES), n=st.integers(1, 2500), seed=seeds,
       profile=profiles, delay=delays, budget=budgets, hedges=st.integers(1, 3),
       m=st.integers(1, 2500), percentile=st.floats(1.0, 99.0))
def test_simulated_requests_keep_their_invariants(strategy: str, n: int, seed: int,
                                                  profile: str | LatencyProfile, delay: float,
                                                  budget: float | None, hedges: int, m: int,
                                                  percentile: float) -> None:
    kwargs = {"profile": profile, "delay_ms": delay, "budget": budget, "max_hedges": hedges,
              "percentile": percentile}
    r = hedging.simulate(strategy, n, seed, **kwargs)  # type: ignore[arg-type]
    again = hedging.simulate(strategy, n, seed, **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(r.frame(), again.frame())
    plain = hedging.simulate("none", n, seed, profile=profile)
    assert (r.primary_ms == plain.primary_ms).all()  # paired with no hedging
    assert (r.final_ms <= r.primary_ms).all() and (r.final_ms > 0).all()
    assert (r.hedge_won == (r.final_ms < r.primary_ms)).all()
    assert not (r.hedge_won & ~r.hedged).any()
    assert (r.primary_ms[r.hedged] > r.delay_ms[r.hedged]).all()
    fired = np.isfinite(r.backup_ms).sum(axis=1)
    assert (r.requests_sent == 1 + fired).all() and (fired <= hedges).all()
    assert (r.hedged == (fired > 0)).all()
    if budget is not None:
        assert r.hedged.sum() <= math.floor(budget / 100 * n + 1e-9)
    frame = r.frame()
    assert len(frame) == n and list(frame["request"]) == list(range(1, n + 1))
    assert [c for c in frame.columns if c.startswith("backup")] == [
        f"backup{j}_ms" for j in range(1, hedges + 1)]

    m = min(m, n)
    part = r.prefix(m)
    assert part.n_requests == m and (part.final_ms == r.final_ms[:m]).all()
    assert part.strategy == r.strategy and part.max_hedges == hedges

    s = hedging.summarize(r, n_boot=0)
    q = list(s.quantiles.values())
    base = list(s.baseline_quantiles.values())
    assert q == sorted(q) and base == sorted(base)
    assert all(h <= b * (1 + 1e-12) for h, b in zip(q, base, strict=True))
    assert s.p99_reduction_pct >= -1e-9 and s.p999_reduction_pct >= -1e-9
    assert 0 <= s.hedge_rate <= 1 and 0 <= s.hedge_win_rate <= 1
    assert s.extra_requests_pct == pytest.approx(100 * fired.sum() / n)
    assert s.mean_ms <= s.baseline_mean_ms * (1 + 1e-12)
    row = s.row()
    assert row["strategy"] == strategy and row["requests"] == n
    assert row["p99_ms"] == s.quantiles["p99"]
    assert row["baseline_p50_ms"] == s.baseline_quantiles["p50"]


@exercises(hedging.simulate)
@FAST
@given(n=st.one_of(st.integers(max_value=0), st.integers(min_value=hedging.MAX_REQUESTS + 1)),
       delay=bad_positive, percentile=st.one_of(st.floats(max_value=0.0),
                                                st.floats(min_value=100.0), st.just(math.nan)),
       budget=bad_budgets, hedges=st.one_of(st.integers(max_value=0), st.integers(min_value=6)),
       strategy=st.text(max_size=8), seed=st.integers(max_value=-1))
def test_simulate_rejects_bad_arguments(n: int, delay: float, percentile: float, budget: float,
                                        hedges: int, strategy: str, seed: int) -> None:
    assume(strategy not in hedging.STRATEGIES)
    cases = [({"n_requests": n}, "n_requests"), ({"delay_ms": delay}, "delay_ms"),
             ({"percentile": percentile}, "percentile"), ({"budget": budget}, "budget"),
             ({"max_hedges": hedges}, "max_hedges"), ({"strategy": strategy}, "strategy"),
             ({"seed": seed}, "seed"), ({"window": 5}, "window"),
             ({"slo_ms": delay}, "slo_ms"), ({"shift": (5, 2.0)}, "shift"),
             ({"profile": "glacial"}, "profile")]
    for change, name in cases:
        kwargs = {"strategy": "fixed", "n_requests": 100, "seed": 0} | change
        with pytest.raises(ValueError, match=name):
            hedging.simulate(**kwargs)  # type: ignore[arg-type]


@exercises(hedging.summarize, hedging.HedgingResult.prefix)
@FAST
@given(n=st.integers(1, 300), m=st.one_of(st.integers(max_value=0), st.integers(301, 10**6)),
       n_boot=st.one_of(st.integers(max_value=-1), st.integers(min_value=100_001)))
def test_prefix_and_summarize_reject_bad_arguments(n: int, m: int, n_boot: int) -> None:
    r = hedging.simulate("fixed", n, 0)
    with pytest.raises(ValueError, match="m"):
        r.prefix(m)
    with pytest.raises(ValueError, match="n_boot"):
        hedging.summarize(r, n_boot=n_boot)


@exercises(hedging.summarize)
@SLOW
@given(strategy=st.sampled_from(hedging.STRATEGIES[1:]), n=st.integers(20, 600), seed=seeds,
       boot_seed=st.integers(0, 2**31))
def test_bootstrap_interval_is_ordered_and_seeded(strategy: str, n: int, seed: int,
                                                  boot_seed: int) -> None:
    r = hedging.simulate(strategy, n, seed, delay_ms=300.0)
    s = hedging.summarize(r, n_boot=100, seed=boot_seed)
    low, high = s.p99_reduction_ci
    assert low <= high
    assert hedging.summarize(r, n_boot=100, seed=boot_seed).p99_reduction_ci == (low, high)


@exercises(hedging.iter_simulate, hedging.simulate, hedging.summarize)
@SLOW
@given(strategy=st.sampled_from(hedging.STRATEGIES), n=st.integers(1, 400),
       batch=st.integers(1, 150), seed=seeds)
def test_iter_simulate_streams_prefixes_of_one_run(strategy: str, n: int, batch: int,
                                                   seed: int) -> None:
    parts = list(hedging.iter_simulate(strategy, n, seed, batch_size=batch, n_boot=0,
                                       delay_ms=400.0))
    assert [p.done for p in parts] == [min(k * batch, n) for k in range(1, len(parts) + 1)]
    assert parts[-1].done == n and all(p.total == n for p in parts)
    full = hedging.simulate(strategy, n, seed, delay_ms=400.0)
    for p in parts:
        assert (p.result.final_ms == full.final_ms[: p.done]).all()
    assert parts[-1].summary == hedging.summarize(full, n_boot=0)
    with pytest.raises(ValueError, match="batch_size"):
        next(hedging.iter_simulate(strategy, n, seed, batch_size=0))


# --- exact formulas --------------------------------------------------------------------------

@exercises(hedging.hedged_sf)
@FAST
@given(profile=profiles, delay=delays, hedges=st.integers(0, 5),
       t=st.lists(st.floats(-1000.0, 1e5), min_size=1, max_size=20))
def test_hedged_sf_is_the_product_of_shifted_survival_functions(
        profile: str | LatencyProfile, delay: float, hedges: int, t: list[float]) -> None:
    prof = hedging.resolve_profile(profile)
    times = np.sort(np.array(t))
    sf = hedging.hedged_sf(profile, delay, times, max_hedges=hedges)
    expected = np.prod([_lognormal_mixture_sf(prof, times - j * delay)
                        for j in range(hedges + 1)], axis=0)
    np.testing.assert_allclose(sf, expected, rtol=1e-9, atol=1e-12)
    assert ((sf >= 0) & (sf <= 1)).all()
    assert (np.diff(sf) <= 1e-12).all()
    assert (sf[times <= 0] == 1.0).all()
    more = hedging.hedged_sf(profile, delay, times, max_hedges=min(hedges + 1, 5))
    assert (more <= sf + 1e-15).all()
    assert float(hedging.hedged_sf(profile, delay, math.inf, max_hedges=hedges)) == 0.0


@exercises(hedging.hedged_sf)
@FAST
@given(delay=bad_positive, hedges=st.one_of(st.integers(max_value=-1), st.integers(min_value=6)),
       bad_t=st.one_of(st.just(math.nan), st.just("soon"), st.just([1.0, math.nan])))
def test_hedged_sf_rejects_bad_arguments(delay: float, hedges: int, bad_t: object) -> None:
    with pytest.raises(ValueError, match="delay_ms"):
        hedging.hedged_sf("support", delay, 100.0)
    with pytest.raises(ValueError, match="max_hedges"):
        hedging.hedged_sf("support", 100.0, 100.0, max_hedges=hedges)
    with pytest.raises(ValueError, match="t_ms"):
        hedging.hedged_sf("support", 100.0, bad_t)  # type: ignore[arg-type]


@exercises(hedging.hedged_latency_quantile, hedging.hedged_sf)
@FAST
@given(profile=profiles, delay=delays, q=levels, dq=st.floats(0.0, 0.5),
       hedges=st.integers(0, 4))
def test_hedged_quantile_inverts_hedged_sf(profile: str | LatencyProfile, delay: float,
                                           q: float, dq: float, hedges: int) -> None:
    t = hedging.hedged_latency_quantile(profile, delay, q, max_hedges=hedges)
    assert t > 0
    assert 1 - float(hedging.hedged_sf(profile, delay, t, max_hedges=hedges)) == pytest.approx(
        q, abs=1e-8)
    higher = min(q + dq, 0.999)
    assert hedging.hedged_latency_quantile(profile, delay, higher,
                                           max_hedges=hedges) >= t * (1 - 1e-9)
    unhedged = hedging.hedged_latency_quantile(profile, delay, q, max_hedges=0)
    assert t <= unhedged * (1 + 1e-9)
    assert unhedged == pytest.approx(hedging.resolve_profile(profile).quantile(q), rel=1e-6)


@exercises(hedging.hedged_latency_quantile)
@FAST
@given(q=bad_levels, delay=bad_positive)
def test_hedged_quantile_rejects_bad_arguments(q: float, delay: float) -> None:
    with pytest.raises(ValueError, match="q"):
        hedging.hedged_latency_quantile("support", 100.0, q)
    with pytest.raises(ValueError, match="delay_ms"):
        hedging.hedged_latency_quantile("support", delay, 0.5)
    with pytest.raises(ValueError, match="max_hedges"):
        hedging.hedged_latency_quantile("support", 100.0, 0.5, max_hedges=-1)


@exercises(hedging.expected_extra_requests, hedging.hedged_sf)
@FAST
@given(profile=profiles, delay=delays, factor=st.floats(1.0, 10.0), hedges=st.integers(1, 5))
def test_expected_extra_requests_sums_the_firing_probabilities(
        profile: str | LatencyProfile, delay: float, factor: float, hedges: int) -> None:
    prof = hedging.resolve_profile(profile)
    extra = hedging.expected_extra_requests(profile, delay, max_hedges=hedges)
    fire = [np.prod([_lognormal_mixture_sf(prof, np.array(j * delay - i * delay))
                     for i in range(j)]) for j in range(1, hedges + 1)]
    assert extra == pytest.approx(float(sum(fire)), rel=1e-9, abs=1e-12)
    assert 0 <= extra <= hedges
    assert hedging.expected_extra_requests(profile, delay * factor,
                                           max_hedges=hedges) <= extra + 1e-12
    first = float(hedging.hedged_sf(profile, delay, delay, max_hedges=0))
    assert hedging.expected_extra_requests(profile, delay) == pytest.approx(first)
    with pytest.raises(ValueError, match="max_hedges"):
        hedging.expected_extra_requests(profile, delay, max_hedges=0)


@exercises(hedging.tradeoff_curve)
@SLOW
@given(ds=st.lists(st.floats(100.0, 8000.0), min_size=1, max_size=3), seed=seeds,
       hedges=st.integers(1, 2), profile=preset_names)
def test_tradeoff_curve_simulation_agrees_with_the_exact_columns(
        ds: list[float], seed: int, hedges: int, profile: str) -> None:
    n = 20_000
    curve = hedging.tradeoff_curve(ds, n, seed, profile=profile, max_hedges=hedges)
    assert list(curve["delay_ms"]) == ds
    assert (curve["p999_ms"] >= curve["p99_ms"]).all()
    assert (curve["exact_p999_ms"] >= curve["exact_p99_ms"]).all()
    for row in curve.itertuples():
        assert row.exact_p99_ms == pytest.approx(
            hedging.hedged_latency_quantile(profile, row.delay_ms, 0.99, max_hedges=hedges))
        # backups per request lie in [0, hedges]: SD at most hedges / 2
        tolerance = 100 * 5 * (hedges / 2) / math.sqrt(n)
        assert abs(row.extra_requests_pct - row.exact_extra_requests_pct) <= tolerance
    again = hedging.tradeoff_curve(ds, n, seed, profile=profile, max_hedges=hedges)
    pd.testing.assert_frame_equal(curve, again)
    with pytest.raises(ValueError, match="delay_ms"):
        hedging.tradeoff_curve([-1.0], 100, seed)


@exercises(hedging.compare_strategies)
@SLOW
@given(n=st.integers(1, 1500), seed=seeds, budget=budgets)
def test_compare_strategies_share_the_baseline(n: int, seed: int, budget: float | None) -> None:
    table = hedging.compare_strategies(n, seed, n_boot=0, budget=budget, delay_ms=500.0)
    assert list(table["strategy"]) == list(hedging.STRATEGIES)
    baseline = [c for c in table.columns if c.startswith("baseline_")]
    assert (table[baseline].nunique() == 1).all()
    none = table.iloc[0]
    assert none["hedge_rate"] == 0 and none["extra_requests_pct"] == 0
    assert (table["p99_ms"] <= table["baseline_p99_ms"] * (1 + 1e-12)).all()
    assert table["hedge_rate"].between(0, 1).all()
    with pytest.raises(ValueError, match="n_requests"):
        hedging.compare_strategies(0, seed)


# --- fan-out ---------------------------------------------------------------------------------

@exercises(hedging.simulate_fanout, hedging.fanout_latency_quantile)
@SLOW
@given(k=st.integers(1, 20), seed=seeds, delay=st.floats(100.0, 5000.0),
       q=st.floats(0.1, 0.95), profile=preset_names)
def test_fanout_simulation_agrees_with_the_exact_quantile(k: int, seed: int, delay: float,
                                                          q: float, profile: str) -> None:
    n = 4000
    r = hedging.simulate_fanout(k, n, seed, profile=profile, delay_ms=delay)
    assert r.k == k and r.delay_ms == delay
    assert (r.hedged_ms <= r.baseline_ms).all()
    assert (r.sub_requests_sent >= k).all() and (r.sub_requests_sent <= 2 * k).all()
    assert 0 <= r.extra_requests_pct <= 100
    again = hedging.simulate_fanout(k, n, seed, profile=profile, delay_ms=delay)
    assert (again.hedged_ms == r.hedged_ms).all()
    tolerance = 5 * math.sqrt(q * (1 - q) / n)
    plain = hedging.fanout_latency_quantile(profile, k, q)
    hedged = hedging.fanout_latency_quantile(profile, k, q, delay_ms=delay)
    assert abs(float(np.mean(r.baseline_ms <= plain)) - q) <= tolerance
    assert abs(float(np.mean(r.hedged_ms <= hedged)) - q) <= tolerance


@exercises(hedging.fanout_latency_quantile, hedging.hedged_sf, hedging.hedged_latency_quantile)
@FAST
@given(profile=profiles, k=st.integers(1, 100), q=levels, delay=delays,
       hedges=st.integers(1, 3))
def test_fanout_quantile_is_the_kth_root_level(profile: str | LatencyProfile, k: int, q: float,
                                               delay: float, hedges: int) -> None:
    t = hedging.fanout_latency_quantile(profile, k, q, delay_ms=delay, max_hedges=hedges)
    one = 1 - float(hedging.hedged_sf(profile, delay, t, max_hedges=hedges))
    assert one**k == pytest.approx(q, abs=1e-7)
    plain = hedging.fanout_latency_quantile(profile, k, q)
    assert t <= plain * (1 + 1e-9)
    assert hedging.fanout_latency_quantile(profile, 1, q, delay_ms=delay,
                                           max_hedges=hedges) == pytest.approx(
        hedging.hedged_latency_quantile(profile, delay, q, max_hedges=hedges))
    if k < 100:
        assert hedging.fanout_latency_quantile(profile, k + 1, q) >= plain * (1 - 1e-9)


@exercises(hedging.simulate_fanout, hedging.fanout_latency_quantile, hedging.fanout_curve)
@FAST
@given(k=st.one_of(st.integers(max_value=0), st.integers(min_value=hedging.MAX_FANOUT + 1)),
       q=bad_levels, n=st.integers(max_value=0))
def test_fanout_rejects_bad_arguments(k: int, q: float, n: int) -> None:
    with pytest.raises(ValueError, match="k"):
        hedging.simulate_fanout(k, 10, 0)
    with pytest.raises(ValueError, match="n_requests"):
        hedging.simulate_fanout(3, n, 0)
    with pytest.raises(ValueError, match="k"):
        hedging.fanout_latency_quantile("support", k, 0.5)
    with pytest.raises(ValueError, match="q"):
        hedging.fanout_latency_quantile("support", 3, q)
    with pytest.raises(ValueError, match="k"):
        hedging.fanout_curve([1, k])


@exercises(hedging.fanout_curve, hedging.fanout_latency_quantile)
@FAST
@given(ks=st.lists(st.integers(1, 100), min_size=1, max_size=5, unique=True).map(sorted),
       profile=profiles, delay=delays, hedges=st.integers(1, 3))
def test_fanout_curve_orders_quantiles_and_fan_outs(ks: list[int], profile: str | LatencyProfile,
                                                    delay: float, hedges: int) -> None:
    curve = hedging.fanout_curve(ks, profile=profile, delay_ms=delay, max_hedges=hedges)
    assert len(curve) == 4 * len(ks)
    wide = curve.pivot_table(index="k", columns=["quantile", "hedging"], values="latency_ms")
    assert list(wide.index) == ks
    for quantile in ("p50", "p99"):
        assert (wide[(quantile, "hedged")] <= wide[(quantile, "none")] * (1 + 1e-9)).all()
        for hedging_mode in ("none", "hedged"):
            column = wide[(quantile, hedging_mode)].to_numpy()
            assert (np.diff(column) >= -1e-9 * column[1:]).all()
    assert (wide[("p99", "none")] >= wide[("p50", "none")]).all()
    first = curve.iloc[0]
    assert first["latency_ms"] == pytest.approx(
        hedging.fanout_latency_quantile(profile, ks[0], 0.5))
