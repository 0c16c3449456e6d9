"""Readers of exported LLM-application traces into :class:`crucible_scenarios.trace.Trace`.

Each format is read from its published schema:

- ``otlp-json`` / ``otlp-jsonl``: the JSON encoding of OpenTelemetry's
  ``ExportTraceServiceRequest`` (opentelemetry-proto ``trace.proto``:
  ``resourceSpans -> scopeSpans -> spans``), as one document, an array of documents, or
  the file exporter's JSON Lines (one request per line). Ids in hex (the OTLP/JSON rule)
  or base64 (the generic proto3 JSON mapping some exporters use), enums as integers or
  names, 64-bit integers as strings or numbers, lowerCamelCase or snake_case keys, typed
  ``AnyValue`` attributes with arrays and key-value lists.
- ``tempo``: Grafana Tempo's older OTLP shape (``batches -> instrumentationLibrarySpans``,
  times as bare numbers) and its ``{"trace": {...}}`` wrapper.
- ``jaeger``: the Jaeger UI download / query API JSON (``data[].spans[]`` with
  ``references``, typed ``tags``, ``logs`` and ``processes``; times in microseconds).
- ``langfuse``: trace exports ``{trace, observations}`` and ``{observations, scores}``.
- ``phoenix``: Arize Phoenix's REST span JSON (``context.span_id``, ``parent_id``,
  ``span_kind``, flat dotted ``attributes``).
- ``langsmith``: LangSmith runs (a list, ``{runs: [...]}``, a run with ``child_runs`` or
  the ``{post: [...], patch: [...]}`` ingest captures).
- ``crucible-trace``: our own JSON, through :func:`crucible_scenarios.trace.from_json`.

Every format is first read into a neutral :class:`_Span` record; one builder then applies
the attribute conventions (OpenTelemetry GenAI ``gen_ai.*`` and OpenInference), checks the
structure (duplicate ids, parent cycles, orphans, the span limit) without recursion, and
builds the traces. Every error is a :class:`crucible_io.limits.ReadError` naming the file,
the line or span, and the field.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    DuplicateIdError,
    MalformedError,
    ReadError,
    SchemaError,
    Source,
    TooLargeError,
    UnknownFormatError,
    decode_text,
    finite_number,
    gc_paused,
    iter_json_lines,
    load_source,
    looks_like_json_lines,
    parse_json,
)
from crucible_scenarios.trace import (
    FORMAT_NAME,
    MAX_SPAN_ID,
    MAX_SPANS,
    SpanEvent,
    Trace,
    TraceEvent,
    TraceFormatError,
    from_json,
)

#: Every format :func:`read_traces` reads, by the name it reports in ``Trace.source_format``.
TRACE_FORMATS: tuple[str, ...] = ("otlp-json", "otlp-jsonl", "tempo", "jaeger", "langfuse",
                                  "phoenix", "langsmith", FORMAT_NAME)
# MAX_SPANS (most spans one file may hold, all its traces together) and MAX_SPAN_ID
# (longest id accepted; ids are opaque and never cut short) come from the span model.
__all__ = ["MAX_SPANS", "MAX_SPAN_ID", "MAX_TEXT", "TRACE_FORMATS", "TRUNCATED",
           "detect_trace_format", "read_traces"]
#: Longest text kept from a field; longer texts end with :data:`TRUNCATED`.
MAX_TEXT = 20_000
TRUNCATED = "... (truncated)"
#: Length of the answer shown for a trace (the root span's output).
ANSWER_CHARS = 500

_ANY_KEYS = (("stringValue", "string_value"), ("intValue", "int_value"),
             ("doubleValue", "double_value"), ("boolValue", "bool_value"))
_HEX_RE = re.compile(r"[0-9a-fA-F]+")


# --- neutral record ---------------------------------------------------------------------

class _Span:
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


class _Ctx:
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

def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + TRUNCATED


def _str(value: object) -> str:
    if value is None:
        return ""
    return _clip(value if isinstance(value, str) else str(value))


def _maybe_json(value: Any) -> Any:
    """A string holding a JSON object or array, parsed once more; anything else as is."""
    if isinstance(value, str) and value[:1] in ("{", "[") and value[-1:] in ("}", "]"):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def _unwrap_json(value: Any, times: int = 3) -> Any:
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


def _clip_value(value: Any) -> Any:
    if isinstance(value, str):
        return _clip(value)
    return value


def _int_or_none(value: object) -> int | None:
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


def _float_or_none(value: object) -> float | None:
    return finite_number(value, bools=False)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _g(obj: dict[str, Any], camel: str, snake: str) -> Any:
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def _norm_id(value: object) -> str:
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
    return _clip(s)


def _is_null_id(span_id: str) -> bool:
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


def _time_ns(value: object, *, unit_ns: int | None = None) -> int | None:
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

def _any_value(value: Any) -> Any:
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
        arr = _g(value, "arrayValue", "array_value")
        kvl = _g(value, "kvlistValue", "kvlist_value")
        raw = _g(value, "bytesValue", "bytes_value")
        if raw is not None:
            try:
                return base64.b64decode(str(raw), validate=False).hex()
            except (binascii.Error, ValueError):
                return str(raw)
        if arr is None and kvl is None:
            return None
        return _any_nested(value)
    if "intValue" in value or "int_value" in value:
        as_int = _int_or_none(v)
        return as_int if as_int is not None else v
    if "doubleValue" in value or "double_value" in value:
        f = _float_or_none(v)
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
        arr = _g(value, "arrayValue", "array_value")
        kvl = _g(value, "kvlistValue", "kvlist_value")
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
            parent[key] = _any_value(value)
    return out[0]


def _flatten_into(out: dict[str, Any], prefix: str, value: Any) -> None:
    """Nested dicts as flat dotted keys (iterative); lists and scalars kept as values."""
    stack = [(prefix, value)]
    while stack:
        key, v = stack.pop()
        if isinstance(v, dict) and v:
            for k, sub in v.items():
                stack.append((f"{key}.{k}" if key else str(k), sub))
        else:
            out[key] = _clip_value(_maybe_json(v))


def _otlp_attributes(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(items, list):
        if isinstance(items, dict):  # tolerated: a plain mapping
            _flatten_into(out, "", items)
        return out
    for item in items:
        if not isinstance(item, dict):
            continue
        key = item.get("key")
        if not isinstance(key, str):
            continue
        value = _any_value(item.get("value"))
        if isinstance(value, str):
            # a JSON string is parsed once more and kept, whole, under its key
            out[key] = _maybe_json(value) if value[:1] in ("{", "[") else _clip(value)
        elif isinstance(value, dict):  # a key-value list: flat dotted keys
            _flatten_into(out, key, value)
        else:
            out[key] = value
    return out


# --- conventions: GenAI and OpenInference ----------------------------------------------

_OI_KINDS = {"LLM": "llm", "CHAIN": "chain", "TOOL": "tool", "RETRIEVER": "retriever",
             "EMBEDDING": "embedding", "AGENT": "agent", "RERANKER": "reranker",
             "GUARDRAIL": "guardrail", "EVALUATOR": "evaluator", "PROMPT": "chain"}
_GENAI_OPS = {"chat": "llm", "text_completion": "llm", "generate_content": "llm",
              "completion": "llm", "execute_tool": "tool", "embeddings": "embedding",
              "embedding": "embedding", "invoke_agent": "agent", "create_agent": "agent",
              "retrieval": "retriever", "rerank": "reranker"}
_TRACELOOP_KINDS = {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"}
_IN_TOKENS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
              "llm.token_count.prompt", "llm.usage.prompt_tokens", "llm.usage.input_tokens")
_OUT_TOKENS = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
               "llm.token_count.completion", "llm.usage.completion_tokens",
               "llm.usage.output_tokens")
_MODELS = ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name",
           "llm.response.model", "llm.request.model")
_COSTS = ("llm.cost.total", "gen_ai.usage.cost", "gen_ai.usage.cost_usd")
_INPUT_EVENTS = ("gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message",
                 "gen_ai.tool.message")


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        return str(value)[:MAX_TEXT]


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return _dumps(part)
    ptype = part.get("type")
    if ptype == "tool_call":
        args = _maybe_json(part.get("arguments"))
        shown = args if isinstance(args, str) else _dumps(args)
        return f"tool call {part.get('name', '')}({shown})"
    if ptype == "tool_call_response":
        return f"tool result: {_text_of(part.get('response', part.get('result')))}"
    for key in ("content", "text", "message_content.text"):
        if isinstance(part.get(key), str):
            return str(part[key])
    return _dumps(part)


def _message_text(msg: Any) -> str:
    """One chat message as "role: text" (GenAI parts, OpenAI content lists, LangChain
    serialized messages)."""
    if not isinstance(msg, dict):
        return _text_of(msg)
    if "kwargs" in msg and isinstance(msg["kwargs"], dict):  # LangChain serialized
        kw = msg["kwargs"]
        ident = msg.get("id")
        role = str(ident[-1]) if isinstance(ident, list) and ident else str(kw.get("type", ""))
        return f"{role}: {_text_of(kw.get('content'))}"
    m: dict[str, Any] = msg["message"] if isinstance(msg.get("message"), dict) else msg
    role = m.get("role") or m.get("type") or ""
    if "parts" in m and isinstance(m["parts"], list):
        body = "\n".join(_part_text(p) for p in m["parts"])
    else:
        content = m.get("content")
        if isinstance(content, list):
            body = "\n".join(_part_text(p) for p in content)
        elif content is None and m.get("tool_calls"):
            body = _dumps(m.get("tool_calls"))
        else:
            body = _text_of(content)
    return f"{role}: {body}" if role else body


def _looks_like_messages(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(m, dict) and (
        "role" in m or "parts" in m or "kwargs" in m or isinstance(m.get("message"), dict))
        for m in value[:5])


def _text_of(value: Any) -> str:
    """Readable text of an input or output value: strings as they are, chat messages as
    "role: text" lines, OpenAI responses by their choices, other values as JSON."""
    value = _maybe_json(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return _clip(value)
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value[:3]):  # LangChain generations
            value = [g for row in value for g in row]
        if _looks_like_messages(value):
            return _clip("\n".join(_message_text(m) for m in value))
        if value and all(isinstance(v, dict) and "text" in v for v in value[:3]):
            return _clip("\n".join(_str(v.get("text")) for v in value))
        return _clip(_dumps(value))
    if isinstance(value, dict):
        for key in ("messages", "input_messages", "output_messages"):
            msgs = value.get(key)
            if isinstance(msgs, list) and msgs and _looks_like_messages(
                    [m for row in msgs for m in (row if isinstance(row, list) else [row])]):
                flat = [m for row in msgs for m in (row if isinstance(row, list) else [row])]
                return _clip("\n".join(_message_text(m) for m in flat))
        choices = value.get("choices")
        if isinstance(choices, list) and choices:
            texts = []
            for c in choices:
                if isinstance(c, dict) and isinstance(c.get("message"), dict):
                    texts.append(_message_text(c["message"]))
                elif isinstance(c, dict) and "text" in c:
                    texts.append(_str(c.get("text")))
            if texts:
                return _clip("\n".join(texts))
        gens = value.get("generations")
        if isinstance(gens, list) and gens:
            return _text_of(gens)
        if "role" in value and ("content" in value or "parts" in value):
            return _clip(_message_text(value))
        for key in ("output", "text", "content", "answer", "result", "input", "question"):
            if isinstance(value.get(key), str) and len(value) <= 3:
                return _clip(value[key])
        return _clip(_dumps(value))
    return _clip(str(value))


def _indexed_messages(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """OpenInference's flattened ``<prefix>.N.message.role`` / ``.content`` (and
    ``.contents.M.message_content.text``) keys, regrouped into messages by N."""
    grouped: dict[int, dict[str, Any]] = {}
    start = prefix + "."
    for key, value in attrs.items():
        if not key.startswith(start):
            continue
        rest = key[len(start):]
        idx, _, field_name = rest.partition(".")
        if not idx.isdigit():
            continue
        msg = grouped.setdefault(int(idx), {})
        field_name = field_name.removeprefix("message.")
        if field_name in ("role", "content", "name"):
            msg[field_name] = value
        elif field_name.startswith("contents.") and field_name.endswith("text"):
            msg.setdefault("_texts", []).append(_str(value))
        elif field_name.startswith("tool_calls."):
            msg.setdefault("_tools", []).append(f"{field_name[11:]}={_str(value)}")
    out = []
    for _, msg in sorted(grouped.items()):
        if "content" not in msg:
            texts = msg.pop("_texts", []) + msg.pop("_tools", [])
            msg["content"] = "\n".join(texts)
        msg.pop("_texts", None)
        msg.pop("_tools", None)
        out.append(msg)
    return out


def _indexed_prompt(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Older GenAI / OpenLLMetry ``gen_ai.prompt.N.role`` / ``.content`` keys."""
    grouped: dict[int, dict[str, Any]] = {}
    start = prefix + "."
    for key, value in attrs.items():
        if key.startswith(start):
            idx, _, field_name = key[len(start):].partition(".")
            if idx.isdigit() and field_name in ("role", "content"):
                grouped.setdefault(int(idx), {})[field_name] = value
    return [m for _, m in sorted(grouped.items())]


