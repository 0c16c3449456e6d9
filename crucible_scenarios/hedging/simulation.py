"""Request hedging: send a backup request after a delay and keep whichever answer arrives
first, the loser being cancelled (Dean & Barroso, "The Tail at Scale", CACM 2013).

Everything here is vectorized over requests with numpy and seeded. Three independent
random streams are spawned from the seed: one for primary latencies, one for backups and
one for the adaptive policy's own draws, so every strategy run with the same seed sees the
*same primary latencies* (a paired comparison against no hedging) and the same backup
latencies (common random numbers across delays, which keeps trade-off curves smooth).

Strategies
----------
``none``
    Never hedge (the baseline).
``fixed``
    Hedge after a fixed delay ``delay_ms``.
``percentile``
    Hedge at the running P-th percentile of the latencies observed so far. To stay
    vectorized the rolling window is computed per batch: requests are cut into consecutive
    batches of ``window`` requests, and every request of batch b hedges at the P-th
    percentile (``numpy.quantile`` along axis 1 of the reshaped primaries) of the primary
    latencies of batch b - 1, i.e. of the previous ``window`` requests. Batch 0 uses the
    warm-up delay. The observed latencies are those of primary requests, as the service's
    own latency monitor reports them, so a shift of the distribution moves the delay one
    window later.
``adaptive``
    Batched Thompson sampling (Thompson 1933; Russo et al., "A Tutorial on Thompson
    Sampling", 2018) over the arms {P50, P75, P90, P95, P99 of the previous ``window``
    primary latencies}. Each request draws its own sample from every arm's Gaussian
    posterior of the mean loss and takes the arm with the lowest draw; posteriors are
    updated after every batch. The loss of a request is ``1{latency > slo_ms}`` plus
    ``load_weight`` per extra request sent, so the bandit trades tail latency against load.

Profiles
--------
Every function takes the mock's :class:`~crucible_mock.latency.LatencyProfile` (or its
name) or any :class:`~crucible_mock.latency.LatencyDistribution`, such as the empirical
distribution of a latency log (:func:`crucible_scenarios.hedging.empirical_profile`):
``simulate`` then resamples the log (the bootstrap) and the exact quantiles
(:mod:`crucible_scenarios.hedging.exact`) use its step CDF. Planning (``recommend_delay``,
``independence_check``) lives in :mod:`crucible_scenarios.hedging.plan`, exports
(``export_policy``) in :mod:`crucible_scenarios.hedging.export`.

Every strategy takes a hedge ``budget`` (percent of requests that may hedge), enforced by a
token bucket refilled every ``budget_window`` requests with that window's share of tokens
(no carry-over of unused tokens): within a window the first requests that want to hedge take
the tokens, and when everything is slow hedging switches itself off instead of doubling the
load. Over any run at most ``floor(budget / 100 * n)`` requests hedge.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
from scipy import stats

from crucible_mock.latency import LatencyDistribution, LatencyProfile
from crucible_mock.pricing import (
    SUPPORT_TOKENS_IN,
    SUPPORT_TOKENS_OUT,
    hedged_request_cost,
    query_cost,
)
from crucible_scenarios.hedging.exact import expected_extra_requests, hedged_latency_quantile
from crucible_scenarios.hedging.profiles import (
    MAX_HEDGES,
    check_budget,
    check_delay,
    quantile_name,
    resolve_profile,
)
from crucible_scenarios.validation import (
    make_rng,
    require_choice,
    require_float,
    require_int,
)

STRATEGIES: tuple[str, ...] = ("none", "fixed", "percentile", "adaptive")
DEFAULT_PERCENTILE = 95.0
#: Requests per rolling window of the percentile and adaptive strategies.
DEFAULT_WINDOW = 1000
#: Requests per refill of the hedge-budget token bucket.
BUDGET_WINDOW = 100
#: Requests per Thompson-sampling batch (a multiple of BUDGET_WINDOW).
ADAPTIVE_BATCH = 200
#: Percentiles of the observed window the adaptive bandit chooses among.
ADAPTIVE_PERCENTILES: tuple[float, ...] = (50.0, 75.0, 90.0, 95.0, 99.0)
#: The chatbot's latency objective used by the adaptive strategy's loss (ms).
DEFAULT_SLO_MS = 2000.0
#: Loss of one extra request, in units of one missed SLO.
DEFAULT_LOAD_WEIGHT = 0.1
MAX_REQUESTS = 5_000_000
MAX_FANOUT = 100
COST_MODEL = "gpt-4"
SUMMARY_QUANTILES: tuple[float, ...] = (0.50, 0.90, 0.95, 0.99, 0.999)


@dataclass(frozen=True)
class HedgingResult:
    """Per-request outcome of one simulated stream (arrays of length ``n_requests``).

    ``backup_ms`` has one column per hedge level (latency of that backup measured from
    when it was sent; NaN when it did not fire). ``primary_ms`` is also the no-hedging
    latency of the same request, so comparisons against the baseline are paired.
    ``arm`` is the adaptive strategy's chosen arm (index into ``ADAPTIVE_PERCENTILES``),
    -1 for the other strategies.
    """

    strategy: str
    profile: str
    max_hedges: int
    budget: float | None
    primary_ms: np.ndarray
    backup_ms: np.ndarray
    delay_ms: np.ndarray
    hedged: np.ndarray
    hedge_won: np.ndarray
    final_ms: np.ndarray
    requests_sent: np.ndarray
    arm: np.ndarray

    @property
    def n_requests(self) -> int:
        """Number of simulated user requests."""
        return int(self.primary_ms.size)

    def prefix(self, m: int) -> HedgingResult:
        """The first ``m`` requests: every strategy is causal (a request's delay and token
        depend only on earlier requests), so this is the state of the run after m
        (1 <= m <= n_requests)."""
        m = require_int("m", m, low=1, high=self.n_requests)
        arrays = {f.name: getattr(self, f.name)[:m] for f in fields(self)
                  if isinstance(getattr(self, f.name), np.ndarray)}
        return replace(self, **arrays)

    def frame(self) -> pd.DataFrame:
        """One row per request, for downloads."""
        data: dict[str, np.ndarray] = {
            "request": np.arange(1, self.n_requests + 1),
            "primary_ms": self.primary_ms,
            "delay_ms": self.delay_ms,
        }
        for j in range(self.backup_ms.shape[1]):
            data[f"backup{j + 1}_ms"] = self.backup_ms[:, j]
        data.update(hedged=self.hedged, hedge_won=self.hedge_won, final_ms=self.final_ms,
                    requests_sent=self.requests_sent)
        return pd.DataFrame(data)


@dataclass(frozen=True)
class HedgingSummary:
    """Latency percentiles (ms) with and without hedging on the same primary draws, the
    extra load and its cost, and the paired P99 reduction with a bootstrap interval."""

    strategy: str
    n_requests: int
    quantiles: dict[str, float]
    baseline_quantiles: dict[str, float]
    mean_ms: float
    baseline_mean_ms: float
    hedge_rate: float
    hedge_win_rate: float
    extra_requests_pct: float
    cost_overhead_pct: float
    p99_reduction_pct: float
    p99_reduction_ci: tuple[float, float]
    p999_reduction_pct: float
    median_delay_ms: float
    budget: float | None

    def row(self) -> dict[str, float | str | int | None]:
        """A flat dict for tables and downloads."""
        out: dict[str, float | str | int | None] = {
            "strategy": self.strategy, "requests": self.n_requests}
        for name, value in self.quantiles.items():
            out[f"{name}_ms"] = value
        for name, value in self.baseline_quantiles.items():
            out[f"baseline_{name}_ms"] = value
        out.update(
            mean_ms=self.mean_ms, hedge_rate=self.hedge_rate,
            hedge_win_rate=self.hedge_win_rate, extra_requests_pct=self.extra_requests_pct,
            cost_overhead_pct=self.cost_overhead_pct, p99_reduction_pct=self.p99_reduction_pct,
            p99_reduction_ci_low=self.p99_reduction_ci[0],
            p99_reduction_ci_high=self.p99_reduction_ci[1],
            p999_reduction_pct=self.p999_reduction_pct, median_delay_ms=self.median_delay_ms,
        )
        return out


@dataclass(frozen=True)
class HedgingProgress:
    """A cumulative partial result of a live run: the first ``done`` requests."""

    done: int
    total: int
    result: HedgingResult
    summary: HedgingSummary


def apply_budget(wants: np.ndarray, budget: float | None, *, window: int = BUDGET_WINDOW,
                 offset: int = 0) -> np.ndarray:
    """Which of the requests that ``wants`` to hedge get a token (vectorized).

    A token bucket refilled at the start of every ``window`` requests with that window's
    share of ``budget`` percent (cumulative allowance ``floor(budget / 100 * m)`` after m
    requests, so fractional tokens accrue across windows); unused tokens do not carry
    over. Within a window the earliest requests that want a token get one. ``offset`` is
    the global index of ``wants[0]`` and must be a multiple of ``window``.
    """
    wants = np.asarray(wants, dtype=bool)
    if wants.ndim != 1:
        raise ValueError(f"wants must be one-dimensional, got shape {wants.shape}")
    budget = check_budget(budget)
    window = require_int("window", window, low=1)
    offset = require_int("offset", offset, low=0)
    if budget is None:
        return wants
    if offset % window:
        raise ValueError(f"offset must be a multiple of window ({window}), got {offset}")
    n = wants.size
    if n == 0 or budget <= 0:
        return np.zeros(n, dtype=bool)
    n_windows = -(-n // window)
    starts = offset + np.arange(n_windows) * window
    ends = np.minimum(starts + window, offset + n)
    rate = budget / 100.0
    allowance = np.floor(ends * rate + 1e-9) - np.floor(starts * rate + 1e-9)
    count = np.cumsum(wants)
    before = np.concatenate(([0], count[np.arange(1, n_windows) * window - 1]))
    win = np.arange(n) // window
    rank = count - before[win]
    return wants & (rank <= allowance[win])


def _hedge_outcome(primary: np.ndarray, backups: np.ndarray, delay: np.ndarray | float,
                   granted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Final latency, backups actually fired (NaN where not) and requests sent.

    Backup j (1-based) is sent at ``j * delay`` if the request, granted a hedge, has no
    answer by then; the answer is the first of the primary and the fired backups.
    ``granted`` must imply ``primary > delay`` (a request answered before the delay never
    hedges). Written with in-place ufuncs (``where=``/``out=``) to keep passes over the
    arrays few.
    """
    n = primary.size
    final = primary.copy()
    fired_backups = np.empty(backups.shape)
    sent = np.ones(n, dtype=np.int64)
    fire = granted
    for j in range(backups.shape[1]):
        if j > 0:
            fire = granted & (final > (j + 1) * delay)
        column = backups[:, j]
        arrival = column + (j + 1) * delay
        np.minimum(final, arrival, out=final, where=fire)
        fired_backups[:, j] = np.nan
        np.copyto(fired_backups[:, j], column, where=fire)
        np.add(sent, 1, out=sent, where=fire)
    return final, fired_backups, sent


