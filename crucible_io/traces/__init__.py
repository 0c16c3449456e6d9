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
:mod:`.reader` detects the format and holds the table of readers per format.
"""

from crucible_io.traces.common import MAX_TEXT, TRUNCATED
from crucible_io.traces.reader import (
    PER_LINE,
    TRACE_FORMATS,
    WHOLE,
    detect_trace_format,
    read_traces,
)
from crucible_scenarios.trace import MAX_SPAN_ID, MAX_SPANS

__all__ = ["MAX_SPANS", "MAX_SPAN_ID", "MAX_TEXT", "PER_LINE", "TRACE_FORMATS", "TRUNCATED",
           "WHOLE", "detect_trace_format", "read_traces"]
