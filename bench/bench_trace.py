"""Causal trace speed: generating, summarizing and exporting a 15-event trace, searching a
10,000-event uploaded trace, and a filter change for the page-rerun benchmark."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_scenarios.trace import from_json, generate_trace


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
    return out


def change_widget(at: AppTest, i: int) -> None:
    """Move the confidence-range filter back and forth (specs are cached per filter)."""
    at.slider(key="conf").set_value((0.0, 1.0) if i % 2 else (0.3, 0.9))
