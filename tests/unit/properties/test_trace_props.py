"""Properties of reasoning traces (``trace``): on random traces whose text fields carry
hostile markup, the lookups and search agree with brute-force definitions, the JSON and
dict forms round-trip exactly, and the HTML, Markdown and Mermaid exports stay well formed;
malformed documents raise :class:`TraceFormatError` (a ``ValueError``) naming the field,
never ``KeyError``, ``TypeError`` or ``RecursionError``."""

from __future__ import annotations

import json
import math
import re
import string
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crucible_mock.datasets import CATEGORIES, get_bank
from crucible_scenarios.trace import (
    EVENT_TYPES,
    MAX_TEXT,
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
from tests.unit.properties import exercises

FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ITEM_IDS = [item.id for category in CATEGORIES for item in get_bank(category)]

#: Fragments that break naive HTML, Markdown or Mermaid output when not escaped.
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</td></tr>",
           '"]:::evil\n  A-->B', "\n## heading", "**bold** _it_", "[x](javascript:alert(1))",
           "&amp; &lt;", "#60;", "<br/>", "`code`", "| a | b |", "\\", "\r\n\t", "--> n0",
           "{{x}}", "%%{init}%%", "'\"", "\u2028", "ß Σ İ"]
texts = st.one_of(st.text(max_size=40),
                  st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8)),
                           max_size=4).map("".join))
ids = st.from_regex(r"[A-Za-z0-9_.:-]{1,12}", fullmatch=True)
unit = st.floats(0.0, 1.0)


@st.composite
def traces(draw: st.DrawFn, min_events: int = 0, max_events: int = 8) -> Trace:
    """A valid trace: unique ids, time-ordered, links pointing only to earlier events."""
    event_ids = draw(st.lists(ids, min_size=min_events, max_size=max_events, unique=True))
    stamps = sorted(draw(st.lists(st.floats(0.0, 1e7), min_size=len(event_ids),
                                  max_size=len(event_ids))))
    events = []
    for i, (event_id, stamp) in enumerate(zip(event_ids, stamps, strict=True)):
        earlier = event_ids[:i]
        alternatives = tuple(draw(st.lists(st.builds(Alternative, texts, unit, texts),
                                           max_size=3)))
        events.append(TraceEvent(
            id=event_id, timestamp=stamp, type=draw(st.sampled_from(EVENT_TYPES)),
            decision=draw(texts), reasoning=draw(texts), alternatives=alternatives,
            confidence=draw(unit),
            parent_id=draw(st.sampled_from(earlier)) if earlier and draw(st.booleans())
            else None,
            depends_on=tuple(draw(st.lists(st.sampled_from(earlier), max_size=3, unique=True)))
            if earlier else ()))
    return Trace(problem_id=draw(texts), question=draw(texts), answer=draw(texts),
                 events=tuple(events), model=draw(texts),
                 expected_answer=draw(st.none() | texts), title=draw(texts))


def _normalized(text: str) -> str:
    return " ".join(text.split())


# --- events and lookups ----------------------------------------------------------------------

@exercises(TraceEvent.causes, TraceEvent.text_fields)
@FAST
@given(trace=traces(min_events=1))
def test_causes_and_text_fields_of_each_event(trace: Trace) -> None:
    for event in trace.events:
        causes = event.causes()
        assert len(set(causes)) == len(causes)
        expected = set(event.depends_on) | ({event.parent_id} if event.parent_id else set())
        assert set(causes) == expected
        if event.parent_id:
            assert causes[0] == event.parent_id
        fields = event.text_fields()
        assert fields[:4] == [event.id, event.type, event.decision, event.reasoning]
        assert len(fields) == 4 + 2 * len(event.alternatives)
        for alt in event.alternatives:
            assert alt.text in fields and alt.reason_rejected in fields


@exercises(Trace.event, Trace.parents, Trace.children)
@FAST
@given(trace=traces(min_events=1))
def test_parents_and_children_match_brute_force(trace: Trace) -> None:
    by_id = {e.id: e for e in trace.events}
    for event in trace.events:
        assert trace.event(event.id) is event
        assert trace.parents(event.id) == [by_id[c] for c in event.causes() if c in by_id]
        assert trace.children(event.id) == [e for e in trace.events if event.id in e.causes()]
        for child in trace.children(event.id):
            assert event in trace.parents(child.id)


