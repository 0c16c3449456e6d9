"""Request-latency logs into a :class:`LatencyLog`.

Formats, detected from the content and named in the result:

- ``llmperf``: ray-project/llmperf ``*_individual_responses.json``, a JSON array of one
  object per request with ``end_to_end_latency_s``, ``ttft_s``, ``error_code`` (None on
  success) and ``error_msg`` (src/llmperf/common_metrics.py). A request with an
  ``error_code`` is a failure, whatever its (often zeroed) latencies say.
- ``jmeter``: JMeter's CSV results (``.jtl``) with ``timeStamp`` (epoch ms), ``elapsed``
  (ms), ``success`` ("true"/"false"), ``responseCode`` and ``Latency`` (time to first
  byte, ms). Failures: ``success`` false, else a response code outside 2xx/3xx. Its XML
  results (``output_format=xml``) the same way from the samples' ``t``, ``s``, ``rc``,
  ``ts`` and ``lt`` attributes (:mod:`crucible_io.jmeter_xml`).
- ``k6``: ``k6 run --out csv``, one row per metric sample (``metric_name``, ``timestamp``,
  ``metric_value`` and tags). Latency from the ``http_req_duration`` rows (ms); a request
  failed when its ``expected_response`` tag is false, else when the ``http_req_failed``
  sample beside it is 1, else when its ``status`` tag is 0 or >= 400.
- ``ab``: ApacheBench ``-g`` gnuplot TSV: ``starttime``, ``seconds`` (epoch s), ``ctime``,
  ``dtime``, ``ttime`` (total, ms), ``wait``. ab writes no failures there.
- ``csv`` / ``json`` / ``jsonl``: any table or array of records with a latency column,
  found by name (``latency``, ``duration``, ``elapsed``, ``response_time``...) or chosen;
  failures from ``success``/``ok``, ``error``/``error_code`` or ``status``/``status_code``
  columns; timestamps and TTFT by name.

Successful latencies are kept in time order when the log has timestamps (stable sort),
else in file order. Units: ms or s, from the column name, a unit suffix on the values
("250ms"), or the magnitude (``crucible_io.units``), always stated; ``unit=`` overrides.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from crucible_io.jmeter_xml import looks_like_jmeter_xml, read_jmeter_xml
from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    MalformedError,
    SchemaError,
    Source,
    UnknownFormatError,
    decode_text,
    load_source,
    looks_like_json_lines,
    parse_json,
)
from crucible_io.tables import RowLines, line_of, read_table
from crucible_io.units import TO_MS, guess_unit

#: Fewest successful requests a log must hold.
MIN_REQUESTS = 2
#: Most records read from a JSON or JSON Lines log.
MAX_RECORDS = 2_000_000

_LATENCY_NAMES = ("end_to_end_latency", "e2e_latency", "latency", "duration", "elapsed",
                  "response_time", "responsetime", "total_time", "ttime", "rtt", "took")
_NOT_LATENCY = ("ttft", "first_token", "inter_token", "timestamp", "start", "end_time",
                "throughput", "tokens", "connect", "wait", "blocked", "sending",
                "receiving", "tls", "count")
_TIME_NAMES = ("timestamp", "timeStamp", "start_time", "started_at", "time", "ts",
               "created_at", "date", "datetime", "seconds")
_TTFT_NAMES = ("ttft_ms", "ttft_s", "ttft", "time_to_first_token_ms",
               "time_to_first_token_s", "time_to_first_token")
_SUCCESS_NAMES = ("success", "ok", "succeeded")
_ERROR_NAMES = ("error_code", "error", "errorcode", "failed", "is_error")
_STATUS_NAMES = ("status_code", "status", "responsecode", "http_status", "code")
_FORMULA = re.compile(r"^\s*[=+\-@\t\r]")
_SUFFIX = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
                     r"(ns|us|µs|ms|s|sec|secs|seconds|msec)\s*$")
_SUFFIX_UNIT = {"ns": "ns", "us": "us", "µs": "us", "ms": "ms", "msec": "ms", "s": "s",
                "sec": "s", "secs": "s", "seconds": "s"}


@dataclass(frozen=True, eq=False)
class LatencyLog:
    """A latency log as read: ``latencies_ms`` of the successful requests (ms, in time
    order when ``timestamps`` exist), ``failed`` requests counted apart, ``ttft_ms`` and
    ``timestamps`` (seconds, aligned with ``latencies_ms``) when the log has them, the
    ``format`` detected, the latency ``column`` used and its ``unit`` with
    ``unit_reason`` (how it was chosen), and the ``source`` file name."""

    latencies_ms: np.ndarray
    failed: int
    ttft_ms: np.ndarray | None
    timestamps: np.ndarray | None
    format: str
    unit: str
    unit_reason: str
    column: str
    source: str
    notes: tuple[str, ...] = ()

    @property
    def requests(self) -> int:
        """All requests in the log, successful and failed."""
        return int(self.latencies_ms.size) + self.failed

    @property
    def succeeded(self) -> int:
        """Successful requests."""
        return int(self.latencies_ms.size)

    @property
    def time_ordered(self) -> bool:
        """True when the latencies were ordered by the log's timestamps."""
        return self.timestamps is not None

    def describe_unit(self) -> str:
        """E.g. ``"s (from the column name)"``."""
        return f"{self.unit} ({self.unit_reason})"


