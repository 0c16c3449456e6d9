"""The Ensemble Reliability page in a real browser: pick a question, ask, watch the five
cards go from thinking to answered, and see the vote chart."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.conftest import assert_no_exception, open_path, save_screenshot, wait_for_app

SETTLED = re.compile(r"confidence \d+% · |after [\d,]+ ms")


def open_ensemble(page) -> None:  # type: ignore[no-untyped-def]
    """Open the page through the app's navigation: a deep link's first load makes
    Streamlit probe base paths (404s) and log "page not found" before the router has
    registered its pages, which the console check would report."""
    open_path(page)
    page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name="Ensemble Reliability").click()
    page.wait_for_url("**/ensemble**")
    wait_for_app(page)


def test_pick_a_question_ask_and_all_five_cards_fill_in(page) -> None:  # type: ignore[no-untyped-def]
    open_ensemble(page)
    assert page.get_by_role("heading", name="Ensemble Reliability").first.is_visible()
    assert_no_exception(page)

    page.get_by_test_id("stButtonGroup").get_by_text("Real time", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Medical question").click()
    page.get_by_role("option", name="med-007").click()
    wait_for_app(page)
    assert page.get_by_text("med-007:").first.is_visible()

    page.get_by_role("button", name="Ask the models").click()
    thinking = page.get_by_test_id("stExpander").filter(has_text="Thinking")
    thinking.first.wait_for(state="visible", timeout=15_000)
    wait_for_app(page)
    assert thinking.count() == 0

    settled = page.get_by_test_id("stCaptionContainer").filter(has_text=SETTLED)
    assert settled.count() == 5
    charts = page.get_by_test_id("stVegaLiteChart")
    assert charts.count() >= 4
    charts.first.wait_for(state="visible")
    assert charts.first.locator("canvas, svg").count() >= 1
    assert page.get_by_text("Correct answer:").first.is_visible()
    assert page.get_by_text("med-007", exact=False).count() >= 1
    assert_no_exception(page)
    save_screenshot(page, "ensemble-after-ask", height=2600)

    # The per-question file is built on demand when its button is pressed.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download per-question results (CSV)").click()
    path = download.value.path()
    header = Path(path).read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("question_id,strategy,kind,answer")
    assert download.value.suggested_filename == "ensemble_per_question.csv"
