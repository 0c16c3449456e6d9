"""Per-request logs of a deployed model, one row per request, for production monitoring.

A log is CSV (or TSV), JSON Lines (or a JSON array of objects) or JMeter's XML results
(:mod:`crucible_io.jmeter_xml`) with a timestamp and any
of: whether the answer was correct (0/1, true/false) or a score in [0, 1], the latency,
the cost in USD and whether the request failed. Column names are matched from the names
logging tools and gateways commonly write (``timestamp``/``created_at``/``time``,
``correct``/``is_correct``, ``latency_ms``/``duration``/``elapsed``, ``cost``/``cost_usd``,
``error``/``is_error``/``status``...). Timestamps are ISO 8601 strings or Unix epoch
numbers, in seconds or milliseconds by magnitude; the latency unit is taken from the
column name or the magnitude (:mod:`crucible_io.units`) and stated. Every file is hostile:
size capped, every bad cell named by line and field, spreadsheet formulas and text in
numeric columns refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crucible_io.jmeter_xml import looks_like_jmeter_xml, read_jmeter_xml
from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    SchemaError,
    Source,
    UnknownFormatError,
    decode_text,
    iter_json_lines,
    load_source,
    looks_like_json_lines,
    parse_json,
)
from crucible_io.tables import line_of, read_table
from crucible_io.units import TO_MS, guess_unit

__all__ = ["RequestLog", "read_request_log"]

#: Accepted column names per field, in order of preference (compared case-insensitively).
ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "time", "ts", "created_at", "start_time", "datetime",
                  "date", "request_time", "timestamp_ms", "timestamp_s"),
    "correct": ("correct", "is_correct", "passed", "pass", "accurate"),
    "score": ("score", "grade", "accuracy", "quality"),
    # JMeter writes both "elapsed" (the whole request) and "Latency" (to the first byte):
    # the whole request comes first.
    "latency": ("latency_ms", "elapsed", "latency", "latency_s", "duration_ms", "duration",
                "duration_s", "elapsed_ms", "response_time_ms", "response_time",
                "end_to_end_latency_s", "total_time"),
    "cost_usd": ("cost_usd", "cost", "total_cost", "price_usd", "price"),
    "error": ("error", "is_error", "failed", "errored", "status", "success", "ok"),
}
_TRUE = {"1", "true", "t", "yes", "y", "correct", "pass", "passed"}
_FALSE = {"0", "false", "f", "no", "n", "incorrect", "fail", "failed", ""}
_OK_STATUS = {"ok", "success", "succeeded", "200", "completed", "none", "null", ""}
_FORMULA_START = ("=", "+", "@", "-")
MAX_REQUESTS = 2_000_000


@dataclass(frozen=True)
class RequestLog:
    """A per-request log: ``frame`` with ``timestamp`` (UTC, naive) and whichever of
    ``correct`` (0/1), ``score`` (0-1), ``latency_ms``, ``cost_usd`` and ``error`` (0/1)
    the file has, in time order; where each came from (``columns``: field -> column of
    the file), the file's ``format``, how timestamps were read (``timestamp_kind``) and
    the latency unit with its reason (``latency_unit``)."""

    frame: pd.DataFrame
    file: str
    format: str
    columns: dict[str, str]
    timestamp_kind: str
    latency_unit: str | None

    @property
    def rows(self) -> int:
        """Number of requests read."""
        return len(self.frame)

    @property
    def start(self) -> pd.Timestamp:
        """Time of the first request."""
        return pd.Timestamp(self.frame["timestamp"].iloc[0])

    @property
    def end(self) -> pd.Timestamp:
        """Time of the last request."""
        return pd.Timestamp(self.frame["timestamp"].iloc[-1])

    def describe(self) -> str:
        """One sentence on what was read: format, requests, span, columns and units."""
        parts = [f"{self.format.upper()} per-request log, {self.rows:,} requests from "
                 f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC "
                 f"(timestamps as {self.timestamp_kind})"]
        names = {"correct": "correct", "score": "score", "latency_ms": "latency",
                 "cost_usd": "cost (USD)", "error": "error"}
        used = [f"{names[k]} from '{v}'" for k, v in self.columns.items() if k in names]
        if used:
            parts.append("; ".join(used))
        if self.latency_unit:
            parts.append(f"latency in {self.latency_unit}, shown in ms")
        return ". ".join(parts) + "."


#: JMeter's XML results name elapsed time ``t``, success ``s`` and the response code ``rc``
#: (``ts`` is an alias already); these names count only in such a file.
_JMETER_XML_ALIASES: dict[str, tuple[str, ...]] = {"latency": ("t",), "error": ("s", "rc")}


def _find(columns: list[str], field: str,
          extra: dict[str, tuple[str, ...]] | None = None) -> str | None:
    lowered = {str(c).strip().lower(): c for c in columns}
    names = (*(extra or {}).get(field, ()), *ALIASES[field])
    return next((lowered[n] for n in names if n in lowered), None)


def _records_frame(text: str, *, file: str) -> tuple[pd.DataFrame, str]:
    """JSON Lines or a JSON array of flat objects as a DataFrame (line numbers kept for
    JSON Lines as the index + 1; a JSON array's rows are numbered by position)."""
    if looks_like_json_lines(text):
        rows: list[dict[str, object]] = []
        lines: list[int] = []
        for number, record in iter_json_lines(text, file=file):
            if not isinstance(record, dict):
                raise SchemaError(f"expected a JSON object, got {type(record).__name__}",
                                  file=file, line=number)
            rows.append(record)
            lines.append(number)
            if len(rows) > MAX_REQUESTS:
                raise SchemaError(f"more than {MAX_REQUESTS:,} requests", file=file)
        frame = pd.DataFrame.from_records(rows)
        frame.index = pd.Index(lines)
        return frame, "jsonl"
    data = parse_json(text, file=file)
    if isinstance(data, dict):
        inner = next((data[k] for k in ("requests", "records", "data", "results")
                      if isinstance(data.get(k), list)), None)
        data = inner if inner is not None else data
    if not isinstance(data, list) or not data:
        raise SchemaError("expected a list of request objects", file=file)
    if len(data) > MAX_REQUESTS:
        raise SchemaError(f"more than {MAX_REQUESTS:,} requests", file=file)
    for i, record in enumerate(data):
        if not isinstance(record, dict):
            raise SchemaError(f"request {i + 1} is a {type(record).__name__}, not an object",
                              file=file)
    frame = pd.DataFrame.from_records(data)
    frame.index = pd.Index(np.arange(1, len(frame) + 1))
    return frame, "json"


def _line_of(frame: pd.DataFrame, position: int, csv_like: bool) -> int:
    label = int(frame.index[position])
    return line_of(frame, position) if csv_like else label


def _refuse_formulas(frame: pd.DataFrame, column: str, *, file: str, csv_like: bool) -> None:
    for pos, value in enumerate(frame[column].tolist()):
        if isinstance(value, str) and value.strip()[:1] in _FORMULA_START:
            text = value.strip()
            try:
                float(text)
                continue  # "-3" or "+1.5" are numbers, not formulas
            except ValueError:
                pass
            raise SchemaError(f"{text[:40]!r} looks like a spreadsheet formula; export "
                              "the values, not the formulas",
                              file=file, line=_line_of(frame, pos, csv_like), field=column)


def _numbers(frame: pd.DataFrame, column: str, *, file: str, csv_like: bool,
             allow_missing: bool = False) -> np.ndarray:
    """A column as finite floats (numbers or numeric strings); text, formulas, infinities
    and (unless allowed) blanks are refused with their line."""
    _refuse_formulas(frame, column, file=file, csv_like=csv_like)
    raw = frame[column]
    values = pd.to_numeric(raw.map(lambda v: float(v) if isinstance(v, bool) else v),
                           errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if allow_missing:
        bad &= raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        shown = raw.iloc[pos]
        what = "is empty" if pd.isna(shown) else f"{str(shown)[:40]!r} is not a finite number"
        raise SchemaError(what, file=file, line=_line_of(frame, pos, csv_like), field=column)
    return values


def _flags(frame: pd.DataFrame, column: str, *, file: str, csv_like: bool,
           error_like: bool = False) -> np.ndarray:
    """A yes/no column as 0/1 floats (NaN where blank). For an error column any other
    text (an error message, a status) counts as an error unless it reads as success."""
    _refuse_formulas(frame, column, file=file, csv_like=csv_like)
    out = np.empty(len(frame))
    for pos, value in enumerate(frame[column].tolist()):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out[pos] = 0.0 if error_like else np.nan
            continue
        if isinstance(value, bool):
            out[pos] = float(value)
            continue
        if isinstance(value, int | float):
            if value in (0, 1):
                out[pos] = float(value)
                continue
            if error_like and float(value).is_integer():  # an HTTP status code
                out[pos] = float(not 200 <= value < 400)
                continue
        text = str(value).strip().lower()
        if text in _TRUE:
            out[pos] = 1.0
        elif text in _FALSE and (text or not error_like):
            out[pos] = 0.0 if text else np.nan
        elif error_like:
            out[pos] = 0.0 if text in _OK_STATUS else 1.0
        else:
            raise SchemaError(f"{str(value)[:40]!r} is not yes/no (use 1/0 or true/false)",
                              file=file, line=_line_of(frame, pos, csv_like), field=column)
    return out


def _timestamps(frame: pd.DataFrame, column: str, *, file: str,
                csv_like: bool) -> tuple[pd.Series, str]:
    raw = frame[column]
    _refuse_formulas(frame, column, file=file, csv_like=csv_like)
    numeric = pd.to_numeric(raw, errors="coerce")
    if numeric.notna().all():
        values = numeric.to_numpy(dtype=float)
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            pos = int(np.flatnonzero(~np.isfinite(values) | (values < 0))[0])
            raise SchemaError(f"{raw.iloc[pos]!r} is not an epoch time", file=file,
                              line=_line_of(frame, pos, csv_like), field=column)
        median = float(np.median(values))
        if median > 1e14:
            raise SchemaError("epoch numbers beyond milliseconds (micro- or nanoseconds?) "
                              "are not supported; write ISO 8601 times or epoch ms",
                              file=file, field=column)
        unit, kind = ("ms", "epoch milliseconds") if median > 1e11 else ("s",
                                                                          "epoch seconds")
        if median < 1e8:
            raise SchemaError(f"{raw.iloc[0]!r} is too small for an epoch time (before "
                              "1973); write ISO 8601 times or epoch seconds", file=file,
                              line=_line_of(frame, 0, csv_like), field=column)
        stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(values),
                                                 unit="ms" if unit == "ms" else "s", utc=True))
        return pd.Series(stamps.tz_localize(None)), kind
    texts = raw.astype(str).str.strip()
    parsed = pd.to_datetime(texts, errors="coerce", format="ISO8601", utc=True)
    bad = parsed.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise SchemaError(f"{str(raw.iloc[pos])[:40]!r} is not an ISO 8601 time or an epoch "
                          "number", file=file, line=_line_of(frame, pos, csv_like),
                          field=column)
    return pd.Series(parsed.dt.tz_localize(None).to_numpy()), "ISO 8601"


