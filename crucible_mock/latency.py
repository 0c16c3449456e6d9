"""Latency distributions of mock LLM endpoints.

A :class:`LatencyProfile` is a two-component log-normal mixture: a *body* of ordinary
requests and a *slow tail* (queueing, cold caches, long generations) that holds a fixed
fraction of requests. The mixture reproduces the heavy right tail seen in production LLM
APIs, where P99 is many times the median.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np
from scipy import optimize, stats


@runtime_checkable
class LatencyDistribution(Protocol):
    """What the hedging scenarios need of a latency distribution (ms): a name, the CDF,
    the survival function, the quantile function and a sampler. :class:`LatencyProfile`
    (the mock's mixture) and the empirical distribution of a logged run both conform."""

    @property
    def name(self) -> str:
        """What to call the distribution in results."""
        ...

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` independent latencies (ms)."""
        ...

    def cdf(self, x_ms: np.ndarray | float) -> np.ndarray:
        """P(latency <= x)."""
        ...

    def sf(self, x_ms: np.ndarray | float) -> np.ndarray:
        """P(latency > x)."""
        ...

    def quantile(self, q: float) -> float:
        """The q-quantile (ms): the least x with P(latency <= x) >= q."""
        ...


@dataclass(frozen=True)
class LatencyProfile:
    """A log-normal mixture latency distribution, in milliseconds.

    ``body_median_ms``/``body_sigma`` parameterize the body log-normal (median and the
    standard deviation of log latency); ``tail_median_ms``/``tail_sigma`` the slow tail;
    ``slow_fraction`` is the probability that a request comes from the tail.
    """

    name: str
    body_median_ms: float
    body_sigma: float
    tail_median_ms: float
    tail_sigma: float
    slow_fraction: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.slow_fraction <= 1.0:
            raise ValueError(f"slow_fraction must lie in [0, 1], got {self.slow_fraction}")
        for field_name in ("body_median_ms", "body_sigma", "tail_median_ms", "tail_sigma"):
            value = getattr(self, field_name)
            if not np.isfinite(value) or value <= 0:
                raise ValueError(f"{field_name} must be a positive number, got {value}")

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` independent latencies (ms) from the mixture, vectorized.

        Uses one uniform (component choice) and one standard normal per draw.
        """
        if n < 0:
            raise ValueError(f"n must be non-negative, got {n}")
        slow = rng.random(n) < self.slow_fraction
        z = rng.standard_normal(n)
        log_median = np.where(slow, np.log(self.tail_median_ms), np.log(self.body_median_ms))
        sigma = np.where(slow, self.tail_sigma, self.body_sigma)
        return np.exp(log_median + sigma * z)

    def cdf(self, x_ms: np.ndarray | float) -> np.ndarray:
        """P(latency <= x) of the mixture (exact, from the log-normal CDFs)."""
        x = np.asarray(x_ms, dtype=float)
        with np.errstate(divide="ignore"):
            log_x = np.log(np.where(x > 0, x, np.nan))
        body = stats.norm.cdf((log_x - np.log(self.body_median_ms)) / self.body_sigma)
        tail = stats.norm.cdf((log_x - np.log(self.tail_median_ms)) / self.tail_sigma)
        value = (1.0 - self.slow_fraction) * body + self.slow_fraction * tail
        return np.where(x > 0, value, 0.0)

    def sf(self, x_ms: np.ndarray | float) -> np.ndarray:
        """P(latency > x) of the mixture."""
        return 1.0 - self.cdf(x_ms)

    def quantile(self, q: float) -> float:
        """The exact q-quantile (ms) of the mixture, by root finding on :meth:`cdf`."""
        if not 0.0 < q < 1.0:
            raise ValueError(f"q must lie strictly between 0 and 1, got {q}")
        lo = min(self.body_median_ms, self.tail_median_ms) * np.exp(-12 * self.max_sigma)
        hi = max(self.body_median_ms, self.tail_median_ms) * np.exp(12 * self.max_sigma)
        return float(optimize.brentq(lambda x: float(self.cdf(x)) - q, lo, hi, xtol=1e-9))

    @property
    def max_sigma(self) -> float:
        """The larger of the two log-scale standard deviations."""
        return max(self.body_sigma, self.tail_sigma)

    def mean(self) -> float:
        """Exact mean latency (ms): the weighted log-normal means exp(mu + sigma^2 / 2)."""
        body = self.body_median_ms * np.exp(self.body_sigma**2 / 2)
        tail = self.tail_median_ms * np.exp(self.tail_sigma**2 / 2)
        return float((1 - self.slow_fraction) * body + self.slow_fraction * tail)

    def with_slow_fraction(self, slow_fraction: float) -> LatencyProfile:
        """The same body and tail with a different share of slow requests."""
        return replace(self, slow_fraction=float(slow_fraction))

    def scaled(self, factor: float) -> LatencyProfile:
        """Every latency multiplied by ``factor`` (a faster or slower deployment)."""
        if not np.isfinite(factor) or factor <= 0:
            raise ValueError(f"factor must be a positive number, got {factor}")
        return replace(
            self,
            body_median_ms=self.body_median_ms * factor,
            tail_median_ms=self.tail_median_ms * factor,
        )

    @classmethod
    def from_percentiles(
        cls,
        name: str,
        p50_ms: float,
        p95_ms: float,
        p99_ms: float,
        *,
        slow_fraction: float = 0.10,
        tail_sigma: float = 0.75,
    ) -> LatencyProfile:
        """Fit the mixture whose P50, P95 and P99 equal the targets exactly.

        The tail's spread and weight are fixed; the body median, body spread and tail
        median are solved from the three quantile equations with ``scipy.optimize.fsolve``.
        """
        return _fit(name, p50_ms, p95_ms, p99_ms, slow_fraction, tail_sigma)


@lru_cache(maxsize=32)
def _fit(
    name: str, p50: float, p95: float, p99: float, slow_fraction: float, tail_sigma: float
) -> LatencyProfile:
    if not 0 < p50 < p95 < p99:
        raise ValueError("percentiles must satisfy 0 < P50 < P95 < P99")

    def residuals(params: np.ndarray) -> list[float]:
        trial = LatencyProfile(name, float(np.exp(params[0])), float(abs(params[1])),
                               float(np.exp(params[2])), tail_sigma, slow_fraction)
        return [float(trial.cdf(p50)) - 0.50, float(trial.cdf(p95)) - 0.95,
                float(trial.cdf(p99)) - 0.99]

    start = np.array([np.log(p50 * 0.93), 0.5, np.log(p95 * 0.95)])
    solution, _info, status, message = optimize.fsolve(residuals, start, full_output=True)
    if status != 1 or max(abs(r) for r in residuals(solution)) > 1e-6:
        raise ValueError(f"cannot fit a latency mixture to those percentiles: {message}")
    return LatencyProfile(
        name=name,
        body_median_ms=float(np.exp(solution[0])),
        body_sigma=float(abs(solution[1])),
        tail_median_ms=float(np.exp(solution[2])),
        tail_sigma=tail_sigma,
        slow_fraction=slow_fraction,
    )


#: The customer-support chatbot: P50 500 ms, P95 2 s, P99 5 s, 10% of requests slow.
SUPPORT = LatencyProfile.from_percentiles("support", 500.0, 2000.0, 5000.0, slow_fraction=0.10)

PRESETS: dict[str, LatencyProfile] = {
    "fast": LatencyProfile.from_percentiles("fast", 300.0, 900.0, 1800.0, slow_fraction=0.05),
    "medium": LatencyProfile.from_percentiles("medium", 800.0, 2400.0, 4500.0, slow_fraction=0.05),
    "slow": LatencyProfile.from_percentiles("slow", 1800.0, 5000.0, 9000.0, slow_fraction=0.05),
    "support": SUPPORT,
}


def get_profile(name: str) -> LatencyProfile:
    """The preset latency profile called ``name`` ("fast", "medium", "slow", "support")."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(
            f"unknown latency profile {name!r}; choose one of {sorted(PRESETS)}"
        ) from None
