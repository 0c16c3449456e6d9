"""The ensemble page's eval-log source in a real browser: upload an answer table of three
models and see the pairwise diversity heatmap drawn."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_app
from tests.e2e.test_ensemble_e2e import open_ensemble

TABLE = Path(__file__).resolve().parents[1] / "fixtures" / "ensemble" / "three_models_answers.csv"


def test_diversity_heatmap_renders(page) -> None:  # type: ignore[no-untyped-def]
    open_ensemble(page)
    page.get_by_test_id("stRadio").filter(has_text="Data source").get_by_text(
        "Your eval logs", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(TABLE))
    wait_for_app(page)
    page.get_by_text("What was read").first.wait_for(state="visible", timeout=30_000)
    heading = page.get_by_text("Do the models make different mistakes?").first
    heading.scroll_into_view_if_needed()
    charts = page.get_by_test_id("stVegaLiteChart")
    heatmap = charts.filter(has=page.locator("[aria-label*='heatmap' i], canvas, svg")).nth(1)
    heatmap.scroll_into_view_if_needed()
    heatmap.locator("canvas, svg").first.wait_for(state="visible", timeout=30_000)
    box = heatmap.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 150
    assert_no_exception(page)
    save_screenshot(page, "ensemble-logs-diversity", height=3000)
