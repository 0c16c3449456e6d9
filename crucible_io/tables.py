"""CSV and TSV files into DataFrames, under the same guards as every reader.

Rows are reported by their line in the file (the header is line 1), so a message such as
``latency.csv, line 14, field 'elapsed': 'abc' is not a number`` points at the cell.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from crucible_io.limits import MalformedError, SchemaError

#: Largest number of data rows a table may hold.
MAX_TABLE_ROWS = 2_000_000


def read_table(text: str, *, file: str, sep: str | None = None,
               max_rows: int = MAX_TABLE_ROWS) -> pd.DataFrame:
    """Parse CSV (or TSV, or ``sep``) text into a DataFrame of strings and numbers.

    The separator is sniffed among comma, tab and semicolon when not given. Refuses a
    header without rows, duplicate column names and more than ``max_rows`` rows. Column
    names are stripped of white space.
    """
    if sep is None:
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        sep = max((",", "\t", ";"), key=first.count)
    header = next(csv.reader(io.StringIO(text), delimiter=sep), [])
    names = [name.strip() for name in header]
    if not any(names):
        raise MalformedError("the first line holds no column names", file=file, line=1)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SchemaError("column appears more than once", file=file, line=1,
                              field=name)
        seen.add(name)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True,
                            nrows=max_rows + 1, low_memory=False)
    except pd.errors.ParserError as exc:
        raise MalformedError(f"not valid CSV ({str(exc).strip()})", file=file) from None
    except pd.errors.EmptyDataError:
        raise MalformedError("the file holds no table", file=file) from None
    if frame.empty:
        raise SchemaError("the header has no data rows under it", file=file, line=2)
    if len(frame) > max_rows:
        raise SchemaError(f"more than {max_rows:,} rows; the limit is {max_rows:,}",
                          file=file)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def numeric(frame: pd.DataFrame, column: str, *, file: str,
            allow_missing: bool = False) -> np.ndarray:
    """A column as finite floats. The first cell that is text, infinite or (unless
    ``allow_missing``) empty raises a :class:`SchemaError` naming its line."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if allow_missing:
        bad &= raw.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        shown = raw.iloc[row]
        what = "is empty" if pd.isna(shown) else f"{str(shown)[:40]!r} is not a finite number"
        raise SchemaError(what, file=file, line=row + 2, field=column)
    return values
