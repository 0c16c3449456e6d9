"""Detectors of a degraded metric on an hourly history, each in standard units against the
baseline: the two-proportion z-test per window (with the baseline's Wilson band), the
tabular CUSUM (Page 1954), the EWMA chart with exact time-varying limits (Roberts 1959;
Montgomery) and the Bernoulli CUSUM on the counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal, stats
from statsmodels.stats.proportion import (
    proportion_confint,
)

from crucible_scenarios.monitoring.arl import EWMA_LIMITS, ewma_limit_factor
from crucible_scenarios.monitoring.bernoulli import bernoulli_cusum_increments, bernoulli_threshold
from crucible_scenarios.monitoring.metrics import (
    METRIC_LABELS,
    PROPORTION_METRICS,
    available_metrics,
    baseline_mask,
    check_history,
    counts_present,
    event_counts,
    numeric_column,
    require_accuracy,
)
from crucible_scenarios.validation import (
    require_choice,
    require_float,
    require_int,
)

DETECTORS = ("proportion", "cusum", "ewma")
#: Detectors on counts, run on the rates (accuracy, error rate) when the history has them.
RATE_DETECTORS = ("bernoulli",)
DETECTOR_LABELS = {"proportion": "proportion z-test", "cusum": "CUSUM", "ewma": "EWMA",
                   "bernoulli": "Bernoulli CUSUM"}
WINDOWS = (1, 6, 24)
SCOPES = ("today", "all")
ALERT_COLUMNS = ["time", "detector", "metric", "direction", "statistic", "threshold",
                 "reason"]




# ---------------------------------------------------------------------------------------
# Standardization


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
    check_history(history)
    name = require_choice("metric", metric, available_metrics(history))
    w = require_int("window_hours", window_hours, low=1, high=24 * 365)
    require_choice("scope", scope, SCOPES)
    baseline = baseline_mask(history)
    monitored = np.ones(len(history), dtype=bool) if scope == "all" else ~baseline
    rows = np.flatnonzero(monitored)
    n_windows = len(rows) // w if len(rows) >= w else 0
    if n_windows == 0:
        return pd.DataFrame(columns=["time", "start", "n", "value", "expected", "z",
                                     "z_bad"])
    idx = rows[: n_windows * w].reshape(n_windows, w)
    counted_queries = numeric_column(history, "queries")
    queries = (counted_queries if counted_queries is not None
               and not np.isnan(counted_queries).any() else np.ones(len(history)))
    n = queries[idx].sum(axis=1)
    count_col, sign = PROPORTION_METRICS.get(name, ("", 1.0))
    counted = bool(count_col) and counts_present(history, count_col)
    values = history[name].to_numpy(dtype=float)
    if counted:
        counts = history[count_col].to_numpy(dtype=float)
        p0 = counts[baseline].sum() / queries[baseline].sum()
        value = counts[idx].sum(axis=1) / n
        expected = np.full(n_windows, p0)
        se = np.sqrt(p0 * (1 - p0) / n)
        z = (value - p0) / np.where(se > 0, se, np.nan)
    elif name in PROPORTION_METRICS:
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
    check_history(history)
    conf = require_float("confidence", confidence, low=0.5, high=1.0, high_open=True)
    counted = require_accuracy(history)
    base = baseline_mask(history)
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
    check_history(history)
    a = require_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    counted = require_accuracy(history)
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
    count_col, sign = PROPORTION_METRICS.get(name, ("", 1.0))
    counted = bool(count_col) and counts_present(history, count_col)
    z_bad = std["z_bad"].to_numpy(dtype=float)
    if counted and len(std):
        base = baseline_mask(history)
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
    check_history(history)
    name = require_choice("metric", metric, tuple(PROPORTION_METRICS))
    count_col = event_counts(history, name)
    if count_col is None:
        raise ValueError(f"the Bernoulli CUSUM on {name} needs 'queries' and "
                         f"'{PROPORTION_METRICS[name][0]}' counts")
    w = require_int("window_hours", window_hours, low=1, high=24 * 365)
    target = require_float("arl0", arl0, low=1.0, high=1e7, low_open=True)
    base = baseline_mask(history)
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
