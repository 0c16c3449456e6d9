"""The home page in a real browser: cards for the dashboards, and a link that works."""

from __future__ import annotations

from crucible_ui.registry import existing_pages
from tests.e2e.conftest import assert_no_exception, open_path, save_screenshot, wait_for_app


def test_home_shows_cards_and_a_link_opens_a_dashboard(page) -> None:  # type: ignore[no-untyped-def]
    open_path(page)
    assert page.get_by_role("heading", name="Crucible Examples").first.is_visible()
    assert_no_exception(page)
    pages = existing_pages()
    for spec in pages:
        assert page.get_by_role("heading", name=spec.title).count() >= 1
    save_screenshot(page, "home")
    if pages:
        page.get_by_role("link", name=f"Open {pages[0].title}").click()
        wait_for_app(page)
        page.wait_for_url(f"**/{pages[0].url_path}**")
        assert page.get_by_role("heading", name=pages[0].title).first.is_visible()
        assert_no_exception(page)
