"""Raw spans into traces, one per trace id: the attribute conventions applied, the structure
checked without recursion (duplicate ids, parent cycles, orphans, the span limit) and
each span turned into a :class:`~crucible_scenarios.trace.TraceEvent`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from crucible_io.limits import (
    DuplicateIdError,
    SchemaError,
)
from crucible_io.traces.common import (
    ANSWER_CHARS,
    MAX_TEXT,
    RawSpan,
    ReadContext,
    as_str,
    clip,
    unwrap_json,
)
from crucible_io.traces.conventions import apply_conventions, text_of
from crucible_scenarios.trace import (
    MAX_SPAN_ID,
    SpanEvent,
    Trace,
    TraceEvent,
)

# --- building traces -------------------------------------------------------------------



def build_traces(spans: list[RawSpan], ctx: ReadContext, fmt: str,
           trace_records: dict[str, dict[str, Any]] | None = None) -> list[Trace]:
    if not spans:
        raise ctx.error("the file holds no spans", field="spans")
    groups: dict[str, list[RawSpan]] = {}
    for span in spans:
        groups.setdefault(span.trace_id, []).append(span)
    return [_build_one(tid, group, ctx, fmt, (trace_records or {}).get(tid, {}))
            for tid, group in groups.items()]


def _build_one(trace_id: str, group: list[RawSpan], ctx: ReadContext, fmt: str,
               record: dict[str, Any]) -> Trace:
    notes: list[str] = list(ctx.notes)
    label = f"trace {trace_id}" if trace_id else "the trace"
    by_id: dict[str, RawSpan] = {}
    unique: list[RawSpan] = []
    repeats = 0
    if len(trace_id) > MAX_SPAN_ID:
        raise SchemaError(f"a trace id is {len(trace_id):,} characters long; the limit is "
                          f"{MAX_SPAN_ID}", file=ctx.file, field=f"{group[0].where}.traceId")
    for span in group:
        if len(span.span_id) > MAX_SPAN_ID:
            raise SchemaError(f"a span id is {len(span.span_id):,} characters long; the "
                              f"limit is {MAX_SPAN_ID}", file=ctx.file,
                              field=f"{span.where}.spanId")
        seen = by_id.get(span.span_id)
        if seen is not None:
            if seen.raw == span.raw:
                repeats += 1
                continue
            raise DuplicateIdError(f"span id {span.span_id!r} appears twice in {label} "
                                   f"({seen.where} and {span.where}) with different "
                                   "contents", file=ctx.file, field="spanId")
        by_id[span.span_id] = span
        unique.append(span)
    if repeats:
        notes.append(f"{repeats} exact repeat(s) of a span record were dropped "
                     "(an exporter sent the same span twice)")
    # parents: orphans become roots
    orphans = []
    for span in unique:
        if span.parent_id is not None and (span.parent_id not in by_id or
                                           span.parent_id == span.span_id):
            if span.parent_id == span.span_id:
                raise SchemaError(f"span {span.span_id!r} is its own parent (a parent "
                                  "cycle)", file=ctx.file, field=f"{span.where}.parentSpanId")
            orphans.append(span.span_id)
            span.parent_id = None
    if orphans:
        shown = ", ".join(orphans[:5]) + (" ..." if len(orphans) > 5 else "")
        notes.append(f"{len(orphans)} span(s) name a parent that is not in the file and "
                     f"are shown as roots: {shown}")
    depth = span_depths(unique, by_id, ctx)
    # repair ends before starts
    clamped = 0
    for span in unique:
        if span.end_ns is not None and span.end_ns < span.start_ns:
            span.end_ns = span.start_ns
            clamped += 1
    if clamped:
        notes.append(f"{clamped} span(s) end before they start; their end was set to "
                     "their start")
    order = {id(s): i for i, s in enumerate(unique)}
    unique.sort(key=lambda s: (s.start_ns, depth[s.span_id], order[id(s)]))
    t0 = unique[0].start_ns
    position = {s.span_id: i for i, s in enumerate(unique)}
    events: list[TraceEvent] = []
    for span in unique:
        apply_conventions(span)
        events.append(to_event(span, t0, position))
    roots = [s for s in unique if s.parent_id is None]
    root = roots[0]
    llm_models = Counter(s.model for s in unique if s.kind == "llm" and s.model)
    answer = root.output_text or text_of(unwrap_json(record.get("output")))
    if len(answer) > ANSWER_CHARS:
        answer = answer[:ANSWER_CHARS] + "..."
    question = root.name or as_str(record.get("name")) or trace_id
    values: dict[str, Any] = dict(
        problem_id=trace_id or root.span_id, question=question, answer=answer,
        events=tuple(events), model=llm_models.most_common(1)[0][0] if llm_models else "",
        expected_answer=None, title=f"{fmt}: {question}"[:200], trace_id=trace_id,
        source_format=fmt, start_unix_ns=t0, notes=tuple(notes))
    return Trace(**values)


def span_depths(spans: list[RawSpan], by_id: dict[str, RawSpan],
                ctx: ReadContext) -> dict[str, int]:
    """Depth of every span by walking parent links with an explicit path (no recursion);
    a walk that meets its own path is a parent cycle, refused naming its spans."""
    depth: dict[str, int] = {}
    on_path: set[str] = set()
    for span in spans:
        if span.span_id in depth:
            continue
        path: list[str] = []
        node: str | None = span.span_id
        while node is not None and node not in depth:
            if node in on_path:
                cycle = path[path.index(node):]
                shown = " -> ".join(cycle[:8]) + (" ..." if len(cycle) > 8 else "")
                raise SchemaError(f"the parent links form a cycle: {shown} -> {node}",
                                  file=ctx.file, field=f"{by_id[node].where}.parent")
            on_path.add(node)
            path.append(node)
            node = by_id[node].parent_id
        base = -1 if node is None else depth[node]
        for i, sid in enumerate(reversed(path)):
            depth[sid] = base + 1 + i
        on_path.difference_update(path)
    return depth


def to_event(span: RawSpan, t0: int, position: dict[str, int]) -> TraceEvent:
    start_ms = (span.start_ns - t0) / 1e6
    is_open = span.end_ns is None and not span.point
    end_ms = None if span.end_ns is None else (span.end_ns - t0) / 1e6
    if span.point and end_ms is None:
        end_ms = start_ms
    depends: tuple[str, ...] = ()
    if span.links:
        me = position[span.span_id]
        depends = tuple(dict.fromkeys(
            lk for lk in span.links if lk != span.parent_id and position.get(lk, me) < me))
    name = span.name if len(span.name) <= MAX_TEXT else clip(span.name)
    if span.links:
        span.attributes.setdefault("links", list(span.links))
    return TraceEvent(
        span.span_id, start_ms, "span", name, span.status_message, (), 0.5,
        span.parent_id, depends, end_ms=end_ms, is_open=is_open,
        kind=span.kind or "span", name=name, status=span.status,
        status_message=span.status_message, model=span.model,
        input_tokens=span.input_tokens, output_tokens=span.output_tokens,
        cost_usd=span.cost, input_text=span.input_text, output_text=span.output_text,
        attributes=span.attributes,
        span_events=tuple(SpanEvent(name=n, time_ms=start_ms if t is None else
                                     (t - t0) / 1e6, attributes=a)
                          for n, t, a in span.events) if span.events else ())
