"""Hedging chart builders: Vega-Lite specs (marks, encodings, data) built from results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crucible_scenarios.hedging import (
    fanout_curve,
    simulate,
    summarize,
    tradeoff_curve,
)
from crucible_ui.charts import PALETTE
from crucible_ui.hedging.mock_charts import (
    OUTCOMES,
    SERIES,
    before_after_chart,
    before_after_frame,
    fanout_chart,
    histogram_chart,
    marker_frame,
    stream_chart,
    stream_frame,
    tradeoff_chart,
)


@pytest.fixture(scope="module")
def run():
    result = simulate("fixed", 3000, 5, delay_ms=900)
    return result, summarize(result, n_boot=50)


def _data(spec: dict, layer: dict | None = None) -> list[dict]:
    name = (layer or spec).get("data", spec.get("data", {})).get("name")
    return spec["datasets"][name]


def _marks(spec: dict) -> list[str]:
    out = []
    for layer in spec["layer"]:
        mark = layer["mark"]
        out.append(mark if isinstance(mark, str) else mark["type"])
    return out


def test_stream_frame_outcomes(run) -> None:
    result, _ = run
    frame = stream_frame(result, tail=500)
    assert len(frame) == 500 and frame["request"].iloc[-1] == 3000
    tail = slice(2500, 3000)
    assert (frame["outcome"] == OUTCOMES[2]).sum() == result.hedge_won[tail].sum()
    assert (frame["outcome"] != OUTCOMES[0]).sum() == result.hedged[tail].sum()


def test_stream_chart_spec(run) -> None:
    result, _ = run
    spec = stream_chart(stream_frame(result)).to_dict()
    assert _marks(spec) == ["line", "rule", "circle"]
    points = spec["layer"][2]["encoding"]
    assert points["y"]["scale"]["type"] == "log"
    assert points["color"]["scale"]["domain"] == list(OUTCOMES)
    assert "title" in spec and spec["width"] == "container"
    assert len(spec["datasets"][spec["data"]["name"]]) == 200
    # No hedging: no delay line.
    none = simulate("none", 50, 1)
    assert _marks(stream_chart(stream_frame(none)).to_dict()) == ["rule", "circle"]


def test_histogram_chart_spec(run) -> None:
    result, summary = run
    spec = histogram_chart(result, summary, bins=30).to_dict()
    assert _marks(spec) == ["bar", "rule"]
    bars = spec["layer"][0]
    assert bars["encoding"]["x"]["scale"]["type"] == "log"
    assert bars["encoding"]["y2"] == {"datum": 0}
    rows = pd.DataFrame(_data(spec, bars))
    assert len(rows) == 60
    counts = rows.groupby("series")["count"].sum()
    assert counts[SERIES[0]] == counts[SERIES[1]] == result.n_requests
    rules = pd.DataFrame(_data(spec, spec["layer"][1]))
    hedged99 = rules[(rules["series"] == SERIES[1]) & (rules["marker"] == "P99")]
    assert hedged99["latency_ms"].item() == pytest.approx(np.quantile(result.final_ms, 0.99))


def test_marker_and_before_after_frames(run) -> None:
    _, summary = run
    markers = marker_frame(summary)
    assert len(markers) == 8
    frame = before_after_frame(summary)
    p99 = frame[frame["percentile"] == "P99"]
    assert p99["reduction_pct"].iloc[0] == pytest.approx(summary.p99_reduction_pct)
    spec = before_after_chart(frame).to_dict()
    assert _marks(spec) == ["bar", "text"]
    bars, labels = spec["layer"]
    assert bars["encoding"]["color"]["scale"]["range"] == [PALETTE[3], PALETTE[0]]
    assert bars["encoding"]["y"]["title"] == "latency (ms)"
    assert labels["encoding"]["text"]["field"] == "label"
    assert {"filter": f"datum.series == '{SERIES[1]}'"} in labels["transform"]


def test_tradeoff_chart_spec() -> None:
    curve = tradeoff_curve([500, 1000, 2000], 2000, 3)
    spec = tradeoff_chart(curve, current_delay_ms=1100).to_dict()
    assert _marks(spec) == ["line", "point", "point"]
    data = pd.DataFrame(_data(spec, spec["layer"][0]))
    assert set(data["kind"]) == {"exact", "simulated"}
    ring = spec["layer"][2]
    assert _data(spec, ring)[0]["delay_ms"] == 1000
    assert spec["layer"][0]["encoding"]["x"]["title"] == "extra requests (% of requests)"
    p999 = tradeoff_chart(curve, quantile="p999").to_dict()
    assert "P99.9" in " ".join(p999["title"]) and len(p999["layer"]) == 2


def test_fanout_chart_spec() -> None:
    curve = fanout_curve([1, 10, 100], delay_ms=1000)
    points = pd.DataFrame({"k": [10, 10], "quantile": ["p50", "p50"],
                           "hedging": ["none", "hedged"], "latency_ms": [1900.0, 1500.0]})
    spec = fanout_chart(curve, points).to_dict()
    assert _marks(spec) == ["line", "point"]
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
    assert len(spec["datasets"][spec["layer"][0]["data"]["name"]]) == 12
    assert len(fanout_chart(curve).to_dict()["layer"]) == 1


def test_log_histogram_chart_marks_each_percentile_with_its_interval() -> None:
    from crucible_scenarios.hedging import quantile_interval
    from crucible_ui.hedging.charts import log_histogram_chart, percentile_frame

    values = np.random.default_rng(0).lognormal(6, 0.5, 500)
    estimates = [quantile_interval(values, q) for q in (0.5, 0.95, 0.99, 0.999)]
    frame = percentile_frame(estimates)
    assert list(frame["percentile"]) == ["P50", "P95", "P99", "P99.9"]
    assert frame["low_ms"].iloc[0] <= frame["latency_ms"].iloc[0] <= frame["high_ms"].iloc[0]
    assert np.isnan(frame["high_ms"].iloc[3])  # 500 requests cannot bound P99.9 above
    spec = log_histogram_chart(values, estimates).to_dict()  # validates against the schema
    assert len(spec["layer"]) == 3