@exercises(Trace.event, Trace.parents, Trace.children)
@FAST
@given(trace=traces(), missing=st.one_of(ids, st.text(max_size=5), st.integers(), st.none(),
                                         st.lists(st.integers(), max_size=2)))
def test_lookups_of_unknown_ids_name_the_argument(trace: Trace, missing: object) -> None:
    assume(missing not in [e.id for e in trace.events])
    with pytest.raises(ValueError, match="event_id"):
        trace.event(missing)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="event_id"):
        trace.parents(missing)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="event_id"):
        trace.children(missing)  # type: ignore[arg-type]


@exercises(Trace.decision_points, Trace.low_confidence)
@FAST
@given(trace=traces(), threshold=unit)
def test_decision_points_and_low_confidence_match_their_definitions(trace: Trace,
                                                                    threshold: float) -> None:
    assert trace.decision_points() == [e for e in trace.events if len(e.alternatives) > 0]
    assert trace.low_confidence(threshold) == [e for e in trace.events
                                               if e.confidence < threshold]
    assert trace.low_confidence(0.0) == []


@exercises(Trace.low_confidence)
@FAST
@given(trace=traces(), threshold=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.0001),
                                           st.sampled_from([math.nan, math.inf]),
                                           st.text(max_size=3), st.none()))
def test_low_confidence_rejects_thresholds_outside_the_unit_interval(trace: Trace,
                                                                      threshold: object) -> None:
    with pytest.raises(ValueError, match="threshold"):
        trace.low_confidence(threshold)  # type: ignore[arg-type]


# --- search ---------------------------------------------------------------------------------

@exercises(Trace.search, Trace.search_mask)
@FAST
@given(trace=traces(), text=st.none() | texts,
       types=st.none() | st.lists(st.sampled_from(EVENT_TYPES), max_size=4),
       low=st.none() | unit, high=st.none() | unit)
def test_search_matches_a_brute_force_reference(trace: Trace, text: str | None,
                                                types: list[str] | None, low: float | None,
                                                high: float | None) -> None:
    assume(low is None or high is None or low <= high)
    found = trace.search(text, types, low, high)
    terms = (text or "").casefold().split()

    def matches(event: TraceEvent) -> bool:
        fields = [f.casefold() for f in event.text_fields()]
        return (all(any(term in f for f in fields) for term in terms)
                and (types is None or event.type in types)
                and (low is None or event.confidence >= low)
                and (high is None or event.confidence <= high))

    assert found == [e for e in trace.events if matches(e)]
    mask = trace.search_mask(text, types, low, high)
    assert [e for e, hit in zip(trace.events, mask, strict=True) if hit] == found


@exercises(Trace.search)
@FAST
@given(trace=traces(min_events=1), data=st.data())
def test_search_for_part_of_a_decision_finds_its_event(trace: Trace,
                                                       data: st.DataObject) -> None:
    event = data.draw(st.sampled_from(trace.events))
    start = data.draw(st.integers(0, len(event.decision)))
    query = event.decision[start:start + data.draw(st.integers(0, 12))]
    found = trace.search(query)
    assert event in found
    for hit in found:
        haystack = " ".join(hit.text_fields()).casefold()
        assert all(term in haystack for term in query.casefold().split())


@exercises(Trace.search, Trace.search_mask)
@FAST
@given(trace=traces(), low=unit, high=unit,
       bad_type=st.text(max_size=12).filter(lambda t: t not in EVENT_TYPES),
       bad_bound=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.0001),
                           st.just(math.nan)),
       bad_text=st.one_of(st.integers(), st.lists(st.text(max_size=2), max_size=2)))
