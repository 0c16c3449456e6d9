"""Causal Trace Explorer: a model's reasoning, or an imported span trace.

- :mod:`.events`: the event and span types and the limits of the trace format;
- :mod:`.model`: :class:`Trace` with its lookups, search and statistics;
- :mod:`.structure`: the span tree's arrays (parents, depths, usage), built once;
- :mod:`.spans`: span analysis (critical path, roll-up, breakdowns, filters);
- :mod:`.serialize`: reading our JSON format back;
- :mod:`.exports`: Markdown, Mermaid and HTML;
- :mod:`.generate`: the mock reasoner's traces.

Every public name is exported here, so ``from crucible_scenarios.trace import ...``
works for each of them."""

from crucible_scenarios.trace.events import (
    EVENT_TYPES,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_ALTERNATIVES,
    MAX_EVENTS,
    MAX_SPAN_ID,
    MAX_SPAN_TEXT,
    MAX_SPANS,
    MAX_TEXT,
    SPAN_KINDS,
    SPAN_STATUSES,
    Alternative,
    SpanEvent,
    TraceEvent,
    TraceFormatError,
    TraceStatistics,
)
from crucible_scenarios.trace.generate import (
    DEFAULT_EVENTS,
    generate_trace,
    iter_replay,
    minimum_events,
)
from crucible_scenarios.trace.model import (
    Trace,
)
from crucible_scenarios.trace.serialize import (
    from_json,
    trace_from_dict,
)
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
    "DEFAULT_EVENTS",
    "EVENT_TYPES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "GROUPINGS",
    "MAX_ALTERNATIVES",
    "MAX_EVENTS",
    "MAX_SPANS",
    "MAX_SPAN_ID",
    "MAX_SPAN_TEXT",
    "MAX_TEXT",
    "ROLLUP_COLUMNS",
    "SPAN_KINDS",
    "SPAN_STATUSES",
    "Alternative",
    "CriticalSection",
    "SpanEvent",
    "SpanTree",
    "Trace",
    "TraceComparison",
    "TraceEvent",
    "TraceFormatError",
    "TraceStatistics",
    "breakdown",
    "compare_traces",
    "critical_ids",
    "critical_path",
    "filter_spans",
    "from_json",
    "generate_trace",
    "iter_replay",
    "minimum_events",
    "rollup",
    "span_details",
    "span_tree",
    "trace_from_dict",
]