FORMATS: tuple[str, ...] = ("llmperf", "jmeter", "k6", "ab", "csv", "json", "jsonl")


def read_latency_log(source: Source, *, column: str | None = None, unit: str | None = None,
                     name: str | None = None,
                     max_bytes: int = MAX_SOURCE_BYTES) -> LatencyLog:
    """Read a latency log (see the module docstring for the formats). ``column`` picks the
    latency field (a k6 metric name for k6); ``unit`` ("ms", "s", "us", "ns") overrides
    the guessed unit. Raises a ``ReadError`` subclass naming file, line and field."""
    if unit is not None and unit not in TO_MS:
        raise ValueError(f"unit must be one of {sorted(TO_MS)}, got {unit!r}")
    loaded = load_source(source, name=name, max_bytes=max_bytes)
    file = loaded.name
    text = decode_text(loaded.data, file=file)
    stripped = text.lstrip()
    if stripped[:1] == "<":
        if looks_like_jmeter_xml(text):
            return _jmeter_xml(text, file, column, unit)
        raise UnknownFormatError("an XML document that is not JMeter's <testResults>; "
                                 "latency logs are CSV, JSON or JMeter's XML results",
                                 file=file)
    if stripped[:1] in "[{":
        if stripped[:1] == "{" and looks_like_json_lines(text):
            records = _json_lines(text, file)
            return _from_records(records, file, "jsonl", column, unit)
        document = parse_json(text, file=file)
        records = _records_of(document, file)
        if records and all(isinstance(r, dict) and "end_to_end_latency_s" in r
                           for r in records[:5]):
            return _llmperf(records, file, column, unit)
        return _from_records(records, file, "json", column, unit)
    frame = read_table(text, file=file)
    _refuse_formulas(frame, file)
    cols = set(frame.columns)
    if {"metric_name", "metric_value"} <= cols:
        return _k6(frame, file, column, unit)
    if "elapsed" in cols and ({"timeStamp", "success", "responseCode"} & cols):
        return _jmeter(frame, file, column, unit)
    if "ttime" in cols and ({"starttime", "seconds"} & cols):
        return _ab(frame, file, column, unit)
    return _generic(frame, file, "csv", column, unit)


# --- JSON -------------------------------------------------------------------------------

