"""Latency profiles: percentiles, exact CDF/quantile, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from crucible_mock.latency import PRESETS, LatencyProfile, get_profile


def test_support_profile_hits_its_published_percentiles_within_10_percent() -> None:
    draws = get_profile("support").sample(1_000_000, np.random.default_rng(7))
    p50, p95, p99 = np.percentile(draws, [50, 95, 99])
    assert p50 == pytest.approx(500, rel=0.10)
    assert p95 == pytest.approx(2000, rel=0.10)
    assert p99 == pytest.approx(5000, rel=0.10)


def test_support_profile_has_a_ten_percent_slow_tail() -> None:
    assert get_profile("support").slow_fraction == pytest.approx(0.10)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_cdf_matches_the_empirical_distribution(name: str) -> None:
    profile = PRESETS[name]
    draws = profile.sample(200_000, np.random.default_rng(3))
    result = stats.kstest(draws, profile.cdf)
    assert result.pvalue > 0.001


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9, 0.99, 0.999])
def test_quantile_inverts_cdf(q: float) -> None:
    profile = get_profile("support")
    assert float(profile.cdf(profile.quantile(q))) == pytest.approx(q, abs=1e-9)


def test_mean_matches_lognormal_formula_and_sample() -> None:
    profile = get_profile("medium")
    body = stats.lognorm(s=profile.body_sigma, scale=profile.body_median_ms).mean()
    tail = stats.lognorm(s=profile.tail_sigma, scale=profile.tail_median_ms).mean()
    expected = (1 - profile.slow_fraction) * body + profile.slow_fraction * tail
    assert profile.mean() == pytest.approx(expected, rel=1e-12)
    draws = profile.sample(1_000_000, np.random.default_rng(1))
    assert draws.mean() == pytest.approx(expected, rel=0.01)


def test_same_seed_same_draws_and_no_global_state() -> None:
    profile = get_profile("support")
    np.random.seed(0)
    a = profile.sample(1000, np.random.default_rng(11))
    np.random.seed(1)
    b = profile.sample(1000, np.random.default_rng(11))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, profile.sample(1000, np.random.default_rng(12)))


def test_slow_fraction_moves_the_tail() -> None:
    base = get_profile("support")
    assert base.with_slow_fraction(0.3).quantile(0.9) > base.quantile(0.9)
    assert base.with_slow_fraction(0.0).quantile(0.99) < base.quantile(0.99)


def test_invalid_inputs_raise_value_error() -> None:
    with pytest.raises(ValueError, match="slow_fraction"):
        LatencyProfile("x", 100, 0.5, 1000, 0.5, 1.5)
    with pytest.raises(ValueError, match="body_sigma"):
        LatencyProfile("x", 100, -0.5, 1000, 0.5, 0.1)
    with pytest.raises(ValueError, match="q must"):
        get_profile("support").quantile(1.0)
    with pytest.raises(ValueError, match="unknown latency profile"):
        get_profile("warp")
    with pytest.raises(ValueError, match="percentiles"):
        LatencyProfile.from_percentiles("bad", 500, 400, 5000)
