"""Production Monitoring's per-request log source in a real browser: upload a JSON Lines
log, see what was read, the charts and the recommendation, without an exception."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_app
from tests.e2e.test_monitoring_e2e import CHARTS, _open

LOG = Path(__file__).resolve().parents[1] / "fixtures" / "monitoring" / "requests_3days.jsonl"


def test_request_log_upload_monitors_it(page) -> None:  # type: ignore[no-untyped-def]
    _open(page)
    page.get_by_test_id("stRadio").filter(has_text="Data").get_by_text(
        "Per-request log", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(LOG))
    wait_for_app(page)
    told = page.get_by_text("2,880 requests").first
    told.wait_for(state="visible", timeout=60_000)
    assert page.get_by_text("72 hourly windows").count() >= 1
    charts = page.locator(CHARTS)
    charts.first.wait_for(state="attached", timeout=30_000)
    assert charts.count() >= 2
    assert page.get_by_text("Retraining recommendation").first.is_visible()
    assert page.get_by_text("Chance of at least one false alarm").count() >= 1
    assert_no_exception(page)
    save_screenshot(page, "monitoring_requests", height=2600)


def test_bernoulli_cusum_on_a_narrow_screen(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 900})
    _open(page)
    page.get_by_test_id("stButtonGroup").filter(has_text="EWMA").get_by_text(
        "Bernoulli CUSUM", exact=True).first.click()
    wait_for_app(page)
    page.get_by_text("Bernoulli CUSUM: baseline error rate").first.wait_for(
        state="attached", timeout=60_000)
    assert page.get_by_text("Accuracy drop worth detecting (points)").count() >= 1
    assert page.get_by_text("Median time to a false alarm").count() >= 1
    assert page.get_by_text("lambda (weight of the newest)").count() == 0  # EWMA's only
    assert page.locator(CHARTS).count() >= 2
    assert_no_exception(page)
    save_screenshot(page, "monitoring_bernoulli_narrow", height=3200)
