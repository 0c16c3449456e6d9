"""Causal reasoning traces: the events of one model's reasoning on one problem, the
alternatives it weighed at each decision, and how its confidence moved.

A :class:`Trace` is a time-ordered list of :class:`TraceEvent` objects linked into a
directed acyclic graph by ``parent_id`` (the step an event belongs to) and ``depends_on``
(the earlier events it uses). :func:`generate_trace` builds a coherent mock trace for a
question of :mod:`crucible_mock.datasets`: its hypotheses follow the item's worked
solution to the right answer, rejected alternatives come from the item's distractors and
from plausible slips (a wrong operation, a misread), and confidence dips where the model
flags an ambiguity and recovers once it is resolved.

Exports: JSON (exact round trip through :meth:`Trace.to_json` / :func:`from_json`),
Markdown, a Mermaid flowchart of the causal links, and a standalone HTML page in which
every text field is escaped.
"""

from __future__ import annotations

import dataclasses
import graphlib
import html
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from crucible_mock.datasets import QuestionItem, get_item
from crucible_scenarios.validation import brief_repr, make_rng, require_float, require_int

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
DEFAULT_EVENTS = (10, 15)
#: Largest trace :func:`generate_trace` builds and :func:`from_json` accepts.
MAX_EVENTS = 50_000
MAX_TEXT = 5_000
MAX_ALTERNATIVES = 50
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
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

#: Mean time each event type takes, in milliseconds (gamma-distributed around it).
_MEAN_MS: dict[str, float] = {
    "step_started": 40.0, "pattern_applied": 300.0, "hypothesis_formed": 650.0,
    "constraint_evaluated": 350.0, "ambiguity_flagged": 450.0, "confidence_updated": 200.0,
    "alternative_rejected": 280.0, "step_completed": 60.0, "answer_committed": 120.0,
}


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


