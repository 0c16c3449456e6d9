"""Sections of the Causal Trace Explorer for reasoning traces (our mock model's point
events with alternatives and confidence): the summary, search and filters, the timeline
and its table, event details, the uncertainty graph, the live replay and the downloads.
Each section reads its widgets and draws; the charts are built in
:mod:`crucible_ui.trace.reasoning_charts` and the tables in
:mod:`crucible_ui.trace.reasoning_data`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crucible_scenarios.trace import EVENT_TYPES, Trace, iter_replay
from crucible_ui.charts import vega_spec
from crucible_ui.live import run_live
from crucible_ui.text import escape_markdown
from crucible_ui.trace.reasoning_charts import (
    PICK,
    timeline_chart,
    timeline_frame,
    uncertainty_chart,
    uncertainty_frame,
)
from crucible_ui.trace.reasoning_data import (
    detail_markdown,
    event_label,
    event_table,
    exports,
    thin_mask,
)
from crucible_ui.trace.views import export_buttons
from crucible_ui.widgets import (
    download_buttons,
    metric_card,
    playback_speed_control,
    show_chart,
)

TIMELINE_KEY = "timeline"
EVENT_KEY = "ev"
REPLAY_KEY = "trace_replay"


@st.cache_data(max_entries=32, show_spinner=False)
def cached_exports(trace_key: str, _trace: Trace) -> dict[str, str]:
    """JSON, Markdown, Mermaid and HTML of the trace on screen. Keyed by ``trace_key``."""
    return exports(_trace)


@st.cache_data(max_entries=128, show_spinner=False)
def timeline_view(trace_key: str, _trace: Trace, text: str, types: tuple[str, ...],
                  low: float, high: float, chosen: str | None
                  ) -> tuple[dict[str, Any] | None, int, int]:
    """The timeline's Vega-Lite spec for one set of filters (None when nothing matches),
    the number of matching events and the number drawn. Keyed by ``trace_key``."""
    mask = _trace.search_mask(text, types, low, high)
    matching = int(mask.sum())
    if matching == 0:
        return None, 0, 0
    shown = thin_mask(mask)
    spec = vega_spec(timeline_chart(timeline_frame(_trace, shown, chosen)))
    return spec, matching, int(shown.sum())


@st.cache_data(max_entries=64, show_spinner=False)
def table_view(trace_key: str, _trace: Trace, text: str, types: tuple[str, ...],
               low: float, high: float) -> pd.DataFrame:
    """The table of the events matching the filters. Keyed by ``trace_key``."""
    return event_table(_trace, _trace.search_mask(text, types, low, high))


@st.cache_data(max_entries=64, show_spinner=False)
def uncertainty_view(trace_key: str, _trace: Trace, threshold: float) -> dict[str, Any]:
    """The uncertainty graph's Vega-Lite spec at one threshold. Keyed by ``trace_key``."""
    ambiguity = np.array([e.type == "ambiguity_flagged" for e in _trace.events])
    shown = thin_mask(np.ones(len(_trace.events), dtype=bool), keep=ambiguity)
    return vega_spec(uncertainty_chart(uncertainty_frame(_trace)[shown], threshold))


