"""What every trace reader shares: the neutral raw span each format is read into, the read
context that counts spans and names file, line and field in errors, and the value
helpers (ids in hex or base64, times in any unit or ISO text, OTLP AnyValues, clipped
texts)."""

from __future__ import annotations

import base64
import binascii
import calendar
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from crucible_io.limits import (
    ReadError,
    SchemaError,
    TooLargeError,
    finite_number,
)
from crucible_scenarios.trace import (
    MAX_SPANS,
)

#: Longest text kept from a field; longer texts end with :data:`TRUNCATED`.
MAX_TEXT = 20_000
TRUNCATED = "... (truncated)"
#: Length of the answer shown for a trace (the root span's output).
ANSWER_CHARS = 500

_ANY_KEYS = (("stringValue", "string_value"), ("intValue", "int_value"),
             ("doubleValue", "double_value"), ("boolValue", "bool_value"))
_HEX_RE = re.compile(r"[0-9a-fA-F]+")


# --- neutral record ---------------------------------------------------------------------

class RawSpan:
    """One span as read from any format, before conventions and structure checks.
    Times are integer nanoseconds since the Unix epoch."""

    __slots__ = (
        "attributes",
        "cost",
        "end_ns",
        "events",
        "input_text",
        "input_tokens",
        "kind",
        "links",
        "model",
        "name",
        "output_text",
        "output_tokens",
        "parent_id",
        "point",
        "raw",
        "span_id",
        "start_ns",
        "status",
        "status_message",
        "trace_id",
        "where",
    )

    def __init__(self, trace_id: str, span_id: str, parent_id: str | None, name: str,
                 start_ns: int, end_ns: int | None, where: str, raw: object) -> None:
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_id = parent_id
        self.name = name
        self.start_ns = start_ns
        self.end_ns = end_ns
        self.status = "unset"
        self.status_message = ""
        self.attributes: dict[str, Any] = {}
        self.events: list[tuple[str, int | None, dict[str, Any]]] = []
        self.links: list[str] = []
        self.kind: str | None = None
        self.model: str | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.cost: float | None = None
        self.input_text = ""
        self.output_text = ""
        self.where = where
        self.raw = raw
        self.point = False


