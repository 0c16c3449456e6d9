"""The dashboard registry against the files and the router's rules."""

from __future__ import annotations

from pathlib import Path

from crucible_ui.registry import PAGES, PROJECT_ROOT, existing_pages


def test_every_page_script_is_named_after_its_url_path() -> None:
    """Until the entrypoint has run ``st.navigation`` once, Streamlit's server knows the
    pages only by the file names in ``pages/``: a URL path that differs from its file's
    name shows "Page not found" on the first visit after a start."""
    for spec in PAGES:
        path = Path(spec.path)
        assert path.parent == Path("pages")
        assert path.stem == spec.url_path, spec


def test_every_registered_page_exists_and_every_page_is_registered() -> None:
    assert len(existing_pages()) == len(PAGES)
    on_disk = {p.relative_to(PROJECT_ROOT).as_posix()
               for p in (PROJECT_ROOT / "pages").glob("*.py")}
    assert on_disk == {spec.path for spec in PAGES}
