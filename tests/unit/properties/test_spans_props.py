"""Properties of span analysis (``spans``) on random span traces with opaque ids, open
spans, children overflowing their parents and hostile text: the span tree is consistent,
the critical path tiles the end-to-end time, the roll-up agrees with brute-force
definitions, breakdowns and comparisons conserve their totals and filters agree with a
direct check of each span."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_scenarios.spans import (
    breakdown,
    compare_traces,
    critical_ids,
    critical_path,
    filter_spans,
    rollup,
    span_details,
    span_tree,
)
from crucible_scenarios.trace import Trace, TraceEvent
from tests.unit.properties import exercises
from tests.unit.properties.test_trace_props import span_traces

FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _by_id(trace: Trace) -> dict[str, TraceEvent]:
    return {e.id: e for e in trace.events}


def _ancestors(trace: Trace, event: TraceEvent) -> list[str]:
    by_id = _by_id(trace)
    out = []
    while event.parent_id in by_id:
        out.append(event.parent_id)
        event = by_id[event.parent_id]
    return out


@exercises(span_tree)
@FAST
@given(trace=span_traces(max_spans=10))
def test_span_tree_is_consistent(trace: Trace) -> None:
    tree = span_tree(trace)
    ids = trace.ids
    assert sorted(tree.order.tolist()) == list(range(len(ids)))
    rank = {ids[i]: k for k, i in enumerate(tree.order.tolist())}
    for event in trace.events:
        assert tree.depth[event.id] == len(_ancestors(trace, event))
        if event.parent_id in tree.children:
            assert event.id in tree.children[event.parent_id]
            assert rank[event.parent_id] < rank[event.id]
        else:
            assert event.id in tree.roots
    assert sum(len(c) for c in tree.children.values()) + len(tree.roots) == len(ids)


@exercises(critical_path, critical_ids)
@FAST
@given(trace=span_traces(max_spans=10))
def test_critical_path_tiles_time_without_overlap(trace: Trace) -> None:
    path = critical_path(trace)
    starts, finishes = trace.span_times()
    index = {e: i for i, e in enumerate(trace.ids)}
    assert path
    for before, after in itertools.pairwise(path):
        assert before.end_ms <= after.start_ms + 1e-9
    for section in path:
        i = index[section.span_id]
        assert starts[i] - 1e-9 <= section.start_ms <= section.end_ms <= finishes[i] + 1e-9
    roots = [i for i, e in enumerate(trace.events) if e.parent_id not in index]
    if len(roots) == 1:
        r = roots[0]
        total = sum(s.end_ms - s.start_ms for s in path)
        assert math.isclose(total, finishes[r] - starts[r], rel_tol=1e-9, abs_tol=1e-6)
    assert critical_ids(trace) == {s.span_id for s in path}


@exercises(rollup)
@FAST
@given(trace=span_traces(max_spans=10))
def test_rollup_agrees_with_brute_force(trace: Trace) -> None:
    table = rollup(trace)
    starts, finishes = trace.span_times()
    assert list(table["span_id"]) == trace.ids
    assert np.allclose(table["total_ms"], finishes - starts)
    assert (table["self_ms"] >= 0).all()
    assert (table["self_ms"] <= table["total_ms"] + 1e-9).all()

    def is_llm(e: TraceEvent) -> bool:
        return (e.kind == "llm" or e.input_tokens is not None
                or e.output_tokens is not None or e.cost_usd is not None)

    covered = {a for e in trace.events if is_llm(e) for a in _ancestors(trace, e)}
    leaves = [e for e in trace.events if is_llm(e) and e.id not in covered]
    for k, event in enumerate(trace.events):
        mine = [leaf for leaf in leaves
                if leaf.id == event.id or event.id in _ancestors(trace, leaf)]
        known = [leaf.input_tokens for leaf in mine if leaf.input_tokens is not None]
        got = table["input_tokens"].iloc[k]
        assert (pd.isna(got) if not known else got == sum(known))
        costs = [leaf.cost_usd for leaf in mine if leaf.cost_usd is not None]
        got_cost = table["cost_usd"].iloc[k]
        assert (math.isnan(got_cost) if not costs
                else math.isclose(got_cost, sum(costs), rel_tol=1e-9, abs_tol=1e-12))
        # self time by brute force: merge the clipped children's intervals
        kids = [(max(starts[j], starts[k]), min(finishes[j], finishes[k]))
                for j, e in enumerate(trace.events) if e.parent_id == event.id]
        kids = [(a, b) for a, b in kids if b > a]
        merged: list[list[float]] = []
        for a, b in sorted(kids):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        union = sum(b - a for a, b in merged)
        expected_self = max(finishes[k] - starts[k] - union, 0.0)
        assert math.isclose(table["self_ms"].iloc[k], expected_self, rel_tol=1e-9,
                            abs_tol=1e-6)


@exercises(breakdown)
@FAST
@given(trace=span_traces(max_spans=10), by=st.sampled_from(["name", "kind", "model"]))
def test_breakdown_conserves_totals(trace: Trace, by: str) -> None:
    table = breakdown(trace, by)
    spans = rollup(trace)
    assert table["spans"].sum() == len(trace.events)
    assert math.isclose(table["self_ms"].sum(), spans["self_ms"].sum(), rel_tol=1e-9,
                        abs_tol=1e-6)
    assert table["key"].is_unique
    roots = spans[spans["parent_id"].isna()]
    assert table["input_tokens"].sum() == int(roots["input_tokens"].fillna(0).sum())


@exercises(compare_traces)
@FAST
@given(a=span_traces(max_spans=6), b=span_traces(max_spans=6))
def test_compare_traces(a: Trace, b: Trace) -> None:
    same = compare_traces(a, a)
    assert same.only_in_a == same.only_in_b == 0
    assert (same.table["self_ms_change"] == 0).all()
    result = compare_traces(a, b, by="kind")
    assert result.table["spans_a"].sum() == len(a.events)
    assert result.table["spans_b"].sum() == len(b.events)
    kinds_a = {e.kind for e in a.events}
    kinds_b = {e.kind for e in b.events}
    assert result.only_in_a == sum(1 for e in a.events if e.kind not in kinds_b)
    assert result.only_in_b == sum(1 for e in b.events if e.kind not in kinds_a)


@exercises(filter_spans)
@FAST
@given(trace=span_traces(max_spans=10), text=st.sampled_from(["", "script", "<", "a b"]),
       kinds=st.none() | st.lists(st.sampled_from(["llm", "tool", "span"])),
       minimum=st.none() | st.floats(0, 1e5))
def test_filter_spans_agrees_with_each_span(trace: Trace, text: str,
                                            kinds: list[str] | None,
                                            minimum: float | None) -> None:
    mask = filter_spans(trace, text=text, kinds=kinds, min_duration_ms=minimum)
    starts, finishes = trace.span_times()
    for i, event in enumerate(trace.events):
        hay = "\n".join(event.text_fields()).casefold()
        expected = all(term in hay for term in text.casefold().split())
        expected &= kinds is None or event.kind in kinds
        expected &= minimum is None or finishes[i] - starts[i] >= minimum
        assert mask[i] == expected


@exercises(span_details)
@FAST
@given(trace=span_traces(max_spans=8), data=st.data())
def test_span_details_agree_with_rollup(trace: Trace, data: st.DataObject) -> None:
    sid = data.draw(st.sampled_from(trace.ids))
    details = span_details(trace, sid)
    row = rollup(trace).set_index("span_id").loc[sid]
    assert details["self_ms"] == row["self_ms"]
    assert details["duration_ms"] == row["total_ms"]
    assert details["on_critical_path"] == (sid in critical_ids(trace))
    assert details["id"] == sid
