"""The Optimization Playground's "Your trials" source through AppTest: upload trials, see
what was read, change the number of suggestions and the charts without an exception, a
hostile file gives a located error, and a downloaded study uploads again."""

from __future__ import annotations

from pathlib import Path

from crucible_io.trials import read_trials
from crucible_scenarios.advisor import Trials, study_csv, suggest
from tests.app.apptest import assert_clean, open_page

PATH = "pages/optimization.py"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "trials" / \
    "prompt_tuning_trials.csv"


def _upload(at, name: str, data: bytes):  # type: ignore[no-untyped-def]
    at.file_uploader(key="trials_upload").set_value((name, data, "text/csv"))
    return at.run()


def test_upload_trials_change_n_no_exception() -> None:
    at = open_page(PATH, query={"src": "Your trials"})
    assert_clean(at)
    assert at.segmented_control(key="src").value == "trials"
    at = _upload(at, "prompt_tuning_trials.csv", FIXTURE.read_bytes())
    assert_clean(at)
    assert any("**8** rows, **8** with a score" in str(m.value) for m in at.markdown)
    suggestions = at.dataframe[1].value
    assert len(suggestions) == 5
    assert {"predicted_score", "predicted_sd", "acquisition"} <= set(suggestions.columns)
    assert [m.label for m in at.metric] == ["Model's estimate of the pick",
                                            "Best single score", "Gap"]
    for n in (1, 20, 3):
        at.slider(key="n_sugg").set_value(n).run()
        assert_clean(at)
        assert len(at.dataframe[1].value) == n
    at.selectbox(key="t_acq").select("LCB").run()
    assert_clean(at)
    at.selectbox(key="pd_x").select("style").run()
    assert_clean(at)


def test_hostile_file_shows_the_readers_message() -> None:
    at = open_page(PATH, query={"src": "Your trials"})
    at = _upload(at, "bad.csv", b"t,score\n0.1,0.5\n0.2,high\n")
    assert_clean(at)
    assert any("bad\\.csv, line 3, field 'score'" in str(e.value) for e in at.error), \
        [e.value for e in at.error]


def test_study_round_trip_through_the_page() -> None:
    trials = read_trials(FIXTURE)
    trials = Trials(trials.frame, trials.space, True, 5)
    text = study_csv(trials, suggest(trials.space, trials, 2, seed=5))
    filled = text.replace(",,,suggested", ",0.63,100,tried", 2)
    at = open_page(PATH, query={"src": "Your trials"})
    at = _upload(at, "study.csv", filled.encode())
    assert_clean(at)
    assert any("**10** rows, **10** with a score" in str(m.value) for m in at.markdown)
    assert len(at.dataframe[1].value) == 5


OPTUNA = Path(__file__).resolve().parents[1] / "fixtures" / "trials" / "optuna"


def test_optuna_files_say_what_was_read_and_the_direction_can_be_chosen() -> None:
    """optuna's journal states its direction; its CSV does not, so the page reads it as
    maximized, says so, and the direction control turns the recommendation around."""
    at = open_page(PATH, query={"src": "Your trials"})
    at = _upload(at, "prompt_study.log", (OPTUNA / "prompt_study.log").read_bytes())
    assert_clean(at)
    read = " ".join(str(m.value) for m in at.markdown)
    assert "(optuna journal): **20** rows" in read and "maximized" in read
    warnings = " ".join(str(w.value) for w in at.warning)
    assert "1 FAIL, 3 PRUNED" in warnings
    at = _upload(at, "prompt_study.csv", (OPTUNA / "prompt_study.csv").read_bytes())
    assert_clean(at)
    assert "do not record the study's direction" in " ".join(
        str(w.value) for w in at.warning)
    best = at.metric[1].value  # the best single score, maximized
    direction = next(r for r in at.radio if str(r.key).startswith("tdir_"))
    assert direction.value == "maximized"
    direction.set_value("minimized").run()
    assert_clean(at)
    assert at.metric[1].value != best  # now the lowest score is the best one
    assert float(str(at.metric[1].value)) < float(str(best))