def summary(trace: Trace, threshold: float) -> None:
    """The problem and the trace's headline numbers."""
    if trace.question:
        st.markdown(f"**{escape_markdown(trace.problem_id)}**: "
                    f"{escape_markdown(trace.question)}")
    answer = f"Answer committed: **{escape_markdown(trace.answer or 'none')}**"
    if trace.expected_answer is not None:
        verdict = "matches" if trace.answer == trace.expected_answer else "differs from"
        answer += f" ({verdict} the dataset's answer)"
    st.markdown(answer)
    stats = trace.statistics()
    low = len(trace.low_confidence(threshold))
    cols = st.columns(4)
    with cols[0]:
        metric_card("Events", f"{stats.n_events:,}",
                    help="Reasoning events in the trace.")
    with cols[1]:
        metric_card("Decision points", f"{stats.n_decision_points:,}",
                    help=f"Events where the model weighed alternatives; "
                         f"{stats.n_alternatives:,} alternatives in all.")
    with cols[2]:
        metric_card("Lowest confidence", f"{stats.min_confidence:.0%}",
                    help=f"Mean confidence over the events is {stats.mean_confidence:.0%}; "
                         f"the answer was committed at {stats.final_confidence:.0%}.")
    with cols[3]:
        metric_card("Below threshold", f"{low:,}",
                    help=f"Events with confidence under the {threshold:.0%} threshold "
                         "set below.")
    st.caption(f"The trace lasts {stats.duration_ms / 1000:.2f} s from its first to its last "
               f"event; mean confidence {stats.mean_confidence:.0%}.")


#: Search text, event types, lowest and highest confidence.
Filters = tuple[str, tuple[str, ...], float, float]


def filters() -> tuple[Filters, float]:
    """Search text, event types, confidence range and the low-confidence threshold."""
    st.subheader("Search and filter")
    left, right = st.columns(2)
    text = left.text_input("Search the trace", key="find", bind="query-params",
                           placeholder="e.g. reject, step 2, 57",
                           help="Every word must appear (any case) in the event's id, "
                                "decision, reasoning or alternatives.")
    types = right.multiselect("Event types", list(EVENT_TYPES), default=list(EVENT_TYPES),
                              key="types", bind="query-params",
                              help="Show only these kinds of events.")
    left, right = st.columns(2)
    conf = left.slider("Confidence range", 0.0, 1.0, (0.0, 1.0), step=0.05, key="conf",
                       bind="query-params",
                       help="Show only events whose confidence lies in this range.")
    threshold = right.slider("Low-confidence threshold", 0.05, 0.95, 0.5, step=0.05,
                             key="low", bind="query-params",
                             help="Confidence below this counts as unsure; drawn as a "
                                  "dashed line on the uncertainty graph.")
    chosen_types = tuple(t for t in EVENT_TYPES if t in (types or []))
    return (text or "", chosen_types, float(conf[0]), float(conf[1])), float(threshold)


def _on_pick() -> None:
    """A click on the timeline chooses the event shown in the detail panel."""
    state: Any = st.session_state.get(TIMELINE_KEY)
    picked = ((state or {}).get("selection") or {}).get(PICK) or []
    if picked and isinstance(picked[0], dict) and picked[0].get("id"):
        st.session_state[EVENT_KEY] = str(picked[0]["id"])


def timeline(key: str, trace: Trace, filters_: Filters, chosen: str | None) -> None:
    """The timeline of the matching events and their table."""
    spec, matching, shown = timeline_view(key, trace, *filters_, chosen)
    st.caption(f"{matching:,} of {len(trace.events):,} events match. Each mark is one event, "
               "placed at the time it happened and on the row of its type; bigger marks "
               "weighed more alternatives. Click a mark to open it below; drag to pan, "
               "scroll to zoom, double-click to clear.")
    if spec is None:
        st.info("No event matches the search and filters; widen them to see the timeline.",
                icon=":material/filter_alt_off:")
    else:
        if shown < matching:
            st.caption(f"The chart draws {shown:,} evenly spaced events of the "
                       f"{matching:,}; the table lists them all.")
        st.vega_lite_chart(spec, width="stretch", key=TIMELINE_KEY, on_select=_on_pick,
                           selection_mode=PICK)
    st.dataframe(table_view(key, trace, *filters_), hide_index=True, width="stretch",
                 column_config={"confidence": st.column_config.ProgressColumn(
                     "confidence", format="percent", min_value=0.0, max_value=1.0)})


