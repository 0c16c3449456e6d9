"""The causal trace library: generated traces are coherent and valid, search and the
graph helpers follow their stated semantics (checked against brute-force references),
exports round-trip and escape whatever text a trace carries."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from html.parser import HTMLParser

import numpy as np
import pytest

from crucible_mock.datasets import CATEGORIES, get_bank, get_item
from crucible_scenarios.trace import (
    EVENT_TYPES,
    Alternative,
    Trace,
    TraceEvent,
    TraceFormatError,
    from_json,
    generate_trace,
    iter_replay,
    minimum_events,
    trace_from_dict,
)

ALL_ITEMS = [item for category in CATEGORIES for item in get_bank(category)]
ARITH = re.compile(r"(\d+) ([x+\-/]) (\d+) = (\d+)")


def _reference_order_is_acyclic(trace: Trace) -> bool:
    """Kahn's algorithm written out, independent of graphlib."""
    ids = {e.id for e in trace.events}
    indegree = {e.id: 0 for e in trace.events}
    edges: dict[str, list[str]] = {e.id: [] for e in trace.events}
    for e in trace.events:
        for cause in set(e.causes()):
            if cause in ids:
                edges[cause].append(e.id)
                indegree[e.id] += 1
    ready = [i for i, d in indegree.items() if d == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for child in edges[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return seen == len(ids)


@pytest.mark.parametrize("seed", [0, 7])
def test_every_dataset_item_gives_a_valid_coherent_trace(seed: int) -> None:
    for item in ALL_ITEMS:
        trace = generate_trace(item, seed)
        ids = [e.id for e in trace.events]
        assert 10 <= len(trace.events) <= 15, item.id
        assert trace.validate() == [], (item.id, trace.validate())
        assert len(set(ids)) == len(ids)
        stamps = np.array([e.timestamp for e in trace.events])
        assert stamps[0] == 0.0 and np.all(np.diff(stamps) > 0), item.id
        for event in trace.events:
            assert event.type in EVENT_TYPES
            assert 0.0 <= event.confidence <= 1.0
            assert all(c in ids[: ids.index(event.id)] for c in event.causes()), event
        assert _reference_order_is_acyclic(trace)
        # the hypotheses are the worked solution, in order, and the trace commits the answer
        hypotheses = [e.decision for e in trace.events if e.type == "hypothesis_formed"]
        if item.solution_steps:
            assert tuple(hypotheses) == item.solution_steps
        final = trace.events[-1]
        assert final.type == "answer_committed"
        assert final.decision == f"Answer: {item.answer}"
        assert trace.answer == item.answer == trace.expected_answer
        assert [a.text for a in final.alternatives] == list(item.distractors)
        assert all(item.answer != a.text for a in final.alternatives)


def test_arithmetic_alternatives_are_really_wrong() -> None:
    checked = 0
    for item in get_bank("math"):
        trace = generate_trace(item, 3)
        for event in trace.events:
            if event.type != "hypothesis_formed":
                continue
            right = re.findall(r"\d+", event.decision)[-1]
            for alt in event.alternatives:
                assert alt.text != event.decision
                assert re.findall(r"\d+", alt.text)[-1] != right, (event.decision, alt.text)
                assert alt.reason_rejected.startswith("Rejected")
                assert 0 <= alt.score < event.confidence
                checked += 1
    assert checked > 200


def test_confidence_dips_at_the_ambiguity_and_recovers() -> None:
    for item in ALL_ITEMS[::5]:
        trace = generate_trace(item, 11)
        types = [e.type for e in trace.events]
        conf = [e.confidence for e in trace.events]
        amb = types.index("ambiguity_flagged")
        assert types[amb + 1] == "confidence_updated"
        assert conf[amb] < conf[amb - 1]
        assert conf[amb + 1] > conf[amb]
        assert min(conf) == conf[amb] or min(conf) == conf[0]
        assert conf[-1] == max(conf)


def test_same_seed_same_trace_other_seed_other_trace() -> None:
    a = generate_trace("math-004", 123)
    assert generate_trace("math-004", 123) == a
    assert generate_trace("math-004", np.random.default_rng(123)) == a
    assert generate_trace("math-004", 124) != a


def test_n_steps_sets_the_event_count_and_is_validated() -> None:
    item = get_item("med-002")
    low = minimum_events(item)
    assert low == 7 + len(item.solution_steps)
    for n in (low, 15, 40, 1000):
        trace = generate_trace(item, 5, n_steps=n)
        assert len(trace.events) == n
        assert trace.validate() == []
    with pytest.raises(ValueError, match="n_steps"):
        generate_trace(item, 5, n_steps=low - 1)
    with pytest.raises(ValueError, match="n_steps"):
        generate_trace(item, 5, n_steps=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed"):
        generate_trace(item, -1)
    with pytest.raises(ValueError, match="problem"):
        generate_trace("nope-001", 1)


# --- search and graph helpers --------------------------------------------------------------

def _brute_search(trace: Trace, text, types, low, high) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for e in trace.events:
        blob = " ".join([e.id, e.type, e.decision, e.reasoning]
                        + [a.text + " " + a.reason_rejected for a in e.alternatives]).lower()
        if text and not all(word.lower() in blob for word in text.split()):
            continue
        if types is not None and e.type not in types:
            continue
        if low is not None and e.confidence < low:
            continue
        if high is not None and e.confidence > high:
            continue
        out.append(e.id)
    return out


def test_search_matches_a_brute_force_reference() -> None:
    trace = generate_trace("math-007", 2, n_steps=60)
    rng = np.random.default_rng(0)
    texts = [None, "", "step", "STEP 2", "re-check pass", "rejected", "zzz", "Answer:", "e0"]
    for _ in range(300):
        text = texts[int(rng.integers(len(texts)))]
        types = None if rng.random() < 0.3 else list(
            rng.choice(EVENT_TYPES, size=int(rng.integers(0, 4)), replace=False))
        low = None if rng.random() < 0.3 else float(rng.uniform(0, 0.6))
        high = None if rng.random() < 0.3 else float(rng.uniform(0.6, 1.0))
        got = [e.id for e in trace.search(text, types, low, high)]
        assert got == _brute_search(trace, text, types, low, high), (text, types, low, high)


def test_search_bounds_are_inclusive_and_arguments_checked() -> None:
    trace = generate_trace("gen-003", 1)
    conf = trace.events[4].confidence
    assert trace.events[4] in trace.search(min_confidence=conf, max_confidence=conf)
    assert trace.search(types=[]) == []
    assert trace.search() == list(trace.events)
    with pytest.raises(ValueError, match="types"):
        trace.search(types=["guess"])
    with pytest.raises(ValueError, match="min_confidence"):
        trace.search(min_confidence=0.8, max_confidence=0.2)
    with pytest.raises(ValueError, match="max_confidence"):
        trace.search(max_confidence=1.5)


def test_decision_points_and_low_confidence() -> None:
    trace = generate_trace("med-010", 4)
    assert trace.decision_points() == [e for e in trace.events if len(e.alternatives) > 0]
    threshold = sorted(e.confidence for e in trace.events)[3]
    low = trace.low_confidence(threshold)
    assert len(low) == sum(1 for e in trace.events if e.confidence < threshold) >= 1
    assert all(e.confidence < threshold for e in low)
    assert trace.low_confidence(0.0) == []
    with pytest.raises(ValueError, match="threshold"):
        trace.low_confidence(1.2)


def test_parents_and_children_are_inverse_relations() -> None:
    trace = generate_trace("math-010", 9, n_steps=30)
    for event in trace.events:
        for parent in trace.parents(event.id):
            assert event in trace.children(parent.id)
        for child in trace.children(event.id):
            assert event in trace.parents(child.id)
    root = trace.events[0]
    assert trace.parents(root.id) == []
    assert {e.parent_id for e in trace.children(root.id) if e.parent_id} == {root.id} | {
        e.parent_id for e in trace.children(root.id)} - {None}
    with pytest.raises(ValueError, match="event_id"):
        trace.children("missing")


def _event(id_: str, t: float, parent: str | None = None, deps: tuple[str, ...] = (),
           conf: float = 0.5) -> TraceEvent:
    return TraceEvent(id_, t, "hypothesis_formed", "d", "r", (), conf, parent, deps)


def test_validate_reports_dangling_links_cycles_and_order() -> None:
    ok = Trace("p", "q", "a", (_event("a", 0), _event("b", 1, "a"), _event("c", 2, "a", ("b",))))
    assert ok.validate() == []
    dangling = Trace("p", "q", "a", (_event("a", 0), _event("b", 1, "ghost")))
    assert any("'ghost'" in m and "not in the trace" in m for m in dangling.validate())
    cycle = Trace("p", "q", "a", (_event("a", 0, "c"), _event("b", 1, "a"),
                                  _event("c", 2, "b")))
    assert any("cycle" in m for m in cycle.validate())
    assert not _reference_order_is_acyclic(cycle)
    selfref = Trace("p", "q", "a", (_event("a", 0, None, ("a",)),))
    assert any("itself" in m for m in selfref.validate())
    backwards = Trace("p", "q", "a", (_event("a", 5), _event("b", 1)))
    assert any("comes before" in m for m in backwards.validate())
    dup = Trace("p", "q", "a", (_event("a", 0), _event("a", 1)))
    assert any("more than once" in m for m in dup.validate())


def test_statistics_match_an_independent_count() -> None:
    trace = generate_trace("math-002", 8, n_steps=25)
    stats = trace.statistics()
    conf = [e.confidence for e in trace.events]
    assert stats.n_events == 25
    assert stats.events_per_type == {t: Counter(e.type for e in trace.events)[t]
                                     for t in EVENT_TYPES}
    assert stats.mean_confidence == pytest.approx(statistics.fmean(conf), abs=1e-12)
    assert stats.min_confidence == min(conf)
    assert stats.final_confidence == conf[-1]
    assert stats.duration_ms == pytest.approx(trace.events[-1].timestamp)
    assert stats.n_alternatives == sum(len(e.alternatives) for e in trace.events)
    assert stats.n_decision_points == len(trace.decision_points())


def test_iter_replay_yields_growing_prefixes() -> None:
    trace = generate_trace("code-001", 2)
    prefixes = list(iter_replay(trace))
    assert [len(p.events) for p in prefixes] == list(range(1, len(trace.events) + 1))
    assert prefixes[-1] == trace


# --- exports ----------------------------------------------------------------------------

HOSTILE = "<script>alert('{}')</script> & \"quotes\" [x](javascript:y) #{{}} | `tick`"


def hostile_trace() -> Trace:
    """A trace whose every text field carries a distinct script tag and markup."""
    counter = iter(range(1000))

    def h() -> str:
        return HOSTILE.format(next(counter))

    events = (
        TraceEvent("e1", 0.0, "step_started", h(), h(), (), 0.4, None, ()),
        TraceEvent("e2", 10.5, "hypothesis_formed", h(), h(),
                   (Alternative(h(), 0.2, h()), Alternative(h(), 0.1, h())), 0.6, "e1", ()),
        TraceEvent("e3", 20.25, "answer_committed", h(), h(), (Alternative(h(), 0.3, h()),),
                   0.9, "e1", ("e2",)),
    )
    return Trace(h(), h(), h(), events, model=h(), expected_answer=h(), title=h())


def _all_texts(trace: Trace) -> list[str]:
    texts = [trace.problem_id, trace.question, trace.answer, trace.model, trace.title,
             trace.expected_answer or ""]
    for event in trace.events:
        texts += [event.decision, event.reasoning]
        texts += [x for a in event.alternatives for x in (a.text, a.reason_rejected)]
    return texts


def test_json_round_trip_is_exact() -> None:
    for trace in (generate_trace("med-001", 1), generate_trace("math-099", 2, n_steps=200),
                  hostile_trace()):
        text = trace.to_json()
        back = from_json(text)
        assert back == trace
        assert back.to_json() == text
    unicode = Trace("p", "日本語 ✓ 😀", "a", (_event("a", 0.1 + 0.2, conf=1 / 3),))
    assert from_json(unicode.to_json()) == unicode


@pytest.mark.parametrize(("doc", "message"), [
    ("{", "not valid JSON: .* line 1, column 2"),
    ("[1, 2]", "JSON object"),
    ('{"events": []}', "empty"),
    ('{"events": 3}', "no 'events' list"),
    ('{"format": "other", "events": []}', "format must be"),
    ('{"version": 9, "events": []}', "version 9"),
    ('{"events": [{"id": "a", "timestamp": 0, "type": "hypothesis_formed", '
     '"decision": "d", "confidence": 1.7}]}', r"events\[0\].confidence must lie in \[0.0, 1.0\]"),
    ('{"events": [{"id": "a", "timestamp": 0, "type": "guess", "decision": "d", '
     '"confidence": 0.5}]}', r"events\[0\].type 'guess' is not an event type"),
    ('{"events": [{"id": "a b", "timestamp": 0, "type": "step_started", "decision": "d", '
     '"confidence": 0.5}]}', r"events\[0\].id must be an id"),
    ('{"events": [{"id": "a", "type": "step_started", "decision": "d", '
     '"confidence": 0.5}]}', r"events\[0\] is missing the field 'timestamp'"),
    ('{"events": [{"id": "a", "timestamp": "soon", "type": "step_started", "decision": "d", '
     '"confidence": 0.5}]}', r"events\[0\].timestamp must be a finite number"),
    ('{"events": [{"id": "a", "timestamp": 0, "type": "step_started", "decision": 5, '
     '"confidence": 0.5}]}', r"events\[0\].decision must be text"),
    ('{"events": [{"id": "a", "timestamp": 0, "type": "step_started", "decision": "d", '
     '"confidence": 0.5, "alternatives": [{"text": "x", "score": 2}]}]}',
     r"events\[0\].alternatives\[0\].score must lie in"),
    ('{"events": [{"id": "a", "timestamp": 0, "type": "step_started", "decision": "d", '
     '"confidence": 0.5, "depends_on": "b"}]}', r"events\[0\].depends_on must be a list"),
])
def test_from_json_names_the_bad_field(doc: str, message: str) -> None:
    with pytest.raises(TraceFormatError, match=message):
        from_json(doc)


def test_from_dict_fills_optional_fields() -> None:
    trace = trace_from_dict({"events": [{"id": "a", "timestamp": 0, "type": "step_started",
                                         "decision": "start", "confidence": 0.5}]})
    assert trace.problem_id == "uploaded"
    assert trace.events[0].alternatives == () and trace.events[0].parent_id is None


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_export_escapes_every_field_and_is_standalone() -> None:
    trace = hostile_trace()
    page = trace.to_html()
    assert "<script" not in page.lower()
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert not any(name in ("src", "href") or (name.startswith("on")) for name, _ in
                   parser.attrs)
    assert "http" not in page
    shown = "".join(parser.text)
    for text in _all_texts(trace):
        assert text in shown, text  # each field appears, as text, after unescaping
    for event in trace.events:
        assert event.id in shown
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_markdown_export_escapes_markup() -> None:
    trace = hostile_trace()
    md = trace.to_markdown()
    assert "<script>" not in md
    assert "\\<script\\>" in md
    assert "[x](javascript" not in md
    assert md.count("## ") == len(trace.events)


MERMAID_NODE = re.compile(r'^    (n\d+)\["([^"]*)"\]:::(t_[a-z_]+)$')
MERMAID_EDGE = re.compile(r"^    (n\d+) (-->|-\.->) (n\d+)$")


@pytest.mark.parametrize("make", [
    lambda: generate_trace("math-001", 3),
    lambda: generate_trace("gen-010", 1, n_steps=40),
    hostile_trace,
    lambda: Trace("p", "q", "a", (_event("x", 0), _event("x", 1, "x"),
                                  _event("y", 2, "ghost", ("x", "nowhere")))),
])
def test_mermaid_is_well_formed(make) -> None:  # type: ignore[no-untyped-def]
    trace = make()
    lines = trace.to_mermaid().splitlines()
    assert lines[0] == "flowchart TD"
    nodes, edges = [], []
    for line in lines[1:]:
        if line.startswith("    classDef "):
            continue
        node, edge = MERMAID_NODE.match(line), MERMAID_EDGE.match(line)
        assert node or edge, line
        if node:
            nodes.append(node[1])
            label = node[2].replace("<br/>", "")
            assert not re.search(r"[<>\"\[\]{}|`&]", label), label
        else:
            edges.append((edge[1], edge[3]))
    assert len(nodes) == len(set(nodes)) == len(trace.events)
    assert all(a in nodes and b in nodes and a != b for a, b in edges)
    assert len(edges) == len(set(edges))
    if trace.validate() == []:
        expected = sum(len(e.causes()) for e in trace.events)
        assert len(edges) == expected


def test_exports_of_a_generated_trace_mention_every_event() -> None:
    trace = generate_trace("med-005", 6)
    page, md, doc = trace.to_html(), trace.to_markdown(), json.loads(trace.to_json())
    assert len(doc["events"]) == len(trace.events)
    for event in trace.events:
        assert f"<td>{event.id}</td>" in page
        assert f"## {event.id} " in md


# --- malformed input (regressions) ------------------------------------------------------------


def _doc(**event: object) -> dict[str, object]:
    base: dict[str, object] = {"id": "a", "type": "step_started", "decision": "d",
                               "timestamp": 1, "confidence": 0.5}
    return {"events": [{**base, **event}]}


def test_nesting_and_huge_numbers_are_format_errors() -> None:
    with pytest.raises(TraceFormatError, match="too deeply"):  # not a RecursionError
        from_json("[" * 200_000)
    with pytest.raises(TraceFormatError, match="text must be"):  # not a TypeError
        from_json(5)  # type: ignore[arg-type]
    huge = json.dumps(_doc()).replace('"timestamp": 1', '"timestamp": 1' + "0" * 400)
    with pytest.raises(TraceFormatError, match=r"events\[0\].timestamp"):  # not a TypeError
        from_json(huge)
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]
    for field in ("decision", "id", "parent_id"):  # too deep for repr()
        with pytest.raises(TraceFormatError, match=rf"events\[0\].{field}"):
            trace_from_dict(_doc(**{field: nested}))
    with pytest.raises(TraceFormatError, match="format"):
        trace_from_dict({**_doc(), "format": nested})


def test_lookups_and_search_name_arguments_of_the_wrong_type() -> None:
    trace = generate_trace("math-001", 0)
    with pytest.raises(ValueError, match="event_id"):  # not a TypeError (unhashable)
        trace.event(["e01"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="text"):  # not an AttributeError
        trace.search(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="types"):  # not a TypeError
        trace.search(types=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="types"):
        trace.search_mask(types=[None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="trace"):  # not an AttributeError
        list(iter_replay(trace.to_json()))  # type: ignore[arg-type]


def test_a_line_break_typed_into_a_decision_stays_text_in_mermaid() -> None:
    event = TraceEvent("e1", 0.0, "hypothesis_formed", "one<br/>two", "why")
    line = Trace("p", "q", "a", (event,)).to_mermaid().splitlines()[1]
    # Only the break between the id line and the decision remains markup.
    assert line.count("<br/>") == 1
    assert "one#60;br/#62;two" in line
