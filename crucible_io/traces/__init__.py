"""Trace exports into :class:`~crucible_scenarios.trace.Trace`, one per trace id.

One module per format family, each written from its format's published schema:

- :mod:`.otlp`: OTLP/JSON (``ExportTraceServiceRequest`` documents, arrays of them, or
  the collector's JSON Lines), ids in hex or base64, enums as numbers or names;
- :mod:`.conventions`: the attribute conventions on OTLP spans (OpenTelemetry GenAI,
  OpenInference, Traceloop): kind, model, tokens, cost, input and output texts;
- :mod:`.tempo`: Grafana Tempo's answers (``batches``, ``{"trace": ...}``);
- :mod:`.jaeger`, :mod:`.langfuse`, :mod:`.phoenix`, :mod:`.langsmith`: those tools'
  exports.

:mod:`.common` holds the raw span and the value helpers every reader shares,
:mod:`.build` turns raw spans into traces (one per trace id, with its checks), and
:mod:`.reader` holds :data:`TRACE_READERS`, the table of formats: each module describes
its format in a :class:`TraceFormat` (how its documents look, which function reads
them), so a new format is its module plus one line in that table.
"""

from crucible_io.traces.common import MAX_TEXT, TRUNCATED, TraceFormat
from crucible_io.traces.reader import (
    PER_LINE,
    TRACE_FORMATS,
    TRACE_READERS,
    WHOLE,
    detect_trace_format,
    read_traces,
)
from crucible_scenarios.trace import MAX_SPAN_ID, MAX_SPANS

__all__ = ["MAX_SPANS", "MAX_SPAN_ID", "MAX_TEXT", "PER_LINE", "TRACE_FORMATS", "TRACE_READERS",
           "TRUNCATED", "WHOLE", "TraceFormat", "detect_trace_format", "read_traces"]
