"""Ensemble voting speed: the batch evaluation the page caches, and a representative
display control for the page-rerun benchmark."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_mock import MODELS
from crucible_scenarios.ensemble import (
    EXECUTION_STRATEGIES,
    VOTING_STRATEGIES,
    ensemble_from_logs,
    evaluate,
    iter_evaluate,
    vote_scaling,
)
from crucible_scenarios.eval_log import EvalLog

MODELS_ALL = list(MODELS)


def rows() -> list[Row]:
    out = []
    for execution in EXECUTION_STRATEGIES:
        seconds = median_seconds(
            functools.partial(evaluate, MODELS_ALL, VOTING_STRATEGIES, execution, 2000, 1),
            repeat=7)
        out.append(Row("ensemble", f"evaluate, 2000 questions x 5 models x 4 strategies, "
                                   f"{execution}", seconds, "s", 0.2))
    seconds = median_seconds(
        lambda: evaluate(MODELS_ALL, VOTING_STRATEGIES, "parallel", 2000, 1,
                         include_single_models=True), repeat=7)
    out.append(Row("ensemble", "evaluate as the page runs it (+5 single models), 2000 "
                               "questions", seconds, "s"))
    seconds = median_seconds(
        lambda: list(iter_evaluate(MODELS_ALL, VOTING_STRATEGIES, "parallel", 2000, 1,
                                   batch_size=200, include_single_models=True)), repeat=3)
    out.append(Row("ensemble", "iter_evaluate, 2000 questions in 10 live batches", seconds,
                   "s"))
    table = answer_table(5, 10_000, 1)
    seconds = median_seconds(lambda: ensemble_from_logs(table, "majority"), repeat=5)
    out.append(Row("ensemble", "ensemble_from_logs, 5 models x 10^4 items, majority", seconds,
                   "s", 0.5))
    logs = answer_logs(table)
    seconds = median_seconds(lambda: ensemble_from_logs(logs, "majority"), repeat=5)
    out.append(Row("ensemble", "ensemble_from_logs, 5 EvalLogs x 10^4 items, majority",
                   seconds, "s", 0.5))
    p = np.random.default_rng(2).random(10_000)
    ks = list(range(1, 102))
    seconds = median_seconds(lambda: vote_scaling(p, ks), repeat=9)
    out.append(Row("ensemble", "vote_scaling, 10^4 items x K = 1..101", seconds, "s",
                   0.05))
    return out


def answer_table(models: int, items: int, seed: int) -> pd.DataFrame:
    """A wide answer table: four options, each model right with its own accuracy."""
    rng = np.random.default_rng(seed)
    options = np.array(["A", "B", "C", "D"], dtype=object)
    target = options[rng.integers(0, 4, items)]
    table = pd.DataFrame({"item_id": [f"q{i}" for i in range(items)], "target": target})
    for m in range(models):
        right = rng.random(items) < 0.6 + 0.05 * m
        table[f"answer_m{m}"] = np.where(right, target, options[rng.integers(0, 4, items)])
    return table


def answer_logs(table: pd.DataFrame) -> list[EvalLog]:
    """The answer table as one EvalLog per model (what the eval-log readers return)."""
    models = [c.removeprefix("answer_") for c in table.columns if c.startswith("answer_")]
    return [EvalLog(format="bench", task="bench", model=m, metric="accuracy",
                    source=f"{m}.jsonl", items=pd.DataFrame({
                        "item_id": table["item_id"], "epoch": 1,
                        "score": (table[f"answer_{m}"] == table["target"]).astype(float),
                        "answer": table[f"answer_{m}"], "target": table["target"]}))
            for m in models]


def change_widget(at: AppTest, i: int) -> None:
    """Switch the voting strategy back and forth (the batch stays cached)."""
    at.selectbox(key="vote").set_value("weighted" if i % 2 == 0 else "majority")
