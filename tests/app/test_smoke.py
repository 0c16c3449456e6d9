"""Every registered dashboard renders through AppTest with no exception."""

from __future__ import annotations

import pytest

from crucible_ui.registry import existing_pages
from tests.app.apptest import assert_clean, open_page

PAGES = existing_pages()


@pytest.mark.skipif(not PAGES, reason="no dashboard pages are installed")
@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_renders_without_exception(spec) -> None:  # type: ignore[no-untyped-def]
    at = open_page(spec.path)
    assert_clean(at)
    assert at.title, f"{spec.path} has no title"
