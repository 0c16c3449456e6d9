"""The metrics an hourly history carries (accuracy, latency P95, cost per query, error
rate) and the checks every detector makes of a history before it reads one: required
columns, baseline rows, numeric columns and the counts behind a rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

METRICS = ("accuracy", "latency_p95_ms", "cost_per_query", "error_rate")


METRIC_LABELS = {"accuracy": "accuracy", "latency_p95_ms": "latency P95",
                 "cost_per_query": "cost per query", "error_rate": "error rate"}


HISTORY_COLUMNS = ["timestamp", "period", "hour", "queries", "correct", "accuracy",
                   "latency_p50_ms", "latency_p95_ms", "cost_usd", "cost_per_query",
                   "errors", "error_rate"]


PROPORTION_METRICS = {"accuracy": ("correct", -1.0), "error_rate": ("errors", 1.0)}


def baseline_mask(history: pd.DataFrame) -> np.ndarray:
    """True for the baseline rows (a plain numpy comparison, cheaper than pandas')."""
    return np.asarray(history["period"].to_numpy(dtype=object) == "baseline", dtype=bool)


def check_history(history: pd.DataFrame) -> None:
    if not isinstance(history, pd.DataFrame):
        raise ValueError("history must be a pandas DataFrame")
    for column in ("timestamp", "period"):
        if column not in history.columns:
            raise ValueError(f"history needs a {column!r} column")
    stamps = history["timestamp"]
    if not pd.api.types.is_datetime64_any_dtype(stamps) or stamps.isna().any():
        raise ValueError("history needs a complete datetime 'timestamp' column")
    base = baseline_mask(history)
    if int(base.sum()) < 2:
        raise ValueError("history needs at least 2 baseline rows")
    if int((~base).sum()) < 1:
        raise ValueError("history needs at least one row after the baseline")


def numeric_column(history: pd.DataFrame, column: str) -> np.ndarray | None:
    """The column as floats, or None when it is missing or holds anything else."""
    if column not in history.columns:
        return None
    try:
        return history[column].to_numpy(dtype=float)
    except (TypeError, ValueError):
        return None


def available_metrics(history: pd.DataFrame) -> list[str]:
    """The metrics with values in ``history`` (an uploaded file may lack some): the
    columns of :data:`METRICS` that are present, numeric and free of NaN."""
    if not isinstance(history, pd.DataFrame):
        raise ValueError("history must be a pandas DataFrame")
    out = []
    for metric in METRICS:
        values = numeric_column(history, metric)
        if values is not None and not np.isnan(values).any():
            out.append(metric)
    return out


def counts_present(history: pd.DataFrame, count_col: str = "correct") -> bool:
    """True when ``count_col`` and ``queries`` are complete numeric counts with some
    baseline queries, so a proportion can be pooled from them."""
    counts, queries = numeric_column(history, count_col), numeric_column(history, "queries")
    if counts is None or queries is None or np.isnan(counts).any() or np.isnan(queries).any():
        return False
    return bool(queries[baseline_mask(history)].sum() > 0)


def require_accuracy(history: pd.DataFrame) -> bool:
    """Whether accuracy comes from counts (True) or the accuracy column (False);
    ``ValueError`` naming history when it has neither."""
    if counts_present(history):
        return True
    if "accuracy" in available_metrics(history):
        return False
    raise ValueError("history needs 'correct' and 'queries' counts or a complete numeric "
                     "'accuracy' column")


def event_counts(history: pd.DataFrame, metric: str) -> str | None:
    """The count column whose events mean *worse* for ``metric`` ("correct" counts the
    complement), or None when the history lacks complete counts."""
    count_col = PROPORTION_METRICS.get(metric, ("", 1.0))[0]
    return count_col if count_col and counts_present(history, count_col) else None
