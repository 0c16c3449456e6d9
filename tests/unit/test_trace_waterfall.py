"""The waterfall and breakdown chart builders of span traces: rows in depth-first order
indented by depth, pages of 100 rows on a 2,000-span trace, zero-length events as marks
on their parent's row, critical path and errors flagged, and specs that pass Vega-Lite
schema validation."""

from __future__ import annotations

import json

import numpy as np

from crucible_scenarios.trace import Trace, TraceEvent, breakdown, critical_ids
from crucible_ui.trace.charts import PAGE_ROWS, breakdown_chart, waterfall_chart, waterfall_rows


def _span(id_: str, start: float, end: float, parent: str | None = None,
          kind: str = "span", status: str = "unset") -> TraceEvent:
    return TraceEvent(id=id_, timestamp=start, type="span", decision=id_, reasoning="",
                      end_ms=end, parent_id=parent, kind=kind, name=id_, status=status)


def _trace(events: list[TraceEvent]) -> Trace:
    return Trace("t", "root", "", tuple(sorted(events, key=lambda e: e.timestamp)),
                 source_format="otlp-json", trace_id="t")


def test_rows_nest_marks_and_flags() -> None:
    trace = _trace([_span("root", 0, 100, kind="agent"), _span("b", 50, 90, "root", "llm"),
                    _span("a", 10, 40, "root", "tool", "error"),
                    _span("a1", 15, 30, "a"), _span("ping", 60, 60, "b", "event")])
    rows, marks, total = waterfall_rows(trace)
    assert total == 4 and list(rows["id"]) == ["root", "a", "a1", "b"]
    assert list(rows["depth"]) == [0, 1, 2, 1]
    assert rows.loc[rows["id"] == "a1", "label"].item() == "3. · · a1"
    assert marks["id"].tolist() == ["ping"]
    assert marks["label"].item() == rows.loc[rows["id"] == "b", "label"].item()
    assert rows.set_index("id")["error"].to_dict() == {"root": False, "a": True,
                                                       "a1": False, "b": False}
    assert set(rows.loc[rows["critical"], "id"]) == critical_ids(trace) - {"ping"}
    spec = waterfall_chart(rows, marks, chosen="a").to_dict()  # validates the schema
    assert '"name": "span_pick"' in json.dumps(spec)
    breakdown_chart(breakdown(trace, "kind"), "kind").to_dict()


def test_a_two_thousand_span_trace_is_drawn_a_page_at_a_time() -> None:
    rng = np.random.default_rng(5)
    n = 2_000
    events = [_span("s0", 0, 10_000)]
    for i in range(1, n):
        start = float(i)
        events.append(_span(f"s{i}", start, start + 3, f"s{int(rng.integers(0, i))}"))
    trace = _trace(events)
    rows, _, total = waterfall_rows(trace, page=3)
    assert total == n and len(rows) == PAGE_ROWS
    assert rows["row"].tolist() == list(range(3 * PAGE_ROWS + 1, 4 * PAGE_ROWS + 1))
    shallow, _, total_shallow = waterfall_rows(trace, max_depth=1)
    assert total_shallow == 1 + sum(e.parent_id == "s0" for e in trace.events)
    assert shallow["depth"].max() <= 1
