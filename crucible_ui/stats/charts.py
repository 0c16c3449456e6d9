"""Altair charts of the Statistical Comparison Lab (pure: no Streamlit calls)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from crucible_ui.charts import (
    FIT_WIDTH,
    PALETTE,
    bar_with_error_bars,
    bottom_legend,
    fit_title,
    fit_width,
    histogram,
    histogram_frame,
    line_with_band,
)

#: Fit the width to the container but keep ``height`` as the plot's own height: Streamlit's
#: default ("fit") squeezes title, axes and legend into the height, which flattens a chart.
FIT_X = FIT_WIDTH


def estimate_frame(labels: tuple[str, str], estimates: tuple[float, float],
                   intervals: tuple[tuple[float, float] | None, tuple[float, float] | None]
                   ) -> pd.DataFrame:
    """One row per model: model, estimate, lower, upper (the interval, or the estimate)."""
    rows = []
    for label, value, ci in zip(labels, estimates, intervals, strict=True):
        lo, hi = ci if ci is not None else (value, value)
        rows.append({"model": label, "estimate": value, "lower": lo, "upper": hi})
    return pd.DataFrame(rows)


def estimate_bars(frame: pd.DataFrame, *, title: str, value_title: str,
                  value_format: str = ".1%") -> alt.LayerChart:
    """Each model's estimate (accuracy or mean) as a bar with its confidence interval."""
    return bar_with_error_bars(
        frame, category="model", value="estimate", lower="lower", upper="upper", title=title,
        value_title=value_title, category_title="model",
        value_format=value_format).properties(height=110, autosize=FIT_X)


def running_accuracy_chart(running: pd.DataFrame, labels: tuple[str, str]) -> alt.LayerChart:
    """Cumulative accuracy of both models after each problem, with Wilson bands."""
    frame = running.assign(model=running["model"].map({"A": labels[0], "B": labels[1]}))
    if len(frame) > 800:  # keep the chart data small: about 400 points per model
        step = int(np.ceil(frame["problem"].max() / 400))
        last = frame["problem"].max()
        frame = frame[(frame["problem"] % step == 0) | (frame["problem"] == last)]
    return line_with_band(
        frame, x="problem", y="accuracy", lower="lower", upper="upper",
        title="Running accuracy (band: 95% Wilson interval)", x_title="problems answered",
        y_title="accuracy (share correct)", color="model").properties(height=240,
                                                                      autosize=FIT_X)


def latency_histogram(a_ms: np.ndarray, b_ms: np.ndarray, labels: tuple[str, str],
                      *, title: str = "Latency distribution", x_title: str = "latency (ms)",
                      log: bool = True) -> alt.Chart:
    """Overlaid histograms of the two models' values (log-spaced bins for latencies)."""
    positive = bool(np.all(a_ms > 0) and np.all(b_ms > 0))
    frame = histogram_frame({labels[0]: a_ms, labels[1]: b_ms}, bins=30, log=log and positive)
    return histogram(frame, title=title, x_title=x_title, y_title="share of problems",
                     log_x=log and positive, series_title="model",
                     domain=list(labels)).encode(
        # bars from zero up: with x and x2 set, Vega-Lite otherwise draws ranged bars of
        # fixed thickness at the y value (thin dashes)
        y2=alt.datum(0),
    ).properties(height=200, autosize=FIT_X)


def power_curve_chart(curve: pd.DataFrame, *, n_observed: int, n_required: int | None,
                      target: float = 0.8) -> alt.LayerChart:
    """Power against sample size at the observed effect, with the 80% target line and a
    rule at the current n."""
    line = alt.Chart(curve).mark_line(color=PALETTE[0], point=True).encode(
        x=alt.X("n:Q", title="items per group (pairs if paired)", scale=alt.Scale(type="log")),
        y=alt.Y("power:Q", title="power", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("n:Q", title="n", format=","),
                 alt.Tooltip("power:Q", title="power", format=".1%")],
    )
    marks = pd.DataFrame({"power": [target]})
    target_rule = alt.Chart(marks).mark_rule(color=PALETTE[3], strokeDash=[6, 4]).encode(
        y="power:Q", tooltip=[alt.Tooltip("power:Q", title="target power", format=".0%")])
    points = [{"n": n_observed, "what": "your n"}]
    if n_required is not None:
        points.append({"n": n_required, "what": "n for 80% power"})
    rules = alt.Chart(pd.DataFrame(points)).mark_rule(strokeWidth=2).encode(
        x="n:Q",
        color=alt.Color("what:N", title="", scale=alt.Scale(
            domain=["your n", "n for 80% power"], range=[PALETTE[1], PALETTE[2]]),
            legend=bottom_legend(columns=2)),
        tooltip=[alt.Tooltip("what:N", title="marker"), alt.Tooltip("n:Q", format=",")],
    )
    return fit_width(alt.layer(line, target_rule, rules).properties(
        title=fit_title("What if: power over n", "at the observed effect"), height=240))


def power_grid(n_observed: int, n_required: int | None, *, points: int = 25) -> list[int]:
    """Log-spaced sample sizes from 5 to well past the larger of n and the required n."""
    top = max(n_observed, n_required or 0) * 3
    top = int(min(max(top, 200), 1_000_000))
    grid = np.unique(np.round(np.geomspace(5, top, points)).astype(int))
    extra = [n for n in (n_observed, n_required) if n is not None and n >= 2]
    return sorted({*grid.tolist(), *extra})
