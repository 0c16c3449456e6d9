"""Charts of the ensemble page's eval-log and scaling sections: valid Vega-Lite, the
oracle line at the oracle, a symmetric diversity matrix, the best K marked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crucible_io.ensemble_table import read_answer_table
from crucible_scenarios.ensemble import (
    diversity,
    ensemble_from_logs,
    mixture_scaling,
    model_correctness,
    summarize_logs,
)
from crucible_ui.ensemble.charts import (
    DIVERSITY_MEASURES,
    diversity_frame,
    diversity_heatmap,
    scaling_chart,
    strategy_accuracy_chart,
)
from crucible_ui.ensemble.text import strategy_label

TABLE = Path(__file__).resolve().parents[1] / "fixtures" / "ensemble" / "three_models_answers.csv"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ensemble_from_logs(read_answer_table(TABLE), ["majority", "weighted", "unanimous"])


def test_strategy_chart_draws_the_oracle(frame: pd.DataFrame) -> None:
    summary = summarize_logs(frame)
    table = summary.assign(label=summary["strategy"].map(strategy_label))
    oracle = float(table.loc[table["kind"] == "oracle", "accuracy"].iloc[0])
    spec = strategy_accuracy_chart(table[table["kind"] != "oracle"], oracle).to_dict()
    rule = spec["layer"][2]
    datasets = spec["datasets"]
    values = next(v for v in datasets.values() if v and "oracle" in v[0])
    assert values[0]["oracle"] == pytest.approx(oracle)
    assert rule["mark"]["strokeDash"] == [6, 3]


@pytest.mark.parametrize("measure", list(DIVERSITY_MEASURES))
def test_diversity_heatmap_is_valid_and_symmetric(frame: pd.DataFrame, measure: str) -> None:
    pairs = diversity(model_correctness(frame))
    data = diversity_frame(pairs, measure)
    assert len(data) == 2 * len(pairs)
    lookup = {(r.model_a, r.model_b): r.value for r in data.itertuples()}
    for (a, b), v in lookup.items():
        assert lookup[(b, a)] == v or (pd.isna(v) and pd.isna(lookup[(b, a)]))
    diversity_heatmap(pairs, measure).to_dict()  # validates against the Vega-Lite schema


def test_scaling_chart_marks_best_k() -> None:
    curve = mixture_scaling(0.7, 0.8, 0.35, range(1, 32, 2))
    spec = scaling_chart(curve.assign(curve="mixture"), int(curve.attrs["best_k"])).to_dict()
    values = next(v for v in spec["datasets"].values() if len(v) == 1)
    assert values[0]["k"] == 9
    assert spec["layer"][0]["encoding"]["x"]["title"] == "calls per question (K)"