def read_request_log(source: Source, *, max_bytes: int = MAX_SOURCE_BYTES,
                     latency_unit: str | None = None, name: str | None = None) -> RequestLog:
    """Read a per-request log (CSV/TSV, JSON Lines or a JSON array) into a
    :class:`RequestLog`. ``latency_unit`` ("ms", "s", ...) overrides the unit guessed from
    the latency column's name or magnitude. Raises a :class:`~crucible_io.limits.ReadError`
    naming the file, line and field of the first problem."""
    loaded = load_source(source, name=name, max_bytes=max_bytes)
    file = loaded.name
    text = decode_text(loaded.data, file=file)
    start = text.lstrip("\ufeff \t\r\n")[:1]
    extra: dict[str, tuple[str, ...]] | None = None
    if start in ("{", "["):
        frame, fmt = _records_frame(text, file=file)
        csv_like = False
    elif start == "<":
        if not looks_like_jmeter_xml(text):
            raise UnknownFormatError("an XML document that is not JMeter's <testResults>; "
                                     "request logs are CSV, JSON or JMeter's XML results",
                                     file=file)
        frame, fmt, csv_like = read_jmeter_xml(text, file=file).frame, "jmeter-xml", True
        extra = _JMETER_XML_ALIASES
    else:
        frame = read_table(text, file=file, max_rows=MAX_REQUESTS)
        fmt, csv_like = "csv", True
    columns = [str(c) for c in frame.columns]
    ts_col = _find(columns, "timestamp")
    if ts_col is None:
        raise UnknownFormatError(
            f"no timestamp column (looked for {', '.join(ALIASES['timestamp'][:6])}); the "
            f"file has {', '.join(repr(c) for c in columns[:8])}", file=file)
    found = {field: _find(columns, field, extra) for field in ALIASES if field != "timestamp"}
    if not any(found.values()):
        raise SchemaError("no outcome column: need correct or score, latency, cost or "
                          f"error; the file has {', '.join(repr(c) for c in columns[:8])}",
                          file=file)
    stamps, kind = _timestamps(frame, ts_col, file=file, csv_like=csv_like)
    out = pd.DataFrame({"timestamp": stamps.to_numpy()})
    used: dict[str, str] = {"timestamp": ts_col}
    unit_text: str | None = None
    if found["correct"]:
        col = found["correct"]
        out["correct"] = _flags(frame, col, file=file, csv_like=csv_like)
        used["correct"] = col
    if found["score"] and not found["correct"]:
        col = found["score"]
        scores = _numbers(frame, col, file=file, csv_like=csv_like)
        outside = (scores < 0) | (scores > 1)
        if outside.any():
            pos = int(np.flatnonzero(outside)[0])
            hint = " (a percentage? divide by 100)" if 1 < scores[pos] <= 100 else ""
            raise SchemaError(f"{scores[pos]:g} is not a score between 0 and 1{hint}",
                              file=file, line=_line_of(frame, pos, csv_like), field=col)
        out["score"] = scores
        used["score"] = col
    if found["latency"]:
        col = found["latency"]
        values = _numbers(frame, col, file=file, csv_like=csv_like, allow_missing=True)
        if np.any(values < 0):
            pos = int(np.flatnonzero(values < 0)[0])
            raise SchemaError(f"{values[pos]:g} is a negative latency", file=file,
                              line=_line_of(frame, pos, csv_like), field=col)
        guess = guess_unit(col, values, given=latency_unit)
        out["latency_ms"] = values * TO_MS[guess.unit]
        used["latency_ms"] = col
        unit_text = guess.describe()
    if found["cost_usd"]:
        col = found["cost_usd"]
        costs = _numbers(frame, col, file=file, csv_like=csv_like, allow_missing=True)
        if np.any(costs < 0):
            pos = int(np.flatnonzero(costs < 0)[0])
            raise SchemaError(f"{costs[pos]:g} is a negative cost", file=file,
                              line=_line_of(frame, pos, csv_like), field=col)
        out["cost_usd"] = costs
        used["cost_usd"] = col
    if found["error"]:
        col = found["error"]
        flags = _flags(frame, col, file=file, csv_like=csv_like, error_like=True)
        if col.strip().lower() in ("success", "ok") or (extra is not None and col == "s"):
            flags = 1.0 - flags
        out["error"] = flags
        used["error"] = col
    if "latency_ms" in out:
        failed = out["error"].to_numpy() == 1 if "error" in out else np.zeros(len(out), bool)
        missing = np.isnan(out["latency_ms"].to_numpy()) & ~failed
        if missing.any():
            pos = int(np.flatnonzero(missing)[0])
            raise SchemaError("is empty or NaN for a request that did not fail",
                              file=file, line=_line_of(frame, pos, csv_like),
                              field=used["latency_ms"])
        # failed requests often log a zero or no latency: they are not fast requests
        out.loc[failed, "latency_ms"] = np.nan
    out = out.sort_values("timestamp", kind="stable").reset_index(drop=True)
    return RequestLog(out, file, fmt, used, kind, unit_text)