class ReadContext:
    """The file being read: its name, the running span count and what was repaired."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.notes: list[str] = []

    def error(self, message: str, *, field: str | None = None, line: int | None = None,
              cls: type[ReadError] = SchemaError) -> ReadError:
        return cls(message, file=self.file, line=line, field=field)

    def counted(self, n: int = 1) -> None:
        self.count += n
        if self.count > MAX_SPANS:
            raise TooLargeError(f"the file holds more than {MAX_SPANS:,} spans; the limit "
                                f"is {MAX_SPANS:,} spans", file=self.file)


# --- small value helpers ----------------------------------------------------------------

def clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + TRUNCATED


def as_str(value: object) -> str:
    if value is None:
        return ""
    return clip(value if isinstance(value, str) else str(value))


def maybe_json(value: Any) -> Any:
    """A string holding a JSON object or array, parsed once more; anything else as is."""
    if isinstance(value, str) and value[:1] in ("{", "[") and value[-1:] in ("}", "]"):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def unwrap_json(value: Any, times: int = 3) -> Any:
    """Langfuse stores some fields JSON-encoded more than once: decode quoted JSON strings
    up to ``times`` times."""
    for _ in range(times):
        if not isinstance(value, str):
            return value
        s = value.strip()
        if not s or s[0] not in '{["':
            return value
        try:
            value = json.loads(s)
        except (ValueError, RecursionError):
            return value
    return value


def clip_value(value: Any) -> Any:
    if isinstance(value, str):
        return clip(value)
    return value


def int_or_none(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) < 1e18 else None
    if isinstance(value, str):
        s = value.strip()
        if s.lstrip("-").isdigit():
            return int(s)
        try:
            f = float(s)
        except ValueError:
            return None
        return int(f) if f == f and abs(f) < 1e18 else None
    return None


def float_or_none(value: object) -> float | None:
    return finite_number(value, bools=False)


def as_obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def either_key(obj: dict[str, Any], camel: str, snake: str) -> Any:
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def norm_id(value: object) -> str:
    """A span or trace id: hex lower-cased, base64 of 8 or 16 bytes turned into hex, any
    other string kept as written."""
    if isinstance(value, str):
        known = _ID_CACHE.get(value)
        if known is None:
            if len(_ID_CACHE) > 1 << 18:
                _ID_CACHE.clear()
            known = _ID_CACHE[value] = _norm_id_text(value)
        return known
    if isinstance(value, int) and not isinstance(value, bool):
        return format(value, "x")
    return ""


_ID_CACHE: dict[str, str] = {}


def _norm_id_text(value: str) -> str:
    s = value.strip()
    if not s:
        return ""
    if len(s) in (16, 32) and _HEX_RE.fullmatch(s):
        return s.lower()
    if len(s) in (12, 24) and s.endswith("="):
        try:
            raw = base64.b64decode(s, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) in (8, 16):
            return raw.hex()
    if len(s) % 2 == 0 and _HEX_RE.fullmatch(s):
        return s.lower()
    return clip(s)


def is_null_id(span_id: str) -> bool:
    return not span_id or set(span_id) == {"0"}


_ISO = re.compile(r"\s*(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?"
                  r"\s*(Z|z|[+-]\d\d(?::?\d\d)?)?\s*$")


def _iso_ns(text: str) -> int | None:
    """Nanoseconds since the epoch from an ISO 8601 date-time (no zone: UTC)."""
    m = _ISO.match(text)
    if not m:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute, sec = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and sec < 61):
        return None
    seconds = calendar.timegm((year, month, day, hour, minute, sec, 0, 0, 0))
    frac = (m[7] or "")[:9].ljust(9, "0")
    zone = m[8]
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
        seconds -= sign * offset
    return seconds * 1_000_000_000 + int(frac)


def time_ns(value: object, *, unit_ns: int | None = None) -> int | None:
    """A time as epoch nanoseconds: an ISO string, or a number in ``unit_ns`` units (or,
    when None, guessed by magnitude: s, ms, us or ns)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        if unit_ns == 1 and value.isdigit():
            return int(value)
        s = value.strip()
        if not s:
            return None
        if s.lstrip("-").replace(".", "", 1).isdigit():
            value = float(s) if "." in s else int(s)
        else:
            return _iso_ns(s)
    if isinstance(value, int | float):
        if value != value or abs(value) > 1e20:
            return None
        if unit_ns is None:
            mag = abs(value)
            unit_ns = (1 if mag > 1e17 else 1_000 if mag > 1e14 else 1_000_000
                       if mag > 1e11 else 1_000_000_000)
        if isinstance(value, int):
            return value * unit_ns
        return round(value * unit_ns)
    return None


# --- OTLP AnyValue and attributes -------------------------------------------------------

def any_value(value: Any) -> Any:
    """A typed OTLP ``AnyValue`` as a plain Python value (arrays as lists, key-value lists
    as dicts, bytes as hex). Iterative: nesting cannot exhaust the stack."""
    if not isinstance(value, dict):
        return value
    text = value.get("stringValue")
    if text is not None:
        return text
    number = value.get("intValue")
    if number is not None:
        if isinstance(number, int) and not isinstance(number, bool):
            return number
        if isinstance(number, str) and number.isdigit():
            return int(number)
    for camel, snake in _ANY_KEYS:
        if camel in value:
            v = value[camel]
            break
        if snake in value:
            v = value[snake]
            break
    else:
        arr = either_key(value, "arrayValue", "array_value")
        kvl = either_key(value, "kvlistValue", "kvlist_value")
        raw = either_key(value, "bytesValue", "bytes_value")
        if raw is not None:
            try:
                return base64.b64decode(str(raw), validate=False).hex()
            except (binascii.Error, ValueError):
                return str(raw)
        if arr is None and kvl is None:
            return None
        return _any_nested(value)
    if "intValue" in value or "int_value" in value:
        as_int = int_or_none(v)
        return as_int if as_int is not None else v
    if "doubleValue" in value or "double_value" in value:
        f = float_or_none(v)
        return f if f is not None else v
    return v


