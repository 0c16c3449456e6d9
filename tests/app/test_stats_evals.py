"""Stats Lab, "Your eval logs" source: upload logs, switch choices, bad files."""

from __future__ import annotations

from pathlib import Path

from tests.app.apptest import assert_clean, open_page
from tests.shared_fixtures import shared_fixture

PAGE = "pages/stats.py"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "evals"


def _upload(at, paths):
    files = [(p.name, p.read_bytes(), "application/octet-stream") for p in paths]
    at.file_uploader(key="evals_upload").set_value(files)
    return at.run()


def test_two_inspect_logs_compare_and_switch_cluster():
    folder = shared_fixture("evals", "inspect_ai", "log-sets_set")
    at = open_page(PAGE, query={"src": "eval logs"})
    assert_clean(at)
    at = _upload(at, sorted(folder.glob("*.eval")))
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    texts = " ".join(str(m.value) for m in at.markdown)
    assert "Paired CI" in texts and "unpaired CI" in texts
    # gpt-5 vs claude: 0.05, paired SE 0.02973 (as crucible-compare and the unit tests find)
    assert "[-0.0083, +0.1083]" in texts
    runs = at.selectbox(key="ev_b").options
    assert len(runs) == 3 and at.selectbox(key="ev_a").value == runs[0]
    at.selectbox(key="ev_b").set_value(runs[2])
    at = at.run()
    assert_clean(at)
    options = at.selectbox(key="ev_cluster").options
    if len(options) > 1:
        at.selectbox(key="ev_cluster").set_value(options[1])
        at = at.run()
        assert_clean(at)
    at.number_input(key="ev_delta").set_value(10.0)
    at = at.run()
    assert_clean(at)


def test_epochs_metadata_and_metric_switch_on_own_fixtures():
    at = open_page(PAGE, query={"src": "eval logs"})
    at = _upload(at, [FIXTURES / "tiny_two_epochs.eval", FIXTURES / "tiny_two_epochs.eval"])
    assert_clean(at)
    # two copies of one run: the page still reads it, and says what it read
    assert at.dataframe
    at = open_page(PAGE, query={"src": "eval logs"})
    at = _upload(at, [FIXTURES / "samples_tinygen_2026-03-02T11-00-00.000002.jsonl",
                      FIXTURES / "samples_tinymc_2026-03-01T10-00-00.000001.jsonl"])
    assert_clean(at)
    for key in ("ev_metric", "ev_filter", "ev_scorer", "ev_cluster"):
        try:
            box = at.selectbox(key=key)
        except KeyError:
            continue
        if len(box.options) > 1:
            box.set_value(box.options[-1])
            at = at.run()
            assert_clean(at)


def test_bad_files_give_a_message():
    at = open_page(PAGE, query={"src": "eval logs"})
    at.file_uploader(key="evals_upload").set_value(
        [("broken.json", b'{"samples": [', "application/json"),
         ("other.eval", b"PK\x03\x04 not a zip", "application/octet-stream")])
    at = at.run()
    assert_clean(at)
    assert at.error and "Cannot read" in str(at.error[0].value)
    at.file_uploader(key="evals_upload").set_value(
        [("latin.jsonl", "caf\xe9".encode("latin-1"), "application/json")])
    at = at.run()
    assert_clean(at)
    assert at.error


def test_epochs_show_the_within_item_share():
    at = open_page(PAGE, query={"src": "eval logs"})
    own = FIXTURES / "tiny_two_epochs.eval"
    at = _upload(at, [own, own])
    assert_clean(at)
    captions = " ".join(str(c.value) for c in at.caption)
    assert "scored each question 2 times" in captions, captions


def test_a_whole_lm_eval_output_folder_is_two_named_runs():
    """The folder uploader: lm-eval's <output>/<model>/ layout, each model folder with its
    own results file; the two runs are named by the results (not by the shared file
    names) and compared."""
    import json

    samples = FIXTURES / "samples_tinymc_2026-03-01T10-00-00.000001.jsonl"
    results = json.loads((FIXTURES / "results_2026-03-01T10-00-00.000001.json").read_text())
    lines = samples.read_text().splitlines()
    files = []
    for folder, model, keep in (("org__alpha-1b", "org/alpha-1b", lines),
                                ("org__beta-7b", "org/beta-7b", lines[::-1])):
        files.append((f"out/{folder}/{samples.name}", "\n".join(keep).encode(),
                      "application/octet-stream"))
        files.append((f"out/{folder}/results_2026-03-01T10-00-00.000001.json",
                      json.dumps({**results, "model_name": model}).encode(),
                      "application/json"))
    at = open_page(PAGE, query={"src": "eval logs"})
    at.file_uploader(key="evals_upload_folder").set_value(files)
    at = at.run()
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    runs = at.selectbox(key="ev_b").options
    assert len(runs) == 2 and any("org/alpha-1b" in r for r in runs)
    assert any("org/beta-7b" in r for r in runs)


def test_runs_are_told_apart_and_renamed_everywhere():
    """Two runs of files that record no model (the lab's CSV layout) get different default
    names; the name the user types labels the picker, the tiles and the reports."""
    csv = FIXTURES / "tiny_single_run.csv"
    text = csv.read_text()
    files = [("run_one.csv", text.encode(), "text/csv"),
             ("run_two.csv", text.encode(), "text/csv")]
    at = open_page(PAGE, query={"src": "eval logs"})
    at.file_uploader(key="evals_upload").set_value(files)
    at = at.run()
    assert_clean(at)
    runs = at.selectbox(key="ev_b").options
    assert len(set(runs)) == 2
    named = [t for t in at.text_input if str(t.key).startswith("ev_name")]
    assert len(named) == 2 and named[0].value != named[1].value
    named[1].set_value("candidate prompt v2")
    at = at.run()
    assert_clean(at)
    assert any("candidate prompt v2" in o for o in at.selectbox(key="ev_b").options)
    assert any("candidate prompt v2" in str(m.label) for m in at.metric)
    # and the reports offered for download call the run by that name
    from crucible_ui.stats.evals_upload import analyse

    found = analyse(tuple((n, d) for n, d, _m in files), None, None, None, 0, 1, None, 0.05,
                    ("baseline", "candidate prompt v2"))
    assert all("candidate prompt v2" in report for report in found.reports.values())
