"""Readers of exported LLM-application traces into :class:`crucible_scenarios.trace.Trace`.

Each format is read from its published schema:

- ``otlp-json`` / ``otlp-jsonl``: the JSON encoding of OpenTelemetry's
  ``ExportTraceServiceRequest`` (opentelemetry-proto ``trace.proto``:
  ``resourceSpans -> scopeSpans -> spans``), as one document, an array of documents, or
  the file exporter's JSON Lines (one request per line). Ids in hex (the OTLP/JSON rule)
  or base64 (the generic proto3 JSON mapping some exporters use), enums as integers or
  names, 64-bit integers as strings or numbers, lowerCamelCase or snake_case keys, typed
  ``AnyValue`` attributes with arrays and key-value lists.
- ``tempo``: Grafana Tempo's older OTLP shape (``batches -> instrumentationLibrarySpans``,
  times as bare numbers) and its ``{"trace": {...}}`` wrapper.
- ``jaeger``: the Jaeger UI download / query API JSON (``data[].spans[]`` with
  ``references``, typed ``tags``, ``logs`` and ``processes``; times in microseconds).
- ``langfuse``: trace exports ``{trace, observations}`` and ``{observations, scores}``.
- ``phoenix``: Arize Phoenix's REST span JSON (``context.span_id``, ``parent_id``,
  ``span_kind``, flat dotted ``attributes``).
- ``langsmith``: LangSmith runs (a list, ``{runs: [...]}``, a run with ``child_runs`` or
  the ``{post: [...], patch: [...]}`` ingest captures).
- ``crucible-trace``: our own JSON, through :func:`crucible_scenarios.trace.from_json`.

Every format is first read into a neutral :class:`RawSpan` record; one builder then applies
the attribute conventions (OpenTelemetry GenAI ``gen_ai.*`` and OpenInference), checks the
structure (duplicate ids, parent cycles, orphans, the span limit) without recursion, and
builds the traces. Every error is a :class:`crucible_io.limits.ReadError` naming the file,
the line or span, and the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    MalformedError,
    SchemaError,
    Source,
    UnknownFormatError,
    decode_text,
    gc_paused,
    iter_json_lines,
    load_source,
    looks_like_json_lines,
    parse_json,
)
from crucible_io.traces.build import build_traces
from crucible_io.traces.common import RawSpan, ReadContext, first_item
from crucible_io.traces.jaeger import read_jaeger
from crucible_io.traces.langfuse import LANGFUSE_KINDS, read_langfuse
from crucible_io.traces.langsmith import read_langsmith
from crucible_io.traces.otlp import read_otlp
from crucible_io.traces.phoenix import read_phoenix
from crucible_io.traces.tempo import read_tempo
from crucible_scenarios.trace import (
    FORMAT_NAME,
    Trace,
    TraceFormatError,
    from_json,
)

#: Every format :func:`read_traces` reads, by the name it reports in ``Trace.source_format``.
TRACE_FORMATS: tuple[str, ...] = ("otlp-json", "otlp-jsonl", "tempo", "jaeger", "langfuse",
                                  "phoenix", "langsmith", FORMAT_NAME)


def _detect_doc(doc: Any) -> str | None:
    """The format of one parsed JSON document, or None."""
    if isinstance(doc, list):
        first = first_item(doc)
        if not isinstance(first, dict):
            return None
        inner = _detect_doc(first)
        if inner in ("otlp-json", "tempo", "jaeger", "langsmith", "phoenix"):
            return inner
        if "traceID" in first and "spans" in first:
            return "jaeger"
        if "parentObservationId" in first or (
                "startTime" in first and str(first.get("type", "")).upper()
                in LANGFUSE_KINDS):
            return "langfuse"
        if "run_type" in first or "dotted_order" in first or "parent_run_id" in first:
            return "langsmith"
        if isinstance(first.get("context"), dict) and "span_kind" in first:
            return "phoenix"
        return None
    if not isinstance(doc, dict):
        return None
    if doc.get("format") == FORMAT_NAME or (
            isinstance(doc.get("events"), list) and "problem_id" in doc):
        return FORMAT_NAME
    if "resourceSpans" in doc or "resource_spans" in doc:
        return "otlp-json"
    if "batches" in doc:
        return "tempo"
    if isinstance(doc.get("trace"), dict) and ("resourceSpans" in doc["trace"] or
                                               "batches" in doc["trace"]):
        return "tempo"
    if "observations" in doc or (isinstance(doc.get("trace"), dict) and
                                 "observations" in doc["trace"]):
        return "langfuse"
    if isinstance(doc.get("post"), list) or isinstance(doc.get("patch"), list):
        return "langsmith"
    if "run_type" in doc and "id" in doc:
        return "langsmith"
    if isinstance(doc.get("runs"), list):
        return "langsmith"
    data = doc.get("data", doc.get("spans"))
    first = first_item(data)
    if isinstance(first, dict):
        if "spans" in first and ("traceID" in first or "processes" in first):
            return "jaeger"
        if isinstance(first.get("context"), dict):
            return "phoenix"
        if "spanId" in first or "span_id" in first:
            return "otlp-json"
    if "traceID" in doc and isinstance(doc.get("spans"), list):
        return "jaeger"
    return None


def _parse(text: str, name: str) -> tuple[list[tuple[int | None, Any]], bool]:
    """Documents in the text, each with its line (JSON Lines) or None; and whether the
    text is JSON Lines."""
    if looks_like_json_lines(text):
        return list(iter_json_lines(text, file=name)), True
    return [(None, parse_json(text, file=name))], False


def _format_of(docs: list[tuple[int | None, Any]], jsonl: bool, name: str) -> str:
    fmt = _detect_doc(docs[0][1]) if docs else None
    if fmt is None and jsonl and docs:
        fmt = _detect_doc([d for _, d in docs])
    if fmt is None:
        raise UnknownFormatError(
            "not a trace file this reader knows; looked for OTLP/JSON (resourceSpans), "
            "Tempo (batches), Jaeger (data[].spans), Langfuse (observations), Phoenix "
            "(data[].context), LangSmith runs (run_type / post+patch) and "
            f"{FORMAT_NAME} JSON", file=name)
    if jsonl and fmt == "otlp-json":
        return "otlp-jsonl"
    return fmt


def detect_trace_format(data: bytes | str, name: str = "<input>") -> str:
    """The name (one of :data:`TRACE_FORMATS`) of the trace format ``data`` is written
    in, from its top-level structure; :class:`UnknownFormatError` when none matches."""
    text = data if isinstance(data, str) else decode_text(bytes(data), file=name)
    docs, jsonl = _parse(text, name)
    return _format_of(docs, jsonl, name)


#: Formats whose JSON Lines files hold one self-contained document per line (the
#: collector's file exporter), read line by line with the line named in errors.
PER_LINE: dict[str, Callable[[Any, ReadContext, int | None, list[RawSpan]], None]] = {
    "otlp-json": read_otlp, "otlp-jsonl": read_otlp, "tempo": read_tempo}
#: Formats read as a whole (the lines of a JSON Lines file are one list of records); a
#: reader may return the raw records by span id (Langfuse's costs and usage).
WHOLE: dict[str, Callable[[Any, ReadContext, list[RawSpan]], dict[str, Any] | None]] = {
    "jaeger": read_jaeger, "langfuse": read_langfuse, "phoenix": read_phoenix,
    "langsmith": read_langsmith}


def read_traces(source: Source, *, fmt: str | None = None, name: str | None = None,
                max_bytes: int = MAX_SOURCE_BYTES) -> list[Trace]:
    """Read every trace in a trace export (path, bytes or file object), one
    :class:`Trace` per trace id, steps in start order, each naming its format in
    ``source_format``. ``fmt`` forces a format (one of :data:`TRACE_FORMATS`)."""
    loaded = load_source(source, name=name, max_bytes=max_bytes)
    file = loaded.name
    text = decode_text(loaded.data, file=file)
    if fmt is not None and fmt not in TRACE_FORMATS:
        raise UnknownFormatError(f"unknown trace format {fmt!r}; use one of "
                                 f"{', '.join(TRACE_FORMATS)}", file=file)
    with gc_paused():  # a large file allocates millions of small objects, none cyclic
        return _read_text(text, file, fmt)


def _read_text(text: str, file: str, fmt: str | None) -> list[Trace]:
    docs, jsonl = _parse(text, file)
    found = fmt or _format_of(docs, jsonl, file)
    if found == FORMAT_NAME:
        if jsonl:
            raise MalformedError(f"a {FORMAT_NAME} file is one JSON document, not JSON "
                                 "Lines", file=file)
        try:
            return [from_json(text)]
        except TraceFormatError as exc:
            raise SchemaError(str(exc), file=file) from None
    ctx = ReadContext(file)
    spans: list[RawSpan] = []
    records: dict[str, dict[str, Any]] = {}
    if found in PER_LINE:
        for line, doc in docs:
            PER_LINE[found](doc, ctx, line, spans)
    else:
        whole = [d for _, d in docs] if jsonl else docs[0][1]
        records.update(WHOLE[found](whole, ctx, spans) or {})
    return build_traces(spans, ctx, found, records)
