"""Production Monitoring: is today's accuracy drop noise or a real degradation? A 30-day
baseline, detectors with known false-alarm rates, alerts and retraining advice."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crucible_scenarios.monitoring import (
    DETECTOR_LABELS,
    METRIC_LABELS,
    Degradation,
    LiveFrame,
    MonitorConfig,
    alert_log,
    baseline_band,
    baseline_wilson,
    generate_history,
    iter_live,
    recommend,
    run_all,
)
from crucible_ui.charts import vega_spec
from crucible_ui.layout import guarded, page_intro
from crucible_ui.live import run_live
from crucible_ui.monitoring import upload as sources
from crucible_ui.monitoring.views import (
    draw_view,
    expected_rates,
    latest_window_panel,
    recommendation_card,
)
from crucible_ui.monitoring_charts import monitoring_chart, series_frame, statistic_chart
from crucible_ui.text import csv_safe
from crucible_ui.widgets import download_buttons, playback_speed_control

TITLE = "Production Monitoring"
QUESTION = "Has accuracy really dropped, or is today just a noisy day?"
EXPLANATION = (
    "A model has answered a steady stream of queries for 30 days at about 92% accuracy; "
    "today the hourly numbers look lower. Every hour's accuracy wobbles by chance (a few "
    "hundred queries give roughly +/-3 points), so a low hour alone proves little. The "
    "detectors below compare each hour (or window of hours) with the baseline in standard "
    "units: a **z-test** judges each window on its own, **CUSUM** adds up small shortfalls "
    "until they pass a threshold, **EWMA** follows a smoothed average, and the **Bernoulli "
    "CUSUM** works on the counts themselves (wrong answers out of queries), the detector made "
    "for a rate: it needs no normal approximation, so it stays exact at low traffic and "
    "rare errors. Each setting has a "
    "known false-alarm rate (how often it fires when nothing changed) and detection delay "
    "(how fast it catches a real drop), shown beside the controls, so you can pick the "
    "trade-off before an alert wakes anyone up."
)
KIND_LABELS = {"none": "None", "abrupt": "Abrupt", "gradual": "Gradual"}
DEGRADED = {"accuracy": "Accuracy", "latency": "Latency", "cost": "Cost",
            "error_rate": "Error rate"}
SIZE_UNITS = {"accuracy": "accuracy points lost", "latency": "% slower",
              "cost": "% more expensive", "error_rate": "error-rate points gained"}
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


def _scenario_controls(uploaded: bool) -> dict[str, Any]:
    st.markdown("**What happens today**")
    if uploaded:
        st.caption("Your file is monitored as it is: only the degradation size applies, as "
                   "the drop whose detection delay is shown.")
    kind = st.segmented_control("Degradation", list(KIND_LABELS), default="abrupt",
                                format_func=KIND_LABELS.__getitem__, key="kind", required=True,
                                bind="query-params", disabled=uploaded,
                                help="Abrupt: the change happens at once. Gradual: it ramps "
                                     "in over 12 hours. None: a normal day.")
    metric = st.selectbox("Degraded metric", list(DEGRADED), format_func=DEGRADED.__getitem__,
                          key="what", bind="query-params",
                          disabled=kind == "none" or uploaded)
    size = st.slider("Degradation size", 0, 50, 3, key="size", bind="query-params",
                     disabled=kind == "none" and not uploaded,
                     help="In accuracy or error-rate points, or in % for latency and cost.")
    st.caption(f"{size} {SIZE_UNITS[metric]} from the start hour on.")
    start = st.slider("Start hour today", 0, 23, 8, key="start", bind="query-params",
                      disabled=kind == "none" or uploaded, format="%d:00")
    return {"kind": kind or "abrupt", "metric": metric, "size": float(size), "start": int(start)}


def _detector_controls() -> tuple[str, MonitorConfig, tuple[str, ...]]:
    st.markdown("**How we watch**")
    detector = st.segmented_control("Detector", list(DETECTOR_LABELS), default="cusum",
                                    format_func=DETECTOR_LABELS.__getitem__, key="det",
                                    required=True, bind="query-params")
    window = st.pills("Window (hours per observation)", [1, 6, 24], default=1, key="win",
                      required=True, bind="query-params",
                      help="Each observation pools this many hours of queries.")
    det = detector or "cusum"
    two_sided = st.toggle("Also alert on improvements (two-sided)", value=False, key="both",
                          bind="query-params",
                          help="The Bernoulli CUSUM always watches only for worse accuracy; "
                               "this applies to the other detectors.")
    left, right = st.columns(2)
    alpha, k, h, lam, big_l = 0.01, 0.5, 4.0, 0.2, 3.0
    limits, drop_p1, arl0 = "time-varying", 3.0, 500.0
    if det == "proportion":
        alpha = left.select_slider("alpha (false alarms per window)",
                                   [0.001, 0.005, 0.01, 0.02, 0.05, 0.1], value=0.01,
                                   key="alpha", bind="query-params")
    elif det == "cusum":
        k = left.slider("k (reference, sd)", 0.25, 1.5, 0.5, 0.05, key="k",
                        bind="query-params", help="Shifts smaller than k are ignored; "
                        "set k to half the shift you care about.")
        h = right.slider("h (decision interval, sd)", 1.0, 8.0, 4.0, 0.5, key="h",
                         bind="query-params", help="Alarm when the sum passes h.")
    elif det == "ewma":
        lam = left.slider("lambda (weight of the newest)", 0.05, 1.0, 0.2, 0.05, key="lam",
                          bind="query-params")
        big_l = right.slider("L (limit width, sd)", 2.0, 4.0, 3.0, 0.1, key="L",
                             bind="query-params")
        limits = st.radio("EWMA limits", ["time-varying", "fixed"], key="limits",
                          horizontal=True, bind="query-params",
                          format_func={"time-varying": "Time-varying (exact)",
                                       "fixed": "Fixed (asymptotic)"}.__getitem__,
                          help="Time-varying limits start narrow and widen to the fixed "
                               "ones, so early false alarms are likelier with them.")
    if det == "bernoulli":
        drop_p1 = left.slider("Accuracy drop worth detecting (points)", 0.5, 10.0, 3.0, 0.5,
                              key="p1", bind="query-params",
                              help="p1: the error rate the chart is tuned to, the baseline "
                                   "error rate plus this many points.")
        arl0 = right.select_slider("Windows between false alarms (target)",
                                   [100, 200, 500, 1000, 2000, 5000], value=500, key="arl0",
                                   bind="query-params",
                                   help="Sets the threshold h so the in-control average "
                                        "run length is this many windows.")
    metrics = st.multiselect("Alert on", list(METRIC_LABELS), default=list(METRIC_LABELS),
                             format_func=METRIC_LABELS.__getitem__, key="on",
                             bind="query-params",
                             help="Metrics whose alerts enter the log and the advice.")
    scope = st.radio("Monitor", ["today", "all"], key="scope", horizontal=True,
                     bind="query-params",
                     format_func={"today": "Today only", "all": "All 31 days"}.__getitem__,
                     help="All 31 days also runs the detectors over the baseline, "
                          "showing its false alarms.")
    config = MonitorConfig(window_hours=int(window or 1), alpha=float(alpha), k=float(k),
                           h=float(h), lam=float(lam), L=float(big_l),
                           two_sided=bool(two_sided), scope=scope or "today",
                           ewma_limits=limits or "time-varying", bernoulli=True,
                           accuracy_shift=float(drop_p1) / 100,
                           bernoulli_arl0=float(arl0))
    return det, config, tuple(metrics or ("accuracy",))


@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    uploaded, seed = sources.data_source()
    left, right = st.columns(2, gap="large")
    with left:
        scenario = _scenario_controls(uploaded is not None)
    with right:
        detector, config, metrics = _detector_controls()
    if uploaded is not None:
        source: tuple[Any, ...] = uploaded
        sources.describe_source(source, load_history(source))
    else:
        source = ("sim", seed, scenario["kind"], scenario["metric"], scenario["size"],
                  scenario["start"])
    analysis = cached_analysis(source, config, metrics)
    as_drop = uploaded is not None or scenario["metric"] == "accuracy"
    drop = scenario["size"] if as_drop and scenario["size"] > 0 else 3.0
    history = load_history(source)
    shown = len(history) if config.scope == "all" else int(
        (history["period"] != "baseline").sum())
    expected_rates(detector, config, analysis, drop, shown)
    chart_metric = "accuracy" if "accuracy" in metrics else metrics[0]

    st.subheader("Today against the baseline")
    live = st.toggle("Live mode: stream today hour by hour", value=False, key="live",
                     help="Replays today: each hour arrives and every detector updates.")
    view = st.empty()
    card = st.empty()
    if live:
        speed = playback_speed_control(key="speed")
        if st.button("Start live replay", key="go", icon=":material/play_arrow:"):
            def draw(frame: LiveFrame) -> None:
                partial = analyze(frame.history, config, metrics)
                result = partial["results"].get((detector, chart_metric))
                spec = None if result is None or result.trace.empty else vega_spec(
                    statistic_chart(result.trace, detector=detector,
                                    metric_label=METRIC_LABELS[chart_metric]))
                draw_view(view, partial, spec, detector)
                with card.container():
                    st.caption(f"{frame.hours_seen} of 24 hours of today seen, "
                               f"{len(frame.alerts)} alerts so far.")
                    recommendation_card(frame.recommendation)

            run_live(iter_live(history, config), draw,
                     progress=lambda f: f.hours_seen / 24, speed=speed,
                     key="monitoring_live", batch_seconds=lambda f: 1.0,
                     label="Streaming today")
            return
        st.caption("Press Start to stream today; the full day is shown meanwhile.")
    draw_view(view, analysis,
              cached_stat_spec(source, config, metrics, detector, chart_metric), detector)
    with card.container():
        recommendation_card(analysis["advice"])

    latest_window_panel(analysis, detector, metrics)

    st.subheader("Alert log")
    alerts = analysis["alerts"]
    if alerts.empty:
        st.caption("No alerts for these settings.")
    else:
        st.dataframe(alerts, hide_index=True, width="stretch",
                     column_config={"statistic": st.column_config.NumberColumn(format="%.2f"),
                                    "threshold": st.column_config.NumberColumn(format="%.2f")})
    download_buttons(alerts, "alert_log", key="alerts", label="alert log")
    csv, json_text = cached_history_exports(source)
    left, right = st.columns(2)
    left.download_button("Download hourly data (CSV)", csv, file_name="monitoring_history.csv",
                         mime="text/csv", key="history_csv", icon=":material/download:",
                         on_click="ignore", width="stretch")
    right.download_button("Download hourly data (JSON)", json_text,
                          file_name="monitoring_history.json", mime="application/json",
                          key="history_json", icon=":material/download:", on_click="ignore",
                          width="stretch")


main()
