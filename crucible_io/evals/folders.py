"""Whole output folders of eval tools, as files with the folder each came from.

A user hands over what a tool wrote: lm-evaluation-harness writes
``<output>/<model>/results_<date>.json`` beside ``samples_<task>_<date>.jsonl`` (the model
folder named with every ``/`` of the model name written ``__``), HELM one folder per run
(``per_instance_stats.json`` beside ``run_spec.json``, ``stats.json``,
``scenario_state.json``), Inspect a folder of ``.eval`` / ``.json`` logs. Such a folder
arrives as a folder on disk, as a folder upload (each file named by its path inside the
folder), or as a zip of the folder. :func:`gather` turns each into files that keep their
folder (the *group*), so the files of one run are read together and a run's model can
come from its folder's name.

A zip is a folder when it is neither an Inspect ``.eval`` log nor a single HELM run; its
members are read in memory under the archive's caps (:class:`~crucible_io.limits.SafeZip`),
and only members that can be eval logs (``.json``, ``.jsonl``, ``.eval``) are kept; hidden
files and macOS resource forks are skipped.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from crucible_io.evals.common import INSPECT_EVAL
from crucible_io.evals.detect import EVAL_FORMATS
from crucible_io.limits import Loaded, SafeZip, Source, is_zip, load_source

#: Extensions of members of a folder zip that may be eval logs.
LOG_SUFFIXES = (".json", ".jsonl", ".eval")
_HELM_STATS = "per_instance_stats.json"


@dataclass(frozen=True)
class Entry:
    """One file: its bytes and name (its path inside the folder when it has one), the
    folder on disk it was read from (None for uploads), its group (the folder it sits in)
    and whether it came as part of a folder (a folder on disk or uploaded, or a zip of
    one) rather than as a file named on its own."""

    loaded: Loaded
    folder: Path | None
    group: str
    in_folder: bool = False

    @property
    def base(self) -> str:
        """The file name without its folder."""
        return posixpath.basename(self.loaded.name)


def _upload_name(source: object) -> str | None:
    """A folder upload's file name: its relative path (Streamlit names each file of a
    folder upload by its path inside the folder, folder name included)."""
    name = getattr(source, "name", None)
    if isinstance(name, str) and "/" in name.strip("/"):
        parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
        return "/".join(parts) or None
    return None


def _is_folder_zip(archive: SafeZip) -> bool:
    names = archive.names
    for fmt in EVAL_FORMATS:
        if fmt.name == INSPECT_EVAL and fmt.archive is not None and fmt.archive(names):
            return False
    runs = [n for n in names if posixpath.basename(n) == _HELM_STATS]
    others = [n for n in names if n.endswith((".jsonl", ".eval"))]
    return not (len(runs) == 1 and not others)


def _members(loaded: Loaded) -> list[Entry] | None:
    """The log-like members of a folder zip as entries (None when the zip is one log)."""
    archive = SafeZip(loaded.data, file=loaded.name)
    if not _is_folder_zip(archive):
        return None
    entries = []
    for member in archive.names:
        base = posixpath.basename(member)
        if (member.startswith("__MACOSX/") or base.startswith(".")
                or not base.lower().endswith(LOG_SUFFIXES)):
            continue
        group = posixpath.join(loaded.name, posixpath.dirname(member)).rstrip("/")
        entries.append(Entry(Loaded(archive.read(member), f"{loaded.name}/{member}"), None,
                             group, in_folder=True))
    return entries


def gather(sources: Iterable[Source], *, max_bytes: int) -> list[Entry]:
    """Every file of ``sources``: folders on disk expanded (a HELM run folder to its
    ``per_instance_stats.json``), folder uploads and folder zips kept with their groups."""
    entries: list[Entry] = []
    for number, source in enumerate(sources, start=1):
        if isinstance(source, str | os.PathLike) and Path(source).is_dir():
            run_dir = Path(source)
            helm = run_dir / _HELM_STATS
            files = [helm] if helm.is_file() else sorted(
                p for p in run_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
            entries += [Entry(load_source(p, max_bytes=max_bytes, name=p.relative_to(
                run_dir.parent).as_posix()), p.parent, str(p.parent), in_folder=True)
                for p in files]
            continue
        relative = _upload_name(source)
        name = relative or (f"<file {number}>" if isinstance(source, bytes | bytearray)
                            else None)
        loaded = load_source(source, max_bytes=max_bytes, name=name)
        folder = Path(source).parent if isinstance(source, str | os.PathLike) else None
        group = (str(folder) if folder is not None
                 else posixpath.dirname(relative) if relative else "")
        inner = _members(loaded) if is_zip(loaded.data) and not loaded.name.lower().endswith(
            ".eval") else None
        entries += inner if inner is not None else [
            Entry(loaded, folder, group, in_folder=relative is not None)]
    return entries


def model_from_folder(group: str) -> str | None:
    """The model an lm-eval output folder is named after (``meta-llama__Llama-2-7b-hf`` is
    ``meta-llama/Llama-2-7b-hf``), or None for a file on its own."""
    folder = posixpath.basename(group.replace("\\", "/").rstrip("/"))
    if not folder or folder.lower().endswith(".zip"):
        return None
    # lm-eval wrote every "/" (and other characters a path cannot hold) as "__"; only
    # the "/" can be told back
    return folder.replace("__", "/")
