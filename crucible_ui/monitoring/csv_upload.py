"""Reading a monitoring time series a user uploads: checked at the edge, every failure an
:class:`~crucible_ui.uploads.UploadError` naming the row or column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crucible_ui.uploads import UploadError, numeric_column, read_csv_upload

#: Rows at the end of the file monitored as "today"; the rows before form the baseline.
TODAY_ROWS = 24
MIN_BASELINE_ROWS = 24
ALIASES = {
    "latency_p95_ms": ("latency_p95_ms", "latency_p95", "p95_ms", "latency_ms", "latency"),
    "latency_p50_ms": ("latency_p50_ms", "latency_p50", "p50_ms"),
    "cost_per_query": ("cost_per_query", "cost"),
    "queries": ("total", "queries", "n"),
}
FORMAT_HELP = (
    "CSV with a `timestamp` column (one row per hour, e.g. `2025-06-02 14:00`) and either "
    "`accuracy` (a fraction 0-1) or `correct` plus `total` counts; optional `latency_p95_ms` "
    "and `cost_per_query`. The last 24 rows are monitored as today; the earlier rows "
    f"(at least {MIN_BASELINE_ROWS}) are the baseline."
)


def _find(df: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in df.columns}
    return next((lowered[n] for n in names if n in lowered), None)


def parse_monitoring_csv(data: bytes | Any) -> pd.DataFrame:
    """An uploaded CSV as a monitoring history (the columns of ``generate_history`` that
    the file provides, with ``period`` baseline/today and ``hour``)."""
    df = read_csv_upload(data)
    ts_col = _find(df, ("timestamp", "time", "date"))
    if ts_col is None:
        found = ", ".join(repr(c) for c in df.columns[:10])
        raise UploadError(f"Missing column 'timestamp'; the file has {found}.")
    stamps = pd.to_datetime(df[ts_col], errors="coerce", format="mixed")
    if stamps.isna().any():
        row = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise UploadError(f"Row {row + 2}, column {ts_col!r}: {str(df[ts_col].iloc[row])[:40]!r} "
                          "is not a date and time.")
    if stamps.duplicated().any():
        row = int(np.flatnonzero(stamps.duplicated().to_numpy())[0])
        raise UploadError(f"Row {row + 2}: timestamp {stamps.iloc[row]} appears twice.")
    out = pd.DataFrame({"timestamp": stamps.dt.tz_localize(None) if stamps.dt.tz else stamps})
    correct_col = _find(df, ("correct",))
    total_col = _find(df, ALIASES["queries"])
    acc_col = _find(df, ("accuracy",))
    if correct_col and total_col:
        correct = numeric_column(df, correct_col)
        total = numeric_column(df, total_col)
        bad = (total < 1) | (correct < 0) | (correct > total) | (correct % 1 != 0) | \
            (total % 1 != 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise UploadError(
                f"Row {row + 2}: {correct_col!r} = {correct.iloc[row]:g} and {total_col!r} = "
                f"{total.iloc[row]:g}; counts must be whole numbers with 0 <= correct <= "
                "total and total >= 1.")
        out["queries"] = total.to_numpy()
        out["correct"] = correct.to_numpy()
        out["accuracy"] = (correct / total).to_numpy()
    elif acc_col:
        acc = numeric_column(df, acc_col)
        bad = (acc < 0) | (acc > 1)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            hint = " (a percentage? divide by 100)" if 1 < acc.iloc[row] <= 100 else ""
            raise UploadError(f"Row {row + 2}, column {acc_col!r}: {acc.iloc[row]:g} is not a "
                              f"fraction between 0 and 1{hint}.")
        out["accuracy"] = acc.to_numpy()
        if total_col:
            total = numeric_column(df, total_col)
            if (total < 1).any():
                row = int(np.flatnonzero((total < 1).to_numpy())[0])
                raise UploadError(f"Row {row + 2}, column {total_col!r}: must be at least 1.")
            out["queries"] = total.to_numpy()
    else:
        raise UploadError("The file needs an 'accuracy' column or both 'correct' and 'total' "
                          "columns.")
    for target in ("latency_p95_ms", "latency_p50_ms", "cost_per_query"):
        col = _find(df, ALIASES[target])
        if col is None:
            continue
        values = numeric_column(df, col)
        if (values <= 0).any():
            row = int(np.flatnonzero((values <= 0).to_numpy())[0])
            raise UploadError(f"Row {row + 2}, column {col!r}: {values.iloc[row]:g} must be "
                              "positive.")
        out[target] = values.to_numpy()
    if len(out) < TODAY_ROWS + MIN_BASELINE_ROWS:
        raise UploadError(f"The file has {len(out)} rows; it needs at least "
                          f"{TODAY_ROWS + MIN_BASELINE_ROWS}: {MIN_BASELINE_ROWS} or more for "
                          f"the baseline and the last {TODAY_ROWS} to monitor.")
    out = out.sort_values("timestamp", kind="stable").reset_index(drop=True)
    out["period"] = np.where(np.arange(len(out)) < len(out) - TODAY_ROWS, "baseline", "today")
    out["hour"] = out["timestamp"].dt.hour
    return out
