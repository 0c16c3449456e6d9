"""LangSmith runs: a list, ``{runs: [...]}``, a run with ``child_runs``, or the
``{post: [...], patch: [...]}`` ingest captures; parents from ``parent_run_id`` or
``dotted_order``."""

from __future__ import annotations

import re
from typing import Any

from crucible_io.traces.common import (
    RawSpan,
    ReadContext,
    TraceFormat,
    as_str,
    clip,
    clip_value,
    first_number,
    flatten_into,
    float_or_none,
    int_or_none,
    time_ns,
    unwrap_json,
)
from crucible_io.traces.conventions import text_of

# --- LangSmith ----------------------------------------------------------------------------

_LANGSMITH_KINDS = {"llm": "llm", "chain": "chain", "tool": "tool", "retriever": "retriever",
                    "embedding": "embedding", "prompt": "chain", "parser": "chain"}
_DOTTED = re.compile(r"^\d{8}T\d{6,}Z(.+)$")


def _dotted_ids(dotted: Any) -> list[str]:
    if not isinstance(dotted, str):
        return []
    ids = []
    for seg in dotted.split("."):
        m = _DOTTED.match(seg)
        if m:
            ids.append(m[1])
    return ids


def _langsmith_runs(doc: Any, ctx: ReadContext) -> list[tuple[str, dict[str, Any]]]:
    """The runs of a LangSmith file, patches merged into their posts, child runs
    flattened (iteratively)."""
    runs: list[tuple[str, dict[str, Any]]] = []
    if isinstance(doc, dict) and ("post" in doc or "patch" in doc):
        by_id: dict[str, dict[str, Any]] = {}
        order: list[str] = []
        for part in ("post", "patch"):
            items = doc.get(part) or []
            if not isinstance(items, list):
                raise ctx.error("expected an array of runs", field=part)
            for i, run in enumerate(items):
                if not isinstance(run, dict):
                    raise ctx.error(f"expected a run object, got {type(run).__name__}",
                                    field=f"{part}[{i}]")
                rid = as_str(run.get("id")) or (_dotted_ids(run.get("dotted_order")) or [""])[-1]
                if not rid:
                    raise ctx.error("the run has no id (nor a dotted_order)",
                                    field=f"{part}[{i}].id")
                if rid not in by_id:
                    by_id[rid] = {"id": rid}
                    order.append(rid)
                    runs.append((f"{part}[{i}]", by_id[rid]))
                by_id[rid].update({k: v for k, v in run.items() if v is not None})
        return runs
    if isinstance(doc, dict) and isinstance(doc.get("runs"), list):
        top, label = doc["runs"], "runs"
    elif isinstance(doc, list):
        top, label = doc, ""
    elif isinstance(doc, dict):
        top, label = [doc], ""
    else:
        raise ctx.error("expected runs")
    stack = [(f"{label}[{i}]", r, None) for i, r in reversed(list(enumerate(top)))]
    while stack:
        where, run, parent = stack.pop()
        if not isinstance(run, dict):
            raise ctx.error(f"expected a run object, got {type(run).__name__}", field=where)
        if parent is not None and not run.get("parent_run_id"):
            run = {**run, "parent_run_id": parent}
        runs.append((where, run))
        children = run.get("child_runs")
        if isinstance(children, list):
            for j in range(len(children) - 1, -1, -1):
                stack.append((f"{where}.child_runs[{j}]", children[j], run.get("id")))
        ctx.counted()
    ctx.count -= len(runs)
    return runs


