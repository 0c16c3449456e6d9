"""What the Ensemble Reliability page draws, computed in one place (no Streamlit): one
question's run with its charts as Vega-Lite specs, and a batch's summary table, charts,
comparison sentence, Condorcet figures and exports. The page caches these objects, so
they live in an importable module (``st.cache_data`` pickles them)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from crucible_mock.datasets import get_item
from crucible_scenarios.ensemble import (
    VOTING_STRATEGIES,
    QueryRun,
    effective_accuracies,
    independent_majority_accuracy,
    paired_comparison,
    pareto_frontier,
    run_query,
    summarize,
)
from crucible_ui.charts import bar_with_error_bars, vega_spec
from crucible_ui.ensemble.mock_charts import (
    tally_frame,
    timeline_chart,
    timeline_frame,
    tradeoff_chart,
    vote_tally_chart,
)
from crucible_ui.ensemble.text import comparison_sentence, strategy_label
from crucible_ui.text import csv_safe


@dataclass(frozen=True)
class QueryView:
    """One question's run and its charts as Vega-Lite specs (built once, then cached)."""

    run: QueryRun
    tally_spec: dict[str, Any] | None
    timeline_spec: dict[str, Any]


def query_rng(seed: int, item_id: str) -> np.random.Generator:
    """The generator of one question's run: the page seed and the question id (CRC-32),
    so each question gets its own reproducible draw."""
    return np.random.default_rng([seed, zlib.crc32(item_id.encode())])


def build_query_view(item_id: str, models: Sequence[str], voting: str, execution: str,
                     seed: int, *, timeout_ms: float, threshold: float,
                     weights: Sequence[tuple[str, float]], correlation: float) -> QueryView:
    """Put question ``item_id`` to the ensemble and build its tally and timeline charts."""
    run = run_query(get_item(item_id), list(models), voting, execution,
                    query_rng(seed, item_id), timeout_ms=timeout_ms, threshold=threshold,
                    weights=dict(weights), correlation=correlation)
    tally = None
    if run.vote.tally:
        frame = tally_frame(run.vote.tally, run.vote.answer, run.correct_answer)
        tally = vega_spec(vote_tally_chart(frame, weighted=voting == "weighted"))
    timeline = vega_spec(timeline_chart(timeline_frame(run.responses), timeout_ms=timeout_ms))
    return QueryView(run, tally, timeline)


def decorate(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with readable labels and the Pareto flag."""
    return summary.assign(label=summary["strategy"].map(strategy_label),
                          pareto=pareto_frontier(summary))


def accuracy_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Accuracy per strategy with its Wilson interval (the shared error-bar chart)."""
    return bar_with_error_bars(
        table, category="label", value="accuracy", lower="ci_low", upper="ci_high",
        title="Accuracy per strategy (bars: 95% Wilson interval)",
        value_title="accuracy (share of questions right)", category_title="strategy",
        color="kind")


@dataclass(frozen=True)
class BatchView:
    """Everything the batch section draws."""

    table: pd.DataFrame
    accuracy_spec: dict[str, Any]
    tradeoff_spec: dict[str, Any]
    sentence: str
    baseline: float
    strict_majority: float
    plurality: float


def build_batch_view(df: pd.DataFrame, models: Sequence[str], timeout_ms: float,
                     voting: str) -> BatchView:
    """Summarize an :func:`~crucible_scenarios.ensemble.evaluate` frame (with single
    models) for the page: table, charts, the sentence comparing ``voting`` with the best
    single model (exact McNemar test), the Condorcet baseline against the simulated
    share of questions a strict majority got right."""
    summary = summarize(df)
    table = decorate(summary)
    singles = summary[summary["kind"] == "single"]
    best = str(singles["strategy"].iloc[int(np.argmax(singles["accuracy"].to_numpy()))])
    test = paired_comparison(df, voting, best)
    sentence = comparison_sentence(summary, voting, len(models), test) if len(
        models) > 1 else ""
    first = df[df["strategy"] == VOTING_STRATEGIES[0]]
    baseline = independent_majority_accuracy(
        effective_accuracies(list(models), timeout_ms=timeout_ms))
    return BatchView(
        table=table, accuracy_spec=vega_spec(accuracy_chart(table)),
        tradeoff_spec=vega_spec(tradeoff_chart(table)), sentence=sentence,
        baseline=baseline, strict_majority=float(first["strict_majority_right"].mean()),
        plurality=float(first["correct"].mean()))


def export_csv(df: pd.DataFrame) -> bytes:
    """``df`` as UTF-8 CSV whose cells cannot run as spreadsheet formulas."""
    return csv_safe(df).to_csv(index=False).encode("utf-8")


def export_json(df: pd.DataFrame) -> str:
    """``df`` as a JSON array of records."""
    return df.to_json(orient="records", indent=2) or "[]"