@dataclass(frozen=True)
class Trace:
    """A reasoning trace: the problem, the model's final answer and its events in time
    order. Lookups (by id, children, search arrays) are built once, on first use."""

    problem_id: str
    question: str
    answer: str
    events: tuple[TraceEvent, ...]
    model: str = "mock-reasoner"
    expected_answer: str | None = None
    title: str = field(default="")
    trace_id: str = ""
    source_format: str = FORMAT_NAME
    start_unix_ns: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def is_spans(self) -> bool:
        """True for an imported span trace (``source_format`` is not ours)."""
        return self.source_format != FORMAT_NAME

    def span_times(self) -> tuple[np.ndarray, np.ndarray]:
        """Start and finish of every event in ms (arrays in event order). An open span
        finishes at the trace's last known time: the latest start or recorded end."""
        return self._starts, self._finishes

    @cached_property
    def _structure(self) -> Any:
        """Parent indexes, depths and usage arrays for :mod:`crucible_scenarios.spans`."""
        from crucible_scenarios.spans import _compute_structure
        return _compute_structure(self)

    @cached_property
    def _starts(self) -> np.ndarray:
        return np.fromiter((e.timestamp for e in self.events), dtype=float,
                           count=len(self.events))

    @cached_property
    def _finishes(self) -> np.ndarray:
        ends = np.fromiter((e.timestamp if e.end_ms is None else e.end_ms
                            for e in self.events), dtype=float, count=len(self.events))
        if ends.size:
            is_open = np.fromiter((e.is_open for e in self.events), dtype=bool,
                                  count=len(self.events))
            if is_open.any():
                last = float(max(ends.max(), self._starts.max()))
                ends[is_open] = last
        return ends

    # --- indexes ------------------------------------------------------------------
    @cached_property
    def _by_id(self) -> dict[str, TraceEvent]:
        return {event.id: event for event in self.events}

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {event.id: [] for event in self.events}
        for event in self.events:
            for cause in event.causes():
                if cause in children:
                    children[cause].append(event.id)
        return children

    @cached_property
    def _types(self) -> np.ndarray:
        return np.array([event.type for event in self.events], dtype=object)

    @cached_property
    def _confidence(self) -> np.ndarray:
        return np.array([event.confidence for event in self.events], dtype=float)

    @cached_property
    def _haystack(self) -> list[str]:
        return ["\n".join(event.text_fields()).casefold() for event in self.events]

    # --- lookups ------------------------------------------------------------------
    def event(self, event_id: str) -> TraceEvent:
        """The event with id ``event_id``; ``ValueError`` naming it when absent."""
        try:
            return self._by_id[event_id]
        except (KeyError, TypeError):  # TypeError: an unhashable event_id
            raise ValueError(f"event_id {brief_repr(event_id)} is not in this trace") from None

    @property
    def ids(self) -> list[str]:
        """Event ids in time order."""
        return [event.id for event in self.events]

    def parents(self, event_id: str) -> list[TraceEvent]:
        """The events ``event_id`` derives from: its parent step and its dependencies
        (references to ids missing from the trace are skipped)."""
        return [self._by_id[c] for c in self.event(event_id).causes() if c in self._by_id]

    def children(self, event_id: str) -> list[TraceEvent]:
        """The events that derive from ``event_id``: those naming it as parent or as a
        dependency, in time order."""
        self.event(event_id)
        return [self._by_id[c] for c in self._children[event_id]]

    def decision_points(self) -> list[TraceEvent]:
        """Events where the model chose between options (at least one alternative)."""
        return [event for event in self.events if event.alternatives]

    def low_confidence(self, threshold: float) -> list[TraceEvent]:
        """Events whose confidence is strictly below ``threshold`` (in [0, 1])."""
        limit = require_float("threshold", threshold, low=0.0, high=1.0)
        mask = self._confidence < limit
        return [self.events[i] for i in np.flatnonzero(mask)]

    def search_mask(self, text: str | None = None, types: Iterable[str] | None = None,
                    min_confidence: float | None = None,
                    max_confidence: float | None = None) -> np.ndarray:
        """Boolean mask over events for :meth:`search` (same arguments)."""
        if text is not None and not isinstance(text, str):
            raise ValueError(f"text must be a string or None, got {type(text).__name__}")
        mask = np.ones(len(self.events), dtype=bool)
        low = 0.0 if min_confidence is None else require_float(
            "min_confidence", min_confidence, low=0.0, high=1.0)
        high = 1.0 if max_confidence is None else require_float(
            "max_confidence", max_confidence, low=0.0, high=1.0)
        if low > high:
            raise ValueError(
                f"min_confidence ({low}) must not exceed max_confidence ({high})")
        if min_confidence is not None or max_confidence is not None:
            mask &= (self._confidence >= low) & (self._confidence <= high)
        if types is not None:
            try:
                wanted = list(types)
            except TypeError:
                raise ValueError(f"types must be a collection of event types, got "
                                 f"{type(types).__name__}") from None
            unknown = [t for t in wanted if not isinstance(t, str) or t not in EVENT_TYPES]
            if unknown:
                raise ValueError(f"types has unknown event type {brief_repr(unknown[0])}; "
                                 f"choose from {list(EVENT_TYPES)}")
            mask &= np.isin(self._types, np.array(wanted, dtype=object))
        terms = (text or "").casefold().split()
        if terms:
            haystack = self._haystack
            for i in np.flatnonzero(mask):
                mask[i] = all(term in haystack[i] for term in terms)
        return mask

    def search(self, text: str | None = None, types: Iterable[str] | None = None,
               min_confidence: float | None = None,
               max_confidence: float | None = None) -> list[TraceEvent]:
        """Events matching every given criterion, in time order.

        ``text``: white-space separated terms, each of which must occur (case-insensitive
        substring) in some text field of the event (id, type, decision, reasoning, an
        alternative's text or rejection reason). ``types``: the event's type is one of
        them (an empty collection matches nothing). Confidence bounds are inclusive.
        ``None`` leaves a criterion out.
        """
        mask = self.search_mask(text, types, min_confidence, max_confidence)
        return [self.events[i] for i in np.flatnonzero(mask)]

    def prefix(self, n: int) -> Trace:
        """The trace up to and including its ``n``-th event (for replay)."""
        count = require_int("n", n, low=0, high=len(self.events))
        return dataclasses.replace(self, events=self.events[:count])

    # --- checks and summary ---------------------------------------------------------
    def validate(self) -> list[str]:
        """Problems that make the trace inconsistent, as readable sentences (empty when
        valid): duplicate ids, unknown types, confidence or scores outside [0, 1],
        timestamps going backwards, references to missing events or to the event itself,
        and cycles in the parent/depends_on graph (found by a topological sort)."""
        problems: list[str] = []
        seen: set[str] = set()
        for event in self.events:
            if event.id in seen:
                problems.append(f"Event id {event.id!r} is used more than once.")
            seen.add(event.id)
        previous: float | None = None
        graph: dict[str, set[str]] = {}
        for event in self.events:
            if event.type not in EVENT_TYPES and not (self.is_spans and event.type == "span"):
                problems.append(f"Event {event.id!r} has unknown type {event.type!r}.")
            if not 0.0 <= event.confidence <= 1.0:
                problems.append(
                    f"Event {event.id!r} has confidence {event.confidence} outside [0, 1].")
            for alt in event.alternatives:
                if not 0.0 <= alt.score <= 1.0:
                    problems.append(f"Event {event.id!r} scores alternative {alt.text[:40]!r} "
                                    f"{alt.score}, outside [0, 1].")
            if event.end_ms is not None and event.end_ms < event.timestamp:
                problems.append(f"Event {event.id!r} ends ({event.end_ms} ms) before it "
                                f"starts ({event.timestamp} ms).")
            if previous is not None and event.timestamp < previous:
                problems.append(f"Event {event.id!r} at {event.timestamp} ms comes before the "
                                f"previous event ({previous} ms).")
            previous = event.timestamp
            for cause in event.causes():
                if cause == event.id:
                    problems.append(f"Event {event.id!r} refers to itself.")
                elif cause not in seen and cause not in self._by_id:
                    problems.append(
                        f"Event {event.id!r} refers to {cause!r}, which is not in the trace.")
            graph.setdefault(event.id, set()).update(
                c for c in event.causes() if c in self._by_id and c != event.id)
        try:
            tuple(graphlib.TopologicalSorter(graph).static_order())
        except graphlib.CycleError as exc:
            cycle = " -> ".join(str(node) for node in exc.args[1])
            problems.append(f"The parent/depends_on links form a cycle: {cycle}.")
        return problems

    def statistics(self) -> TraceStatistics:
        """Events per type, mean/min/final confidence, duration (first to last event, in
        ms), number of alternatives and of decision points."""
        conf = self._confidence
        counts = {t: 0 for t in EVENT_TYPES}
        types, n_per = np.unique(self._types.astype(str), return_counts=True) if len(
            self.events) else (np.array([]), np.array([]))
        for name, count in zip(types, n_per, strict=True):
            counts[str(name)] = int(count)
        stamps = [self.events[0].timestamp, self.events[-1].timestamp] if self.events else [0, 0]
        n_alts = [len(event.alternatives) for event in self.events]
        return TraceStatistics(
            n_events=len(self.events),
            events_per_type=counts,
            mean_confidence=float(conf.mean()) if conf.size else float("nan"),
            min_confidence=float(conf.min()) if conf.size else float("nan"),
            final_confidence=float(conf[-1]) if conf.size else float("nan"),
            duration_ms=(float(self._finishes.max() - self._starts.min())
                         if self.is_spans and self.events else float(stamps[1] - stamps[0])),
            n_alternatives=int(sum(n_alts)),
            n_decision_points=int(sum(1 for n in n_alts if n)),
        )

    # --- exports --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The trace as plain JSON-ready values (the :func:`from_json` format). Span
        fields are written only where they differ from their defaults, so a reasoning
        trace's document is unchanged."""
        doc: dict[str, Any] = {
            "format": FORMAT_NAME, "version": FORMAT_VERSION,
            "problem_id": self.problem_id, "title": self.title, "question": self.question,
            "answer": self.answer, "expected_answer": self.expected_answer,
            "model": self.model,
        }
        if self.trace_id:
            doc["trace_id"] = self.trace_id
        if self.source_format != FORMAT_NAME:
            doc["source_format"] = self.source_format
        if self.start_unix_ns is not None:
            doc["start_unix_ns"] = self.start_unix_ns
        if self.notes:
            doc["notes"] = list(self.notes)
        doc["events"] = [_event_dict(e) for e in self.events]
        return doc

    def to_json(self) -> str:
        """JSON text; :func:`from_json` reads it back to an equal trace (floats are
        written with Python's shortest round-tripping repr)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        """A Markdown report: problem, summary and every event with its alternatives.
        Every text field is escaped so it renders literally. A span trace lists its spans
        nested by depth with timing, kind, status, model, tokens and cost."""
        if self.is_spans:
            return _spans_markdown(self)
        stats = self.statistics()
        lines = [
            f"# Reasoning trace: {_md(self.title or self.problem_id)}", "",
            f"**Problem** ({_md(self.problem_id)}): {_md(self.question)}", "",
            f"**Answer committed:** {_md(self.answer)}",
        ]
        if self.expected_answer is not None:
            lines.append(f"**Expected answer:** {_md(self.expected_answer)}")
        lines += [
            "", f"**Model:** {_md(self.model)} · {stats.n_events} events · "
            f"{stats.duration_ms / 1000:.2f} s · mean confidence {stats.mean_confidence:.0%} · "
            f"lowest {stats.min_confidence:.0%} · {stats.n_alternatives} alternatives "
            "considered", "",
        ]
        for event in self.events:
            lines.append(f"## {_md(event.id)} · {_md(event.type)} · "
                         f"{event.timestamp / 1000:.3f} s · confidence {event.confidence:.0%}")
            lines += ["", f"**Decision:** {_md(event.decision)}", "",
                      f"**Reasoning:** {_md(event.reasoning)}", ""]
            causes = [c for c in event.causes()]
            if causes:
                lines += ["**Builds on:** " + ", ".join(_md(c) for c in causes), ""]
            if event.alternatives:
                lines.append("**Alternatives rejected:**")
                lines.append("")
                for alt in event.alternatives:
                    lines.append(f"- {_md(alt.text)} (score {alt.score:.2f}): "
                                 f"{_md(alt.reason_rejected)}")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def to_mermaid(self) -> str:
        """A Mermaid flowchart of the causal graph: one node per event (ids ``n0``,
        ``n1``, ... so they are unique whatever the event ids), a solid edge from each
        parent step and a dotted edge from each dependency. Labels are entity-escaped;
        references to missing events are left out. Span traces label each node with the
        span's name, kind and duration and colour it by kind (errors outlined red)."""
        if self.is_spans:
            return _spans_mermaid(self)
        index: dict[str, int] = {}
        for i, event in enumerate(self.events):
            index.setdefault(event.id, i)
        lines = ["flowchart TD"]
        for i, event in enumerate(self.events):
            # Each part is escaped on its own so a "<br/>" typed into a decision stays text.
            label = (_mermaid_text(f"{event.id} · {event.type}") + "<br/>"
                     + _mermaid_text(_short(event.decision, 60)))
            lines.append(f'    n{i}["{label}"]:::{_css_class(event.type)}')
        for i, event in enumerate(self.events):
            if event.parent_id in index and index[event.parent_id] != i:
                lines.append(f"    n{index[event.parent_id]} --> n{i}")
            for dep in dict.fromkeys(event.depends_on):
                if dep in index and dep != event.parent_id and index[dep] != i:
                    lines.append(f"    n{index[dep]} -.-> n{i}")
        for name in EVENT_TYPES:
            lines.append(f"    classDef {_css_class(name)} fill:{_TYPE_COLORS[name]},"
                         "stroke:#333,color:#000")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """A standalone HTML page (inline CSS and SVG, no scripts, no external files) with
        the problem, a confidence sparkline and every event. Every text field passes
        through ``html.escape``. A span trace is drawn as a waterfall table: one row per
        span, indented by depth, with a bar from its start to its end."""
        if self.is_spans:
            return _spans_html(self)
        stats = self.statistics()
        e = html.escape
        rows = []
        for event in self.events:
            alts = "".join(
                f"<li><b>{e(a.text)}</b> <span class=score>score {a.score:.2f}</span>: "
                f"{e(a.reason_rejected)}</li>" for a in event.alternatives)
            causes = ", ".join(e(c) for c in event.causes()) or "&mdash;"
            rows.append(
                f"<tr class=\"{_css_class(event.type)}\"><td>{e(event.id)}</td>"
                f"<td>{event.timestamp / 1000:.3f}</td><td>{e(event.type)}</td>"
                f"<td><b>{e(event.decision)}</b><br><span class=why>{e(event.reasoning)}"
                f"</span>{'<ul>' + alts + '</ul>' if alts else ''}</td>"
                f"<td><div class=bar><div style=\"width:{100 * _unit(event.confidence):.1f}%\">"
                f"</div></div>{event.confidence:.0%}</td><td>{causes}</td></tr>")
        expected = ("" if self.expected_answer is None else
                    f"<p><b>Expected answer:</b> {e(self.expected_answer)}</p>")
        type_css = "".join(f".{_css_class(t)} td:nth-child(3){{border-left:6px solid "
                           f"{_TYPE_COLORS[t]}}}" for t in EVENT_TYPES)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Reasoning trace: {e(self.title or self.problem_id)}</title><style>"
            "body{font-family:system-ui,sans-serif;margin:1.5rem;line-height:1.4;"
            "color:#111;background:#fff}table{border-collapse:collapse;width:100%}"
            "td,th{border-bottom:1px solid #ddd;padding:.4rem;vertical-align:top;"
            "text-align:left}.why{color:#444}.score{color:#666;font-size:.9em}"
            ".bar{width:5rem;height:.5rem;background:#eee}.bar div{height:100%;"
            "background:#0072B2}@media (prefers-color-scheme:dark){body{color:#eee;"
            "background:#111}.why{color:#bbb}td,th{border-color:#333}}"
            f"{type_css}</style></head><body>"
            f"<h1>Reasoning trace: {e(self.title or self.problem_id)}</h1>"
            f"<p><b>Problem</b> ({e(self.problem_id)}): {e(self.question)}</p>"
            f"<p><b>Answer committed:</b> {e(self.answer)}</p>{expected}"
            f"<p>Model {e(self.model)} &middot; {stats.n_events} events &middot; "
            f"{stats.duration_ms / 1000:.2f} s &middot; mean confidence "
            f"{_pct(stats.mean_confidence)} &middot; lowest {_pct(stats.min_confidence)} "
            f"&middot; {stats.n_alternatives} alternatives considered</p>"
            f"{self._sparkline()}"
            "<table><thead><tr><th>id</th><th>time (s)</th><th>type</th>"
            "<th>decision, reasoning and rejected alternatives</th><th>confidence</th>"
            "<th>builds on</th></tr></thead><tbody>" + "".join(rows) +
            "</tbody></table></body></html>\n")

    def _sparkline(self) -> str:
        if len(self.events) < 2:
            return ""
        t = np.array([ev.timestamp for ev in self.events], dtype=float)
        span = float(t[-1] - t[0]) or 1.0
        x = 10 + 580 * (t - t[0]) / span
        y = 70 - 60 * np.clip(self._confidence, 0.0, 1.0)
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
        return ("<svg role=\"img\" aria-label=\"confidence over time\" viewBox=\"0 0 600 80\" "
                "width=\"100%\" height=\"80\"><polyline fill=\"none\" stroke=\"#0072B2\" "
                f"stroke-width=\"2\" points=\"{points}\"/></svg>")


