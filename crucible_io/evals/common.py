"""What every eval-log reader shares: the format names, the error for files without
per-item scores, the request a reader is handed, and the helpers that turn a tool's rows
into an EvalLog's item table."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    DuplicateIdError,
    Loaded,
    SchemaError,
)
from crucible_scenarios.eval_log import META_PREFIX, EvalLog

LM_EVAL = "lm-eval samples"
LM_EVAL_RESULTS = "lm-eval results"
INSPECT_EVAL = "Inspect .eval"
INSPECT_JSON = "Inspect .json"
HELM = "HELM"
OPENAI_EVALS = "OpenAI evals"
CSV = "CSV"
#: Eval-set manifests written beside Inspect logs; they hold no scores.
MANIFEST = "Inspect eval-set manifest"


class NoItemsError(SchemaError):
    """The file is a log of a known kind but holds no per-item scores (a results summary,
    a header-only or cancelled log, an unscored run)."""


# --------------------------------------------------------------------------- helpers

def item_frame(rows: dict[str, list[Any]], *, file: str, where: list[str]) -> pd.DataFrame:
    """Columns into an items frame, refusing a repeated (item_id, epoch)."""
    frame = pd.DataFrame(rows)
    frame["item_id"] = frame["item_id"].astype(str)
    frame["epoch"] = frame["epoch"].astype(int)
    frame["score"] = frame["score"].astype(float)
    dup = frame.duplicated(["item_id", "epoch"], keep="first").to_numpy()
    if dup.any():
        i = int(dup.argmax())
        raise DuplicateIdError(
            f"item {frame['item_id'].iat[i]!r}, epoch {frame['epoch'].iat[i]} appears "
            f"twice ({where[i]})", file=file, field="item_id")
    return frame.dropna(axis=1, how="all").reset_index(drop=True)


def choose(wanted: str | None, offered: list[str], *, kind: str, file: str,
            default: str | None = None) -> str:
    if wanted is not None:
        if wanted not in offered:
            raise SchemaError(f"no {kind} {wanted!r} in this file; it offers "
                              f"{', '.join(offered) or 'none'}", file=file, field=kind)
        return wanted
    return default if default is not None else offered[0]


def as_number(value: Any) -> float | None:
    """A finite float from a JSON number, bool or numeric string, else None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        f = float(value)
    elif isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return f if math.isfinite(f) else None


def sub_object(mapping: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``mapping[key]`` when it is a JSON object, else an empty one."""
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    return json.dumps(value, ensure_ascii=False, default=str)[:10_000]


def flatten_meta(meta: Mapping[str, Any], out: dict[str, Any]) -> None:
    """Metadata into ``meta.*`` cells: scalars kept, nested objects flattened one level
    (``meta.a.b``), anything deeper JSON-encoded."""
    for key, value in meta.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                out[f"{META_PREFIX}{key}.{sub}"] = as_scalar(inner)
        else:
            out[f"{META_PREFIX}{key}"] = as_scalar(value)


def as_scalar(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def rows_from_dicts(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    keys: dict[str, None] = {}
    for r in records:
        keys.update(dict.fromkeys(r))
    return {k: [r.get(k) for r in records] for k in keys}


@dataclass(frozen=True)
class ReadRequest:
    """What the caller of :func:`crucible_io.evals.read_eval_log` asked for, handed to
    the reader of the detected format: the parsed document when detection already parsed
    it, the folder the file came from, the score to read (``metric``, lm-eval ``filter``,
    Inspect ``scorer``), names for the run where the file has none, the size limit and the
    files uploaded beside it (a HELM run's side files)."""

    kind: str
    parsed: Any = None
    folder: Path | None = None
    metric: str | None = None
    filter: str | None = None
    scorer: str | None = None
    model: str | None = None
    task: str | None = None
    max_bytes: int = MAX_SOURCE_BYTES
    siblings: Mapping[str, bytes] | None = None


@dataclass(frozen=True)
class EvalFormat:
    """One eval-log format: its name, its reader and how detection recognises it.

    Each test looks at one shape of file, in this order: ``file_names`` (a file of such a
    name is of this format whatever it holds), ``archive`` (the member names of a zip),
    ``text`` (the file name and its first bytes), ``first_line`` (the first object of a
    JSON Lines file) and ``document`` (a whole parsed JSON document, object or array).
    ``refuse`` returns the message for a file of this tool that holds no per-item scores
    (a side file), else None. ``keeps_parsed``: the reader is handed the parsed document
    or archive, so the file is not parsed twice. ``aliases``: other names a caller may
    give the format."""

    name: str
    read: Callable[[Loaded, ReadRequest], EvalLog]
    aliases: tuple[str, ...] = ()
    file_names: tuple[str, ...] = ()
    archive: Callable[[list[str]], bool] | None = None
    text: Callable[[str, bytes], bool] | None = None
    first_line: Callable[[dict[str, Any]], bool] | None = None
    document: Callable[[Any], bool] | None = None
    refuse: Callable[[Any], str | None] | None = None
    keeps_parsed: bool = True


def first_record(doc: Any) -> dict[str, Any] | None:
    """The first object of a JSON array (a list of records), else None."""
    if isinstance(doc, list) and doc and isinstance(doc[0], dict):
        return doc[0]
    return None