def test_search_rejects_bad_criteria(trace: Trace, low: float, high: float, bad_type: str,
                                     bad_bound: float, bad_text: object) -> None:
    assume(low > high)
    with pytest.raises(ValueError, match="min_confidence"):
        trace.search(min_confidence=low, max_confidence=high)
    with pytest.raises(ValueError, match="types"):
        trace.search(types=["hypothesis_formed", bad_type])
    with pytest.raises(ValueError, match="types"):
        trace.search_mask(types=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_confidence"):
        trace.search_mask(min_confidence=bad_bound)
    with pytest.raises(ValueError, match="max_confidence"):
        trace.search(max_confidence=bad_bound)
    with pytest.raises(ValueError, match="text"):
        trace.search(bad_text)  # type: ignore[arg-type]


# --- prefixes and statistics -------------------------------------------------------------------

@exercises(Trace.prefix, iter_replay)
@FAST
@given(trace=traces(), data=st.data())
def test_prefixes_and_replay(trace: Trace, data: st.DataObject) -> None:
    n = data.draw(st.integers(0, len(trace.events)))
    part = trace.prefix(n)
    assert part.events == trace.events[:n]
    assert (part.problem_id, part.question, part.answer, part.model, part.title,
            part.expected_answer) == (trace.problem_id, trace.question, trace.answer,
                                      trace.model, trace.title, trace.expected_answer)
    frames = list(iter_replay(trace))
    assert [len(f.events) for f in frames] == list(range(1, len(trace.events) + 1))
    if frames:
        assert frames[-1] == trace
    with pytest.raises(ValueError, match=r"^n "):
        trace.prefix(len(trace.events) + data.draw(st.integers(1, 5)))
    with pytest.raises(ValueError, match=r"^n "):
        trace.prefix(-data.draw(st.integers(1, 5)))
    with pytest.raises(ValueError, match="trace"):
        next(iter_replay(trace.to_dict()))  # type: ignore[arg-type]


@exercises(Trace.statistics, Trace.decision_points)
@FAST
@given(trace=traces())
def test_statistics_agree_with_the_events(trace: Trace) -> None:
    stats = trace.statistics()
    events = trace.events
    assert stats.n_events == len(events) == sum(stats.events_per_type.values())
    assert set(stats.events_per_type) == set(EVENT_TYPES)
    for name in EVENT_TYPES:
        assert stats.events_per_type[name] == sum(e.type == name for e in events)
    assert stats.n_alternatives == sum(len(e.alternatives) for e in events)
    assert stats.n_decision_points == len(trace.decision_points())
    if not events:
        assert math.isnan(stats.mean_confidence) and stats.duration_ms == 0
        return
    conf = [e.confidence for e in events]
    assert stats.min_confidence == min(conf) and stats.final_confidence == conf[-1]
    assert min(conf) - 1e-12 <= stats.mean_confidence <= max(conf) + 1e-12
    assert stats.duration_ms == events[-1].timestamp - events[0].timestamp >= 0
    assert trace.validate() == []


# --- JSON and dict round trips -------------------------------------------------------------

@exercises(Trace.to_dict, trace_from_dict)
@FAST
@given(trace=traces(min_events=1))
def test_dict_round_trip_is_exact(trace: Trace) -> None:
    doc = trace.to_dict()
    assert trace_from_dict(doc) == trace
    # The dict holds only plain JSON values.
    assert json.loads(json.dumps(doc)) == doc


@exercises(Trace.to_json, from_json)
@FAST
@given(trace=traces(min_events=1))
def test_json_round_trip_is_exact(trace: Trace) -> None:
    text = trace.to_json()
    back = from_json(text)
    assert back == trace
    assert back.to_json() == text
    assert from_json(text.encode("utf-8")) == trace


def _json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                        st.text(max_size=6), st.integers(min_value=10**310, max_value=10**320))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
        max_leaves=max_leaves)


@exercises(from_json)
@FAST
@given(text=st.one_of(st.text(max_size=60), st.binary(max_size=30),
                      st.integers(1, 200_000).map(lambda n: "[" * n),
                      st.integers(1, 200_000).map(lambda n: '{"a":' * n),
                      _json_values().map(json.dumps)))
def test_from_json_raises_only_trace_format_errors(text: str | bytes) -> None:
    try:
        trace = from_json(text)
    except TraceFormatError:
        return
    assert isinstance(trace, Trace) and trace.events


@exercises(from_json)
@FAST
@given(value=st.one_of(st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2),
                       st.floats()))
def test_from_json_rejects_non_text(value: object) -> None:
    with pytest.raises(TraceFormatError, match="text"):
        from_json(value)  # type: ignore[arg-type]


