"""Altair charts of the Request Hedging page. Pure builders: each takes plain data
(scenario results, DataFrames) and returns a chart; none calls Streamlit."""

from __future__ import annotations

from typing import cast

import altair as alt
import numpy as np
import pandas as pd

from crucible_scenarios.hedging import HedgingResult, HedgingSummary
from crucible_ui.charts import PALETTE, bottom_legend, fit_title, fit_width, histogram_frame

SERIES = ("without hedging", "with hedging")
OUTCOMES = ("no hedge", "hedge fired, primary won", "hedge fired, backup won")
MARKERS = (("p50", "P50"), ("p95", "P95"), ("p99", "P99"), ("p999", "P99.9"))
#: Requests shown in the stream view (the most recent ones).
STREAM_TAIL = 200


def stream_frame(result: HedgingResult, *, tail: int = STREAM_TAIL) -> pd.DataFrame:
    """The last ``tail`` requests: index, primary and final latency, delay and outcome."""
    n = result.n_requests
    start = max(0, n - tail)
    hedged = result.hedged[start:]
    won = result.hedge_won[start:]
    outcome = np.where(won, OUTCOMES[2], np.where(hedged, OUTCOMES[1], OUTCOMES[0]))
    return pd.DataFrame({
        "request": np.arange(start + 1, n + 1),
        "primary_ms": result.primary_ms[start:],
        "final_ms": result.final_ms[start:],
        "delay_ms": result.delay_ms[start:],
        "backups": result.requests_sent[start:] - 1,
        "outcome": outcome,
    })


