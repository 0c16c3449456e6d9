"""The import path ``crucible_scenarios.spans``, kept for existing code; the code lives in
:mod:`crucible_scenarios.trace.spans`."""

from crucible_scenarios.trace.spans import (
    GROUPINGS,
    ROLLUP_COLUMNS,
    CriticalSection,
    SpanTree,
    TraceComparison,
    breakdown,
    compare_traces,
    critical_ids,
    critical_path,
    filter_spans,
    rollup,
    span_details,
    span_tree,
)

__all__ = [
    "GROUPINGS",
    "ROLLUP_COLUMNS",
    "CriticalSection",
    "SpanTree",
    "TraceComparison",
    "breakdown",
    "compare_traces",
    "critical_ids",
    "critical_path",
    "filter_spans",
    "rollup",
    "span_details",
    "span_tree",
]
