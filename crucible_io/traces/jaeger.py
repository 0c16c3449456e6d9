"""Jaeger's UI download and query API JSON: ``data[].spans[]`` with ``references``, typed
``tags``, ``logs`` and ``processes``; times in microseconds."""

from __future__ import annotations

from typing import Any

from crucible_io.traces.common import (
    RawSpan,
    ReadContext,
    TraceFormat,
    as_obj,
    as_str,
    clip_value,
    first_of_data,
    float_or_none,
    int_or_none,
    is_null_id,
    maybe_json,
    norm_id,
    time_ns,
)

# --- Jaeger -------------------------------------------------------------------------------

def _jaeger_tags(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(items, list):
        return out
    for tag in items:
        if not isinstance(tag, dict) or not isinstance(tag.get("key"), str):
            continue
        value = tag.get("value")
        ttype = str(tag.get("type", "")).lower()
        if ttype == "int64":
            value = int_or_none(value) if int_or_none(value) is not None else value
        elif ttype == "float64":
            value = float_or_none(value) if float_or_none(value) is not None else value
        elif ttype == "bool" and isinstance(value, str):
            value = value.lower() == "true"
        out[tag["key"]] = clip_value(maybe_json(value))
    return out


def read_jaeger(doc: Any, ctx: ReadContext, out: list[RawSpan]) -> None:
    traces = doc.get("data") if isinstance(doc, dict) else doc
    if isinstance(doc, dict) and "spans" in doc and "data" not in doc:
        traces = [doc]
    if not isinstance(traces, list):
        raise ctx.error("expected an array of traces", field="data")
    for t, tr in enumerate(traces):
        if not isinstance(tr, dict):
            raise ctx.error(f"expected a trace object, got {type(tr).__name__}",
                            field=f"data[{t}]")
        processes = as_obj(tr.get("processes"))
        spans = tr.get("spans")
        if not isinstance(spans, list):
            raise ctx.error("expected an array of spans", field=f"data[{t}].spans")
        for i, sp in enumerate(spans):
            where = f"data[{t}].spans[{i}]"
            if not isinstance(sp, dict):
                raise ctx.error(f"expected a span object, got {type(sp).__name__}",
                                field=where)
            ctx.counted()
            span_id = norm_id(sp.get("spanID"))
            if not span_id:
                raise ctx.error("the span has no spanID", field=f"{where}.spanID")
            trace_id = norm_id(sp.get("traceID") or tr.get("traceID"))
            start = time_ns(sp.get("startTime"), unit_ns=1_000)
            if start is None:
                raise ctx.error(f"span {span_id}: startTime is missing or not a number",
                                field=f"{where}.startTime")
            duration = sp.get("duration")
            dur = float_or_none(duration)
            if duration is not None and dur is None:
                raise ctx.error(f"span {span_id}: duration is not a number",
                                field=f"{where}.duration")
            parent = None
            depends: list[str] = []
            refs = sp.get("references")
            if isinstance(refs, list):
                child_of = [r for r in refs if isinstance(r, dict)
                            and r.get("refType") == "CHILD_OF"]
                others = [r for r in refs if isinstance(r, dict)
                          and r.get("refType") != "CHILD_OF"]
                ordered = child_of + others
                if ordered:
                    parent = norm_id(ordered[0].get("spanID"))
                    depends = [norm_id(r.get("spanID")) for r in ordered[1:]]
            if parent is None and sp.get("parentSpanID"):
                parent = norm_id(sp.get("parentSpanID"))
            span = RawSpan(trace_id, span_id, None if not parent or is_null_id(parent)
                         else parent, as_str(sp.get("operationName")), start,
                         None if dur is None else start + round(dur * 1_000), where, sp)
            attrs = _jaeger_tags(sp.get("tags"))
            proc = processes.get(str(sp.get("processID"))) if sp.get("processID") else \
                sp.get("process")
            if isinstance(proc, dict) and proc.get("serviceName") is not None:
                attrs.setdefault("service.name", as_str(proc.get("serviceName")))
            span.attributes = attrs
            code = str(attrs.get("otel.status_code", "")).upper()
            if code == "ERROR" or attrs.get("error") is True:
                span.status = "error"
            elif code == "OK":
                span.status = "ok"
            span.status_message = as_str(attrs.get("otel.status_description") or
                                       attrs.get("error.message") or "")
            logs = sp.get("logs")
            if isinstance(logs, list):
                for log in logs:
                    if isinstance(log, dict):
                        fields = _jaeger_tags(log.get("fields"))
                        ename = fields.pop("event", "log")
                        span.events.append((as_str(ename),
                                            time_ns(log.get("timestamp"), unit_ns=1_000),
                                            fields))
            span.links = [d for d in depends if d]
            out.append(span)


def _is_query_answer(doc: dict[str, Any]) -> bool:
    first = first_of_data(doc)
    return isinstance(first, dict) and "spans" in first and (
        "traceID" in first or "processes" in first)


def _is_trace(doc: dict[str, Any]) -> bool:
    return "traceID" in doc and isinstance(doc.get("spans"), list)


FORMAT = TraceFormat("jaeger", document=_is_query_answer, fallback=_is_trace,
                     record=lambda first: "traceID" in first and "spans" in first,
                     read_whole=read_jaeger)
