"""Stats Lab "eval logs" source in a real browser: upload two Inspect .eval logs and read
the paired confidence interval on the page."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import assert_no_exception, wait_for_app
from tests.e2e.test_stats_e2e import open_stats
from tests.shared_fixtures import shared_fixture

GPT = "2025-09-15T15-02-26-04-00_popularity_L8g2GLGDDfsiXvdJ8LyZNJ.eval"
GEMINI = "2025-09-15T15-02-26-04-00_popularity_eF3BogZE3jzpiWBjjDWbik.eval"


def test_upload_two_inspect_logs_and_read_the_paired_ci(page) -> None:  # type: ignore[no-untyped-def]
    folder = shared_fixture("evals", "inspect_ai", "log-sets_set")
    open_stats(page)
    page.get_by_test_id("stButtonGroup").get_by_text("eval logs", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        [str(folder / GPT), str(folder / GEMINI)])
    wait_for_app(page)
    page.get_by_text("Paired CI").first.wait_for(state="visible", timeout=60_000)
    assert_no_exception(page)
    # gpt-5 (A) against gemini-2.5-pro (B): 0.14 better, paired SE 0.03766
    paired = page.get_by_text("[+0.0662, +0.2138]").first
    assert paired.is_visible()
    assert page.get_by_text("[+6.6, +21.4] pts").first.is_visible()
    assert page.get_by_text("narrower").first.is_visible()
    assert page.get_by_text("Exact McNemar test").first.is_visible()
    assert page.get_by_test_id("stVegaLiteChart").count() >= 2


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "evals"


def test_upload_a_whole_lm_eval_output_folder(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The folder uploader, as a user picks lm-eval's output folder: two model folders,
    each with its samples and results file; both runs are read and named by model."""
    samples = FIXTURES / "samples_tinymc_2026-03-01T10-00-00.000001.jsonl"
    results = json.loads((FIXTURES / "results_2026-03-01T10-00-00.000001.json").read_text())
    lines = samples.read_text().splitlines()
    out = tmp_path / "out"
    for folder, model, keep in (("org__alpha-1b", "org/alpha-1b", lines),
                                ("org__beta-7b", "org/beta-7b", lines[::-1])):
        (out / folder).mkdir(parents=True)
        (out / folder / samples.name).write_text("\n".join(keep))
        (out / folder / "results_2026-03-01T10-00-00.000001.json").write_text(
            json.dumps({**results, "model_name": model}))
    open_stats(page)
    page.get_by_test_id("stButtonGroup").get_by_text("eval logs", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").nth(1).set_input_files(str(out))
    wait_for_app(page)
    page.get_by_text("Paired CI").first.wait_for(state="visible", timeout=60_000)
    assert_no_exception(page)
    # the run pickers show the runs by the models their results files name
    def picked(label: str) -> str:
        box = page.get_by_test_id("stSelectbox").filter(has_text=label)
        return str(box.inner_text()) + " " + " ".join(
            box.locator("input").evaluate_all("els => els.map(e => e.value)"))

    shown = picked("Run A") + " " + picked("Run B")  # in the order the browser sent them
    assert "org/alpha-1b" in shown and "org/beta-7b" in shown
