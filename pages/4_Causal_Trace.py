"""Causal Trace Explorer: a model's reasoning on one problem as a timeline of events,
the alternatives it rejected at each decision and how its confidence moved."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crucible_mock.datasets import CATEGORIES, get_bank
from crucible_scenarios.trace import (
    EVENT_TYPES,
    Trace,
    generate_trace,
    iter_replay,
    minimum_events,
)
from crucible_ui.charts import vega_spec
from crucible_ui.layout import guarded, page_intro
from crucible_ui.live import run_live
from crucible_ui.text import escape_markdown
from crucible_ui.trace.upload import TraceUpload, cached_trace_upload
from crucible_ui.trace.views import export_buttons, read_summary, span_page
from crucible_ui.trace_charts import (
    PICK,
    timeline_chart,
    timeline_frame,
    uncertainty_chart,
    uncertainty_frame,
)
from crucible_ui.trace_views import (
    detail_markdown,
    event_label,
    event_table,
    exports,
    thin_mask,
)
from crucible_ui.widgets import (
    download_buttons,
    metric_card,
    playback_speed_control,
    seed_control,
    show_chart,
)

TITLE = "Causal Trace Explorer"
QUESTION = "Why did the model decide what it did, and where was it unsure?"
EXPLANATION = (
    "A reasoning model solves a problem in small steps: it recognises the kind of problem, "
    "forms a hypothesis for each step, checks it, and commits an answer. At each "
    "**decision** it weighed **alternatives** and rejected them for a reason, and its "
    "**confidence** rose and fell along the way. This page lays one such **trace** out "
    "on a timeline. Click an event to see what the model decided, why, which "
    "alternatives it turned down and which earlier events it built on. The traces here "
    "come from a mock model that follows each problem's worked solution. You can also "
    "upload a trace of your own: this page's JSON, or a span export from OpenTelemetry "
    "(OTLP JSON or JSON Lines), Jaeger, Grafana Tempo, Langfuse, Arize Phoenix or "
    "LangSmith, drawn as a nested waterfall with time, tokens and cost per step."
)
SOURCES = ("Mock problem", "Upload a trace")
ITEMS = [item.id for category in CATEGORIES for item in get_bank(category)]
LENGTHS = ["auto", *[str(n) for n in range(10, 16)]]
TIMELINE_KEY = "timeline"
EVENT_KEY = "ev"
REPLAY_KEY = "trace_replay"


@st.cache_data(max_entries=64, show_spinner=False)
def cached_trace(item_id: str, seed: int, n_events: int | None) -> Trace:
    """The mock trace of one problem, seed and length."""
    return generate_trace(item_id, seed, n_steps=n_events)


def cached_upload(digest: str, data: bytes, name: str) -> TraceUpload:
    """An uploaded trace file, parsed and checked once per file content."""
    return cached_trace_upload(digest, data, name)


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


@st.cache_data(max_entries=32, show_spinner=False)
def cached_exports(trace_key: str, _trace: Trace) -> dict[str, str]:
    """JSON, Markdown, Mermaid and HTML of the trace on screen. Keyed by ``trace_key``."""
    return exports(_trace)


def choose_trace() -> tuple[str, Trace]:
    """The trace to explore, with a key naming it for the caches: a mock problem's, or a
    valid upload."""
    st.subheader("Choose a trace")
    source = st.radio("Trace source", SOURCES, key="src", horizontal=True,
                      bind="query-params",
                      help="Generate a mock model's reasoning on a dataset problem, or "
                           "upload a trace JSON (the format the JSON download writes).")
    left, mid, right = st.columns([3, 1, 1])
    item_id = left.selectbox(
        "Problem", ITEMS, key="q", bind="query-params",
        help="The id of any question of the mock datasets: math (math-), code (code-), "
             "medical diagnoses (med-) and general knowledge (gen-). Type to search; its "
             "text is shown below.") or ITEMS[0]
    with mid:
        seed = seed_control()
    length = right.selectbox(
        "Events", LENGTHS, key="len", bind="query-params",
        help="How many reasoning events the trace has; auto draws 10-15 from the seed.")
    need = minimum_events(item_id)
    n_events = None if length in (None, "auto") else max(int(length), need)
    if length not in (None, "auto") and int(length) < need:
        right.caption(f"This problem needs at least {need} events; showing {need}.")
    mock = (f"mock:{item_id}:{seed}:{n_events}", cached_trace(item_id, seed, n_events))
    if source != SOURCES[1]:
        return mock
    upload = st.file_uploader(
        "Trace file", type=["json", "jsonl", "ndjson"], key="upload",
        help="This page's JSON download, or a span export: OTLP JSON / JSON Lines, "
             "Jaeger, Tempo, Langfuse, Phoenix or LangSmith.")
    if upload is None:
        st.info("Upload a trace JSON to explore it; until then the mock trace of the "
                "problem above is shown.", icon=":material/upload_file:")
        return mock
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    result = cached_upload(digest, data, upload.name)
    if result.error or not result.traces:
        st.error(f"Cannot use {escape_markdown(upload.name)}: "
                 f"{escape_markdown(result.error or 'unknown problem')} Showing the mock "
                 "trace of the problem above instead.", icon=":material/error:")
        return mock
    if result.problems:
        more = len(result.problems) - 3
        st.warning("The uploaded trace is inconsistent: "
                   + " ".join(escape_markdown(p) for p in result.problems[:3])
                   + (f" (and {more} more)" if more > 0 else "")
                   + " Links to missing events are skipped.", icon=":material/warning:")
    if result.traces[0].is_spans:
        trace = read_summary(upload.name, result.fmt, result.traces)
        return f"upload:{digest}:{trace.trace_id}", trace
    st.success(f"Loaded {escape_markdown(upload.name)}: {len(result.traces[0].events):,} "
               "events.", icon=":material/check_circle:")
    return f"upload:{digest}", result.traces[0]


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


@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    key, trace = choose_trace()
    if trace.is_spans:
        span_page(key, trace, cached_exports(key, trace))
        return
    summary_area = st.container()
    filters_, threshold = filters()
    with summary_area:
        summary(trace, threshold)
    st.subheader("Timeline")
    timeline_area = st.container()
    chosen = detail(trace)
    with timeline_area:
        timeline(key, trace, filters_, chosen)
    st.subheader("Uncertainty")
    uncertainty(key, trace, threshold)
    replay(trace, threshold)
    downloads(key, trace, filters_)


main()
