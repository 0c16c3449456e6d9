"""A link straight to a dashboard, opened on a server that has just started (as after a
Community Cloud app wakes up), shows that dashboard on the first visit, drawn through
the entrypoint's navigation."""

from __future__ import annotations

import pytest

from crucible_ui.registry import existing_pages
from tests.e2e.conftest import APP_IDLE, is_benign, streamlit_server


@pytest.mark.parametrize("spec", existing_pages(), ids=lambda spec: spec.url_path)
def test_deep_link_opens_its_page_on_a_fresh_server(browser: object, spec: object) -> None:
    url_path = spec.url_path  # type: ignore[attr-defined]
    title = spec.title  # type: ignore[attr-defined]
    with streamlit_server(f"fresh-server-{url_path}") as url:
        context = browser.new_context()  # type: ignore[attr-defined]
        tab = context.new_page()
        problems: list[str] = []
        tab.on("console", lambda msg: problems.append(msg.text)
               if msg.type == "error" and not is_benign(msg) else None)
        tab.goto(f"{url}/{url_path}?seed=7")
        tab.wait_for_selector(APP_IDLE, timeout=90_000)
        body = tab.inner_text("body")
        sidebar = tab.inner_text('[data-testid="stSidebar"]')
        headings = tab.get_by_test_id("stMain").get_by_role("heading", name=title).count()
        context.close()
    assert "Page not found" not in body
    # drawn once, through the entrypoint's navigation (its sections and page titles), not
    # as a version-1 multipage app with a sidebar of file names
    assert headings == 1
    assert "Dashboards" in sidebar and "Statistical Comparison Lab" in sidebar
    assert not problems, problems
