"""The attribute conventions on OTLP spans: OpenTelemetry GenAI (``gen_ai.*``, both message
conventions), OpenInference (``llm.*``, ``input.value``) and Traceloop, read into a span's
kind, model, token counts, cost and input and output texts."""

from __future__ import annotations

from typing import Any

from crucible_io.traces.common import (
    RawSpan,
    as_str,
    clip,
    dumps,
    float_or_none,
    int_or_none,
    maybe_json,
)

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


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return dumps(part)
    ptype = part.get("type")
    if ptype == "tool_call":
        args = maybe_json(part.get("arguments"))
        shown = args if isinstance(args, str) else dumps(args)
        return f"tool call {part.get('name', '')}({shown})"
    if ptype == "tool_call_response":
        return f"tool result: {text_of(part.get('response', part.get('result')))}"
    for key in ("content", "text", "message_content.text"):
        if isinstance(part.get(key), str):
            return str(part[key])
    return dumps(part)


def _message_text(msg: Any) -> str:
    """One chat message as "role: text" (GenAI parts, OpenAI content lists, LangChain
    serialized messages)."""
    if not isinstance(msg, dict):
        return text_of(msg)
    if "kwargs" in msg and isinstance(msg["kwargs"], dict):  # LangChain serialized
        kw = msg["kwargs"]
        ident = msg.get("id")
        role = str(ident[-1]) if isinstance(ident, list) and ident else str(kw.get("type", ""))
        return f"{role}: {text_of(kw.get('content'))}"
    m: dict[str, Any] = msg["message"] if isinstance(msg.get("message"), dict) else msg
    role = m.get("role") or m.get("type") or ""
    if "parts" in m and isinstance(m["parts"], list):
        body = "\n".join(_part_text(p) for p in m["parts"])
    else:
        content = m.get("content")
        if isinstance(content, list):
            body = "\n".join(_part_text(p) for p in content)
        elif content is None and m.get("tool_calls"):
            body = dumps(m.get("tool_calls"))
        else:
            body = text_of(content)
    return f"{role}: {body}" if role else body


def _looks_like_messages(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(m, dict) and (
        "role" in m or "parts" in m or "kwargs" in m or isinstance(m.get("message"), dict))
        for m in value[:5])


def text_of(value: Any) -> str:
    """Readable text of an input or output value: strings as they are, chat messages as
    "role: text" lines, OpenAI responses by their choices, other values as JSON."""
    value = maybe_json(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return clip(value)
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value[:3]):  # LangChain generations
            value = [g for row in value for g in row]
        if _looks_like_messages(value):
            return clip("\n".join(_message_text(m) for m in value))
        if value and all(isinstance(v, dict) and "text" in v for v in value[:3]):
            return clip("\n".join(as_str(v.get("text")) for v in value))
        return clip(dumps(value))
    if isinstance(value, dict):
        for key in ("messages", "input_messages", "output_messages"):
            msgs = value.get(key)
            if isinstance(msgs, list) and msgs and _looks_like_messages(
                    [m for row in msgs for m in (row if isinstance(row, list) else [row])]):
                flat = [m for row in msgs for m in (row if isinstance(row, list) else [row])]
                return clip("\n".join(_message_text(m) for m in flat))
        choices = value.get("choices")
        if isinstance(choices, list) and choices:
            texts = []
            for c in choices:
                if isinstance(c, dict) and isinstance(c.get("message"), dict):
                    texts.append(_message_text(c["message"]))
                elif isinstance(c, dict) and "text" in c:
                    texts.append(as_str(c.get("text")))
            if texts:
                return clip("\n".join(texts))
        gens = value.get("generations")
        if isinstance(gens, list) and gens:
            return text_of(gens)
        if "role" in value and ("content" in value or "parts" in value):
            return clip(_message_text(value))
        for key in ("output", "text", "content", "answer", "result", "input", "question"):
            if isinstance(value.get(key), str) and len(value) <= 3:
                return clip(value[key])
        return clip(dumps(value))
    return clip(str(value))


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
            msg.setdefault("_texts", []).append(as_str(value))
        elif field_name.startswith("tool_calls."):
            msg.setdefault("_tools", []).append(f"{field_name[11:]}={as_str(value)}")
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
            value = maybe_json(attrs[key])
            if isinstance(value, dict) and "role" not in value:
                if isinstance(value.get("message"), dict):
                    return _message_text(value["message"])
                value = value.get("content", value)
            text = text_of(value)
            return text if (role == "" or text.startswith(role + ":")) else f"{role}: {text}"
    if "message.content" in attrs:
        return f"{attrs.get('message.role', role)}: {as_str(attrs['message.content'])}"
    return ""


