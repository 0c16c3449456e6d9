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
    average_run_length,
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
from crucible_ui.monitoring_charts import monitoring_chart, series_frame, statistic_chart
from crucible_ui.monitoring_upload import FORMAT_HELP, parse_monitoring_csv
from crucible_ui.text import csv_safe, escape_markdown
from crucible_ui.uploads import UploadError
from crucible_ui.widgets import (
    download_buttons,
    metric_card,
    playback_speed_control,
    seed_control,
)

TITLE = "Production Monitoring"
QUESTION = "Has accuracy really dropped, or is today just a noisy day?"
EXPLANATION = (
    "A model has answered a steady stream of queries for 30 days at about 92% accuracy; "
    "today the hourly numbers look lower. Every hour's accuracy wobbles by chance (a few "
    "hundred queries give roughly +/-3 points), so a low hour alone proves little. The "
    "detectors below compare each hour (or window of hours) with the baseline in standard "
    "units: a **z-test** judges each window on its own, **CUSUM** adds up small shortfalls "
    "until they pass a threshold, **EWMA** follows a smoothed average. Each setting has a "
    "known false-alarm rate (how often it fires when nothing changed) and detection delay "
    "(how fast it catches a real drop), shown beside the controls, so you can pick the "
    "trade-off before an alert wakes anyone up."
)
KIND_LABELS = {"none": "None", "abrupt": "Abrupt", "gradual": "Gradual"}
DEGRADED = {"accuracy": "Accuracy", "latency": "Latency", "cost": "Cost",
            "error_rate": "Error rate"}
SIZE_UNITS = {"accuracy": "accuracy points lost", "latency": "% slower",
              "cost": "% more expensive", "error_rate": "error-rate points gained"}
ARL_SIMS = 500
ARL_MAX_WINDOWS = 10_000
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


@st.cache_data(max_entries=32, show_spinner=False)
def cached_upload(data: bytes) -> pd.DataFrame:
    """An uploaded CSV parsed into a history (raises UploadError)."""
    return parse_monitoring_csv(data)


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
    return {"results": results, "alerts": alerts, "advice": recommend(alerts, history),
            "wilson": baseline_wilson(history), "hour_sd": hour_sd,
            "chart": vega_spec(monitoring_chart(series, alerts))}


def load_history(source: tuple[Any, ...]) -> pd.DataFrame:
    """The history a source key names: ("sim", seed, kind, metric, size, start) or
    ("upload", bytes)."""
    if source[0] == "upload":
        return cached_upload(source[1])
    return cached_history(*source[1:])


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


@st.cache_data(max_entries=128, show_spinner=False)
def cached_arl(detector: str, shift: float, two_sided: bool, params: tuple[float, ...],
               max_steps: int) -> tuple[float, bool]:
    """Simulated ARL (in windows) and whether it is only a lower bound."""
    names = {"cusum": ("k", "h"), "ewma": ("lam", "L"), "proportion": ("alpha",)}[detector]
    result = average_run_length(detector, shift, ARL_SIMS, 7, two_sided=two_sided,
                                max_steps=max_steps, **dict(zip(names, params, strict=True)))
    return result.arl, result.is_lower_bound


def _hours(value: float, lower_bound: bool) -> str:
    text = f"{value:,.0f} h" if value >= 10 else f"{value:,.1f} h"
    if value >= 48:
        text += f" ({value / 24:,.1f} days)"
    return ("more than " if lower_bound else "") + text


def _scenario_controls() -> dict[str, Any]:
    st.markdown("**What happens today**")
    kind = st.segmented_control("Degradation", list(KIND_LABELS), default="abrupt",
                                format_func=KIND_LABELS.__getitem__, key="kind", required=True,
                                bind="query-params",
                                help="Abrupt: the change happens at once. Gradual: it ramps "
                                     "in over 12 hours. None: a normal day.")
    metric = st.selectbox("Degraded metric", list(DEGRADED), format_func=DEGRADED.__getitem__,
                          key="what", bind="query-params", disabled=kind == "none")
    size = st.slider("Degradation size", 0, 50, 3, key="size", bind="query-params",
                     disabled=kind == "none",
                     help="In accuracy or error-rate points, or in % for latency and cost.")
    st.caption(f"{size} {SIZE_UNITS[metric]} from the start hour on.")
    start = st.slider("Start hour today", 0, 23, 8, key="start", bind="query-params",
                      disabled=kind == "none", format="%d:00")
    return {"kind": kind or "abrupt", "metric": metric, "size": float(size), "start": int(start)}


