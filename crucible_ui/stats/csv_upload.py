"""Reading a user's own per-item results for the Statistical Comparison Lab.

Two layouts are accepted:

* wide: two value columns, one per model (optionally an ``item`` or ``id`` column); each
  row is one item answered by both, so the design is paired;
* long: a ``group`` column and a ``value`` column, optionally an ``item`` column; with
  ``item`` the groups are paired on it, without it they are independent.

Values that are all 0/1 (or true/false) are analysed as binary outcomes, anything else as
a continuous metric. Every problem raises :class:`~crucible_ui.uploads.UploadError` naming
the row (1-based, after the header) or column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crucible_ui.uploads import UploadError, numeric_column, read_csv_upload, require_columns

ID_COLUMNS = ("item", "id")
MAX_GROUPS = 8

EXAMPLE_CSV = (
    "item,model_a,model_b\n"
    "q1,1,1\nq2,0,1\nq3,1,1\nq4,1,0\nq5,0,1\nq6,1,1\nq7,1,1\nq8,0,0\n"
)


@dataclass(frozen=True)
class UploadedResults:
    """Validated per-item results: one array per group, in file order of first appearance."""

    groups: dict[str, np.ndarray]
    paired: bool
    kind: str
    layout: str

    @property
    def labels(self) -> list[str]:
        """Group names."""
        return list(self.groups)


def _to_numeric(df: pd.DataFrame, column: str) -> pd.Series:
    series = df[column]
    if series.dtype == object:
        lowered = series.astype(str).str.strip().str.lower()
        if lowered.isin(["true", "false"]).all():
            return (lowered == "true").astype(float)
    if series.dtype == bool:
        return series.astype(float)
    return numeric_column(df, column)


def _kind(values: list[np.ndarray]) -> str:
    pooled = np.concatenate(values)
    return "binary" if np.all((pooled == 0) | (pooled == 1)) else "continuous"


def parse_results(data: bytes | Any) -> UploadedResults:
    """Validate an uploaded CSV of per-item results (see the module docstring)."""
    df = read_csv_upload(data)
    columns = [str(c) for c in df.columns]
    lowered = {c.lower(): c for c in columns}
    if "group" in lowered or "value" in lowered:
        return _parse_long(df, lowered)
    value_columns = [c for c in columns if c.lower() not in ID_COLUMNS]
    if len(value_columns) != 2:
        raise UploadError(
            f"Expected two value columns (one per model) or a long file with 'group' and "
            f"'value' columns; found {len(value_columns)} value column(s): "
            + ", ".join(repr(c) for c in value_columns[:6]) + ".")
    for column in value_columns:
        empty = df[column].isna()
        if empty.any():
            row = int(np.flatnonzero(empty.to_numpy())[0])
            other = value_columns[1 - value_columns.index(column)]
            raise UploadError(
                f"Row {row + 2}, column {column!r} is empty: every row is a pair, so it "
                f"needs a value for both {value_columns[0]!r} and {value_columns[1]!r}"
                f" (mismatched pair with {other!r}).")
    values = [_to_numeric(df, c).to_numpy(dtype=float) for c in value_columns]
    if len(df) < 2:
        raise UploadError("The file has only one row; a comparison needs at least 2 items.")
    return UploadedResults({value_columns[0]: values[0], value_columns[1]: values[1]},
                           paired=True, kind=_kind(values), layout="wide")


def _parse_long(df: pd.DataFrame, lowered: dict[str, str]) -> UploadedResults:
    require_columns(df.rename(columns={v: k for k, v in lowered.items()}), ["group", "value"])
    group_col, value_col = lowered["group"], lowered["value"]
    item_col = next((lowered[c] for c in ID_COLUMNS if c in lowered), None)
    missing_group = df[group_col].isna()
    if missing_group.any():
        row = int(np.flatnonzero(missing_group.to_numpy())[0])
        raise UploadError(f"Row {row + 2}, column {group_col!r} is empty; every row needs a "
                          "group name.")
    groups = df[group_col].astype(str).str.strip()
    values = _to_numeric(df, value_col)
    names = list(dict.fromkeys(groups))
    if len(names) < 2:
        raise UploadError(f"Column {group_col!r} holds only one group ({names[0]!r}); a "
                          "comparison needs at least two.")
    if len(names) > MAX_GROUPS:
        raise UploadError(f"Column {group_col!r} holds {len(names)} groups; the limit is "
                          f"{MAX_GROUPS}.")
    for name in names:
        if int((groups == name).sum()) < 2:
            raise UploadError(f"Group {name!r} has only one row; every group needs at least "
                              "2 items.")
    if item_col is None:
        arrays = {n: values[groups == n].to_numpy(dtype=float) for n in names}
        return UploadedResults(arrays, paired=False, kind=_kind(list(arrays.values())),
                               layout="long")
    items = df[item_col].astype(str).str.strip()
    duplicated = (groups + "\x00" + items).duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise UploadError(f"Row {row + 2}: item {items.iloc[row]!r} appears twice in group "
                          f"{groups.iloc[row]!r}; each item needs one value per group.")
    item_sets = {n: set(items[groups == n]) for n in names}
    all_items = set(items)
    for name in names:
        lacking = all_items - item_sets[name]
        if lacking:
            missing_item = sorted(lacking)[0]
            row = int(np.flatnonzero((items == missing_item).to_numpy())[0])
            raise UploadError(
                f"Mismatched pairs: item {missing_item!r} (row {row + 2}) has no value for "
                f"group {name!r}; paired data need every item in every group "
                f"({len(lacking)} item(s) missing from {name!r}).")
    wide = pd.DataFrame({"item": items, "group": groups, "value": values}).pivot(
        index="item", columns="group", values="value")
    order = list(dict.fromkeys(items))
    wide = wide.loc[order]
    arrays = {n: wide[n].to_numpy(dtype=float) for n in names}
    return UploadedResults(arrays, paired=True, kind=_kind(list(arrays.values())),
                           layout="long")