def _json_lines(text: str, file: str) -> list[Any]:
    records: list[Any] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            record = parse_json(raw, file=file, line=number)
            if not isinstance(record, dict):
                raise SchemaError(f"expected one JSON object per line, got "
                                  f"{type(record).__name__}", file=file, line=number)
            records.append(record)
            if len(records) > MAX_RECORDS:
                raise SchemaError(f"more than {MAX_RECORDS:,} records", file=file)
    return records


def _records_of(document: Any, file: str) -> list[Any]:
    """The array of request records: the document itself, or the one array of objects
    an object holds (``{"requests": [...]}``)."""
    if isinstance(document, list):
        records = document
    elif isinstance(document, dict):
        lists = [v for v in document.values()
                 if isinstance(v, list) and v and isinstance(v[0], dict)]
        if len(lists) != 1:
            raise UnknownFormatError(
                "a JSON object, but not one holding a single array of request records; "
                "expected an llmperf *_individual_responses.json, an array of request "
                "objects, or JSON Lines", file=file)
        records = lists[0]
    else:
        raise UnknownFormatError("JSON, but neither an array nor an object", file=file)
    if len(records) > MAX_RECORDS:
        raise SchemaError(f"more than {MAX_RECORDS:,} records", file=file)
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise SchemaError(f"record {index + 1} is a {type(record).__name__}, not an "
                              "object", file=file, field=f"[{index}]")
    return records


def _llmperf(records: list[dict[str, Any]], file: str, column: str | None,
             unit: str | None) -> LatencyLog:
    field = column or "end_to_end_latency_s"
    ok: list[int] = []
    failed = 0
    for i, record in enumerate(records):
        if record.get("error_code") is not None:
            failed += 1
        else:
            ok.append(i)
    lat = _record_numbers([records[i] for i in ok], [i for i in ok], field, file)
    guess = guess_unit(field, lat, given=unit)
    ttft = None
    if field != "ttft_s" and all("ttft_s" in records[i] for i in ok):
        raw = _record_numbers([records[i] for i in ok], ok, "ttft_s", file)
        ttft = raw * TO_MS["s" if unit is None else unit]
    notes = (f"{failed:,} of {len(records):,} requests carry an error_code and are counted "
             "as failures, whatever their latency fields say.",) if failed else ()
    return _finish(lat, guess.unit, _reason(guess.reason), failed, ttft, None, "llmperf",
                   field, file, notes)


def _record_numbers(records: list[dict[str, Any]], indices: list[int], field: str,
                    file: str) -> np.ndarray:
    """``field`` of each record as a float; names the record (as ``[i]``) that lacks it
    or holds something else."""
    out = np.empty(len(records))
    for k, (record, index) in enumerate(zip(records, indices, strict=True)):
        where = f"[{index}].{field}"
        if field not in record:
            raise SchemaError("missing", file=file, field=where)
        value = record[field]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise SchemaError(f"expected a number, got {str(value)[:40]!r}", file=file,
                              field=where)
        if isinstance(value, str):
            if _FORMULA.match(value) and not _is_number(value):
                raise SchemaError(f"{value[:40]!r} looks like a spreadsheet formula, not "
                                  "a number", file=file, field=where)
            try:
                value = float(value.strip())
            except ValueError:
                raise SchemaError(f"{value[:40]!r} is not a number", file=file,
                                  field=where) from None
        number = float(value)
        if not math.isfinite(number):
            raise SchemaError(f"{value!r} is not a finite number", file=file, field=where)
        if number < 0:
            raise SchemaError(f"a negative latency ({number:g})", file=file, field=where)
        out[k] = number
    return out


def _from_records(records: list[Any], file: str, fmt: str, column: str | None,
                  unit: str | None) -> LatencyLog:
    if not records:
        raise SchemaError("no request records", file=file)
    keys: dict[str, None] = {}
    for record in records[:1000]:
        keys.update(dict.fromkeys(str(k) for k in record))
    frame = pd.DataFrame.from_records(records, columns=list(keys))
    frame = frame.map(lambda v: v if v is None or isinstance(v, int | float | str | bool)
                      else str(v))
    _refuse_formulas(frame, file, json_rows=fmt == "json")
    return _generic(frame, file, fmt, column, unit, json_rows=fmt == "json")