#: Span fields of :class:`TraceEvent` and their defaults (written only when different).
_SPAN_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("end_ms", None), ("is_open", False), ("kind", "event"), ("name", ""),
    ("status", "unset"), ("status_message", ""), ("model", None), ("input_tokens", None),
    ("output_tokens", None), ("cost_usd", None), ("input_text", ""), ("output_text", ""),
)


def _event_dict(e: TraceEvent) -> dict[str, Any]:
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


# --- span exports ----------------------------------------------------------------------

_KIND_COLORS: dict[str, str] = {
    "llm": "#0072B2", "tool": "#E69F00", "retriever": "#009E73", "chain": "#999999",
    "agent": "#CC79A7", "embedding": "#56B4E9", "reranker": "#F0E442",
    "guardrail": "#D55E00", "evaluator": "#882255", "span": "#BBBBBB", "event": "#444444",
}
_MAX_INDENT = 24


def _span_depths(trace: Trace) -> list[int]:
    try:
        return [int(d) for d in trace._structure.depths.tolist()]
    except ValueError:  # parent cycle: show flat
        return [0] * len(trace.events)


def _span_summary(trace: Trace) -> tuple[float, list[str], int, int, float]:
    starts, finishes = trace.span_times()
    duration = float(finishes.max() - starts.min()) if trace.events else 0.0
    models = sorted({e.model for e in trace.events if e.model})
    table = trace._structure
    leaf = table.leaf_llm
    usage = table.usage
    return (duration, models, int(usage[leaf, 0].sum()), int(usage[leaf, 1].sum()),
            float(usage[leaf, 2].sum()))


