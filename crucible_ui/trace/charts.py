"""Charts of span traces: the waterfall (one row per span, bars from start to end on a
shared time axis, coloured by kind, errors and the critical path marked, zero-length
events as ticks on their parent's row) and the breakdown of time per kind or model.
Builders only: no ``st.*`` here."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from crucible_scenarios.trace import SPAN_KINDS, Trace, critical_ids, span_tree
from crucible_ui.charts import bottom_legend, fit_title, fit_width, rows_height

#: Selection parameter of the waterfall; the page reads ``selection[SPAN_PICK]``.
SPAN_PICK = "span_pick"
#: Rows the waterfall draws per page.
PAGE_ROWS = 100
#: Colour-blind-safe palette (Okabe-Ito, then greys) per span kind.
KIND_COLORS: dict[str, str] = dict(zip(SPAN_KINDS, [
    "#0072B2", "#E69F00", "#009E73", "#999999", "#CC79A7", "#56B4E9", "#F0E442",
    "#D55E00", "#882255", "#8C8C8C", "#7F7F7F"], strict=False))
ROW_COLUMNS = ["row", "label", "id", "name", "kind", "status", "start_ms", "finish_ms",
               "bar_end_ms", "duration_ms", "depth", "error", "critical", "open", "model"]
MARK_COLUMNS = ["label", "id", "name", "time_ms", "kind", "parent"]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_point(trace: Trace, index: np.ndarray, starts: np.ndarray, finishes: np.ndarray,
              has_children: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Zero-length, childless spans that have a parent: drawn as marks on its row."""
    return (finishes[index] <= starts[index]) & ~has_children[index] & (parent[index] >= 0)


