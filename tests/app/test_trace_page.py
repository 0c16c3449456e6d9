"""The Causal Trace Explorer page through AppTest: default render, deep links, every
control at its extremes, the detail panel, uploads good and bad, replay and downloads."""

from __future__ import annotations

import json
import re

import pytest

from crucible_scenarios.trace import EVENT_TYPES, generate_trace
from tests.app.apptest import assert_clean, open_page

PAGE = "pages/trace.py"
INSTANT = {"speed": "Instant"}


def _text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(e.value) for e in (*at.error, *at.warning, *at.info, *at.success)]
    return "\n".join(parts)


def _metric(at, label: str) -> str:  # type: ignore[no-untyped-def]
    return next(m.value for m in at.metric if m.label == label)


def test_default_render_shows_a_trace_its_details_and_downloads() -> None:
    at = open_page(PAGE, query=INSTANT)
    assert_clean(at)
    trace = generate_trace("med-001", 42)  # first problem, default seed, auto length
    assert _metric(at, "Events") == str(len(trace.events))
    assert _metric(at, "Decision points") == str(len(trace.decision_points()))
    assert _metric(at, "Lowest confidence") == f"{trace.statistics().min_confidence:.0%}"
    assert _metric(at, "Below threshold") == str(len(trace.low_confidence(0.5)))
    first_decision = trace.decision_points()[0]
    assert at.selectbox(key="ev").value == first_decision.id
    text = _text(at)
    assert f"#### {first_decision.id} · " in text
    assert f"{len(trace.events)} of {len(trace.events)} events match" in text
    for alt in first_decision.alternatives:
        assert alt.text.split()[0] in text
    labels = [b.label for b in at.get("download_button")]
    for label in ("Trace (JSON)", "Trace (Markdown)", "Trace (Mermaid)", "Trace (HTML page)"):
        assert label in labels
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == len(trace.events)


def test_deep_link_reproduces_problem_seed_length_and_event() -> None:
    at = open_page(PAGE, query={**INSTANT, "q": "math-007", "seed": "9", "len": "15",
                                "ev": "e05"})
    assert_clean(at)
    trace = generate_trace("math-007", 9, n_steps=15)
    assert _metric(at, "Events") == "15"
    assert at.selectbox(key="ev").value == "e05"
    assert f"#### e05 · {trace.event('e05').type.replace('_', ' ')}" in _text(at)


def test_too_short_length_is_raised_to_the_minimum_with_a_note() -> None:
    at = open_page(PAGE, query={**INSTANT, "q": "math-007", "len": "10"})
    assert_clean(at)
    assert "needs at least 11 events; showing 11" in _text(at)
    assert _metric(at, "Events") == "11"


def test_every_length_and_every_event_renders() -> None:
    at = open_page(PAGE, query={**INSTANT, "q": "code-002"})
    for length in at.selectbox(key="len").options:
        at.selectbox(key="len").set_value(length).run()
        assert_clean(at)
    for event_id in at.selectbox(key="ev").options:
        at.selectbox(key="ev").set_value(event_id).run()
        assert_clean(at)
        assert f"#### {event_id} · " in _text(at)


@pytest.mark.parametrize(("conf", "expected"), [((1.0, 1.0), 0), ((0.0, 0.0), 0),
                                                 ((0.0, 1.0), None)])
def test_confidence_range_extremes(conf: tuple[float, float], expected: int | None) -> None:
    at = open_page(PAGE, query=INSTANT)
    total = len(generate_trace("med-001", 42).events)
    at.slider(key="conf").set_value(conf).run()
    assert_clean(at)
    matching = total if expected is None else expected
    assert f"{matching} of {total} events match" in _text(at)
    if matching == 0:
        assert "No event matches the search and filters" in _text(at)
    assert len(at.dataframe[0].value) == matching


def test_search_text_and_type_filters_agree_with_the_library() -> None:
    at = open_page(PAGE, query=INSTANT)
    trace = generate_trace("med-001", 42)
    total = len(trace.events)
    for text in ("reject", "STEP 1", "zzz-no-such", "<script>alert(1)</script>", "a" * 500):
        at.text_input(key="find").set_value(text).run()
        assert_clean(at)
        assert f"{len(trace.search(text))} of {total} events match" in _text(at)
    at.text_input(key="find").set_value("").run()
    at.multiselect(key="types").set_value([]).run()
    assert_clean(at)
    assert f"0 of {total} events match" in _text(at)
    for event_type in EVENT_TYPES:
        at.multiselect(key="types").set_value([event_type]).run()
        assert_clean(at)
        assert f"{len(trace.search(types=[event_type]))} of {total} events match" in _text(at)


@pytest.mark.parametrize("threshold", [0.05, 0.95])
def test_threshold_extremes(threshold: float) -> None:
    at = open_page(PAGE, query=INSTANT)
    at.slider(key="low").set_value(threshold).run()
    assert_clean(at)
    trace = generate_trace("med-001", 42)
    low = len(trace.low_confidence(threshold))
    assert _metric(at, "Below threshold") == str(low)
    assert f"{low} events fall below the {threshold:.0%} threshold" in _text(at)


