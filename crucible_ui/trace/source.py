"""Choosing the Causal Trace Explorer's trace: a mock problem's reasoning (problem, seed,
number of events) or an uploaded file, read and checked once per file content, with a
clear message for a file that cannot be used."""

from __future__ import annotations

import hashlib

import streamlit as st

from crucible_mock.datasets import CATEGORIES, get_bank
from crucible_scenarios.trace import Trace, generate_trace, minimum_events
from crucible_ui.text import escape_markdown
from crucible_ui.trace.upload import TraceUpload, cached_trace_upload
from crucible_ui.trace.views import read_summary
from crucible_ui.widgets import seed_control

SOURCES = ("Mock problem", "Upload a trace")
ITEMS = [item.id for category in CATEGORIES for item in get_bank(category)]
LENGTHS = ["auto", *[str(n) for n in range(10, 16)]]


@st.cache_data(max_entries=64, show_spinner=False)
def cached_trace(item_id: str, seed: int, n_events: int | None) -> Trace:
    """The mock trace of one problem, seed and length."""
    return generate_trace(item_id, seed, n_steps=n_events)


def cached_upload(digest: str, data: bytes, name: str) -> TraceUpload:
    """An uploaded trace file, parsed and checked once per file content."""
    return cached_trace_upload(digest, data, name)


def choose_trace() -> tuple[str, Trace] | None:
    """The trace to explore, with a key naming it for the caches: a mock problem's, or a
    valid upload. With "Upload a trace" chosen the mock controls leave the page, and
    until a good file is read nothing is shown but what is missing or wrong (None)."""
    st.subheader("Choose a trace")
    source = st.radio("Trace source", SOURCES, key="src", horizontal=True,
                      bind="query-params",
                      help="Generate a mock model's reasoning on a dataset problem, or "
                           "upload a trace JSON (the format the JSON download writes).")
    if source != SOURCES[1]:
        return _mock_trace()
    upload = st.file_uploader(
        "Trace file", type=["json", "jsonl", "ndjson"], key="upload",
        help="This page's JSON download, or a span export: OTLP JSON / JSON Lines, "
             "Jaeger, Tempo, Langfuse, Phoenix or LangSmith.")
    if upload is None:
        st.info("Upload a trace file to explore it.", icon=":material/upload_file:")
        return None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    result = cached_upload(digest, data, upload.name)
    if result.error or not result.traces:
        st.error(f"Cannot use {escape_markdown(upload.name)}: "
                 f"{escape_markdown(result.error or 'unknown problem')}",
                 icon=":material/error:")
        return None
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


def _mock_trace() -> tuple[str, Trace]:
    """The mock problem's controls (problem, seed, events) and its trace."""
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
    return f"mock:{item_id}:{seed}:{n_events}", cached_trace(item_id, seed, n_events)
