"""The home page renders one card per registered, existing dashboard."""

from __future__ import annotations

from crucible_ui.registry import PAGES, existing_pages
from tests.app.apptest import assert_clean, open_page


def test_home_renders_a_card_per_existing_page() -> None:
    at = open_page("Home.py")
    assert_clean(at)
    assert at.title[0].value == "Crucible Examples"
    headers = [h.value for h in at.subheader]
    # Cards fill the grid row by row, so the page (and a phone, where the columns stack)
    # lists them in the sidebar's order.
    assert headers == [spec.title for spec in existing_pages()]
    assert len(at.get("page_link")) == len(existing_pages())


def test_registry_entries_are_unique_and_named_as_promised() -> None:
    assert len({p.url_path for p in PAGES}) == len(PAGES)
    assert len({p.path for p in PAGES}) == len(PAGES)
    names = ["ensemble", "hedging", "stats", "trace", "monitoring", "optimization"]
    for spec, name in zip(PAGES, names, strict=True):
        assert spec.path == f"pages/{name}.py"
