"""The Request Hedging page's latency-log source in a real browser: upload a log, read
what the page says it read and the recommended hedge, and see the exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_app
from tests.e2e.test_hedging_e2e import open_hedging


def test_upload_a_log_and_read_the_recommendation(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    values = np.random.default_rng(8).lognormal(np.log(400), 0.7, 2000)
    log = tmp_path / "api_latency.csv"
    log.write_text("latency_ms\n" + "\n".join(f"{v:.1f}" for v in values) + "\n")
    expected_delay = np.sort(values)[int(np.ceil(0.95 * 2000)) - 1]

    open_hedging(page)
    page.get_by_test_id("stButtonGroup").get_by_text("Your latency log", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(log))
    page.get_by_text("What was read").wait_for(state="visible", timeout=60_000)
    wait_for_app(page, timeout_ms=120_000)
    assert_no_exception(page)
    assert page.get_by_text("2,000 successful").first.is_visible()
    hedge = page.get_by_test_id("stMetric").filter(has_text="Hedge after").first
    hedge.scroll_into_view_if_needed()
    assert f"{expected_delay:,.0f} ms" in hedge.inner_text()
    code = page.get_by_test_id("stCode").filter(has_text="hedgingPolicy").first
    code.scroll_into_view_if_needed()
    assert code.is_visible()
    save_screenshot(page, "hedging-log-upload", height=4200)