def _any_nested(root: dict[str, Any]) -> Any:
    """Arrays and key-value lists, converted with an explicit stack."""
    out: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(root, out, 0)]
    while stack:
        value, parent, key = stack.pop()
        if not isinstance(value, dict):
            parent[key] = value
            continue
        arr = either_key(value, "arrayValue", "array_value")
        kvl = either_key(value, "kvlistValue", "kvlist_value")
        if isinstance(arr, dict):
            items = arr.get("values") or []
            lst: list[Any] = [None] * len(items) if isinstance(items, list) else []
            parent[key] = lst
            for i, item in enumerate(items if isinstance(items, list) else []):
                stack.append((item, lst, i))
        elif isinstance(kvl, dict):
            pairs = kvl.get("values") or []
            dct: dict[str, Any] = {}
            parent[key] = dct
            for pair in pairs if isinstance(pairs, list) else []:
                if isinstance(pair, dict) and isinstance(pair.get("key"), str):
                    dct[pair["key"]] = None
                    stack.append((pair.get("value"), dct, pair["key"]))
        else:
            parent[key] = any_value(value)
    return out[0]


def flatten_into(out: dict[str, Any], prefix: str, value: Any) -> None:
    """Nested dicts as flat dotted keys (iterative); lists and scalars kept as values."""
    stack = [(prefix, value)]
    while stack:
        key, v = stack.pop()
        if isinstance(v, dict) and v:
            for k, sub in v.items():
                stack.append((f"{key}.{k}" if key else str(k), sub))
        else:
            out[key] = clip_value(maybe_json(v))


def dumps(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        return str(value)[:MAX_TEXT]


def present(*values: Any) -> Any:
    """The first value that is not None (0 counts as present)."""
    return next((v for v in values if v is not None), None)


def first_number(obj: Any, keys: Iterable[str]) -> Any:
    if not isinstance(obj, dict):
        return None
    for key in keys:
        if obj.get(key) is not None:
            return obj[key]
    return None


# --- detection and the entry point ------------------------------------------------------

def first_item(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


#: Reads one document (or, for JSON Lines, one line's document) into raw spans.
LineReader = Callable[[Any, ReadContext, int | None, list[RawSpan]], None]
#: Reads a whole file's documents (a JSON Lines file as one list of records) into raw
#: spans; may return the raw records by span id (Langfuse's costs and usage).
WholeReader = Callable[[Any, ReadContext, list[RawSpan]], dict[str, Any] | None]


@dataclass(frozen=True)
class TraceFormat:
    """One trace format: its name, its reader and how detection recognises it.

    ``document`` tests a JSON object at the top of a file; ``fallback`` is asked of
    every format only after each ``document`` test said no (a looser shape, such as a
    bare list of spans under ``data``); ``record`` tests the first object of an array or
    of a JSON Lines file of records; ``in_lists``: an array of this format's documents is
    this format too. Exactly one of ``read_line`` (each JSON Lines document on its own,
    the line named in errors) and ``read_whole`` is set."""

    name: str
    document: Callable[[dict[str, Any]], bool]
    fallback: Callable[[dict[str, Any]], bool] | None = None
    record: Callable[[dict[str, Any]], bool] | None = None
    in_lists: bool = True
    read_line: LineReader | None = None
    read_whole: WholeReader | None = None


def first_of_data(doc: dict[str, Any]) -> Any:
    """The first item of a document's ``data`` (else ``spans``) array, or None."""
    return first_item(doc.get("data", doc.get("spans")))