def _usage_text(e: TraceEvent) -> str:
    parts = []
    if e.model:
        parts.append(f"model {e.model}")
    if e.input_tokens is not None or e.output_tokens is not None:
        parts.append(f"{e.input_tokens or 0} in / {e.output_tokens or 0} out tokens")
    if e.cost_usd is not None:
        parts.append(f"${e.cost_usd:.6f}")
    return ", ".join(parts)


def _spans_markdown(trace: Trace) -> str:
    duration, models, tokens_in, tokens_out, cost = _span_summary(trace)
    starts, finishes = trace.span_times()
    lines = [f"# Trace: {_md(trace.title or trace.problem_id)}", "",
             f"**Format:** {_md(trace.source_format)} · **trace id:** {_md(trace.trace_id)} · "
             f"{len(trace.events)} spans · {duration:.1f} ms", "",
             f"**Models:** {_md(', '.join(models) or 'none')} · {tokens_in} input and "
             f"{tokens_out} output tokens (leaf LLM spans) · ${cost:.6f}", ""]
    for note in trace.notes:
        lines.append(f"> Note: {_md(note)}")
    if trace.notes:
        lines.append("")
    for e, depth, start, finish in zip(trace.events, _span_depths(trace), starts, finishes,
                                       strict=True):
        pad = "  " * min(depth, _MAX_INDENT)
        usage = _usage_text(e)
        state = "open" if e.is_open else e.status
        lines.append(f"{pad}- **{_md(e.name or e.decision)}** ({_md(e.kind)}, {_md(state)}) "
                     f"{start:.1f}-{finish:.1f} ms, {finish - start:.1f} ms"
                     + (f"; {_md(usage)}" if usage else "") + f" · id {_md(e.id)}")
        if e.status_message:
            lines.append(f"{pad}  - status: {_md(_short(e.status_message, 300))}")
        if e.input_text:
            lines.append(f"{pad}  - input: {_md(_short(e.input_text, 300))}")
        if e.output_text:
            lines.append(f"{pad}  - output: {_md(_short(e.output_text, 300))}")
    return "\n".join(lines).rstrip() + "\n"


def _spans_mermaid(trace: Trace) -> str:
    index: dict[str, int] = {}
    for i, event in enumerate(trace.events):
        index.setdefault(event.id, i)
    starts, finishes = trace.span_times()
    lines = ["flowchart TD"]
    for i, event in enumerate(trace.events):
        label = (_mermaid_text(_short(event.name or event.decision, 60)) + "<br/>"
                 + _mermaid_text(f"{event.kind} · {finishes[i] - starts[i]:.1f} ms"))
        css = "k_error" if event.status == "error" else _kind_class(event.kind)
        lines.append(f'    n{i}["{label}"]:::{css}')
    for i, event in enumerate(trace.events):
        if event.parent_id in index and index[event.parent_id] != i:
            lines.append(f"    n{index[event.parent_id]} --> n{i}")
        for dep in dict.fromkeys(event.depends_on):
            if dep in index and dep != event.parent_id and index[dep] != i:
                lines.append(f"    n{index[dep]} -.-> n{i}")
    for kind, colour in _KIND_COLORS.items():
        lines.append(f"    classDef {_kind_class(kind)} fill:{colour},stroke:#333,color:#000")
    lines.append("    classDef k_other fill:#DDDDDD,stroke:#333,color:#000")
    lines.append("    classDef k_error fill:#FFDDDD,stroke:#D00,stroke-width:3px,color:#000")
    return "\n".join(lines) + "\n"


def _kind_class(kind: str) -> str:
    return f"k_{kind}" if kind in _KIND_COLORS else "k_other"


