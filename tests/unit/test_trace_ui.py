"""The trace page's chart builders (Vega-Lite specs), upload reader, table and detail
text, as pure functions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crucible_scenarios.trace import EVENT_TYPES, generate_trace
from crucible_ui.charts import PALETTE
from crucible_ui.trace.reasoning_charts import (
    PICK,
    TYPE_COLORS,
    TYPE_LABELS,
    TYPE_SHAPES,
    timeline_chart,
    timeline_frame,
    uncertainty_chart,
    uncertainty_frame,
)
from crucible_ui.trace.reasoning_data import (
    detail_markdown,
    event_table,
    exports,
    read_trace_upload,
    thin_mask,
)

TRACE = generate_trace("math-001", 42)


def _data(spec: dict, name: str | None = None) -> list[dict]:  # type: ignore[type-arg]
    datasets = spec["datasets"]
    key = name or next(iter(datasets))
    return datasets[key]  # type: ignore[no-any-return]


def test_timeline_spec_has_a_point_selection_on_id_and_type_encodings() -> None:
    mask = TRACE.search_mask(types=["hypothesis_formed", "answer_committed"])
    spec = timeline_chart(timeline_frame(TRACE, mask, TRACE.events[-1].id)).to_dict()
    assert spec["mark"]["type"] == "point"
    params = {p["name"]: p for p in spec["params"]}
    assert params[PICK]["select"] == {"type": "point", "fields": ["id"], "on": "click",
                                      "clear": "dblclick"}
    assert params["zoom"]["bind"] == "scales"
    enc = spec["encoding"]
    assert enc["x"]["field"] == "time_s" and "(s)" in enc["x"]["title"]
    assert enc["y"]["field"] == "type" and enc["color"]["field"] == "type"
    assert enc["size"]["field"] == "alternatives"
    assert enc["color"]["scale"]["range"] == [TYPE_COLORS[t] for t in EVENT_TYPES]
    assert set(TYPE_COLORS.values()) <= set(PALETTE)
    assert len(set(TYPE_SHAPES.values())) == len(EVENT_TYPES)  # shape tells types apart
    rows = _data(spec)
    assert [r["id"] for r in rows] == [e.id for e, keep in zip(TRACE.events, mask,
                                                                strict=True) if keep]
    assert [r["chosen"] for r in rows].count(True) == 1
    assert spec["width"] == "container" and spec["title"]


def test_timeline_frame_values_come_from_the_trace() -> None:
    frame = timeline_frame(TRACE)
    assert list(frame["time_s"]) == [e.timestamp / 1000 for e in TRACE.events]
    assert list(frame["alternatives"]) == [len(e.alternatives) for e in TRACE.events]
    assert list(frame["type"]) == [TYPE_LABELS[e.type] for e in TRACE.events]


def test_uncertainty_spec_has_threshold_rule_and_ambiguity_marks() -> None:
    spec = uncertainty_chart(uncertainty_frame(TRACE), 0.35).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rule", "line", "circle", "point"]
    rule_data = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert rule_data[0]["threshold"] == 0.35
    flagged = spec["datasets"][spec["layer"][3]["data"]["name"]]
    assert [r["id"] for r in flagged] == [e.id for e in TRACE.events
                                          if e.type == "ambiguity_flagged"]
    assert spec["layer"][1]["encoding"]["y"]["scale"]["domain"] == [0, 1]


def test_thin_mask_keeps_at_most_about_the_limit_and_the_flagged() -> None:
    mask = np.ones(10_000, dtype=bool)
    keep = np.zeros(10_000, dtype=bool)
    keep[[3, 9_999]] = True
    thin = thin_mask(mask, 2_000, keep)
    assert 2_000 <= thin.sum() <= 2_002 and thin[3] and thin[9_999]
    small = np.array([True, False, True])
    assert thin_mask(small, 10) is small


def test_read_trace_upload_round_trips_and_reports() -> None:
    good = read_trace_upload(TRACE.to_json().encode())
    assert good.error is None and good.trace == TRACE and good.problems == ()
    assert "empty" in (read_trace_upload(b"").error or "")
    assert "line 1, column 1" in (read_trace_upload(b"nope").error or "")
    doc = json.loads(TRACE.to_json())
    doc["events"][2]["depends_on"] = ["zz"]
    odd = read_trace_upload(json.dumps(doc).encode())
    assert odd.trace is not None and any("'zz'" in p for p in odd.problems)


def test_event_table_and_exports() -> None:
    mask = TRACE.search_mask("step")
    table = event_table(TRACE, mask)
    assert list(table["event"]) == [e.id for e in TRACE.search("step")]
    files = exports(TRACE)
    assert set(files) == {"json", "md", "mmd", "html"}
    assert files["mmd"].startswith("flowchart TD")


def test_detail_markdown_lists_alternatives_by_score_and_links() -> None:
    event = TRACE.events[-1]
    heading, body, alternatives, parents, children = detail_markdown(TRACE, event.id)
    assert heading.startswith(f"{event.id} · answer committed")
    assert body.startswith("**Decision:** Answer")
    scores = [a.score for a in sorted(event.alternatives, key=lambda a: -a.score)]
    assert [f"(score {s:.2f})" in line for s, line in zip(scores, alternatives,
                                                          strict=True)] == [True] * len(scores)
    for parent in TRACE.parents(event.id):
        assert parent.id in parents
    assert children == "none"
    with pytest.raises(ValueError, match="event_id"):
        detail_markdown(TRACE, "nope")
