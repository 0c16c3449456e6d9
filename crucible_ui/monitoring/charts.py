"""Altair builders for the Production Monitoring page: the accuracy series with its
baseline band and alert markers, linked volume and latency panels zoomed by an interval
brush, and a detector's statistic against its threshold. Pure: no Streamlit calls."""

from __future__ import annotations

from typing import cast

import altair as alt
import pandas as pd

from crucible_ui.charts import PALETTE, bottom_legend, fit_title, fit_width

DETECTOR_NAMES = {"proportion": "z-test", "cusum": "CUSUM", "ewma": "EWMA",
                  "bernoulli": "Bernoulli CUSUM"}
DETECTOR_SHAPES = {"proportion": "triangle-down", "cusum": "diamond", "ewma": "square",
                   "bernoulli": "cross"}
#: What each detector's statistic is measured in (the axis title's unit).
STATISTIC_UNITS = {"proportion": "standard units", "cusum": "standard units",
                   "ewma": "standard units", "bernoulli": "log-likelihood ratio"}
BRUSH = "zoom"


def series_frame(history: pd.DataFrame, band: pd.DataFrame) -> pd.DataFrame:
    """The hourly columns the charts draw, with the baseline band, in one small frame."""
    return pd.DataFrame({
        "timestamp": history["timestamp"].to_numpy(),
        "period": history["period"].astype(str).to_numpy(),
        "accuracy": history["accuracy"].to_numpy(dtype=float),
        "lower": band["lower"].to_numpy(dtype=float),
        "upper": band["upper"].to_numpy(dtype=float),
        "queries": (history["queries"].to_numpy(dtype=float) if "queries" in history
                    else float("nan")),
        "latency_p50_ms": (history["latency_p50_ms"].to_numpy(dtype=float)
                           if "latency_p50_ms" in history else float("nan")),
        "latency_p95_ms": (history["latency_p95_ms"].to_numpy(dtype=float)
                           if "latency_p95_ms" in history else float("nan")),
    })


def marker_frame(alerts: pd.DataFrame, series: pd.DataFrame, metric: str,
                 value_column: str) -> pd.DataFrame:
    """Alert markers of ``metric``, placed at the series value at the alert's hour."""
    hits = alerts[alerts["metric"] == metric]
    values = series.set_index("timestamp")[value_column]
    return pd.DataFrame({
        "timestamp": hits["time"].to_numpy(),
        "value": values.reindex(hits["time"].to_numpy()).to_numpy(dtype=float),
        "detector": [DETECTOR_NAMES.get(d, d) for d in hits["detector"]],
        "reason": hits["reason"].astype(str).to_numpy(),
    })


def _today_start(series: pd.DataFrame) -> pd.Timestamp | None:
    later = series.loc[series["period"] != "baseline", "timestamp"]
    return pd.Timestamp(later.iloc[0]) if len(later) else None


def _datetime(ts: pd.Timestamp) -> alt.DateTime:
    return alt.DateTime(year=ts.year, month=ts.month, date=ts.day, hours=ts.hour)


def _markers(markers: pd.DataFrame, x: alt.X, y_title: str, y_format: str, *,
             legend: bool = True) -> alt.Chart:
    names = list(DETECTOR_NAMES.values())
    # One legend for the markers, under the top panel: the same shapes and colors mean
    # the same detectors in every panel, and a second copy would crowd a phone screen.
    key = bottom_legend(columns=2) if legend else None
    return alt.Chart(markers).mark_point(size=110, filled=True, opacity=0.95).encode(
        x=x,
        y=alt.Y("value:Q", title=y_title),
        shape=alt.Shape("detector:N", title="alert from",
                        scale=alt.Scale(domain=names,
                                        range=[DETECTOR_SHAPES[k] for k in DETECTOR_NAMES]),
                        legend=key),
        color=alt.Color("detector:N", title="alert from",
                        scale=alt.Scale(domain=names, range=[PALETTE[3], PALETTE[4],
                                                              PALETTE[1], PALETTE[6]]),
                        legend=key),
        tooltip=[alt.Tooltip("timestamp:T", title="time", format="%a %d %b %H:%M"),
                 alt.Tooltip("detector:N", title="detector"),
                 alt.Tooltip("value:Q", title=y_title, format=y_format),
                 alt.Tooltip("reason:N", title="why")],
    )


