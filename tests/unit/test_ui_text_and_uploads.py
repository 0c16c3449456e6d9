"""Escaping, formula neutralization, upload validation and share links."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from crucible_ui.text import csv_safe, escape_markdown, neutralize_formula
from crucible_ui.uploads import (
    UploadError,
    numeric_column,
    read_csv_upload,
    read_json_upload,
    require_columns,
)
from crucible_ui.urlstate import share_link


def test_escape_markdown_neutralizes_markup() -> None:
    escaped = escape_markdown("**bold** <script>alert(1)</script> [x](y)")
    assert "\\*\\*bold\\*\\*" in escaped
    assert "\\<script\\>" in escaped
    assert "\\[x\\]\\(y\\)" in escaped


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_formula_cells_are_quoted(cell: str) -> None:
    assert neutralize_formula(cell) == "'" + cell


def test_csv_safe_leaves_numbers_and_plain_text() -> None:
    df = pd.DataFrame({"n": [-1.5, 2.0], "s": ["=HYPERLINK(1)", "plain"]})
    safe = csv_safe(df)
    assert safe["n"].tolist() == [-1.5, 2.0]
    assert safe["s"].tolist() == ["'=HYPERLINK(1)", "plain"]
    assert df["s"].iloc[0] == "=HYPERLINK(1)"  # the input is not modified


def test_read_csv_upload_parses_and_strips_headers() -> None:
    df = read_csv_upload(b"a, b\n1, 2\n3, 4\n")
    assert list(df.columns) == ["a", "b"]
    assert df["b"].tolist() == [2, 4]
    assert read_csv_upload(io.BytesIO(b"\xef\xbb\xbfa\n1\n"))["a"].tolist() == [1]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"a,b\n", "no data rows"),
    (b"\xff\xfe\x00a", "not UTF-8"),
    (b"a,a\n1,2\n", "more than once"),
    (b'a,b\n"1,2\n', "not valid CSV"),
])
def test_read_csv_upload_rejects_bad_files(data: bytes, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        read_csv_upload(data)


def test_upload_size_and_row_limits() -> None:
    with pytest.raises(UploadError, match="limit is"):
        read_csv_upload(b"a\n" + b"1\n" * 100, max_bytes=50)
    with pytest.raises(UploadError, match="rows; the limit"):
        read_csv_upload(b"a\n" + b"1\n" * 100, max_rows=10)


def test_require_columns_and_numeric_column_name_the_problem() -> None:
    df = pd.DataFrame({"x": ["1", "2", "oops", "inf"]})
    with pytest.raises(UploadError, match="Missing column 'y'"):
        require_columns(df, ["x", "y"])
    with pytest.raises(UploadError, match=r"Row 4, column 'x': 'oops'"):
        numeric_column(df, "x")
    with pytest.raises(UploadError, match=r"Row 3, column 'x': 'inf'"):
        numeric_column(pd.DataFrame({"x": ["1", "inf"]}), "x")
    assert numeric_column(pd.DataFrame({"x": ["1", "2.5"]}), "x").tolist() == [1.0, 2.5]


def test_read_json_upload_reports_position() -> None:
    assert read_json_upload(b'{"a": [1, 2]}') == {"a": [1, 2]}
    with pytest.raises(UploadError, match="line 2, column"):
        read_json_upload(b'{\n "a": }')
    with pytest.raises(UploadError, match="nests JSON arrays or objects too deeply"):
        read_json_upload(b"[" * 100_000 + b"]" * 100_000)


def test_share_link_carries_every_parameter() -> None:
    link = share_link("hedging", {"seed": ["7"], "models": ["a", "b"], "q": ["x y&z"]})
    assert link == "http://localhost:8501/hedging?seed=7&models=a&models=b&q=x+y%26z"


def test_table_downloads_round_trip_and_defuse_formulas() -> None:
    import json

    from crucible_ui.widgets import table_csv, table_json

    df = pd.DataFrame({"id": [1, 2], "note": ["=cmd|' /C calc'!A0", "plain"],
                       "when": pd.to_datetime(["2026-01-02", "2026-01-03"]),
                       "value": [0.5, float("nan")]})
    back = pd.read_csv(io.BytesIO(table_csv(df)))
    assert list(back.columns) == list(df.columns) and len(back) == 2
    assert back["note"][0] == "'=cmd|' /C calc'!A0" and back["note"][1] == "plain"
    records = json.loads(table_json(df))
    assert records[0]["when"].startswith("2026-01-02T") and records[1]["value"] is None
    assert [r["id"] for r in records] == [1, 2]
