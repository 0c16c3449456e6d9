"""Every detector on every metric at once (:func:`run_all`), the alert log, the advice that
turns alerts into retrain / investigate / no action, and the live replay of today hour
by hour."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
)

from crucible_scenarios.monitoring.detectors import (
    ALERT_COLUMNS,
    DETECTOR_LABELS,
    DETECTORS,
    DetectorResult,
    bernoulli_cusum,
    cusum,
    ewma,
    proportion_test,
    standardize,
)
from crucible_scenarios.monitoring.metrics import (
    METRIC_LABELS,
    METRICS,
    PROPORTION_METRICS,
    available_metrics,
    check_history,
    event_counts,
    require_accuracy,
)
from crucible_scenarios.validation import (
    brief_repr,
    require_choice,
    require_float,
    require_int,
)


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
    check_history(history)
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
            if m not in PROPORTION_METRICS or event_counts(history, m) is None:
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
    check_history(history)
    if not isinstance(alerts, pd.DataFrame) or not set(ALERT_COLUMNS) <= set(alerts.columns):
        raise ValueError(f"alerts must be a DataFrame with columns {ALERT_COLUMNS}")
    require_int("min_hours", min_hours, low=0)
    require_float("min_drop", min_drop, low=0.0, high=1.0)
    counted = require_accuracy(history)
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
    check_history(history)
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