def _spans_html(trace: Trace) -> str:
    e = html.escape
    duration, models, tokens_in, tokens_out, cost = _span_summary(trace)
    starts, finishes = trace.span_times()
    t0 = float(starts.min()) if trace.events else 0.0
    scale = 100.0 / duration if duration > 0 else 0.0
    rows = []
    for ev, depth, start, finish in zip(trace.events, _span_depths(trace), starts, finishes,
                                        strict=True):
        left = (start - t0) * scale
        width = max((finish - start) * scale, 0.3)
        colour = _KIND_COLORS.get(ev.kind, "#DDDDDD")
        texts = "".join(
            f"<details><summary>{label}</summary><pre>{e(value)}</pre></details>"
            for label, value in (("status message", ev.status_message),
                                 ("input", ev.input_text), ("output", ev.output_text))
            if value)
        if ev.attributes:
            texts += ("<details><summary>attributes</summary><pre>"
                      + e(json.dumps(ev.attributes, indent=1, ensure_ascii=False,
                                     default=str)) + "</pre></details>")
        if ev.span_events:
            texts += ("<details><summary>events</summary><ul>" + "".join(
                f"<li>{se.time_ms:.1f} ms: {e(se.name)}</li>" for se in ev.span_events)
                + "</ul></details>")
        state = "open" if ev.is_open else ev.status
        rows.append(
            f"<tr class=\"{'err' if ev.status == 'error' else ''}\">"
            f"<td style=\"padding-left:{0.4 + 0.8 * min(depth, _MAX_INDENT):.1f}rem\">"
            f"<b>{e(ev.name or ev.decision)}</b><br><span class=id>{e(ev.id)}</span>{texts}"
            f"</td><td>{e(ev.kind)}</td><td>{e(state)}</td>"
            f"<td class=num>{start:.1f}</td><td class=num>{finish - start:.1f}</td>"
            f"<td>{e(_usage_text(ev))}</td><td class=wf><div style=\"margin-left:"
            f"{left:.2f}%;width:{min(width, 100.0 - left + 0.3):.2f}%;background:{colour}\">"
            "</div></td></tr>")
    notes = "".join(f"<li>{e(note)}</li>" for note in trace.notes)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Trace: {e(trace.title or trace.problem_id)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:1.5rem;line-height:1.4;color:#111;"
        "background:#fff}table{border-collapse:collapse;width:100%}td,th{border-bottom:"
        "1px solid #ddd;padding:.3rem;vertical-align:top;text-align:left}.num{text-align:"
        "right;font-variant-numeric:tabular-nums}.id{color:#666;font-size:.8em}"
        ".wf{width:30%;min-width:8rem}.wf div{height:.8rem;border-radius:2px}"
        ".err td:first-child{border-left:4px solid #D00}pre{white-space:pre-wrap;"
        "max-height:20rem;overflow:auto}@media (prefers-color-scheme:dark){body{color:#eee;"
        "background:#111}td,th{border-color:#333}.id{color:#aaa}}</style></head><body>"
        f"<h1>Trace: {e(trace.title or trace.problem_id)}</h1>"
        f"<p>Format {e(trace.source_format)} &middot; trace id {e(trace.trace_id)} &middot; "
        f"{len(trace.events)} spans &middot; {duration:.1f} ms &middot; models "
        f"{e(', '.join(models) or 'none')} &middot; {tokens_in} input and {tokens_out} "
        f"output tokens (leaf LLM spans) &middot; ${cost:.6f}</p>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "<table><thead><tr><th>span</th><th>kind</th><th>status</th><th>start (ms)</th>"
        "<th>duration (ms)</th><th>model, tokens, cost</th><th>waterfall</th></tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table></body></html>\n")


# --- text helpers ------------------------------------------------------------------------

_TYPE_COLORS: dict[str, str] = {
    "step_started": "#999999", "pattern_applied": "#CC79A7", "hypothesis_formed": "#0072B2",
    "constraint_evaluated": "#009E73", "ambiguity_flagged": "#E69F00",
    "confidence_updated": "#56B4E9", "alternative_rejected": "#D55E00",
    "step_completed": "#999999", "answer_committed": "#F0E442",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&])")
_MERMAID_SAFE = re.compile(r"[A-Za-z0-9_ ,.:;!?'()/+=%\-]")


