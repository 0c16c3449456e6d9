"""The ensemble page's "Your eval logs" source: upload, switch strategies and measures,
filter, bad uploads; and "How many calls?" at its slider extremes."""

from __future__ import annotations

from pathlib import Path

from tests.app.apptest import assert_clean, open_page
from tests.shared_fixtures import shared_fixture

PAGE = "pages/ensemble.py"
TABLE = Path(__file__).resolve().parents[1] / "fixtures" / "ensemble" / "three_models_answers.csv"


def logs_page():  # type: ignore[no-untyped-def]
    return open_page(PAGE, query={"data": "Your eval logs"})


def test_answer_table_upload_and_strategy_switch() -> None:
    at = logs_page()
    assert_clean(at)
    at.file_uploader(key="logs_upload").set_value(
        [("answers.csv", TABLE.read_bytes(), "text/csv")]).run()
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    assert any("3 models, 6 items" in m.value for m in at.markdown)
    for strategy in ("weighted", "unanimous", "best_confidence", "majority"):
        at.selectbox(key="log_vote").set_value(strategy).run()
        assert_clean(at)
    at.toggle(key="log_only").set_value(True).run()
    assert_clean(at)
    for measure in ("yule_q", "kappa", "double_fault"):
        at.selectbox(key="div_measure").set_value(measure).run()
        assert_clean(at)
    assert not any("Pareto" in c.value for c in at.caption)
    for i in range(3):
        at.number_input(key=f"price_in_{i}").set_value(1.0).run()
    assert_clean(at)
    assert any("Pareto" in c.value for c in at.caption)


def test_three_inspect_logs_upload() -> None:
    folder = shared_fixture("evals", "inspect_ai", "log-sets_set")
    files = [(p.name, p.read_bytes(), "application/zip") for p in sorted(folder.glob("*.eval"))]
    at = logs_page()
    at.file_uploader(key="logs_upload").set_value(files).run()
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    assert any("3 models, 100 items" in m.value for m in at.markdown)
    for strategy in ("weighted", "unanimous", "majority"):
        at.selectbox(key="log_vote").set_value(strategy).run()
        assert_clean(at)


def test_bad_uploads_name_the_file() -> None:
    at = logs_page()
    at.file_uploader(key="logs_upload").set_value(
        [("one.csv", b"item_id,target,answer_a\n1,A,A\n", "text/csv")]).run()
    assert_clean(at)
    assert any("one.csv" in e.value and "answer column" in e.value for e in at.error)
    at.file_uploader(key="logs_upload").set_value(
        [("a.csv", TABLE.read_bytes(), "text/csv"),
         ("b.csv", TABLE.read_bytes(), "text/csv")]).run()
    assert_clean(at)
    assert any("a.csv" in e.value for e in at.error)
    # the "How many calls?" section still draws below the error
    assert any("Self-consistency" in m.value for m in at.markdown)


def test_how_many_calls_extremes() -> None:
    at = open_page(PAGE)
    for key, value in (("easy", 0.0), ("easy", 1.0), ("p_easy", 1.0), ("p_hard", 0.0),
                       ("k_max", 101), ("k_max", 5)):
        at.slider(key=key).set_value(value).run()
        assert_clean(at)
    at.selectbox(key="scale_model").set_value("gpt-4").run()
    assert_clean(at)


def test_models_of_the_logs_can_be_renamed() -> None:
    """The names the user gives the models carry into the table of what was read (and so
    into the charts and downloads built from it)."""
    folder = shared_fixture("evals", "inspect_ai", "log-sets_set")
    files = [(p.name, p.read_bytes(), "application/zip") for p in sorted(folder.glob("*.eval"))]
    at = logs_page()
    at.file_uploader(key="logs_upload").set_value(files).run()
    assert_clean(at)
    named = [t for t in at.text_input if str(t.key).startswith("ens_name")]
    assert len(named) == 3 and len({t.value for t in named}) == 3
    named[0].set_value("the fast one").run()
    assert_clean(at)
    read = next(d.value for d in at.dataframe if "model" in d.value.columns)
    assert "the fast one" in read["model"].tolist()