def _event_message(attrs: dict[str, Any], role: str) -> str:
    for key in ("content", "gen_ai.event.content", "body", "message", "gen_ai.prompt",
                "gen_ai.completion"):
        if key in attrs:
            value = _maybe_json(attrs[key])
            if isinstance(value, dict) and "role" not in value:
                if isinstance(value.get("message"), dict):
                    return _message_text(value["message"])
                value = value.get("content", value)
            text = _text_of(value)
            return text if (role == "" or text.startswith(role + ":")) else f"{role}: {text}"
    if "message.content" in attrs:
        return f"{attrs.get('message.role', role)}: {_str(attrs['message.content'])}"
    return ""


def _apply_conventions(span: _Span) -> None:
    """Fill kind, model, tokens, cost and texts from the span's attributes and events,
    keeping whatever the format already set explicitly."""
    attrs = span.attributes
    if span.kind is None:
        oi = attrs.get("openinference.span.kind")
        op = attrs.get("gen_ai.operation.name")
        tl = attrs.get("traceloop.span.kind")
        if isinstance(oi, str) and oi.upper() in _OI_KINDS:
            span.kind = _OI_KINDS[oi.upper()]
        elif isinstance(op, str) and op.lower() in _GENAI_OPS:
            span.kind = _GENAI_OPS[op.lower()]
        elif isinstance(tl, str) and tl.lower() in _TRACELOOP_KINDS:
            span.kind = _TRACELOOP_KINDS[tl.lower()]
        elif attrs.get("llm.request.type") in ("chat", "completion"):
            span.kind = "llm"
    if span.model is None:
        for key in _MODELS:
            if isinstance(attrs.get(key), str) and attrs[key]:
                span.model = _clip(attrs[key])
                break
    if span.input_tokens is None:
        for key in _IN_TOKENS:
            if key in attrs:
                span.input_tokens = _int_or_none(attrs[key])
                if span.input_tokens is not None:
                    break
    if span.output_tokens is None:
        for key in _OUT_TOKENS:
            if key in attrs:
                span.output_tokens = _int_or_none(attrs[key])
                if span.output_tokens is not None:
                    break
    if span.cost is None:
        for key in _COSTS:
            if key in attrs:
                span.cost = _float_or_none(attrs[key])
                if span.cost is not None:
                    break
    if span.kind is None:
        span.kind = ("llm" if span.input_tokens is not None or span.output_tokens is not None
                     else "span")
    if not span.input_text:
        span.input_text = _input_from_attrs(attrs, span)
    if not span.output_text:
        span.output_text = _output_from_attrs(attrs, span)