def stream_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Each request as a point at its final latency (log scale), colored by whether a
    hedge fired and who won; a thin line joins a hedged request's primary latency to what
    the user waited, and the hedge delay is drawn as a step line."""
    color = alt.Color("outcome:N", title="request", scale=alt.Scale(
        domain=list(OUTCOMES), range=[PALETTE[7], PALETTE[1], PALETTE[2]]),
        legend=bottom_legend(columns=1))
    base = alt.Chart(frame).encode(x=alt.X("request:Q", title="request number",
                                           scale=alt.Scale(zero=False)))
    saved = base.transform_filter("datum.primary_ms > datum.final_ms").mark_rule(
        opacity=0.5, color=PALETTE[2]).encode(
        y=alt.Y("final_ms:Q", scale=alt.Scale(type="log", nice=False)), y2="primary_ms:Q")
    points = base.mark_circle(size=36, opacity=0.9).encode(
        y=alt.Y("final_ms:Q", title="waited (ms, log)",
                scale=alt.Scale(type="log", nice=False)),
        color=color,
        tooltip=[alt.Tooltip("request:Q", title="request"),
                 alt.Tooltip("outcome:N", title="outcome"),
                 alt.Tooltip("final_ms:Q", title="waited (ms)", format=",.0f"),
                 alt.Tooltip("primary_ms:Q", title="primary alone (ms)", format=",.0f"),
                 alt.Tooltip("delay_ms:Q", title="hedge delay (ms)", format=",.0f"),
                 alt.Tooltip("backups:Q", title="backups sent")],
    )
    layers: list[alt.Chart] = [saved, points]
    if frame["delay_ms"].notna().any():
        layers.insert(0, base.mark_line(interpolate="step-after", strokeDash=[4, 3],
                                        color=PALETTE[4]).encode(
            y=alt.Y("delay_ms:Q", scale=alt.Scale(type="log", nice=False)),
            tooltip=[alt.Tooltip("delay_ms:Q", title="hedge delay (ms)", format=",.0f")]))
    return cast(alt.LayerChart, fit_width(alt.layer(*layers).properties(
        title="Request stream: hedges and winners", height=300)))


def histogram_chart(result: HedgingResult, summary: HedgingSummary, *,
                    bins: int = 48) -> alt.LayerChart:
    """Latency histogram (log-spaced bins, log x) with and without hedging overlaid on the
    same requests, with P50/P95/P99/P99.9 markers of both."""
    frame = histogram_frame({SERIES[0]: result.primary_ms, SERIES[1]: result.final_ms},
                            bins=bins, log=True)
    color = alt.Color("series:N", title="latency", scale=alt.Scale(
        domain=list(SERIES), range=[PALETTE[3], PALETTE[0]]), legend=bottom_legend(columns=1))
    bars = alt.Chart(frame).mark_bar(opacity=0.5, binSpacing=0).encode(
        x=alt.X("bin_start:Q", title="latency (ms, log scale)",
                scale=alt.Scale(type="log", nice=False)),
        x2="bin_end:Q",
        y=alt.Y("share:Q", title="share of requests", stack=None,
                axis=alt.Axis(format=".0%")),
        y2=alt.datum(0),
        color=color,
        tooltip=[alt.Tooltip("series:N", title="latency"),
                 alt.Tooltip("bin_start:Q", title="from (ms)", format=",.0f"),
                 alt.Tooltip("bin_end:Q", title="to (ms)", format=",.0f"),
                 alt.Tooltip("count:Q", title="requests", format=","),
                 alt.Tooltip("share:Q", title="share", format=".2%")],
    )
    rules = alt.Chart(marker_frame(summary)).mark_rule(strokeWidth=2).encode(
        x=alt.X("latency_ms:Q", scale=alt.Scale(type="log", nice=False)),
        color=color,
        strokeDash=alt.StrokeDash("marker:N", title="percentile", sort=[m[1] for m in MARKERS],
                                  legend=bottom_legend(columns=1)),
        tooltip=[alt.Tooltip("series:N", title="latency"),
                 alt.Tooltip("marker:N", title="percentile"),
                 alt.Tooltip("latency_ms:Q", title="ms", format=",.0f")],
    )
    return cast(alt.LayerChart, fit_width(alt.layer(bars, rules).properties(
        title="Latency with and without hedging", height=300)))


def marker_frame(summary: HedgingSummary) -> pd.DataFrame:
    """One row per (series, percentile marker) with the latency in ms."""
    rows = []
    for key, label in MARKERS:
        rows.append({"series": SERIES[0], "marker": label,
                     "latency_ms": summary.baseline_quantiles[key]})
        rows.append({"series": SERIES[1], "marker": label, "latency_ms": summary.quantiles[key]})
    return pd.DataFrame(rows)


def before_after_frame(summary: HedgingSummary) -> pd.DataFrame:
    """P99 and P99.9 with and without hedging, with the reduction in percent."""
    rows = []
    for key, label in (("p99", "P99"), ("p999", "P99.9")):
        before = summary.baseline_quantiles[key]
        after = summary.quantiles[key]
        for series, value in zip(SERIES, (before, after), strict=True):
            rows.append({"percentile": label, "series": series, "latency_ms": value,
                         "reduction_pct": 100.0 * (1 - after / before)})
    return pd.DataFrame(rows)


def before_after_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Grouped bars: P99 and P99.9 without and with hedging, the reduction in percent
    written above each hedged bar."""
    base = alt.Chart(frame).encode(
        x=alt.X("percentile:N", title=None, sort=["P99", "P99.9"]),
        xOffset=alt.XOffset("series:N", sort=list(SERIES)),
        y=alt.Y("latency_ms:Q", title="latency (ms)"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("series:N", title="latency", scale=alt.Scale(
            domain=list(SERIES), range=[PALETTE[3], PALETTE[0]]),
            legend=bottom_legend(columns=1)),
        tooltip=[alt.Tooltip("percentile:N"), alt.Tooltip("series:N", title="latency"),
                 alt.Tooltip("latency_ms:Q", title="ms", format=",.0f"),
                 alt.Tooltip("reduction_pct:Q", title="reduction (%)", format=".1f")],
    )
    labels = base.transform_filter(f"datum.series == '{SERIES[1]}'").transform_calculate(
        label="(datum.reduction_pct >= 0 ? '-' : '+') + "
              "format(abs(datum.reduction_pct), '.0f') + '%'",
    ).mark_text(dy=-8, fontWeight="bold").encode(text="label:N")
    return cast(alt.LayerChart, fit_width(alt.layer(bars, labels).properties(
        title="Tail latency before and after hedging", height=260)))


def tradeoff_chart(curve: pd.DataFrame, *, current_delay_ms: float | None = None,
                   quantile: str = "p99") -> alt.LayerChart:
    """Tail latency against extra load across hedge delays: simulated points and the exact
    curve (from the profile's CDF). The knee is where hedging stops paying."""
    label = "P99" if quantile == "p99" else "P99.9"
    sim = curve.assign(kind="simulated", latency_ms=curve[f"{quantile}_ms"],
                       extra=curve["extra_requests_pct"])
    exact = curve.assign(kind="exact", latency_ms=curve[f"exact_{quantile}_ms"],
                         extra=curve["exact_extra_requests_pct"])
    data = pd.concat([sim, exact], ignore_index=True)[
        ["delay_ms", "kind", "latency_ms", "extra"]]
    color = alt.Color("kind:N", title="curve", scale=alt.Scale(
        domain=["exact", "simulated"], range=[PALETTE[0], PALETTE[1]]),
        legend=bottom_legend(columns=2))
    tooltip = [alt.Tooltip("kind:N", title="curve"),
               alt.Tooltip("delay_ms:Q", title="hedge delay (ms)", format=",.0f"),
               alt.Tooltip("extra:Q", title="extra requests (%)", format=".1f"),
               alt.Tooltip("latency_ms:Q", title=f"{label} (ms)", format=",.0f")]
    base = alt.Chart(data).encode(
        x=alt.X("extra:Q", title="extra requests (% of requests)"),
        y=alt.Y("latency_ms:Q", title=f"{label} latency (ms)", scale=alt.Scale(zero=False)),
        color=color, tooltip=tooltip)
    line = base.transform_filter("datum.kind == 'exact'").mark_line(point=True)
    points = base.transform_filter("datum.kind == 'simulated'").mark_point(
        size=70, filled=True, shape="diamond")
    layers: list[alt.Chart] = [line, points]
    if current_delay_ms is not None and not curve.empty:
        nearest = curve.iloc[[int((curve["delay_ms"] - current_delay_ms).abs().argmin())]]
        mark = pd.DataFrame({"extra": nearest["exact_extra_requests_pct"],
                             "latency_ms": nearest[f"exact_{quantile}_ms"],
                             "delay_ms": nearest["delay_ms"]})
        layers.append(alt.Chart(mark).mark_point(size=260, color=PALETTE[3],
                                                 strokeWidth=2).encode(
            x="extra:Q", y="latency_ms:Q",
            tooltip=[alt.Tooltip("delay_ms:Q", title="nearest to your delay (ms)",
                                 format=",.0f")]))
    return cast(alt.LayerChart, fit_width(alt.layer(*layers).properties(
        title=fit_title(f"{label} latency vs extra load", "(one point per hedge delay)"),
        height=280)))


def fanout_chart(curve: pd.DataFrame, simulated: pd.DataFrame | None = None) -> alt.LayerChart:
    """Exact P50 and P99 of a user request that waits for k sub-requests (log axes), with
    and without hedging each sub-request; simulated points at the chosen k."""
    color = alt.Color("hedging:N", title="sub-requests", scale=alt.Scale(
        domain=["none", "hedged"], range=[PALETTE[3], PALETTE[0]]),
        legend=bottom_legend(columns=1))
    dash = alt.StrokeDash("quantile:N", title="percentile",
                          scale=alt.Scale(domain=["p50", "p99"], range=[[1, 0], [5, 3]]),
                          legend=bottom_legend(columns=1))
    tooltip = [alt.Tooltip("k:Q", title="sub-requests k"),
               alt.Tooltip("hedging:N", title="sub-requests"),
               alt.Tooltip("quantile:N", title="percentile"),
               alt.Tooltip("latency_ms:Q", title="latency (ms)", format=",.0f")]
    lines = alt.Chart(curve).mark_line().encode(
        x=alt.X("k:Q", title="sub-requests per user request (k, log scale)",
                scale=alt.Scale(type="log", nice=False)),
        y=alt.Y("latency_ms:Q", title="latency (ms, log)",
                scale=alt.Scale(type="log", nice=False)),
        color=color, strokeDash=dash, detail="quantile:N", tooltip=tooltip)
    layers: list[alt.Chart] = [lines]
    if simulated is not None and not simulated.empty:
        layers.append(alt.Chart(simulated).mark_point(size=90, filled=True).encode(
            x="k:Q", y="latency_ms:Q", color=color, shape=alt.Shape(
                "quantile:N", title="simulated",
                legend=bottom_legend(columns=1)),
            tooltip=tooltip))
    return cast(alt.LayerChart, fit_width(alt.layer(*layers).properties(
        title="Tail amplification with k sub-requests", height=320)))