def _detector_controls() -> tuple[str, MonitorConfig, tuple[str, ...]]:
    st.markdown("**How we watch**")
    detector = st.segmented_control("Detector", list(DETECTOR_LABELS), default="cusum",
                                    format_func=DETECTOR_LABELS.__getitem__, key="det",
                                    required=True, bind="query-params")
    window = st.pills("Window (hours per observation)", [1, 6, 24], default=1, key="win",
                      required=True, bind="query-params",
                      help="Each observation pools this many hours of queries.")
    two_sided = st.toggle("Also alert on improvements (two-sided)", value=False, key="both",
                          bind="query-params")
    det = detector or "cusum"
    left, right = st.columns(2)
    alpha, k, h, lam, big_l = 0.01, 0.5, 4.0, 0.2, 3.0
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
    else:
        lam = left.slider("lambda (weight of the newest)", 0.05, 1.0, 0.2, 0.05, key="lam",
                          bind="query-params")
        big_l = right.slider("L (limit width, sd)", 2.0, 4.0, 3.0, 0.1, key="L",
                             bind="query-params")
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
                           two_sided=bool(two_sided), scope=scope or "today")
    return det, config, tuple(metrics or ("accuracy",))


def _expected_rates(detector: str, config: MonitorConfig, hour_sd: float,
                    drop_points: float) -> None:
    """False-alarm spacing and detection delay of the current setting, from the ARL."""
    params = {"cusum": (config.k, config.h), "ewma": (config.lam, config.L),
              "proportion": (config.alpha,)}[detector]
    w = config.window_hours
    sd = hour_sd / np.sqrt(w)
    shift = drop_points / 100 / sd if sd > 0 else 0.0
    cap = ARL_MAX_WINDOWS
    with st.spinner("Simulating run lengths…"):
        arl0, bound0 = cached_arl(detector, 0.0, config.two_sided, params, cap)
        arl1, bound1 = cached_arl(detector, round(shift, 3), config.two_sided, params, cap)
    left, right = st.columns(2)
    with left:
        metric_card("False alarm about every", _hours(arl0 * w, bound0),
                    help=f"In-control average run length of {DETECTOR_LABELS[detector]} "
                         f"({ARL_SIMS:,} simulated runs on standard normal data) times the "
                         f"{w} h window.")
    with right:
        metric_card(f"Detects a {drop_points:g}-point drop in about",
                    _hours(arl1 * w, bound1),
                    help=f"Average run length after a shift of {shift:.2f} standard errors "
                         f"of a {w} h window's accuracy (the drop divided by "
                         f"sqrt(p(1-p)/n)).")
    st.caption("Both figures come from simulating the detector on data with a known "
               "answer: how long it stays silent when nothing changed, and how long it takes "
               "to fire after the drop. Tighter thresholds fire sooner and more falsely.")


def _recommendation_card(advice: Any) -> None:
    with st.container(border=True):
        st.markdown("**Retraining recommendation**")
        show = {"retrain": st.error, "investigate": st.warning,
                "no action": st.success}[advice.action]
        show(advice.headline, icon=":material/model_training:")
        for line in advice.evidence:
            st.markdown(f"- {escape_markdown(line)}")


