"""Bad cells are reported by the line of the file they are on, however the rows above
are laid out: blank lines and quoted cells that span lines included."""

from __future__ import annotations

import pandas as pd
import pytest

from crucible_io.evals import read_eval_log
from crucible_io.latency import read_latency_log
from crucible_io.limits import SchemaError
from crucible_io.tables import line_of, numeric, read_table

# line 1: header; 2: a row; 3: blank; 4: a row; 5: the bad cell
AFTER_BLANK = "item_id,score\na,1\n\nb,0\nc,oops\n"
# line 1: header; 2-3: a row whose quoted cell holds a newline; 4: a row; 5: the bad cell
AFTER_QUOTED = 'item_id,note,score\na,"two\nlines",1\nb,x,0\nc,y,oops\n'


@pytest.mark.parametrize("text", [AFTER_BLANK, AFTER_QUOTED])
def test_numeric_names_the_line_the_cell_is_on(text: str) -> None:
    frame = read_table(text, file="t.csv")
    with pytest.raises(SchemaError, match=r"line 5\b.*score"):
        numeric(frame, "score", file="t.csv")


def test_line_of_follows_the_rows_a_filter_keeps() -> None:
    frame = read_table(AFTER_QUOTED, file="t.csv")
    kept = frame[frame["item_id"] != "a"]
    assert [line_of(kept, i) for i in range(len(kept))] == [4, 5]
    assert line_of(pd.DataFrame({"x": [1, 2]}), 1) == 3  # no source: row + 2


@pytest.mark.parametrize("text", [AFTER_BLANK, AFTER_QUOTED])
def test_readers_name_the_real_line(text: str) -> None:
    with pytest.raises(SchemaError, match=r"line 5\b"):
        read_eval_log(text.encode(), fmt="csv")
    latency = text.replace("score", "latency_ms").replace(",1\n", ",120\n").replace(
        ",0\n", ",80\n")
    with pytest.raises(SchemaError, match=r"line 5\b"):
        read_latency_log(latency.encode(), name="lat.csv", column="latency_ms")