def _input_from_attrs(attrs: dict[str, Any], span: _Span) -> str:
    if "gen_ai.input.messages" in attrs:
        text = _text_of(attrs["gen_ai.input.messages"])
        system = attrs.get("gen_ai.system_instructions")
        if system is not None:
            text = _clip(f"system: {_text_of(system)}\n{text}")
        return text
    if "llm.input_messages.0.message.role" in attrs or \
            "llm.input_messages.0.message.content" in attrs:
        return _clip("\n".join(_message_text(m)
                               for m in _indexed_messages(attrs, "llm.input_messages")))
    for key in ("input.value", "gen_ai.tool.call.arguments", "gen_ai.prompt",
                "llm.prompts", "ai.prompt", "ai.prompt.messages"):
        if key in attrs:
            return _text_of(attrs[key])
    if "gen_ai.prompt.0.content" in attrs or "gen_ai.prompt.0.role" in attrs:
        return _clip("\n".join(_message_text(m)
                               for m in _indexed_prompt(attrs, "gen_ai.prompt")))
    lines = []
    for name, _, eattrs in span.events:  # the older per-message events
        if name in _INPUT_EVENTS:
            lines.append(_event_message(eattrs, name.split(".")[1]))
        elif name == "gen_ai.content.prompt":
            lines.append(_event_message(eattrs, ""))
    return _clip("\n".join(x for x in lines if x))


def _output_from_attrs(attrs: dict[str, Any], span: _Span) -> str:
    if "gen_ai.output.messages" in attrs:
        return _text_of(attrs["gen_ai.output.messages"])
    if "llm.output_messages.0.message.role" in attrs or \
            "llm.output_messages.0.message.content" in attrs:
        return _clip("\n".join(_message_text(m)
                               for m in _indexed_messages(attrs, "llm.output_messages")))
    for key in ("output.value", "gen_ai.tool.call.result", "gen_ai.completion",
                "ai.response.text"):
        if key in attrs:
            return _text_of(attrs[key])
    if "gen_ai.completion.0.content" in attrs or "gen_ai.completion.0.role" in attrs:
        return _clip("\n".join(_message_text(m)
                               for m in _indexed_prompt(attrs, "gen_ai.completion")))
    lines = []
    for name, _, eattrs in span.events:
        if name == "gen_ai.choice":
            lines.append(_event_message(eattrs, "assistant"))
        elif name == "gen_ai.content.completion":
            lines.append(_event_message(eattrs, ""))
    return _clip("\n".join(x for x in lines if x))


# --- OTLP ---------------------------------------------------------------------------------

_KIND_NAMES = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer",
               5: "consumer"}
_STATUS: dict[Any, str] = {0: "unset", 1: "ok", 2: "error", "STATUS_CODE_UNSET": "unset",
           "STATUS_CODE_OK": "ok", "STATUS_CODE_ERROR": "error", "UNSET": "unset",
           "OK": "ok", "ERROR": "error", "Unset": "unset", "Ok": "ok", "Error": "error"}


def _otlp_kind_name(kind: Any) -> str | None:
    if isinstance(kind, str):
        if kind.isdigit():
            return _KIND_NAMES.get(int(kind))
        return kind.removeprefix("SPAN_KIND_").lower() or None
    if isinstance(kind, int):
        return _KIND_NAMES.get(kind)
    return None


