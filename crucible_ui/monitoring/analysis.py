"""The Production Monitoring page's computed results, cached per source and setting: the
simulated history, every detector on the chosen metrics with the alert log and advice,
the charts' Vega-Lite specs and the downloadable hourly data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crucible_scenarios.monitoring import (
    METRIC_LABELS,
    Degradation,
    MonitorConfig,
    alert_log,
    baseline_band,
    baseline_wilson,
    generate_history,
    recommend,
    run_all,
)
from crucible_ui.charts import vega_spec
from crucible_ui.monitoring import upload as sources
from crucible_ui.monitoring.charts import monitoring_chart, series_frame, statistic_chart
from crucible_ui.text import csv_safe

QUERIES_PER_HOUR = 400


@st.cache_data(max_entries=32, show_spinner=False)
def cached_history(seed: int, kind: str, metric: str, size: float, start: int) -> pd.DataFrame:
    """The simulated 30-day history plus today for these settings."""
    degradation = None
    if kind != "none":
        if metric == "accuracy":
            new = max(0.92 - size / 100, 0.0)
        elif metric == "error_rate":
            new = min(0.01 + size / 100, 1.0)
        else:
            new = 1.0 + size / 100
        degradation = Degradation(new, start_hour=start, kind=kind, metric=metric)
    return generate_history(30, queries_per_hour=QUERIES_PER_HOUR, degradation=degradation,
                            seed=seed)


def analyze(history: pd.DataFrame, config: MonitorConfig,
            metrics: tuple[str, ...]) -> dict[str, Any]:
    """Every detector on the chosen metrics, the alert log, the advice, the baseline band
    and the main chart's Vega-Lite spec."""
    results = run_all(history, config, metrics)
    alerts = alert_log(results)
    series = series_frame(history, baseline_band(history))
    base = history[history["period"] == "baseline"]
    if "correct" in history.columns and history["correct"].notna().all():
        p0 = float(base["correct"].sum() / base["queries"].sum())
        hour_sd = float(np.sqrt(p0 * (1 - p0) / base["queries"].mean()))
    else:
        hour_sd = float(base["accuracy"].std(ddof=1))
    queries = base["queries"].mean() if "queries" in base else float("nan")
    return {"results": results, "alerts": alerts, "advice": recommend(alerts, history),
            "wilson": baseline_wilson(history), "hour_sd": hour_sd,
            "queries_per_hour": float(queries),
            "chart": vega_spec(monitoring_chart(series, alerts))}


def load_history(source: tuple[Any, ...]) -> pd.DataFrame:
    """The history a source key names: ("sim", seed, kind, metric, size, start), ("upload",
    bytes) or ("requests", bytes, name)."""
    return sources.load_history(source, cached_history)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_analysis(source: tuple[Any, ...], config: MonitorConfig,
                    metrics: tuple[str, ...]) -> dict[str, Any]:
    """:func:`analyze` for one source and setting, cached."""
    return analyze(load_history(source), config, metrics)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_stat_spec(source: tuple[Any, ...], config: MonitorConfig, metrics: tuple[str, ...],
                     detector: str, metric: str) -> dict[str, Any] | None:
    """The Vega-Lite spec of one detector's statistic chart, cached."""
    result = cached_analysis(source, config, metrics)["results"].get((detector, metric))
    if result is None or result.trace.empty:
        return None
    return vega_spec(statistic_chart(result.trace, detector=detector,
                                     metric_label=METRIC_LABELS[metric]))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_history_exports(source: tuple[Any, ...]) -> tuple[bytes, str]:
    """The hourly data as formula-safe CSV bytes and JSON text, built once per source."""
    history = load_history(source)
    csv = csv_safe(history).to_csv(index=False).encode("utf-8")
    return csv, history.to_json(orient="records", date_format="iso", indent=2)


