"""Page sections for imported span traces: what was read, the headline numbers, search
and filters, the paginated waterfall with span details, breakdowns per kind and model,
and the comparison of two traces. Every user or tool text is Markdown-escaped."""

from __future__ import annotations

import hashlib
import json
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crucible_scenarios.trace import (
    SPAN_KINDS,
    SPAN_STATUSES,
    Trace,
    breakdown,
    compare_traces,
    critical_path,
    filter_spans,
    span_details,
    span_tree,
)
from crucible_ui.charts import vega_spec
from crucible_ui.text import escape_markdown
from crucible_ui.trace.charts import (
    PAGE_ROWS,
    SPAN_PICK,
    breakdown_chart,
    waterfall_chart,
    waterfall_rows,
)
from crucible_ui.trace.upload import cached_trace_upload
from crucible_ui.widgets import download_buttons, metric_card

WATERFALL_KEY = "waterfall"
SPAN_KEY = "span"
MAX_SHOWN_TEXT = 4_000

#: Search text, kinds, statuses, minimum duration (ms), depth limit.
SpanFilters = tuple[str, tuple[str, ...], tuple[str, ...], float, int]


def _label_of(labels: dict[Any, str], key: Any) -> str:
    """The option label of ``key`` (picklable, unlike a lambda)."""
    return labels.get(key, str(key))


def _e(value: Any) -> str:
    return escape_markdown("" if value is None else str(value))


@st.cache_data(max_entries=64, show_spinner=False)
def waterfall_view(trace_key: str, _trace: Trace, filters_: SpanFilters, page: int,
                   chosen: str | None) -> tuple[dict[str, Any] | None, int, int]:
    """The waterfall spec of one page (None when no row), the rows in all pages and the
    spans matching the filters. Keyed by ``trace_key``."""
    text, kinds, statuses, min_ms, depth = filters_
    mask = filter_spans(_trace, text or None, kinds, statuses, min_ms or None)
    rows, marks, total = waterfall_rows(_trace, mask, max_depth=depth, page=page)
    if rows.empty:
        return None, total, int(mask.sum())
    return vega_spec(waterfall_chart(rows, marks, chosen=chosen)), total, int(mask.sum())


@st.cache_data(max_entries=64, show_spinner=False)
def breakdown_view(trace_key: str, _trace: Trace, by: str) -> pd.DataFrame:
    """:func:`breakdown` of the trace on screen. Keyed by ``trace_key``."""
    return breakdown(_trace, by)


@st.cache_data(max_entries=64, show_spinner=False)
def breakdown_spec(trace_key: str, _trace: Trace, by: str) -> dict[str, Any]:
    """The breakdown chart's spec (30 largest groups). Keyed by ``trace_key``."""
    return vega_spec(breakdown_chart(breakdown(_trace, by).head(30), by))


@st.cache_data(max_entries=32, show_spinner=False)
def trace_facts(trace_key: str, _trace: Trace) -> tuple[list[str], int]:
    """The span kinds present (in :data:`SPAN_KINDS` order) and the deepest level."""
    kinds = {e.kind for e in _trace.events}
    deepest = int(span_tree(_trace).depths.max()) if _trace.events else 0
    return [k for k in SPAN_KINDS if k in kinds], deepest


@st.cache_data(max_entries=256, show_spinner=False)
def details_view(trace_key: str, _trace: Trace, span_id: str) -> dict[str, Any]:
    """:func:`span_details` of one span. Keyed by ``trace_key`` and the span id."""
    return span_details(_trace, span_id)


def read_summary(name: str, fmt: str, traces: tuple[Trace, ...]) -> Trace:
    """Say what the file held and let the user pick one of several traces."""
    chosen = traces[0]
    if len(traces) > 1:
        labels = [f"{i + 1}. {t.trace_id or t.problem_id} · {t.question} "
                  f"({len(t.events):,} spans)" for i, t in enumerate(traces)]
        pick = st.selectbox("Trace in the file", range(len(traces)), key="trace_pick",
                            format_func=partial(_label_of, dict(enumerate(labels))),
                            help="The file holds several traces (split by trace id).")
        chosen = traces[int(pick or 0)]
    st.success(f"Read {_e(name)} as **{_e(fmt)}**: {len(traces):,} trace(s); this one has "
               f"{len(chosen.events):,} spans, model {_e(chosen.model or 'not recorded')}.",
               icon=":material/check_circle:")
    for note in chosen.notes[:5]:
        st.caption(f"Reader note: {_e(note)}")
    return chosen


