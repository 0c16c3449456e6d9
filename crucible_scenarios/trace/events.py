"""The pieces of a trace: the event types, an event (a reasoning step, or an imported
span with its timing, kind, status, model, tokens and texts), rejected alternatives and
span events, the limits of the trace format, and an event as JSON-ready values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: Every event type, in the order the timeline lists them.
EVENT_TYPES: tuple[str, ...] = (
    "step_started",
    "pattern_applied",
    "hypothesis_formed",
    "constraint_evaluated",
    "ambiguity_flagged",
    "confidence_updated",
    "alternative_rejected",
    "step_completed",
    "answer_committed",
)
FORMAT_NAME = "crucible-trace"
FORMAT_VERSION = 1
#: Largest trace :func:`generate_trace` builds and :func:`from_json` accepts.
MAX_EVENTS = 50_000
MAX_TEXT = 5_000
MAX_ALTERNATIVES = 50
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
#: Largest imported span trace (readers refuse more, naming the limit).
MAX_SPANS = 100_000
#: Longest text field of an imported span (readers cut at 20,000 characters and append a
#: visible "... (truncated)" marker).
MAX_SPAN_TEXT = 20_100
#: Longest id of an imported span (ids are opaque strings: hex, base64, UUIDs...).
MAX_SPAN_ID = 512
#: Span kinds, as readers map them from OpenInference, OpenTelemetry GenAI, Langfuse and
#: LangSmith conventions.
SPAN_KINDS: tuple[str, ...] = ("llm", "tool", "retriever", "chain", "agent", "embedding",
                               "reranker", "guardrail", "evaluator", "span", "event")
SPAN_STATUSES: tuple[str, ...] = ("ok", "error", "unset")


class TraceFormatError(ValueError):
    """A trace document does not follow the format :meth:`Trace.to_json` writes; the
    message names the field (e.g. ``events[3].confidence``)."""


@dataclass(frozen=True)
class Alternative:
    """An option the model considered and rejected: its text, the score it gave the
    option in [0, 1], and why it was rejected."""

    text: str
    score: float
    reason_rejected: str


@dataclass(frozen=True, slots=True)
class SpanEvent:
    """A timestamped event recorded on a span (OTLP span events, Langfuse EVENTs...):
    its name, its time in ms since the trace's start and its attributes."""

    name: str
    time_ms: float
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One reasoning event or one imported span. ``timestamp`` is milliseconds since the
    trace started; ``confidence`` in [0, 1] is the model's confidence in its current
    answer after the event; ``parent_id`` is the step (or parent span) the event belongs
    to and ``depends_on`` the earlier events whose results it uses.

    Span fields (all defaulted, so a reasoning event is a span of zero length):
    ``end_ms`` (``None``: ends where it starts, unless ``is_open``: a span with no
    recorded end), ``kind`` (one of :data:`SPAN_KINDS`), the tool's ``name``, ``status``
    ("ok", "error", "unset") and its message, the LLM ``model``, token counts, cost in
    USD, input and output text, flat dotted ``attributes`` and :class:`SpanEvent` s."""

    id: str
    timestamp: float
    type: str
    decision: str
    reasoning: str
    alternatives: tuple[Alternative, ...] = ()
    confidence: float = 0.5
    parent_id: str | None = None
    depends_on: tuple[str, ...] = ()
    end_ms: float | None = None
    is_open: bool = False
    kind: str = "event"
    name: str = ""
    status: str = "unset"
    status_message: str = ""
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    input_text: str = ""
    output_text: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    span_events: tuple[SpanEvent, ...] = ()

    @property
    def start_ms(self) -> float:
        """Start in ms since the trace's start (the ``timestamp``)."""
        return self.timestamp

    @property
    def finish_ms(self) -> float:
        """End in ms: ``end_ms`` when recorded, else the start. For an open span the
        trace's last known time is :meth:`Trace.span_times` (an event alone cannot
        know it)."""
        return self.timestamp if self.end_ms is None else self.end_ms

    @property
    def duration_ms(self) -> float:
        """``finish_ms - start_ms`` (0 for a point event)."""
        return self.finish_ms - self.timestamp

    def causes(self) -> tuple[str, ...]:
        """Ids this event points back to: its parent, then its dependencies (no repeats)."""
        ids = ([self.parent_id] if self.parent_id else []) + list(self.depends_on)
        return tuple(dict.fromkeys(ids))

    def text_fields(self) -> list[str]:
        """Every free-text field of the event (for search and escaping checks)."""
        out = [self.id, self.type, self.decision, self.reasoning]
        for alt in self.alternatives:
            out += [alt.text, alt.reason_rejected]
        extra = [self.name, self.status_message, self.model or "", self.input_text,
                 self.output_text]
        out += [text for text in extra if text]
        out += [f"{key}={value}" for key, value in self.attributes.items()]
        for span_event in self.span_events:
            out.append(span_event.name)
            out += [f"{key}={value}" for key, value in span_event.attributes.items()]
        return out


@dataclass(frozen=True)
class TraceStatistics:
    """Summary of a trace: counts per type, confidence, duration and alternatives."""

    n_events: int
    events_per_type: dict[str, int]
    mean_confidence: float
    min_confidence: float
    final_confidence: float
    duration_ms: float
    n_alternatives: int
    n_decision_points: int


#: Span fields of :class:`TraceEvent` and their defaults (written only when different).
_SPAN_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("end_ms", None), ("is_open", False), ("kind", "event"), ("name", ""),
    ("status", "unset"), ("status_message", ""), ("model", None), ("input_tokens", None),
    ("output_tokens", None), ("cost_usd", None), ("input_text", ""), ("output_text", ""),
)


def event_dict(e: TraceEvent) -> dict[str, Any]:
    """One event as the JSON-ready values of our trace format; span fields are written
    only where they differ from their defaults."""
    out: dict[str, Any] = {
        "id": e.id, "timestamp": e.timestamp, "type": e.type, "decision": e.decision,
        "reasoning": e.reasoning,
        "alternatives": [{"text": a.text, "score": a.score,
                          "reason_rejected": a.reason_rejected} for a in e.alternatives],
        "confidence": e.confidence, "parent_id": e.parent_id,
        "depends_on": list(e.depends_on)}
    for name, default in _SPAN_DEFAULTS:
        value = getattr(e, name)
        if value != default or type(value) is not type(default):
            out[name] = value
    if e.attributes:
        out["attributes"] = e.attributes
    if e.span_events:
        out["span_events"] = [{"name": se.name, "time_ms": se.time_ms,
                               "attributes": se.attributes} for se in e.span_events]
    return out
