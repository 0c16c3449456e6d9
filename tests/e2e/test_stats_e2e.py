"""The Statistical Comparison Lab in a real browser: run an experiment, see the charts,
download the Markdown report and check what it says."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, open_path, save_screenshot, wait_for_app


def open_stats(page) -> None:  # type: ignore[no-untyped-def]
    """Open the page through the app's navigation (a deep link's first load probes base
    paths before the router has registered its pages)."""
    open_path(page)
    page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name="Statistical Comparison Lab").click()
    page.wait_for_url("**/stats**")
    wait_for_app(page)


def test_run_experiment_and_download_the_markdown_report(page) -> None:  # type: ignore[no-untyped-def]
    open_stats(page)
    assert page.get_by_role("heading", name="Statistical Comparison Lab").first.is_visible()
    assert_no_exception(page)
    page.get_by_test_id("stButtonGroup").get_by_text("Instant", exact=True).click()
    wait_for_app(page)
    page.get_by_role("button", name="Run experiment").click()
    wait_for_app(page)
    assert_no_exception(page)
    charts = page.get_by_test_id("stVegaLiteChart")
    charts.first.wait_for(state="visible")
    assert charts.count() >= 4
    assert charts.first.locator("canvas, svg").count() >= 1
    assert page.get_by_text("exact McNemar test").first.is_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Report (md)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "stats_accuracy_report.md"
    for needle in ("# Statistical comparison report", "Hypothesis", "Design",
                   "exact McNemar test", "p-value", "risk difference", "Achieved power",
                   "Verdict", "Reproducibility", "seed 42", "statsmodels"):
        assert needle in text, needle
    assert "paired: both on the same 100 items" in text
    page.wait_for_timeout(1500)
    save_screenshot(page, "stats-after-run", height=3200)
    page.wait_for_timeout(1500)
    save_screenshot(page, "stats-after-run-settled")
    page.set_viewport_size({"width": 390, "height": 2400})
    wait_for_app(page)
    save_screenshot(page, "stats-narrow")
    assert_no_exception(page)