def span_summary(key: str, trace: Trace) -> None:
    """Root, duration, spans, errors, tokens and cost of the trace."""
    if trace.question:
        st.markdown(f"**Root span:** {_e(trace.question)}")
    if trace.answer:
        st.markdown(f"**Root output:** {_e(trace.answer[:300])}")
    starts, finishes = trace.span_times()
    n = len(trace.events)
    duration = float(finishes.max() - starts.min()) if n else 0.0
    table = breakdown_view(key, trace, "kind")
    errors = int(table["errors"].sum()) if n else 0
    cols = st.columns(4)
    with cols[0]:
        metric_card("Spans", f"{n:,}", help="Spans (and events) in the trace.")
    with cols[1]:
        metric_card("Duration", f"{duration:,.0f} ms",
                    help="From the earliest span start to the latest finish.")
    with cols[2]:
        metric_card("Tokens", f"{int(table['input_tokens'].sum()):,} in / "
                              f"{int(table['output_tokens'].sum()):,} out",
                    help="Summed over the leaf LLM spans, so a generation nested in a "
                         "generation is counted once.")
    with cols[3]:
        metric_card("Errors", f"{errors:,}", help="Spans whose status is error.")


def span_filters(key: str, trace: Trace) -> SpanFilters:
    """Search text, kinds, statuses, minimum duration and depth limit."""
    st.subheader("Search and filter")
    left, right = st.columns(2)
    text = left.text_input("Search the spans", key="sfind",
                           placeholder="e.g. lookup, gpt-4o, timeout",
                           help="Every word must appear (any case) in the span's name, "
                                "id, model, input or output text, attribute keys or "
                                "values, or its events' names.")
    present, deepest = trace_facts(key, trace)
    kinds = right.multiselect("Kinds", present, default=present, key="skinds",
                              help="Show only spans of these kinds.")
    left, mid, right = st.columns(3)
    statuses = left.multiselect("Status", list(SPAN_STATUSES), default=list(SPAN_STATUSES),
                                key="sstatus", help="ok, error or unset (not recorded).")
    min_ms = mid.number_input("Shortest duration (ms)", min_value=0.0, value=0.0,
                              step=10.0, key="smin",
                              help="Hide spans shorter than this.")
    depth = right.number_input("Deepest level shown", min_value=0, max_value=max(deepest, 0),
                               value=min(deepest, 8), step=1, key="sdepth",
                               help="Collapse everything below this nesting level "
                                    "(0: roots only).")
    return (text or "", tuple(kinds or ()), tuple(statuses or ()), float(min_ms or 0.0),
            int(depth if depth is not None else deepest))


def _on_span_pick() -> None:
    """A click on the waterfall chooses the span shown in the details panel."""
    state: Any = st.session_state.get(WATERFALL_KEY)
    picked = ((state or {}).get("selection") or {}).get(SPAN_PICK) or []
    if picked and isinstance(picked[0], dict) and picked[0].get("id"):
        st.session_state[SPAN_KEY] = str(picked[0]["id"])


