"""Span analysis: roll-up of time, tokens and cost, Jaeger's critical path, span trees,
breakdowns, comparisons and filters, checked against hand-computed figures and
brute-force definitions."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from crucible_scenarios.trace import (
    CriticalSection,
    SpanEvent,
    Trace,
    TraceEvent,
    breakdown,
    compare_traces,
    critical_path,
    filter_spans,
    from_json,
    generate_trace,
    rollup,
    span_details,
    span_tree,
)
from tests.shared_fixtures import shared_fixture


def span(sid: str, start: float, end: float | None, parent: str | None = None,
         kind: str = "span", **extra: object) -> TraceEvent:
    return TraceEvent(id=sid, timestamp=start, type="span", decision=sid, reasoning="",
                      parent_id=parent, end_ms=end, kind=kind, name=str(extra.pop(
                          "name", sid)), **extra)  # type: ignore[arg-type]


def make(*events: TraceEvent) -> Trace:
    ordered = tuple(sorted(events, key=lambda e: e.timestamp))
    return Trace(problem_id="t", question="q", answer="", events=ordered, model="",
                 source_format="otlp-json", trace_id="t")


# --- roll-up ---------------------------------------------------------------------------

def nested_generation_trace() -> Trace:
    """A chain with a generation nested in a generation (both carrying the same usage,
    as Vercel's AI SDK writes them), a tool, and a second plain generation."""
    return make(
        span("root", 0, 100, kind="chain"),
        span("outer", 5, 60, "root", kind="llm", input_tokens=100, output_tokens=50,
             cost_usd=0.3, model="m1"),
        span("inner", 6, 59, "outer", kind="llm", input_tokens=100, output_tokens=50,
             cost_usd=0.3, model="m1"),
        span("tool", 60, 70, "root", kind="tool"),
        span("second", 70, 95, "root", kind="llm", input_tokens=10, output_tokens=5,
             cost_usd=0.01, model="m2"),
    )


def test_rollup_counts_leaf_llm_spans_once() -> None:
    table = rollup(nested_generation_trace()).set_index("span_id")
    assert list(rollup(nested_generation_trace()).columns) == [
        "span_id", "parent_id", "self_ms", "total_ms", "input_tokens", "output_tokens",
        "cost_usd"]
    assert table.loc["root", "input_tokens"] == 110
    assert table.loc["root", "output_tokens"] == 55
    assert table.loc["root", "cost_usd"] == pytest.approx(0.31)
    assert table.loc["outer", "input_tokens"] == 100  # not 200
    assert table.loc["inner", "input_tokens"] == 100
    assert pd.isna(table.loc["tool", "input_tokens"])
    assert table.loc["outer", "parent_id"] == "root"
    assert table.loc["root", "parent_id"] is None


def leaf_sums_brute_force(trace: Trace) -> dict[str, tuple[int, int]]:
    """For every span: tokens over spans in its subtree that carry usage (or are llm)
    and have no such span beneath them, by walking each span's ancestors."""
    by_id = {e.id: e for e in trace.events}

    def is_llm(e: TraceEvent) -> bool:
        return e.kind == "llm" or e.input_tokens is not None or e.output_tokens is not None

    def ancestors(e: TraceEvent) -> list[str]:
        out = []
        while e.parent_id in by_id:
            out.append(e.parent_id)
            e = by_id[e.parent_id]
        return out

    covered = {a for e in trace.events if is_llm(e) for a in ancestors(e)}
    sums = {e.id: [0, 0] for e in trace.events}
    for e in trace.events:
        if is_llm(e) and e.id not in covered:
            for target in [e.id, *ancestors(e)]:
                sums[target][0] += e.input_tokens or 0
                sums[target][1] += e.output_tokens or 0
    return {k: (v[0], v[1]) for k, v in sums.items()}


@pytest.mark.parametrize("name", ["langfuse-agno-2025-06-11.trace.json",
                                  "langfuse-vercel-aisdk-2025-11-17.trace.json",
                                  "agentevals-tempo_export_with_batches.json"])
def test_rollup_matches_brute_force_on_real_exports(name: str) -> None:
    from crucible_io.traces import read_traces
    for trace in read_traces(shared_fixture("traces", name)):
        table = rollup(trace).set_index("span_id")
        expected = leaf_sums_brute_force(trace)
        for sid, (inp, out) in expected.items():
            got_in = table.loc[sid, "input_tokens"]
            got_out = table.loc[sid, "output_tokens"]
            assert (0 if pd.isna(got_in) else got_in) == inp, (name, sid)
            assert (0 if pd.isna(got_out) else got_out) == out, (name, sid)


def test_agno_totals_match_the_figures_read_off_the_file() -> None:
    """Agno's nested generations: leaves 663 + 163 in, 225 + 20 out (read by hand)."""
    from crucible_io.traces import read_traces
    trace = read_traces(shared_fixture("traces", "langfuse-agno-2025-06-11.trace.json"))[0]
    table = rollup(trace)
    root = table[table["parent_id"].isna()].iloc[0]
    assert (root["input_tokens"], root["output_tokens"]) == (663 + 163, 225 + 20)


def test_self_time_subtracts_the_union_of_overlapping_children() -> None:
    trace = make(span("p", 0, 100), span("a", 10, 50, "p"), span("b", 30, 70, "p"),
                 span("c", 90, 120, "p"), span("d", 40, 45, "a"))
    table = rollup(trace).set_index("span_id")
    # union of [10,50], [30,70], [90,100] (c clipped to the parent) = 60 + 10
    assert table.loc["p", "self_ms"] == pytest.approx(30.0)
    assert table.loc["p", "total_ms"] == pytest.approx(100.0)
    assert table.loc["a", "self_ms"] == pytest.approx(35.0)
    assert table.loc["c", "self_ms"] == pytest.approx(30.0)


def test_open_span_runs_to_the_trace_end() -> None:
    trace = make(span("p", 0, 50), TraceEvent("o", 10.0, "span", "o", "", parent_id="p",
                                               is_open=True), span("late", 20, 80, "p"))
    table = rollup(trace).set_index("span_id")
    assert table.loc["o", "total_ms"] == pytest.approx(70.0)
    _starts, finishes = trace.span_times()
    assert finishes[trace.ids.index("o")] == 80.0


# --- critical path ---------------------------------------------------------------------

def test_critical_path_on_a_hand_built_tree() -> None:
    """Jaeger's walk: root's last-finishing child B, B's last child D, back to B, C
    (the child finishing before D starts), back to B and the root."""
    trace = make(span("root", 0, 100), span("A", 10, 40, "root"), span("B", 20, 90, "root"),
                 span("C", 30, 60, "B"), span("D", 65, 80, "B"))
    path = critical_path(trace)
    assert path == [CriticalSection("root", 0, 20), CriticalSection("B", 20, 30),
                    CriticalSection("C", 30, 60), CriticalSection("B", 60, 65),
                    CriticalSection("D", 65, 80), CriticalSection("B", 80, 90),
                    CriticalSection("root", 90, 100)]
    assert sum(s.end_ms - s.start_ms for s in path) == 100
    assert "A" not in {s.span_id for s in path}


def test_critical_path_clips_children_that_overflow_their_parent() -> None:
    trace = make(span("root", 0, 50), span("x", 10, 80, "root"))
    assert critical_path(trace) == [CriticalSection("root", 0, 10),
                                    CriticalSection("x", 10, 50)]


def test_critical_path_of_several_roots_and_of_point_events() -> None:
    trace = make(span("r1", 0, 10), span("r2", 20, 30))
    assert critical_path(trace) == [CriticalSection("r1", 0, 10),
                                    CriticalSection("r2", 20, 30)]
    mock = generate_trace("math-001", 3)
    path = critical_path(mock)
    assert path and all(s.end_ms >= s.start_ms for s in path)


# --- deep chains and trees -------------------------------------------------------------

def test_a_ten_thousand_deep_chain() -> None:
    n = 10_000
    events = [span(f"s{i}", float(i), float(2 * n - i), f"s{i - 1}" if i else None,
                   kind="llm" if i == n - 1 else "chain",
                   **({"input_tokens": 7, "output_tokens": 3} if i == n - 1 else {}))
              for i in range(n)]
    trace = make(*events)
    tree = span_tree(trace)
    assert tree.roots == ("s0",)
    assert tree.depth[f"s{n - 1}"] == n - 1
    assert list(tree.order) == list(range(n))
    table = rollup(trace)
    assert (table["input_tokens"] == 7).all()
    assert np.allclose(table["self_ms"].to_numpy()[:-1], 2.0)
    path = critical_path(trace)
    assert len(path) == 2 * n - 1
    assert sum(s.end_ms - s.start_ms for s in path) == pytest.approx(2 * n)


def test_span_tree_children_and_a_cycle() -> None:
    trace = nested_generation_trace()
    tree = span_tree(trace)
    assert tree.children["root"] == ("outer", "tool", "second")
    assert tree.depth == {"root": 0, "outer": 1, "inner": 2, "tool": 1, "second": 1}
    assert [trace.events[i].id for i in tree.order] == ["root", "outer", "inner", "tool",
                                                        "second"]
    cyclic = make(span("a", 0, 1, "b"), span("b", 0, 1, "a"))
    with pytest.raises(ValueError, match="cycle"):
        span_tree(cyclic)


# --- breakdown, comparison, filters ------------------------------------------------------

def test_breakdown_per_kind_and_model() -> None:
    trace = nested_generation_trace()
    kinds = breakdown(trace, "kind").set_index("key")
    assert kinds.loc["llm", "spans"] == 3
    assert kinds.loc["llm", "input_tokens"] == 110
    assert kinds.loc["llm", "cost_usd"] == pytest.approx(0.31)
    table = rollup(trace)
    assert kinds["self_ms"].sum() == pytest.approx(table["self_ms"].sum())
    models = breakdown(trace, "model").set_index("key")
    assert models.loc["m1", "input_tokens"] == 100
    assert models.loc["m2", "output_tokens"] == 5
    with pytest.raises(ValueError, match="by must be"):
        breakdown(trace, "colour")


def test_compare_traces_side_by_side() -> None:
    a = nested_generation_trace()
    b = make(span("root", 0, 200, kind="chain"),
             span("second", 10, 150, "root", kind="llm", input_tokens=30, output_tokens=9),
             span("extra", 150, 160, "root"), span("extra2", 160, 170, "root", name="extra"))
    comparison = compare_traces(a, b)
    table = comparison.table.set_index("key")
    assert table.loc["second", "input_tokens_a"] == 10
    assert table.loc["second", "input_tokens_b"] == 30
    assert table.loc["second", "input_tokens_change"] == 20
    assert table.loc["extra", "spans_a"] == 0 and table.loc["extra", "spans_b"] == 2
    assert comparison.only_in_a == 3  # outer, inner, tool
    assert comparison.only_in_b == 2
    by_kind = compare_traces(a, b, by="kind")
    assert by_kind.only_in_a == 1  # the tool


def test_filter_spans() -> None:
    trace = make(span("root", 0, 100, kind="chain"),
                 span("call", 5, 60, "root", kind="llm", status="error",
                      input_text="What is the refund policy?",
                      attributes={"user.id": "alice"}),
                 span("tool", 60, 61, "root", kind="tool", status="ok"))
    assert filter_spans(trace).all()
    assert list(filter_spans(trace, text="REFUND")) == [False, True, False]
    assert list(filter_spans(trace, text="alice")) == [False, True, False]
    assert list(filter_spans(trace, kinds=["tool", "chain"])) == [True, False, True]
    assert list(filter_spans(trace, statuses=["error"])) == [False, True, False]
    assert list(filter_spans(trace, min_duration_ms=50)) == [True, True, False]
    with pytest.raises(ValueError, match="min_duration_ms"):
        filter_spans(trace, min_duration_ms=float("nan"))
    with pytest.raises(ValueError, match="kinds"):
        filter_spans(trace, kinds="llm")


def test_span_details() -> None:
    trace = nested_generation_trace()
    details = span_details(trace, "outer")
    assert details["duration_ms"] == 55.0
    assert details["self_ms"] == pytest.approx(2.0)
    assert details["rolled_up_input_tokens"] == 100
    assert details["children"] == 1
    assert details["parent_id"] == "root"
    assert span_details(trace, "root")["on_critical_path"]
    with pytest.raises(ValueError):
        span_details(trace, "nope")


# --- hostile text in every field ---------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def hostile_trace() -> Trace:
    events = (
        TraceEvent(id=SCRIPT + "+/=", timestamp=0.0, type="span", decision=SCRIPT,
                   reasoning=SCRIPT, end_ms=10.0, kind="llm", name=SCRIPT,
                   status="error", status_message=SCRIPT, model=SCRIPT, input_tokens=1,
                   output_tokens=2, cost_usd=0.5, input_text=SCRIPT, output_text=SCRIPT,
                   attributes={SCRIPT: SCRIPT},
                   span_events=(SpanEvent(SCRIPT, 1.0, {SCRIPT: SCRIPT}),)),
        TraceEvent(id="c" + SCRIPT, timestamp=1.0, type="span", decision=SCRIPT,
                   reasoning="", parent_id=SCRIPT + "+/=", end_ms=2.0, kind="tool",
                   name=SCRIPT),
    )
    return Trace(problem_id=SCRIPT, question=SCRIPT, answer=SCRIPT, events=events,
                 model=SCRIPT, title=SCRIPT, trace_id=SCRIPT, source_format="otlp-json",
                 notes=(SCRIPT,))


def test_script_in_every_text_field_is_escaped_in_every_export() -> None:
    trace = hostile_trace()
    assert from_json(trace.to_json()) == trace
    assert json.loads(trace.to_json())["events"][0]["attributes"] == {SCRIPT: SCRIPT}
    page = trace.to_html()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page
    markdown = trace.to_markdown()
    assert re.search(r"(?<!\\)<", markdown) is None
    mermaid = trace.to_mermaid()
    assert "<script" not in mermaid and "</script" not in mermaid
    assert re.search(r"<(?!br/>)", mermaid) is None