def _otlp_docs(doc: Any, ctx: _Ctx, line: int | None, out: list[_Span]) -> None:
    """Spans of one OTLP/JSON document (an ExportTraceServiceRequest, Tempo's ``batches``
    or ``{"trace": ...}``, or a flat list of spans under ``data``)."""
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            if not isinstance(item, dict):
                raise ctx.error(f"expected an OTLP document, got {type(item).__name__}",
                                field=f"[{i}]", line=line)
            _otlp_docs(item, ctx, line, out)
        return
    if not isinstance(doc, dict):
        raise ctx.error(f"expected an OTLP document, got {type(doc).__name__}", line=line)
    if isinstance(doc.get("trace"), dict):
        doc = doc["trace"]
    if isinstance(doc.get("data"), list) and "resourceSpans" not in doc:
        for i, sp in enumerate(doc["data"]):
            _otlp_span(sp, ctx, line, f"data[{i}]", {}, out)
        return
    resources = doc.get("resourceSpans")
    rkey = "resourceSpans"
    if resources is None:
        for alt in ("resource_spans", "batches"):
            if alt in doc:
                resources, rkey = doc[alt], alt
                break
    if not isinstance(resources, list):
        raise ctx.error("expected an array of resource spans", field=rkey, line=line)
    for r, rs in enumerate(resources):
        rwhere = f"{rkey}[{r}]"
        if not isinstance(rs, dict):
            raise ctx.error(f"expected an object, got {type(rs).__name__}", field=rwhere,
                            line=line)
        resource = _obj(rs.get("resource"))
        service = None
        for item in resource.get("attributes") or []:
            if isinstance(item, dict) and item.get("key") == "service.name":
                service = _any_value(item.get("value"))
        scopes: Any = None
        skey = "scopeSpans"
        for alt in ("scopeSpans", "scope_spans", "instrumentationLibrarySpans",
                    "instrumentation_library_spans"):
            if alt in rs:
                scopes, skey = rs[alt], alt
                break
        if scopes is None:
            continue
        if not isinstance(scopes, list):
            raise ctx.error("expected an array", field=f"{rwhere}.{skey}", line=line)
        for s, ss in enumerate(scopes):
            swhere = f"{rwhere}.{skey}[{s}]"
            if not isinstance(ss, dict):
                raise ctx.error(f"expected an object, got {type(ss).__name__}",
                                field=swhere, line=line)
            scope = ss.get("scope") or ss.get("instrumentationLibrary") or \
                ss.get("instrumentation_library")
            base: dict[str, Any] = {}
            if service is not None:
                base["service.name"] = service
            if isinstance(scope, dict) and isinstance(scope.get("name"), str):
                base["otel.scope.name"] = scope["name"]
            spans = ss.get("spans")
            if spans is None:
                continue
            if not isinstance(spans, list):
                raise ctx.error("expected an array of spans", field=f"{swhere}.spans",
                                line=line)
            ctx.counted(len(spans))
            ctx.count -= len(spans)
            for i, sp in enumerate(spans):
                _otlp_span(sp, ctx, line, f"{swhere}.spans[{i}]", base, out)


def _otlp_span(sp: Any, ctx: _Ctx, line: int | None, where: str, base: dict[str, Any],
               out: list[_Span]) -> None:
    if not isinstance(sp, dict):
        raise ctx.error(f"expected a span object, got {type(sp).__name__}", field=where,
                        line=line)
    ctx.counted()
    camel = "spanId" in sp
    span_id = _norm_id(sp["spanId"] if camel else sp.get("span_id"))
    if not span_id:
        raise ctx.error("the span has no span id", field=f"{where}.spanId", line=line)
    if camel:
        trace_id = _norm_id(sp.get("traceId"))
        parent = _norm_id(sp.get("parentSpanId") or sp.get("parent_id"))
        start_raw = sp.get("startTimeUnixNano")
        end_raw = sp.get("endTimeUnixNano")
    else:
        trace_id = _norm_id(sp.get("trace_id"))
        parent = _norm_id(sp.get("parent_span_id") or sp.get("parent_id"))
        start_raw = sp.get("start_time_unix_nano")
        end_raw = sp.get("end_time_unix_nano")
    start = (int(start_raw) if isinstance(start_raw, str) and start_raw.isdigit()
             else _time_ns(start_raw, unit_ns=1))
    if start is None:
        raise ctx.error(f"span {span_id}: the start time is missing or not a number "
                        f"({repr(start_raw)[:40]})", field=f"{where}.startTimeUnixNano",
                        line=line)
    end = (int(end_raw) if isinstance(end_raw, str) and end_raw.isdigit()
           else _time_ns(end_raw, unit_ns=1))
    if end_raw is not None and end is None:
        raise ctx.error(f"span {span_id}: the end time is not a number "
                        f"({repr(end_raw)[:40]})", field=f"{where}.endTimeUnixNano",
                        line=line)
    name = sp.get("name")
    span = _Span(trace_id, span_id, None if _is_null_id(parent) else parent,
                 name if isinstance(name, str) else _str(name), start,
                 end if end else None, f"line {line}, {where}" if line else where, sp)
    attrs = _otlp_attributes(sp.get("attributes"))
    for key, value in base.items():
        attrs.setdefault(key, value)
    kind = _otlp_kind_name(sp.get("kind"))
    if kind:
        attrs["span.kind"] = kind
    span.attributes = attrs
    status = sp.get("status")
    if isinstance(status, dict):
        code = status.get("code")
        if code is None:
            code = status.get("deprecatedCode", status.get("deprecated_code"))
            code = 2 if code not in (None, 0, "DEPRECATED_STATUS_CODE_OK") else None
        if isinstance(code, str) and code.isdigit():
            code = int(code)
        span.status = _STATUS.get(code, "unset") if code is not None else "unset"
        span.status_message = _str(status.get("message"))
    events = sp.get("events")
    if isinstance(events, list):
        for ev in events:
            if isinstance(ev, dict):
                span.events.append((_str(ev.get("name")),
                                    _time_ns(_g(ev, "timeUnixNano", "time_unix_nano"),
                                             unit_ns=1),
                                    _otlp_attributes(ev.get("attributes"))))
    links = sp.get("links")
    if isinstance(links, list):
        for lk in links:
            if isinstance(lk, dict):
                lid = _norm_id(_g(lk, "spanId", "span_id"))
                if lid:
                    span.links.append(lid)
    out.append(span)


# --- Jaeger -------------------------------------------------------------------------------

