"""Shared chart builders, checked through their Vega-Lite specs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crucible_ui import charts


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_bar_with_error_bars_has_bars_and_interval() -> None:
    df = pd.DataFrame({"model": ["a", "b"], "acc": [0.9, 0.8], "lo": [0.85, 0.7],
                       "hi": [0.95, 0.88]})
    spec = charts.bar_with_error_bars(
        df, category="model", value="acc", lower="lo", upper="hi", title="Accuracy",
        value_title="accuracy").to_dict()
    marks = [layer["mark"]["type"] for layer in _layers(spec)]
    assert marks == ["bar", "errorbar"]
    assert spec["title"] == "Accuracy"
    errorbar = _layers(spec)[1]["encoding"]
    assert errorbar["x"]["field"] == "lo" and errorbar["x2"]["field"] == "hi"


def test_histogram_frame_counts_match_numpy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.lognormal(6, 0.5, 5000), rng.lognormal(6.5, 0.5, 3000)
    frame = charts.histogram_frame({"before": a, "after": b}, bins=30, log=True)
    assert set(frame["series"]) == {"before", "after"}
    assert frame.groupby("series")["count"].sum().to_dict() == {"before": 5000, "after": 3000}
    edges = np.geomspace(min(a.min(), b.min()), max(a.max(), b.max()), 31)
    assert np.array_equal(frame[frame["series"] == "before"]["count"],
                          np.histogram(a, bins=edges)[0])
    assert frame.groupby("series")["share"].sum().to_numpy() == pytest.approx([1.0, 1.0])


def test_histogram_frame_handles_empty_and_constant_samples() -> None:
    assert charts.histogram_frame({"x": np.array([])}).empty
    constant = charts.histogram_frame({"x": np.full(10, 5.0)}, bins=4)
    assert constant["count"].sum() == 10


def test_histogram_uses_log_scale_when_asked() -> None:
    frame = charts.histogram_frame({"x": np.arange(1.0, 100.0)}, bins=5, log=True)
    spec = charts.histogram(frame, title="Latency", x_title="latency (ms)", log_x=True).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["encoding"]["x"]["title"] == "latency (ms)"
    assert spec["encoding"]["y2"] == {"datum": 0}  # bars rise from zero


def test_line_with_band_layers_area_and_line() -> None:
    df = pd.DataFrame({"n": [1, 2, 3], "p": [0.5, 0.6, 0.7], "lo": [0.4, 0.5, 0.6],
                       "hi": [0.6, 0.7, 0.8], "model": ["a", "a", "a"]})
    spec = charts.line_with_band(df, x="n", y="p", lower="lo", upper="hi", title="t",
                                 x_title="questions", y_title="accuracy",
                                 color="model").to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line"]
    assert spec["layer"][0]["encoding"]["y2"]["field"] == "hi"


def test_heatmap_encodes_value_as_color() -> None:
    df = pd.DataFrame({"a": [1, 1, 2, 2], "b": [1, 2, 1, 2], "v": [0.1, 0.2, 0.3, 0.4]})
    spec = charts.heatmap(df, x="a", y="b", value="v", title="t", x_title="a",
                          y_title="b", value_title="score").to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["color"]["field"] == "v"
    assert spec["encoding"]["color"]["scale"]["scheme"] == "viridis"


def test_palette_is_okabe_ito() -> None:
    assert charts.PALETTE[:7] == ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
                                  "#56B4E9", "#F0E442")


@pytest.mark.parametrize("title", [
    "Accuracy",
    "Accuracy per strategy (bars: 95% Wilson interval)",
    "Accuracy on 50 held-out queries with 95% Wilson intervals (true optimum: its expected "
    "accuracy)",
    "Reasoning timeline: click an event for its details",
])
def test_fit_title_keeps_every_word_in_short_lines(title: str) -> None:
    """No line is longer than the limit, the words and their order are kept, a short
    title stays a plain string, and a long title's trailing parenthetical starts a line."""
    fitted = charts.fit_title(title)
    lines = [fitted] if isinstance(fitted, str) else fitted
    assert all(len(line) <= charts.TITLE_CHARS for line in lines)
    assert " ".join(lines).split() == title.split()
    if len(title) <= charts.TITLE_CHARS:
        assert fitted == title
    elif title.endswith(")"):
        assert any(line.startswith("(") for line in lines[1:])


