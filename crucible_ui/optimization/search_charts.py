"""Altair builders for the Optimization Playground: live convergence, the surrogate
heatmap with trials on top, parallel coordinates of all trials and the strategy
comparison. Pure functions (no Streamlit) so tests can inspect their Vega-Lite specs."""

from __future__ import annotations

from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd

from crucible_scenarios.optimization import SearchSpace
from crucible_ui.charts import PALETTE, bottom_legend, fit_title, fit_width, line_with_band

#: What the heatmap cells can show: column of the surrogate surface -> legend title.
SURFACE_FIELDS = {"mean": "predicted score", "std": "uncertainty (sd)",
                  "ei": "expected improvement"}
STRATEGY_LABELS = {"grid": "Grid", "random": "Random", "bayesian": "Bayesian"}


def convergence_chart(trials: pd.DataFrame, *, n_trials: int, target: float | None = None,
                      score_title: str = "accuracy on tuning queries") -> alt.LayerChart:
    """Each trial's score as a point and the best score so far as a step line over trial
    number; an optional dashed rule marks the true optimum's expected accuracy."""
    data = trials[["trial", "score", "best_so_far"]].copy()
    x = alt.X("trial:Q", title="trial", scale=alt.Scale(domain=[1, max(n_trials, 2)]),
              axis=alt.Axis(tickMinStep=1))
    tooltip = [alt.Tooltip("trial:Q", title="trial"),
               alt.Tooltip("score:Q", title="score", format=".1%"),
               alt.Tooltip("best_so_far:Q", title="best so far", format=".1%")]
    points = alt.Chart(data).mark_circle(size=45, opacity=0.7, color=PALETTE[1]).encode(
        x=x, y=alt.Y("score:Q", title=score_title, axis=alt.Axis(format=".0%")),
        tooltip=tooltip)
    line = alt.Chart(data).mark_line(interpolate="step-after", color=PALETTE[0],
                                     strokeWidth=2.5).encode(
        x=x, y="best_so_far:Q", tooltip=tooltip)
    layers: list[Any] = [points, line]
    if target is not None:
        rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            strokeDash=[6, 4], color=PALETTE[2]).encode(
            y="target:Q", tooltip=[alt.Tooltip("target:Q", title="true optimum (expected)",
                                               format=".1%")])
        layers.append(rule)
    return cast(alt.LayerChart, fit_width(alt.layer(*layers).properties(
        title=fit_title("Best score so far (line)", "and every trial (points)"),
        height=300)))