# --- tool formats -----------------------------------------------------------------------

#: JMeter's names for elapsed time, success, response code, start time and time to first
#: byte: in its CSV results, and as sample attributes in its XML results.
_JMETER_CSV = ("elapsed", "success", "responseCode", "timeStamp", "Latency")
_JMETER_XML = ("t", "s", "rc", "ts", "lt")


def _jmeter(frame: pd.DataFrame, file: str, column: str | None,
            unit: str | None, names: tuple[str, ...] = _JMETER_CSV) -> LatencyLog:
    elapsed, success, code, start, first_byte = names
    field = column or elapsed
    _require(frame, field, file)
    failed_mask = np.zeros(len(frame), dtype=bool)
    if success in frame.columns:
        failed_mask = ~_truthy(frame[success], file, success)
    elif code in frame.columns:
        failed_mask = ~_ok_status(frame[code])
    times = _timestamps(frame, start, file, scale=1e-3) if start in frame.columns else None
    ttft_col = first_byte if first_byte in frame.columns and field != first_byte else None
    return _table_log(frame, file, "jmeter", field, unit, failed_mask, times, ttft_col,
                      ttft_unit="ms")


def _jmeter_xml(text: str, file: str, column: str | None, unit: str | None) -> LatencyLog:
    parsed = read_jmeter_xml(text, file=file)
    log = _jmeter(parsed.frame, file, column, unit, _JMETER_XML)
    notes = ("JMeter's XML results: one request per top-level sample",
             *log.notes)
    if parsed.sub_samples:
        notes += (f"{parsed.sub_samples:,} sub-samples inside them (embedded resources, "
                  "redirects, transaction children) are part of their sample, not "
                  "requests of their own",)
    return replace(log, notes=notes)


def _k6(frame: pd.DataFrame, file: str, column: str | None, unit: str | None) -> LatencyLog:
    metric = column or "http_req_duration"
    names = frame["metric_name"].astype(str).str.strip()
    rows = frame[names == metric].reset_index()
    if rows.empty:
        found = ", ".join(sorted(set(names))[:15])
        raise SchemaError(f"no {metric!r} samples; the metrics are {found}", file=file,
                          field="metric_name")
    record_lines = RowLines(frame, rows["index"].to_numpy())
    failed_mask: np.ndarray | None = None
    if "expected_response" in rows.columns and rows["expected_response"].notna().all():
        failed_mask = ~_truthy(rows["expected_response"], file, "expected_response",
                               lines=record_lines)
    if failed_mask is None:
        fails = frame[names == "http_req_failed"]
        if len(fails) == len(rows):
            failed_mask = pd.to_numeric(fails["metric_value"], errors="coerce").to_numpy() > 0
    if failed_mask is None and "status" in rows.columns:
        failed_mask = ~_ok_status(rows["status"])
    if failed_mask is None:
        failed_mask = np.zeros(len(rows), dtype=bool)
    rows = rows.rename(columns={"metric_value": metric})
    times = _timestamps(rows, "timestamp", file, lines=record_lines) \
        if "timestamp" in rows.columns else None
    return _table_log(rows, file, "k6", metric, unit, failed_mask, times, None,
                      lines=record_lines)


def _ab(frame: pd.DataFrame, file: str, column: str | None, unit: str | None) -> LatencyLog:
    field = column or "ttime"
    _require(frame, field, file)
    times = _timestamps(frame, "seconds", file) if "seconds" in frame.columns else (
        _timestamps(frame, "starttime", file))
    return _table_log(frame, file, "ab", field, unit, np.zeros(len(frame), dtype=bool),
                      times, None)