#: Event fields with the value kinds that are valid for them.
_FIELDS = {"id": "id", "timestamp": "number", "type": "type", "decision": "text",
           "reasoning": "text", "alternatives": "list", "confidence": "unit",
           "parent_id": "id", "depends_on": "ids"}


def _valid_for(kind: str, value: Any) -> bool:
    if kind == "text":
        return isinstance(value, str) and len(value) <= MAX_TEXT
    if kind == "type":
        return value in EVENT_TYPES
    if kind == "id":
        return isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", value) is not None
    if kind == "list":
        return isinstance(value, list) and not value
    if kind == "ids":
        return isinstance(value, list) and all(_valid_for("id", v) for v in value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        number = float(value)
    except OverflowError:
        return False
    return math.isfinite(number) and number >= 0 and (kind == "number" or number <= 1)


@exercises(trace_from_dict, Trace.to_dict)
@FAST
@given(trace=traces(min_events=1), data=st.data(), value=_json_values(4))
def test_a_corrupted_event_field_is_named(trace: Trace, data: st.DataObject,
                                          value: Any) -> None:
    doc = trace.to_dict()
    i = data.draw(st.integers(0, len(trace.events) - 1))
    key = data.draw(st.sampled_from(sorted(_FIELDS)))
    assume(not _valid_for(_FIELDS[key], value))
    if key == "parent_id":
        assume(value is not None)
    doc["events"][i][key] = value
    with pytest.raises(TraceFormatError, match=re.escape(f"events[{i}].")):
        trace_from_dict(doc)
    with pytest.raises(TraceFormatError, match=re.escape(f"events[{i}].")):
        from_json(json.dumps(doc))


@exercises(trace_from_dict)
@FAST
@given(doc=st.one_of(_json_values(), st.dictionaries(
    st.sampled_from(["format", "version", "events", "problem_id", "title", "model"]),
    _json_values(4), max_size=4)))
def test_trace_from_dict_on_arbitrary_documents(doc: Any) -> None:
    try:
        trace = trace_from_dict(doc)
    except TraceFormatError as exc:
        assert str(exc)
        return
    assert isinstance(trace, Trace) and trace.events


def test_deeply_nested_values_are_format_errors() -> None:
    """A field nested 100 000 deep (too deep for ``repr``) is still named, not a crash."""
    nested: list[Any] = []
    for _ in range(100_000):
        nested = [nested]
    event = {"id": "a", "type": "step_started", "decision": nested, "timestamp": 1,
             "confidence": 0.5}
    with pytest.raises(TraceFormatError, match=re.escape("events[0].decision")):
        trace_from_dict({"events": [event]})


# --- exports ------------------------------------------------------------------------------

_ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "p", "b", "svg",
                 "polyline", "table", "thead", "tbody", "tr", "th", "td", "span", "ul", "li",
                 "div", "br"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@exercises(Trace.to_html)
@FAST
@given(trace=traces())
def test_html_export_never_lets_text_become_markup(trace: Trace) -> None:
    page = trace.to_html()
    parser = _Collector()
    parser.feed(page)
    parser.close()
    assert set(parser.tags) <= _ALLOWED_TAGS
    assert not any(name.startswith("on") for name in parser.attributes)
    assert parser.tags.count("tr") == len(trace.events) + 1
    text = "".join(parser.text)
    fields = [trace.question, trace.answer, trace.model, trace.problem_id]
    for event in trace.events:
        fields += event.text_fields()
    for field in fields:
        # html.escape keeps every character, so the parsed text holds each field verbatim
        # (a lone carriage return is the one character HTML parsing normalizes).
        assert field.replace("\r", "\n") in text.replace("\r", "\n")


_INLINE_SPECIALS = set("\\`*_[]<>#|~&!")


def _unescape_markdown(rendered: str) -> str:
    """CommonMark backslash escapes read back; fails on an unescaped special character."""
    out = []
    chars = iter(rendered)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars)
            assert nxt in string.punctuation, rendered
            out.append(nxt)
        else:
            assert ch not in _INLINE_SPECIALS, (ch, rendered)
            out.append(ch)
    return "".join(out)