def _jaeger_tags(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(items, list):
        return out
    for tag in items:
        if not isinstance(tag, dict) or not isinstance(tag.get("key"), str):
            continue
        value = tag.get("value")
        ttype = str(tag.get("type", "")).lower()
        if ttype == "int64":
            value = _int_or_none(value) if _int_or_none(value) is not None else value
        elif ttype == "float64":
            value = _float_or_none(value) if _float_or_none(value) is not None else value
        elif ttype == "bool" and isinstance(value, str):
            value = value.lower() == "true"
        out[tag["key"]] = _clip_value(_maybe_json(value))
    return out


def _jaeger(doc: Any, ctx: _Ctx, out: list[_Span]) -> None:
    traces = doc.get("data") if isinstance(doc, dict) else doc
    if isinstance(doc, dict) and "spans" in doc and "data" not in doc:
        traces = [doc]
    if not isinstance(traces, list):
        raise ctx.error("expected an array of traces", field="data")
    for t, tr in enumerate(traces):
        if not isinstance(tr, dict):
            raise ctx.error(f"expected a trace object, got {type(tr).__name__}",
                            field=f"data[{t}]")
        processes = _obj(tr.get("processes"))
        spans = tr.get("spans")
        if not isinstance(spans, list):
            raise ctx.error("expected an array of spans", field=f"data[{t}].spans")
        for i, sp in enumerate(spans):
            where = f"data[{t}].spans[{i}]"
            if not isinstance(sp, dict):
                raise ctx.error(f"expected a span object, got {type(sp).__name__}",
                                field=where)
            ctx.counted()
            span_id = _norm_id(sp.get("spanID"))
            if not span_id:
                raise ctx.error("the span has no spanID", field=f"{where}.spanID")
            trace_id = _norm_id(sp.get("traceID") or tr.get("traceID"))
            start = _time_ns(sp.get("startTime"), unit_ns=1_000)
            if start is None:
                raise ctx.error(f"span {span_id}: startTime is missing or not a number",
                                field=f"{where}.startTime")
            duration = sp.get("duration")
            dur = _float_or_none(duration)
            if duration is not None and dur is None:
                raise ctx.error(f"span {span_id}: duration is not a number",
                                field=f"{where}.duration")
            parent = None
            depends: list[str] = []
            refs = sp.get("references")
            if isinstance(refs, list):
                child_of = [r for r in refs if isinstance(r, dict)
                            and r.get("refType") == "CHILD_OF"]
                others = [r for r in refs if isinstance(r, dict)
                          and r.get("refType") != "CHILD_OF"]
                ordered = child_of + others
                if ordered:
                    parent = _norm_id(ordered[0].get("spanID"))
                    depends = [_norm_id(r.get("spanID")) for r in ordered[1:]]
            if parent is None and sp.get("parentSpanID"):
                parent = _norm_id(sp.get("parentSpanID"))
            span = _Span(trace_id, span_id, None if not parent or _is_null_id(parent)
                         else parent, _str(sp.get("operationName")), start,
                         None if dur is None else start + round(dur * 1_000), where, sp)
            attrs = _jaeger_tags(sp.get("tags"))
            proc = processes.get(str(sp.get("processID"))) if sp.get("processID") else \
                sp.get("process")
            if isinstance(proc, dict) and proc.get("serviceName") is not None:
                attrs.setdefault("service.name", _str(proc.get("serviceName")))
            span.attributes = attrs
            code = str(attrs.get("otel.status_code", "")).upper()
            if code == "ERROR" or attrs.get("error") is True:
                span.status = "error"
            elif code == "OK":
                span.status = "ok"
            span.status_message = _str(attrs.get("otel.status_description") or
                                       attrs.get("error.message") or "")
            logs = sp.get("logs")
            if isinstance(logs, list):
                for log in logs:
                    if isinstance(log, dict):
                        fields = _jaeger_tags(log.get("fields"))
                        ename = fields.pop("event", "log")
                        span.events.append((_str(ename),
                                            _time_ns(log.get("timestamp"), unit_ns=1_000),
                                            fields))
            span.links = [d for d in depends if d]
            out.append(span)


# --- Langfuse ---------------------------------------------------------------------------

_LANGFUSE_KINDS = {"GENERATION": "llm", "TOOL": "tool", "AGENT": "agent",
                   "RETRIEVER": "retriever", "EMBEDDING": "embedding", "EVENT": "event",
                   "EVALUATOR": "evaluator", "GUARDRAIL": "guardrail", "CHAIN": "chain",
                   "SPAN": "span"}


def _present(*values: Any) -> Any:
    """The first value that is not None (0 counts as present)."""
    return next((v for v in values if v is not None), None)


def _first_number(obj: Any, keys: Iterable[str]) -> Any:
    if not isinstance(obj, dict):
        return None
    for key in keys:
        if obj.get(key) is not None:
            return obj[key]
    return None


def _langfuse(doc: Any, ctx: _Ctx, out: list[_Span]) -> dict[str, dict[str, Any]]:
    """Spans of a Langfuse export; returns the trace records by trace id."""
    trace_rec: dict[str, Any] = {}
    if isinstance(doc, dict):
        trace_rec = _obj(doc.get("trace")) or \
            {k: v for k, v in doc.items() if k not in ("observations", "scores")}
        observations = doc.get("observations")
        if observations is None and isinstance(trace_rec.get("observations"), str | list):
            observations = trace_rec.get("observations")
        scores = doc.get("scores", trace_rec.get("scores"))
    else:
        observations, scores = doc, None
    observations = _unwrap_json(observations)
    if not isinstance(observations, list):
        raise ctx.error("expected an array of observations", field="observations")
    default_trace = _str(trace_rec.get("id"))
    for i, ob in enumerate(observations):
        where = f"observations[{i}]"
        if not isinstance(ob, dict):
            raise ctx.error(f"expected an observation object, got {type(ob).__name__}",
                            field=where)
        ctx.counted()
        oid = _str(ob.get("id"))
        if not oid:
            raise ctx.error("the observation has no id", field=f"{where}.id")
        start = _time_ns(ob.get("startTime"))
        if start is None:
            raise ctx.error(f"observation {oid}: startTime is missing or not a time",
                            field=f"{where}.startTime")
        end_raw = ob.get("endTime")
        end = _time_ns(end_raw)
        if end_raw is not None and end is None:
            raise ctx.error(f"observation {oid}: endTime is not a time",
                            field=f"{where}.endTime")
        otype = str(ob.get("type") or "SPAN").upper()
        parent = ob.get("parentObservationId")
        span = _Span(_str(ob.get("traceId")) or default_trace, oid,
                     _str(parent) or None, _str(ob.get("name")), start, end, where, ob)
        span.kind = _LANGFUSE_KINDS.get(otype, "span")
        span.point = otype == "EVENT"
        attrs: dict[str, Any] = {"langfuse.type": otype}
        metadata = _unwrap_json(ob.get("metadata"))
        if isinstance(metadata, dict):
            inner = metadata.get("attributes")
            if isinstance(inner, dict):
                _flatten_into(attrs, "", inner)
            _flatten_into(attrs, "metadata", {k: v for k, v in metadata.items()
                                              if k != "attributes"})
        for key in ("level", "version", "environment", "modelParameters"):
            if ob.get(key) not in (None, {}, ""):
                _flatten_into(attrs, key, ob[key])
        span.attributes = attrs
        level = str(ob.get("level") or "").upper()
        span.status = "error" if level == "ERROR" else "unset"
        span.status_message = _str(ob.get("statusMessage"))
        if isinstance(ob.get("model"), str) and ob["model"]:
            span.model = _clip(ob["model"])
        details = ob.get("usageDetails") if isinstance(ob.get("usageDetails"), dict) else {}
        usage = ob.get("usage") if isinstance(ob.get("usage"), dict) else {}
        span.input_tokens = _int_or_none(_present(
            _first_number(details, ("input", "prompt_tokens", "input_tokens")),
            ob.get("inputUsage"), _first_number(usage, ("input", "promptTokens")),
            ob.get("promptTokens")))
        span.output_tokens = _int_or_none(_present(
            _first_number(details, ("output", "completion_tokens", "output_tokens")),
            ob.get("outputUsage"), _first_number(usage, ("output", "completionTokens")),
            ob.get("completionTokens")))
        if span.kind != "llm" and not span.input_tokens and not span.output_tokens:
            span.input_tokens = span.output_tokens = None
        costs = ob.get("costDetails") if isinstance(ob.get("costDetails"), dict) else {}
        cost = _float_or_none(costs.get("total")) if costs else None
        if cost is None:
            cost = _float_or_none(ob.get("totalCost") or ob.get("calculatedTotalCost"))
        span.cost = cost if cost else (cost if span.kind == "llm" else None)
        span.input_text = _text_of(_unwrap_json(ob.get("input")))
        span.output_text = _text_of(_unwrap_json(ob.get("output")))
        out.append(span)
    if isinstance(scores, list):
        by_obs: dict[str, list[dict[str, Any]]] = {}
        for sc in scores:
            if isinstance(sc, dict) and isinstance(sc.get("name"), str):
                by_obs.setdefault(_str(sc.get("observationId")), []).append(sc)
        for span in out:
            keys = [span.span_id] + ([""] if span.parent_id is None else [])
            for key in keys:
                for sc in by_obs.get(key, []):
                    span.attributes[f"score.{sc['name']}"] = sc.get("value",
                                                                    sc.get("stringValue"))
    return {default_trace: trace_rec} if default_trace else {}


# --- Phoenix ------------------------------------------------------------------------------

def _phoenix(doc: Any, ctx: _Ctx, out: list[_Span]) -> None:
    spans = doc.get("data", doc.get("spans")) if isinstance(doc, dict) else doc
    if not isinstance(spans, list):
        raise ctx.error("expected an array of spans", field="data")
    for i, sp in enumerate(spans):
        where = f"data[{i}]"
        if not isinstance(sp, dict):
            raise ctx.error(f"expected a span object, got {type(sp).__name__}", field=where)
        ctx.counted()
        context = _obj(sp.get("context"))
        span_id = _norm_id(context.get("span_id") or sp.get("span_id"))
        if not span_id:
            raise ctx.error("the span has no span id", field=f"{where}.context.span_id")
        start = _time_ns(sp.get("start_time"))
        if start is None:
            raise ctx.error(f"span {span_id}: start_time is missing or not a time",
                            field=f"{where}.start_time")
        end_raw = sp.get("end_time")
        end = _time_ns(end_raw)
        if end_raw is not None and end is None:
            raise ctx.error(f"span {span_id}: end_time is not a time",
                            field=f"{where}.end_time")
        parent = _norm_id(sp.get("parent_id"))
        span = _Span(_norm_id(context.get("trace_id") or sp.get("trace_id")), span_id,
                     None if _is_null_id(parent) else parent, _str(sp.get("name")), start,
                     end, where, sp)
        attrs: dict[str, Any] = {}
        if isinstance(sp.get("attributes"), dict):
            _flatten_into(attrs, "", sp["attributes"])
        kind = sp.get("span_kind")
        if isinstance(kind, str) and kind:
            attrs.setdefault("openinference.span.kind", kind)
        span.attributes = attrs
        span.status = _STATUS.get(str(sp.get("status_code", "UNSET")).upper(), "unset")
        span.status_message = _str(sp.get("status_message"))
        events = sp.get("events")
        if isinstance(events, list):
            for ev in events:
                if isinstance(ev, dict):
                    eattrs: dict[str, Any] = {}
                    if isinstance(ev.get("attributes"), dict):
                        _flatten_into(eattrs, "", ev["attributes"])
                    span.events.append((_str(ev.get("name")), _time_ns(ev.get("timestamp")),
                                        eattrs))
        out.append(span)


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


def _langsmith_runs(doc: Any, ctx: _Ctx) -> list[tuple[str, dict[str, Any]]]:
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
                rid = _str(run.get("id")) or (_dotted_ids(run.get("dotted_order")) or [""])[-1]
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


def _langsmith(doc: Any, ctx: _Ctx, out: list[_Span]) -> None:
    for where, run in _langsmith_runs(doc, ctx):
        ctx.counted()
        rid = _str(run.get("id"))
        if not rid:
            raise ctx.error("the run has no id", field=f"{where}.id")
        start = _time_ns(run.get("start_time"))
        if start is None:
            raise ctx.error(f"run {rid}: start_time is missing or not a time",
                            field=f"{where}.start_time")
        end_raw = run.get("end_time")
        end = _time_ns(end_raw)
        if end_raw is not None and end is None:
            raise ctx.error(f"run {rid}: end_time is not a time", field=f"{where}.end_time")
        dotted = _dotted_ids(run.get("dotted_order"))
        parent = _str(run.get("parent_run_id")) or (dotted[-2] if len(dotted) > 1 else "")
        trace_id = _str(run.get("trace_id")) or (dotted[0] if dotted else "")
        span = _Span(trace_id, rid, parent or None, _str(run.get("name")), start, end,
                     where, run)
        rtype = str(run.get("run_type") or "").lower()
        span.kind = _LANGSMITH_KINDS.get(rtype)
        extra = _unwrap_json(run.get("extra"))
        meta = extra.get("metadata") if isinstance(extra, dict) else None
        attrs: dict[str, Any] = {}
        if rtype:
            attrs["run_type"] = rtype
        if isinstance(meta, dict):
            _flatten_into(attrs, "metadata", meta)
        for key in ("tags", "session_name", "dotted_order", "status"):
            if run.get(key) not in (None, [], ""):
                attrs[key] = _clip_value(run[key])
        span.attributes = attrs
        error = run.get("error")
        if error:
            span.status, span.status_message = "error", _str(error)
        elif str(run.get("status", "")).lower() == "success" or end is not None:
            span.status = "ok"
        outputs = _unwrap_json(run.get("outputs"))
        inputs = _unwrap_json(run.get("inputs"))
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
        span.input_tokens = _int_or_none(
            run.get("prompt_tokens") if run.get("prompt_tokens") is not None else
            run.get("input_tokens") if run.get("input_tokens") is not None else
            _first_number(usage, ("input_tokens", "prompt_tokens")))
        span.output_tokens = _int_or_none(
            run.get("completion_tokens") if run.get("completion_tokens") is not None else
            run.get("output_tokens") if run.get("output_tokens") is not None else
            _first_number(usage, ("output_tokens", "completion_tokens")))
        cost = _float_or_none(run.get("total_cost"))
        if cost is None and (run.get("prompt_cost") is not None or
                             run.get("completion_cost") is not None):
            cost = (_float_or_none(run.get("prompt_cost")) or 0.0) + \
                (_float_or_none(run.get("completion_cost")) or 0.0)
        span.cost = cost
        model = None
        if isinstance(outputs, dict) and isinstance(outputs.get("model"), str):
            model = outputs["model"]
        elif isinstance(meta, dict) and isinstance(meta.get("ls_model_name"), str):
            model = meta["ls_model_name"]
        elif isinstance(inputs, dict) and isinstance(inputs.get("model"), str):
            model = inputs["model"]
        span.model = _clip(model) if model else None
        span.input_text = _text_of(inputs) if inputs not in (None, {}) else ""
        span.output_text = _text_of(outputs) if outputs not in (None, {}) else ""
        events = run.get("events")
        if isinstance(events, list):
            for ev in events:
                if isinstance(ev, dict):
                    eattrs = {k: _clip_value(v) for k, v in ev.items()
                              if k not in ("name", "time") and not isinstance(v, dict | list)}
                    span.events.append((_str(ev.get("name")), _time_ns(ev.get("time")),
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


# --- building traces -------------------------------------------------------------------



def _build(spans: list[_Span], ctx: _Ctx, fmt: str,
           trace_records: dict[str, dict[str, Any]] | None = None) -> list[Trace]:
    if not spans:
        raise ctx.error("the file holds no spans", field="spans")
    groups: dict[str, list[_Span]] = {}
    for span in spans:
        groups.setdefault(span.trace_id, []).append(span)
    return [_build_one(tid, group, ctx, fmt, (trace_records or {}).get(tid, {}))
            for tid, group in groups.items()]


def _build_one(trace_id: str, group: list[_Span], ctx: _Ctx, fmt: str,
               record: dict[str, Any]) -> Trace:
    notes: list[str] = list(ctx.notes)
    label = f"trace {trace_id}" if trace_id else "the trace"
    by_id: dict[str, _Span] = {}
    unique: list[_Span] = []
    repeats = 0
    if len(trace_id) > MAX_SPAN_ID:
        raise SchemaError(f"a trace id is {len(trace_id):,} characters long; the limit is "
                          f"{MAX_SPAN_ID}", file=ctx.file, field=f"{group[0].where}.traceId")
    for span in group:
        if len(span.span_id) > MAX_SPAN_ID:
            raise SchemaError(f"a span id is {len(span.span_id):,} characters long; the "
                              f"limit is {MAX_SPAN_ID}", file=ctx.file,
                              field=f"{span.where}.spanId")
        seen = by_id.get(span.span_id)
        if seen is not None:
            if seen.raw == span.raw:
                repeats += 1
                continue
            raise DuplicateIdError(f"span id {span.span_id!r} appears twice in {label} "
                                   f"({seen.where} and {span.where}) with different "
                                   "contents", file=ctx.file, field="spanId")
        by_id[span.span_id] = span
        unique.append(span)
    if repeats:
        notes.append(f"{repeats} exact repeat(s) of a span record were dropped "
                     "(an exporter sent the same span twice)")
    # parents: orphans become roots
    orphans = []
    for span in unique:
        if span.parent_id is not None and (span.parent_id not in by_id or
                                           span.parent_id == span.span_id):
            if span.parent_id == span.span_id:
                raise SchemaError(f"span {span.span_id!r} is its own parent (a parent "
                                  "cycle)", file=ctx.file, field=f"{span.where}.parentSpanId")
            orphans.append(span.span_id)
            span.parent_id = None
    if orphans:
        shown = ", ".join(orphans[:5]) + (" ..." if len(orphans) > 5 else "")
        notes.append(f"{len(orphans)} span(s) name a parent that is not in the file and "
                     f"are shown as roots: {shown}")
    depth = _depths(unique, by_id, ctx)
    # repair ends before starts
    clamped = 0
    for span in unique:
        if span.end_ns is not None and span.end_ns < span.start_ns:
            span.end_ns = span.start_ns
            clamped += 1
    if clamped:
        notes.append(f"{clamped} span(s) end before they start; their end was set to "
                     "their start")
    order = {id(s): i for i, s in enumerate(unique)}
    unique.sort(key=lambda s: (s.start_ns, depth[s.span_id], order[id(s)]))
    t0 = unique[0].start_ns
    position = {s.span_id: i for i, s in enumerate(unique)}
    events: list[TraceEvent] = []
    for span in unique:
        _apply_conventions(span)
        events.append(_event(span, t0, position))
    roots = [s for s in unique if s.parent_id is None]
    root = roots[0]
    llm_models = Counter(s.model for s in unique if s.kind == "llm" and s.model)
    answer = root.output_text or _text_of(_unwrap_json(record.get("output")))
    if len(answer) > ANSWER_CHARS:
        answer = answer[:ANSWER_CHARS] + "..."
    question = root.name or _str(record.get("name")) or trace_id
    values: dict[str, Any] = dict(
        problem_id=trace_id or root.span_id, question=question, answer=answer,
        events=tuple(events), model=llm_models.most_common(1)[0][0] if llm_models else "",
        expected_answer=None, title=f"{fmt}: {question}"[:200], trace_id=trace_id,
        source_format=fmt, start_unix_ns=t0, notes=tuple(notes))
    return Trace(**values)


def _depths(spans: list[_Span], by_id: dict[str, _Span], ctx: _Ctx) -> dict[str, int]:
    """Depth of every span by walking parent links with an explicit path (no recursion);
    a walk that meets its own path is a parent cycle, refused naming its spans."""
    depth: dict[str, int] = {}
    on_path: set[str] = set()
    for span in spans:
        if span.span_id in depth:
            continue
        path: list[str] = []
        node: str | None = span.span_id
        while node is not None and node not in depth:
            if node in on_path:
                cycle = path[path.index(node):]
                shown = " -> ".join(cycle[:8]) + (" ..." if len(cycle) > 8 else "")
                raise SchemaError(f"the parent links form a cycle: {shown} -> {node}",
                                  file=ctx.file, field=f"{by_id[node].where}.parent")
            on_path.add(node)
            path.append(node)
            node = by_id[node].parent_id
        base = -1 if node is None else depth[node]
        for i, sid in enumerate(reversed(path)):
            depth[sid] = base + 1 + i
        on_path.difference_update(path)
    return depth


def _event(span: _Span, t0: int, position: dict[str, int]) -> TraceEvent:
    start_ms = (span.start_ns - t0) / 1e6
    is_open = span.end_ns is None and not span.point
    end_ms = None if span.end_ns is None else (span.end_ns - t0) / 1e6
    if span.point and end_ms is None:
        end_ms = start_ms
    depends: tuple[str, ...] = ()
    if span.links:
        me = position[span.span_id]
        depends = tuple(dict.fromkeys(
            lk for lk in span.links if lk != span.parent_id and position.get(lk, me) < me))
    name = span.name if len(span.name) <= MAX_TEXT else _clip(span.name)
    if span.links:
        span.attributes.setdefault("links", list(span.links))
    return TraceEvent(
        span.span_id, start_ms, "span", name, span.status_message, (), 0.5,
        span.parent_id, depends, end_ms=end_ms, is_open=is_open,
        kind=span.kind or "span", name=name, status=span.status,
        status_message=span.status_message, model=span.model,
        input_tokens=span.input_tokens, output_tokens=span.output_tokens,
        cost_usd=span.cost, input_text=span.input_text, output_text=span.output_text,
        attributes=span.attributes,
        span_events=tuple(SpanEvent(name=n, time_ms=start_ms if t is None else
                                     (t - t0) / 1e6, attributes=a)
                          for n, t, a in span.events) if span.events else ())


# --- detection and the entry point ------------------------------------------------------

def _first_item(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


def _detect_doc(doc: Any) -> str | None:
    """The format of one parsed JSON document, or None."""
    if isinstance(doc, list):
        first = _first_item(doc)
        if not isinstance(first, dict):
            return None
        inner = _detect_doc(first)
        if inner in ("otlp-json", "tempo", "jaeger", "langsmith", "phoenix"):
            return inner
        if "traceID" in first and "spans" in first:
            return "jaeger"
        if "parentObservationId" in first or (
                "startTime" in first and str(first.get("type", "")).upper()
                in _LANGFUSE_KINDS):
            return "langfuse"
        if "run_type" in first or "dotted_order" in first or "parent_run_id" in first:
            return "langsmith"
        if isinstance(first.get("context"), dict) and "span_kind" in first:
            return "phoenix"
        return None
    if not isinstance(doc, dict):
        return None
    if doc.get("format") == FORMAT_NAME or (
            isinstance(doc.get("events"), list) and "problem_id" in doc):
        return FORMAT_NAME
    if "resourceSpans" in doc or "resource_spans" in doc:
        return "otlp-json"
    if "batches" in doc:
        return "tempo"
    if isinstance(doc.get("trace"), dict) and ("resourceSpans" in doc["trace"] or
                                               "batches" in doc["trace"]):
        return "tempo"
    if "observations" in doc or (isinstance(doc.get("trace"), dict) and
                                 "observations" in doc["trace"]):
        return "langfuse"
    if isinstance(doc.get("post"), list) or isinstance(doc.get("patch"), list):
        return "langsmith"
    if "run_type" in doc and "id" in doc:
        return "langsmith"
    if isinstance(doc.get("runs"), list):
        return "langsmith"
    data = doc.get("data", doc.get("spans"))
    first = _first_item(data)
    if isinstance(first, dict):
        if "spans" in first and ("traceID" in first or "processes" in first):
            return "jaeger"
        if isinstance(first.get("context"), dict):
            return "phoenix"
        if "spanId" in first or "span_id" in first:
            return "otlp-json"
    if "traceID" in doc and isinstance(doc.get("spans"), list):
        return "jaeger"
    return None


def _parse(text: str, name: str) -> tuple[list[tuple[int | None, Any]], bool]:
    """Documents in the text, each with its line (JSON Lines) or None; and whether the
    text is JSON Lines."""
    if looks_like_json_lines(text):
        return list(iter_json_lines(text, file=name)), True
    return [(None, parse_json(text, file=name))], False


def _format_of(docs: list[tuple[int | None, Any]], jsonl: bool, name: str) -> str:
    fmt = _detect_doc(docs[0][1]) if docs else None
    if fmt is None and jsonl and docs:
        fmt = _detect_doc([d for _, d in docs])
    if fmt is None:
        raise UnknownFormatError(
            "not a trace file this reader knows; looked for OTLP/JSON (resourceSpans), "
            "Tempo (batches), Jaeger (data[].spans), Langfuse (observations), Phoenix "
            "(data[].context), LangSmith runs (run_type / post+patch) and "
            f"{FORMAT_NAME} JSON", file=name)
    if jsonl and fmt == "otlp-json":
        return "otlp-jsonl"
    return fmt


def detect_trace_format(data: bytes | str, name: str = "<input>") -> str:
    """The name (one of :data:`TRACE_FORMATS`) of the trace format ``data`` is written
    in, from its top-level structure; :class:`UnknownFormatError` when none matches."""
    text = data if isinstance(data, str) else decode_text(bytes(data), file=name)
    docs, jsonl = _parse(text, name)
    return _format_of(docs, jsonl, name)


_READERS: dict[str, Callable[[Any, _Ctx, list[_Span]], Any]] = {
    "jaeger": _jaeger, "phoenix": _phoenix, "langsmith": _langsmith}


def read_traces(source: Source, *, fmt: str | None = None, name: str | None = None,
                max_bytes: int = MAX_SOURCE_BYTES) -> list[Trace]:
    """Read every trace in a trace export (path, bytes or file object), one
    :class:`Trace` per trace id, steps in start order, each naming its format in
    ``source_format``. ``fmt`` forces a format (one of :data:`TRACE_FORMATS`)."""
    loaded = load_source(source, name=name, max_bytes=max_bytes)
    file = loaded.name
    text = decode_text(loaded.data, file=file)
    if fmt is not None and fmt not in TRACE_FORMATS:
        raise UnknownFormatError(f"unknown trace format {fmt!r}; use one of "
                                 f"{', '.join(TRACE_FORMATS)}", file=file)
    with gc_paused():  # a large file allocates millions of small objects, none cyclic
        return _read_text(text, file, fmt)


def _read_text(text: str, file: str, fmt: str | None) -> list[Trace]:
    docs, jsonl = _parse(text, file)
    found = fmt or _format_of(docs, jsonl, file)
    if found == FORMAT_NAME:
        if jsonl:
            raise MalformedError(f"a {FORMAT_NAME} file is one JSON document, not JSON "
                                 "Lines", file=file)
        try:
            return [from_json(text)]
        except TraceFormatError as exc:
            raise SchemaError(str(exc), file=file) from None
    ctx = _Ctx(file)
    spans: list[_Span] = []
    records: dict[str, dict[str, Any]] = {}
    for line, doc in docs:
        if found in ("otlp-json", "otlp-jsonl", "tempo"):
            _otlp_docs(doc, ctx, line, spans)
        elif found == "langfuse":
            records.update(_langfuse(doc if not jsonl else [d for _, d in docs], ctx,
                                     spans))
            if jsonl:
                break
        else:
            _READERS[found](doc if not jsonl else [d for _, d in docs], ctx, spans)
            if jsonl:
                break
    return _build(spans, ctx, found, records)