def test_seed_extremes_render() -> None:
    at = open_page(PAGE, query=INSTANT)
    for seed in (0, 2**31 - 1):
        at.number_input(key="seed").set_value(seed).run()
        assert_clean(at)
        trace = generate_trace("med-001", seed)
        assert _metric(at, "Events") == str(len(trace.events))


def test_replay_plays_to_the_end() -> None:
    at = open_page(PAGE, query=INSTANT)
    at.button(key="replay").click().run()
    assert_clean(at)
    n = len(generate_trace("med-001", 42).events)
    assert any(m.value.startswith(f"**{n} / {n}**") for m in at.markdown)


def _upload(at, name: str, data: bytes):  # type: ignore[no-untyped-def]
    at.radio(key="src").set_value("Upload a trace").run()
    at.file_uploader(key="upload").set_value((name, data, "application/json")).run()
    return at


def test_uploaded_trace_is_explored() -> None:
    trace = generate_trace("gen-004", 3, n_steps=14)
    at = _upload(open_page(PAGE, query=INSTANT), "mine.json", trace.to_json().encode())
    assert_clean(at)
    assert r"Loaded mine\.json: 14 events." in _text(at)
    assert _metric(at, "Events") == "14"
    assert "gen\\-004" in _text(at)


def test_upload_before_a_file_shows_only_the_uploader() -> None:
    at = open_page(PAGE, query={**INSTANT, "src": "Upload a trace"})
    assert_clean(at)
    assert "Upload a trace file to explore it" in _text(at)
    assert not at.metric and not [s for s in at.selectbox if s.key in ("q", "len")]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"{not json", "not valid JSON: Expecting property name enclosed in double quotes at "
                   "line 1, column 2"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"[1, 2, 3]", "must be a JSON object"),
    (b'{"events": [{"id": "a", "timestamp": 0, "type": "step_started", "decision": "d", '
     b'"confidence": 3}]}', "events[0].confidence must lie in [0.0, 1.0], got 3"),
    (b'{"events": [{"id": "<script>", "timestamp": 0, "type": "step_started", '
     b'"decision": "d", "confidence": 0.5}]}', "events[0].id must be an id"),
    (b'{"events": [{"id": "a", "timestamp": 0, "type": "step_started", "decision": "d", '
     b'"confidence": 0.5}, {"id": "a", "timestamp": 1, "type": "step_started", '
     b'"decision": "d", "confidence": 0.5}]}', "Event id 'a' is used more than once"),
    (b"[" * 100_000 + b"]" * 100_000, "nests JSON arrays or objects too deeply"),
])
def test_bad_uploads_get_a_precise_message_and_nothing_mock(
        data: bytes, message: str) -> None:
    at = _upload(open_page(PAGE, query=INSTANT), "bad.json", data)
    assert_clean(at)
    errors = [re.sub(r"\\(.)", r"\1", str(e.value)) for e in at.error]  # unescape
    assert any(message in e for e in errors), errors
    assert not at.metric  # no mock trace under the error
    assert not [s for s in at.selectbox if s.key in ("q", "len")]  # nor its controls
    # back to the mock source, the mock trace and its controls return
    at.radio(key="src").set_value("Mock problem").run()
    assert _metric(at, "Events") == str(len(generate_trace("med-001", 42).events))


def test_inconsistent_upload_warns_and_is_still_explored() -> None:
    doc = json.loads(generate_trace("math-001", 1).to_json())
    doc["events"][3]["depends_on"] = ["ghost"]
    doc["events"][1]["parent_id"] = doc["events"][5]["id"]
    doc["events"][5]["depends_on"].append(doc["events"][1]["id"])
    at = _upload(open_page(PAGE, query=INSTANT), "odd.json", json.dumps(doc).encode())
    assert_clean(at)
    warnings = " ".join(str(w.value) for w in at.warning)
    assert "ghost" in warnings and "cycle" in warnings
    assert _metric(at, "Events") == str(len(doc["events"]))
    at.selectbox(key="ev").set_value(doc["events"][3]["id"]).run()
    assert_clean(at)
    assert "missing: ghost" in _text(at)


def test_hostile_text_in_an_upload_is_shown_escaped() -> None:
    doc = json.loads(generate_trace("med-002", 1).to_json())
    doc["events"][0]["decision"] = "<img src=x onerror=alert(1)> **bold** [link](http://x)"
    at = _upload(open_page(PAGE, query={**INSTANT, "ev": doc["events"][0]["id"]}),
                 "x.json", json.dumps(doc).encode())
    assert_clean(at)
    at.selectbox(key="ev").set_value(doc["events"][0]["id"]).run()
    body = next(m.value for m in at.markdown if m.value.startswith("**Decision:**"))
    assert "\\<img" in body and "\\*\\*bold\\*\\*" in body and "\\[link\\]" in body


def test_deep_link_with_filters_reproduces_the_matching_events() -> None:
    at = open_page(PAGE, query={**INSTANT, "q": "math-003", "find": "step",
                                "types": "hypothesis_formed", "low": "0.7"})
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    trace = generate_trace("math-003", 42)
    matching = trace.search("step", ["hypothesis_formed"])
    assert f"{len(matching)} of {len(trace.events)} events match" in _text(at)
    assert [str(v) for v in at.dataframe[0].value["event"]] == [e.id for e in matching]
    assert _metric(at, "Below threshold") == str(len(trace.low_confidence(0.7)))
