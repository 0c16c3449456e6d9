"""Reading our trace JSON back (:func:`from_json`): every field checked with a message that
names the event and field, within the format's limits."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from crucible_scenarios.trace.events import (
    EVENT_TYPES,
    FORMAT_NAME,
    FORMAT_VERSION,
    ID_PATTERN,
    MAX_ALTERNATIVES,
    MAX_EVENTS,
    MAX_SPAN_ID,
    MAX_SPAN_TEXT,
    MAX_SPANS,
    MAX_TEXT,
    Alternative,
    SpanEvent,
    TraceEvent,
    TraceFormatError,
)
from crucible_scenarios.trace.model import Trace
from crucible_scenarios.validation import brief_repr

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
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
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
