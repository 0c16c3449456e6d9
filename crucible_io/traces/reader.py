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
from crucible_io.traces import jaeger, langfuse, langsmith, otlp, phoenix, tempo
from crucible_io.traces.build import build_traces
from crucible_io.traces.common import (
    LineReader,
    RawSpan,
    ReadContext,
    TraceFormat,
    WholeReader,
    first_item,
)
from crucible_scenarios.trace import (
    FORMAT_NAME,
    Trace,
    TraceFormatError,
    from_json,
)

#: Every format :func:`read_traces` reads, by the name it reports in ``Trace.source_format``.
TRACE_FORMATS: tuple[str, ...] = ("otlp-json", "otlp-jsonl", "tempo", "jaeger", "langfuse",
                                  "phoenix", "langsmith", FORMAT_NAME)


#: Every tool format detection knows, in the order its tests are asked; a new format is
#: its module (with a :class:`~crucible_io.traces.common.TraceFormat`) and one line here.
TRACE_READERS: tuple[TraceFormat, ...] = (
    otlp.FORMAT,
    tempo.FORMAT,
    langfuse.FORMAT,
    langsmith.FORMAT,
    jaeger.FORMAT,
    phoenix.FORMAT,
)


def _detect_doc(doc: Any) -> str | None:
    """The format of one parsed JSON document, or None: our own format, then each
    format's ``document`` test, then each ``fallback``; an array by its first item (a
    document of a format that comes in lists, or a format's ``record``)."""
    if isinstance(doc, list):
        first = first_item(doc)
        if not isinstance(first, dict):
            return None
        inner = _detect_doc(first)
        for fmt in TRACE_READERS:
            if fmt.in_lists and inner == fmt.name:
                return fmt.name
        for fmt in TRACE_READERS:
            if fmt.record is not None and fmt.record(first):
                return fmt.name
        return None
    if not isinstance(doc, dict):
        return None
    if doc.get("format") == FORMAT_NAME or (
            isinstance(doc.get("events"), list) and "problem_id" in doc):
        return FORMAT_NAME
    for fmt in TRACE_READERS:
        if fmt.document(doc):
            return fmt.name
    for fmt in TRACE_READERS:
        if fmt.fallback is not None and fmt.fallback(doc):
            return fmt.name
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


#: Formats read document by document (the collector's JSON Lines: one self-contained
#: document per line, the line named in errors), and formats read as a whole.
PER_LINE: dict[str, LineReader] = {
    fmt.name: fmt.read_line for fmt in TRACE_READERS if fmt.read_line is not None}
PER_LINE["otlp-jsonl"] = PER_LINE["otlp-json"]
WHOLE: dict[str, WholeReader] = {
    fmt.name: fmt.read_whole for fmt in TRACE_READERS if fmt.read_whole is not None}


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