def _generic(frame: pd.DataFrame, file: str, fmt: str, column: str | None,
             unit: str | None, json_rows: bool = False) -> LatencyLog:
    field = column or _find_latency_column(list(frame.columns), file)
    _require(frame, field, file)
    failed_mask = _generic_failures(frame, file)
    tcol = next((c for c in frame.columns if c in _TIME_NAMES
                 or c.lower() in {n.lower() for n in _TIME_NAMES}), None)
    times = _timestamps(frame, tcol, file) if tcol else None
    ttft_col = next((c for c in frame.columns if c.lower() in _TTFT_NAMES and c != field),
                    None)
    ttft_unit = None
    if ttft_col is not None:
        ttft_unit = "s" if ttft_col.lower().endswith("_s") else (
            "ms" if ttft_col.lower().endswith("_ms") else None)
    return _table_log(frame, file, fmt, field, unit, failed_mask, times, ttft_col,
                      ttft_unit=ttft_unit, json_rows=json_rows)


def _find_latency_column(columns: list[str], file: str) -> str:
    scored: list[tuple[int, int, str]] = []
    for position, name in enumerate(columns):
        low = name.lower()
        if any(bad in low for bad in _NOT_LATENCY):
            continue
        for rank, hint in enumerate(_LATENCY_NAMES):
            if hint in low:
                scored.append((rank, position, name))
                break
    if not scored:
        shown = ", ".join(repr(c) for c in columns[:15])
        raise SchemaError(f"no latency column found among {shown}; choose one", file=file,
                          field="latency")
    return min(scored)[2]


def _generic_failures(frame: pd.DataFrame, file: str) -> np.ndarray:
    lowered = {c.lower(): c for c in frame.columns}
    mask = np.zeros(len(frame), dtype=bool)
    for name in _SUCCESS_NAMES:
        if name in lowered:
            col = frame[lowered[name]]
            mask |= ~_truthy(col.where(col.notna(), True), file, lowered[name])
            break
    for name in _ERROR_NAMES:
        if name in lowered:
            col = frame[lowered[name]]
            if name in ("failed", "is_error"):
                mask |= _truthy(col.where(col.notna(), False), file, lowered[name])
            else:
                text = col.astype(str).str.strip().str.lower()
                mask |= col.notna().to_numpy() & ~text.isin(
                    ["", "none", "null", "nan", "0", "false"]).to_numpy()
            break
    for name in _STATUS_NAMES:
        if name in lowered:
            col = frame[lowered[name]]
            numeric = pd.to_numeric(col, errors="coerce")
            if numeric.notna().any():
                mask |= (numeric.notna() & ~_ok_status(col)).to_numpy()
            break
    return mask


# --- shared table handling --------------------------------------------------------------

def _table_log(frame: pd.DataFrame, file: str, fmt: str, field: str, unit: str | None,
               failed_mask: np.ndarray, times: np.ndarray | None, ttft_col: str | None,
               *, ttft_unit: str | None = None, lines: RowLines | None = None,
               json_rows: bool = False) -> LatencyLog:
    line_of: RowLines | np.ndarray
    if lines is not None:
        line_of = lines
    elif json_rows:
        line_of = np.arange(len(frame)) + 1
    else:
        line_of = RowLines(frame, frame.index.to_numpy() if pd.api.types.is_integer_dtype(
            frame.index) else np.arange(len(frame)))
    ok = ~np.asarray(failed_mask, dtype=bool)
    raw = frame[field]
    values, suffix_unit = _latency_values(raw, ok, file, field, line_of, json_rows)
    lat = values[ok]
    if unit is not None:
        guess_unit_name, reason = unit, "as given"
    elif suffix_unit is not None:
        guess_unit_name, reason = suffix_unit, "from the unit written after each value"
    else:
        guess = guess_unit(field, lat)
        guess_unit_name, reason = guess.unit, _reason(guess.reason)
    ttft = None
    if ttft_col is not None:
        t = pd.to_numeric(frame[ttft_col], errors="coerce").to_numpy(dtype=float)[ok]
        if np.isfinite(t).all() and (t >= 0).all():
            ttft = t * TO_MS[ttft_unit or guess_unit_name]
    ok_times = times[ok] if times is not None else None
    failed = int((~ok).sum())
    notes: tuple[str, ...] = ()
    if failed:
        notes = (f"{failed:,} failed requests are counted apart, not as latencies.",)
    return _finish(lat, guess_unit_name, reason, failed, ttft, ok_times, fmt, field, file,
                   notes)


