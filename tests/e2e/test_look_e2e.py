"""Every page in light and dark theme and on a 390 px phone screen: it renders without
exception, the theme really applies, and nothing overflows sideways. Screenshots go to
test-artifacts/screenshots; with CRUCIBLE_DOCS_SCREENSHOTS=1 the light ones also go to
docs/screenshots for the README."""

from __future__ import annotations

import os

import pytest

from crucible_ui.registry import PROJECT_ROOT, existing_pages
from tests.e2e.conftest import ARTIFACTS, assert_no_exception, open_path, save_screenshot

PAGES = existing_pages()
DOCS = os.environ.get("CRUCIBLE_DOCS_SCREENSHOTS") == "1"
BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(14, 17, 23)"}
VIEWS = [("light", 1400), ("dark", 1400), ("light", 390)]


@pytest.mark.skipif(not PAGES, reason="no dashboard pages are installed")
@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
@pytest.mark.parametrize(("scheme", "width"), VIEWS, ids=[f"{s}-{w}" for s, w in VIEWS])
def test_page_in_theme_and_width(browser, app_url, spec, scheme, width) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.app_url = app_url
    try:
        open_path(tab, spec.url_path)
        assert_no_exception(tab)
        background = tab.evaluate(
            "getComputedStyle(document.querySelector('[data-testid=\"stApp\"]'))"
            ".backgroundColor")
        assert background == BACKGROUND[scheme]
        overflow = tab.evaluate(
            "document.querySelector('[data-testid=\"stMain\"]').scrollWidth - innerWidth")
        assert overflow <= 2, f"{spec.url_path} is {overflow}px wider than a {width}px screen"
        name = f"{spec.url_path}-{scheme}-{width}"
        save_screenshot(tab, name, directory=ARTIFACTS / "screenshots")
        if DOCS and scheme == "light" and width == 1400:
            save_screenshot(tab, spec.url_path, directory=PROJECT_ROOT / "docs" / "screenshots",
                            height=2400)
    finally:
        context.close()
    assert not errors, errors
