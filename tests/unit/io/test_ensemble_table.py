"""The wide answer table reader: canonical columns and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from crucible_io.ensemble_table import read_answer_table
from crucible_io.limits import ReadError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ensemble"


def test_fixture_reads_with_canonical_columns() -> None:
    table = read_answer_table(FIXTURES / "three_models_answers.csv")
    assert list(table.columns[:5]) == ["item_id", "target", "answer_alpha", "answer_beta",
                                       "answer_gamma"]
    assert list(table["item_id"]) == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert table["confidence_gamma"].tolist()[3] == pytest.approx(0.99)


def test_bare_model_columns_become_answer_columns(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_text("Item_ID,Target,gpt,claude\n1,A,A,B\n2,B,,B\n")
    table = read_answer_table(path)
    assert list(table.columns) == ["item_id", "target", "answer_gpt", "answer_claude"]
    assert table["answer_gpt"].tolist() == ["A", None]
    assert table["item_id"].tolist() == ["1", "2"]


def test_wide_table_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "answers.csv"
    bad.write_text("item_id,target,answer_a\n1,A,A\n")
    with pytest.raises(ReadError, match=r"answers\.csv.*1 answer column"):
        read_answer_table(bad)
    bad.write_text("item_id,target,answer_a,answer_b\n1,A,A,B\n1,A,B,B\n")
    with pytest.raises(ReadError, match=r"answers\.csv, line 3.*appears twice"):
        read_answer_table(bad)
    bad.write_text("id,answer_a,answer_b\n1,A,B\n")
    with pytest.raises(ReadError, match="item_id"):
        read_answer_table(bad)
    bad.write_text("item_id,target,answer_a,answer_b,confidence_a\n1,A,A,B,1.5\n")
    with pytest.raises(ReadError, match=r"line 2.*confidence_a"):
        read_answer_table(bad)