def monitoring_chart(series: pd.DataFrame, alerts: pd.DataFrame, *,
                     height: int = 230) -> alt.VConcatChart:
    """Accuracy (line) inside its baseline band (the range an hour's accuracy stays in
    95% of the time when nothing changed) with alert markers; below it latency P50/P95
    with latency alerts, and the hourly query volume carrying an interval brush (drag to
    zoom) that sets the time range of both panels above. Opens zoomed on today."""
    start = _today_start(series)
    if start is not None:
        end = pd.Timestamp(series["timestamp"].iloc[-1])
        brush = alt.selection_interval(
            encodings=["x"], name=BRUSH,
            value={"x": (_datetime(start - pd.Timedelta(hours=24)), _datetime(end))})
    else:
        brush = alt.selection_interval(encodings=["x"], name=BRUSH)
    zoomed = alt.X("timestamp:T", title="time", scale=alt.Scale(domain={"param": BRUSH}),
                   axis=alt.Axis(format="%a %H:%M", labelOverlap=True))
    base = alt.Chart(series)
    hover = [alt.Tooltip("timestamp:T", title="hour", format="%a %d %b %H:%M"),
             alt.Tooltip("accuracy:Q", title="accuracy", format=".1%"),
             alt.Tooltip("lower:Q", title="band low", format=".1%"),
             alt.Tooltip("upper:Q", title="band high", format=".1%"),
             alt.Tooltip("queries:Q", title="queries", format=",.0f")]
    band = base.mark_area(opacity=0.22, color=PALETTE[5]).encode(
        x=zoomed, y=alt.Y("lower:Q", title="accuracy", axis=alt.Axis(format=".0%"),
                          scale=alt.Scale(zero=False)),
        y2="upper:Q")
    line = base.mark_line(point=alt.OverlayMarkDef(size=14), color=PALETTE[0]).encode(
        x=zoomed, y=alt.Y("accuracy:Q", title="accuracy"), tooltip=hover)
    acc_markers = _markers(marker_frame(alerts, series, "accuracy", "accuracy"), zoomed,
                           "accuracy", ".1%")
    accuracy = alt.layer(band, line, acc_markers).properties(
        title=fit_title("Hourly accuracy, baseline band, alerts"), height=height,
        width="container")

    latency_lines = base.transform_fold(
        ["latency_p50_ms", "latency_p95_ms"], as_=["column", "ms"],
    ).transform_calculate(
        quantile="datum.column == 'latency_p50_ms' ? 'P50' : 'P95'",
    ).mark_line(strokeWidth=1.5).encode(
        x=zoomed, y=alt.Y("ms:Q", title="latency (ms)"),
        color=alt.Color("quantile:N", title="latency",
                        scale=alt.Scale(domain=["P50", "P95"], range=[PALETTE[2], PALETTE[1]]),
                        legend=bottom_legend(columns=2)),
        tooltip=[alt.Tooltip("timestamp:T", title="hour", format="%a %d %b %H:%M"),
                 alt.Tooltip("quantile:N"), alt.Tooltip("ms:Q", title="ms", format=",.0f")])
    lat_markers = _markers(marker_frame(alerts, series, "latency_p95_ms", "latency_p95_ms"),
                           zoomed, "latency (ms)", ",.0f", legend=False)
    latency = alt.layer(latency_lines, lat_markers).resolve_scale(
        color="independent", shape="independent").properties(
        title="Latency per hour (ms)", height=int(height * 0.6), width="container")

    volume = base.mark_area(opacity=0.6, color=PALETTE[7]).encode(
        x=alt.X("timestamp:T", title="time (drag here to zoom the panels above)",
                axis=alt.Axis(format="%d %b", labelOverlap=True)),
        y=alt.Y("queries:Q", title="queries / hour"),
        tooltip=[alt.Tooltip("timestamp:T", title="hour", format="%a %d %b %H:%M"),
                 alt.Tooltip("queries:Q", title="queries", format=",.0f")],
    ).add_params(brush).properties(title="Query volume (all days)",
                                   height=int(height * 0.45), width="container")
    return cast(alt.VConcatChart, fit_width(alt.vconcat(accuracy, latency, volume).resolve_scale(
        color="independent", shape="independent")))


def statistic_chart(trace: pd.DataFrame, *, detector: str, metric_label: str,
                    height: int = 200) -> alt.VConcatChart:
    """The detector's statistic per window (CUSUM sum, EWMA value or z) against its alarm
    threshold, with alarms marked."""
    frame = pd.DataFrame({
        "time": trace["time"].to_numpy(),
        "statistic": trace["statistic"].to_numpy(dtype=float),
        "threshold": trace["upper"].to_numpy(dtype=float),
        "alarm": trace["alarm"].to_numpy(dtype=bool),
    })
    name = DETECTOR_NAMES.get(detector, detector)
    x = alt.X("time:T", title="window end", axis=alt.Axis(format="%a %H:%M",
                                                          labelOverlap=True))
    tips = [alt.Tooltip("time:T", title="window end", format="%a %d %b %H:%M"),
            alt.Tooltip("statistic:Q", title=name, format=".2f"),
            alt.Tooltip("threshold:Q", title="threshold", format=".2f"),
            alt.Tooltip("alarm:N", title="alarm")]
    base = alt.Chart(frame)
    stat = base.mark_line(point=True, color=PALETTE[0]).encode(
        x=x, y=alt.Y("statistic:Q",
                     title=f"{name} statistic ({STATISTIC_UNITS.get(detector, 'standard units')})"),
        tooltip=tips)
    limit = base.mark_line(strokeDash=[6, 4], color=PALETTE[3]).encode(
        x=x, y="threshold:Q", tooltip=tips)
    alarms = base.transform_filter(alt.datum.alarm).mark_point(
        size=120, filled=True, shape="triangle-up", color=PALETTE[3]).encode(
        x=x, y="statistic:Q", tooltip=tips)
    chart = alt.layer(stat, limit, alarms).properties(
        title=fit_title(f"{name} on {metric_label}",
                        "(blue: statistic; dashed: threshold)"),
        height=height, width="container")
    return cast(alt.VConcatChart, fit_width(alt.vconcat(chart)))
