"""Production Monitoring in a real browser: the series with alert markers, the linked
panels and the retraining recommendation render without an exception.

The page is reached through the home page's link (client-side navigation), as a deep
link makes the frontend probe paths the server answers with 404s.
"""

from __future__ import annotations

from tests.e2e.conftest import assert_no_exception, open_path, save_screenshot, wait_for_app

CHARTS = '[data-testid="stVegaLiteChart"]'


def _open(page) -> None:  # type: ignore[no-untyped-def]
    open_path(page)
    page.get_by_role("link", name="Open Production Monitoring").click()
    wait_for_app(page)
    page.wait_for_url("**/monitoring**")
    assert page.get_by_role("heading", name="Production Monitoring").first.is_visible()


def test_series_alerts_and_recommendation_render(page) -> None:  # type: ignore[no-untyped-def]
    _open(page)
    assert_no_exception(page)
    charts = page.locator(CHARTS)
    charts.first.wait_for(state="attached", timeout=30_000)
    charts.nth(1).wait_for(state="attached", timeout=30_000)  # drawn one after the other
    charts.first.scroll_into_view_if_needed()
    assert charts.first.is_visible()
    page.wait_for_selector(f"{CHARTS} canvas, {CHARTS} svg", timeout=30_000)
    # the accuracy panel, its statistic chart and the recommendation with its evidence
    assert page.get_by_text("Retraining recommendation").first.is_visible()
    assert page.get_by_text("Retrain: accuracy is down").count() >= 1
    assert page.get_by_text("False alarm about every").count() >= 1
    # the alert log lists alerts that the markers show
    assert page.get_by_text("Alert log").count() >= 1
    page.wait_for_timeout(1500)
    save_screenshot(page, "monitoring", height=2600)


def test_no_degradation_day_and_narrow_screen(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 900})
    _open(page)
    page.get_by_text("None", exact=True).first.click()
    wait_for_app(page)
    assert_no_exception(page)
    assert page.locator(CHARTS).count() >= 2
    assert page.get_by_text("Retrain: accuracy is down").count() == 0
    save_screenshot(page, "monitoring_narrow", height=2400)
