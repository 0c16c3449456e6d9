"""A :class:`Trace` is a time-ordered list of :class:`TraceEvent` objects linked into a
causal graph by parent and dependency ids: the lookups by id, children and parents,
search by text, type and confidence, validation, statistics and the exports, which
:mod:`crucible_scenarios.trace.exports` writes."""

from __future__ import annotations

import dataclasses
import graphlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from crucible_scenarios.trace.events import (
    EVENT_TYPES,
    FORMAT_NAME,
    FORMAT_VERSION,
    TraceEvent,
    TraceStatistics,
    event_dict,
)
from crucible_scenarios.trace.exports import trace_html, trace_markdown, trace_mermaid
from crucible_scenarios.trace.structure import SpanStructure, compute_structure
from crucible_scenarios.validation import brief_repr, require_float, require_int


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
    def structure(self) -> SpanStructure:
        """Parent indexes, depths, levels and usage arrays over the events, built on first
        use (:func:`crucible_scenarios.trace.structure.compute_structure`)."""
        return compute_structure(self.events)

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
        doc["events"] = [event_dict(e) for e in self.events]
        return doc

    def to_json(self) -> str:
        """JSON text; :func:`from_json` reads it back to an equal trace (floats are
        written with Python's shortest round-tripping repr)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        """A Markdown report: problem, summary and every event with its alternatives.
        Every text field is escaped so it renders literally. A span trace lists its spans
        nested by depth with timing, kind, status, model, tokens and cost."""
        return trace_markdown(self)

    def to_mermaid(self) -> str:
        """A Mermaid flowchart of the causal graph: one node per event (ids ``n0``,
        ``n1``, ... so they are unique whatever the event ids), a solid edge from each
        parent step and a dotted edge from each dependency. Labels are entity-escaped;
        references to missing events are left out. Span traces label each node with the
        span's name, kind and duration and colour it by kind (errors outlined red)."""
        return trace_mermaid(self)

    def to_html(self) -> str:
        """A standalone HTML page (inline CSS and SVG, no scripts, no external files) with
        the problem, a confidence sparkline and every event. Every text field passes
        through ``html.escape``. A span trace is drawn as a waterfall table: one row per
        span, indented by depth, with a bar from its start to its end."""
        return trace_html(self)
