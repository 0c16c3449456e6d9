"""Fixtures shared by the reader tests."""

from __future__ import annotations

import io
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


TWO_GROUPS = HELM_TINY.parent / "helm_two_groups"


def helm_files(stored: Path, prefix: str) -> dict[str, bytes]:
    """A run the project stores under ``<prefix><HELM name>``, by HELM's own file names."""
    return {name: (stored / f"{prefix}{name}").read_bytes() for name in HELM_FILES
            if (stored / f"{prefix}{name}").is_file()}


def lay_out(folder: Path, files: dict[str, bytes]) -> Path:
    """``files`` written into ``folder`` (made), as a HELM run folder."""
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def helm_run(tmp_path: Path) -> Path:
    """A HELM run folder (HELM's file names) holding the project's tiny run."""
    return lay_out(tmp_path / "helm_tiny_run", helm_files(HELM_TINY, "tiny_helm_"))


@pytest.fixture
def two_groups_run(tmp_path: Path) -> Path:
    """A HELM run folder of the project's two-metric-group run (see its README)."""
    return lay_out(tmp_path / "harm_bench", helm_files(TWO_GROUPS, "two_groups_"))