def detail(trace: Trace) -> str | None:
    """The event picker (kept in step with clicks on the timeline) and the panel."""
    st.subheader("Event details")
    ids = trace.ids
    decision_points = [e.id for e in trace.decision_points()]
    default = ids.index(decision_points[0]) if decision_points else 0
    if st.session_state.get(EVENT_KEY) not in (None, *ids):
        del st.session_state[EVENT_KEY]
    if EVENT_KEY not in st.session_state and EVENT_KEY not in st.query_params:
        st.session_state[EVENT_KEY] = ids[default]
    chosen = st.selectbox("Event", ids, key=EVENT_KEY, bind="query-params",
                          help="Click an event on the timeline, or pick its id here.")
    if chosen is None:
        return None
    heading, body, alternatives, parents, children = detail_markdown(trace, chosen)
    with st.container(border=True, key="trace_detail"):
        st.markdown(f"#### {heading}")
        st.markdown(body)
        if alternatives:
            st.markdown("**Alternatives considered and rejected** (highest score first):")
            st.markdown("\n".join(f"- {line}" for line in alternatives))
        else:
            st.caption("No alternatives were weighed at this event.")
        st.markdown(f"**Builds on:** {parents}")
        st.markdown(f"**Leads to:** {children}")
    return chosen


def uncertainty(key: str, trace: Trace, threshold: float) -> None:
    """Confidence over the whole trace, with the threshold and ambiguity marks."""
    st.vega_lite_chart(uncertainty_view(key, trace, threshold), width="stretch")
    low = trace.low_confidence(threshold)
    flagged = sum(1 for e in trace.events if e.type == "ambiguity_flagged")
    st.caption(f"The line is the model's confidence in its current answer after each event "
               f"(all events, whatever the filters). {len(low):,} events fall below the "
               f"{threshold:.0%} threshold; {flagged:,} flagged an ambiguity, where "
               "confidence typically dips before a check resolves it.")


def replay(trace: Trace, threshold: float) -> None:
    """Play the trace event by event at the chosen speed."""
    st.subheader("Live replay")
    st.caption("Watch the trace unfold event by event; Real time waits as long as each "
               "event took (at most 1.5 s per event).")
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    with left:
        speed = playback_speed_control()
    play = right.button("Replay the trace", key="replay", icon=":material/play_arrow:",
                        width="stretch")
    if not play:
        return
    area = st.empty()
    times = [e.timestamp / 1000.0 for e in trace.events]

    def draw(partial: Trace) -> None:
        with area.container():
            last = partial.events[-1]
            st.markdown(f"**{len(partial.events)} / {len(trace.events)}** · "
                        f"{escape_markdown(event_label(partial, last.id))}")
            mask = thin_mask(np.ones(len(partial.events), dtype=bool))
            show_chart(timeline_chart(timeline_frame(partial, mask, last.id),
                                      row_height=26))
            show_chart(uncertainty_chart(uncertainty_frame(partial)[mask], threshold,
                                         height=200))

    def gap(partial: Trace) -> float:
        n = len(partial.events)
        return times[n] - times[n - 1] if n < len(times) else 0.0

    run_live(iter_replay(trace), draw, progress=lambda p: len(p.events) / len(trace.events),
             speed=speed, key=REPLAY_KEY, label="Replaying", batch_seconds=gap)
    st.session_state.pop(REPLAY_KEY, None)


def downloads(key: str, trace: Trace, filters_: Filters) -> None:
    """The trace as JSON, Markdown, Mermaid and HTML, and the filtered table."""
    st.subheader("Downloads")
    files = cached_exports(key, trace)
    name = export_buttons(trace, files)
    st.caption("JSON reloads here through the upload; the HTML page opens offline in any "
               "browser; the Mermaid flowchart draws the causal links (solid: part of a "
               "step, dotted: uses the result of).")
    with st.expander("Causal graph as Mermaid"):
        st.code(files["mmd"], language=None)
    download_buttons(table_view(key, trace, *filters_), name + "_events", key="dl_events",
                     label="matching events")