def _cells(values: list[Any], log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Cell edges halfway between neighbouring levels (geometric halfway on a log axis)."""
    v = np.asarray(values, dtype=float)
    if log:
        mids = np.sqrt(v[:-1] * v[1:])
        first, last = v[0] ** 2 / mids[0], v[-1] ** 2 / mids[-1]
    else:
        mids = (v[:-1] + v[1:]) / 2
        first, last = 2 * v[0] - mids[0], 2 * v[-1] - mids[-1]
    lo = np.concatenate([[first], mids])
    hi = np.concatenate([mids, [last]])
    return lo, hi


def surrogate_heatmap(surface: pd.DataFrame, trials: pd.DataFrame, space: SearchSpace,
                      x: str, y: str, *, color_by: str = "mean") -> alt.LayerChart:
    """The surrogate over dimensions ``x`` and ``y`` as colored cells (viridis): its
    predicted score (``mean``), its uncertainty (``std``) or the expected improvement it
    promises (``ei``, the acquisition); every trial is drawn on top as a white point."""
    if color_by not in SURFACE_FIELDS:
        raise ValueError(f"color_by must be one of {list(SURFACE_FIELDS)}, got {color_by!r}")
    data = surface.copy()
    encodings: dict[str, Any] = {}
    point_enc: dict[str, Any] = {}
    for channel, name in (("x", x), ("y", y)):
        dim = space[name]
        title = name.replace("_", " ")
        if dim.kind == "categorical":
            enc = alt.X if channel == "x" else alt.Y
            encodings[channel] = enc(f"{name}:N", title=title)
            point_enc[channel] = enc(f"{name}:N", title=title)
            continue
        levels = sorted(data[name].unique())
        lo, hi = _cells(levels, dim.log) if len(levels) > 1 else (
            np.array(levels) - 0.5, np.array(levels) + 0.5)
        lo_map, hi_map = dict(zip(levels, lo, strict=True)), dict(zip(levels, hi, strict=True))
        data[f"{channel}_lo"] = data[name].map(lo_map)
        data[f"{channel}_hi"] = data[name].map(hi_map)
        scale = alt.Scale(type="log" if dim.log else "linear", zero=False, nice=False,
                          domain=[float(min(lo)), float(max(hi))])
        enc = alt.X if channel == "x" else alt.Y
        encodings[channel] = enc(f"{channel}_lo:Q", title=title, scale=scale)
        encodings[f"{channel}2"] = f"{channel}_hi:Q"
        point_enc[channel] = enc(f"{name}:Q", title=title, scale=scale)
    cells = alt.Chart(data).mark_rect().encode(
        **encodings,
        color=alt.Color(f"{color_by}:Q", title=SURFACE_FIELDS[color_by],
                        scale=alt.Scale(scheme="viridis"),
                        legend=bottom_legend(format=".1%")),
        tooltip=[alt.Tooltip(f"{x}:{'N' if space[x].kind == 'categorical' else 'Q'}",
                             title=x, format="" if space[x].kind == "categorical" else ",.3~f"),
                 alt.Tooltip(f"{y}:{'N' if space[y].kind == 'categorical' else 'Q'}",
                             title=y, format="" if space[y].kind == "categorical" else ",.3~f"),
                 alt.Tooltip("mean:Q", title="predicted score", format=".1%"),
                 alt.Tooltip("std:Q", title="uncertainty (sd)", format=".1%"),
                 alt.Tooltip("ei:Q", title="expected improvement", format=".2%")],
    )
    dots = alt.Chart(trials[["trial", x, y, "score"]]).mark_point(
        filled=True, size=60, color="white", stroke="black", strokeWidth=1, opacity=0.9,
    ).encode(**point_enc, tooltip=[alt.Tooltip("trial:Q"), alt.Tooltip(f"{x}"),
                                   alt.Tooltip(f"{y}"),
                                   alt.Tooltip("score:Q", title="score", format=".1%")])
    return cast(alt.LayerChart, fit_width(alt.layer(cells, dots).properties(
        title=fit_title(f"Surrogate {SURFACE_FIELDS[color_by]} over {x} and {y}",
                        "(other settings at the best trial)"),
        height=340)))


def parallel_frame(trials: pd.DataFrame, space: SearchSpace) -> pd.DataFrame:
    """Long table for parallel coordinates: each trial's value on each dimension scaled to
    [0, 1] by the dimension's range (log range on log scales, category index for
    categories), plus the raw value as text and the trial's score."""
    rows = []
    for dim in space.dimensions:
        raw = trials[dim.name]
        if dim.kind == "categorical":
            index = raw.map({c: i for i, c in enumerate(dim.categories)}).astype(float)
            scaled = index / max(len(dim.categories) - 1, 1)
        elif dim.log:
            scaled = (np.log(raw.astype(float)) - np.log(dim.low)) / (
                np.log(dim.high) - np.log(dim.low))
        else:
            scaled = (raw.astype(float) - dim.low) / (dim.high - dim.low)
        rows.append(pd.DataFrame({
            "trial": trials["trial"].to_numpy(), "dimension": dim.name,
            "position": scaled.to_numpy(dtype=float),
            "value": [f"{v:.3g}" if isinstance(v, float) else str(v) for v in raw],
            "score": trials["score"].to_numpy(dtype=float),
        }))
    return pd.concat(rows, ignore_index=True)


def parallel_coordinates(frame: pd.DataFrame, order: list[str]) -> alt.Chart:
    """One line per trial across the dimensions (each scaled low to high), colored by
    score, so the settings of the best trials stand out."""
    return fit_width(alt.Chart(frame).mark_line(opacity=0.6, point=True).encode(
        x=alt.X("dimension:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("position:Q", title="position in range (low → high)",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
        color=alt.Color("score:Q", title="score", scale=alt.Scale(scheme="viridis"),
                        legend=bottom_legend(format=".0%")),
        detail="trial:N",
        order=alt.Order("score:Q"),
        tooltip=[alt.Tooltip("trial:Q"), alt.Tooltip("dimension:N"),
                 alt.Tooltip("value:N", title="value"),
                 alt.Tooltip("score:Q", format=".1%")],
    ).properties(title=fit_title("Every trial across all settings (color = score)"),
                 height=300))


def comparison_chart(curves: pd.DataFrame) -> alt.LayerChart:
    """Median best-so-far per strategy over trials with the interquartile band across
    seeds."""
    data = curves.assign(strategy=curves["strategy"].map(STRATEGY_LABELS))
    return line_with_band(
        data, x="trial", y="median", lower="q25", upper="q75", color="strategy",
        title="Best score so far: median across seeds (band: 25th-75th percentile)",
        x_title="trial", y_title="best accuracy so far (tuning queries)", y_format=".0%",
    ).properties(height=300)
