"""The import path ``crucible_scenarios.ensemble_logs``, kept for existing code; the code lives in
:mod:`crucible_scenarios.ensemble.logs`."""

from crucible_scenarios.ensemble.logs import (
    LOG_STRATEGIES,
    MAX_MODELS,
    MIN_MODELS,
    ORACLE,
    UNNAMED_MODELS,
    AlignedAnswers,
    BestComparison,
    align_logs,
    best_versus_single,
    disagreements,
    diversity,
    ensemble_from_logs,
    log_odds_weights,
    model_correctness,
    summarize_logs,
)

__all__ = [
    "LOG_STRATEGIES",
    "MAX_MODELS",
    "MIN_MODELS",
    "ORACLE",
    "UNNAMED_MODELS",
    "AlignedAnswers",
    "BestComparison",
    "align_logs",
    "best_versus_single",
    "disagreements",
    "diversity",
    "ensemble_from_logs",
    "log_odds_weights",
    "model_correctness",
    "summarize_logs",
]
