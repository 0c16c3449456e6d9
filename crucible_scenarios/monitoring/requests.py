"""Per-request production logs aggregated to the hourly windows the detectors read:
queries, correct answers, latency quantiles, cost and errors per window."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crucible_scenarios.validation import (
    brief_repr,
    require_int,
)

# ---------------------------------------------------------------------------------------
# Per-request logs

#: Columns :func:`aggregate_requests` reads from a per-request frame (all but timestamp
#: optional): correct (0/1) or score (0-1), latency in ms, cost in USD, error (0/1).
REQUEST_COLUMNS = ("timestamp", "correct", "score", "latency_ms", "cost_usd", "error")


def aggregate_requests(frame: pd.DataFrame, window: str = "1h", *,
                       today_windows: int = 24) -> pd.DataFrame:
    """Aggregate a per-request log to the windowed history the detectors take.

    Requests are grouped by their timestamp floored to ``window`` (a pandas frequency,
    e.g. "1h"); windows without requests are left out. Per window: ``queries`` (requests),
    ``correct`` (sum of the 0/1 ``correct`` column; a request without a grade, e.g. one
    that failed, counts as not correct) and ``accuracy``, or with only a ``score`` column
    the mean score as accuracy (no counts); ``latency_p50_ms`` and ``latency_p95_ms``
    (sample quantiles, linear interpolation); ``cost_usd`` and ``cost_per_query``;
    ``errors`` and ``error_rate``. The last ``today_windows`` windows are "today", the
    earlier ones the baseline. ``ValueError`` naming the problem when the frame lacks a
    datetime ``timestamp``, any outcome column, or enough windows."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError("frame must be a pandas DataFrame")
    if "timestamp" not in frame.columns or not pd.api.types.is_datetime64_any_dtype(
            frame["timestamp"]) or frame["timestamp"].isna().any():
        raise ValueError("frame needs a complete datetime 'timestamp' column")
    today = require_int("today_windows", today_windows, low=1, high=100_000)
    try:
        step = pd.Timedelta(str(window))
    except (TypeError, ValueError):
        raise ValueError(f"window must be a pandas frequency such as '1h', got "
                         f"{brief_repr(window)}") from None
    if step < pd.Timedelta(minutes=1):
        raise ValueError(f"window must be at least one minute, got {brief_repr(window)}")
    outcome = [c for c in ("correct", "score", "latency_ms", "cost_usd", "error")
               if c in frame.columns]
    if not outcome:
        raise ValueError("frame needs at least one of the columns correct, score, "
                         "latency_ms, cost_usd or error")
    stamps = frame["timestamp"]
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    keys = stamps.dt.floor(step)
    groups = frame.assign(_w=keys.to_numpy()).groupby("_w", sort=True)
    out = pd.DataFrame({"timestamp": groups.size().index.to_numpy()})
    out["queries"] = groups.size().to_numpy()
    if "correct" in frame.columns:
        out["correct"] = groups["correct"].apply(
            lambda c: float(np.nansum(c.to_numpy(dtype=float)))).to_numpy()
        out["accuracy"] = out["correct"] / out["queries"]
    elif "score" in frame.columns:
        out["accuracy"] = groups["score"].mean().to_numpy(dtype=float)
    if "latency_ms" in frame.columns:
        out["latency_p50_ms"] = groups["latency_ms"].quantile(0.5).to_numpy(dtype=float)
        out["latency_p95_ms"] = groups["latency_ms"].quantile(0.95).to_numpy(dtype=float)
    if "cost_usd" in frame.columns:
        out["cost_usd"] = groups["cost_usd"].sum().to_numpy(dtype=float)
        out["cost_per_query"] = out["cost_usd"] / out["queries"]
    if "error" in frame.columns:
        out["errors"] = groups["error"].sum().to_numpy(dtype=float)
        out["error_rate"] = out["errors"] / out["queries"]
    if len(out) < today + 2:
        raise ValueError(f"the log fills {len(out)} windows of {window}; it needs at least "
                         f"{today + 2}: 2 or more for the baseline and {today} to monitor")
    out["period"] = np.where(np.arange(len(out)) < len(out) - today, "baseline", "today")
    out["hour"] = pd.DatetimeIndex(out["timestamp"]).hour
    return out
