"""Helpers for driving pages through ``streamlit.testing.v1.AppTest``."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from crucible_ui.registry import PROJECT_ROOT

#: Generous: the first run of a page imports scipy/pandas/altair on a shared 2-core box.
TIMEOUT_S = 180  # generous: a slow shared machine must not read as a hang
GUARD_MESSAGE = "Something went wrong while drawing this page"


def open_page(path: str, *, query: dict[str, str] | None = None) -> AppTest:
    """An AppTest for one page script (relative to the project root), already run."""
    at = AppTest.from_file(str(PROJECT_ROOT / path), default_timeout=TIMEOUT_S)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return at.run()


def assert_clean(at: AppTest) -> None:
    """No exception element and no error from the page guard (an unexpected failure)."""
    assert not at.exception, [e.value for e in at.exception]
    guard_errors = [e.value for e in at.error if GUARD_MESSAGE in str(e.value)]
    assert not guard_errors, guard_errors
