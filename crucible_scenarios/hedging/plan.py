"""Planning a hedge from measured latencies: the empirical distribution of a log as a
latency profile, the delay that meets a load budget or a latency target, whether the
log satisfies hedging's assumption of independent slowness, and distribution-free
intervals for its percentiles.

Under independence the hedged latency of one backup sent after ``d`` is
T = min(X1, d + X2), so P(T > t) = S(t) S(t - d) for t > d (S(t) for t <= d), and the
expected extra load is S(d), the chance the primary is still unanswered at ``d``
(Dean & Barroso, "The Tail at Scale", CACM 2013). With the empirical S of a log these
are exact for requests resampled from the log, which is what ``simulate`` does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crucible_scenarios.hedging.exact import expected_extra_requests, hedged_latency_quantile
from crucible_scenarios.hedging.profiles import MAX_HEDGES, resolve_profile
from crucible_scenarios.validation import require_float, require_int

#: Fewest latencies an empirical profile is built from.
MIN_LATENCIES = 2
#: Share of the slowest requests called "slow" by the independence check.
SLOW_SHARE = 0.10
#: Bisection steps when searching the delay that meets a target (halves the interval
#: each time: 60 steps narrow any span of delays below a nanosecond).
TARGET_STEPS = 60


@dataclass(frozen=True, eq=False)
class EmpiricalProfile:
    """The empirical distribution of logged latencies (ms), a
    ``crucible_mock.latency.LatencyDistribution``: F(x) = #{x_i <= x} / n, the quantile
    is the inverse of F (the least x_i with F(x_i) >= q; Hyndman & Fan type 1), and
    :meth:`sample` resamples the log with replacement (the bootstrap)."""

    name: str
    sorted_ms: np.ndarray

    @property
    def n(self) -> int:
        """Number of latencies."""
        return int(self.sorted_ms.size)

    def cdf(self, x_ms: np.ndarray | float) -> np.ndarray:
        """F(x) = share of latencies <= x (``numpy.searchsorted``)."""
        x = np.asarray(x_ms, dtype=float)
        return np.asarray(np.searchsorted(self.sorted_ms, x, side="right") / self.n)

    def sf(self, x_ms: np.ndarray | float) -> np.ndarray:
        """S(x) = share of latencies > x."""
        x = np.asarray(x_ms, dtype=float)
        return np.asarray((self.n - np.searchsorted(self.sorted_ms, x, side="right"))
                          / self.n)

    def quantile(self, q: float) -> float:
        """The least logged latency x with F(x) >= q, for q in (0, 1)."""
        q = require_float("q", q, low=0.0, high=1.0, low_open=True, high_open=True)
        rank = max(1, math.ceil(q * self.n - 1e-9))
        return float(self.sorted_ms[min(rank, self.n) - 1])

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` latencies drawn from the log with replacement (bootstrap resampling)."""
        if n < 0:
            raise ValueError(f"n must be non-negative, got {n}")
        return self.sorted_ms[rng.integers(0, self.n, size=n)]

    def mean(self) -> float:
        """Mean logged latency (ms)."""
        return float(self.sorted_ms.mean())


