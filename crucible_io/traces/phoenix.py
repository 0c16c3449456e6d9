"""Arize Phoenix's REST span JSON: ``context.span_id``, ``parent_id``, ``span_kind`` and
flat dotted ``attributes`` (OpenInference)."""

from __future__ import annotations

from typing import Any

from crucible_io.traces.common import (
    RawSpan,
    ReadContext,
    TraceFormat,
    as_obj,
    as_str,
    first_of_data,
    flatten_into,
    is_null_id,
    norm_id,
    time_ns,
)
from crucible_io.traces.otlp import STATUS_NAMES

# --- Phoenix ------------------------------------------------------------------------------

def read_phoenix(doc: Any, ctx: ReadContext, out: list[RawSpan]) -> None:
    spans = doc.get("data", doc.get("spans")) if isinstance(doc, dict) else doc
    if not isinstance(spans, list):
        raise ctx.error("expected an array of spans", field="data")
    for i, sp in enumerate(spans):
        where = f"data[{i}]"
        if not isinstance(sp, dict):
            raise ctx.error(f"expected a span object, got {type(sp).__name__}", field=where)
        ctx.counted()
        context = as_obj(sp.get("context"))
        span_id = norm_id(context.get("span_id") or sp.get("span_id"))
        if not span_id:
            raise ctx.error("the span has no span id", field=f"{where}.context.span_id")
        start = time_ns(sp.get("start_time"))
        if start is None:
            raise ctx.error(f"span {span_id}: start_time is missing or not a time",
                            field=f"{where}.start_time")
        end_raw = sp.get("end_time")
        end = time_ns(end_raw)
        if end_raw is not None and end is None:
            raise ctx.error(f"span {span_id}: end_time is not a time",
                            field=f"{where}.end_time")
        parent = norm_id(sp.get("parent_id"))
        span = RawSpan(norm_id(context.get("trace_id") or sp.get("trace_id")), span_id,
                     None if is_null_id(parent) else parent, as_str(sp.get("name")), start,
                     end, where, sp)
        attrs: dict[str, Any] = {}
        if isinstance(sp.get("attributes"), dict):
            flatten_into(attrs, "", sp["attributes"])
        kind = sp.get("span_kind")
        if isinstance(kind, str) and kind:
            attrs.setdefault("openinference.span.kind", kind)
        span.attributes = attrs
        span.status = STATUS_NAMES.get(str(sp.get("status_code", "UNSET")).upper(), "unset")
        span.status_message = as_str(sp.get("status_message"))
        events = sp.get("events")
        if isinstance(events, list):
            for ev in events:
                if isinstance(ev, dict):
                    eattrs: dict[str, Any] = {}
                    if isinstance(ev.get("attributes"), dict):
                        flatten_into(eattrs, "", ev["attributes"])
                    span.events.append((as_str(ev.get("name")), time_ns(ev.get("timestamp")),
                                        eattrs))
        out.append(span)


def _is_span_answer(doc: dict[str, Any]) -> bool:
    first = first_of_data(doc)
    return isinstance(first, dict) and isinstance(first.get("context"), dict)


FORMAT = TraceFormat("phoenix", document=_is_span_answer,
                     record=lambda first: isinstance(first.get("context"), dict)
                     and "span_kind" in first, read_whole=read_phoenix)
