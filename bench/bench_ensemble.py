"""Ensemble voting speed: the batch evaluation the page caches, and a representative
display control for the page-rerun benchmark."""

from __future__ import annotations

import functools

from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_mock import MODELS
from crucible_scenarios.ensemble import (
    EXECUTION_STRATEGIES,
    VOTING_STRATEGIES,
    evaluate,
    iter_evaluate,
)

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
    return out


def change_widget(at: AppTest, i: int) -> None:
    """Switch the voting strategy back and forth (the batch stays cached)."""
    at.selectbox(key="vote").set_value("weighted" if i % 2 == 0 else "majority")
