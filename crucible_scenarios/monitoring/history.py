"""The simulated production history: thirty days of hourly traffic (queries, accuracy,
latency P50/P95, cost, errors, with daily seasonality) and today, with an optional abrupt
or gradual degradation of one metric."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crucible_mock.latency import SUPPORT
from crucible_mock.pricing import price_of
from crucible_scenarios.validation import (
    make_rng,
    require_choice,
    require_float,
    require_int,
)

#: Monday 00:00 of the first simulated day (weekly seasonality starts on a weekday).
HISTORY_START = pd.Timestamp("2025-06-02 00:00")
DEGRADATION_KINDS = ("abrupt", "gradual")
DEGRADATION_METRICS = ("accuracy", "latency", "cost", "error_rate")
_MODEL = "gpt-4"
_TOKENS_IN = 600.0
_TOKENS_OUT_MEAN = 150.0
_TOKENS_OUT_SHAPE = 2.0
_BASE_ERROR_RATE = 0.01


@dataclass(frozen=True)
class Degradation:
    """A change that starts today: ``start_hour`` (0-23, hour of today), ``kind`` abrupt
    or gradual (a linear ramp over ``ramp_hours``), the ``metric`` that changes and its
    new level: the new accuracy or error rate for those metrics, a multiplier (e.g. 1.3)
    for latency and cost."""

    new_value: float
    start_hour: int = 8
    kind: str = "abrupt"
    metric: str = "accuracy"
    ramp_hours: int = 12

    def __post_init__(self) -> None:
        require_choice("kind", self.kind, DEGRADATION_KINDS)
        require_choice("metric", self.metric, DEGRADATION_METRICS)
        require_int("start_hour", self.start_hour, low=0, high=23)
        require_int("ramp_hours", self.ramp_hours, low=1, high=168)
        if self.metric in ("accuracy", "error_rate"):
            require_float("new_value", self.new_value, low=0.0, high=1.0)
        else:
            require_float("new_value", self.new_value, low=0.0, high=100.0, low_open=True)


def _seasonality(timestamps: pd.DatetimeIndex) -> np.ndarray:
    """Relative query volume: a daily cycle peaking mid-afternoon, quieter weekends."""
    hour = timestamps.hour.to_numpy()
    weekend = timestamps.day_of_week.to_numpy() >= 5
    daily = 1.0 + 0.6 * np.sin(2.0 * np.pi * (hour - 8) / 24.0)
    return daily * np.where(weekend, 0.65, 1.0)


def _quantile_log_se() -> tuple[float, float, float, float]:
    """P50, P95 of the support latency profile and the standard deviation of the log of
    their sample estimates from one query: sqrt(q (1 - q)) / (x_q f(x_q)) (asymptotic
    normality of sample quantiles)."""
    out = []
    for q in (0.5, 0.95):
        x = SUPPORT.quantile(q)
        eps = x * 1e-4
        density = float(SUPPORT.cdf(x + eps) - SUPPORT.cdf(x - eps)) / (2 * eps)
        out += [x, float(np.sqrt(q * (1 - q)) / (x * density))]
    return out[0], out[1], out[2], out[3]


_P50, _P50_SE, _P95, _P95_SE = _quantile_log_se()


def _ramp(hours_since_start: np.ndarray, degradation: Degradation) -> np.ndarray:
    """Share of the change in effect at each hour (0 before the start, 1 when complete)."""
    if degradation.kind == "abrupt":
        return (hours_since_start >= 0).astype(float)
    return np.clip((hours_since_start + 1) / degradation.ramp_hours, 0.0, 1.0)


def generate_history(
    days: int = 30,
    *,
    baseline_accuracy: float = 0.92,
    queries_per_hour: int = 400,
    degradation: Degradation | None = None,
    seed: int | np.random.Generator,
) -> pd.DataFrame:
    """Simulate ``days`` of hourly baseline traffic plus today (24 more hours).

    Query volume is Poisson around ``queries_per_hour`` times a daily and weekly cycle;
    correct answers and errors are binomial; latency P50/P95 follow the support-chatbot
    latency mixture, slower under load, with the sampling noise of a quantile estimated
    from that hour's queries; cost per query follows a gamma-distributed answer length at
    the model's token prices. ``degradation`` changes one metric from a time today.
    """
    n_days = require_int("days", days, low=2, high=365)
    p0 = require_float("baseline_accuracy", baseline_accuracy, low=0.0, high=1.0,
                       low_open=True, high_open=True)
    qph = require_int("queries_per_hour", queries_per_hour, low=10, high=100_000)
    if degradation is not None and not isinstance(degradation, Degradation):
        raise ValueError("degradation must be a Degradation or None")
    rng = make_rng(seed)
    n = (n_days + 1) * 24
    ts = pd.date_range(HISTORY_START, periods=n, freq="h")
    load = _seasonality(ts)
    queries = np.maximum(rng.poisson(qph * load), 1)

    accuracy = np.full(n, p0)
    error_rate = np.full(n, _BASE_ERROR_RATE)
    latency_factor = np.ones(n)
    cost_factor = np.ones(n)
    if degradation is not None:
        since = np.arange(n) - (n_days * 24 + degradation.start_hour)
        share = _ramp(since, degradation)
        new = degradation.new_value
        if degradation.metric == "accuracy":
            accuracy = p0 + (new - p0) * share
        elif degradation.metric == "error_rate":
            error_rate = _BASE_ERROR_RATE + (new - _BASE_ERROR_RATE) * share
        elif degradation.metric == "latency":
            latency_factor = 1.0 + (new - 1.0) * share
        else:
            cost_factor = 1.0 + (new - 1.0) * share

    correct = rng.binomial(queries, accuracy)
    errors = rng.binomial(queries, error_rate)
    slowdown = (1.0 + 0.25 * (load - 1.0)) * latency_factor
    root_n = np.sqrt(queries)
    p50 = _P50 * slowdown * np.exp(_P50_SE / root_n * rng.standard_normal(n))
    p95 = _P95 * slowdown * np.exp(_P95_SE / root_n * rng.standard_normal(n))
    # Quantiles of one hour's sample are ordered; independent noise must not invert them.
    p95 = np.maximum(p95, p50)
    tokens_out = rng.gamma(_TOKENS_OUT_SHAPE * queries,
                           _TOKENS_OUT_MEAN / _TOKENS_OUT_SHAPE * cost_factor)
    price = price_of(_MODEL)
    cost = (queries * _TOKENS_IN * price.input_per_1k + tokens_out * price.output_per_1k) / 1e3

    frame = pd.DataFrame({
        "timestamp": ts,
        "period": np.where(np.arange(n) < n_days * 24, "baseline", "today"),
        "hour": ts.hour,
        "queries": queries,
        "correct": correct,
        "accuracy": correct / queries,
        "latency_p50_ms": p50,
        "latency_p95_ms": p95,
        "cost_usd": cost,
        "cost_per_query": cost / queries,
        "errors": errors,
        "error_rate": errors / queries,
    })
    return frame
