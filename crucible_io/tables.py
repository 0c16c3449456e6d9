"""CSV and TSV files into DataFrames, under the same guards as every reader.

Rows are reported by the line of the file they start on (the header's line is counted,
blank lines are skipped as pandas skips them, and a quoted cell may span several lines),
so a message such as ``latency.csv, line 14, field 'elapsed': 'abc' is not a number``
points at the cell.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from crucible_io.limits import MalformedError, SchemaError

#: Largest number of data rows a table may hold.
MAX_TABLE_ROWS = 2_000_000
#: Where :func:`read_table` keeps the text and separator a frame was parsed from, so a
#: row's line in the file can be found when a message needs it (``DataFrame.attrs``).
SOURCE_ATTR = "crucible_io.source"
#: Frames built from another layout (XML) carry each row's file line here, by label.
LINES_ATTR = "crucible_io.lines"


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
    frame.attrs[SOURCE_ATTR] = (text, sep)
    return frame


def _record_lines(text: str, sep: str) -> list[int]:
    """The line on which every data record starts (1-based, header excluded), counting
    records as pandas does: empty lines are skipped, a quoted cell may hold newlines."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    starts: list[int] = []
    previous = 0
    header_seen = False
    for row in reader:
        start, previous = previous + 1, reader.line_num
        if not row:
            continue
        if header_seen:
            starts.append(start)
        header_seen = True
    return starts


def lines_of(frame: pd.DataFrame, labels: np.ndarray | list[int]) -> np.ndarray:
    """The file lines of the rows with these index labels of a frame :func:`read_table`
    returned (or a frame filtered from it, which keeps its labels); ``label + 2`` where
    the frame's source is unknown. A frame built from another layout gives its rows' lines
    in ``frame.attrs[LINES_ATTR]``."""
    label_array = np.asarray(labels, dtype=np.int64)
    source = frame.attrs.get(SOURCE_ATTR)
    records = frame.attrs.get(LINES_ATTR)
    if records is None:
        if source is None:
            return label_array + 2
        records = _record_lines(*source)
    # a sentinel after the last record keeps the lookup in range for any label
    starts = np.asarray([*records, -1], dtype=np.int64)
    found = starts[np.clip(label_array, -1, len(starts) - 1)]
    inside = (label_array >= 0) & (label_array < len(starts) - 1)
    return np.where(inside, found, label_array + 2)


class RowLines:
    """The file lines of some rows of a :func:`read_table` frame (by index label), found
    only when one is asked for: an error message needs one, a good file never does."""

    def __init__(self, frame: pd.DataFrame, labels: np.ndarray) -> None:
        self._frame = frame
        self._labels = np.asarray(labels, dtype=np.int64)
        self._lines: np.ndarray | None = None

    def __getitem__(self, i: int) -> int:
        if self._lines is None:
            self._lines = lines_of(self._frame, self._labels)
        return int(self._lines[i])


def line_of(frame: pd.DataFrame, position: int) -> int:
    """The file line of the row at ``position`` (0-based, in the frame's order) of a
    frame :func:`read_table` returned or one filtered from it."""
    label = frame.index[position]
    if not isinstance(label, int | np.integer):
        return int(position) + 2
    return int(lines_of(frame, [int(label)])[0])


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
        raise SchemaError(what, file=file, line=line_of(frame, row), field=column)
    return values
