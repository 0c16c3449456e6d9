"""Ensemble page presentation: chart specs, the typed-question check and the
single-model-versus-ensemble sentence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crucible_mock import MODELS
from crucible_mock.datasets import get_item
from crucible_scenarios.ensemble import (
    VOTING_STRATEGIES,
    evaluate,
    paired_comparison,
    pareto_frontier,
    run_query,
    summarize,
)
from crucible_ui.charts import PALETTE
from crucible_ui.ensemble.mock_charts import (
    tally_frame,
    timeline_chart,
    timeline_frame,
    tradeoff_chart,
    vote_tally_chart,
)
from crucible_ui.ensemble.text import check_question_text, comparison_sentence, strategy_label

ALL = list(MODELS)


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_tally_frame_marks_the_chosen_answer_and_the_answer_key() -> None:
    frame = tally_frame({"A": 3.0, "B": 2.0}, "A", "B")
    assert frame.set_index("answer")["role"].to_dict() == {"A": "chosen, wrong",
                                                          "B": "answer key"}
    frame = tally_frame({"A": 3.0}, None, "C")
    assert frame.set_index("answer")["role"].to_dict() == {"A": "other", "C": "answer key"}
    assert frame.set_index("answer").loc["C", "support"] == 0.0


def test_vote_tally_chart_spec() -> None:
    run = run_query(get_item("med-003"), ALL, "weighted", "parallel",
                    np.random.default_rng(1))
    frame = tally_frame(run.vote.tally, run.vote.answer, run.correct_answer)
    spec = vote_tally_chart(frame, weighted=True).to_dict()
    assert spec["mark"]["type"] == "bar"
    enc = spec["encoding"]
    assert enc["x"]["field"] == "support" and "weighted score" in enc["x"]["title"]
    assert enc["y"]["field"] == "answer"
    assert enc["color"]["scale"]["range"][0] == PALETTE[2]
    assert {t["field"] for t in enc["tooltip"]} == {"answer", "support", "role"}
    data = next(iter(spec["datasets"].values()))
    assert sum(row["support"] for row in data) == sum(run.vote.tally.values())
    assert vote_tally_chart(frame, weighted=False).to_dict()["encoding"]["x"][
        "title"] == "votes (models)"


def test_timeline_chart_spec_follows_the_calls() -> None:
    run = run_query(get_item("med-003"), ALL, "majority", "sequential",
                    np.random.default_rng(2), timeout_ms=3000.0)
    frame = timeline_frame(run.responses)
    assert len(frame) == run.models_called
    assert (frame["arrival_ms"] >= frame["start_ms"]).all()
    spec = timeline_chart(frame, timeout_ms=3000.0).to_dict()
    bars = _layers(spec)[0]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["x"]["field"] == "start_ms"
    assert bars["encoding"]["x2"]["field"] == "arrival_ms"
    assert "(ms)" in bars["encoding"]["x"]["title"]
    assert spec["width"] == "container"


def test_tradeoff_chart_spec_marks_the_pareto_frontier() -> None:
    df = evaluate(ALL, VOTING_STRATEGIES, "parallel", 200, 3, include_single_models=True)
    summary = summarize(df)
    table = summary.assign(label=summary["strategy"].map(strategy_label),
                           pareto=pareto_frontier(summary))
    spec = tradeoff_chart(table).to_dict()
    layers = _layers(spec)
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in layers]
    assert marks == ["rule", "line", "point", "text"]
    points = layers[2]["encoding"]
    assert points["x"]["field"] == "mean_cost_usd" and points["x"]["scale"]["type"] == "log"
    assert points["y"]["field"] == "accuracy"
    assert layers[1]["transform"][0]["filter"] == "datum.pareto"
    data = next(iter(spec["datasets"].values()))
    assert len(data) == len(VOTING_STRATEGIES) + len(ALL)
    assert any(row["pareto"] for row in data)


def test_question_text_checks() -> None:
    assert check_question_text("   ").error is not None
    assert check_question_text(None).error is not None
    ok = check_question_text("  What is it? ")
    assert ok.text == "What is it?" and ok.error is None and ok.warning is None
    long = check_question_text("x" * 2500, limit=2000)
    assert long.text is not None and len(long.text) == 2000
    assert long.warning is not None and "2,500" in long.warning


def test_comparison_sentence_uses_the_summary_figures() -> None:
    df = evaluate(ALL, VOTING_STRATEGIES, "parallel", 500, 4, include_single_models=True)
    summary = summarize(df)
    singles = summary[summary["kind"] == "single"]
    best = singles.loc[singles["accuracy"].idxmax()]
    test = paired_comparison(df, "majority", str(best["strategy"]))
    sentence = comparison_sentence(summary, "majority", 5, test)
    row = summary.set_index("strategy").loc["majority"]
    assert sentence.startswith(f"Majority vote of 5 is right {row['accuracy']:.1%} "
                               f"[{row['ci_low']:.1%}, {row['ci_high']:.1%}]")
    assert f"{best['accuracy']:.1%}" in sentence
    ratio = row["mean_cost_usd"] / best["mean_cost_usd"]
    assert f"{ratio:.1f}x the cost" in sentence
    assert f"p = {test.p_value:.3g}" in sentence


def test_paired_comparison_counts_discordant_pairs() -> None:
    df = pd.DataFrame({"strategy": ["a"] * 4 + ["b"] * 4,
                       "correct": [True, True, False, True, True, False, False, False]})
    result = paired_comparison(df, "a", "b")
    assert (result.only_a_right, result.only_b_right) == (2, 0)
    # Exact McNemar: two-sided binomial test of 2 successes in 2 trials at p = 1/2.
    assert result.p_value == 0.5


def test_page_views_survive_pickling_as_the_page_cache_requires() -> None:
    import pickle

    from crucible_ui.ensemble.mock_results import (
        build_batch_view,
        build_query_view,
        export_csv,
        export_json,
    )

    view = build_query_view("med-002", ALL, "majority", "cascade", 3, timeout_ms=8000.0,
                            threshold=0.85, weights=(), correlation=0.55)
    again = pickle.loads(pickle.dumps(view))
    assert again.run.vote == view.run.vote and again.timeline_spec == view.timeline_spec
    df = evaluate(ALL, VOTING_STRATEGIES, "parallel", 100, 3, include_single_models=True)
    batch = build_batch_view(df, ALL, 8000.0, "majority")
    restored = pickle.loads(pickle.dumps(batch))
    pd.testing.assert_frame_equal(restored.table, batch.table)
    assert restored.sentence == batch.sentence and restored.baseline == batch.baseline
    assert export_csv(df).decode().count("\n") == len(df) + 1
    assert len(json.loads(export_json(df))) == len(df)


def test_tradeoff_labels_of_equal_cost_strategies_do_not_overlap() -> None:
    table = pd.DataFrame({
        "label": ["a", "b", "c", "d"], "kind": ["ensemble"] * 3 + ["single"],
        "accuracy": [0.97, 0.969, 0.968, 0.90], "ci_low": [0.95, 0.95, 0.95, 0.85],
        "ci_high": [0.99, 0.99, 0.99, 0.93], "mean_cost_usd": [0.030, 0.0301, 0.0302, 0.001],
        "pareto": [True, False, False, True], "abstention_rate": [0.0] * 4,
        "p95_latency_ms": [1000.0] * 4})
    spec = tradeoff_chart(table).to_dict()
    rows = {r["label"]: r["label_y"] for r in next(iter(spec["datasets"].values()))}
    step = (0.99 - 0.85) * 0.06
    assert rows["a"] == 0.97
    assert rows["b"] == pytest.approx(0.97 - step) and rows["c"] == pytest.approx(0.97 - 2 * step)
    assert rows["d"] == 0.90
