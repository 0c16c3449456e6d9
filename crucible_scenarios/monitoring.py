"""Production monitoring of a deployed model: a simulated 30-day hourly baseline plus
today, statistical detectors of degradation with known false-alarm rates, and a
retraining recommendation.

Every metric is turned into standardized observations (z-scores against the baseline)
that are approximately N(0, 1) while nothing changes, oriented so that a positive value
means *worse* (lower accuracy, higher latency, cost or error rate). The detectors then
run on those z-scores, so their false-alarm spacing is the in-control average run length
computed in :mod:`crucible_scenarios.monitoring_arl`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import signal, stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
)

from crucible_mock.latency import SUPPORT
from crucible_mock.pricing import price_of
from crucible_scenarios.monitoring_arl import (
    EWMA_LIMITS,
    ARLResult,
    average_run_length,
    ewma_limit_factor,
    siegmund_arl,
)
from crucible_scenarios.monitoring_bernoulli import (
    bernoulli_cusum_arl,
    bernoulli_cusum_increments,
    bernoulli_threshold,
)
from crucible_scenarios.validation import (
    brief_repr,
    make_rng,
    require_choice,
    require_float,
    require_int,
)

__all__ = [
    "ARLResult",
    "Degradation",
    "DetectorResult",
    "LiveFrame",
    "MonitorConfig",
    "Recommendation",
    "aggregate_requests",
    "alert_log",
    "average_run_length",
    "baseline_band",
    "bernoulli_cusum",
    "bernoulli_cusum_arl",
    "bernoulli_cusum_increments",
    "bernoulli_threshold",
    "cost_drift",
    "cusum",
    "ewma",
    "generate_history",
    "iter_live",
    "latency_drift",
    "proportion_test",
    "recommend",
    "run_all",
    "siegmund_arl",
    "standardize",
]

#: Monday 00:00 of the first simulated day (weekly seasonality starts on a weekday).
HISTORY_START = pd.Timestamp("2025-06-02 00:00")
METRICS = ("accuracy", "latency_p95_ms", "cost_per_query", "error_rate")
METRIC_LABELS = {"accuracy": "accuracy", "latency_p95_ms": "latency P95",
                 "cost_per_query": "cost per query", "error_rate": "error rate"}
DEGRADATION_KINDS = ("abrupt", "gradual")
DEGRADATION_METRICS = ("accuracy", "latency", "cost", "error_rate")
DETECTORS = ("proportion", "cusum", "ewma")
#: Detectors on counts, run on the rates (accuracy, error rate) when the history has them.
RATE_DETECTORS = ("bernoulli",)
DETECTOR_LABELS = {"proportion": "proportion z-test", "cusum": "CUSUM", "ewma": "EWMA",
                   "bernoulli": "Bernoulli CUSUM"}
WINDOWS = (1, 6, 24)
SCOPES = ("today", "all")
HISTORY_COLUMNS = ["timestamp", "period", "hour", "queries", "correct", "accuracy",
                   "latency_p50_ms", "latency_p95_ms", "cost_usd", "cost_per_query",
                   "errors", "error_rate"]
ALERT_COLUMNS = ["time", "detector", "metric", "direction", "statistic", "threshold",
                 "reason"]
_MODEL = "gpt-4"
_TOKENS_IN = 600.0
_TOKENS_OUT_MEAN = 150.0
_TOKENS_OUT_SHAPE = 2.0
_BASE_ERROR_RATE = 0.01
_PROPORTION_METRICS = {"accuracy": ("correct", -1.0), "error_rate": ("errors", 1.0)}


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


# ---------------------------------------------------------------------------------------
# Standardization


def _baseline_mask(history: pd.DataFrame) -> np.ndarray:
    """True for the baseline rows (a plain numpy comparison, cheaper than pandas')."""
    return np.asarray(history["period"].to_numpy(dtype=object) == "baseline", dtype=bool)


def _check_history(history: pd.DataFrame) -> None:
    if not isinstance(history, pd.DataFrame):
        raise ValueError("history must be a pandas DataFrame")
    for column in ("timestamp", "period"):
        if column not in history.columns:
            raise ValueError(f"history needs a {column!r} column")
    stamps = history["timestamp"]
    if not pd.api.types.is_datetime64_any_dtype(stamps) or stamps.isna().any():
        raise ValueError("history needs a complete datetime 'timestamp' column")
    base = _baseline_mask(history)
    if int(base.sum()) < 2:
        raise ValueError("history needs at least 2 baseline rows")
    if int((~base).sum()) < 1:
        raise ValueError("history needs at least one row after the baseline")


def _numeric(history: pd.DataFrame, column: str) -> np.ndarray | None:
    """The column as floats, or None when it is missing or holds anything else."""
    if column not in history.columns:
        return None
    try:
        return history[column].to_numpy(dtype=float)
    except (TypeError, ValueError):
        return None


def available_metrics(history: pd.DataFrame) -> list[str]:
    """The metrics with values in ``history`` (an uploaded file may lack some): the
    columns of :data:`METRICS` that are present, numeric and free of NaN."""
    if not isinstance(history, pd.DataFrame):
        raise ValueError("history must be a pandas DataFrame")
    out = []
    for metric in METRICS:
        values = _numeric(history, metric)
        if values is not None and not np.isnan(values).any():
            out.append(metric)
    return out


def _has_counts(history: pd.DataFrame, count_col: str = "correct") -> bool:
    """True when ``count_col`` and ``queries`` are complete numeric counts with some
    baseline queries, so a proportion can be pooled from them."""
    counts, queries = _numeric(history, count_col), _numeric(history, "queries")
    if counts is None or queries is None or np.isnan(counts).any() or np.isnan(queries).any():
        return False
    return bool(queries[_baseline_mask(history)].sum() > 0)


def _require_accuracy(history: pd.DataFrame) -> bool:
    """Whether accuracy comes from counts (True) or the accuracy column (False);
    ``ValueError`` naming history when it has neither."""
    if _has_counts(history):
        return True
    if "accuracy" in available_metrics(history):
        return False
    raise ValueError("history needs 'correct' and 'queries' counts or a complete numeric "
                     "'accuracy' column")


def _seasonal_fit(log_values: np.ndarray, timestamps: pd.Series,
                  baseline: np.ndarray) -> tuple[np.ndarray, float]:
    """Expected log value per row from the least-squares fit, on the baseline, of an
    hour-of-day effect plus a weekend effect (solved in closed form by the
    Frisch-Waugh-Lovell theorem: the weekend slope from within-hour deviations, then the
    hour means); returns the expectations and the residual standard deviation."""
    ts = pd.DatetimeIndex(timestamps)
    hours = ts.hour.to_numpy()
    weekend = (ts.day_of_week.to_numpy() >= 5).astype(float)
    hb, yb, wb = hours[baseline], log_values[baseline], weekend[baseline]
    count = np.bincount(hb, minlength=24).astype(float)
    seen = count > 0
    safe = np.where(seen, count, 1.0)
    y_mean = np.bincount(hb, yb, minlength=24) / safe
    w_mean = np.bincount(hb, wb, minlength=24) / safe
    w_dev = wb - w_mean[hb]
    ss = float(np.sum(w_dev**2))
    slope = float(np.sum(w_dev * (yb - y_mean[hb])) / ss) if ss > 1e-12 else 0.0
    hour_effect = np.where(seen, y_mean - slope * w_mean, float(np.mean(yb)))
    expected = hour_effect[hours] + slope * weekend
    resid = yb - expected[baseline]
    dof = max(int(baseline.sum()) - int(seen.sum()) - (1 if ss > 1e-12 else 0), 1)
    sd = float(np.sqrt(np.sum(resid**2) / dof))
    return expected, sd if sd > 0 else float("nan")


def standardize(history: pd.DataFrame, metric: str = "accuracy", *, window_hours: int = 1,
                scope: str = "today") -> pd.DataFrame:
    """Monitored observations of ``metric`` as z-scores against the baseline.

    The monitored rows (today, or every row for ``scope="all"``) are grouped into
    consecutive windows of ``window_hours``. Accuracy and error rate with counts use the
    binomial standard error of the window at the pooled baseline rate,
    z = (p_hat - p0) / sqrt(p0 (1 - p0) / n); latency and cost use the log value against
    a baseline hour-of-day and weekend fit and its residual standard deviation; a
    proportion without counts uses the baseline mean and standard deviation. ``z_bad`` is
    z oriented so that positive means worse. Returns one row per window: time (window
    end), start, n (queries), value, expected, z, z_bad.
    """
    _check_history(history)
    name = require_choice("metric", metric, available_metrics(history))
    w = require_int("window_hours", window_hours, low=1, high=24 * 365)
    require_choice("scope", scope, SCOPES)
    baseline = _baseline_mask(history)
    monitored = np.ones(len(history), dtype=bool) if scope == "all" else ~baseline
    rows = np.flatnonzero(monitored)
    n_windows = len(rows) // w if len(rows) >= w else 0
    if n_windows == 0:
        return pd.DataFrame(columns=["time", "start", "n", "value", "expected", "z",
                                     "z_bad"])
    idx = rows[: n_windows * w].reshape(n_windows, w)
    counted_queries = _numeric(history, "queries")
    queries = (counted_queries if counted_queries is not None
               and not np.isnan(counted_queries).any() else np.ones(len(history)))
    n = queries[idx].sum(axis=1)
    count_col, sign = _PROPORTION_METRICS.get(name, ("", 1.0))
    has_counts = bool(count_col) and _has_counts(history, count_col)
    values = history[name].to_numpy(dtype=float)
    if has_counts:
        counts = history[count_col].to_numpy(dtype=float)
        p0 = counts[baseline].sum() / queries[baseline].sum()
        value = counts[idx].sum(axis=1) / n
        expected = np.full(n_windows, p0)
        se = np.sqrt(p0 * (1 - p0) / n)
        z = (value - p0) / np.where(se > 0, se, np.nan)
    elif name in _PROPORTION_METRICS:
        mu = float(values[baseline].mean())
        sd = float(values[baseline].std(ddof=1))
        value = values[idx].mean(axis=1)
        expected = np.full(n_windows, mu)
        z = (value - mu) / (sd / np.sqrt(w)) if sd > 0 else np.full(n_windows, np.nan)
    else:
        if np.any(values <= 0):
            raise ValueError(f"{name} must be positive to monitor it on the log scale")
        logs = np.log(values)
        fit, sd = _seasonal_fit(logs, history["timestamp"], baseline)
        resid = logs - fit
        value = values[idx].mean(axis=1)
        expected = np.exp(fit[idx]).mean(axis=1)
        z = resid[idx].sum(axis=1) / (sd * np.sqrt(w))
        sign = 1.0
    ts = history["timestamp"].to_numpy()
    return pd.DataFrame({
        "time": ts[idx[:, -1]], "start": ts[idx[:, 0]], "n": n, "value": value,
        "expected": expected, "z": z, "z_bad": sign * z,
    })


def baseline_band(history: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """The baseline accuracy band per row: p0 +/- z sqrt(p0 (1 - p0) / n_t), the score-test
    acceptance region at that hour's volume. An hourly accuracy falls outside it exactly
    when the baseline accuracy falls outside that hour's Wilson score interval.
    Returns timestamp, lower, upper and the baseline accuracy p0."""
    _check_history(history)
    conf = require_float("confidence", confidence, low=0.5, high=1.0, high_open=True)
    counted = _require_accuracy(history)
    base = _baseline_mask(history)
    zc = float(stats.norm.isf((1 - conf) / 2))
    if counted:
        p0 = float(history["correct"][base].sum() / history["queries"][base].sum())
        half = zc * np.sqrt(p0 * (1 - p0) / history["queries"].to_numpy(dtype=float))
    else:
        acc = history["accuracy"].to_numpy(dtype=float)
        p0 = float(acc[base].mean())
        half = np.full(len(history), zc * float(acc[base].std(ddof=1)))
    return pd.DataFrame({"timestamp": history["timestamp"].to_numpy(),
                         "lower": np.clip(p0 - half, 0, 1), "upper": np.clip(p0 + half, 0, 1),
                         "p0": p0})


def baseline_wilson(history: pd.DataFrame, *, alpha: float = 0.05) -> tuple[float, float, float]:
    """Pooled baseline accuracy and its Wilson score interval (statsmodels) at level
    1 - ``alpha`` (``alpha`` in (0, 1)); without counts, the mean hourly accuracy and its
    Student t interval."""
    _check_history(history)
    a = require_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    counted = _require_accuracy(history)
    base = history["period"] == "baseline"
    if counted:
        x, n = int(history["correct"][base].sum()), int(history["queries"][base].sum())
        low, high = proportion_confint(x, n, alpha=a, method="wilson")
        return x / n, float(low), float(high)
    acc = history["accuracy"][base].to_numpy(dtype=float)
    half = float(stats.t.isf(a / 2, len(acc) - 1) * acc.std(ddof=1) / np.sqrt(len(acc)))
    return float(acc.mean()), float(acc.mean() - half), float(acc.mean() + half)


# ---------------------------------------------------------------------------------------
# Detectors


@dataclass(frozen=True)
class DetectorResult:
    """A detector's run over the monitored windows: ``trace`` (time, value, expected, z,
    statistic, lower and upper limit, alarm) and ``alerts`` (time, detector, metric,
    statistic, threshold, reason), with the settings it ran with."""

    detector: str
    metric: str
    params: dict[str, float]
    trace: pd.DataFrame
    alerts: pd.DataFrame


def _direction_words(metric: str) -> tuple[str, str]:
    worse = "lower" if metric == "accuracy" else "higher"
    better = "higher" if metric == "accuracy" else "lower"
    return worse, better


def _format_value(metric: str, value: float) -> str:
    if metric in ("accuracy", "error_rate"):
        return f"{value:.1%}"
    if metric == "latency_p95_ms":
        return f"{value:,.0f} ms"
    return f"${value:.4f}"


def _trace(std: pd.DataFrame, **columns: object) -> pd.DataFrame:
    """The standardized windows plus the detector's columns, built in one step."""
    data: dict[str, object] = {c: std[c].to_numpy() for c in std.columns}
    data.update(columns)
    return pd.DataFrame(data)


def _alerts(detector: str, metric: str, trace: pd.DataFrame, reasons: list[str],
            worse: np.ndarray) -> pd.DataFrame:
    if not reasons:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    alarm = trace["alarm"].to_numpy(dtype=bool)
    count = int(alarm.sum())
    return pd.DataFrame({
        "time": trace["time"].to_numpy()[alarm], "detector": [detector] * count,
        "metric": [metric] * count,
        "direction": np.where(worse[alarm], "worse", "better"),
        "statistic": trace["statistic"].to_numpy(dtype=float)[alarm],
        "threshold": trace["upper"].to_numpy(dtype=float)[alarm], "reason": reasons,
    }, columns=ALERT_COLUMNS)


def proportion_test(history: pd.DataFrame, *, metric: str = "accuracy", window_hours: int = 1,
                    alpha: float = 0.01, two_sided: bool = False, method: str = "z",
                    scope: str = "today",
                    standardized: pd.DataFrame | None = None) -> DetectorResult:
    """Test each monitored window against the baseline.

    With counts, ``method="z"`` is the pooled two-proportion z-test (window vs the whole
    baseline, as statsmodels ``proportions_ztest``) and ``method="exact"`` the exact
    binomial test of the window count against the baseline rate (one-sided, or the
    doubled smaller tail when two-sided); other metrics use the z-score against the
    baseline fit. A window alarms when its p-value is below ``alpha``.
    """
    a = require_float("alpha", alpha, low=0.0, high=0.5, low_open=True)
    how = require_choice("method", method, ("z", "exact"))
    std = standardize(history, metric, window_hours=window_hours, scope=scope) \
        if standardized is None else standardized
    name = str(metric)
    count_col, sign = _PROPORTION_METRICS.get(name, ("", 1.0))
    counted = bool(count_col) and _has_counts(history, count_col)
    z_bad = std["z_bad"].to_numpy(dtype=float)
    if counted and len(std):
        base = _baseline_mask(history)
        x0 = float(history[count_col][base].sum())
        n0 = float(history["queries"][base].sum())
        x1 = std["value"].to_numpy(dtype=float) * std["n"].to_numpy(dtype=float)
        n1 = std["n"].to_numpy(dtype=float)
        if how == "z":
            pooled = (x0 + x1) / (n0 + n1)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
            z_bad = sign * (x1 / n1 - x0 / n0) / np.where(se > 0, se, np.nan)
            p_bad = stats.norm.sf(z_bad)
        else:
            p0 = x0 / n0
            counts = np.rint(x1)
            p_bad = stats.binom.cdf(counts, n1, p0) if sign < 0 else \
                stats.binom.sf(counts - 1, n1, p0)
    else:
        p_bad = stats.norm.sf(z_bad)
    if two_sided:
        p_good = stats.norm.cdf(z_bad) if how == "z" or not counted else 1 - p_bad
        p_value = np.minimum(1.0, 2 * np.minimum(p_bad, p_good))
    else:
        p_value = p_bad
    p_value = np.nan_to_num(p_value, nan=1.0)
    alarm = p_value < a
    crit = float(stats.norm.isf(a / 2 if two_sided else a))
    trace = _trace(std, statistic=z_bad, p_value=p_value, upper=crit,
                   lower=-crit if two_sided else np.nan, alarm=alarm)
    worse, better = _direction_words(name)
    reasons = [
        f"{METRIC_LABELS[name]} {_format_value(name, v)} over the {window_hours} h window "
        f"to {pd.Timestamp(t):%a %H:%M} vs baseline {_format_value(name, e)} "
        f"({worse if zb > 0 else better}); p = {p:.2g} < alpha {a:g}"
        for v, e, zb, p, t in zip(trace["value"][alarm], trace["expected"][alarm],
                                  trace["statistic"][alarm], trace["p_value"][alarm],
                                  trace["time"][alarm], strict=True)]
    return DetectorResult("proportion", name, {"alpha": a, "window_hours": window_hours},
                          trace, _alerts("proportion", name, trace, reasons, z_bad > 0))


def cusum(history: pd.DataFrame, *, metric: str = "accuracy", k: float = 0.5, h: float = 4.0,
          two_sided: bool = False, window_hours: int = 1,
          scope: str = "today",
          standardized: pd.DataFrame | None = None) -> DetectorResult:
    """Tabular CUSUM (Page 1954; Montgomery section 9.1) on the standardized windows:
    C+_t = max(0, z_t - k + C+_{t-1}) watches for worse values, C-_t = max(0, -z_t - k +
    C-_{t-1}) for better ones when two-sided; a sum above ``h`` alarms and restarts at 0."""
    kk = require_float("k", k, low=0.0)
    hh = require_float("h", h, low=0.0, low_open=True)
    std = standardize(history, metric, window_hours=window_hours, scope=scope) \
        if standardized is None else standardized
    z = np.nan_to_num(std["z_bad"].to_numpy(dtype=float))
    up = np.zeros(len(z))
    lo = np.zeros(len(z))
    alarm = np.zeros(len(z), dtype=bool)
    cu = cl = 0.0
    for i, value in enumerate(z.tolist()):
        cu = max(0.0, cu + value - kk)
        cl = max(0.0, cl - value - kk) if two_sided else 0.0
        up[i], lo[i] = cu, cl
        if cu > hh or cl > hh:
            alarm[i] = True
            cu = cl = 0.0
    statistic = np.where(lo > up, lo, up)
    trace = _trace(std, c_plus=up, c_minus=lo, statistic=statistic, upper=hh,
                   lower=np.nan, alarm=alarm)
    name = str(metric)
    worse, better = _direction_words(name)
    reasons = [
        f"CUSUM of {METRIC_LABELS[name]} reached {s:.2f} > h = {hh:g}: sustained "
        f"{worse if cp >= cm else better} values (now {_format_value(name, v)}, baseline "
        f"{_format_value(name, e)})"
        for s, cp, cm, v, e in zip(statistic[alarm], up[alarm], lo[alarm],
                                   trace["value"][alarm], trace["expected"][alarm],
                                   strict=True)]
    return DetectorResult("cusum", name, {"k": kk, "h": hh, "window_hours": window_hours},
                          trace, _alerts("cusum", name, trace, reasons, up >= lo))


def ewma(history: pd.DataFrame, *, metric: str = "accuracy", lam: float = 0.2, L: float = 3.0,
         two_sided: bool = False, window_hours: int = 1,
         scope: str = "today", limits: str = "time-varying",
         standardized: pd.DataFrame | None = None) -> DetectorResult:
    """EWMA control chart (Roberts 1959) on the standardized windows: z_t = lam x_t +
    (1 - lam) z_{t-1}, z_0 = 0, against the exact time-varying limits
    +/- L sqrt(lam / (2 - lam) (1 - (1 - lam)^(2t))) (``limits="time-varying"``), or the
    fixed asymptotic limits +/- L sqrt(lam / (2 - lam)) of Lucas & Saccucci (1990)
    (``limits="fixed"``); after an alarm it restarts at 0. The time-varying limits are
    narrower for the first observations after a start, so early false alarms are likelier
    with them than with fixed limits."""
    lam_ = require_float("lam", lam, low=0.0, high=1.0, low_open=True)
    ll = require_float("L", L, low=0.0, low_open=True)
    mode = require_choice("limits", limits, EWMA_LIMITS)
    std = standardize(history, metric, window_hours=window_hours, scope=scope) \
        if standardized is None else standardized
    x = np.nan_to_num(std["z_bad"].to_numpy(dtype=float))
    smoothed = np.zeros(len(x))
    limit = np.zeros(len(x))
    alarm = np.zeros(len(x), dtype=bool)
    start = 0
    while start < len(x):
        seg = signal.lfilter([lam_], [1.0, lam_ - 1.0], x[start:])
        lim = ll * (ewma_limit_factor(lam_, np.arange(1, len(seg) + 1))
                    if mode == "time-varying" else np.full(len(seg), np.sqrt(lam_ / (2 - lam_))))
        hit = np.abs(seg) > lim if two_sided else seg > lim
        stop = int(np.argmax(hit)) + 1 if hit.any() else len(seg)
        smoothed[start:start + stop] = seg[:stop]
        limit[start:start + stop] = lim[:stop]
        if hit.any():
            alarm[start + stop - 1] = True
        start += stop
    trace = _trace(std, statistic=smoothed, upper=limit,
                   lower=-limit if two_sided else np.nan, alarm=alarm)
    name = str(metric)
    worse, better = _direction_words(name)
    reasons = [
        f"EWMA of {METRIC_LABELS[name]} at {s:+.2f} beyond the limit +/-{lim:.2f}: drifting "
        f"{worse if s > 0 else better} (now {_format_value(name, v)}, baseline "
        f"{_format_value(name, e)})"
        for s, lim, v, e in zip(smoothed[alarm], limit[alarm], trace["value"][alarm],
                                trace["expected"][alarm], strict=True)]
    return DetectorResult("ewma", name, {"lam": lam_, "L": ll, "window_hours": window_hours,
                                         "fixed_limits": float(mode == "fixed")},
                          trace, _alerts("ewma", name, trace, reasons, smoothed > 0))


def _event_counts(history: pd.DataFrame, metric: str) -> str | None:
    """The count column whose events mean *worse* for ``metric`` ("correct" counts the
    complement), or None when the history lacks complete counts."""
    count_col = _PROPORTION_METRICS.get(metric, ("", 1.0))[0]
    return count_col if count_col and _has_counts(history, count_col) else None


def bernoulli_cusum(history: pd.DataFrame, *, metric: str = "accuracy", shift: float = 0.03,
                    p1: float | None = None, h: float | None = None, arl0: float = 500.0,
                    window_hours: int = 1, scope: str = "today",
                    standardized: pd.DataFrame | None = None) -> DetectorResult:
    """Bernoulli CUSUM on counts (Reynolds & Stoumbos 1999) for a rate: accuracy (events
    are wrong answers) or error rate (events are errors). Per window of y events in n
    queries the chart adds y ln(p1/p0) + (n - y) ln((1 - p1)/(1 - p0)) and alarms above
    ``h``, restarting at 0. p0 is the pooled baseline event rate; p1 the event rate worth
    detecting: ``p1`` when given (as the metric's own value, e.g. accuracy 0.89), else
    p0 + ``shift`` (an accuracy drop or an error-rate rise of ``shift``). Without ``h``,
    h is set so that the in-control ARL is ``arl0`` windows at the baseline's mean
    queries per window (:func:`bernoulli_threshold`, a Brook-Evans Markov chain). It is
    one-sided: it watches for the worse direction only. Needs counts (``queries`` with
    ``correct`` or ``errors``) and 0 < p0 < 1; ``ValueError`` otherwise."""
    _check_history(history)
    name = require_choice("metric", metric, tuple(_PROPORTION_METRICS))
    count_col = _event_counts(history, name)
    if count_col is None:
        raise ValueError(f"the Bernoulli CUSUM on {name} needs 'queries' and "
                         f"'{_PROPORTION_METRICS[name][0]}' counts")
    w = require_int("window_hours", window_hours, low=1, high=24 * 365)
    target = require_float("arl0", arl0, low=1.0, high=1e7, low_open=True)
    base = _baseline_mask(history)
    queries = history["queries"].to_numpy(dtype=float)
    counts = history[count_col].to_numpy(dtype=float)
    events = counts if name == "error_rate" else queries - counts
    p0 = float(events[base].sum() / queries[base].sum())
    if not 0.0 < p0 < 1.0:
        raise ValueError(f"the Bernoulli CUSUM needs a baseline {name} strictly between 0 "
                         f"and 1 (it has an event rate of {p0:g})")
    if p1 is None:
        d = require_float("shift", shift, low=0.0, high=1.0, low_open=True)
        rate1 = p0 + d
    else:
        given = require_float("p1", p1, low=0.0, high=1.0, low_open=True, high_open=True)
        rate1 = given if name == "error_rate" else 1.0 - given
    if not p0 < rate1 < 1.0:
        raise ValueError(f"the {name} worth detecting must be worse than the baseline "
                         f"and leave an event rate below 1 (baseline event rate {p0:.4g}, "
                         f"asked {rate1:.4g})")
    std = standardize(history, name, window_hours=w, scope=scope) \
        if standardized is None else standardized
    n = std["n"].to_numpy(dtype=float)
    value = std["value"].to_numpy(dtype=float)
    y = np.rint(n * (value if name == "error_rate" else 1.0 - value))
    if h is None:
        per_window = max(int(np.rint(queries[base].sum() / base.sum() * w)), 1)
        hh = bernoulli_threshold(p0, rate1, per_window, arl0=target)
    else:
        hh = require_float("h", h, low=0.0, low_open=True)
    inc = bernoulli_cusum_increments(y, n, p0, rate1) if len(std) else np.zeros(0)
    stat = np.zeros(len(inc))
    alarm = np.zeros(len(inc), dtype=bool)
    total = 0.0
    for i, step in enumerate(inc.tolist()):
        total = max(0.0, total + step)
        stat[i] = total
        if total > hh:
            alarm[i] = True
            total = 0.0
    trace = _trace(std, increment=inc, statistic=stat, upper=hh, lower=np.nan, alarm=alarm)
    worse, _ = _direction_words(name)
    goal = rate1 if name == "error_rate" else 1.0 - rate1
    base_value = p0 if name == "error_rate" else 1.0 - p0
    reasons = [
        f"Bernoulli CUSUM of {METRIC_LABELS[name]} reached {s_:.2f} > h = {hh:.2f}: the "
        f"counts favour {_format_value(name, goal)} over the baseline "
        f"{_format_value(name, base_value)} ({worse}; now {_format_value(name, v)})"
        for s_, v in zip(stat[alarm], trace["value"][alarm], strict=True)]
    params = {"p0": p0, "p1": rate1, "h": hh, "arl0": target, "window_hours": w}
    return DetectorResult("bernoulli", name, params, trace,
                          _alerts("bernoulli", name, trace, reasons, np.ones(len(inc), bool)))


@dataclass(frozen=True)
class MonitorConfig:
    """Detector settings shared by every metric: window, alpha for the z-test, k and h for
    CUSUM, lam, L and the kind of limits for EWMA, one- or two-sided, the monitored
    scope, and whether (and for what change) to run the Bernoulli CUSUM on the rates."""

    window_hours: int = 1
    alpha: float = 0.01
    k: float = 0.5
    h: float = 4.0
    lam: float = 0.2
    L: float = 3.0
    two_sided: bool = False
    scope: str = "today"
    ewma_limits: str = "time-varying"
    #: Also run the Bernoulli CUSUM on accuracy and error rate (where counts exist).
    bernoulli: bool = False
    #: The accuracy drop and error-rate rise the Bernoulli CUSUM is tuned to detect.
    accuracy_shift: float = 0.03
    error_shift: float = 0.02
    #: In-control ARL (in windows) that sets the Bernoulli CUSUM's threshold.
    bernoulli_arl0: float = 500.0


def _config(config: MonitorConfig | None) -> MonitorConfig:
    if config is None:
        return MonitorConfig()
    if not isinstance(config, MonitorConfig):
        raise ValueError(f"config must be a MonitorConfig or None, got {type(config).__name__}")
    return config


def _run(history: pd.DataFrame, detector: str, metric: str, config: MonitorConfig,
         standardized: pd.DataFrame | None = None) -> DetectorResult:
    require_choice("detector", detector, DETECTORS)
    common = {"metric": metric, "window_hours": config.window_hours,
              "two_sided": config.two_sided, "scope": config.scope,
              "standardized": standardized}
    if detector == "proportion":
        return proportion_test(history, alpha=config.alpha, **common)  # type: ignore[arg-type]
    if detector == "cusum":
        return cusum(history, k=config.k, h=config.h, **common)  # type: ignore[arg-type]
    return ewma(history, lam=config.lam, L=config.L, limits=config.ewma_limits,
                **common)  # type: ignore[arg-type]


def latency_drift(history: pd.DataFrame, detector: str = "cusum",
                  config: MonitorConfig | None = None) -> DetectorResult:
    """Latency drift: ``detector`` ("proportion", "cusum" or "ewma") on hourly latency
    P95, standardized on the log scale against the baseline's daily and weekly profile."""
    return _run(history, detector, "latency_p95_ms", _config(config))


def cost_drift(history: pd.DataFrame, detector: str = "cusum",
               config: MonitorConfig | None = None) -> DetectorResult:
    """Cost drift: ``detector`` on the cost per query, on the log scale."""
    return _run(history, detector, "cost_per_query", _config(config))


def run_all(history: pd.DataFrame, config: MonitorConfig | None = None,
            metrics: tuple[str, ...] | None = None) -> dict[tuple[str, str], DetectorResult]:
    """Every detector on every available metric: {(detector, metric): result}.
    ``metrics`` (default: all of :data:`METRICS`) names the metrics to watch; those the
    history lacks are skipped, names outside :data:`METRICS` are an error. With
    ``config.bernoulli`` the Bernoulli CUSUM also runs on accuracy and error rate, where
    the history has counts and a baseline rate strictly between 0 and 1."""
    cfg = _config(config)
    _check_history(history)
    wanted = list(metrics) if metrics else list(METRICS)
    unknown = [m for m in wanted if not isinstance(m, str) or m not in METRICS]
    if unknown:
        raise ValueError(f"metrics has unknown metric {brief_repr(unknown[0])}; "
                         f"choose from {list(METRICS)}")
    names = [m for m in wanted if m in available_metrics(history)]
    std = {m: standardize(history, m, window_hours=cfg.window_hours, scope=cfg.scope)
           for m in names}
    out = {(d, m): _run(history, d, m, cfg, std[m]) for d in DETECTORS for m in names}
    if cfg.bernoulli:
        for m in names:
            if m not in _PROPORTION_METRICS or _event_counts(history, m) is None:
                continue
            shift = cfg.accuracy_shift if m == "accuracy" else cfg.error_shift
            try:
                out[("bernoulli", m)] = bernoulli_cusum(
                    history, metric=m, shift=shift, arl0=cfg.bernoulli_arl0,
                    window_hours=cfg.window_hours, scope=cfg.scope, standardized=std[m])
            except ValueError:  # a baseline rate of 0 or 1: no likelihood ratio exists
                continue
    return out


def alert_log(results: dict[tuple[str, str], DetectorResult]) -> pd.DataFrame:
    """All alerts of ``results`` in one table, in time order."""
    if not isinstance(results, Mapping) or not all(
            isinstance(r, DetectorResult) for r in results.values()):
        raise ValueError("results must be a mapping of DetectorResult (as run_all returns)")
    frames = [r.alerts for r in results.values() if len(r.alerts)]
    if not frames:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    return pd.concat(frames, ignore_index=True).sort_values(
        ["time", "metric", "detector"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# Recommendation


@dataclass(frozen=True)
class Recommendation:
    """Retrain, investigate or no action, with the evidence behind it."""

    action: str
    headline: str
    evidence: list[str] = field(default_factory=list)
    accuracy_change: float = 0.0
    change_low: float = 0.0
    change_high: float = 0.0
    cohens_h: float = 0.0
    hours_affected: int = 0
    agreeing_detectors: tuple[str, ...] = ()
    other_metrics: tuple[str, ...] = ()


def recommend(alerts: pd.DataFrame, history: pd.DataFrame, *, min_hours: int = 3,
              min_drop: float = 0.01) -> Recommendation:
    """Turn alerts into advice.

    The accuracy change is measured from the first accuracy alert today (or over all of
    today without one) against the baseline, with a Newcombe interval for the difference of
    two proportions and Cohen's h as effect size (statsmodels). **Retrain** when at least
    two detectors flag lower accuracy, the drop has lasted ``min_hours`` and its interval
    lies wholly below zero by at least ``min_drop``; **investigate** on any other alert;
    otherwise **no action**.
    """
    _check_history(history)
    if not isinstance(alerts, pd.DataFrame) or not set(ALERT_COLUMNS) <= set(alerts.columns):
        raise ValueError(f"alerts must be a DataFrame with columns {ALERT_COLUMNS}")
    require_int("min_hours", min_hours, low=0)
    require_float("min_drop", min_drop, low=0.0, high=1.0)
    counted = _require_accuracy(history)
    today = history[history["period"] != "baseline"]
    base = history[history["period"] == "baseline"]
    acc_alerts = alerts[(alerts["metric"] == "accuracy")
                        & (alerts["time"] >= today["timestamp"].iloc[0])]
    drop_alerts = acc_alerts[acc_alerts["direction"] == "worse"]
    detectors = tuple(sorted(set(drop_alerts["detector"])))
    since = pd.Timestamp(drop_alerts["time"].min()) if len(drop_alerts) else \
        pd.Timestamp(today["timestamp"].iloc[0])
    window = today[today["timestamp"] >= since - pd.Timedelta(hours=1)] if len(drop_alerts) \
        else today
    hours = len(window)
    if counted:
        x1, n1 = int(window["correct"].sum()), int(window["queries"].sum())
        x0, n0 = int(base["correct"].sum()), int(base["queries"].sum())
        p1, p0 = x1 / n1, x0 / n0
        low, high = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb")
        effect = float(proportion_effectsize(p1, p0))
    else:
        a1 = window["accuracy"].to_numpy(dtype=float)
        a0 = base["accuracy"].to_numpy(dtype=float)
        p1, p0 = float(a1.mean()), float(a0.mean())
        test = stats.ttest_ind(a1, a0, equal_var=False) if len(a1) > 1 else None
        if test is not None:
            ci = test.confidence_interval()
            low, high = float(ci.low), float(ci.high)
        else:
            low, high = float("-inf"), float("inf")
        effect = float(proportion_effectsize(min(max(p1, 0), 1), min(max(p0, 0), 1)))
    change = p1 - p0
    others = tuple(sorted({METRIC_LABELS.get(m, m) for m in alerts["metric"]
                           if m != "accuracy"}))
    evidence = [
        f"Accuracy {p1:.1%} {'since the first alert' if len(drop_alerts) else 'today'} "
        f"({hours} h) vs {p0:.1%} baseline: {change * 100:+.2f} points, 95% interval "
        f"{low * 100:+.2f} to {high * 100:+.2f} points (Newcombe), Cohen's h {effect:+.3f}.",
    ]
    if detectors:
        evidence.append(f"Detectors flagging lower accuracy: "
                        f"{', '.join(DETECTOR_LABELS[d] for d in detectors)} "
                        f"({len(drop_alerts)} alerts, first at {since:%H:%M}).")
    else:
        evidence.append("No detector flagged lower accuracy today.")
    if others:
        evidence.append(f"Other metrics with alerts: {', '.join(others)}.")
    retrain = (len(detectors) >= 2 and hours >= min_hours and high < -min_drop)
    if retrain:
        action = "retrain"
        headline = (f"Retrain: accuracy is down {-change * 100:.1f} points for {hours} h and "
                    f"{len(detectors)} detectors agree.")
    elif len(alerts):
        action = "investigate"
        headline = ("Investigate: some detectors fired, but the evidence is not yet strong "
                    "or lasting enough to retrain.")
    else:
        action = "no action"
        headline = "No action: nothing has moved beyond what the baseline's noise explains."
    return Recommendation(action, headline, evidence, change, float(low), float(high), effect,
                          hours, detectors, others)


# ---------------------------------------------------------------------------------------
# Live view


@dataclass(frozen=True)
class LiveFrame:
    """Today so far: hours seen, the history up to now, the alerts and the advice."""

    hours_seen: int
    history: pd.DataFrame
    alerts: pd.DataFrame
    recommendation: Recommendation


def iter_live(history: pd.DataFrame, config: MonitorConfig | None = None, *,
              step_hours: int = 1) -> Iterator[LiveFrame]:
    """Replay today hour by hour: after each ``step_hours`` of today arrive, rerun every
    detector on the baseline plus today so far and yield the cumulative state."""
    _check_history(history)
    step = require_int("step_hours", step_hours, low=1, high=24)
    cfg = _config(config)
    base = int((history["period"] == "baseline").sum())
    total = len(history) - base
    seen = 0
    while seen < total:
        seen = min(seen + step, total)
        partial = history.iloc[: base + seen]
        results = run_all(partial, cfg)
        alerts = alert_log(results)
        yield LiveFrame(seen, partial, alerts, recommend(alerts, partial))


# ---------------------------------------------------------------------------------------
# Per-request logs

#: Columns :func:`aggregate_requests` reads from a per-request frame (all but timestamp
#: optional): correct (0/1) or score (0-1), latency in ms, cost in USD, error (0/1).
REQUEST_COLUMNS = ("timestamp", "correct", "score", "latency_ms", "cost_usd", "error")


def aggregate_requests(frame: pd.DataFrame, window: str = "1h", *,
                       today_windows: int = 24) -> pd.DataFrame:
    """Aggregate a per-request log to the windowed history the detectors take.

    Requests are grouped by their timestamp floored to ``window`` (a pandas frequency,
    e.g. "1h"); windows without requests are left out. Per window: ``queries`` (requests),
    ``correct`` (sum of the 0/1 ``correct`` column; a request without a grade, e.g. one
    that failed, counts as not correct) and ``accuracy``, or with only a ``score`` column
    the mean score as accuracy (no counts); ``latency_p50_ms`` and ``latency_p95_ms``
    (sample quantiles, linear interpolation); ``cost_usd`` and ``cost_per_query``;
    ``errors`` and ``error_rate``. The last ``today_windows`` windows are "today", the
    earlier ones the baseline. ``ValueError`` naming the problem when the frame lacks a
    datetime ``timestamp``, any outcome column, or enough windows."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError("frame must be a pandas DataFrame")
    if "timestamp" not in frame.columns or not pd.api.types.is_datetime64_any_dtype(
            frame["timestamp"]) or frame["timestamp"].isna().any():
        raise ValueError("frame needs a complete datetime 'timestamp' column")
    today = require_int("today_windows", today_windows, low=1, high=100_000)
    try:
        step = pd.Timedelta(str(window))
    except (TypeError, ValueError):
        raise ValueError(f"window must be a pandas frequency such as '1h', got "
                         f"{brief_repr(window)}") from None
    if step < pd.Timedelta(minutes=1):
        raise ValueError(f"window must be at least one minute, got {brief_repr(window)}")
    outcome = [c for c in ("correct", "score", "latency_ms", "cost_usd", "error")
               if c in frame.columns]
    if not outcome:
        raise ValueError("frame needs at least one of the columns correct, score, "
                         "latency_ms, cost_usd or error")
    stamps = frame["timestamp"]
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    keys = stamps.dt.floor(step)
    groups = frame.assign(_w=keys.to_numpy()).groupby("_w", sort=True)
    out = pd.DataFrame({"timestamp": groups.size().index.to_numpy()})
    out["queries"] = groups.size().to_numpy()
    if "correct" in frame.columns:
        out["correct"] = groups["correct"].apply(
            lambda c: float(np.nansum(c.to_numpy(dtype=float)))).to_numpy()
        out["accuracy"] = out["correct"] / out["queries"]
    elif "score" in frame.columns:
        out["accuracy"] = groups["score"].mean().to_numpy(dtype=float)
    if "latency_ms" in frame.columns:
        out["latency_p50_ms"] = groups["latency_ms"].quantile(0.5).to_numpy(dtype=float)
        out["latency_p95_ms"] = groups["latency_ms"].quantile(0.95).to_numpy(dtype=float)
    if "cost_usd" in frame.columns:
        out["cost_usd"] = groups["cost_usd"].sum().to_numpy(dtype=float)
        out["cost_per_query"] = out["cost_usd"] / out["queries"]
    if "error" in frame.columns:
        out["errors"] = groups["error"].sum().to_numpy(dtype=float)
        out["error_rate"] = out["errors"] / out["queries"]
    if len(out) < today + 2:
        raise ValueError(f"the log fills {len(out)} windows of {window}; it needs at least "
                         f"{today + 2}: 2 or more for the baseline and {today} to monitor")
    out["period"] = np.where(np.arange(len(out)) < len(out) - today, "baseline", "today")
    out["hour"] = pd.DatetimeIndex(out["timestamp"]).hour
    return out
