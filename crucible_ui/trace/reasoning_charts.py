"""Altair builders for the Causal Trace Explorer: the event timeline (click an event to
select it, drag or scroll to pan and zoom in time) and the uncertainty graph. Pure
functions of a :class:`~crucible_scenarios.trace.Trace`; no Streamlit calls."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from crucible_scenarios.trace import EVENT_TYPES, Trace
from crucible_ui.charts import bottom_legend, fit_title, fit_width, rows_height

#: Selection parameter of the timeline; the page reads ``selection[PICK]``.
PICK = "pick"

#: One color per event type from the Okabe-Ito palette (crucible_ui.charts.PALETTE); the
#: two bookkeeping types share grey and differ by shape, and every type has its own shape
#: so the chart also reads without color.
TYPE_COLORS: dict[str, str] = {
    "step_started": "#999999", "pattern_applied": "#CC79A7", "hypothesis_formed": "#0072B2",
    "constraint_evaluated": "#009E73", "ambiguity_flagged": "#E69F00",
    "confidence_updated": "#56B4E9", "alternative_rejected": "#D55E00",
    "step_completed": "#999999", "answer_committed": "#F0E442",
}
#: A five-pointed star as an SVG path in the unit square (Vega custom symbol shape).
STAR = ("M0,-1L0.29,-0.4L0.95,-0.31L0.48,0.15L0.59,0.81L0,0.5L-0.59,0.81L-0.48,0.15"
        "L-0.95,-0.31L-0.29,-0.4Z")
TYPE_SHAPES: dict[str, str] = {
    "step_started": "triangle-right", "pattern_applied": "diamond",
    "hypothesis_formed": "circle", "constraint_evaluated": "square",
    "ambiguity_flagged": "triangle-up", "confidence_updated": "triangle-down",
    "alternative_rejected": "cross", "step_completed": "triangle-left",
    "answer_committed": STAR,
}
TYPE_LABELS: dict[str, str] = {t: t.replace("_", " ") for t in EVENT_TYPES}
COLUMNS = ["id", "time_s", "type", "decision", "confidence", "alternatives", "chosen"]


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timeline_frame(trace: Trace, mask: np.ndarray | None = None,
                   chosen: str | None = None) -> pd.DataFrame:
    """One row per event kept by ``mask``: id, time in seconds, type (readable), short
    decision, confidence, number of alternatives and whether it is the chosen event."""
    events = trace.events if mask is None else [
        e for e, keep in zip(trace.events, mask, strict=True) if keep]
    return pd.DataFrame({
        "id": [e.id for e in events],
        "time_s": [e.timestamp / 1000.0 for e in events],
        "type": [TYPE_LABELS.get(e.type, e.type) for e in events],
        "decision": [_short(e.decision) for e in events],
        "confidence": [e.confidence for e in events],
        "alternatives": [len(e.alternatives) for e in events],
        "chosen": [e.id == chosen for e in events],
    }, columns=COLUMNS)


def timeline_chart(frame: pd.DataFrame, *, row_height: int = 30) -> alt.Chart:
    """Events along time, one row per type, colored and shaped by type, sized by the
    number of alternatives considered. A click selects an event (point selection
    ``pick`` on its id); dragging pans and the mouse wheel zooms the time axis."""
    domain = [TYPE_LABELS[t] for t in EVENT_TYPES]
    pick = alt.selection_point(name=PICK, fields=["id"], on="click", clear="dblclick")
    zoom = alt.selection_interval(name="zoom", bind="scales", encodings=["x"])
    biggest = max(4, int(frame["alternatives"].max()) if len(frame) else 4)
    return fit_width(alt.Chart(frame).mark_point(filled=True, opacity=0.9).encode(
        x=alt.X("time_s:Q", title="time since the trace started (s)",
                scale=alt.Scale(zero=False, nice=False, padding=16)),
        y=alt.Y("type:N", title=None, sort=domain, scale=alt.Scale(domain=domain),
                axis=alt.Axis(labelOverlap=False)),
        color=alt.Color("type:N", title="event type",
                        scale=alt.Scale(domain=domain, range=[TYPE_COLORS[t]
                                                              for t in EVENT_TYPES]),
                        legend=None),
        shape=alt.Shape("type:N", scale=alt.Scale(domain=domain, range=[
            TYPE_SHAPES[t] for t in EVENT_TYPES]), legend=None),
        size=alt.Size("alternatives:Q", title="alternatives considered",
                      scale=alt.Scale(domain=[0, biggest], range=[90, 520]),
                      legend=bottom_legend(columns=3)),
        strokeWidth=alt.condition("datum.chosen", alt.value(3), alt.value(0)),
        stroke=alt.value("#7f7f7f"),
        tooltip=[
            alt.Tooltip("id:N", title="event"),
            alt.Tooltip("type:N", title="type"),
            alt.Tooltip("time_s:Q", title="time (s)", format=".2f"),
            alt.Tooltip("decision:N", title="decision"),
            alt.Tooltip("confidence:Q", title="confidence", format=".0%"),
            alt.Tooltip("alternatives:Q", title="alternatives considered"),
        ],
    ).add_params(pick, zoom).properties(
        title=fit_title("Reasoning timeline", "(click an event for its details)"),
        height=rows_height(len(domain), row_height)))


def uncertainty_frame(trace: Trace) -> pd.DataFrame:
    """Confidence after each event: id, time in seconds, type, confidence, short decision
    and whether the event flags an ambiguity."""
    return pd.DataFrame({
        "id": [e.id for e in trace.events],
        "time_s": [e.timestamp / 1000.0 for e in trace.events],
        "type": [TYPE_LABELS.get(e.type, e.type) for e in trace.events],
        "confidence": [e.confidence for e in trace.events],
        "decision": [_short(e.decision, 70) for e in trace.events],
        "ambiguity": [e.type == "ambiguity_flagged" for e in trace.events],
    })


def uncertainty_chart(frame: pd.DataFrame, threshold: float, *,
                      height: int = 260) -> alt.LayerChart:
    """Confidence over the trace as a step line with a point per event, a dashed rule at
    the low-confidence ``threshold`` and the ambiguity events marked with orange
    triangles."""
    x = alt.X("time_s:Q", title="time since the trace started (s)",
              scale=alt.Scale(zero=False, nice=False))
    tooltip = [alt.Tooltip("id:N", title="event"), alt.Tooltip("type:N", title="type"),
               alt.Tooltip("time_s:Q", title="time (s)", format=".2f"),
               alt.Tooltip("confidence:Q", title="confidence", format=".0%"),
               alt.Tooltip("decision:N", title="decision")]
    y = alt.Y("confidence:Q", title="confidence in the current answer",
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%"))
    base = alt.Chart(frame).encode(x=x, y=y)
    line = base.mark_line(interpolate="step-after", color="#0072B2")
    points = base.mark_circle(size=45, color="#0072B2").encode(tooltip=tooltip)
    flagged = alt.Chart(frame[frame["ambiguity"]]).mark_point(
        shape="triangle-up", size=260, filled=True, color="#E69F00").encode(
        x=x, y=y, tooltip=tooltip)
    rule_frame = pd.DataFrame({"threshold": [threshold],
                               "label": [f"low-confidence threshold {threshold:.0%}"]})
    rule = alt.Chart(rule_frame).mark_rule(strokeDash=[6, 4], color="#D55E00").encode(
        y="threshold:Q", tooltip=alt.Tooltip("label:N", title="line"))
    return fit_width(alt.layer(rule, line, points, flagged).properties(
        title=fit_title("Confidence over the trace (orange triangles: ambiguity flagged)"),
        height=height))
