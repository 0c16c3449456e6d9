"""The entry points :func:`read_eval_log` and :func:`read_eval_logs` (several files of one
upload, paired by run), the table of readers per format and the cross-check of the items
against the aggregate the tool stored."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from crucible_io.evals.common import (
    HELM,
    LM_EVAL,
    LM_EVAL_RESULTS,
    MANIFEST,
    NoItemsError,
    ReadRequest,
)
from crucible_io.evals.detect import EVAL_FORMATS, canonical_format, sniff
from crucible_io.evals.inspect import MANIFEST_NAMES
from crucible_io.evals.lm_eval import (
    attach_results_from_folder,
    lm_results_from_bytes,
    match_results,
    model_from_results,
    with_stored,
)
from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    Loaded,
    Source,
    UnknownFormatError,
    load_source,
)
from crucible_scenarios.eval_log import EvalLog, StoredAggregate

# --------------------------------------------------------------------------- public API

def read_eval_log(source: Source, *, fmt: str | None = None, metric: str | None = None,
                  filter: str | None = None, scorer: str | None = None,
                  model: str | None = None, task: str | None = None,
                  max_bytes: int = MAX_SOURCE_BYTES) -> EvalLog:
    """Read one eval log (path, run folder, bytes or file object) into an EvalLog.

    ``fmt`` forces a format (a name in :data:`FORMATS`); by default it is detected and
    named in ``EvalLog.format``. ``metric`` picks the score (lm-eval metric, HELM stat,
    key of a dict-valued Inspect score), ``filter`` the lm-eval filter, ``scorer`` the
    Inspect scorer. ``model`` / ``task`` name the run where the file does not (a HELM
    file uploaded without its ``run_spec.json``, an lm-eval samples file).
    """
    folder: Path | None = None
    if isinstance(source, str | os.PathLike) and Path(source).is_dir():
        folder = Path(source)
        if not (folder / "per_instance_stats.json").is_file():
            raise UnknownFormatError("a folder without per_instance_stats.json (a HELM run "
                                     "folder holds one)", file=folder.name)
        source = folder / "per_instance_stats.json"
    loaded = load_source(source, max_bytes=max_bytes)
    if isinstance(source, str | os.PathLike):
        folder = Path(source).parent
    return _cross_check(_read_loaded(loaded, folder=folder, fmt=fmt, metric=metric,
                                     filter=filter, scorer=scorer, model=model, task=task,
                                     max_bytes=max_bytes))


def _cross_check(log: EvalLog) -> EvalLog:
    """A note comparing the items' mean (epochs averaged within item) and count with
    the aggregate the tool stored, where it stored one."""
    stored = log.stored
    if stored is None or log.items.empty:
        return log
    mean = float(log.item_scores().mean())
    n = log.n_items
    same_mean = math.isclose(mean, stored.mean, rel_tol=1e-9, abs_tol=1e-12)
    same_n = stored.n is None or stored.n == n
    told = f"stored {stored.metric} {stored.mean:.6g}" + (
        f" over {stored.n} items" if stored.n is not None else "")
    if same_mean and same_n:
        note = f"cross-check: {told} agrees with the items ({mean:.6g} over {n})"
    else:
        note = (f"cross-check: {told} differs from the items ({mean:.6g} over {n}); the "
                "files may be of different runs, or the tool reduced epochs otherwise")
    return replace(log, notes=(*log.notes, note))


#: The reader of every format detection names (from :data:`EVAL_FORMATS`).
READERS: dict[str, Callable[[Loaded, ReadRequest], EvalLog]] = {
    fmt.name: fmt.read for fmt in EVAL_FORMATS}


def _read_loaded(loaded: Loaded, *, folder: Path | None, fmt: str | None,
                 metric: str | None, filter: str | None, scorer: str | None,
                 model: str | None, task: str | None, max_bytes: int,
                 siblings: Mapping[str, bytes] | None = None,
                 parsed: Any = None) -> EvalLog:
    if fmt is None:
        kind, parsed = sniff(loaded.data, loaded.name)
    else:
        kind = canonical_format(fmt)
    request = ReadRequest(kind=kind, parsed=parsed, folder=folder, metric=metric,
                          filter=filter, scorer=scorer, model=model, task=task,
                          max_bytes=max_bytes, siblings=siblings)
    return READERS[kind](loaded, request)


def read_eval_logs(sources: Iterable[Source], **choices: Any) -> list[EvalLog]:
    """Several files at once (a multi-file upload), one EvalLog per run.

    An lm-eval samples file is paired with its results file (same run: same date in the
    names, task present) and gets ``stored`` for the cross-check; Inspect eval-set
    manifests are skipped with a note; a HELM ``per_instance_stats.json`` uploaded with
    its ``run_spec.json`` / ``stats.json`` / ``scenario_state.json`` uses them.
    ``choices`` (``metric``, ``filter``, ``scorer``, ``model``, ``task``, ``fmt``,
    ``max_bytes``) apply to every file.
    """
    max_bytes = int(choices.pop("max_bytes", MAX_SOURCE_BYTES))
    fmt = choices.pop("fmt", None)
    expanded: list[Source] = []
    for source in sources:
        if isinstance(source, str | os.PathLike) and Path(source).is_dir():
            run_dir = Path(source)
            helm = run_dir / "per_instance_stats.json"
            expanded.extend([helm] if helm.is_file() else sorted(
                p for p in run_dir.iterdir() if p.is_file()))
        else:
            expanded.append(source)
    loaded_all: list[tuple[Loaded, Path | None]] = []
    for number, source in enumerate(expanded, start=1):
        loaded = load_source(source, max_bytes=max_bytes,
                             name=None if not isinstance(source, bytes | bytearray)
                             else f"<file {number}>")
        folder = Path(source).parent if isinstance(source, str | os.PathLike) else None
        loaded_all.append((loaded, folder))
    kinds: list[tuple[str, Any]] = []
    for loaded, _ in loaded_all:
        base = loaded.name.lower()
        if base in ("run_spec.json", "stats.json", "scenario_state.json"):
            kinds.append(("helm-side", None))
        elif base in MANIFEST_NAMES:
            kinds.append((MANIFEST, None))
        elif fmt is not None:
            kinds.append((canonical_format(fmt), None))
        else:
            kinds.append(sniff(loaded.data, loaded.name))
    notes: list[str] = []
    results: list[tuple[Loaded, dict[str, dict[str, StoredAggregate]]]] = []
    sides = {ld.name.lower(): ld.data for (ld, _), (k, _) in zip(loaded_all, kinds,
                                                                 strict=True)
             if k == "helm-side"}
    n_helm = sum(1 for k, _ in kinds if k == HELM)
    for (loaded, _), (kind, _) in zip(loaded_all, kinds, strict=True):
        if kind == MANIFEST:
            notes.append(f"{loaded.name}: an eval-set manifest, skipped (it holds no "
                         "samples)")
        elif kind == LM_EVAL_RESULTS:
            results.append((loaded, lm_results_from_bytes(loaded)))
    logs: list[EvalLog] = []
    used_results: set[str] = set()
    for (loaded, folder), (kind, parsed) in zip(loaded_all, kinds, strict=True):
        if kind in (MANIFEST, LM_EVAL_RESULTS, "helm-side"):
            continue
        log = _read_loaded(loaded, folder=folder if kind == HELM else None, fmt=kind,
                           metric=choices.get("metric"),
                           filter=choices.get("filter"), scorer=choices.get("scorer"),
                           model=choices.get("model"), task=choices.get("task"),
                           max_bytes=max_bytes,
                           siblings=sides if kind == HELM and n_helm == 1 else None,
                           parsed=parsed)
        if kind == LM_EVAL:
            if log.task == "unknown task" and len(results) == 1 and len(results[0][1]) == 1:
                log = replace(log, task=next(iter(results[0][1])))
            match = match_results(loaded.name, log.task, results)
            if match is not None:
                used_results.add(match[0])
                model = model_from_results(next(ld.data for ld, _ in results
                                                 if ld.name == match[0]))
                if model and log.model == "unknown model":
                    log = replace(log, model=model)
                log = with_stored(log, match[1], match[0])
            elif folder is not None:
                log = attach_results_from_folder(log, folder, loaded.name, max_bytes)
        logs.append(_cross_check(log))
    for loaded, _ in results:
        if loaded.name not in used_results:
            raise NoItemsError("an lm-eval results file holds only aggregate scores and "
                               "no samples file of the same run was given with it; add "
                               "the samples_<task>_<date>.jsonl", file=loaded.name)
    if not logs:
        raise NoItemsError("none of the files holds per-item scores", file=", ".join(
            ld.name for ld, _ in loaded_all))
    if notes:
        logs = [replace(log, notes=(*log.notes, *notes)) for log in logs]
    return logs
