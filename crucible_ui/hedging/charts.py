"""Altair charts of the Request Hedging page for a user's latency log. Pure builders: each
takes plain data and returns a chart; none calls Streamlit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import altair as alt
import numpy as np
import pandas as pd

from crucible_scenarios.hedging import QuantileEstimate
from crucible_ui.charts import PALETTE, bottom_legend, fit_title, fit_width, histogram_frame


def percentile_frame(estimates: Sequence[QuantileEstimate]) -> pd.DataFrame:
    """One row per percentile: label, value and interval (ms); bounds NaN when the log
    cannot give them."""
    return pd.DataFrame([{
        "percentile": "P" + f"{e.q * 100:g}", "latency_ms": e.value_ms,
        "low_ms": e.low_ms, "high_ms": e.high_ms} for e in estimates])


def log_histogram_chart(latencies_ms: np.ndarray, estimates: Sequence[QuantileEstimate], *,
                        bins: int = 40) -> alt.LayerChart:
    """Histogram of the logged latencies (log-spaced bins, log x) with each percentile as
    a rule and its distribution-free 95% interval as a shaded band."""
    frame = histogram_frame({"logged requests": latencies_ms}, bins=bins, log=True)
    bars = alt.Chart(frame).mark_bar(opacity=0.6, binSpacing=0, color=PALETTE[0]).encode(
        x=alt.X("bin_start:Q", title="latency (ms, log scale)",
                scale=alt.Scale(type="log", nice=False)),
        x2="bin_end:Q",
        y=alt.Y("share:Q", title="share of requests", stack=None,
                axis=alt.Axis(format=".0%")),
        y2=alt.datum(0),
        tooltip=[alt.Tooltip("bin_start:Q", title="from (ms)", format=",.0f"),
                 alt.Tooltip("bin_end:Q", title="to (ms)", format=",.0f"),
                 alt.Tooltip("count:Q", title="requests", format=","),
                 alt.Tooltip("share:Q", title="share", format=".2%")])
    marks = percentile_frame(estimates)
    color = alt.Color("percentile:N", title="percentile", sort=list(marks["percentile"]),
                      scale=alt.Scale(range=[PALETTE[2], PALETTE[1], PALETTE[3], PALETTE[4]]),
                      legend=bottom_legend(columns=4))
    tooltip = [alt.Tooltip("percentile:N"),
               alt.Tooltip("latency_ms:Q", title="ms", format=",.0f"),
               alt.Tooltip("low_ms:Q", title="95% interval from (ms)", format=",.0f"),
               alt.Tooltip("high_ms:Q", title="95% interval to (ms)", format=",.0f")]
    bands = alt.Chart(marks.dropna(subset=["low_ms", "high_ms"])).mark_rect(
        opacity=0.15).encode(x="low_ms:Q", x2="high_ms:Q", color=color, tooltip=tooltip)
    rules = alt.Chart(marks).mark_rule(strokeWidth=2).encode(
        x=alt.X("latency_ms:Q", scale=alt.Scale(type="log", nice=False)), color=color,
        tooltip=tooltip)
    return cast(alt.LayerChart, fit_width(alt.layer(bars, bands, rules).properties(
        title=fit_title("Logged latencies", "(percentiles with 95% intervals)"),
        height=280)))