def empirical_profile(latencies_ms: Sequence[float] | np.ndarray, *,
                      name: str = "latency log") -> EmpiricalProfile:
    """The empirical distribution of ``latencies_ms`` (finite, >= 0, at least two), usable
    wherever a ``LatencyProfile`` is: ``hedged_latency_quantile``, ``tradeoff_curve``,
    ``simulate`` (which then resamples the log) and the fan-out functions."""
    try:
        values = np.asarray(latencies_ms, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError("latencies_ms must be an array of numbers") from None
    if values.size < MIN_LATENCIES:
        raise ValueError(f"latencies_ms must hold at least {MIN_LATENCIES} latencies, got "
                         f"{values.size}")
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("latencies_ms must be finite and non-negative")
    return EmpiricalProfile(str(name), np.sort(values))


# --- recommendation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """A hedge delay and what it does, exact under independence (one backup, no budget
    cap inside the run): ``p99_ms``/``p999_ms`` of min(X1, d + X2), ``extra_requests`` =
    S(d) as a share of requests. ``feasible`` is False when no delay meets the asked
    budget and target together (``reason`` says why); ``delay_ms`` is +inf when no hedge
    is needed to meet the target."""

    delay_ms: float
    p99_ms: float
    p999_ms: float
    extra_requests: float
    baseline_p99_ms: float
    baseline_p999_ms: float
    quantile: float
    hedged_quantile_ms: float
    budget: float | None
    target_ms: float | None
    feasible: bool
    reason: str


def recommend_delay(profile: object, *, budget: float | None = None,
                    target_ms: float | None = None, quantile: float = 0.99) -> Recommendation:
    """The hedge delay for ``profile`` (a name or a ``LatencyDistribution``).

    - ``budget`` (a share of requests, in (0, 1]): the earliest delay whose expected
      extra load S(d) is within the budget, d = the (1 - budget)-quantile.
    - ``target_ms``: the latest delay whose hedged ``quantile`` is within the target,
      found by bisection on d (the hedged quantile grows with d), since a later hedge
      costs less load.
    - both: the target's delay if it also meets the budget; else infeasible.
    - neither: the delay at the 1 - ``quantile`` budget (P99 for 0.99; hedging there leaves
      that quantile unchanged, so the target or budget is what a user should set).
    The resulting P99, P99.9 and load come from ``hedging.hedged_latency_quantile``.
    """
    prof = resolve_profile(profile)  # type: ignore[arg-type]
    q = require_float("quantile", quantile, low=0.0, high=1.0, low_open=True, high_open=True)
    if budget is not None:
        budget = require_float("budget", budget, low=0.0, high=1.0, low_open=True)
    if target_ms is not None:
        target_ms = require_float("target_ms", target_ms, low=0.0, low_open=True)
    base99, base999 = prof.quantile(0.99), prof.quantile(0.999)
    base_q = prof.quantile(q)

    def result(delay: float, feasible: bool = True, reason: str = "") -> Recommendation:
        if not math.isfinite(delay):
            return Recommendation(math.inf, base99, base999, 0.0, base99, base999, q,
                                  base_q, budget, target_ms, feasible, reason)
        return Recommendation(
            delay_ms=delay,
            p99_ms=hedged_latency_quantile(prof, delay, 0.99),
            p999_ms=hedged_latency_quantile(prof, delay, 0.999),
            extra_requests=float(prof.sf(delay)),
            baseline_p99_ms=base99, baseline_p999_ms=base999, quantile=q,
            hedged_quantile_ms=hedged_latency_quantile(prof, delay, q),
            budget=budget, target_ms=target_ms, feasible=feasible, reason=reason)

    budget_delay = _budget_delay(prof, budget if budget is not None else 1.0 - q)
    if target_ms is None:
        return result(budget_delay)
    if base_q <= target_ms:
        return result(math.inf, True, f"the unhedged {_label(q)} ({base_q:,.0f} ms) already "
                                      "meets the target: no hedge is needed")
    lo, hi = 1e-9 * max(base_q, 1.0), base_q  # quantile(lo) ~ that of min(X1, X2)
    if hedged_latency_quantile(prof, lo, q) > target_ms:
        best = hedged_latency_quantile(prof, lo, q)
        return _infeasible(prof, q, base99, base999, budget, target_ms,
                           f"even a backup sent at once gives a {_label(q)} of {best:,.0f} "
                           f"ms, above the {target_ms:,.0f} ms target")
    for _ in range(TARGET_STEPS):
        mid = 0.5 * (lo + hi)
        if hedged_latency_quantile(prof, mid, q) <= target_ms:
            lo = mid
        else:
            hi = mid
    delay = lo
    if budget is not None and float(prof.sf(delay)) > budget + 1e-12:
        return _infeasible(prof, q, base99, base999, budget, target_ms,
                           f"meeting the {target_ms:,.0f} ms target needs a hedge by "
                           f"{delay:,.0f} ms, {float(prof.sf(delay)):.1%} extra requests, "
                           f"beyond the {budget:.1%} budget")
    return result(delay)


def _budget_delay(prof: object, budget: float) -> float:
    """The earliest delay with S(d) <= budget: the (1 - budget)-quantile (the least x with
    F(x) >= 1 - budget), or 0 for a budget of 1."""
    if budget >= 1.0:
        return float(prof.quantile(1e-12))  # type: ignore[attr-defined]
    return float(prof.quantile(1.0 - budget))  # type: ignore[attr-defined]


def _infeasible(prof: object, q: float, base99: float, base999: float,
                budget: float | None, target_ms: float | None,
                reason: str) -> Recommendation:
    return Recommendation(math.nan, math.nan, math.nan, math.nan, base99, base999, q,
                          math.nan, budget, target_ms, False, reason)


def _label(q: float) -> str:
    return "P" + f"{q * 100:.6g}"


def exact_tradeoff_curve(profile: object, delays_ms: Sequence[float], *,
                         max_hedges: int = 1) -> pd.DataFrame:
    """Exact P99, P99.9 and expected extra requests (%) across hedge delays, from the
    distribution alone (no simulation): the exact columns of ``hedging.tradeoff_curve``,
    fast enough for a log of millions of requests."""
    prof = resolve_profile(profile)  # type: ignore[arg-type]
    hedges = require_int("max_hedges", max_hedges, low=1, high=MAX_HEDGES)
    rows = []
    for d in delays_ms:
        rows.append({
            "delay_ms": float(d),
            "exact_p99_ms": hedged_latency_quantile(prof, d, 0.99, max_hedges=hedges),
            "exact_p999_ms": hedged_latency_quantile(prof, d, 0.999, max_hedges=hedges),
            "exact_extra_requests_pct": 100.0 * expected_extra_requests(
                prof, d, max_hedges=hedges),
        })
    return pd.DataFrame(rows)


def log_delays(profile: object, *, count: int = 12) -> list[float]:
    """``count`` hedge delays spread (log-spaced) from the profile's P50 to its P99.9, the
    range where a hedge trades load for tail latency, rounded to 3 significant digits."""
    count = require_int("count", count, low=2, high=200)
    prof = resolve_profile(profile)  # type: ignore[arg-type]
    low, high = prof.quantile(0.5), prof.quantile(0.999)
    low = max(low, 1e-3)
    high = max(high, low * 1.01)
    grid = np.geomspace(low, high, count)
    return sorted({float(f"{g:.3g}") for g in grid})


# --- independence --------------------------------------------------------------------


@dataclass(frozen=True)
class IndependenceCheck:
    """Whether slow requests cluster in time.

    ``lag1_autocorrelation`` of log latency with its 95% interval (Bartlett's formula,
    ``statsmodels.tsa.stattools.acf``: standard error 1/sqrt(n) at lag 1 under
    independence) and the Ljung-Box p-value at lag 1; ``slow_after_slow_ratio`` =
    P(slow | previous slow) / P(slow), slow meaning among the slowest ``SLOW_SHARE``,
    with a one-sided Fisher exact test of the 2 x 2 table of (previous slow, this slow).
    ``independent`` is False when either test finds positive dependence at ``alpha``."""

    n: int
    lag1_autocorrelation: float
    interval: tuple[float, float]
    ljung_box_p: float
    slow_after_slow_ratio: float
    slow_after_slow_p: float
    slow_threshold_ms: float
    alpha: float
    independent: bool

    def message(self) -> str:
        """One plain sentence on what the check found."""
        if self.independent:
            return (f"Slowness does not repeat: the lag-1 autocorrelation of log latency is "
                    f"{self.lag1_autocorrelation:+.2f} and a slow request is followed by "
                    f"another {self.slow_after_slow_ratio:.1f}x as often as chance, "
                    "consistent with independence, so a backup is as likely to be fast as "
                    "any request.")
        return (f"Slow requests cluster in time (lag-1 autocorrelation "
                f"{self.lag1_autocorrelation:+.2f}, a slow request followed by another "
                f"{self.slow_after_slow_ratio:.1f}x as often as chance): a backup sent "
                "while the service is slow is likely slow too, so the figures computed "
                "under independence overstate what hedging gains.")


def independence_check(latencies_ms_in_time_order: Sequence[float] | np.ndarray, *,
                       slow_share: float = SLOW_SHARE,
                       alpha: float = 0.05) -> IndependenceCheck:
    """Test whether slowness repeats in a log ordered by time (see
    :class:`IndependenceCheck` for the statistics). Needs at least 10 latencies."""
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.tsa.stattools import acf

    values = np.asarray(latencies_ms_in_time_order, dtype=float).ravel()
    if values.size < 10:
        raise ValueError(f"independence_check needs at least 10 latencies, got "
                         f"{values.size}")
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("latencies must be finite and non-negative")
    share = require_float("slow_share", slow_share, low=0.0, high=0.5, low_open=True)
    alpha = require_float("alpha", alpha, low=0.0, high=0.5, low_open=True)
    n = int(values.size)
    positive = values[values > 0]
    # Zero latencies (clock resolution) sit at half the smallest positive one; a floor of
    # at least the smallest normal float keeps the logarithm finite for subnormal input.
    floor = max(float(positive.min()) / 2, float(np.finfo(float).tiny)) if positive.size else 1.0
    logs = np.log(np.maximum(values, floor))
    if not np.ptp(logs) > 0 or np.var(logs) == 0:
        return IndependenceCheck(n, 0.0, (math.nan, math.nan), 1.0, 1.0, 1.0,
                                 float(values[0]), alpha, True)
    r, confint = acf(logs, nlags=1, alpha=alpha, result_object=False)
    r1 = float(r[1])
    low, high = float(confint[1][0]), float(confint[1][1])
    # acf centres Bartlett's interval on r1; the test is whether 0 lies inside it
    lb_p = float(acorr_ljungbox(logs, lags=[1])["lb_pvalue"].iloc[0])
    threshold = float(np.quantile(values, 1.0 - share))
    slow = values > threshold
    if slow.sum() == 0:
        slow = values >= threshold
    prev, this = slow[:-1], slow[1:]
    table = [[int((prev & this).sum()), int((prev & ~this).sum())],
             [int((~prev & this).sum()), int((~prev & ~this).sum())]]
    p_slow = float(this.mean())
    p_given = float(this[prev].mean()) if prev.any() else 0.0
    ratio = p_given / p_slow if p_slow > 0 else 1.0
    fisher_p = float(stats.fisher_exact(table, alternative="greater").pvalue)
    clustered = (low > 0 and lb_p < alpha) or fisher_p < alpha
    return IndependenceCheck(n, r1, (low, high), lb_p, ratio, fisher_p, threshold, alpha,
                             not clustered)


# --- percentiles with intervals ---------------------------------------------------------


@dataclass(frozen=True)
class QuantileEstimate:
    """A sample quantile (the inverse-CDF order statistic) with its distribution-free
    confidence interval; a bound is NaN when the sample is too small to give one."""

    q: float
    n: int
    value_ms: float
    low_ms: float
    high_ms: float
    confidence: float

    @property
    def measurable(self) -> bool:
        """True when both bounds exist."""
        return math.isfinite(self.low_ms) and math.isfinite(self.high_ms)


def quantile_interval(latencies_ms: Sequence[float] | np.ndarray, q: float, *,
                      confidence: float = 0.95) -> QuantileEstimate:
    """The q-quantile of a sample with the distribution-free interval between two order
    statistics x_(l) <= x_(u): the number of observations below the true quantile is
    Binomial(n, q), so P(x_(l) <= xi_q < x_(u)) >= ``confidence`` for
    l = B^-1(a/2), u = B^-1(1 - a/2) + 1 (``scipy.stats.binom``; Conover, *Practical
    Nonparametric Statistics*, 3rd ed., 1999, section 3.2). A rank outside 1..n leaves
    that bound NaN: the sample cannot bound the quantile on that side."""
    values = np.sort(np.asarray(latencies_ms, dtype=float).ravel())
    if values.size == 0:
        raise ValueError("latencies_ms must not be empty")
    q = require_float("q", q, low=0.0, high=1.0, low_open=True, high_open=True)
    confidence = require_float("confidence", confidence, low=0.5, high=1.0, high_open=True)
    n = int(values.size)
    a = 1.0 - confidence
    lo_rank = int(stats.binom.ppf(a / 2, n, q))
    hi_rank = int(stats.binom.ppf(1 - a / 2, n, q)) + 1
    value = float(values[min(n, max(1, math.ceil(q * n - 1e-9))) - 1])
    low = float(values[lo_rank - 1]) if 1 <= lo_rank <= n else math.nan
    high = float(values[hi_rank - 1]) if 1 <= hi_rank <= n else math.nan
    return QuantileEstimate(q, n, value, low, high, confidence)
