"""OpenAI evals record logs: a ``spec`` line, ``final_report`` and events, of which
``type: "match"`` events carry ``data.correct``."""

from __future__ import annotations

from typing import Any

from crucible_io.evals.common import (
    OPENAI_EVALS,
    EvalFormat,
    NoItemsError,
    ReadRequest,
    as_number,
    as_text,
    item_frame,
)
from crucible_io.limits import (
    Loaded,
    SchemaError,
    decode_text,
    parse_json,
)
from crucible_scenarios.eval_log import EvalLog, StoredAggregate

# --------------------------------------------------------------------------- OpenAI evals

def read_openai_evals(loaded: Loaded, *, model: str | None, task: str | None) -> EvalLog:
    """An OpenAI evals record log: ``{"spec": ...}``, ``{"final_report": ...}`` and event
    lines ``{"run_id", "event_id", "sample_id", "type", "data"}``; ``type: "match"``
    events give ``data.correct`` (bool), ``data.picked`` and ``data.expected``."""
    file = loaded.name
    text = decode_text(loaded.data, file=file)
    spec: dict[str, Any] = {}
    report: dict[str, Any] | None = None
    types: dict[str, int] = {}
    rows: dict[str, list[Any]] = {"item_id": [], "epoch": [], "score": [], "answer": [],
                                  "target": []}
    where: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        rec = parse_json(raw, file=file, line=number)
        if not isinstance(rec, dict):
            raise SchemaError(f"expected an object, got {type(rec).__name__}", file=file,
                              line=number)
        if "spec" in rec:
            spec = rec["spec"] if isinstance(rec["spec"], dict) else {}
            continue
        if "final_report" in rec:
            report = rec["final_report"] if isinstance(rec["final_report"], dict) else {}
            continue
        kind = rec.get("type")
        types[str(kind)] = types.get(str(kind), 0) + 1
        if kind != "match":
            continue
        data = rec.get("data")
        if not isinstance(data, dict):
            raise SchemaError("expected an object", file=file, line=number, field="data")
        correct = data.get("correct")
        if not isinstance(correct, bool):
            raise SchemaError("missing score" if correct is None else
                              f"expected true/false, got {repr(correct)[:40]}", file=file,
                              line=number, field="data.correct")
        sid = rec.get("sample_id")
        if not isinstance(sid, str | int) or isinstance(sid, bool):
            raise SchemaError("missing or not an id", file=file, line=number,
                              field="sample_id")
        rows["item_id"].append(str(sid))
        rows["epoch"].append(1)
        rows["score"].append(float(correct))
        rows["answer"].append(as_text(data.get("picked")))
        rows["target"].append(as_text(data.get("expected")))
        where.append(f"line {number}")
    if not rows["item_id"]:
        held = ["a spec line" if spec else "", "a final_report" + (
            f" ({', '.join(f'{k} {v}' for k, v in list(report.items())[:4])})"
            if report else "") if report is not None else ""]
        held += [f"{n} '{t}' event(s)" for t, n in types.items()]
        raise NoItemsError("the record log holds no 'match' events with data.correct, so "
                           "no per-sample scores; it holds " +
                           (", ".join(h for h in held if h) or "nothing else"), file=file)
    frame = item_frame(rows, file=file, where=where)
    stored = None
    if report is not None and as_number(report.get("accuracy")) is not None:
        n = report.get("n_samples")
        stored = StoredAggregate(metric="accuracy", mean=float(report["accuracy"]),
                                 stderr=None, n=n if isinstance(n, int) else None)
    fns = spec.get("completion_fns")
    found_model = fns[0] if isinstance(fns, list) and fns and isinstance(fns[0], str) else None
    return EvalLog(format=OPENAI_EVALS,
                   task=task or str(spec.get("eval_name") or "unknown task"),
                   model=model or str(found_model or "unknown model"), metric="accuracy",
                   items=frame, source=file, metrics=("accuracy",), stored=stored)


def read(loaded: Loaded, request: ReadRequest) -> EvalLog:
    """An OpenAI evals record log as :func:`read_eval_log` reads it."""
    return read_openai_evals(loaded, model=request.model, task=request.task)


def _is_record_line(record: dict[str, Any]) -> bool:
    return bool({"spec", "final_report"} & record.keys()) or {"run_id", "type"} <= record.keys()


def _is_record_document(doc: Any) -> bool:
    return isinstance(doc, dict) and bool({"spec", "final_report"} & doc.keys())


RECORD_LOG = EvalFormat(OPENAI_EVALS, read, aliases=("openai_evals", "openai", "oaieval"),
                        first_line=_is_record_line, document=_is_record_document,
                        keeps_parsed=False)
