"""Panels of the Production Monitoring page: the detector's expected false-alarm spacing,
median run length and false-alarm odds; the retraining advice; the test of the latest
window; and the main charts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crucible_scenarios.monitoring import (
    DETECTOR_LABELS,
    METRIC_LABELS,
    MonitorConfig,
    average_run_length,
)
from crucible_ui.text import escape_markdown
from crucible_ui.widgets import metric_card

ARL_SIMS = 500
ARL_MAX_WINDOWS = 10_000
#: The conventional span for false-alarm odds, beside the span the page shows.
MONTH_HOURS = 720


@st.cache_data(max_entries=128, show_spinner=False)
def cached_arl(detector: str, shift: float, two_sided: bool, params: tuple[float, ...],
               max_steps: int, limits: str, spans: tuple[float, ...]) -> dict[str, Any]:
    """Simulated run lengths (in windows): mean, median, whether the mean is a lower
    bound, and the chance of an alarm within each of ``spans`` windows."""
    names = {"cusum": ("k", "h"), "ewma": ("lam", "L"), "proportion": ("alpha",),
             "bernoulli": ("p0", "p1", "n", "h")}[detector]
    values: dict[str, float] = dict(zip(names, params, strict=True))
    if detector == "bernoulli":
        values["n"] = int(values["n"])
    result = average_run_length(detector, shift, ARL_SIMS, 7, two_sided=two_sided,
                                max_steps=max_steps, limits=limits, **values)
    return {"arl": result.arl, "median": result.median, "bound": result.is_lower_bound,
            "within": [result.prob_alarm_within(s) for s in spans]}


def hours_text(value: float, lower_bound: bool) -> str:
    """A duration in hours, with days when long; "more than" for a lower bound."""
    text = f"{value:,.0f} h" if value >= 10 else f"{value:,.1f} h"
    if value >= 48:
        text += f" ({value / 24:,.1f} days)"
    return ("more than " if lower_bound else "") + text


def _arl_inputs(detector: str, config: MonitorConfig, analysis: dict[str, Any],
                drop_points: float) -> tuple[tuple[float, ...], float, bool] | None:
    """The simulation's parameters, the shift that a drop of ``drop_points`` makes, and
    whether it is two-sided; None when the Bernoulli CUSUM cannot run on this data."""
    w = config.window_hours
    if detector == "bernoulli":
        result = analysis["results"].get(("bernoulli", "accuracy"))
        if result is None:
            return None
        p = result.params
        n = max(int(np.rint(analysis["queries_per_hour"] * w)), 1)
        shift = min(drop_points / 100, 1 - p["p0"])
        return (p["p0"], p["p1"], float(n), p["h"]), shift, False
    params = {"cusum": (config.k, config.h), "ewma": (config.lam, config.L),
              "proportion": (config.alpha,)}[detector]
    sd = analysis["hour_sd"] / np.sqrt(w)
    shift = drop_points / 100 / sd if sd > 0 else 0.0
    return params, round(shift, 3), config.two_sided


def expected_rates(detector: str, config: MonitorConfig, analysis: dict[str, Any],
                   drop_points: float, shown_hours: int) -> None:
    """False-alarm spacing (mean and median run length), the odds of a false alarm over
    the monitored span and over 30 days, and the detection delay of the current setting,
    all from the simulated run-length distribution."""
    inputs = _arl_inputs(detector, config, analysis, drop_points)
    if inputs is None:
        st.warning("The Bernoulli CUSUM needs counts of correct answers per window and a "
                   "baseline accuracy strictly between 0 and 100%; this data has neither, "
                   "so it does not run.", icon=":material/info:")
        return
    params, shift, two_sided = inputs
    w = config.window_hours
    spans = (max(shown_hours / w, 1.0), MONTH_HOURS / w)
    limits = config.ewma_limits if detector == "ewma" else "time-varying"
    with st.spinner("Simulating run lengths…"):
        calm = cached_arl(detector, 0.0, two_sided, params, ARL_MAX_WINDOWS, limits, spans)
        moved = cached_arl(detector, shift, two_sided, params, ARL_MAX_WINDOWS, limits, spans)
    cols = st.columns(3)
    with cols[0]:
        metric_card("False alarm about every", hours_text(calm["arl"] * w, calm["bound"]),
                    help=f"In-control average run length (mean) of "
                         f"{DETECTOR_LABELS[detector]} from {ARL_SIMS:,} simulated runs, "
                         f"times the {w} h window.")
    with cols[1]:
        metric_card("Median time to a false alarm",
                    hours_text(calm["median"] * w, calm["median"] >= ARL_MAX_WINDOWS),
                    help="Half of the simulated runs raised their first false alarm "
                         "sooner than this: run lengths are skewed, so the median is well "
                         "below the mean.")
    with cols[2]:
        metric_card(f"Detects a {drop_points:g}-point drop in about",
                    hours_text(moved["arl"] * w, moved["bound"]),
                    help=("Average run length once the error rate rises by the drop, on "
                          "binomial counts at this traffic." if detector == "bernoulli" else
                          f"Average run length after a shift of {shift:.2f} standard "
                          f"errors of a {w} h window's accuracy (the drop divided by "
                          "sqrt(p(1-p)/n))."))
    odds_shown, odds_month = calm["within"]
    st.markdown(f"**Chance of at least one false alarm** when nothing changes: "
                f"**{odds_shown:.0%}** over the {shown_hours:,} h shown, "
                f"**{odds_month:.0%}** over 30 days ({MONTH_HOURS} h).")
    st.caption("A mean time between false alarms is not a promise of quiet: run lengths "
               "are roughly geometric, so even a mean of 500 h leaves about a 76% chance of "
               "a false alarm within 30 days (1 - (1 - 1/500)^720). Both figures are read "
               f"from the {ARL_SIMS:,} simulated run lengths, each simulated up to "
               f"{ARL_MAX_WINDOWS:,} windows; a run still silent then counts as "
               "'more than'.")
    if detector == "ewma":
        st.caption("EWMA limits in use: "
                   + ("**fixed** (the asymptotic width L sqrt(lambda / (2 - lambda)), as in "
                      "Lucas & Saccucci's tables)." if config.ewma_limits == "fixed" else
                      "**time-varying** (exact: narrower for the first windows, so false "
                      "alarms soon after a start are likelier than with fixed limits)."))
    if detector == "bernoulli":
        result = analysis["results"][("bernoulli", "accuracy")]
        p = result.params
        st.caption(f"Bernoulli CUSUM: baseline error rate p0 = {p['p0']:.2%}, rate worth "
                   f"detecting p1 = {p['p1']:.2%}; threshold h = {p['h']:.2f} "
                   f"(log-likelihood ratio), set so the in-control ARL is "
                   f"{p['arl0']:,.0f} windows at {int(params[2]):,} queries per window. "
                   "It watches only for worse accuracy.")


def recommendation_card(advice: Any) -> None:
    """The retrain / investigate / no action advice with its evidence."""
    with st.container(border=True):
        st.markdown("**Retraining recommendation**")
        show = {"retrain": st.error, "investigate": st.warning,
                "no action": st.success}[advice.action]
        show(advice.headline, icon=":material/model_training:")
        for line in advice.evidence:
            st.markdown(f"- {escape_markdown(line)}")


def latest_window_panel(analysis: dict[str, Any], detector: str, metrics: tuple[str, ...]) -> None:
    """The z-test of the latest window and the per-metric breakdown."""
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
        trace = results.get((detector, metric)) or results.get(("cusum", metric))
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


def draw_view(slot: Any, analysis: dict[str, Any], stat_spec: dict[str, Any] | None,
              detector: str) -> None:
    """The main chart and the detector's statistic, with what they show."""
    with slot.container():
        st.vega_lite_chart(analysis["chart"], width="stretch")
        st.caption("Top: each dot is one hour's accuracy; the shaded band is where it stays "
                   "95% of the time if nothing changed; markers show where detectors fired "
                   "(hover for the reason). Middle: hourly latency. Bottom: queries per hour; "
                   "drag across it to choose the time range of the panels above.")
        if stat_spec is not None:
            st.vega_lite_chart(stat_spec, width="stretch")
            if detector == "bernoulli":
                st.caption("The Bernoulli CUSUM adds, window by window, how much more "
                           "likely the counts are under the rate worth detecting than under "
                           "the baseline (log-likelihood ratio); it alarms when the sum "
                           "crosses the dashed threshold h.")
            else:
                st.caption("The detector's running statistic per window; it alarms when the "
                           "line crosses the dashed threshold.")