def test_fit_title_starts_each_piece_on_a_new_line() -> None:
    assert charts.fit_title("Reasoning timeline", "(click an event)") == [
        "Reasoning timeline", "(click an event)"]


@pytest.mark.parametrize("columns", [1, 2, 3])
def test_bottom_legend_wraps_into_columns_that_fit_a_phone(columns: int) -> None:
    """Entries of each column, label and symbol included, share LEGEND_WIDTH."""
    legend = charts.bottom_legend(columns=columns).to_dict()
    assert legend["orient"] == "bottom" and legend["columns"] == columns
    assert legend["direction"] == ("vertical" if columns == 1 else "horizontal")
    assert columns * (legend["labelLimit"] + charts.LEGEND_ENTRY_PX) <= charts.LEGEND_WIDTH


def test_every_shared_builder_fits_the_container_width_with_padding() -> None:
    """Width from the container, autosize fit-x that counts the padding in, and a padding
    object (Streamlit adds its bottom padding to an object only)."""
    df = pd.DataFrame({"n": [1, 2], "p": [0.5, 0.6], "lo": [0.4, 0.5], "hi": [0.6, 0.7],
                       "g": ["a", "b"]})
    frame = charts.histogram_frame({"a": np.arange(1.0, 50.0)}, bins=5)
    specs = [
        charts.bar_with_error_bars(df, category="g", value="p", lower="lo", upper="hi",
                                   title="t", value_title="v").to_dict(),
        charts.histogram(frame, title="t", x_title="x (ms)").to_dict(),
        charts.line_with_band(df, x="n", y="p", lower="lo", upper="hi", title="t",
                              x_title="n", y_title="p", color="g").to_dict(),
        charts.heatmap(df, x="n", y="g", value="p", title="t", x_title="n", y_title="g",
                       value_title="p").to_dict(),
    ]
    for spec in specs:
        assert spec["width"] == "container"
        assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
        assert isinstance(spec["padding"], dict) and spec["padding"]["left"] > 0


def test_vega_spec_is_the_validated_spec_without_the_validation_pass() -> None:
    import altair as alt

    df = pd.DataFrame({"model": ["a", "b"], "acc": [0.9, 0.8], "lo": [0.85, 0.7],
                       "hi": [0.95, 0.88]})
    chart = charts.bar_with_error_bars(
        df, category="model", value="acc", lower="lo", upper="hi", title="Accuracy",
        value_title="accuracy")
    assert charts.vega_spec(chart) == chart.to_dict()
    # an invalid property is only caught by the validating path
    broken = alt.Chart(df).mark_bar().encode(x="acc:Q")
    broken["width"] = {"bogus": 1}
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        broken.to_dict()
    assert charts.vega_spec(broken)["width"] == {"bogus": 1}


def test_charts_give_row_heights_as_numbers() -> None:
    """A step height makes Vega-Lite warn "Dropping fit-y" in the browser even for charts
    that fit their width only (vega/vega-lite#8579): the chart builders give the height
    as a number of pixels instead."""
    from pathlib import Path

    from crucible_ui.charts import rows_height

    assert rows_height(5, 22) == 110 and rows_height(0, 30) == 30
    root = Path(__file__).resolve().parents[2] / "crucible_ui"
    using = [str(p.relative_to(root)) for p in root.rglob("*.py")
             if "alt.Step(" in p.read_text() and p.name != "charts.py"]
    assert not using, using