def waterfall_rows(trace: Trace, mask: np.ndarray | None = None, *, max_depth: int | None
                   = None, page: int = 0, page_rows: int = PAGE_ROWS
                   ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The rows and marks of one waterfall page and the number of rows in all pages.

    Rows are the spans in depth-first order (parents above their children) kept by
    ``mask`` and no deeper than ``max_depth``, except zero-length childless spans, which
    become marks on their parent's row (when that row is on the page). Labels are
    indented by depth and numbered so equal names stay apart."""
    tree = span_tree(trace)
    n = len(trace.events)
    starts, finishes = trace.span_times()
    parent = tree.parent_index
    has_children = np.zeros(n, dtype=bool)
    if n:
        has_children[parent[parent >= 0]] = True
    keep = np.ones(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if max_depth is not None:
        keep &= tree.depths <= max_depth
    order = tree.order
    point = _is_point(trace, order, starts, finishes, has_children, parent)
    rows_idx = order[keep[order] & ~point]
    total = int(rows_idx.size)
    page_idx = rows_idx[page * page_rows:(page + 1) * page_rows]
    critical = critical_ids(trace) if n else set()
    events = trace.events
    span = float(finishes.max() - starts.min()) if n else 1.0
    min_width = max(span, 1e-9) / 400.0  # a visible sliver for zero-length rows
    labels = {}
    records = []
    for pos, i in enumerate(page_idx.tolist(), start=page * page_rows + 1):
        e = events[i]
        name = e.name or e.decision or e.id
        label = f"{pos}. {'· ' * int(tree.depths[i])}{_short(name, 48)}"
        labels[i] = label
        records.append((pos, label, e.id, _short(name, 200), e.kind, e.status,
                        float(starts[i]), float(finishes[i]),
                        float(max(finishes[i], starts[i] + min_width)),
                        float(finishes[i] - starts[i]), int(tree.depths[i]),
                        e.status == "error", e.id in critical, e.is_open, e.model or ""))
    rows = pd.DataFrame.from_records(records, columns=ROW_COLUMNS)
    marks = []
    for i in order[keep[order] & point].tolist():
        p = int(parent[i])
        if p in labels:
            e = events[i]
            marks.append((labels[p], e.id, _short(e.name or e.decision or e.id, 200),
                          float(starts[i]), e.kind, events[p].id))
    return rows, pd.DataFrame.from_records(marks, columns=MARK_COLUMNS), total


def waterfall_chart(rows: pd.DataFrame, marks: pd.DataFrame, *, chosen: str | None = None,
                    row_height: int = 22) -> alt.LayerChart:
    """Bars from start to finish (ms since the trace started) per span row, coloured by
    kind; a thick dark outline marks the critical path, a red cross an error, a ring the
    chosen span; zero-length events are diamonds on their parent's row. A click selects a
    span (point selection ``span_pick`` on its id)."""
    chosen_mask = rows["id"] == chosen
    rows = rows.assign(chosen=chosen_mask, outline=np.where(
        chosen_mask, 3.5, np.where(rows["critical"], 2.0, 0.0)))
    domain = [k for k in SPAN_KINDS if k in set(rows["kind"]) | set(marks["kind"])] or ["span"]
    color = alt.Color("kind:N", title="span kind", scale=alt.Scale(
        domain=domain, range=[KIND_COLORS.get(k, "#666666") for k in domain]),
        legend=bottom_legend(columns=4))
    sort = list(rows["label"])
    y = alt.Y("label:N", title=None, sort=sort, axis=alt.Axis(labelLimit=260,
                                                              labelOverlap=False))
    pick = alt.selection_point(name=SPAN_PICK, fields=["id"], on="click", clear="dblclick")
    zoom = alt.selection_interval(name="wf_zoom", bind="scales", encodings=["x"])
    tooltip = [alt.Tooltip("name:N", title="span"), alt.Tooltip("kind:N", title="kind"),
               alt.Tooltip("status:N", title="status"),
               alt.Tooltip("start_ms:Q", title="start (ms)", format=",.1f"),
               alt.Tooltip("duration_ms:Q", title="duration (ms)", format=",.1f"),
               alt.Tooltip("model:N", title="model"),
               alt.Tooltip("critical:N", title="on the critical path")]
    base = alt.Chart(rows)
    bars = base.mark_bar(height={"band": 0.7}, cornerRadius=2).encode(
        x=alt.X("start_ms:Q", title="time since the trace started (ms)",
                scale=alt.Scale(zero=False, nice=False)),
        x2="bar_end_ms:Q", y=y, color=color,
        stroke=alt.value("#7f7f7f"),
        strokeWidth=alt.StrokeWidth("outline:Q", scale=None, legend=None),
        opacity=alt.condition("datum.critical", alt.value(1.0), alt.value(0.55)),
        tooltip=tooltip,
    ).add_params(pick, zoom)
    errors = base.transform_filter("datum.error").mark_point(
        shape="cross", size=120, filled=True, color="#D55E00", opacity=1).encode(
        x="bar_end_ms:Q", y=y, tooltip=tooltip)
    layers: list[alt.Chart] = [bars, errors]
    if len(marks):
        layers.append(alt.Chart(marks).mark_point(
            shape="diamond", size=90, filled=True, color="#7f7f7f", opacity=1,
            stroke="#ffffff", strokeWidth=0.8).encode(
            x="time_ms:Q", y=alt.Y("label:N", sort=sort),
            tooltip=[alt.Tooltip("name:N", title="event"),
                     alt.Tooltip("time_ms:Q", title="time (ms)", format=",.1f")]))
    return fit_width(alt.layer(*layers).properties(
        title=fit_title("Waterfall", "(click a bar for its details; outlined, solid: "
                                     "critical path; red cross: error)"),
        height=rows_height(len(set(sort)), row_height)))


def breakdown_chart(table: pd.DataFrame, by: str) -> alt.Chart:
    """Horizontal bars of self time (ms) per ``by`` group from
    :func:`crucible_scenarios.trace.breakdown`, largest first."""
    frame = table.assign(key=table["key"].astype(str).map(lambda s: _short(s, 40)))
    return fit_width(alt.Chart(frame).mark_bar(color="#0072B2").encode(
        x=alt.X("self_ms:Q", title="self time (ms)"),
        y=alt.Y("key:N", title=by, sort="-x"),
        tooltip=[alt.Tooltip("key:N", title=by), alt.Tooltip("spans:Q", title="spans"),
                 alt.Tooltip("self_ms:Q", title="self time (ms)", format=",.1f"),
                 alt.Tooltip("input_tokens:Q", title="input tokens"),
                 alt.Tooltip("output_tokens:Q", title="output tokens"),
                 alt.Tooltip("cost_usd:Q", title="cost (USD)", format=".4f")],
    ).properties(title=fit_title(f"Self time per {by}", "(time not spent in children)"),
                 height=rows_height(frame["key"].nunique(), 22)))