def read_langsmith(doc: Any, ctx: ReadContext, out: list[RawSpan]) -> None:
    for where, run in _langsmith_runs(doc, ctx):
        ctx.counted()
        rid = as_str(run.get("id"))
        if not rid:
            raise ctx.error("the run has no id", field=f"{where}.id")
        start = time_ns(run.get("start_time"))
        if start is None:
            raise ctx.error(f"run {rid}: start_time is missing or not a time",
                            field=f"{where}.start_time")
        end_raw = run.get("end_time")
        end = time_ns(end_raw)
        if end_raw is not None and end is None:
            raise ctx.error(f"run {rid}: end_time is not a time", field=f"{where}.end_time")
        dotted = _dotted_ids(run.get("dotted_order"))
        parent = as_str(run.get("parent_run_id")) or (dotted[-2] if len(dotted) > 1 else "")
        trace_id = as_str(run.get("trace_id")) or (dotted[0] if dotted else "")
        span = RawSpan(trace_id, rid, parent or None, as_str(run.get("name")), start, end,
                     where, run)
        rtype = str(run.get("run_type") or "").lower()
        span.kind = _LANGSMITH_KINDS.get(rtype)
        extra = unwrap_json(run.get("extra"))
        meta = extra.get("metadata") if isinstance(extra, dict) else None
        attrs: dict[str, Any] = {}
        if rtype:
            attrs["run_type"] = rtype
        if isinstance(meta, dict):
            flatten_into(attrs, "metadata", meta)
        for key in ("tags", "session_name", "dotted_order", "status"):
            if run.get(key) not in (None, [], ""):
                attrs[key] = clip_value(run[key])
        span.attributes = attrs
        error = run.get("error")
        if error:
            span.status, span.status_message = "error", as_str(error)
        elif str(run.get("status", "")).lower() == "success" or end is not None:
            span.status = "ok"
        outputs = unwrap_json(run.get("outputs"))
        inputs = unwrap_json(run.get("inputs"))
        usage: dict[str, Any] = {}
        if isinstance(outputs, dict):
            for key in ("usage_metadata", "usage"):
                if isinstance(outputs.get(key), dict):
                    usage = outputs[key]
                    break
            llm_out = outputs.get("llm_output")
            if not usage and isinstance(llm_out, dict) and isinstance(
                    llm_out.get("token_usage"), dict):
                usage = llm_out["token_usage"]
        if not usage and isinstance(meta, dict) and isinstance(meta.get("usage_metadata"),
                                                               dict):
            usage = meta["usage_metadata"]
        span.input_tokens = int_or_none(
            run.get("prompt_tokens") if run.get("prompt_tokens") is not None else
            run.get("input_tokens") if run.get("input_tokens") is not None else
            first_number(usage, ("input_tokens", "prompt_tokens")))
        span.output_tokens = int_or_none(
            run.get("completion_tokens") if run.get("completion_tokens") is not None else
            run.get("output_tokens") if run.get("output_tokens") is not None else
            first_number(usage, ("output_tokens", "completion_tokens")))
        cost = float_or_none(run.get("total_cost"))
        if cost is None and (run.get("prompt_cost") is not None or
                             run.get("completion_cost") is not None):
            cost = (float_or_none(run.get("prompt_cost")) or 0.0) + \
                (float_or_none(run.get("completion_cost")) or 0.0)
        span.cost = cost
        model = None
        if isinstance(outputs, dict) and isinstance(outputs.get("model"), str):
            model = outputs["model"]
        elif isinstance(meta, dict) and isinstance(meta.get("ls_model_name"), str):
            model = meta["ls_model_name"]
        elif isinstance(inputs, dict) and isinstance(inputs.get("model"), str):
            model = inputs["model"]
        span.model = clip(model) if model else None
        span.input_text = text_of(inputs) if inputs not in (None, {}) else ""
        span.output_text = text_of(outputs) if outputs not in (None, {}) else ""
        events = run.get("events")
        if isinstance(events, list):
            for ev in events:
                if isinstance(ev, dict):
                    eattrs = {k: clip_value(v) for k, v in ev.items()
                              if k not in ("name", "time") and not isinstance(v, dict | list)}
                    span.events.append((as_str(ev.get("name")), time_ns(ev.get("time")),
                                        eattrs))
        out.append(span)
    # a run without a trace id belongs to the trace of its root
    ids = {s.span_id: s for s in out}
    for s in out:
        if not s.trace_id:
            seen = 0
            node = s
            while node.parent_id in ids and seen <= len(ids):
                node = ids[node.parent_id]
                seen += 1
            s.trace_id = node.trace_id or node.span_id


def _is_runs(doc: dict[str, Any]) -> bool:
    return (isinstance(doc.get("post"), list) or isinstance(doc.get("patch"), list)
            or ("run_type" in doc and "id" in doc) or isinstance(doc.get("runs"), list))


def _is_run(first: dict[str, Any]) -> bool:
    return "run_type" in first or "dotted_order" in first or "parent_run_id" in first


FORMAT = TraceFormat("langsmith", document=_is_runs, record=_is_run,
                     read_whole=read_langsmith)