def simulate(
    strategy: str,
    n_requests: int,
    seed: int | np.random.Generator,
    *,
    profile: str | LatencyDistribution = "support",
    delay_ms: float | None = None,
    percentile: float = DEFAULT_PERCENTILE,
    budget: float | None = None,
    max_hedges: int = 1,
    slow_fraction: float | None = None,
    window: int = DEFAULT_WINDOW,
    slo_ms: float = DEFAULT_SLO_MS,
    load_weight: float = DEFAULT_LOAD_WEIGHT,
    shift: tuple[int, float] | None = None,
) -> HedgingResult:
    """Simulate ``n_requests`` user requests under a hedging ``strategy``.

    ``delay_ms`` is the fixed delay (``fixed``) or the warm-up delay before the first
    window is observed (``percentile``, ``adaptive``); default 1000 ms. ``percentile`` (in
    (0, 100)) is the percentile strategy's level. ``budget`` caps the share (%) of requests
    that may hedge (None: no cap). ``max_hedges`` backups fire at multiples of the delay.
    ``slow_fraction`` replaces the profile's share of slow requests. ``shift = (i, f)``
    changes the share of slow requests to ``f`` from request ``i`` on (primaries and
    backups), to show how the strategies react when the distribution shifts. See the
    module docstring for the methods.
    """
    strategy = require_choice("strategy", strategy, STRATEGIES)
    n = require_int("n_requests", n_requests, low=1, high=MAX_REQUESTS)
    delay = check_delay(delay_ms)
    pct = require_float("percentile", percentile, low=0.0, high=100.0, low_open=True,
                        high_open=True)
    budget = check_budget(budget)
    hedges = require_int("max_hedges", max_hedges, low=1, high=MAX_HEDGES)
    window = require_int("window", window, low=10, high=MAX_REQUESTS)
    slo = require_float("slo_ms", slo_ms, low=0.0, low_open=True)
    weight = require_float("load_weight", load_weight, low=0.0)
    prof = resolve_profile(profile, slow_fraction)
    shifted: LatencyDistribution | None = None
    if shift is not None:
        if not isinstance(shift, tuple) or len(shift) != 2:
            raise ValueError(f"shift must be a pair (request index, slow fraction), got "
                             f"{shift!r}")
        at = require_int("shift request index", shift[0], low=0, high=n)
        if not isinstance(prof, LatencyProfile):
            raise ValueError("shift applies to the mock's mixture profiles only")
        shifted = prof.with_slow_fraction(
            require_float("shift slow fraction", shift[1], low=0.0, high=1.0))

    primary_rng, backup_rng, policy_rng = make_rng(seed).spawn(3)
    primary = prof.sample(n, primary_rng)
    if hedges == 1:
        backups = prof.sample(n, backup_rng).reshape(n, 1)
    else:
        backups = np.column_stack([prof.sample(n, backup_rng) for _ in range(hedges)])
    if shifted is not None:
        primary[at:] = shifted.sample(n - at, primary_rng)
        for j in range(hedges):
            backups[at:, j] = shifted.sample(n - at, backup_rng)
    arm = np.broadcast_to(np.int64(-1), n)

    if strategy == "none":
        delays = np.broadcast_to(np.nan, n)
        granted = np.zeros(n, dtype=bool)
        final, fired, sent = _hedge_outcome(primary, backups, np.inf, granted)
    elif strategy in ("fixed", "percentile"):
        if strategy == "fixed":
            delays = np.broadcast_to(delay, n)  # one read-only value for every request
        else:
            delays = _percentile_delays(primary, pct, window, delay)
        granted = apply_budget(primary > delays, budget)
        final, fired, sent = _hedge_outcome(primary, backups, delays, granted)
    else:
        delays, granted, final, fired, sent, arm = _adaptive(
            primary, backups, policy_rng, budget=budget, window=window, warmup=delay,
            slo=slo, weight=weight)
    # A granted request is unanswered at its delay, so its first backup always fires.
    return HedgingResult(
        strategy=strategy, profile=prof.name, max_hedges=hedges, budget=budget,
        primary_ms=primary, backup_ms=fired, delay_ms=delays, hedged=granted,
        hedge_won=final < primary, final_ms=final, requests_sent=sent, arm=arm,
    )


