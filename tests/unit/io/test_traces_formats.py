"""The trace readers on the project's own small fixtures, one per format, each written
from the format's published schema; the expected values are read off the fixture files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from crucible_io.limits import UnknownFormatError
from crucible_io.traces import TRACE_FORMATS, detect_trace_format, read_traces
from crucible_scenarios.trace import generate_trace

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "traces"


def by_id(trace):  # type: ignore[no-untyped-def]
    return {e.id: e for e in trace.events}


@pytest.mark.parametrize(("name", "fmt"), [
    ("otlp-b64-string-enums.jsonl", "otlp-jsonl"),
    ("genai-both-message-conventions.json", "otlp-json"),
    ("openinference-agent-tool-llm.json", "otlp-json"),
    ("langfuse-nested-generations.json", "langfuse"),
    ("phoenix-rest-spans.json", "phoenix"),
    ("langsmith-nested-runs.json", "langsmith"),
    ("jaeger-ui-download.json", "jaeger"),
])
def test_detects_each_format(name: str, fmt: str) -> None:
    assert fmt in TRACE_FORMATS
    assert detect_trace_format((FIX / name).read_bytes(), name) == fmt
    traces = read_traces(FIX / name)
    assert {t.source_format for t in traces} == {fmt}
    # forcing the format gives the same traces
    assert read_traces(FIX / name, fmt=fmt) == traces


def test_otlp_jsonl_base64_ids_and_string_enums() -> None:
    traces = read_traces(FIX / "otlp-b64-string-enums.jsonl")
    # two trace ids across the two lines: split into two traces, in first-seen order
    assert [t.problem_id for t in traces] == ["0af7651916cd43dd8448eb211c80319c",
                                              "4bf92f3577b34da6a3ce929d0e0e4736"]
    main = traces[0]
    # base64 of 8 bytes -> 16 lowercase hex characters, parents resolved across lines
    assert [e.id for e in main.events] == ["b7ad6b7169203331", "00f067aa0ba902b7",
                                           "53995c3f42cd8ad8"]
    assert [e.parent_id for e in main.events] == [None, "b7ad6b7169203331",
                                                  "b7ad6b7169203331"]
    # times relative to the earliest start, in ms; numbers or strings both accepted
    assert [e.timestamp for e in main.events] == [0.0, 100.0, 700.0]
    # the link to an earlier span becomes a dependency
    assert main.events[2].depends_on == ("00f067aa0ba902b7",)
    assert main.question == "rag-pipeline"
    assert all(e.type == "span" and e.confidence == 0.5 for e in main.events)


def test_otlp_jsonl_span_fields() -> None:
    main, background = read_traces(FIX / "otlp-b64-string-enums.jsonl")
    root, retrieve, llm = main.events
    assert root.end_ms == 2500.0 and not root.is_open
    assert root.kind == "chain" and retrieve.kind == "retriever" and llm.kind == "llm"
    assert root.status == "ok" and llm.status == "error" and retrieve.status == "unset"
    assert llm.status_message == "rate limited" and llm.reasoning == "rate limited"
    assert (llm.model, llm.input_tokens, llm.output_tokens) == ("gpt-4o-mini", 120, 30)
    assert llm.cost_usd == pytest.approx(0.00125)
    assert root.input_text == "What is OTLP?" and root.output_text == "A protocol."
    # typed attributes: arrays as lists, kvlists as dotted keys, JSON strings parsed
    assert root.attributes["tags"] == ["a", "b"]
    assert root.attributes["deploy.region"] == "eu"
    assert root.attributes["deploy.replicas"] == 3
    assert root.attributes["metadata"] == {"user": "u1", "n": 2}
    assert root.attributes["service.name"] == "rag-app"
    assert retrieve.attributes["retrieval.documents.0.document.score"] == 0.5
    (event,) = retrieve.span_events
    assert (event.name, event.time_ms, event.attributes) == ("cache-miss", 300.0,
                                                             {"key": "q1"})
    # a span without an end is open
    (job,) = background.events
    assert job.is_open and job.end_ms is None and job.kind == "tool"
    assert main.model == "gpt-4o-mini" and main.answer == "A protocol."
    assert main.start_unix_ns == 1_700_000_000_000_000_000


def test_genai_both_message_conventions() -> None:
    (trace,) = read_traces(FIX / "genai-both-message-conventions.json")
    _agent, chat1, tool, chat2 = trace.events
    assert [e.kind for e in trace.events] == ["agent", "llm", "tool", "llm"]
    # newer attributes win over the older events on the same span
    assert chat1.input_text == "user: Weather in Paris?"
    assert "get_weather" in chat1.output_text and "OLD" not in chat1.output_text
    assert chat1.model == "gpt-4o-2024-08-06"  # the response model over the request model
    assert (chat1.input_tokens, chat1.output_tokens) == (50, 12)
    # older per-message events, and the older prompt/completion token names
    assert chat2.input_text == "system: You are terse.\nuser: Weather in Paris?"
    assert chat2.output_text == "assistant: Sunny, 18 C."
    assert (chat2.input_tokens, chat2.output_tokens) == (80, 20)
    assert tool.input_text == '{"city": "Paris"}' and tool.output_text == "18 C, sunny"
    assert len(chat1.span_events) == 2


def test_openinference_agent_with_tool_and_llm_children() -> None:
    (trace,) = read_traces(FIX / "openinference-agent-tool-llm.json")  # snake_case keys
    agent, llm1, tool, llm2 = trace.events
    assert [e.kind for e in trace.events] == ["agent", "llm", "tool", "llm"]
    assert {e.parent_id for e in (llm1, tool, llm2)} == {agent.id}
    assert llm1.input_text == "system: You solve tasks.\nuser: Add 2 and 3"
    assert llm1.output_text == "assistant: Call add(2, 3)"
    assert llm1.input_tokens + llm2.input_tokens == 200 + 260
    assert '"task": "Add 2 and 3"' in agent.input_text and agent.output_text == "5"
    assert tool.input_text == '{"a": 2, "b": 3}'
    assert trace.model == "gpt-4.1"


def test_langfuse_nested_generations() -> None:
    (trace,) = read_traces(FIX / "langfuse-nested-generations.json")
    ev = by_id(trace)
    assert trace.problem_id == "trace-lf-1"
    assert ev["obs-gen-outer"].kind == "llm" and ev["obs-tool"].kind == "tool"
    assert ev["obs-root"].kind == "agent" and ev["obs-event"].kind == "event"
    assert ev["obs-gen-inner-1"].parent_id == "obs-gen-outer"
    # the outer generation carries the total of its children (300 = 100 + 200)
    leaves = [e for e in trace.events if e.kind == "llm" and e.id != "obs-gen-outer"]
    assert sum(e.input_tokens for e in leaves) == ev["obs-gen-outer"].input_tokens == 300
    assert ev["obs-gen-outer"].cost_usd == pytest.approx(0.00135)
    # an EVENT is a point, not an open span; ERROR level is an error with its message
    assert ev["obs-event"].end_ms == ev["obs-event"].timestamp == 3500.0
    assert not ev["obs-event"].is_open
    assert ev["obs-guard"].status == "error"
    assert ev["obs-guard"].status_message == "PII detected"
    # JSON-encoded input is decoded; the trace-level score sits on the root
    assert ev["obs-gen-outer"].input_text == "user: Where is my order?"
    assert ev["obs-gen-outer"].output_text == "It ships tomorrow."
    assert ev["obs-root"].attributes["score.helpfulness"] == 0.9
    assert ev["obs-tool"].input_text == '{"order": 42}'


def test_phoenix_rest_spans() -> None:
    (trace,) = read_traces(FIX / "phoenix-rest-spans.json")
    query, retrieve, llm = trace.events
    assert trace.problem_id == "9a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert (query.kind, retrieve.kind, llm.kind) == ("chain", "retriever", "llm")
    assert llm.status == "error" and llm.status_message == "context length exceeded"
    assert (llm.input_tokens, llm.output_tokens) == (400, 0)
    assert llm.input_text == "user: What is Phoenix?"
    assert retrieve.end_ms == 400.0 and llm.timestamp == 500.0
    assert llm.span_events[0].name == "exception"
    assert llm.span_events[0].time_ms == 1900.0
    assert retrieve.attributes["retrieval.documents.0.document.content"] == "Phoenix docs"


def test_langsmith_nested_runs() -> None:
    (trace,) = read_traces(FIX / "langsmith-nested-runs.json")
    chain, llm, tool = trace.events
    assert (chain.kind, llm.kind, tool.kind) == ("chain", "llm", "tool")
    assert llm.parent_id == chain.id
    # no parent_run_id and no trace_id: both come from the dotted_order
    assert tool.parent_id == chain.id
    assert (llm.input_tokens, llm.output_tokens) == (12, 2)
    assert llm.cost_usd == pytest.approx(3e-6)
    assert llm.model == "gpt-4o-mini"
    assert llm.input_text == "HumanMessage: Capital of France?" and llm.output_text == "Paris"
    assert tool.status == "error" and tool.status_message.startswith("TimeoutError")
    assert chain.status == "ok" and chain.end_ms == 3000.0
    assert trace.answer == "Paris"


def test_jaeger_ui_download() -> None:
    (trace,) = read_traces(FIX / "jaeger-ui-download.json")
    http, chat, cache = trace.events
    assert chat.parent_id == http.id and cache.parent_id == http.id  # FOLLOWS_FROM too
    assert chat.end_ms == 1600.0  # startTime + duration, microseconds
    assert cache.end_ms == cache.timestamp == 1700.0
    assert chat.kind == "llm" and (chat.input_tokens, chat.output_tokens) == (77, 9)
    assert chat.status == "error" and chat.status_message == "upstream 502"
    assert chat.attributes["service.name"] == "llm-gw"
    assert http.attributes["http.status_code"] == 200
    assert chat.span_events[0].name == "retry" and chat.span_events[0].time_ms == 1000.0


def test_own_format_round_trips_exactly() -> None:
    trace = generate_trace("math-007", 3)
    text = trace.to_json()
    assert detect_trace_format(text.encode(), "t.json") == "crucible-trace"
    assert read_traces(text.encode(), name="t.json") == [trace]
    assert read_traces(io.BytesIO(text.encode())) == [trace]


def test_unknown_json_is_named_as_such() -> None:
    with pytest.raises(UnknownFormatError, match=r"up\.json.*OTLP/JSON"):
        read_traces(json.dumps({"hello": 1}).encode(), name="up.json")
    with pytest.raises(UnknownFormatError, match="unknown trace format 'csv'"):
        read_traces(FIX / "phoenix-rest-spans.json", fmt="csv")


def _b(doc: object) -> bytes:
    return json.dumps(doc).encode()


def test_other_published_shapes() -> None:
    """Langfuse {observations, scores}, Tempo's {"trace": ...} wrapper, a LangSmith run
    tree with nested child_runs, Phoenix spans as JSON Lines."""
    obs = [{"id": "g1", "traceId": "t9", "type": "GENERATION", "name": "llm",
            "startTime": "2025-01-01T00:00:01Z", "endTime": "2025-01-01T00:00:02.5Z",
            "parentObservationId": "s1", "promptTokens": 7, "completionTokens": 3},
           {"id": "s1", "traceId": "t9", "type": "SPAN", "name": "root",
            "startTime": "2025-01-01T00:00:00Z", "endTime": None}]
    (lf,) = read_traces(_b({"observations": obs, "scores": [
        {"name": "accuracy", "value": 1, "observationId": "g1"}]}), name="lf.json")
    assert [e.id for e in lf.events] == ["s1", "g1"]
    assert lf.events[1].timestamp == 1000.0 and lf.problem_id == "t9"
    assert lf.events[0].is_open and lf.events[1].end_ms == 2500.0
    assert (lf.events[1].input_tokens, lf.events[1].output_tokens) == (7, 3)
    assert lf.events[1].attributes["score.accuracy"] == 1
    tempo = {"trace": {"batches": [{"resource": {}, "scopeSpans": [{"spans": [
        {"traceId": "AAAAAAAAAAAAAAAAAAAAAQ==", "spanId": "AAAAAAAAAAE=",
         "startTimeUnixNano": 1000, "endTimeUnixNano": 3000000, "kind": 2}]}]}]}}
    assert detect_trace_format(_b(tempo), "tempo.json") == "tempo"
    (tp,) = read_traces(_b(tempo), name="tempo.json")
    assert tp.problem_id == "00000000000000000000000000000001"
    assert tp.events[0].id == "0000000000000001"
    tree = {"id": "r", "name": "agent", "run_type": "chain", "start_time": 1700000000000,
            "end_time": 1700000001000, "child_runs": [
                {"id": "c", "name": "llm", "run_type": "llm", "start_time": 1700000000200,
                 "end_time": 1700000000900, "child_runs": [
                     {"id": "g", "name": "tool", "run_type": "tool",
                      "start_time": 1700000000300, "end_time": None}]}]}
    (ls,) = read_traces(_b(tree), name="tree.json")
    assert [(e.id, e.parent_id, e.timestamp) for e in ls.events] == [
        ("r", None, 0.0), ("c", "r", 200.0), ("g", "c", 300.0)]
    phoenix = "\n".join(json.dumps(
        {"name": f"s{i}", "context": {"trace_id": "ab" * 16, "span_id": f"{i:016x}"},
         "span_kind": "TOOL", "parent_id": f"{i - 1:016x}" if i else None,
         "start_time": f"2025-01-01T00:00:0{i}", "end_time": f"2025-01-01T00:00:0{i + 1}",
         "status_code": "OK", "attributes": {}, "events": []}) for i in range(3))
    assert detect_trace_format(phoenix.encode(), "p.jsonl") == "phoenix"
    (ph,) = read_traces(phoenix.encode(), name="p.jsonl")
    assert [e.timestamp for e in ph.events] == [0.0, 1000.0, 2000.0]


def test_own_fixtures_validate_and_round_trip() -> None:
    from crucible_scenarios.trace import from_json

    for path in sorted(FIX.iterdir()):
        for trace in read_traces(path):
            assert trace.validate() == [], path.name
            assert from_json(trace.to_json()) == trace, path.name
