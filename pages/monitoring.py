"""Production Monitoring: is today's accuracy drop noise or a real degradation? A 30-day
baseline, detectors with known false-alarm rates, alerts and retraining advice."""

from __future__ import annotations

from typing import Any

import streamlit as st

from crucible_ui.layout import guarded, page_intro
from crucible_ui.monitoring import upload as sources
from crucible_ui.monitoring.analysis import cached_analysis, load_history
from crucible_ui.monitoring.controls import detector_controls, scenario_controls
from crucible_ui.monitoring.sections import alert_section, today_section
from crucible_ui.monitoring.views import expected_rates, latest_window_panel

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


@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    uploaded, seed, own_data = sources.data_source()
    if own_data and uploaded is None:
        return  # the chooser said what is missing or wrong; nothing simulated below it
    left, right = st.columns(2, gap="large")
    with left:
        scenario = scenario_controls(uploaded is not None)
    with right:
        detector, config, metrics = detector_controls()
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
    if today_section(source, history, analysis, config, metrics, detector):
        return
    latest_window_panel(analysis, detector, metrics)
    alert_section(source, analysis)


main()
