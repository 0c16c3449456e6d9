"""The trace readers on hostile input: parent cycles, duplicate ids, too many spans,
deep nesting, script in every text field, wrong types, bytes that are not UTF-8. Every
refusal is a ReadError naming the file and the span or field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crucible_io.limits import (
    DuplicateIdError,
    MalformedError,
    NotTextError,
    ReadError,
    SchemaError,
    TooLargeError,
)
from crucible_io.traces import MAX_SPANS, MAX_TEXT, TRUNCATED, read_traces

TRACE = "0af7651916cd43dd8448eb211c80319c"


def span(i: int, parent: int | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"traceId": TRACE, "spanId": f"{i:016x}", "name": f"s{i}",
                           "startTimeUnixNano": str(10**18 + i * 1000),
                           "endTimeUnixNano": str(10**18 + i * 1000 + 500)}
    if parent is not None:
        out["parentSpanId"] = f"{parent:016x}"
    out.update(extra)
    return out


def otlp(spans: list[dict[str, Any]]) -> bytes:
    return json.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [
        {"scope": {"name": "t"}, "spans": spans}]}]}).encode()


def test_parent_cycle_is_refused_naming_its_spans() -> None:
    data = otlp([span(1, 3), span(2, 1), span(3, 2), span(4)])
    with pytest.raises(SchemaError, match=r"cyc.json.*cycle.*0000000000000001") as exc:
        read_traces(data, name="cyc.json")
    assert "0000000000000002" in str(exc.value) and "0000000000000003" in str(exc.value)
    with pytest.raises(SchemaError, match="its own parent"):
        read_traces(otlp([span(1, 1)]), name="self.json")


def test_duplicate_ids_with_different_contents_are_refused() -> None:
    data = otlp([span(1), span(2, 1), {**span(2, 1), "name": "other"}])
    with pytest.raises(DuplicateIdError, match=r"dup.json.*0000000000000002.*spans\[1\]"):
        read_traces(data, name="dup.json")


def test_orphans_become_roots_with_a_note() -> None:
    (trace,) = read_traces(otlp([span(1), span(2, 99), span(3, 2)]), name="o.json")
    assert [e.parent_id for e in trace.events] == [None, None, "0000000000000002"]
    assert any("0000000000000002" in n and "roots" in n for n in trace.notes)


def test_more_than_max_spans_is_refused_naming_the_limit() -> None:
    assert MAX_SPANS == 100_000
    spans = [{"traceId": TRACE, "spanId": f"{i:016x}", "startTimeUnixNano": "1"}
             for i in range(MAX_SPANS + 1)]
    with pytest.raises(TooLargeError, match="100,000 spans"):
        read_traces(otlp(spans), name="big.json")


def test_a_parent_chain_ten_thousand_deep_reads_without_recursion() -> None:
    n = 10_000
    (trace,) = read_traces(otlp([span(i + 1, i if i else None) for i in range(n)]),
                           name="deep.json")
    assert len(trace.events) == n
    assert trace.events[-1].parent_id == f"{n - 1:016x}"
    # a chain given in reverse order still sorts parents before children on ties
    same = [{**span(i + 1, i if i else None), "startTimeUnixNano": "5"}
            for i in range(n)][::-1]
    (tied,) = read_traces(otlp(same), name="tied.json")
    assert [e.id for e in tied.events][:3] == [f"{1:016x}", f"{2:016x}", f"{3:016x}"]


def test_json_nested_ten_thousand_deep_is_refused() -> None:
    deep = b'{"resourceSpans": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    with pytest.raises(MalformedError, match="nested too deeply"):
        read_traces(deep, name="nest.json")


def test_script_in_every_text_field_is_kept_as_text() -> None:
    evil = "<script>alert('x')</script>"
    attrs = [{"key": k, "value": {"stringValue": evil}} for k in
             ("input.value", "output.value", "llm.model_name", evil)]
    attrs.append({"key": "openinference.span.kind", "value": {"stringValue": "LLM"}})
    data = otlp([span(1, name=evil, attributes=attrs,
                      status={"code": 2, "message": evil},
                      events=[{"name": evil, "timeUnixNano": str(10**18),
                               "attributes": attrs[:1]}])])
    (trace,) = read_traces(data, name="x.json")
    (event,) = trace.events
    assert event.decision == evil and event.reasoning == evil
    assert trace.question == evil
    assert event.name == evil and event.status_message == evil
    assert event.input_text == evil and event.output_text == evil
    assert event.model == evil and event.attributes[evil] == evil
    assert event.span_events[0].name == evil


def test_long_texts_are_truncated_visibly() -> None:
    long = "a" * (MAX_TEXT + 10)
    data = otlp([span(1, name=long, attributes=[
        {"key": "input.value", "value": {"stringValue": long}}])])
    (event,) = read_traces(data, name="long.json")[0].events
    assert event.decision == "a" * MAX_TEXT + TRUNCATED
    assert event.input_text.endswith(TRUNCATED)
    assert len(event.input_text) == MAX_TEXT + len(TRUNCATED)


@pytest.mark.parametrize(("doc", "where"), [
    ({"resourceSpans": {"x": 1}}, "resourceSpans"),
    ({"resourceSpans": [{"scopeSpans": "no"}]}, "resourceSpans[0].scopeSpans"),
    ({"resourceSpans": [{"scopeSpans": [{"spans": [5]}]}]}, "spans[0]"),
    ({"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": TRACE}]}]}]}, "spanId"),
    ({"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": TRACE, "spanId": "0000000000000001", "startTimeUnixNano": "soon"}]}]}]},
     "startTimeUnixNano"),
    ({"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": TRACE, "spanId": "0000000000000001", "startTimeUnixNano": "1",
         "endTimeUnixNano": [1]}]}]}]}, "endTimeUnixNano"),
    ({"data": [{"traceID": "a", "spans": [{"spanID": "b", "startTime": "x"}],
                "processes": {}}]}, "data[0].spans[0].startTime"),
    ({"trace": {}, "observations": [{"id": "o1", "startTime": "yesterday"}]},
     "observations[0].startTime"),
    ({"data": [{"context": {"span_id": "1"}, "span_kind": "LLM", "start_time": None}]},
     "data[0].start_time"),
    ([{"id": "r1", "run_type": "llm", "start_time": "2025-01-01T00:00:00",
       "end_time": {"x": 1}}], "[0].end_time"),
])
def test_wrong_types_name_the_field(doc: Any, where: str) -> None:
    with pytest.raises(SchemaError) as exc:
        read_traces(json.dumps(doc).encode(), name="bad.json")
    assert "bad.json" in str(exc.value)
    assert where in str(exc.value)


def test_attribute_values_of_odd_types_are_tolerated() -> None:
    attrs = [{"key": "a", "value": {"intValue": "12x"}}, {"key": "b", "value": 7},
             {"key": "c", "value": {"doubleValue": "NaN"}}, {"key": 5, "value": {}},
             "junk", {"key": "d", "value": {"arrayValue": {"values": "no"}}},
             {"key": "llm.token_count.prompt", "value": {"stringValue": "many"}}]
    (trace,) = read_traces(otlp([span(1, attributes=attrs, events="x", links=[3],
                                      status="bad")]), name="odd.json")
    assert len(trace.events) == 1
    assert trace.events[0].attributes["a"] == "12x"
    assert trace.events[0].input_tokens is None


def test_non_utf8_and_empty_input_are_refused() -> None:
    with pytest.raises(NotTextError, match=r"latin.json.*0xe9"):
        read_traces(b'{"resourceSpans": [], "x": "caf\xe9"}', name="latin.json")
    with pytest.raises(ReadError, match="empty"):
        read_traces(b"  \n", name="empty.json")
    with pytest.raises(ReadError, match="no spans"):
        read_traces(otlp([]), name="none.json")


def test_bad_json_lines_name_the_line() -> None:
    good = json.dumps(json.loads(otlp([span(1)])))
    with pytest.raises(MalformedError, match=r"l.jsonl, line 2"):
        read_traces((good + "\n{oops\n").encode(), name="l.jsonl")
    with pytest.raises(SchemaError, match=r"l.jsonl, line 2.*spanId"):
        read_traces((good + "\n" + json.dumps(json.loads(otlp([{"traceId": TRACE}]))))
                    .encode(), name="l.jsonl")


def test_size_cap_is_applied() -> None:
    with pytest.raises(TooLargeError, match="limit"):
        read_traces(otlp([span(1)]), name="cap.json", max_bytes=100)


def test_end_before_start_is_repaired_with_a_note() -> None:
    (trace,) = read_traces(otlp([span(1, endTimeUnixNano=str(10**18 - 5))]), name="e.json")
    assert trace.events[0].end_ms == trace.events[0].timestamp
    assert any("end before" in n for n in trace.notes)


def test_overlong_ids_are_refused_not_cut() -> None:
    long_id = "x" * 600
    with pytest.raises(SchemaError, match=r"ids\.json.*spanId.*600 characters"):
        read_traces(otlp([{**span(1), "spanId": long_id}]), name="ids.json")
    with pytest.raises(SchemaError, match=r"ids\.json.*traceId"):
        read_traces(otlp([{**span(1), "traceId": long_id}]), name="ids.json")
