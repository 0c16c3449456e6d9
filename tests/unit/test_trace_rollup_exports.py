"""Span roll-up and critical path on the real exports in the shared fixtures (token sums
checked against a brute-force walk over each span's ancestors and against figures read
off the files), open spans, children overflowing their parent, several roots and the
details of one span."""

from __future__ import annotations

import pandas as pd
import pytest

from crucible_scenarios.trace import (
    CriticalSection,
    Trace,
    TraceEvent,
    critical_path,
    generate_trace,
    rollup,
    span_details,
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


def test_open_span_runs_to_the_trace_end() -> None:
    trace = make(span("p", 0, 50), TraceEvent("o", 10.0, "span", "o", "", parent_id="p",
                                               is_open=True), span("late", 20, 80, "p"))
    table = rollup(trace).set_index("span_id")
    assert table.loc["o", "total_ms"] == pytest.approx(70.0)
    _starts, finishes = trace.span_times()
    assert finishes[trace.ids.index("o")] == 80.0


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