def _percentile_delays(primary: np.ndarray, pct: float, window: int,
                       warmup: float) -> np.ndarray:
    """Per-request delays: the ``pct`` percentile of the previous window's primaries."""
    n = primary.size
    full = min(n // window, -(-n // window) - 1)  # full windows that precede a request
    levels = _row_quantiles(primary[: full * window].reshape(full, window), pct / 100.0) \
        if full else np.empty(0)
    return np.repeat(np.concatenate(([warmup], levels)), window)[:n]


def _row_quantiles(rows: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile of every row with numpy's default linear interpolation (Hyndman &
    Fan type 7), from one ``numpy.partition`` of the two order statistics around
    (w - 1) q. It returns exactly what ``numpy.quantile(rows, q, axis=1)`` returns (a
    test checks it); at the page's shapes the two take about the same time."""
    width = rows.shape[1]
    h = (width - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, width - 1)
    part = np.partition(rows, [lo, hi] if hi != lo else [lo], axis=1)
    low, high = part[:, lo], part[:, hi]
    return np.asarray(low + (h - lo) * (high - low))


def _adaptive(primary: np.ndarray, backups: np.ndarray, rng: np.random.Generator, *,
              budget: float | None, window: int, warmup: float, slo: float,
              weight: float) -> tuple[np.ndarray, ...]:
    """Batched Gaussian Thompson sampling over percentile arms (see module docstring).

    Each arm's mean loss has a N(0.5, 1) prior and a Gaussian likelihood whose variance is
    the pooled sample variance of all losses seen (floored at 0.01); the conjugate
    posterior is sampled once per request per arm.
    """
    n = primary.size
    k = len(ADAPTIVE_PERCENTILES)
    levels = np.asarray(ADAPTIVE_PERCENTILES) / 100.0
    delays = np.empty(n)
    arms = np.empty(n, dtype=np.int64)
    granted = np.zeros(n, dtype=bool)
    final = np.empty(n)
    fired = np.full(backups.shape, np.nan)
    sent = np.ones(n, dtype=np.int64)
    counts = np.zeros(k)
    sums = np.zeros(k)
    total_sq = 0.0
    total_sum = 0.0
    prior_mean, prior_var = 0.5, 1.0
    for start in range(0, n, ADAPTIVE_BATCH):
        stop = min(start + ADAPTIVE_BATCH, n)
        size = stop - start
        if start == 0:
            candidates = np.full(k, warmup)
        else:
            candidates = np.quantile(primary[max(0, start - window):start], levels)
        seen = counts.sum()
        noise_var = 0.25 if seen < 2 else max(
            total_sq / seen - (total_sum / seen) ** 2, 0.01)
        precision = 1.0 / prior_var + counts / noise_var
        post_mean = (prior_mean / prior_var + sums / noise_var) / precision
        draws = post_mean + rng.standard_normal((size, k)) / np.sqrt(precision)
        choice = np.argmin(draws, axis=1)
        d = candidates[choice]
        p = primary[start:stop]
        g = apply_budget(p > d, budget, offset=start)
        f, fb, s = _hedge_outcome(p, backups[start:stop], d, g)
        loss = (f > slo) + weight * (s - 1)
        counts += np.bincount(choice, minlength=k)
        sums += np.bincount(choice, weights=loss, minlength=k)
        total_sum += float(loss.sum())
        total_sq += float((loss**2).sum())
        delays[start:stop] = d
        arms[start:stop] = choice
        granted[start:stop] = g
        final[start:stop] = f
        fired[start:stop] = fb
        sent[start:stop] = s
    return delays, granted, final, fired, sent, arms


def _quantile_dict(values: np.ndarray) -> dict[str, float]:
    qs = np.quantile(values, SUMMARY_QUANTILES)
    return {quantile_name(q): float(v) for q, v in zip(SUMMARY_QUANTILES, qs, strict=True)}


def _p99_reduction(base: np.ndarray, hedged: np.ndarray, axis: int = -1) -> np.ndarray:
    """100 (1 - P99(hedged) / P99(base)) along ``axis`` (numpy's linear quantile)."""
    base = np.moveaxis(np.asarray(base), axis, -1)
    hedged = np.moveaxis(np.asarray(hedged), axis, -1)
    shape = base.shape[:-1]
    width = base.shape[-1]
    top = _row_quantiles(hedged.reshape(-1, width), 0.99)
    bottom = _row_quantiles(base.reshape(-1, width), 0.99)
    return np.asarray(100.0 * (1.0 - top / bottom)).reshape(shape)


def summarize(result: HedgingResult, *, n_boot: int = 200, seed: int = 0,
              model: str = COST_MODEL) -> HedgingSummary:
    """Percentiles, hedge and win rates, extra load and cost overhead of ``result``.

    The P99 reduction compares the hedged latencies with the primary latencies of the same
    requests (no hedging, same draws). Its 95% interval is a paired percentile bootstrap
    (``scipy.stats.bootstrap``, ``paired=True``, ``n_boot`` resamples; NaN when
    ``n_boot`` is 0 or fewer than 20 requests). Cost overhead uses
    ``crucible_mock.pricing.hedged_request_cost`` against one ``query_cost`` per request.
    """
    n_boot = require_int("n_boot", n_boot, low=0, high=100_000)
    n = result.n_requests
    if n == 0:
        raise ValueError("result must hold at least one request")
    base = result.primary_ms
    final = result.final_ms
    quantiles = _quantile_dict(final)
    baseline = _quantile_dict(base)
    hedged_count = int(result.hedged.sum())
    cost = float(hedged_request_cost(result.requests_sent, model).sum())
    plain = float(query_cost(model, SUPPORT_TOKENS_IN, SUPPORT_TOKENS_OUT)) * n
    reduction = float(_p99_reduction(base, final))
    ci = (math.nan, math.nan)
    if n_boot > 0 and n >= 20 and not np.array_equal(base, final):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            boot = stats.bootstrap(
                (base, final), _p99_reduction, paired=True, vectorized=True,
                n_resamples=n_boot, method="percentile", rng=np.random.default_rng(seed),
                batch=max(1, min(n_boot, 2_000_000 // n)))
        ci = (float(boot.confidence_interval.low), float(boot.confidence_interval.high))
    elif n_boot > 0 and n >= 20:
        ci = (0.0, 0.0)
    delays = result.delay_ms[np.isfinite(result.delay_ms)]
    return HedgingSummary(
        strategy=result.strategy,
        n_requests=n,
        quantiles=quantiles,
        baseline_quantiles=baseline,
        mean_ms=float(final.mean()),
        baseline_mean_ms=float(base.mean()),
        hedge_rate=hedged_count / n,
        hedge_win_rate=float(result.hedge_won.sum()) / hedged_count if hedged_count else 0.0,
        extra_requests_pct=100.0 * float(result.requests_sent.sum() - n) / n,
        cost_overhead_pct=100.0 * (cost / plain - 1.0),
        p99_reduction_pct=reduction,
        p99_reduction_ci=ci,
        p999_reduction_pct=100.0 * (1.0 - quantiles["p999"] / baseline["p999"]),
        median_delay_ms=float(np.median(delays)) if delays.size else math.nan,
        budget=result.budget,
    )


def iter_simulate(strategy: str, n_requests: int, seed: int | np.random.Generator, *,
                  batch_size: int = 10, n_boot: int = 200,
                  **kwargs: object) -> Iterator[HedgingProgress]:
    """Cumulative summaries batch by batch for a live view.

    The whole stream is simulated once (vectorized); since every strategy is causal (a
    request's fate depends only on earlier requests), the k-th partial is exactly the
    first ``k * batch_size`` requests of that run. Bootstrap intervals are computed on the
    final partial only.
    """
    size = require_int("batch_size", batch_size, low=1, high=MAX_REQUESTS)
    result = simulate(strategy, n_requests, seed, **kwargs)  # type: ignore[arg-type]
    n = result.n_requests
    for done in range(min(size, n), n + size, size):
        done = min(done, n)
        part = result.prefix(done)
        last = done == n
        yield HedgingProgress(done, n, part, summarize(part, n_boot=n_boot if last else 0))
        if last:
            break


def tradeoff_curve(delays_ms: Sequence[float], n_requests: int, seed: int, *,
                   profile: str | LatencyDistribution = "support", budget: float | None = None,
                   max_hedges: int = 1, slow_fraction: float | None = None) -> pd.DataFrame:
    """Simulated and exact P99/P99.9 and extra load across fixed hedge delays.

    Each delay reuses the same seed, hence the same primary and backup draws (common
    random numbers). The exact columns come from :func:`hedged_latency_quantile` and
    :func:`expected_extra_requests` and ignore the budget.
    """
    prof = resolve_profile(profile, slow_fraction)
    rows = []
    for d in delays_ms:
        result = simulate("fixed", n_requests, seed, profile=prof, delay_ms=d, budget=budget,
                          max_hedges=max_hedges)
        q99, q999 = np.quantile(result.final_ms, [0.99, 0.999])
        rows.append({
            "delay_ms": float(d),
            "p99_ms": float(q99),
            "p999_ms": float(q999),
            "extra_requests_pct": 100.0 * float(result.requests_sent.sum() - result.n_requests)
            / result.n_requests,
            "exact_p99_ms": hedged_latency_quantile(prof, d, 0.99, max_hedges=max_hedges),
            "exact_p999_ms": hedged_latency_quantile(prof, d, 0.999, max_hedges=max_hedges),
            "exact_extra_requests_pct": 100.0 * expected_extra_requests(
                prof, d, max_hedges=max_hedges),
        })
    return pd.DataFrame(rows)


def compare_strategies(n_requests: int, seed: int, *, n_boot: int = 200,
                       **kwargs: object) -> pd.DataFrame:
    """:func:`summarize` of every strategy on the same seed (same primary draws)."""
    rows = [summarize(simulate(s, n_requests, seed, **kwargs),  # type: ignore[arg-type]
                      n_boot=n_boot).row() for s in STRATEGIES]
    return pd.DataFrame(rows)
