"""Uploaded trace files: our own JSON (with its consistency checks) or any span export
:func:`crucible_io.traces.read_traces` reads (OTLP JSON / JSON Lines, Jaeger, Tempo,
Langfuse, Phoenix, LangSmith)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from crucible_io.limits import ReadError
from crucible_io.traces import detect_trace_format, read_traces
from crucible_scenarios.trace import FORMAT_NAME, Trace
from crucible_ui.trace.reasoning_data import read_trace_upload
from crucible_ui.uploads import MAX_UPLOAD_BYTES


@dataclass(frozen=True)
class TraceUpload:
    """What an upload held: the traces (one or more, split by trace id), the format the
    reader detected, consistency ``problems`` of our own format, or an ``error``."""

    traces: tuple[Trace, ...]
    fmt: str
    error: str | None = None
    problems: tuple[str, ...] = ()


def read_any_trace_upload(data: bytes, name: str = "upload") -> TraceUpload:
    """Read an uploaded trace file. Our own format goes through
    :func:`crucible_ui.trace.reasoning_data.read_trace_upload` (exact messages, consistency
    problems); any other file through :func:`read_traces` with the app's upload limit.
    When neither can read it, the message is the span reader's if the file looked like a
    span export, else our format's."""
    ours = read_trace_upload(data)
    if ours.trace is not None:
        return TraceUpload((ours.trace,), FORMAT_NAME, None, ours.problems)
    try:
        fmt = detect_trace_format(data, name)
    except (ReadError, RecursionError):
        fmt = FORMAT_NAME
    if fmt == FORMAT_NAME:
        return TraceUpload((), FORMAT_NAME, ours.error or "The file is not a trace.")
    try:
        traces = read_traces(data, name=name, max_bytes=MAX_UPLOAD_BYTES)
    except ReadError as exc:
        return TraceUpload((), fmt, str(exc))
    except RecursionError:
        return TraceUpload((), fmt, "The file nests JSON too deeply to be a trace.")
    if not traces:
        return TraceUpload((), fmt, f"The {fmt} file holds no spans.")
    return TraceUpload(tuple(traces), fmt)


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_trace_upload(digest: str, data: bytes, name: str) -> TraceUpload:
    """:func:`read_any_trace_upload`, once per file content (``digest`` its SHA-256).
    Kept as a shared resource, not copied per rerun: traces are immutable, and the
    arrays they build on first use (tree, times, usage) then survive reruns."""
    del digest  # part of the cache key only
    return read_any_trace_upload(data, name)