def _latency_values(raw: pd.Series, ok: np.ndarray, file: str, field: str,
                    line_of: RowLines | np.ndarray,
                    json_rows: bool) -> tuple[np.ndarray, str | None]:
    """The latency cells as floats (failed rows may be empty), refusing text, negative,
    infinite and NaN values on successful rows, and values whose unit suffixes differ."""
    label = (lambda i: None) if json_rows else (lambda i: int(line_of[i]))
    where = (lambda i: f"[{i}].{field}") if json_rows else (lambda i: field)
    suffix_unit: str | None = None
    text_column = _is_text(raw)
    suffix = raw.astype(str).str.extract(_SUFFIX) if text_column else None
    if suffix is not None and suffix[1].notna().any():
        units = suffix[1].map(lambda u: _SUFFIX_UNIT.get(u) if isinstance(u, str) else None)
        seen = units[ok & units.notna().to_numpy()]
        distinct = list(dict.fromkeys(seen))
        if len(distinct) > 1:
            second = int(np.flatnonzero((units == distinct[1]).to_numpy() & ok)[0])
            first = int(np.flatnonzero((units == distinct[0]).to_numpy() & ok)[0])
            raise SchemaError(
                f"mixed units: {raw.iloc[second]!r} is in {distinct[1]} but "
                f"{raw.iloc[first]!r} was in {distinct[0]}; write one unit per column",
                file=file, line=label(second), field=where(second))
        if distinct:
            suffix_unit = str(distinct[0])
            numbers = pd.to_numeric(suffix[0], errors="coerce")
            plain = pd.to_numeric(raw.where(suffix[1].isna()), errors="coerce")
            if (plain.notna() & ok).any():
                bad = int(np.flatnonzero((plain.notna() & ok).to_numpy())[0])
                raise SchemaError(
                    f"mixed units: {raw.iloc[bad]!r} has no unit while other values say "
                    f"{suffix_unit}", file=file, line=label(bad), field=where(bad))
            values = numbers.to_numpy(dtype=float)
        else:
            values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    else:
        if raw.dtype == bool:
            raise SchemaError("holds true/false, not latencies", file=file, field=field)
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ok & ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        shown = raw.iloc[i]
        if shown is None or (isinstance(shown, float) and math.isnan(shown)):
            what = "is empty or NaN, not a latency"
        else:
            what = f"{str(shown)[:40]!r} is not a finite number"
        raise SchemaError(what, file=file, line=label(i), field=where(i))
    negative = ok & (values < 0)
    if negative.any():
        i = int(np.flatnonzero(negative)[0])
        raise SchemaError(f"a negative latency ({values[i]:g})", file=file, line=label(i),
                          field=where(i))
    return values, suffix_unit


def _finish(lat: np.ndarray, unit: str, reason: str, failed: int,
            ttft: np.ndarray | None, times: np.ndarray | None, fmt: str, field: str,
            file: str, notes: tuple[str, ...]) -> LatencyLog:
    if lat.size < MIN_REQUESTS:
        raise SchemaError(
            f"{lat.size} successful request{'s' if lat.size != 1 else ''} "
            f"({failed:,} failed); at least {MIN_REQUESTS} are needed to describe a "
            "latency distribution", file=file, field=field)
    ms = np.asarray(lat, dtype=float) * TO_MS[unit]
    if times is not None:
        if np.isfinite(times).all():
            order = np.argsort(times, kind="stable")
            ms, times = ms[order], times[order]
            if ttft is not None:
                ttft = ttft[order]
        else:
            times = None
    return LatencyLog(latencies_ms=ms, failed=failed, ttft_ms=ttft, timestamps=times,
                      format=fmt, unit=unit, unit_reason=reason, column=field, source=file,
                      notes=notes)


