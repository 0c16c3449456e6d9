"""Chart builders and the upload parser of the Production Monitoring page, checked on
their Vega-Lite specs and parsed frames."""

from __future__ import annotations

import pandas as pd
import pytest

from crucible_scenarios.monitoring import (
    Degradation,
    alert_log,
    baseline_band,
    cusum,
    generate_history,
    run_all,
)
from crucible_ui.charts import PALETTE
from crucible_ui.monitoring.charts import (
    BRUSH,
    marker_frame,
    monitoring_chart,
    series_frame,
    statistic_chart,
)
from crucible_ui.monitoring.csv_upload import parse_monitoring_csv
from crucible_ui.uploads import UploadError


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return generate_history(seed=1, degradation=Degradation(0.88, start_hour=6))


def test_monitoring_chart_has_band_markers_and_linked_brush(history: pd.DataFrame) -> None:
    series = series_frame(history, baseline_band(history))
    alerts = alert_log(run_all(history))
    spec = monitoring_chart(series, alerts).to_dict()
    accuracy, latency, volume = spec["vconcat"]
    marks = [layer["mark"]["type"] for layer in accuracy["layer"]]
    assert marks == ["area", "line", "point"]
    band = accuracy["layer"][0]["encoding"]
    assert band["y"]["field"] == "lower" and band["y2"]["field"] == "upper"
    # the accuracy and latency panels zoom to the brush held by the volume panel
    for panel in (accuracy["layer"][1], latency["layer"][0]):
        assert panel["encoding"]["x"]["scale"]["domain"] == {"param": BRUSH}
    params = volume.get("params") or spec["params"]
    assert params[0]["name"] == BRUSH and params[0]["select"]["encodings"] == ["x"]
    assert params[0].get("views", [volume.get("name")]) == [volume.get("name")]
    assert params[0]["value"]["x"][0]["date"] == 1  # opens zoomed on yesterday and today
    markers = marker_frame(alerts, series, "accuracy", "accuracy")
    assert len(markers) == int((alerts["metric"] == "accuracy").sum()) > 0
    assert markers["value"].notna().all()
    tooltip_fields = {t["field"] for t in accuracy["layer"][2]["encoding"]["tooltip"]}
    assert "reason" in tooltip_fields
    colors = accuracy["layer"][2]["encoding"]["color"]["scale"]["range"]
    assert set(colors) <= set(PALETTE)
    # every layer names its axis the same way, so the shared axis keeps its title
    assert {layer["encoding"]["y"]["title"] for layer in accuracy["layer"]} == {"accuracy"}
    assert {layer["encoding"]["y"]["title"] for layer in latency["layer"]} == {"latency (ms)"}


def test_statistic_chart_shows_threshold_and_alarms(history: pd.DataFrame) -> None:
    result = cusum(history)
    spec = statistic_chart(result.trace, detector="cusum", metric_label="accuracy").to_dict()
    layers = spec["vconcat"][0]["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["line", "line", "point"]
    assert layers[1]["encoding"]["y"]["field"] == "threshold"
    data = next(iter(spec["datasets"].values()))
    assert sum(row["alarm"] for row in data) == len(result.alerts)
    assert "CUSUM" in " ".join(spec["vconcat"][0]["title"])


def test_upload_parser_reads_counts_and_aliases(history: pd.DataFrame) -> None:
    frame = history[["timestamp", "correct", "queries", "latency_p95_ms"]].rename(
        columns={"queries": "total", "latency_p95_ms": "latency_ms"})
    parsed = parse_monitoring_csv(frame.to_csv(index=False).encode())
    assert (parsed["period"] == "today").sum() == 24
    assert parsed["accuracy"].to_numpy() == pytest.approx(history["accuracy"].to_numpy())
    assert "latency_p95_ms" in parsed.columns
    results = run_all(parsed)
    assert {m for _, m in results} == {"accuracy", "latency_p95_ms"}


@pytest.mark.parametrize(("text", "message"), [
    ("timestamp,accuracy\n2025-01-01 00:00,1.5\n", "not a fraction"),
    ("timestamp,correct,total\n2025-01-01 00:00,3,0\n", "total >= 1"),
    ("timestamp,accuracy,latency_ms\n2025-01-01 00:00,0.9,-4\n", "must be positive"),
    ("timestamp,accuracy\n2025-01-01 00:00,0.9\n2025-01-01 00:00,0.8\n", "appears twice"),
    ("timestamp,accuracy\n2025-01-01 00:00,abc\n", "Row 2, column 'accuracy'"),
])
def test_upload_parser_rejects_bad_rows(text: str, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        parse_monitoring_csv(text.encode())


def test_panels_fit_the_container_width(history: pd.DataFrame) -> None:
    """The stacked panels are sized by fit-x with the padding counted in: without it
    Streamlit pads a concatenation of layers, giving each panel the container's width for
    its plot alone, so the axes push the drawing past the right edge."""
    series = series_frame(history, baseline_band(history))
    specs = [monitoring_chart(series, alert_log(run_all(history))).to_dict(),
             statistic_chart(cusum(history).trace, detector="cusum",
                             metric_label="accuracy").to_dict()]
    for spec in specs:
        assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
        assert all(panel["width"] == "container" for panel in spec["vconcat"])
    # one marker legend, under the top panel
    accuracy, latency, _ = specs[0]["vconcat"]
    assert accuracy["layer"][2]["encoding"]["color"]["legend"]["orient"] == "bottom"
    assert latency["layer"][1]["encoding"]["color"]["legend"] is None


def test_bernoulli_statistic_chart_is_in_log_likelihood_units(history: pd.DataFrame) -> None:
    from crucible_scenarios.monitoring import bernoulli_cusum

    result = bernoulli_cusum(history, shift=0.03)
    spec = statistic_chart(result.trace, detector="bernoulli",
                           metric_label="accuracy").to_dict()
    layers = spec["vconcat"][0]["layer"]
    assert layers[0]["encoding"]["y"]["title"] == (
        "Bernoulli CUSUM statistic (log-likelihood ratio)")
    data = next(iter(spec["datasets"].values()))
    assert sum(row["alarm"] for row in data) == len(result.alerts) > 0
    assert [row["threshold"] for row in data] == pytest.approx(
        [result.params["h"]] * len(data))
    markers = marker_frame(alert_log({("bernoulli", "accuracy"): result}),
                           series_frame(history, baseline_band(history)), "accuracy",
                           "accuracy")
    assert set(markers["detector"]) == {"Bernoulli CUSUM"}
