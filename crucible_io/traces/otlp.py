"""OTLP/JSON: the JSON encoding of OpenTelemetry's ``ExportTraceServiceRequest``
(opentelemetry-proto ``trace.proto``: ``resourceSpans -> scopeSpans -> spans``), as one
document, an array of them or the collector's JSON Lines. Ids in hex or base64, enums as
integers or names, 64-bit integers as strings or numbers, camelCase or snake_case keys."""

from __future__ import annotations

from typing import Any

from crucible_io.traces.common import (
    RawSpan,
    ReadContext,
    TraceFormat,
    any_value,
    as_obj,
    as_str,
    clip,
    either_key,
    first_of_data,
    flatten_into,
    is_null_id,
    maybe_json,
    norm_id,
    time_ns,
)


def _otlp_attributes(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(items, list):
        if isinstance(items, dict):  # tolerated: a plain mapping
            flatten_into(out, "", items)
        return out
    for item in items:
        if not isinstance(item, dict):
            continue
        key = item.get("key")
        if not isinstance(key, str):
            continue
        value = any_value(item.get("value"))
        if isinstance(value, str):
            # a JSON string is parsed once more and kept, whole, under its key
            out[key] = maybe_json(value) if value[:1] in ("{", "[") else clip(value)
        elif isinstance(value, dict):  # a key-value list: flat dotted keys
            flatten_into(out, key, value)
        else:
            out[key] = value
    return out


# --- OTLP ---------------------------------------------------------------------------------

_KIND_NAMES = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer",
               5: "consumer"}
STATUS_NAMES: dict[Any, str] = {0: "unset", 1: "ok", 2: "error", "STATUS_CODE_UNSET": "unset",
           "STATUS_CODE_OK": "ok", "STATUS_CODE_ERROR": "error", "UNSET": "unset",
           "OK": "ok", "ERROR": "error", "Unset": "unset", "Ok": "ok", "Error": "error"}


def _otlp_kind_name(kind: Any) -> str | None:
    if isinstance(kind, str):
        if kind.isdigit():
            return _KIND_NAMES.get(int(kind))
        return kind.removeprefix("SPAN_KIND_").lower() or None
    if isinstance(kind, int):
        return _KIND_NAMES.get(kind)
    return None


def read_otlp(doc: Any, ctx: ReadContext, line: int | None, out: list[RawSpan]) -> None:
    """Spans of one OTLP/JSON document (an ExportTraceServiceRequest, an array of them,
    or a flat list of spans under ``data``)."""
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            if not isinstance(item, dict):
                raise ctx.error(f"expected an OTLP document, got {type(item).__name__}",
                                field=f"[{i}]", line=line)
            read_otlp(item, ctx, line, out)
        return
    if not isinstance(doc, dict):
        raise ctx.error(f"expected an OTLP document, got {type(doc).__name__}", line=line)
    if isinstance(doc.get("data"), list) and "resourceSpans" not in doc:
        for i, sp in enumerate(doc["data"]):
            _otlp_span(sp, ctx, line, f"data[{i}]", {}, out)
        return
    rkey = "resource_spans" if "resourceSpans" not in doc and "resource_spans" in doc \
        else "resourceSpans"
    read_resource_spans(doc.get(rkey), rkey, ctx, line, out)


def read_resource_spans(resources: Any, rkey: str, ctx: ReadContext, line: int | None,
                        out: list[RawSpan]) -> None:
    """Spans of an OTLP array of resource spans (``resourceSpans``, or Tempo's
    ``batches``), each with its resource's ``service.name`` and its scope's name."""
    if not isinstance(resources, list):
        raise ctx.error("expected an array of resource spans", field=rkey, line=line)
    for r, rs in enumerate(resources):
        rwhere = f"{rkey}[{r}]"
        if not isinstance(rs, dict):
            raise ctx.error(f"expected an object, got {type(rs).__name__}", field=rwhere,
                            line=line)
        resource = as_obj(rs.get("resource"))
        service = None
        for item in resource.get("attributes") or []:
            if isinstance(item, dict) and item.get("key") == "service.name":
                service = any_value(item.get("value"))
        scopes: Any = None
        skey = "scopeSpans"
        for alt in ("scopeSpans", "scope_spans", "instrumentationLibrarySpans",
                    "instrumentation_library_spans"):
            if alt in rs:
                scopes, skey = rs[alt], alt
                break
        if scopes is None:
            continue
        if not isinstance(scopes, list):
            raise ctx.error("expected an array", field=f"{rwhere}.{skey}", line=line)
        for s, ss in enumerate(scopes):
            swhere = f"{rwhere}.{skey}[{s}]"
            if not isinstance(ss, dict):
                raise ctx.error(f"expected an object, got {type(ss).__name__}",
                                field=swhere, line=line)
            scope = ss.get("scope") or ss.get("instrumentationLibrary") or \
                ss.get("instrumentation_library")
            base: dict[str, Any] = {}
            if service is not None:
                base["service.name"] = service
            if isinstance(scope, dict) and isinstance(scope.get("name"), str):
                base["otel.scope.name"] = scope["name"]
            spans = ss.get("spans")
            if spans is None:
                continue
            if not isinstance(spans, list):
                raise ctx.error("expected an array of spans", field=f"{swhere}.spans",
                                line=line)
            ctx.counted(len(spans))
            ctx.count -= len(spans)
            for i, sp in enumerate(spans):
                _otlp_span(sp, ctx, line, f"{swhere}.spans[{i}]", base, out)


