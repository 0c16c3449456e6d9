"""Grafana Tempo's trace-by-id answers: ``{"batches": [...]}`` (the legacy API, resource
spans under another name) and ``{"trace": {...}}`` (API v2) wrapping an OTLP/JSON
document, whose spans :mod:`crucible_io.traces.otlp` reads."""

from __future__ import annotations

from typing import Any

from crucible_io.traces.common import RawSpan, ReadContext, TraceFormat
from crucible_io.traces.otlp import read_otlp, read_resource_spans


def read_tempo(doc: Any, ctx: ReadContext, line: int | None, out: list[RawSpan]) -> None:
    """Spans of one Tempo document: the ``trace`` wrapper unwrapped, ``batches`` read as
    the resource spans they are, anything else as OTLP/JSON."""
    if isinstance(doc, dict) and isinstance(doc.get("trace"), dict):
        doc = doc["trace"]
    if isinstance(doc, dict) and "batches" in doc and "resourceSpans" not in doc:
        read_resource_spans(doc["batches"], "batches", ctx, line, out)
        return
    read_otlp(doc, ctx, line, out)


def _is_tempo(doc: dict[str, Any]) -> bool:
    inner = doc.get("trace")
    return "batches" in doc or (isinstance(inner, dict) and (
        "resourceSpans" in inner or "batches" in inner))


FORMAT = TraceFormat("tempo", document=_is_tempo, read_line=read_tempo)