def apply_conventions(span: RawSpan) -> None:
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
                span.model = clip(attrs[key])
                break
    if span.input_tokens is None:
        for key in _IN_TOKENS:
            if key in attrs:
                span.input_tokens = int_or_none(attrs[key])
                if span.input_tokens is not None:
                    break
    if span.output_tokens is None:
        for key in _OUT_TOKENS:
            if key in attrs:
                span.output_tokens = int_or_none(attrs[key])
                if span.output_tokens is not None:
                    break
    if span.cost is None:
        for key in _COSTS:
            if key in attrs:
                span.cost = float_or_none(attrs[key])
                if span.cost is not None:
                    break
    if span.kind is None:
        span.kind = ("llm" if span.input_tokens is not None or span.output_tokens is not None
                     else "span")
    if not span.input_text:
        span.input_text = _input_from_attrs(attrs, span)
    if not span.output_text:
        span.output_text = _output_from_attrs(attrs, span)


def _input_from_attrs(attrs: dict[str, Any], span: RawSpan) -> str:
    if "gen_ai.input.messages" in attrs:
        text = text_of(attrs["gen_ai.input.messages"])
        system = attrs.get("gen_ai.system_instructions")
        if system is not None:
            text = clip(f"system: {text_of(system)}\n{text}")
        return text
    if "llm.input_messages.0.message.role" in attrs or \
            "llm.input_messages.0.message.content" in attrs:
        return clip("\n".join(_message_text(m)
                               for m in _indexed_messages(attrs, "llm.input_messages")))
    for key in ("input.value", "gen_ai.tool.call.arguments", "gen_ai.prompt",
                "llm.prompts", "ai.prompt", "ai.prompt.messages"):
        if key in attrs:
            return text_of(attrs[key])
    if "gen_ai.prompt.0.content" in attrs or "gen_ai.prompt.0.role" in attrs:
        return clip("\n".join(_message_text(m)
                               for m in _indexed_prompt(attrs, "gen_ai.prompt")))
    lines = []
    for name, _, eattrs in span.events:  # the older per-message events
        if name in _INPUT_EVENTS:
            lines.append(_event_message(eattrs, name.split(".")[1]))
        elif name == "gen_ai.content.prompt":
            lines.append(_event_message(eattrs, ""))
    return clip("\n".join(x for x in lines if x))


def _output_from_attrs(attrs: dict[str, Any], span: RawSpan) -> str:
    if "gen_ai.output.messages" in attrs:
        return text_of(attrs["gen_ai.output.messages"])
    if "llm.output_messages.0.message.role" in attrs or \
            "llm.output_messages.0.message.content" in attrs:
        return clip("\n".join(_message_text(m)
                               for m in _indexed_messages(attrs, "llm.output_messages")))
    for key in ("output.value", "gen_ai.tool.call.result", "gen_ai.completion",
                "ai.response.text"):
        if key in attrs:
            return text_of(attrs[key])
    if "gen_ai.completion.0.content" in attrs or "gen_ai.completion.0.role" in attrs:
        return clip("\n".join(_message_text(m)
                               for m in _indexed_prompt(attrs, "gen_ai.completion")))
    lines = []
    for name, _, eattrs in span.events:
        if name == "gen_ai.choice":
            lines.append(_event_message(eattrs, "assistant"))
        elif name == "gen_ai.content.completion":
            lines.append(_event_message(eattrs, ""))
    return clip("\n".join(x for x in lines if x))
