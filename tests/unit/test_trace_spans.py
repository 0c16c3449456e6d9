"""Span analysis of traces: roll-up of time, tokens and cost (leaf LLM spans only),
Jaeger's critical path on hand-built trees, self time with overlapping children, the
span tree of a very deep chain, filters, comparison, and escaping of hostile text in
every export."""

from __future__ import annotations

import html
import json
import re
import time

import numpy as np
import pytest

from crucible_scenarios.trace import (
    SpanEvent,
    Trace,
    TraceEvent,
    breakdown,
    compare_traces,
    critical_path,
    filter_spans,
    from_json,
    rollup,
    span_tree,
)


def span(id_: str, start: float, end: float | None, parent: str | None = None, *,
         kind: str = "span", **kw: object) -> TraceEvent:
    return TraceEvent(id=id_, timestamp=start, type="span", decision=kw.pop("name", id_),  # type: ignore[arg-type]
                      reasoning="", end_ms=end, parent_id=parent, kind=kind,
                      name=id_, **kw)  # type: ignore[arg-type]


def trace_of(*events: TraceEvent) -> Trace:
    ordered = tuple(sorted(events, key=lambda e: e.timestamp))
    return Trace(problem_id="t1", question="root", answer="", events=ordered,
                 model="", trace_id="t1", source_format="otlp-json")


def nested_generations() -> Trace:
    """An agent with an outer generation wrapping an inner one (both carrying the same
    usage, as Vercel's AI SDK writes them), a tool and a second LLM call under it."""
    return trace_of(
        span("root", 0, 100, kind="agent"),
        span("outer", 0, 60, "root", kind="llm", input_tokens=100, output_tokens=20,
             cost_usd=0.002),
        span("inner", 5, 55, "outer", kind="llm", input_tokens=100, output_tokens=20,
             cost_usd=0.002),
        span("tool", 60, 80, "root", kind="tool"),
        span("llm2", 62, 78, "tool", kind="llm", input_tokens=50, output_tokens=5,
             cost_usd=0.001),
    )


def test_rollup_sums_tokens_over_leaf_llm_spans_only() -> None:
    table = rollup(nested_generations()).set_index("span_id")
    # root: the inner generation (100/20) and llm2 (50/5); the outer generation's own
    # usage repeats the inner one's and is not added again.
    assert table.loc["root", "input_tokens"] == 150
    assert table.loc["root", "output_tokens"] == 25
    assert table.loc["root", "cost_usd"] == pytest.approx(0.003)
    assert table.loc["outer", "input_tokens"] == 100
    assert table.loc["tool", "input_tokens"] == 50
    assert table.loc["inner", "output_tokens"] == 20
    assert list(rollup(nested_generations()).columns) == [
        "span_id", "parent_id", "self_ms", "total_ms", "input_tokens", "output_tokens",
        "cost_usd"]
    assert table.loc["llm2", "parent_id"] == "tool"


def test_breakdown_tokens_match_the_root_rollup() -> None:
    trace = nested_generations()
    per_kind = breakdown(trace, "kind")
    assert int(per_kind["input_tokens"].sum()) == 150
    # self times add up to the root's duration when children stay inside their parents
    assert float(per_kind["self_ms"].sum()) == pytest.approx(100.0)


def test_self_time_subtracts_the_union_of_overlapping_children() -> None:
    trace = trace_of(span("p", 0, 100), span("a", 10, 50, "p"), span("b", 30, 70, "p"),
                     span("c", 80, 90, "p"), span("d", 85, 120, "p"))
    table = rollup(trace).set_index("span_id")
    # union of [10,50], [30,70], [80,90], [85,100] (d clipped to p) = 60 + 20 = 80
    assert table.loc["p", "self_ms"] == pytest.approx(20.0)
    assert table.loc["p", "total_ms"] == pytest.approx(100.0)
    assert table.loc["a", "self_ms"] == pytest.approx(40.0)


def _sections(trace: Trace) -> list[tuple[str, float, float]]:
    return [(s.span_id, s.start_ms, s.end_ms) for s in critical_path(trace)
            if s.end_ms > s.start_ms]


def test_critical_path_on_a_hand_built_tree() -> None:
    # root 0-100; A 0-40 (overlaps B); B 30-90 with child C 50-80.
    trace = trace_of(span("root", 0, 100), span("A", 0, 40, "root"),
                     span("B", 30, 90, "root"), span("C", 50, 80, "B"))
    # Backward walk: root owns 90-100 after its last-finishing child B; B owns 80-90
    # after C; C owns 50-80; B owns 30-50; no child of root ends before 30 (A ends at
    # 40), so root owns 0-30.
    assert _sections(trace) == [("root", 0, 30), ("B", 30, 50), ("C", 50, 80),
                                ("B", 80, 90), ("root", 90, 100)]


