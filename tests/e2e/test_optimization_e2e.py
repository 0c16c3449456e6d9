"""The Optimization Playground in a real browser: a Bayesian search converges live and
the convergence chart grows trial by trial up to the budget.

The page is reached through the home page's link (client-side navigation): a deep link
makes Streamlit's frontend probe ``/optimization/_stcore/...`` first, which the server
answers with 404s that the console check would count as errors.
"""

from __future__ import annotations

import re
import time

from tests.e2e.conftest import assert_no_exception, open_path, save_screenshot, wait_for_app

CHARTS = '[data-testid="stVegaLiteChart"]'
TRIALS = 16


def _open(page) -> None:  # type: ignore[no-untyped-def]
    open_path(page)
    page.get_by_role("link", name="Open Optimization Playground").click()
    wait_for_app(page)
    page.wait_for_url("**/optimization**")
    assert page.get_by_role("heading", name="Optimization Playground").first.is_visible()


def _trials_shown(page) -> int | None:  # type: ignore[no-untyped-def]
    label = page.get_by_text(re.compile(r"Trials run: \d+ of \d+"))
    if label.count() == 0:
        return None
    match = re.search(r"Trials run: (\d+) of (\d+)", label.first.inner_text())
    assert match and int(match.group(2)) == TRIALS
    return int(match.group(1))


def test_bayesian_search_grows_the_convergence_chart(page) -> None:  # type: ignore[no-untyped-def]
    _open(page)
    assert_no_exception(page)
    assert page.locator(CHARTS).count() == 0  # nothing is computed before Run
    # budget 30 -> 16 with the keyboard on the slider, real-time playback
    thumb = page.get_by_role("slider", name="Trials (budget)")
    thumb.focus()
    for _ in range(30 - TRIALS):
        thumb.press("ArrowLeft")
    wait_for_app(page)
    page.get_by_text("Real time", exact=True).first.click()
    wait_for_app(page)
    assert f"trials={TRIALS}" in page.url and "Real+time" in page.url.replace("%20", "+")
    page.get_by_role("button", name="Run search").click()
    seen: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        count = _trials_shown(page)
        if count is not None and (not seen or count != seen[-1]):
            seen.append(count)
            if count == TRIALS:
                break
        page.wait_for_timeout(100)
    wait_for_app(page)
    assert seen and seen[-1] == TRIALS, seen
    assert len(seen) >= 3 and seen == sorted(seen), seen  # it grew while running
    assert page.locator(CHARTS).first.is_visible()
    # convergence, validation bars, surrogate heatmap, parallel coordinates
    assert page.locator(CHARTS).count() >= 4
    assert page.get_by_text("Regret vs true optimum").first.is_visible()
    assert_no_exception(page)
    save_screenshot(page, "optimization-after-run", height=3600)


def test_bad_range_shows_a_message_and_narrow_layout(page) -> None:  # type: ignore[no-untyped-def]
    _open(page)
    editor = page.get_by_role("textbox", name="Search space (one dimension per line)")
    editor.fill("temperature real 2 0")
    editor.press("Control+Enter")
    wait_for_app(page)
    assert page.get_by_text("low (2) must be below high (0)").first.is_visible()
    assert page.get_by_role("button", name="Run search").is_disabled()
    assert_no_exception(page)
    page.get_by_role("button", name="Reset to the default space").click()
    wait_for_app(page)
    assert page.get_by_role("button", name="Run search").is_enabled()
    page.set_viewport_size({"width": 390, "height": 900})
    wait_for_app(page)
    save_screenshot(page, "optimization-narrow")