@exercises(Trace.to_markdown)
@FAST
@given(trace=traces())
def test_markdown_export_keeps_its_structure_under_hostile_text(trace: Trace) -> None:
    lines = trace.to_markdown().split("\n")
    assert sum(line.startswith("# ") for line in lines) == 1
    assert sum(line.startswith("## ") for line in lines) == len(trace.events)
    # The document's trailing white space is stripped, so an empty last field may lose the
    # space after its label.
    decisions = [line for line in lines if line.startswith("**Decision:**")]
    reasonings = [line for line in lines if line.startswith("**Reasoning:**")]
    assert len(decisions) == len(reasonings) == len(trace.events)
    for event, decision, reasoning in zip(trace.events, decisions, reasonings, strict=True):
        shown = decision.removeprefix("**Decision:**").removeprefix(" ")
        assert _unescape_markdown(shown) == _normalized(event.decision)
        shown = reasoning.removeprefix("**Reasoning:**").removeprefix(" ")
        assert _unescape_markdown(shown) == _normalized(event.reasoning)
    bullets = [line for line in lines if line.startswith("- ")]
    assert len(bullets) == sum(len(e.alternatives) for e in trace.events)


_NODE = re.compile(r'    n(\d+)\["([^"\[\]\n]*)"\]:::t_[a-z_]*')
_EDGE = re.compile(r"    n(\d+) (-->|-\.->) n(\d+)")


@exercises(Trace.to_mermaid)
@FAST
@given(trace=traces())
def test_mermaid_export_is_well_formed_under_hostile_text(trace: Trace) -> None:
    lines = trace.to_mermaid().rstrip("\n").split("\n")
    assert lines[0] == "flowchart TD"
    nodes = [_NODE.fullmatch(line) for line in lines if line.startswith("    n") and "[" in line]
    assert len(nodes) == len(trace.events) and all(nodes)
    index = {e.id: i for i, e in enumerate(trace.events)}
    for match, event in zip(nodes, trace.events, strict=True):
        assert match is not None
        head, sep, decision = match[2].partition("<br/>")
        assert sep and "<" not in decision and ">" not in decision and "<" not in head
        shown = re.sub(r"#(\d+);", lambda m: chr(int(m[1])), decision)
        full = _normalized(event.decision)
        assert shown == full or (shown.endswith("…") and full.startswith(shown[:-1]))
    edges = [_EDGE.fullmatch(line) for line in lines if "->" in line]
    assert all(edges)
    expected = {(index[c], index[e.id]) for e in trace.events for c in e.causes()}
    assert {(int(m[1]), int(m[3])) for m in edges if m} == expected
    others = [line for line in lines[1:] if not line.startswith("    n")]
    assert all(line.startswith("    classDef t_") for line in others)


# --- generated traces ---------------------------------------------------------------------

@exercises(minimum_events, generate_trace, Trace.validate)
@settings(max_examples=25, deadline=None)
@given(item_id=st.sampled_from(ITEM_IDS), seed=st.integers(0, 2**32 - 1),
       extra=st.integers(0, 30))
def test_generated_traces_have_the_requested_size(item_id: str, seed: int,
                                                  extra: int) -> None:
    fewest = minimum_events(item_id)
    trace = generate_trace(item_id, seed, n_steps=fewest + extra)
    assert len(trace.events) == fewest + extra
    assert trace.validate() == []
    assert generate_trace(item_id, seed, n_steps=fewest + extra) == trace
    assert from_json(trace.to_json()) == trace
    with pytest.raises(ValueError, match="n_steps"):
        generate_trace(item_id, seed, n_steps=fewest - 1)


@exercises(minimum_events, generate_trace)
@FAST
@given(problem=st.one_of(st.text(max_size=10), st.integers(), st.none()),
       seed=st.one_of(st.integers(max_value=-1), st.floats(), st.text(max_size=2)))
