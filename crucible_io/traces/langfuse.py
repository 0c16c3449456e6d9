"""Langfuse trace exports: ``{trace, observations}`` and ``{observations, scores}``, and
observation lists; generations carry model, usage and cost."""

from __future__ import annotations

from typing import Any

from crucible_io.traces.common import (
    RawSpan,
    ReadContext,
    TraceFormat,
    as_obj,
    as_str,
    clip,
    first_number,
    flatten_into,
    float_or_none,
    int_or_none,
    present,
    time_ns,
    unwrap_json,
)
from crucible_io.traces.conventions import text_of

# --- Langfuse ---------------------------------------------------------------------------

LANGFUSE_KINDS = {"GENERATION": "llm", "TOOL": "tool", "AGENT": "agent",
                   "RETRIEVER": "retriever", "EMBEDDING": "embedding", "EVENT": "event",
                   "EVALUATOR": "evaluator", "GUARDRAIL": "guardrail", "CHAIN": "chain",
                   "SPAN": "span"}


def read_langfuse(doc: Any, ctx: ReadContext, out: list[RawSpan]) -> dict[str, dict[str, Any]]:
    """Spans of a Langfuse export; returns the trace records by trace id."""
    trace_rec: dict[str, Any] = {}
    if isinstance(doc, dict):
        trace_rec = as_obj(doc.get("trace")) or \
            {k: v for k, v in doc.items() if k not in ("observations", "scores")}
        observations = doc.get("observations")
        if observations is None and isinstance(trace_rec.get("observations"), str | list):
            observations = trace_rec.get("observations")
        scores = doc.get("scores", trace_rec.get("scores"))
    else:
        observations, scores = doc, None
    observations = unwrap_json(observations)
    if not isinstance(observations, list):
        raise ctx.error("expected an array of observations", field="observations")
    default_trace = as_str(trace_rec.get("id"))
    for i, ob in enumerate(observations):
        where = f"observations[{i}]"
        if not isinstance(ob, dict):
            raise ctx.error(f"expected an observation object, got {type(ob).__name__}",
                            field=where)
        ctx.counted()
        oid = as_str(ob.get("id"))
        if not oid:
            raise ctx.error("the observation has no id", field=f"{where}.id")
        start = time_ns(ob.get("startTime"))
        if start is None:
            raise ctx.error(f"observation {oid}: startTime is missing or not a time",
                            field=f"{where}.startTime")
        end_raw = ob.get("endTime")
        end = time_ns(end_raw)
        if end_raw is not None and end is None:
            raise ctx.error(f"observation {oid}: endTime is not a time",
                            field=f"{where}.endTime")
        otype = str(ob.get("type") or "SPAN").upper()
        parent = ob.get("parentObservationId")
        span = RawSpan(as_str(ob.get("traceId")) or default_trace, oid,
                     as_str(parent) or None, as_str(ob.get("name")), start, end, where, ob)
        span.kind = LANGFUSE_KINDS.get(otype, "span")
        span.point = otype == "EVENT"
        attrs: dict[str, Any] = {"langfuse.type": otype}
        metadata = unwrap_json(ob.get("metadata"))
        if isinstance(metadata, dict):
            inner = metadata.get("attributes")
            if isinstance(inner, dict):
                flatten_into(attrs, "", inner)
            flatten_into(attrs, "metadata", {k: v for k, v in metadata.items()
                                              if k != "attributes"})
        for key in ("level", "version", "environment", "modelParameters"):
            if ob.get(key) not in (None, {}, ""):
                flatten_into(attrs, key, ob[key])
        span.attributes = attrs
        level = str(ob.get("level") or "").upper()
        span.status = "error" if level == "ERROR" else "unset"
        span.status_message = as_str(ob.get("statusMessage"))
        if isinstance(ob.get("model"), str) and ob["model"]:
            span.model = clip(ob["model"])
        details = ob.get("usageDetails") if isinstance(ob.get("usageDetails"), dict) else {}
        usage = ob.get("usage") if isinstance(ob.get("usage"), dict) else {}
        span.input_tokens = int_or_none(present(
            first_number(details, ("input", "prompt_tokens", "input_tokens")),
            ob.get("inputUsage"), first_number(usage, ("input", "promptTokens")),
            ob.get("promptTokens")))
        span.output_tokens = int_or_none(present(
            first_number(details, ("output", "completion_tokens", "output_tokens")),
            ob.get("outputUsage"), first_number(usage, ("output", "completionTokens")),
            ob.get("completionTokens")))
        if span.kind != "llm" and not span.input_tokens and not span.output_tokens:
            span.input_tokens = span.output_tokens = None
        costs = ob.get("costDetails") if isinstance(ob.get("costDetails"), dict) else {}
        cost = float_or_none(costs.get("total")) if costs else None
        if cost is None:
            cost = float_or_none(ob.get("totalCost") or ob.get("calculatedTotalCost"))
        span.cost = cost if cost else (cost if span.kind == "llm" else None)
        span.input_text = text_of(unwrap_json(ob.get("input")))
        span.output_text = text_of(unwrap_json(ob.get("output")))
        out.append(span)
    if isinstance(scores, list):
        by_obs: dict[str, list[dict[str, Any]]] = {}
        for sc in scores:
            if isinstance(sc, dict) and isinstance(sc.get("name"), str):
                by_obs.setdefault(as_str(sc.get("observationId")), []).append(sc)
        for span in out:
            keys = [span.span_id] + ([""] if span.parent_id is None else [])
            for key in keys:
                for sc in by_obs.get(key, []):
                    span.attributes[f"score.{sc['name']}"] = sc.get("value",
                                                                    sc.get("stringValue"))
    return {default_trace: trace_rec} if default_trace else {}


def _is_export(doc: dict[str, Any]) -> bool:
    inner = doc.get("trace")
    return "observations" in doc or (isinstance(inner, dict) and "observations" in inner)


def _is_observation(first: dict[str, Any]) -> bool:
    return "parentObservationId" in first or (
        "startTime" in first and str(first.get("type", "")).upper() in LANGFUSE_KINDS)


FORMAT = TraceFormat("langfuse", document=_is_export, record=_is_observation,
                     in_lists=False, read_whole=read_langfuse)
