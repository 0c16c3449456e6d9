"""The Production Monitoring page's controls: what happens today (the simulated
degradation) and how it is watched (detector, window, settings, metrics, scope)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from crucible_scenarios.monitoring import (
    DETECTOR_LABELS,
    METRIC_LABELS,
    MonitorConfig,
)

KIND_LABELS = {"none": "None", "abrupt": "Abrupt", "gradual": "Gradual"}
DEGRADED = {"accuracy": "Accuracy", "latency": "Latency", "cost": "Cost",
            "error_rate": "Error rate"}
SIZE_UNITS = {"accuracy": "accuracy points lost", "latency": "% slower",
              "cost": "% more expensive", "error_rate": "error-rate points gained"}


def scenario_controls(uploaded: bool) -> dict[str, Any]:
    """The simulated day's controls (degradation kind, metric, size and start hour); with
    an uploaded file only the size applies, as the drop whose detection delay is shown."""
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


def detector_controls() -> tuple[str, MonitorConfig, tuple[str, ...]]:
    """The detector, its settings, the metrics to alert on and the scope, as the detector
    shown, the monitoring configuration and the metrics."""
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