def test_critical_path_walks_back_to_an_earlier_sibling() -> None:
    trace = trace_of(span("root", 0, 100), span("A", 0, 20, "root"),
                     span("B", 30, 90, "root"), span("A1", 5, 15, "A"))
    assert _sections(trace) == [("A", 0, 5), ("A1", 5, 15), ("A", 15, 20),
                                ("root", 20, 30), ("B", 30, 90), ("root", 90, 100)]
    total = sum(end - start for _, start, end in _sections(trace))
    assert total == pytest.approx(100.0)


def test_span_tree_of_a_chain_ten_thousand_deep() -> None:
    n = 10_000
    events = [span(f"s{i}", float(i), float(2 * n - i), f"s{i - 1}" if i else None)
              for i in range(n)]
    trace = trace_of(*events)
    tree = span_tree(trace)
    assert tree.roots == ("s0",)
    assert tree.depth[f"s{n - 1}"] == n - 1
    assert np.array_equal(tree.order, np.arange(n))
    assert tree.children["s5"] == ("s6",)
    assert len(critical_path(trace)) >= n
    assert rollup(trace)["self_ms"].iloc[-1] == pytest.approx(2.0 * n - 2 * (n - 1))


def test_filters_and_comparison() -> None:
    trace = nested_generations()
    mask = filter_spans(trace, kinds=["llm"], min_duration_ms=20)
    assert [e.id for e, m in zip(trace.events, mask, strict=True) if m] == ["outer", "inner"]
    other = trace_of(span("root", 0, 50, kind="agent"), span("tool", 0, 40, "root",
                                                             kind="tool"))
    result = compare_traces(trace, other, by="name")
    assert result.only_in_a == 3 and result.only_in_b == 0
    row = result.table.set_index("key").loc["root"]
    assert row["self_ms_a"] == pytest.approx(20.0) and row["self_ms_b"] == pytest.approx(10.0)


SCRIPT = "<script>alert('x')</script>"


def hostile() -> Trace:
    evil = f"{SCRIPT} [a](javascript:x) ``` | # **b**"
    root = TraceEvent(id="ab+/=<i>", timestamp=0.0, type="span", decision=evil,
                      reasoning=evil, end_ms=10.0, kind="agent", name=evil,
                      status="error", status_message=evil, model=evil, input_text=evil,
                      output_text=evil, attributes={evil: evil},
                      span_events=(SpanEvent(evil, 1.0, {evil: evil}),))
    child = TraceEvent(id=evil, timestamp=1.0, type="span", decision=evil, reasoning=evil,
                       end_ms=5.0, parent_id="ab+/=<i>", kind="llm", name=evil)
    return Trace(problem_id=evil, question=evil, answer=evil, events=(root, child),
                 model=evil, title=evil, trace_id=evil, source_format="langfuse",
                 notes=(evil,))


def test_script_in_every_text_field_is_escaped_in_every_export() -> None:
    trace = hostile()
    assert from_json(trace.to_json()) == trace
    page = trace.to_html()
    assert "<script" not in page.lower() and html.escape(SCRIPT) in page
    markdown = trace.to_markdown()
    assert not re.search(r"(?<!\\)<", markdown) and "script>" not in markdown
    assert "](javascript" not in markdown
    assert markdown.count(r"\<script\>") >= 8  # every text field, escaped
    mermaid = trace.to_mermaid()
    assert "<script" not in mermaid and '"' not in re.sub(r'\["[^"]*"\]', "", mermaid)
    json.loads(trace.to_json())


def test_rollup_and_critical_path_scale_to_many_spans() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    parents = [None] + [f"s{int(rng.integers(0, i))}" for i in range(1, n)]
    events = [span(f"s{i}", float(i), float(i + 5), parents[i], kind="llm",
                   input_tokens=1, output_tokens=1) for i in range(n)]
    trace = trace_of(*events)
    started = time.perf_counter()
    table = rollup(trace)
    critical_path(trace)
    assert time.perf_counter() - started < 30  # a guard against quadratic blow-up only
    leaves = set(table["span_id"]) - set(table["parent_id"].dropna())
    assert int(table.loc[table["span_id"] == "s0", "input_tokens"].iloc[0]) == len(leaves)