def test_unknown_problems_and_bad_seeds_are_named(problem: object, seed: object) -> None:
    assume(problem not in ITEM_IDS)
    with pytest.raises(ValueError, match="problem"):
        minimum_events(problem)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="problem"):
        generate_trace(problem, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed"):
        generate_trace(ITEM_IDS[0], seed)  # type: ignore[arg-type]


# --- imported span traces --------------------------------------------------------------------

#: Opaque span ids: hex, base64 (with + / =), UUIDs and hostile markup all allowed.
span_ids = st.one_of(st.text(string.hexdigits.lower(), min_size=16, max_size=32),
                     st.text(string.ascii_letters + string.digits + "+/=", min_size=1,
                             max_size=24),
                     st.sampled_from(HOSTILE).filter(bool))
SPAN_KIND_CHOICES = ("llm", "tool", "retriever", "chain", "agent", "embedding", "span",
                     "event")


@st.composite
def span_traces(draw: st.DrawFn, min_spans: int = 1, max_spans: int = 8) -> Trace:
    """An imported span trace: opaque ids, parents earlier in start order, ends at or
    after starts (or open), tokens and cost on some spans, hostile text everywhere."""
    from crucible_scenarios.trace import SpanEvent
    event_ids = draw(st.lists(span_ids, min_size=min_spans, max_size=max_spans, unique=True))
    starts = sorted(draw(st.lists(st.floats(0.0, 1e6), min_size=len(event_ids),
                                  max_size=len(event_ids))))
    events = []
    for i, (event_id, start) in enumerate(zip(event_ids, starts, strict=True)):
        earlier = event_ids[:i]
        is_open = draw(st.booleans()) and draw(st.booleans())
        end = None if is_open else start + draw(st.floats(0.0, 1e5))
        kind = draw(st.sampled_from(SPAN_KIND_CHOICES))
        llm = kind == "llm"
        tokens = st.none() | st.integers(0, 10_000)
        events.append(TraceEvent(
            id=event_id, timestamp=start, type="span", decision=draw(texts),
            reasoning=draw(texts), confidence=0.5,
            parent_id=draw(st.sampled_from(earlier)) if earlier and draw(st.booleans())
            else None,
            end_ms=end, is_open=is_open, kind=kind, name=draw(texts),
            status=draw(st.sampled_from(("ok", "error", "unset"))),
            status_message=draw(texts), model=draw(st.none() | texts) if llm else None,
            input_tokens=draw(tokens) if llm else None,
            output_tokens=draw(tokens) if llm else None,
            cost_usd=draw(st.none() | st.floats(0.0, 10.0)) if llm else None,
            input_text=draw(texts), output_text=draw(texts),
            attributes=draw(st.dictionaries(texts, texts | st.integers(-5, 5), max_size=3)),
            span_events=tuple(SpanEvent(draw(texts), start, {"k": draw(texts)})
                              for _ in range(draw(st.integers(0, 2))))))
    return Trace(problem_id=draw(texts), question=draw(texts), answer=draw(texts),
                 events=tuple(events), model=draw(texts), title=draw(texts),
                 trace_id=draw(span_ids), source_format="otlp-json",
                 start_unix_ns=draw(st.none() | st.integers(0, 2**63)),
                 notes=tuple(draw(st.lists(texts, max_size=2))))


@exercises(Trace.span_times, Trace.to_json, Trace.validate, Trace.statistics)
@FAST
@given(trace=span_traces())
def test_span_traces_round_trip_and_time(trace: Trace) -> None:
    assert trace.is_spans
    assert from_json(trace.to_json()) == trace
    assert trace.validate() == []
    starts, finishes = trace.span_times()
    last = max(max(starts), max(e.end_ms for e in trace.events if e.end_ms is not None)
               if any(e.end_ms is not None for e in trace.events) else max(starts))
    for event, start, finish in zip(trace.events, starts, finishes, strict=True):
        assert start == event.start_ms == event.timestamp
        if event.is_open:
            assert finish == last
        else:
            assert finish == event.finish_ms == event.end_ms
            assert event.duration_ms == event.end_ms - event.timestamp >= 0
    assert trace.statistics().duration_ms == pytest.approx(max(finishes) - min(starts))


@exercises(Trace.to_html, Trace.to_markdown, Trace.to_mermaid)
@FAST
@given(trace=span_traces())
def test_span_exports_escape_opaque_ids(trace: Trace) -> None:
    page = trace.to_html()
    mermaid = trace.to_mermaid()
    markdown = trace.to_markdown()
    for output in (page, mermaid):
        assert "<script>" not in output and "<img" not in output
    # Markdown escapes by backslash: no unescaped "<" is left.
    assert re.search(r"(?<!\\)<", markdown) is None
