"""Fixtures shared by the reader tests."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from crucible_io.limits import zipfile  # with Zstandard (the standard one from 3.14)

HELM_TINY = Path(__file__).resolve().parents[2] / "fixtures" / "evals" / "helm_tiny_run"
#: The project's tiny HELM run is stored under its own names; a HELM run folder needs
#: these exact file names, so each test gets a folder laid out as HELM writes it.
HELM_FILES = ("per_instance_stats.json", "run_spec.json", "scenario_state.json", "stats.json")


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of ``members`` (name: bytes), every member written with ``method``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def helm_run(tmp_path: Path) -> Path:
    """A HELM run folder (HELM's file names) holding the project's tiny run."""
    folder = tmp_path / "helm_tiny_run"
    folder.mkdir()
    for name in HELM_FILES:
        shutil.copyfile(HELM_TINY / f"tiny_helm_{name}", folder / name)
    return folder