def _md(text: str) -> str:
    """Backslash-escape Markdown and inline-HTML specials; newlines become spaces."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _mermaid_text(text: str) -> str:
    """Every character outside a plain set becomes a Mermaid entity code (``#60;``), so
    quotes, brackets and markup in a label cannot break or inject into the chart; runs of
    white space become one space."""
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};"
                   for ch in " ".join(str(text).split()))


def _css_class(event_type: str) -> str:
    return "t_" + re.sub(r"[^a-z_]", "_", event_type.lower())[:40] if event_type else "t_"


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unit(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def _pct(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.0%}"


# --- reading -----------------------------------------------------------------------------

def _text(obj: Mapping[str, Any], key: str, where: str, *, required: bool = True,
          default: str = "", limit: int = MAX_TEXT) -> str:
    if key not in obj:
        if required:
            raise TraceFormatError(f"{where} is missing the field {key!r}.")
        return default
    value = obj[key]
    if not isinstance(value, str):
        raise TraceFormatError(
            f"{where}.{key} must be text, got {type(value).__name__} {brief_repr(value)}.")
    if len(value) > limit:
        raise TraceFormatError(
            f"{where}.{key} is {len(value):,} characters long; the limit is {limit:,}.")
    return value


def _number(obj: Mapping[str, Any], key: str, where: str, *, low: float | None = None,
            high: float | None = None) -> float:
    if key not in obj:
        raise TraceFormatError(f"{where} is missing the field {key!r}.")
    value = obj[key]
    try:
        # float() of an integer literal beyond the float range raises OverflowError
        number = float(value) if isinstance(value, int | float) else math.nan
    except OverflowError:
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise TraceFormatError(
            f"{where}.{key} must be a finite number, got {brief_repr(value)}.")
    if (low is not None and number < low) or (high is not None and number > high):
        raise TraceFormatError(f"{where}.{key} must lie in [{low}, {high}], got {number!r}.")
    return number


def _event_id(value: object, where: str, spans: bool = False) -> str:
    if spans:
        # Imported span ids are opaque (hex, base64 with + / =, UUIDs...).
        if not isinstance(value, str) or not 0 < len(value) <= MAX_SPAN_ID:
            raise TraceFormatError(f"{where} must be an id of 1-{MAX_SPAN_ID} characters, "
                                   f"got {brief_repr(value)}.")
        return value
    if not isinstance(value, str) or not _ID_PATTERN.fullmatch(value):
        raise TraceFormatError(
            f"{where} must be an id of 1-64 letters, digits or _ . : -, got {brief_repr(value)}.")
    return value


def trace_from_dict(doc: object) -> Trace:
    """Build a :class:`Trace` from a parsed JSON document in the :meth:`Trace.to_dict`
    format. Raises :class:`TraceFormatError` naming the first bad field. Structural
    consistency (dangling links, cycles) is left to :meth:`Trace.validate`."""
    if not isinstance(doc, dict):
        raise TraceFormatError(
            f"The document must be a JSON object with an 'events' list, got a "
            f"{type(doc).__name__}.")
    if doc.get("format", FORMAT_NAME) != FORMAT_NAME:
        raise TraceFormatError(
            f"format must be {FORMAT_NAME!r}, got {brief_repr(doc.get('format'))}.")
    version = doc.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise TraceFormatError(f"version {brief_repr(version)} is not supported; this reader reads "
                               f"version {FORMAT_VERSION}.")
    source_format = doc.get("source_format", FORMAT_NAME)
    if not isinstance(source_format, str) or not 0 < len(source_format) <= 64:
        raise TraceFormatError(
            f"source_format must be a short text, got {brief_repr(source_format)}.")
    spans = source_format != FORMAT_NAME
    limit = MAX_SPAN_TEXT if spans else MAX_TEXT
    max_events = MAX_SPANS if spans else MAX_EVENTS
    events_raw = doc.get("events")
    if not isinstance(events_raw, list):
        raise TraceFormatError("The document has no 'events' list.")
    if not events_raw:
        raise TraceFormatError("The 'events' list is empty.")
    if len(events_raw) > max_events:
        raise TraceFormatError(
            f"The trace has {len(events_raw):,} events; the limit is {max_events:,}.")
    events = []
    for i, raw in enumerate(events_raw):
        where = f"events[{i}]"
        if not isinstance(raw, dict):
            raise TraceFormatError(f"{where} must be an object, got {type(raw).__name__}.")
        event_type = _text(raw, "type", where)
        if event_type not in EVENT_TYPES and not (spans and event_type == "span"):
            raise TraceFormatError(f"{where}.type {event_type[:40]!r} is not an event type; "
                                   f"use one of {', '.join(EVENT_TYPES)}.")
        alts_raw = raw.get("alternatives", [])
        if not isinstance(alts_raw, list):
            raise TraceFormatError(f"{where}.alternatives must be a list.")
        if len(alts_raw) > MAX_ALTERNATIVES:
            raise TraceFormatError(f"{where} has {len(alts_raw)} alternatives; the limit is "
                                   f"{MAX_ALTERNATIVES}.")
        alternatives = []
        for j, alt in enumerate(alts_raw):
            alt_where = f"{where}.alternatives[{j}]"
            if not isinstance(alt, dict):
                raise TraceFormatError(f"{alt_where} must be an object.")
            alternatives.append(Alternative(
                _text(alt, "text", alt_where, limit=limit),
                _number(alt, "score", alt_where, low=0.0, high=1.0),
                _text(alt, "reason_rejected", alt_where, required=False, limit=limit)))
        parent = raw.get("parent_id")
        depends = raw.get("depends_on", [])
        if not isinstance(depends, list):
            raise TraceFormatError(f"{where}.depends_on must be a list of event ids.")
        events.append(TraceEvent(
            id=_event_id(raw.get("id"), f"{where}.id", spans),
            timestamp=_number(raw, "timestamp", where, low=None if spans else 0.0),
            type=event_type,
            decision=_text(raw, "decision", where, limit=limit),
            reasoning=_text(raw, "reasoning", where, required=False, limit=limit),
            alternatives=tuple(alternatives),
            confidence=_number(raw, "confidence", where, low=0.0, high=1.0),
            parent_id=None if parent is None else _event_id(parent, f"{where}.parent_id",
                                                            spans),
            depends_on=tuple(_event_id(d, f"{where}.depends_on[{k}]", spans)
                             for k, d in enumerate(depends)),
            **_span_fields(raw, where, limit),
        ))
    expected = doc.get("expected_answer")
    return Trace(
        problem_id=_text(doc, "problem_id", "The document", required=False,
                         default="uploaded"),
        question=_text(doc, "question", "The document", required=False),
        answer=_text(doc, "answer", "The document", required=False),
        events=tuple(events),
        model=_text(doc, "model", "The document", required=False, default="unknown model"),
        expected_answer=None if expected is None else _text(doc, "expected_answer",
                                                             "The document"),
        title=_text(doc, "title", "The document", required=False),
        trace_id=_text(doc, "trace_id", "The document", required=False, limit=MAX_SPAN_ID),
        source_format=source_format,
        start_unix_ns=_optional_int(doc, "start_unix_ns", "The document"),
        notes=_notes(doc),
    )


def _optional_int(obj: Mapping[str, Any], key: str, where: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TraceFormatError(f"{where}.{key} must be an integer, got {brief_repr(value)}.")
    return value


def _notes(doc: Mapping[str, Any]) -> tuple[str, ...]:
    notes = doc.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise TraceFormatError("notes must be a list of texts.")
    return tuple(n[:MAX_SPAN_TEXT] for n in notes)


def _mapping(raw: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise TraceFormatError(f"{where}.{key} must be an object, got "
                               f"{type(value).__name__}.")
    return value


def _span_fields(raw: Mapping[str, Any], where: str, limit: int) -> dict[str, Any]:
    """The span fields present in an event record (absent ones keep their defaults)."""
    out: dict[str, Any] = {}
    if "end_ms" in raw and raw["end_ms"] is not None:
        out["end_ms"] = _number(raw, "end_ms", where)
    if "is_open" in raw:
        if not isinstance(raw["is_open"], bool):
            raise TraceFormatError(f"{where}.is_open must be true or false.")
        out["is_open"] = raw["is_open"]
    for key in ("kind", "name", "status", "status_message", "input_text", "output_text"):
        if key in raw:
            out[key] = _text(raw, key, where, limit=limit)
    if raw.get("model") is not None:
        out["model"] = _text(raw, "model", where, limit=limit)
    for key in ("input_tokens", "output_tokens"):
        out[key] = _optional_int(raw, key, where)
    if raw.get("cost_usd") is not None:
        out["cost_usd"] = _number(raw, "cost_usd", where)
    if "attributes" in raw:
        out["attributes"] = _mapping(raw, "attributes", where)
    if "span_events" in raw:
        items = raw["span_events"]
        if not isinstance(items, list):
            raise TraceFormatError(f"{where}.span_events must be a list.")
        span_events = []
        for k, item in enumerate(items):
            item_where = f"{where}.span_events[{k}]"
            if not isinstance(item, dict):
                raise TraceFormatError(f"{item_where} must be an object.")
            span_events.append(SpanEvent(_text(item, "name", item_where, limit=limit),
                                         _number(item, "time_ms", item_where),
                                         _mapping(item, "attributes", item_where)))
        out["span_events"] = tuple(span_events)
    return out


def from_json(text: str) -> Trace:
    """Read a trace written by :meth:`Trace.to_json`; :class:`TraceFormatError` with the
    line and column of a syntax error, or naming the first bad field."""
    if not isinstance(text, str | bytes | bytearray):
        raise TraceFormatError(f"text must be a JSON string, got {type(text).__name__}.")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TraceFormatError(f"The text is not valid JSON: {exc.msg} at line {exc.lineno}, "
                               f"column {exc.colno}.") from None
    except UnicodeDecodeError as exc:
        raise TraceFormatError(f"The text is not valid UTF-8 JSON: {exc.reason}.") from None
    except RecursionError:
        raise TraceFormatError("The text nests arrays or objects too deeply to be a "
                               "trace.") from None
    return trace_from_dict(doc)


# --- generation --------------------------------------------------------------------------

_OPS = {"x": "multiplication", "+": "addition", "-": "subtraction", "/": "division"}
_ARITH = re.compile(r"(?<![x+\-/] )\b(\d+) ([x+\-/]) (\d+) = (\d+)\b")
_WRONG_OP = {"x": "+", "+": "x", "-": "+", "/": "x"}
_WRONG_OP_REASON = {
    "x": "adding treats the two numbers as amounts of one kind, but one of them is a rate "
         "per unit, so they multiply",
    "+": "multiplying would scale one part by the other, but they are separate amounts "
         "that add up",
    "-": "adding would grow the amount, but the problem takes this part away",
    "/": "multiplying would make the amount grow, but it is shared out, so it divides",
}
_PATTERNS = {
    "math": ("Multi-step word problem: translate each sentence into one arithmetic "
             "operation and chain the results",
             "The question gives quantities and rates and asks for one number, which "
             "calls for a chain of simple operations."),
    "medical": ("Clinical pattern recognition: match the key findings to a syndrome, "
                "then rule out the differential",
                "The vignette lists findings that, together, are typical of a small set "
                "of diagnoses."),
    "general": ("Fact recall: retrieve the fact the question asks for, then rule out "
                "look-alike options",
                "This is a knowledge question with distractors that resemble the answer."),
    "code": ("Trace the code by hand: evaluate each expression in order",
             "The snippet is short and deterministic, so running it mentally gives the "
             "exact value."),
}


def _apply(a: int, op: str, b: int) -> int | None:
    if op == "x":
        return a * b
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    return a // b if b and a % b == 0 else None


def _steps_for(item: QuestionItem) -> tuple[str, ...]:
    """The worked steps of ``item``; knowledge items without written steps get three
    that state what is asked, recall the answer and set it against the top distractor."""
    if item.solution_steps:
        return item.solution_steps
    top = item.distractors[0] if item.distractors else "the other options"
    return (f"The question asks: {item.question}",
            f"The fact that answers it is {item.answer}.",
            f"{item.answer} fits the question where {top} only resembles it.")


def _step_alternatives(item: QuestionItem, step: str, index: int,
                       rng: np.random.Generator) -> list[tuple[str, str]]:
    """Plausible wrong versions of one step with why each fails: a wrong operation for
    an arithmetic step, an arithmetic slip for other numeric steps, and the item's
    distractors (the differential) for worded steps."""
    match = _ARITH.search(step)
    if match:
        a, op, b, result = int(match[1]), match[2], int(match[3]), int(match[4])
        wrong_op = _WRONG_OP[op]
        wrong = _apply(a, wrong_op, b)
        out = []
        if wrong is not None and wrong != result:
            text = step[: match.start()] + f"{a} {wrong_op} {b} = {wrong}" + step[match.end():]
            out.append((text, f"Rejected: {_WRONG_OP_REASON[op]}."))
        slip = result + int(rng.choice([-10, -2, -1, 1, 2, 10]))
        if slip != result and slip >= 0:
            text = step[: match.start(4)] + str(slip) + step[match.end(4):]
            out.append((text, f"Rejected: recomputing {a} {op} {b} gives {result}, not {slip}."))
        return out
    numbers = list(re.finditer(r"\d+", step))
    if numbers and item.category in ("math", "code"):
        last = numbers[-1]
        value = int(last[0])
        slip = value + int(rng.choice([-2, -1, 1, 2])) if value > 2 else value + 1
        text = step[: last.start()] + str(slip) + step[last.end():]
        return [(text, f"Rejected: an off-by-one slip; counting again gives {value}.")]
    pool = list(item.distractors) or ["another reading"]
    chosen = pool[index % len(pool)]
    return [(chosen, f"Rejected: it does not account for this finding ({_short(step, 90)}).")]


@dataclass
class _Spec:
    key: str
    type: str
    decision: str
    reasoning: str
    alternatives: list[tuple[str, str]] = field(default_factory=list)
    parent: str | None = None
    depends: list[str] = field(default_factory=list)


def _resolve_problem(problem: QuestionItem | str) -> QuestionItem:
    if isinstance(problem, QuestionItem):
        return problem
    if isinstance(problem, str):
        try:
            return get_item(problem)
        except ValueError:
            raise ValueError(f"problem {problem!r} is not a question id of the mock "
                             "datasets (e.g. 'math-001', 'med-003')") from None
    raise ValueError(f"problem must be a QuestionItem or a question id, got {problem!r}")


def minimum_events(problem: QuestionItem | str) -> int:
    """The fewest events a generated trace of ``problem`` can have: the start, the
    pattern, one hypothesis per solution step, the ambiguity and its resolution, the
    final check, the rejection of the top distractor and the committed answer."""
    return 7 + len(_steps_for(_resolve_problem(problem)))


def generate_trace(problem: QuestionItem | str, seed: int | np.random.Generator, *,
                   n_steps: int | None = None) -> Trace:
    """A coherent mock reasoning trace of ``problem`` (a dataset item or its id).

    The hypotheses follow the item's worked solution in order, so the trace really
    reaches the item's answer; each hypothesis carries rejected alternatives (a wrong
    operation or slip for arithmetic, the differential for worded steps) and the final
    answer rejects every distractor. ``n_steps`` is the number of events (at least
    :func:`minimum_events`, at most :data:`MAX_EVENTS`; by default 10-15 drawn from the
    seed); extra events wrap steps in start/complete events and add re-checks.

    Times: gamma-distributed durations per event type (shape 4), so timestamps
    (milliseconds since the start) strictly increase. Confidence follows a saturating
    recurrence ``c <- c + (1 - c) g`` with random gains, dips by a random factor at the
    ambiguity and recovers when it is resolved.
    """
    item = _resolve_problem(problem)
    rng = make_rng(seed)
    steps = _steps_for(item)
    k = len(steps)
    core = 7 + k
    if n_steps is None:
        n = int(rng.integers(max(DEFAULT_EVENTS[0], core), max(DEFAULT_EVENTS[1], core) + 1))
    else:
        n = require_int("n_steps", n_steps, low=core, high=MAX_EVENTS)
    extra = n - core
    wraps = min(k, extra // 2)
    wrapped = set(rng.choice(k, size=wraps, replace=False).tolist()) if wraps else set()
    rest = extra - 2 * wraps
    rechecks = [rest // k + (1 if i < rest % k else 0) for i in range(k)]
    ambiguous = int(rng.integers(0, k))

    specs: list[_Spec] = []
    pattern, why_pattern = _PATTERNS.get(item.category, _PATTERNS["general"])
    specs.append(_Spec("root", "step_started", f"Start solving {item.id}",
                       f"Read the problem: {item.question}"))
    specs.append(_Spec("pattern", "pattern_applied", pattern, why_pattern, parent="root"))
    previous = "pattern"
    alternatives_of: dict[int, list[tuple[str, str]]] = {}
    for i, step in enumerate(steps):
        parent = "root"
        if i in wrapped:
            specs.append(_Spec(f"start{i}", "step_started", f"Step {i + 1} of {k}",
                               f"Work out step {i + 1} using the result of the step before.",
                               parent="root", depends=[previous]))
            parent = f"start{i}"
        alts = _step_alternatives(item, step, i, rng)
        alternatives_of[i] = alts
        specs.append(_Spec(f"hyp{i}", "hypothesis_formed", step,
                           f"Step {i + 1}: this follows from "
                           + ("the problem statement." if i == 0 else f"step {i}'s result."),
                           alternatives=alts, parent=parent, depends=[previous]))
        for r in range(rechecks[i]):
            specs.append(_Spec(f"chk{i}_{r}", "constraint_evaluated",
                               f"Re-check step {i + 1} (pass {r + 1}): it still holds",
                               f"Recomputing '{_short(step, 80)}' gives the same result.",
                               parent=parent, depends=[f"hyp{i}"]))
        if i in wrapped:
            specs.append(_Spec(f"done{i}", "step_completed", f"Step {i + 1} done",
                               f"Result kept: {_short(step, 100)}", parent=parent,
                               depends=[f"hyp{i}"]))
        previous = f"hyp{i}"
        if i == ambiguous:
            other = alts[0][0] if alts else (item.distractors[0] if item.distractors else "")
            specs.append(_Spec(
                "amb", "ambiguity_flagged", f"Step {i + 1} could be read another way",
                f"The wording also supports '{_short(other, 90)}'; both readings look "
                "plausible until they are checked against the rest of the problem.",
                alternatives=[(other, "Not rejected yet: kept open until the next check.")],
                parent="root", depends=[f"hyp{i}"]))
            specs.append(_Spec(
                "resolve", "confidence_updated", f"Ambiguity resolved: keep step {i + 1}",
                f"Carrying '{_short(other, 60)}' forward contradicts what the problem "
                f"states; only '{_short(step, 60)}' is consistent with it.",
                alternatives=[(other, "Contradicts the problem statement once carried "
                                      "forward.")],
                parent="root", depends=["amb"]))
    top = item.distractors[0] if item.distractors else "another answer"
    check = ("a whole number consistent with every step" if item.category == "math" else
             "the value the code produces" if item.category == "code" else
             "consistent with every detail of the question")
    specs.append(_Spec("check", "constraint_evaluated", f"Check: {item.answer} is {check}",
                       f"Substituting {item.answer} back into the problem leaves no "
                       "contradiction.", parent="root", depends=[previous, "resolve"]))
    specs.append(_Spec("reject", "alternative_rejected", f"Reject {top}",
                       f"{top} is the most tempting alternative, but it fails the check "
                       f"that {item.answer} passes.",
                       alternatives=[(top, _distractor_reason(item, top))], parent="root",
                       depends=["check"]))
    specs.append(_Spec("answer", "answer_committed", f"Answer: {item.answer}",
                       f"Every step leads to {item.answer} and each alternative was "
                       "ruled out.",
                       alternatives=[(d, _distractor_reason(item, d))
                                     for d in item.distractors],
                       parent="root", depends=[previous, "reject"]))
    assert len(specs) == n, (len(specs), n)
    return _materialize(item, specs, rng)


def _distractor_reason(item: QuestionItem, distractor: str) -> str:
    if item.category == "math":
        return (f"The worked steps give {item.answer}; {distractor} is what a skipped or "
                "misapplied step would give.")
    if item.category == "code":
        return f"Tracing the code gives {item.answer}, not {distractor}."
    return f"It does not explain every detail of the question the way {item.answer} does."


def _materialize(item: QuestionItem, specs: Sequence[_Spec],
                 rng: np.random.Generator) -> Trace:
    """Turn the event plan into events: ids, gamma-distributed timestamps, confidence
    trajectory and scored alternatives."""
    n = len(specs)
    width = max(2, len(str(n)))
    ids = {spec.key: f"e{i + 1:0{width}d}" for i, spec in enumerate(specs)}
    means = np.array([_MEAN_MS[spec.type] for spec in specs])
    durations = np.maximum(rng.gamma(4.0, means / 4.0), 1.0)
    stamps = np.round(np.concatenate([[0.0], np.cumsum(durations[:-1])]), 1)
    gains = rng.uniform(0.08, 0.25, size=n)
    dips = rng.uniform(0.45, 0.7, size=n)
    recover = rng.uniform(0.45, 0.65, size=n)
    confidence = np.empty(n)
    c = float(rng.uniform(0.3, 0.45))
    for i, spec in enumerate(specs):
        if spec.type == "ambiguity_flagged":
            c *= dips[i]
        elif spec.type == "confidence_updated":
            c += (1.0 - c) * recover[i]
        elif spec.type in ("step_started", "step_completed"):
            pass
        else:
            c += (1.0 - c) * gains[i]
        confidence[i] = round(min(c, 0.99), 3)
    events = []
    for i, spec in enumerate(specs):
        alts: tuple[Alternative, ...] = ()
        if spec.alternatives:
            ceiling = max(float(confidence[i]) * 0.85, 0.05)
            scores = np.sort(rng.uniform(0.02, ceiling, size=len(spec.alternatives)))[::-1]
            alts = tuple(Alternative(text, round(float(s), 3), reason)
                         for (text, reason), s in zip(spec.alternatives, scores, strict=True))
        events.append(TraceEvent(
            id=ids[spec.key], timestamp=float(stamps[i]), type=spec.type,
            decision=spec.decision, reasoning=spec.reasoning, alternatives=alts,
            confidence=float(confidence[i]),
            parent_id=ids[spec.parent] if spec.parent else None,
            depends_on=tuple(ids[d] for d in dict.fromkeys(spec.depends)),
        ))
    return Trace(problem_id=item.id, question=item.question, answer=item.answer,
                 events=tuple(events), expected_answer=item.answer,
                 title=f"{item.id} ({item.category})")


def iter_replay(trace: Trace) -> Iterator[Trace]:
    """The trace event by event: the prefixes with 1, 2, ..., n events (live replay)."""
    if not isinstance(trace, Trace):
        raise ValueError(f"trace must be a Trace, got {type(trace).__name__}")
    for i in range(1, len(trace.events) + 1):
        yield trace.prefix(i)


# Span analysis (re-exported here so callers import every trace function from one place).
from crucible_scenarios.spans import (  # noqa: E402
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
    "EVENT_TYPES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_EVENTS",
    "MAX_SPANS",
    "MAX_SPAN_TEXT",
    "MAX_TEXT",
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
