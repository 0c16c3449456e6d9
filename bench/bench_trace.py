"""Causal trace speed: generating, summarizing and exporting a 15-event trace, searching a
10,000-event uploaded trace, rolling up and walking the critical path of a 100,000-span
trace, and a filter change for the page-rerun benchmark."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_scenarios.trace import (
    Trace,
    TraceEvent,
    critical_path,
    from_json,
    generate_trace,
    rollup,
)


def span_trace(n: int, seed: int = 0) -> Trace:
    """A random ``n``-span trace: each span's parent drawn among the earlier spans (a
    random recursive tree, depth about ln n), every third span an LLM call with tokens."""
    rng = np.random.default_rng(seed)
    starts = np.sort(rng.uniform(0.0, 1e5, n))
    starts[0] = 0.0
    ends = starts + rng.uniform(0.0, 100.0, n)
    ends[0] = 2e5
    parents = [None] + [f"s{int(p)}" for p in rng.integers(0, np.arange(1, n))]
    events = tuple(
        TraceEvent(id=f"s{i}", timestamp=float(starts[i]), type="span", decision="op",
                   reasoning="", parent_id=parents[i], end_ms=float(ends[i]),
                   kind="llm" if i % 3 == 0 else "tool",
                   input_tokens=int(i % 50) if i % 3 == 0 else None,
                   output_tokens=int(i % 7) if i % 3 == 0 else None)
        for i in range(n))
    return Trace("bench", "bench", "", events, source_format="otlp-json", trace_id="bench")


def rows() -> list[Row]:
    def small() -> None:
        trace = generate_trace("math-007", 1, n_steps=15)
        trace.statistics()
        trace.to_html()

    out = [Row("trace", "generate_trace + statistics + to_html, 15 events",
               median_seconds(small, repeat=21), "s", 0.020)]
    text = generate_trace("math-007", 2, n_steps=10_000).to_json()
    seconds = median_seconds(lambda: from_json(text), repeat=3)
    out.append(Row("trace", "read a 10,000-event trace JSON (upload parse)", seconds, "s"))
    uploaded = from_json(text)
    uploaded.search("warm")  # the page searches a parsed trace kept in its cache
    for label, kwargs in (
            ("text 'pass 3'", {"text": "pass 3"}),
            ("text + types + confidence", {"text": "step", "types": ["constraint_evaluated",
                                                                    "hypothesis_formed"],
                                           "min_confidence": 0.3, "max_confidence": 0.95})):
        seconds = median_seconds(lambda k=kwargs: uploaded.search(**k), repeat=11)
        out.append(Row("trace", f"search a 10,000-event uploaded trace, {label}", seconds,
                       "s", 0.050))
    spans = span_trace(100_000)

    def analyse() -> None:
        # a fresh copy each time, so the cached parent/usage arrays are rebuilt
        fresh = Trace(spans.problem_id, spans.question, spans.answer, spans.events,
                      source_format=spans.source_format)
        rollup(fresh)
        critical_path(fresh)

    out.append(Row("trace", "rollup + critical_path, 100,000 spans (cold trace)",
                   median_seconds(analyse, repeat=5), "s", 0.3))
    out.append(span_page_rerun(2_000))
    return out


def span_page_rerun(n: int, reruns: int = 9) -> Row:
    """Median page rerun after a span filter change (the kind filter toggled) with an
    uploaded ``n``-span trace in our JSON, measured through AppTest like bench_pages."""
    import statistics
    import time

    data = span_trace(n, seed=1).to_json().encode()
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "pages" / "trace.py"
    at = AppTest.from_file(str(page), default_timeout=120)
    at.query_params["speed"] = "Instant"
    at.run()
    at.radio(key="src").set_value("Upload a trace").run()
    at.file_uploader(key="upload").set_value(("bench.json", data, "application/json")).run()
    times = []
    for i in range(reruns):
        at.multiselect(key="skinds").set_value(["llm", "tool"] if i % 2 else ["llm"])
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    failed = " (exception on page)" if at.exception else ""
    return Row("trace", f"span page rerun after a kind-filter change, {n:,}-span upload"
               + failed, statistics.median(times), "s", 0.100)


def change_widget(at: AppTest, i: int) -> None:
    """Move the confidence-range filter back and forth (specs are cached per filter)."""
    at.slider(key="conf").set_value((0.0, 1.0) if i % 2 else (0.3, 0.9))
