"""Fan-out: a request that waits for k parallel calls is as slow as the slowest, so one
call's P99 becomes the median of many (P(max > t) = 1 - F(t)^k); simulated and exact, with
and without hedging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crucible_mock.latency import LatencyDistribution
from crucible_scenarios.hedging.exact import hedged_latency_quantile
from crucible_scenarios.hedging.profiles import DEFAULT_DELAY_MS, quantile_name, resolve_profile
from crucible_scenarios.hedging.simulation import MAX_FANOUT, MAX_REQUESTS, simulate
from crucible_scenarios.validation import (
    require_float,
    require_int,
)

# --- fan-out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FanoutResult:
    """User requests that each wait for ``k`` parallel sub-requests: the user latency is
    the slowest sub-request, without hedging (``baseline_ms``) and with each sub-request
    hedged after ``delay_ms`` (``hedged_ms``, same primary draws)."""

    k: int
    delay_ms: float
    baseline_ms: np.ndarray
    hedged_ms: np.ndarray
    sub_requests_sent: np.ndarray

    @property
    def extra_requests_pct(self) -> float:
        """Backup sub-requests as a share of the ``k`` sub-requests per user request."""
        n = self.baseline_ms.size
        return 100.0 * float(self.sub_requests_sent.sum() - n * self.k) / (n * self.k)


def simulate_fanout(k: int, n_requests: int, seed: int | np.random.Generator, *,
                    profile: str | LatencyDistribution = "support", delay_ms: float | None = None,
                    budget: float | None = None, max_hedges: int = 1,
                    slow_fraction: float | None = None) -> FanoutResult:
    """Simulate ``n_requests`` fan-out user requests of ``k`` sub-requests each, every
    sub-request hedged with a fixed delay (the budget counts sub-requests)."""
    k = require_int("k", k, low=1, high=MAX_FANOUT)
    n = require_int("n_requests", n_requests, low=1, high=MAX_REQUESTS // k)
    result = simulate("fixed", n * k, seed, profile=profile, delay_ms=delay_ms, budget=budget,
                      max_hedges=max_hedges, slow_fraction=slow_fraction)
    return FanoutResult(
        k=k, delay_ms=float(result.delay_ms[0]),
        baseline_ms=result.primary_ms.reshape(n, k).max(axis=1),
        hedged_ms=result.final_ms.reshape(n, k).max(axis=1),
        sub_requests_sent=result.requests_sent.reshape(n, k).sum(axis=1),
    )


def fanout_latency_quantile(profile: str | LatencyDistribution, k: int, q: float, *,
                            delay_ms: float | None = None, max_hedges: int = 1) -> float:
    """Exact q-quantile of the slowest of ``k`` independent sub-requests: P(max <= t) =
    G(t)^k, so it is the q^(1/k)-quantile of one sub-request (hedged when ``delay_ms``)."""
    k = require_int("k", k, low=1, high=MAX_FANOUT)
    q = require_float("q", q, low=0.0, high=1.0, low_open=True, high_open=True)
    level = q ** (1.0 / k)
    if delay_ms is None:
        return hedged_latency_quantile(profile, DEFAULT_DELAY_MS, level, max_hedges=0)
    return hedged_latency_quantile(profile, delay_ms, level, max_hedges=max_hedges)


def fanout_curve(ks: Sequence[int], *, profile: str | LatencyDistribution = "support",
                 delay_ms: float = DEFAULT_DELAY_MS, max_hedges: int = 1,
                 slow_fraction: float | None = None) -> pd.DataFrame:
    """Exact P50 and P99 of a fan-out user request over ``ks``, with and without hedging."""
    prof = resolve_profile(profile, slow_fraction)
    rows = []
    for k in ks:
        for q in (0.5, 0.99):
            rows.append({"k": int(k), "quantile": quantile_name(q), "hedging": "none",
                         "latency_ms": fanout_latency_quantile(prof, k, q)})
            rows.append({"k": int(k), "quantile": quantile_name(q), "hedging": "hedged",
                         "latency_ms": fanout_latency_quantile(
                             prof, k, q, delay_ms=delay_ms, max_hedges=max_hedges)})
    return pd.DataFrame(rows)
