"""The hedged latency in closed form: with backups sent at the delay d, the first answer
T = min(X1, d + X2, ...) has survival S(t) S(t - d) ... (Dean & Barroso, "The Tail at
Scale", CACM 2013), so quantiles and the expected extra load come from the latency
profile's CDF without simulation."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from crucible_mock.latency import LatencyDistribution, LatencyProfile
from crucible_scenarios.hedging.profiles import MAX_HEDGES, check_delay, resolve_profile
from crucible_scenarios.validation import (
    require_float,
    require_int,
)


def _mixture_sf(prof: LatencyDistribution, t: np.ndarray) -> np.ndarray:
    """The profile's survival function P(X > t) from the log-normal components, with
    ``scipy.special.ndtr`` (the same mixture as ``LatencyProfile.sf``, without the
    per-call overhead of ``scipy.stats`` inside root finding). Another distribution's
    own ``sf`` is used as it is, with S(t) = 1 for t <= 0."""
    if not isinstance(prof, LatencyProfile):
        t = np.asarray(t, dtype=float)
        return np.asarray(np.where(t > 0, prof.sf(t), 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_t = np.log(np.where(t > 0, t, np.nan))
    body = special.ndtr((np.log(prof.body_median_ms) - log_t) / prof.body_sigma)
    tail = special.ndtr((np.log(prof.tail_median_ms) - log_t) / prof.tail_sigma)
    value = (1.0 - prof.slow_fraction) * body + prof.slow_fraction * tail
    return np.asarray(np.where(t > 0, value, 1.0))


def hedged_sf(profile: str | LatencyDistribution, delay_ms: float, t_ms: np.ndarray | float, *,
              max_hedges: int = 1) -> np.ndarray:
    """P(min(X0, d + X1, ..., m d + Xm) > t) = S(t) * prod_j S(t - j d) for independent
    draws X from the profile (S the profile's survival function, S(x) = 1 for x <= 0).
    ``t_ms`` is a time or an array of times (+inf allowed, NaN rejected)."""
    prof = resolve_profile(profile)
    delay = check_delay(delay_ms)
    hedges = require_int("max_hedges", max_hedges, low=0, high=MAX_HEDGES)
    try:
        t = np.asarray(t_ms, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"t_ms must be a number or an array of numbers, got {t_ms!r}") from None
    if np.isnan(t).any():
        raise ValueError("t_ms must not hold NaN")
    value = _mixture_sf(prof, t)
    for j in range(1, hedges + 1):
        value = value * _mixture_sf(prof, t - j * delay)
    return np.asarray(value)


def hedged_latency_quantile(profile: str | LatencyDistribution, delay_ms: float, q: float, *,
                            max_hedges: int = 1) -> float:
    """The exact q-quantile (ms) of the hedged latency min(X1, d + X2) (or with more
    hedges; ``max_hedges=0`` gives the profile's own quantile) for independent draws from
    the profile: the root of 1 - :func:`hedged_sf` = q by Brent's method
    (``scipy.optimize.brentq``). No budget: every request may hedge."""
    prof = resolve_profile(profile)
    q = require_float("q", q, low=0.0, high=1.0, low_open=True, high_open=True)
    delay = check_delay(delay_ms)
    hedges = require_int("max_hedges", max_hedges, low=0, high=MAX_HEDGES)
    lo, hi = _bracket(prof, q)

    def gap(t: float) -> float:
        sf = _mixture_sf(prof, np.array(t))
        for j in range(1, hedges + 1):
            sf = sf * _mixture_sf(prof, np.array(t - j * delay))
        return float(1.0 - sf) - q

    if gap(lo) >= 0:
        return lo
    if not isinstance(prof, LatencyProfile):
        return _step_quantile(prof, delay, hedges, q, lo, hi)
    return float(optimize.brentq(gap, lo, hi, xtol=1e-9, rtol=1e-12))


def _step_quantile(prof: LatencyDistribution, delay: float, hedges: int, q: float,
                   lo: float, hi: float) -> float:
    """The least t with P(T <= t) >= q for a distribution that may be a step function (an
    empirical one), where root finding can stop on a flat stretch: bisection keeping
    F_T(lo) < q <= F_T(hi), then, when the distribution lists its support
    (``sorted_ms``), the jump point found exactly: the latest support point of T
    (x_i + j d) at or below ``hi`` that still has F_T >= q."""
    def cdf(t: float) -> float:
        sf = _mixture_sf(prof, np.array(t))
        for j in range(1, hedges + 1):
            sf = sf * _mixture_sf(prof, np.array(t - j * delay))
        return float(1.0 - sf)

    for _ in range(200):
        if hi - lo <= 1e-12 * max(1.0, abs(hi)):
            break
        mid = 0.5 * (lo + hi)
        if cdf(mid) >= q:
            hi = mid
        else:
            lo = mid
    support = getattr(prof, "sorted_ms", None)
    if isinstance(support, np.ndarray) and support.size:
        best = hi
        for j in range(hedges + 1):
            at = int(np.searchsorted(support, hi - j * delay, side="right")) - 1
            if at >= 0:
                point = float(support[at]) + j * delay
                if point <= hi and point > lo and cdf(point) >= q:
                    best = min(best, point)
        return best
    return hi


def _bracket(prof: LatencyDistribution, q: float) -> tuple[float, float]:
    """An interval holding the hedged q-quantile: the mixture's far tails, or for any
    other distribution [0, its own q-quantile] (hedging never makes a request slower, so
    the hedged quantile is at most the unhedged one)."""
    if isinstance(prof, LatencyProfile):
        lo = min(prof.body_median_ms, prof.tail_median_ms) * math.exp(-12 * prof.max_sigma)
        hi = max(prof.body_median_ms, prof.tail_median_ms) * math.exp(12 * prof.max_sigma)
        return lo, hi
    return 0.0, float(prof.quantile(q))


def expected_extra_requests(profile: str | LatencyDistribution, delay_ms: float, *,
                            max_hedges: int = 1) -> float:
    """Expected backups per request without a budget: sum over j of P(backup j fires) =
    S(j d) * prod_{i<j} S(i d) (the request is unanswered at j d)."""
    prof = resolve_profile(profile)
    delay = check_delay(delay_ms)
    hedges = require_int("max_hedges", max_hedges, low=1, high=MAX_HEDGES)
    return float(sum(float(hedged_sf(prof, delay, j * delay, max_hedges=j - 1))
                     for j in range(1, hedges + 1)))
