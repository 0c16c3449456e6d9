"""Validation of uploaded files at the edge, before anything reaches a scenario.
Every failure raises :class:`UploadError` with a message fit to show a user."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pandas as pd
import streamlit as st

#: Largest upload accepted, in bytes (the server limit in .streamlit/config.toml is larger).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200_000
#: What every eval-log uploader accepts: Inspect's .eval archives, JSON and JSON Lines logs
#: (lm-eval, Inspect, HELM, OpenAI evals) and zip archives of them (a HELM run folder).
EVAL_LOG_TYPES = ["eval", "json", "jsonl", "zip"]
#: What every latency or per-request log uploader accepts: CSV/TSV tables (JMeter's .jtl,
#: k6, ApacheBench's .txt/.tsv), JMeter's XML results, JSON and JSON Lines.
LATENCY_LOG_TYPES = ["csv", "tsv", "jtl", "xml", "txt", "json", "jsonl"]


class UploadError(ValueError):
    """An uploaded file cannot be used; the message says why, naming row or column."""


def _read_bytes(data: bytes | Any, *, max_bytes: int) -> bytes:
    raw = data if isinstance(data, bytes) else data.getvalue()
    if len(raw) == 0:
        raise UploadError("The file is empty.")
    if len(raw) > max_bytes:
        raise UploadError(
            f"The file is {len(raw) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB.")
    return raw


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(
            f"The file is not UTF-8 text (invalid byte at position {exc.start}); save it "
            "as UTF-8 CSV and upload it again.") from None


def read_csv_upload(data: bytes | Any, *, max_bytes: int = MAX_UPLOAD_BYTES,
                    max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """Parse an uploaded CSV (bytes or a Streamlit ``UploadedFile``) into a DataFrame.

    Rejects empty, oversized, non-UTF-8, unparsable, header-only and overlong files.
    Column names are stripped of surrounding white space.
    """
    text = _decode(_read_bytes(data, max_bytes=max_bytes))
    if not text.strip():
        raise UploadError("The file is empty.")
    try:
        df = pd.read_csv(io.StringIO(text), skipinitialspace=True)
    except pd.errors.ParserError as exc:
        raise UploadError(f"The file is not valid CSV: {exc}".strip()) from None
    except pd.errors.EmptyDataError:
        raise UploadError("The file has no columns.") from None
    if df.empty:
        raise UploadError("The file has a header but no data rows.")
    if len(df) > max_rows:
        raise UploadError(f"The file has {len(df):,} rows; the limit is {max_rows:,}.")
    header = [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]
    duplicated = [name for name in header if header.count(name) > 1]
    if duplicated:
        raise UploadError(f"Column {duplicated[0]!r} appears more than once.")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def require_columns(df: pd.DataFrame, required: list[str]) -> None:
    """Raise :class:`UploadError` naming the first missing column and what exists."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = ", ".join(repr(c) for c in df.columns[:10])
        raise UploadError(f"Missing column {missing[0]!r}; the file has {found}.")


def numeric_column(df: pd.DataFrame, column: str, *, allow_nan: bool = False) -> pd.Series:
    """Column ``column`` as floats; names the first bad row (1-based, after the header)."""
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() & df[column].notna() if allow_nan else values.isna()
    bad |= ~values.isna() & ~values.abs().lt(float("inf"))
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        shown = str(df[column].iloc[row])[:40]
        raise UploadError(
            f"Row {row + 2}, column {column!r}: {shown!r} is not a finite number.")
    return values.astype(float)


def read_json_upload(data: bytes | Any, *, max_bytes: int = MAX_UPLOAD_BYTES) -> Any:
    """Parse an uploaded JSON document; reports the line and column of a syntax error."""
    text = _decode(_read_bytes(data, max_bytes=max_bytes))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UploadError(
            f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise UploadError("The file nests JSON arrays or objects too deeply to read.") from None


def eval_log_uploads(label: str, types: list[str], key: str) -> list[Any]:
    """Two uploaders side by side: loose files, and a whole output folder (an lm-eval
    ``<output>`` folder of model folders, HELM run folders, an Inspect log folder). A
    folder's files arrive named by their path inside it, which the readers use to keep
    each run's files together and to name a run's model after its folder. Returns every
    uploaded file, loose ones first."""
    left, right = st.columns(2)
    files = left.file_uploader(label, type=types, accept_multiple_files=True, key=key,
                               help="One or more log files, or a zip of an output folder.")
    folder = right.file_uploader(
        "...or a whole output folder", type=types, accept_multiple_files="directory",
        key=f"{key}_folder",
        help="lm-eval's output folder (one folder per model), HELM run folders or an "
             "Inspect log folder: each run's files are read together.")
    return [*(files or []), *(folder or [])]