def waterfall(key: str, trace: Trace, filters_: SpanFilters) -> None:
    """The paginated waterfall, its explanation and the span details."""
    st.subheader("Waterfall")
    st.caption("One row per span, parents above their children and indented by depth; "
               "each bar runs from the span's start to its end on a shared time axis in "
               "milliseconds. The **critical path** (outlined) is the chain of spans that "
               "set the end-to-end time: shortening anything else would not make the "
               "trace finish sooner. Diamonds are zero-length events on their parent's "
               "row. Drag to pan, scroll to zoom.")
    ids = trace.ids
    if st.session_state.get(SPAN_KEY) not in (None, *ids):
        del st.session_state[SPAN_KEY]
    chosen = st.session_state.get(SPAN_KEY)
    _, total, matching = waterfall_view(key, trace, filters_, 0, chosen)
    pages = max(1, -(-total // PAGE_ROWS))
    page = 0
    if pages > 1:
        page = int(st.number_input(f"Page of {PAGE_ROWS} rows (of {pages})", 1, pages, 1,
                                   key="spage", help="Rows are split into pages so a "
                                                     "large trace stays quick.")) - 1
    spec, total, matching = waterfall_view(key, trace, filters_, page, chosen)
    st.caption(f"{matching:,} of {len(ids):,} spans match; {total:,} rows to draw.")
    if spec is None:
        st.info("No span matches the search and filters; widen them to see the waterfall.",
                icon=":material/filter_alt_off:")
    else:
        st.vega_lite_chart(spec, width="stretch", key=WATERFALL_KEY,
                           on_select=_on_span_pick, selection_mode=SPAN_PICK)
    labels = {e.id: f"{e.name or e.decision or e.id} ({e.kind}, {e.id})"
              for e in trace.events}
    if SPAN_KEY not in st.session_state and ids:
        st.session_state[SPAN_KEY] = ids[0]
    picked = st.selectbox("Span", ids, key=SPAN_KEY, format_func=partial(_label_of, labels),
                          help="Click a bar on the waterfall, or pick the span here.")
    if picked:
        details(key, trace, picked)
    path = critical_path(trace)
    if path:
        st.caption("Critical path, root to leaf: " + " → ".join(
            _e(labels.get(s, s).split(" (")[0]) for s in dict.fromkeys(
                section.span_id for section in path
                if section.end_ms > section.start_ms)))


def details(key: str, trace: Trace, span_id: str) -> None:
    """Timing, model, tokens, cost, status, texts, attributes and events of one span."""
    info = details_view(key, trace, span_id)
    event = trace.event(span_id)
    with st.container(border=True, key="span_detail"):
        st.markdown(f"#### {_e(info['name'])}")
        st.markdown(
            f"**Kind:** {_e(info['kind'])} · **Status:** {_e(info['status'])}"
            + (f" ({_e(info['status_message'])})" if info["status_message"] else "")
            + f" · **Id:** {_e(info['id'])}")
        st.markdown(
            f"**Timing:** starts at {info['start_ms']:,.1f} ms, "
            + ("still open at " if info["open"] else "ends at ")
            + f"{info['finish_ms']:,.1f} ms; lasts {info['duration_ms']:,.1f} ms, of which "
            f"{info['self_ms']:,.1f} ms in the span itself (not in its children)."
            + (" On the critical path." if info["on_critical_path"] else ""))
        usage = []
        if info["model"]:
            usage.append(f"**Model:** {_e(info['model'])}")
        if info["input_tokens"] is not None or info["output_tokens"] is not None:
            usage.append(f"**Tokens (own):** {info['input_tokens'] or 0:,} in / "
                         f"{info['output_tokens'] or 0:,} out")
        if info["rolled_up_input_tokens"] is not None:
            usage.append(f"**Tokens (leaf LLM spans beneath):** "
                         f"{info['rolled_up_input_tokens']:,} in / "
                         f"{info['rolled_up_output_tokens'] or 0:,} out")
        if info["rolled_up_cost_usd"] is not None:
            usage.append(f"**Cost:** {info['rolled_up_cost_usd']:.6f} USD")
        if usage:
            st.markdown(" · ".join(usage))
        for label, text in (("Input", event.input_text), ("Output", event.output_text)):
            if text:
                st.markdown(f"**{label}:**")
                st.code(text[:MAX_SHOWN_TEXT], language=None, wrap_lines=True)
        if event.attributes:
            with st.expander(f"Attributes ({len(event.attributes):,})"):
                st.dataframe(pd.DataFrame({
                    "key": [str(k) for k in event.attributes],
                    "value": [v if isinstance(v, str) else json.dumps(v, default=str)
                              for v in event.attributes.values()]}),
                    hide_index=True, width="stretch")
        if event.span_events:
            with st.expander(f"Events ({len(event.span_events):,})"):
                st.dataframe(pd.DataFrame({
                    "time (ms)": [se.time_ms for se in event.span_events],
                    "name": [se.name for se in event.span_events],
                    "attributes": [json.dumps(se.attributes, default=str)
                                   for se in event.span_events]}),
                    hide_index=True, width="stretch")


def breakdowns(key: str, trace: Trace) -> None:
    """Time, tokens and cost per kind and per model, from the roll-up."""
    st.subheader("Where the time, tokens and cost went")
    st.caption("**Self time** is the time a span spent itself, not inside its children, "
               "so the self times of a group add up without counting nested spans twice. "
               "Tokens and cost come from the leaf LLM spans only, for the same reason.")
    by = st.radio("Group by", ["kind", "model", "name"], key="sby", horizontal=True,
                  help="Sum over span kinds, over the models of LLM spans, or over names.")
    table = breakdown_view(key, trace, str(by or "kind"))
    if table.empty:
        st.info("The trace has no spans.")
        return
    st.vega_lite_chart(breakdown_spec(key, trace, str(by)), width="stretch")
    st.dataframe(table.rename(columns={"key": str(by), "self_ms": "self time (ms)",
                                       "total_ms": "summed durations (ms)",
                                       "cost_usd": "cost (USD)"}),
                 hide_index=True, width="stretch")


def comparison(trace: Trace, other: Trace | None, other_name: str | None) -> None:
    """Two traces side by side per span name or kind (:func:`compare_traces`)."""
    if other is None:
        return
    st.subheader("Compare with a second trace")
    by = st.radio("Compare per", ["name", "kind", "model"], key="cby", horizontal=True)
    result = compare_traces(trace, other, str(by or "name"))
    st.caption(f"This trace (a) against {_e(other_name or 'the second trace')} (b): spans, "
               f"self time, tokens and cost per {_e(result.by)}, and the change b - a. "
               f"{result.only_in_a:,} spans only in a, {result.only_in_b:,} only in b.")
    st.dataframe(result.table, hide_index=True, width="stretch")


@st.cache_data(max_entries=32, show_spinner=False)
def filtered_table(trace_key: str, _trace: Trace, filters_: SpanFilters) -> pd.DataFrame:
    """The matching spans as a table (for the download). Keyed by ``trace_key``."""
    trace = _trace
    text, kinds, statuses, min_ms, _ = filters_
    mask = filter_spans(trace, text or None, kinds, statuses, min_ms or None)
    starts, finishes = trace.span_times()
    idx = np.flatnonzero(mask)
    return pd.DataFrame({
        "id": [trace.events[i].id for i in idx],
        "name": [trace.events[i].name for i in idx],
        "kind": [trace.events[i].kind for i in idx],
        "status": [trace.events[i].status for i in idx],
        "start_ms": starts[idx], "finish_ms": finishes[idx],
        "model": [trace.events[i].model for i in idx]})


def second_trace() -> tuple[str | None, Trace | None]:
    """An optional second span trace to compare with."""
    with st.expander("Compare with another trace"):
        other = st.file_uploader("Second trace file", type=["json", "jsonl", "ndjson"],
                                 key="upload_b",
                                 help="Any format the first upload accepts; its first "
                                      "trace is compared.")
        if other is None:
            return None, None
        data = other.getvalue()
        result = cached_trace_upload(hashlib.sha256(data).hexdigest(), data, other.name)
        if result.error or not result.traces:
            st.error(f"Cannot use {escape_markdown(other.name)}: "
                     f"{escape_markdown(result.error or 'unknown problem')}",
                     icon=":material/error:")
            return None, None
        return other.name, result.traces[0]


def span_page(key: str, trace: Trace, files: dict[str, str]) -> None:
    """The views of an imported span trace."""
    span_summary(key, trace)
    filters_ = span_filters(key, trace)
    waterfall(key, trace, filters_)
    breakdowns(key, trace)
    comparison(trace, *reversed(second_trace()))
    span_downloads(key, trace, files, filtered_table(key, trace, filters_))


def span_downloads(key: str, trace: Trace, files: dict[str, str],
                   table: pd.DataFrame) -> None:
    """Exports of an imported trace and its matching spans."""
    st.subheader("Downloads")
    export_buttons(trace, files)
    download_buttons(table, "trace_spans", key="dl_spans", label="matching spans")


def export_buttons(trace: Trace, files: dict[str, str]) -> str:
    """The trace as JSON, Markdown, Mermaid and HTML; returns the file name stem."""
    name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in trace.problem_id)
    name = f"trace_{name or 'uploaded'}"
    cols = st.columns(4)
    specs = [("json", "JSON", "application/json"), ("md", "Markdown", "text/markdown"),
             ("mmd", "Mermaid", "text/plain"), ("html", "HTML page", "text/html")]
    for col, (ext, label, mime) in zip(cols, specs, strict=True):
        col.download_button(f"Trace ({label})", partial(files.__getitem__, ext),
                            file_name=f"{name}.{ext}",
                            mime=mime, key=f"dl_{ext}", icon=":material/download:",
                            on_click="ignore", width="stretch")
    return name