def _otlp_span(sp: Any, ctx: ReadContext, line: int | None, where: str, base: dict[str, Any],
               out: list[RawSpan]) -> None:
    if not isinstance(sp, dict):
        raise ctx.error(f"expected a span object, got {type(sp).__name__}", field=where,
                        line=line)
    ctx.counted()
    camel = "spanId" in sp
    span_id = norm_id(sp["spanId"] if camel else sp.get("span_id"))
    if not span_id:
        raise ctx.error("the span has no span id", field=f"{where}.spanId", line=line)
    if camel:
        trace_id = norm_id(sp.get("traceId"))
        parent = norm_id(sp.get("parentSpanId") or sp.get("parent_id"))
        start_raw = sp.get("startTimeUnixNano")
        end_raw = sp.get("endTimeUnixNano")
    else:
        trace_id = norm_id(sp.get("trace_id"))
        parent = norm_id(sp.get("parent_span_id") or sp.get("parent_id"))
        start_raw = sp.get("start_time_unix_nano")
        end_raw = sp.get("end_time_unix_nano")
    start = (int(start_raw) if isinstance(start_raw, str) and start_raw.isdigit()
             else time_ns(start_raw, unit_ns=1))
    if start is None:
        raise ctx.error(f"span {span_id}: the start time is missing or not a number "
                        f"({repr(start_raw)[:40]})", field=f"{where}.startTimeUnixNano",
                        line=line)
    end = (int(end_raw) if isinstance(end_raw, str) and end_raw.isdigit()
           else time_ns(end_raw, unit_ns=1))
    if end_raw is not None and end is None:
        raise ctx.error(f"span {span_id}: the end time is not a number "
                        f"({repr(end_raw)[:40]})", field=f"{where}.endTimeUnixNano",
                        line=line)
    name = sp.get("name")
    span = RawSpan(trace_id, span_id, None if is_null_id(parent) else parent,
                 name if isinstance(name, str) else as_str(name), start,
                 end if end else None, f"line {line}, {where}" if line else where, sp)
    attrs = _otlp_attributes(sp.get("attributes"))
    for key, value in base.items():
        attrs.setdefault(key, value)
    kind = _otlp_kind_name(sp.get("kind"))
    if kind:
        attrs["span.kind"] = kind
    span.attributes = attrs
    status = sp.get("status")
    if isinstance(status, dict):
        code = status.get("code")
        if code is None:
            code = status.get("deprecatedCode", status.get("deprecated_code"))
            code = 2 if code not in (None, 0, "DEPRECATED_STATUS_CODE_OK") else None
        if isinstance(code, str) and code.isdigit():
            code = int(code)
        span.status = STATUS_NAMES.get(code, "unset") if code is not None else "unset"
        span.status_message = as_str(status.get("message"))
    events = sp.get("events")
    if isinstance(events, list):
        for ev in events:
            if isinstance(ev, dict):
                span.events.append((as_str(ev.get("name")),
                                    time_ns(either_key(ev, "timeUnixNano", "time_unix_nano"),
                                             unit_ns=1),
                                    _otlp_attributes(ev.get("attributes"))))
    links = sp.get("links")
    if isinstance(links, list):
        for lk in links:
            if isinstance(lk, dict):
                lid = norm_id(either_key(lk, "spanId", "span_id"))
                if lid:
                    span.links.append(lid)
    out.append(span)


def _is_request(doc: dict[str, Any]) -> bool:
    return "resourceSpans" in doc or "resource_spans" in doc


def _is_span_list(doc: dict[str, Any]) -> bool:
    first = first_of_data(doc)
    return isinstance(first, dict) and ("spanId" in first or "span_id" in first)


FORMAT = TraceFormat("otlp-json", document=_is_request, fallback=_is_span_list,
                     read_line=read_otlp)
