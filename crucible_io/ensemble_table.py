"""The wide answer table: several models' answers to the same items, one row per item.

Columns: ``item_id``, ``target`` and one answer column per model, named
``answer_<model>`` (any other column that is not an optional per-model column counts
as a model's answers when no ``answer_`` column exists). Optional per-model columns:
``confidence_<model>`` (in [0, 1]), ``input_tokens_<model>``, ``output_tokens_<model>``
and ``latency_s_<model>``. The table is returned with every answer column named
``answer_<model>``, ready for :func:`crucible_scenarios.ensemble.ensemble_from_logs`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    DuplicateIdError,
    SchemaError,
    Source,
    decode_text,
    load_source,
)
from crucible_io.tables import line_of, numeric, read_table

EXTRA_PREFIXES: tuple[str, ...] = ("confidence_", "input_tokens_", "output_tokens_",
                                   "latency_s_")
MAX_MODELS = 9


def read_answer_table(source: Source, *, max_bytes: int = MAX_SOURCE_BYTES) -> pd.DataFrame:
    """Read a wide answer table (CSV or TSV) into a DataFrame with item_id and target as
    text, one ``answer_<model>`` text column per model (empty cells are None) and the
    optional per-model numeric columns. Raises a :class:`~crucible_io.limits.ReadError`
    naming file, line and column for a missing item_id / target column, fewer than 2 or
    more than 9 answer columns, a repeated or empty item id, an empty answer column, or
    a confidence outside [0, 1] or a negative token count."""
    loaded = load_source(source, max_bytes=max_bytes)
    file = loaded.name
    frame = read_table(decode_text(loaded.data, file=file), file=file)
    lowered = {str(c).strip().lower(): str(c) for c in frame.columns}
    for required in ("item_id", "target"):
        if required not in lowered:
            found = ", ".join(repr(str(c)) for c in list(frame.columns)[:10])
            raise SchemaError(f"the table needs a column {required!r}; it has {found}",
                              file=file, line=1, field=required)
    rename = {lowered["item_id"]: "item_id", lowered["target"]: "target"}
    frame = frame.rename(columns=rename)
    names = [str(c) for c in frame.columns if c not in ("item_id", "target")]
    answers = [c for c in names if c.startswith("answer_")]
    if not answers:
        answers = [c for c in names if not c.startswith(EXTRA_PREFIXES)]
        frame = frame.rename(columns={c: f"answer_{c}" for c in answers})
        answers = [f"answer_{c}" for c in answers]
    models = [c.removeprefix("answer_") for c in answers]
    if not 2 <= len(models) <= MAX_MODELS:
        raise SchemaError(f"the table holds {len(models)} answer column(s); voting needs 2 "
                          f"to {MAX_MODELS} models", file=file, line=1)
    ids = frame["item_id"]
    if ids.isna().any():
        raise SchemaError("item_id is empty", file=file,
                          line=line_of(frame, int(np.flatnonzero(ids.isna().to_numpy())[0])),
                          field="item_id")
    text_ids = ids.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer()
                       else str(v).strip())
    duplicated = text_ids.duplicated().to_numpy()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0])
        raise DuplicateIdError(f"item_id {text_ids.iloc[row]!r} appears twice", file=file,
                               line=line_of(frame, row), field="item_id")
    out = pd.DataFrame({"item_id": text_ids.to_numpy(dtype=object),
                        "target": _text(frame["target"])})
    for model, column in zip(models, answers, strict=True):
        values = _text(frame[column])
        if pd.isna(values).all():
            raise SchemaError("the answer column is empty", file=file, line=2, field=column)
        out[f"answer_{model}"] = pd.Series(values, dtype=object, index=out.index)
    for model in models:
        for prefix in EXTRA_PREFIXES:
            column = f"{prefix}{model}"
            if column not in frame.columns:
                continue
            values = numeric(frame, column, file=file, allow_missing=True)
            low, high = (0.0, 1.0) if prefix == "confidence_" else (0.0, np.inf)
            bad = np.isfinite(values) & ((values < low) | (values > high))
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise SchemaError(f"{values[row]:g} is outside [{low:g}, {high:g}]",
                                  file=file, line=line_of(frame, row), field=column)
            out[column] = values
    out.attrs["source"] = file
    return out


def _text(column: pd.Series) -> np.ndarray:
    def one(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        text = str(value)
        return text if text.strip() else None

    return np.asarray([one(v) for v in column], dtype=object)
