"""Trace reading speed: a generated 100,000-span OTLP/JSON export (OpenInference-style
attributes, a balanced tree of spans) read into traces by ``read_traces``."""

from __future__ import annotations

import json

import numpy as np

from bench.core import Row, median_seconds
from crucible_io.traces import read_traces


def otlp_document(n_spans: int, seed: int = 0) -> bytes:
    """An OTLP/JSON ExportTraceServiceRequest with ``n_spans`` spans in one trace: each
    span's parent is an earlier span, every fifth an LLM span with token counts."""
    rng = np.random.default_rng(seed)
    starts = np.sort(rng.integers(0, 10**12, n_spans))
    durations = rng.integers(1, 10**9, n_spans)
    parents = [None] + [int(rng.integers(0, i)) for i in range(1, n_spans)]
    spans = []
    for i in range(n_spans):
        attrs = [{"key": "openinference.span.kind",
                  "value": {"stringValue": "LLM" if i % 5 == 0 else "CHAIN"}},
                 {"key": "input.value", "value": {"stringValue": f"question {i}"}}]
        if i % 5 == 0:
            attrs += [{"key": "llm.model_name", "value": {"stringValue": "gpt-4o-mini"}},
                      {"key": "llm.token_count.prompt", "value": {"intValue": str(i % 900)}},
                      {"key": "llm.token_count.completion", "value": {"intValue": "42"}}]
        span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": f"{i + 1:016x}",
                "name": f"step-{i}", "kind": 1,
                "startTimeUnixNano": str(1_700_000_000_000_000_000 + int(starts[i])),
                "endTimeUnixNano": str(1_700_000_000_000_000_000 + int(starts[i])
                                       + int(durations[i])),
                "attributes": attrs, "status": {"code": 1}}
        if parents[i] is not None:
            span["parentSpanId"] = f"{parents[i] + 1:016x}"
        spans.append(span)
    doc = {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "bench"}}]},
        "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}]}]}
    return json.dumps(doc).encode()


def rows() -> list[Row]:
    data = otlp_document(100_000)
    seconds = median_seconds(lambda: read_traces(data, name="bench.json"), repeat=3)
    return [Row("trace_io", f"read a 100,000-span OTLP/JSON file "
                f"({len(data) / 1e6:.0f} MB)", seconds, "s", 3.0)]