def _test_panel(analysis: dict[str, Any], detector: str, metrics: tuple[str, ...]) -> None:
    results = analysis["results"]
    acc = results.get(("proportion", "accuracy"))
    st.subheader("Statistical test of the latest window")
    if acc is None or acc.trace.empty:
        st.info("No complete window to test yet: choose a shorter window or add accuracy to "
                "the monitored metrics.")
    else:
        row = acc.trace.iloc[-1]
        p_base, low, high = analysis["wilson"]
        cols = st.columns(4)
        cols[0].metric("Window accuracy", f"{row['value']:.2%}",
                       delta=f"{(row['value'] - row['expected']) * 100:+.2f} pts",
                       help=f"{row['n']:,.0f} queries in the window ending "
                            f"{pd.Timestamp(row['time']):%a %H:%M}.")
        cols[1].metric("Baseline accuracy", f"{p_base:.2%}",
                       help=f"Pooled over the baseline; 95% Wilson interval {low:.2%} to "
                            f"{high:.2%}.")
        cols[2].metric("z (worse is positive)", f"{row['statistic']:+.2f}",
                       help="Two-proportion z-test of the window against the baseline.")
        cols[3].metric("p-value", f"{row['p_value']:.3g}",
                       help="Below alpha means the window alone is evidence of a change.")
    st.markdown("**Breakdown by metric** (latest window; z in standard units, positive = "
                "worse; alerts today by each detector)")
    rows = []
    for metric in metrics:
        trace = results.get((detector, metric))
        if trace is None or trace.trace.empty:
            continue
        last = trace.trace.iloc[-1]
        counts = {DETECTOR_LABELS[d]: len(results[(d, metric)].alerts)
                  for d in DETECTOR_LABELS if (d, metric) in results}
        rows.append({"metric": METRIC_LABELS[metric], "latest": float(last["value"]),
                     "baseline": float(last["expected"]), "z": float(last["z_bad"]), **counts})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     column_config={"latest": st.column_config.NumberColumn(format="%.4g"),
                                    "baseline": st.column_config.NumberColumn(format="%.4g"),
                                    "z": st.column_config.NumberColumn(format="%+.2f")})


def _draw_view(slot: Any, analysis: dict[str, Any], stat_spec: dict[str, Any] | None) -> None:
    with slot.container():
        st.vega_lite_chart(analysis["chart"], width="stretch")
        st.caption("Top: each dot is one hour's accuracy; the shaded band is where it stays "
                   "95% of the time if nothing changed; markers show where detectors fired "
                   "(hover for the reason). Middle: hourly latency. Bottom: queries per hour; "
                   "drag across it to choose the time range of the panels above.")
        if stat_spec is not None:
            st.vega_lite_chart(stat_spec, width="stretch")
            st.caption("The detector's running statistic per window; it alarms when the "
                       "line crosses the dashed threshold.")


def _data_source() -> tuple[bytes | None, int]:
    seed = seed_control()
    source = st.radio("Data", ["sim", "upload"], key="src", horizontal=True,
                      bind="query-params",
                      format_func={"sim": "Simulated", "upload": "Upload CSV"}.__getitem__)
    if source == "upload":
        st.caption(FORMAT_HELP)
        upload = st.file_uploader("Monitoring CSV", type=["csv"], key="upload")
        if upload is None:
            st.info("Upload a file to run the detectors on it; the simulated data is shown "
                    "until then.")
        else:
            data = upload.getvalue()
            try:
                cached_upload(data)
                return data, seed
            except UploadError as exc:
                st.error(f"Cannot use this file: {exc}", icon=":material/error:")
    return None, seed


@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    uploaded, seed = _data_source()
    left, right = st.columns(2, gap="large")
    with left:
        scenario = _scenario_controls()
    with right:
        detector, config, metrics = _detector_controls()
    if uploaded is not None:
        source: tuple[Any, ...] = ("upload", uploaded)
        st.success(f"Monitoring the uploaded file: {len(load_history(source)):,} rows, the "
                   "last 24 monitored as today.", icon=":material/upload_file:")
    else:
        source = ("sim", seed, scenario["kind"], scenario["metric"], scenario["size"],
                  scenario["start"])
    analysis = cached_analysis(source, config, metrics)
    drop = scenario["size"] if scenario["metric"] == "accuracy" and scenario["size"] > 0 \
        else 3.0
    _expected_rates(detector, config, analysis["hour_sd"], drop)
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
                _draw_view(view, partial, spec)
                with card.container():
                    st.caption(f"{frame.hours_seen} of 24 hours of today seen, "
                               f"{len(frame.alerts)} alerts so far.")
                    _recommendation_card(frame.recommendation)

            run_live(iter_live(load_history(source), config), draw,
                     progress=lambda f: f.hours_seen / 24, speed=speed,
                     key="monitoring_live", batch_seconds=lambda f: 1.0,
                     label="Streaming today")
            return
        st.caption("Press Start to stream today; the full day is shown meanwhile.")
    _draw_view(view, analysis,
               cached_stat_spec(source, config, metrics, detector, chart_metric))
    with card.container():
        _recommendation_card(analysis["advice"])

    _test_panel(analysis, detector, metrics)

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
