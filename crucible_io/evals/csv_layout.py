"""A single run as CSV: ``item_id`` (or ``id``) and ``score`` (or ``correct``), with
optional ``epoch``, ``answer``, ``target``, ``confidence``, latency and token columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from crucible_io.evals.common import CSV, EvalFormat, ReadRequest, choose, item_frame
from crucible_io.limits import (
    Loaded,
    SchemaError,
    decode_text,
)
from crucible_io.tables import line_of, numeric, read_table
from crucible_scenarios.eval_log import META_PREFIX, EvalLog

# --------------------------------------------------------------------------- CSV

_CSV_ID = ("item_id", "id", "item")
_CSV_SCORE = ("score", "correct")
_CSV_KNOWN = ("epoch", "answer", "target", "confidence", "latency_s", "input_tokens",
              "output_tokens")


def read_csv_log(loaded: Loaded, *, model: str | None, task: str | None,
              metric: str | None) -> EvalLog:
    """The project's single-run CSV: an id column (``item_id``/``id``/``item``), a score
    column (``score``/``correct``; numbers or true/false), optional ``epoch``, ``answer``,
    ``target``, ``confidence``, ``latency_s``, token columns, ``model`` and ``task`` (one
    value each), and any other column as ``meta.<name>``."""
    file = loaded.name
    table = read_table(decode_text(loaded.data, file=file), file=file)
    lower = {c.lower(): c for c in table.columns}
    id_col = next((lower[c] for c in _CSV_ID if c in lower), None)
    if id_col is None:
        raise SchemaError("no item id column (item_id, id or item)", file=file, line=1,
                          field="item_id")
    score_names = [lower[c] for c in _CSV_SCORE if c in lower]
    if not score_names:
        raise SchemaError("no score column (score or correct); a two-model wide table "
                          "belongs to the lab's CSV upload", file=file, line=1,
                          field="score")
    score_col = choose(metric, score_names, kind="metric", file=file) if metric else \
        score_names[0]
    raw = table[score_col]
    as_text = raw.astype(str).str.strip().str.lower()
    if raw.dtype == object and as_text.isin(["true", "false"]).all():
        scores = (as_text == "true").astype(float).to_numpy()
    else:
        scores = numeric(table, score_col, file=file)
    ids = table[id_col]
    if ids.isna().any():
        line = line_of(table, int(ids.isna().to_numpy().argmax()))
        raise SchemaError("empty item id", file=file, line=line, field=id_col)
    rows: dict[str, list[Any]] = {"item_id": ids.astype(str).str.strip().tolist(),
                                  "score": list(scores)}
    if "epoch" in lower:
        epochs = numeric(table, lower["epoch"], file=file)
        bad = (epochs < 1) | (epochs != epochs.round())
        if bad.any():
            raise SchemaError("epoch must be a whole number >= 1", file=file,
                              line=line_of(table, int(bad.argmax())), field=lower["epoch"])
        rows["epoch"] = epochs.astype(int).tolist()
    else:
        rows["epoch"] = [1] * len(table)
    found: dict[str, str | None] = {"model": None, "task": None}
    for key in ("model", "task"):
        if key in lower:
            values = table[lower[key]].dropna().astype(str).unique()
            if len(values) > 1:
                raise SchemaError(f"holds {len(values)} different {key}s; one run per file",
                                  file=file, field=lower[key])
            found[key] = values[0] if len(values) else None
    for col in table.columns:
        low = col.lower()
        if col in (id_col, score_col) or low in ("epoch", "model", "task"):
            continue
        if low in _CSV_KNOWN:
            rows[low] = table[col].where(table[col].notna(), None).tolist()
        elif low not in _CSV_SCORE:
            rows[f"{META_PREFIX}{col}"] = table[col].tolist()
    where = [f"line {i + 2}" for i in range(len(table))]
    frame = item_frame(rows, file=file, where=where)
    for col in ("latency_s", "input_tokens", "output_tokens", "confidence"):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return EvalLog(format=CSV, task=task or found["task"] or Path(file).stem,
                   model=model or found["model"] or "unknown model", metric=score_col,
                   items=frame, source=file, metrics=tuple(score_names))


def read(loaded: Loaded, request: ReadRequest) -> EvalLog:
    """A single-run CSV as :func:`read_eval_log` reads it."""
    return read_csv_log(loaded, model=request.model, task=request.task,
                        metric=request.metric)


def _is_table(name: str, head: bytes) -> bool:
    """A CSV or TSV by its name, or any file whose first bytes are not JSON."""
    return name.endswith((".csv", ".tsv")) or (head[:1] not in (b"{", b"[") and bool(head))


TABLE = EvalFormat(CSV, read, aliases=("csv",), text=_is_table, keeps_parsed=False)