def _reason(reason: str) -> str:
    return "as given" if reason == "given" else f"from the {reason}"


def _require(frame: pd.DataFrame, field: str, file: str) -> None:
    if field not in frame.columns:
        shown = ", ".join(repr(c) for c in list(frame.columns)[:15])
        raise SchemaError(f"no such column; the file has {shown}", file=file, field=field)


def _truthy(col: pd.Series, file: str, field: str,
            lines: RowLines | None = None) -> np.ndarray:
    """true/false cells (bools, "true"/"false", 1/0, "yes"/"no") as booleans."""
    if col.dtype == bool:
        return col.to_numpy()
    text = col.astype(str).str.strip().str.lower()
    true = text.isin(["true", "1", "1.0", "yes", "y", "t", "ok"])
    false = text.isin(["false", "0", "0.0", "no", "n", "f"])
    unknown = ~(true | false)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        line = int(lines[i]) if lines is not None else i + 2
        raise SchemaError(f"{str(col.iloc[i])[:40]!r} is neither true nor false", file=file,
                          line=line, field=field)
    return true.to_numpy()


def _ok_status(col: pd.Series) -> np.ndarray:
    """HTTP status codes in 1xx-3xx; text codes (JMeter's "Non HTTP response code...")
    and 0 are failures."""
    codes = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    return np.isfinite(codes) & (codes >= 100) & (codes < 400)


def _timestamps(frame: pd.DataFrame, column: str, file: str, *, scale: float = 1.0,
                lines: RowLines | None = None) -> np.ndarray | None:
    """A time column as seconds (numbers times ``scale``, or dates parsed by pandas);
    None when the column cannot be read as times (the log then keeps file order)."""
    col = frame[column]
    numbers = pd.to_numeric(col, errors="coerce")
    if numbers.notna().all():
        return numbers.to_numpy(dtype=float) * scale
    try:
        dates = pd.to_datetime(col, errors="coerce", utc=True, format="mixed")
    except (ValueError, TypeError):
        return None
    if dates.isna().any():
        return None
    return (dates - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy()


def _is_text(col: pd.Series) -> bool:
    """True for a column that may hold text (object or string dtype)."""
    return not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
                or pd.api.types.is_datetime64_any_dtype(col))


def _is_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def _refuse_formulas(frame: pd.DataFrame, file: str, *, json_rows: bool = False) -> None:
    """Refuse cells that a spreadsheet would run as formulas (``=cmd|...``, ``@SUM``,
    ``+...``): CSV injection. Numbers such as ``-1`` or ``+5`` are not formulas."""
    for name in frame.columns:
        if _FORMULA.match(str(name)) and not _is_number(str(name)):
            raise MalformedError("a column name that looks like a spreadsheet formula",
                                 file=file, line=1, field=str(name))
        col = frame[name]
        if not _is_text(col):
            continue
        text = col.astype(str)
        starts = text.str.match(_FORMULA.pattern) & col.map(
            lambda v: isinstance(v, str)).astype(bool)
        if not starts.any():
            continue
        for i in np.flatnonzero(starts.to_numpy()):
            value = str(col.iloc[i])
            if not _is_number(value) and not _SUFFIX.match(value):
                raise MalformedError(
                    f"{value[:40]!r} looks like a spreadsheet formula; refusing to read "
                    "it", file=file, line=None if json_rows else line_of(frame, int(i)),
                    field=f"[{i}].{name}" if json_rows else str(name))
