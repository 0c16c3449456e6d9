"""The Request Hedging page in a real browser: play a request stream, and the stream,
the latency histogram and the P99 before/after comparison render."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import assert_no_exception, open_path, save_screenshot, wait_for_app


def open_hedging(page) -> None:  # type: ignore[no-untyped-def]
    """Open the page through the app's navigation (a deep link's first load logs "page
    not found" before the router has registered its pages)."""
    open_path(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Request Hedging").click()
    page.wait_for_url("**/hedging**")
    wait_for_app(page)


def test_play_a_stream_and_the_charts_render(page) -> None:  # type: ignore[no-untyped-def]
    open_hedging(page)
    assert page.get_by_role("heading", name="Request Hedging").first.is_visible()
    assert_no_exception(page)

    page.get_by_test_id("stButtonGroup").get_by_text("10x faster", exact=True).click()
    wait_for_app(page)
    page.get_by_role("button", name="Play the stream live").click()
    page.get_by_text("Sending requests: done").wait_for(state="visible", timeout=30_000)
    wait_for_app(page)
    assert page.get_by_text("100 of 100 requests.").first.is_visible()
    assert_no_exception(page)

    charts = page.get_by_test_id("stVegaLiteChart")
    assert charts.count() >= 6
    for i in range(3):  # stream, histogram, P99/P99.9 before and after
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        chart.wait_for(state="visible")
        assert chart.locator("canvas, svg").count() >= 1
        box = chart.bounding_box()
        assert box is not None and box["height"] > 200
    p99 = page.get_by_test_id("stMetric").filter(has_text="P99 latency")
    assert p99.first.is_visible()
    assert "ms" in p99.first.inner_text()
    save_screenshot(page, "hedging-after-stream", height=3200)


def test_bad_delay_shows_a_message_not_a_traceback(page) -> None:  # type: ignore[no-untyped-def]
    open_hedging(page)
    slider = page.get_by_test_id("stSlider").filter(has_text="Hedge delay").get_by_role(
        "slider")
    slider.focus()
    page.keyboard.press("Home")
    wait_for_app(page)
    assert page.get_by_text("The hedge delay must be above 0 ms").first.is_visible()
    assert page.get_by_test_id("stVegaLiteChart").count() >= 6
    assert_no_exception(page)


def test_downloads_are_built_when_pressed_and_hold_the_run(page) -> None:  # type: ignore[no-untyped-def]
    open_hedging(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download per-request results (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert download.value.suggested_filename == "hedging_requests.csv"
    assert len(lines) == 1 + 100  # header and the 100 default requests
    with page.expect_download() as download:
        page.get_by_role("button", name="Download comparison (JSON)").click()
    rows = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert download.value.suggested_filename == "hedging_strategies.json"
    assert sorted(row["strategy"] for row in rows) == ["adaptive", "fixed", "none",
                                                       "percentile"]
    assert all(row["requests"] == 100 and row["p99_ms"] > 0 for row in rows)
    assert_no_exception(page)
