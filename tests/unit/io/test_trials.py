"""The trial-table reader on its own fixtures and on hostile files: text scores, NaN, one
row, 10^5 rows (refused by a named limit), formulas, unknown columns, non-UTF-8, rows
outside the space, repeated configurations, missing scores, and a JSON study document."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from crucible_io import trials as reader
from crucible_io.limits import NotTextError, ReadError, SchemaError, TooLargeError
from crucible_io.trials import MAX_TRIAL_ROWS, read_trials
from crucible_scenarios.optimization import Dimension, SearchSpace

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "trials"


def _read(text: str, name: str = "trials.csv", **kwargs):  # type: ignore[no-untyped-def]
    return read_trials(text.encode("utf-8"), name=name, **kwargs)


def test_fixture_is_read_with_an_inferred_space() -> None:
    trials = read_trials(FIXTURES / "prompt_tuning_trials.csv")
    assert trials.source_format == "CSV" and trials.maximize and trials.seed == 0
    assert list(trials.frame.columns) == ["temperature", "max_tokens", "few_shot", "style",
                                          "score", "n_queries"]
    assert len(trials.frame) == 8 and not trials.problems
    space = trials.space
    assert space["max_tokens"].log and space["max_tokens"].kind == "integer"
    assert space["temperature"].kind == "real" and not space["temperature"].log
    assert space["style"].categories == ("terse", "chatty", "formal")
    for row in trials.frame[space.names].to_dict("records"):
        assert space.contains(row)


def test_text_score_is_refused_with_its_line() -> None:
    with pytest.raises(SchemaError, match=r"trials.csv, line 3, field 'score': 'high'"):
        _read("t,score\n0.1,0.5\n0.2,high\n")


def test_nan_and_empty_scores_are_pending_rows_reported_by_line() -> None:
    trials = _read("t,score\n0.1,0.5\n0.2,NaN\n0.3,\n0.4,0.7\n")
    assert np.isnan(trials.frame["score"].iloc[1]) and np.isnan(trials.frame["score"].iloc[2])
    assert any("No score on line 3, line 4" in p for p in trials.problems), trials.problems


def test_infinite_score_is_refused() -> None:
    with pytest.raises(SchemaError, match="line 2, field 'score'"):
        _read("t,score\n0.1,inf\n0.2,0.5\n")


def test_one_row_reads_but_says_it_cannot_be_fitted() -> None:
    trials = _read("t,score\n0.1,0.5\n")
    assert len(trials.frame) == 1
    assert any("at least two" in p for p in trials.problems)


def test_hundred_thousand_rows_are_refused_by_the_named_limit() -> None:
    body = "\n".join(f"{i / 1e5},{i % 7 / 10}" for i in range(100_000))
    with pytest.raises(TooLargeError, match=f"limit is {MAX_TRIAL_ROWS:,} .MAX_TRIAL_ROWS"):
        _read("t,score\n" + body + "\n")
    rows = [{"t": i, "score": 0.5} for i in range(MAX_TRIAL_ROWS + 1)]
    with pytest.raises(TooLargeError, match="MAX_TRIAL_ROWS"):
        _read(json.dumps(rows), name="t.json")


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(A1)",
                                  "-2+3*cmd"])
def test_formulas_in_parameters_are_refused(cell: str) -> None:
    text = f"style,score\nterse,0.5\n\"{cell}\",0.6\n"
    with pytest.raises(SchemaError, match=r"line 3, field 'style'.*formula"):
        _read(text)


def test_negative_numbers_are_not_formulas() -> None:
    trials = _read("offset,score\n-2,0.5\n-0.5,0.6\n3,0.4\n")
    assert trials.space["offset"].kind == "real"
    assert trials.space["offset"].low == pytest.approx(-2.5)
    assert trials.space["offset"].high == pytest.approx(3.5)


def test_unknown_columns_with_a_given_space_are_ignored_and_named() -> None:
    space = SearchSpace((Dimension("t", "real", 0.0, 1.0),))
    trials = _read("t,notes_col,score\n0.1,x,0.5\n0.2,y,0.6\n", space=space)
    assert list(trials.frame.columns) == ["t", "score"]
    assert any("'notes_col'" in p for p in trials.problems)
    with pytest.raises(SchemaError, match="field 'u'"):
        _read("t,score\n0.1,0.5\n", space=SearchSpace((Dimension("u", "real", 0, 1),)))


def test_bad_column_names_are_refused_without_a_space() -> None:
    with pytest.raises(SchemaError, match="letters, digits"):
        _read("my param,score\n1,0.5\n2,0.6\n")


def test_non_utf8_is_refused() -> None:
    with pytest.raises(NotTextError, match="not UTF-8"):
        read_trials(b"t,score\n0.1,0.5\n\xff\xfe,0.2\n", name="bad.csv")


def test_missing_score_column_names_what_it_found() -> None:
    with pytest.raises(SchemaError, match="no 'score' column; the file has 't', 'acc'"):
        _read("t,acc\n0.1,0.5\n")


def test_outside_the_space_and_repeats_are_reported_by_line() -> None:
    space = SearchSpace((Dimension("t", "real", 0.0, 1.0),
                         Dimension("s", "categorical", categories=("a", "b"))))
    trials = _read("t,s,score\n0.1,a,0.5\n1.5,a,0.6\n0.1,a,0.7\n0.3,c,0.4\n", space=space)
    problems = " ".join(trials.problems)
    assert "Line 3: t = '1.5' is outside the space" in problems
    assert "Line 5: s = 'c' is outside the space" in problems
    assert "The same configuration on line 2, line 4 scored 0.5, 0.7" in problems


def test_maximize_column_and_bad_n_queries() -> None:
    trials = _read("t,score,maximize\n0.1,0.5,false\n0.2,0.4,false\n")
    assert trials.maximize is False
    with pytest.raises(SchemaError, match="must be the same on every row"):
        _read("t,score,maximize\n0.1,0.5,false\n0.2,0.4,true\n")
    with pytest.raises(SchemaError, match="line 3, field 'n_queries'"):
        _read("t,score,n_queries\n0.1,0.5,100\n0.2,0.4,2.5\n")


def test_json_rows_and_study_document() -> None:
    rows = [{"t": 0.1, "score": 0.5}, {"t": 0.4, "score": 0.6}]
    assert len(_read(json.dumps(rows), name="t.json").frame) == 2
    assert len(_read(json.dumps({"trials": rows}), name="t.json").frame) == 2
    study = {"format": "crucible-study", "version": 1, "seed": 9, "maximize": False,
             "space": [{"name": "t", "kind": "real", "low": 0, "high": 1, "log": False}],
             "trials": rows, "suggestions": [{"t": 0.7, "score": None}]}
    trials = _read(json.dumps(study), name="s.json")
    assert trials.seed == 9 and trials.maximize is False
    assert trials.space == SearchSpace((Dimension("t", "real", 0.0, 1.0),))
    assert trials.source_format == "study JSON" and len(trials.frame) == 3
    with pytest.raises(SchemaError, match="field 'trials'"):
        _read(json.dumps({"rows": rows}), name="t.json")
    with pytest.raises(SchemaError, match="unknown format"):
        _read(json.dumps({"format": "other", "trials": rows}), name="t.json")
    with pytest.raises(SchemaError, match="number or text"):
        _read(json.dumps([{"t": [1], "score": 1}]), name="t.json")


def test_too_many_categories_and_empty_file() -> None:
    body = "\n".join(f"v{i},{i / 100}" for i in range(reader.MAX_CATEGORIES + 1))
    with pytest.raises(SchemaError, match="at most 30"):
        _read("style,score\n" + body + "\n")
    with pytest.raises(ReadError, match="empty"):
        read_trials(b"  \n", name="e.csv")
