"""Chart specs and upload parsing of the Statistical Comparison Lab."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crucible_scenarios.stats import MODEL_A, MODEL_B, run_experiment, running_accuracy
from crucible_ui.charts import PALETTE
from crucible_ui.stats.charts import (
    estimate_bars,
    estimate_frame,
    latency_histogram,
    power_curve_chart,
    power_grid,
    running_accuracy_chart,
)
from crucible_ui.stats.csv_upload import EXAMPLE_CSV, parse_results
from crucible_ui.uploads import UploadError


def _data(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_estimate_bars_spec() -> None:
    frame = estimate_frame(("A", "B"), (0.8, 0.9), ((0.7, 0.88), None))
    assert frame.loc[1, "lower"] == frame.loc[1, "upper"] == 0.9
    spec = estimate_bars(frame, title="Accuracy", value_title="accuracy").to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["bar", "errorbar"]
    assert spec["title"] == "Accuracy"
    assert spec["layer"][0]["encoding"]["x"]["title"] == "accuracy"
    assert spec["layer"][0]["encoding"]["color"]["value"] == PALETTE[0]
    assert len(_data(spec)) == 2


def test_running_accuracy_chart_downsamples_and_labels() -> None:
    df = run_experiment(MODEL_A, MODEL_B, 1000, 3, batch_size=500)
    run = running_accuracy(df)
    spec = running_accuracy_chart(run, ("Model A", "Model B")).to_dict()
    rows = _data(spec)
    assert len(rows) <= 2 * 402
    assert {r["model"] for r in rows} == {"Model A", "Model B"}
    assert max(r["problem"] for r in rows) == 1000
    assert spec["layer"][0]["mark"]["type"] == "area"
    assert spec["layer"][1]["encoding"]["y"]["title"] == "accuracy (share correct)"


def test_latency_histogram_bins_both_models() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.lognormal(6.5, 0.5, 500), rng.lognormal(6.2, 0.5, 500)
    spec = latency_histogram(a, b, ("A", "B")).to_dict()
    rows = _data(spec)
    assert len(rows) == 60
    assert sum(r["count"] for r in rows if r["series"] == "A") == 500
    assert spec["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["encoding"]["x"]["title"] == "latency (ms)"
    assert spec["encoding"]["y2"] == {"datum": 0}
    flat = latency_histogram(a - 1000, b, ("A", "B"), log=True).to_dict()
    assert "type" not in flat["encoding"]["x"].get("scale", {})


def test_power_curve_chart_and_grid() -> None:
    grid = power_grid(100, 687)
    assert grid[0] == 5 and 100 in grid and 687 in grid and grid[-1] >= 3 * 687
    curve = pd.DataFrame({"n": grid, "power": np.linspace(0.05, 0.99, len(grid))})
    spec = power_curve_chart(curve, n_observed=100, n_required=687).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "rule", "rule"]
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"] == ".0%"
    assert "n for 80% power" in str(spec)
    assert power_grid(10, None)[-1] == 200


def test_parse_wide_and_long_files() -> None:
    wide = parse_results(EXAMPLE_CSV.encode())
    assert wide.labels == ["model_a", "model_b"] and wide.paired and wide.kind == "binary"
    assert wide.groups["model_b"].sum() == 6
    long = parse_results(b"item,group,value\n1,x,0.5\n2,x,0.7\n1,y,0.9\n2,y,0.1\n")
    assert long.paired and long.kind == "continuous"
    np.testing.assert_array_equal(long.groups["y"], [0.9, 0.1])
    unpaired = parse_results(b"group,value\nx,true\nx,false\ny,true\ny,true\n")
    assert not unpaired.paired and unpaired.kind == "binary"
    np.testing.assert_array_equal(unpaired.groups["y"], [1.0, 1.0])


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty."),
    (b"x,y,z\n1,2,3\n", "found 3 value column(s): 'x', 'y', 'z'"),
    (b"a,b\n1,2\nfoo,3\n", "Row 3, column 'a': 'foo' is not a finite number."),
    (b"a,b\n1,2\n3,\n", "Row 3, column 'b' is empty"),
    (b"a,b\n1,2\n", "only one row"),
    (b"group,value\nx,1\nx,2\n", "only one group ('x')"),
    (b"group,value\nx,1\ny,2\ny,3\n", "Group 'x' has only one row"),
    (b"item,group,value\n1,x,1\n1,x,2\n1,y,1\n2,y,0\n",
     "Row 3: item '1' appears twice in group 'x'"),
    (b"item,group,value\n1,x,1\n2,x,0\n1,y,1\n3,y,0\n",
     "Mismatched pairs: item '3' (row 5) has no value for group 'x'"),
    (b"group,val\nx,1\n", "Missing column 'value'"),
    (b"group,value\n,1\nx,2\n", "Row 2, column 'group' is empty"),
])
def test_bad_files_name_row_or_column(content: bytes, message: str) -> None:
    with pytest.raises(UploadError) as info:
        parse_results(content)
    assert message in str(info.value)
