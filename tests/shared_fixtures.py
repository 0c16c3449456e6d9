"""Where the real files written by other tools live: ``../shared/fixtures`` beside the
project. Tests that read them skip when the folder is absent (a user's clone); in CI
(``CI=true``) the folder is always there, so its absence fails instead of skipping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crucible_ui.registry import PROJECT_ROOT

SHARED_FIXTURES = Path(os.environ.get("CRUCIBLE_SHARED_FIXTURES",
                                      PROJECT_ROOT.parent / "shared" / "fixtures"))


def shared_fixture(*parts: str) -> Path:
    """The path of a real file under ``../shared/fixtures`` (skips the test, or fails it
    in CI, when the folder is absent)."""
    if not SHARED_FIXTURES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED_FIXTURES} is missing; CI must have the shared fixtures")
        pytest.skip(f"{SHARED_FIXTURES} is absent")
    path = SHARED_FIXTURES.joinpath(*parts)
    assert path.exists(), f"{path} is listed by the test but not in the shared fixtures"
    return path
