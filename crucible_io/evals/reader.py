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
from crucible_io.evals.folders import Entry, gather, model_from_folder
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
    entries = gather(sources, max_bytes=max_bytes)
    kinds: list[tuple[str, Any]] = []
    for entry in entries:
        base = entry.base.lower()
        if base in ("run_spec.json", "stats.json", "scenario_state.json"):
            kinds.append(("helm-side", None))
        elif base in MANIFEST_NAMES:
            kinds.append((MANIFEST, None))
        elif fmt is not None:
            kinds.append((canonical_format(fmt), None))
        else:
            kinds.append(sniff(entry.loaded.data, entry.loaded.name))
    notes: list[str] = []
    results: list[tuple[Loaded, dict[str, dict[str, StoredAggregate]]]] = []
    result_groups: dict[str, str] = {}
    # a HELM run's side files: those of its own folder, or every one when a single run
    # came as loose files
    sides: dict[str, dict[str, bytes]] = {}
    for entry, (kind, _) in zip(entries, kinds, strict=True):
        if kind == "helm-side":
            sides.setdefault(entry.group, {})[entry.base.lower()] = entry.loaded.data
    n_helm = sum(1 for k, _ in kinds if k == HELM)
    every_side = {k: v for group in sides.values() for k, v in group.items()}
    for entry, (kind, _) in zip(entries, kinds, strict=True):
        if kind == MANIFEST:
            notes.append(f"{entry.loaded.name}: an eval-set manifest, skipped (it holds no "
                         "samples)")
        elif kind == LM_EVAL_RESULTS:
            results.append((entry.loaded, lm_results_from_bytes(entry.loaded)))
            result_groups[entry.loaded.name] = entry.group
    logs: list[EvalLog] = []
    used_results: set[str] = set()
    for entry, (kind, parsed) in zip(entries, kinds, strict=True):
        if kind in (MANIFEST, LM_EVAL_RESULTS, "helm-side"):
            continue
        siblings = None
        if kind == HELM:
            siblings = sides.get(entry.group) or (every_side if n_helm == 1 else None)
        log = _read_loaded(entry.loaded, folder=entry.folder if kind == HELM else None,
                           fmt=kind, metric=choices.get("metric"),
                           filter=choices.get("filter"), scorer=choices.get("scorer"),
                           model=choices.get("model"), task=choices.get("task"),
                           max_bytes=max_bytes, siblings=siblings, parsed=parsed)
        if kind == LM_EVAL:
            log = _pair_lm_eval(log, entry, results, result_groups, used_results, max_bytes)
        logs.append(_cross_check(log))
    for loaded, _ in results:
        if loaded.name not in used_results:
            raise NoItemsError("an lm-eval results file holds only aggregate scores and "
                               "no samples file of the same run was given with it; add "
                               "the samples_<task>_<date>.jsonl", file=loaded.name)
    if not logs:
        raise NoItemsError("none of the files holds per-item scores", file=", ".join(
            e.loaded.name for e in entries))
    if notes:
        logs = [replace(log, notes=(*log.notes, *notes)) for log in logs]
    return logs


def _pair_lm_eval(log: EvalLog, entry: Entry,
                  results: list[tuple[Loaded, dict[str, dict[str, StoredAggregate]]]],
                  result_groups: dict[str, str], used: set[str], max_bytes: int) -> EvalLog:
    """An lm-eval samples log with its results file (of its own folder when it came in
    one); the model from that results file, else from the folder's name (lm-eval names
    the folder after the model)."""
    # a file of a folder pairs only with a results file of that folder (each of lm-eval's
    # model folders holds its own); loose files pair across the upload
    pool = ([r for r in results if result_groups.get(r[0].name) == entry.group]
            if entry.in_folder else results)
    if log.task == "unknown task" and len(pool) == 1 and len(pool[0][1]) == 1:
        log = replace(log, task=next(iter(pool[0][1])))
    match = match_results(entry.loaded.name, log.task, pool)
    if match is not None:
        used.add(match[0])
        model = model_from_results(next(ld.data for ld, _ in results if ld.name == match[0]))
        if model and log.model == "unknown model":
            log = replace(log, model=model)
        log = with_stored(log, match[1], match[0])
    elif entry.folder is not None:
        log = attach_results_from_folder(log, entry.folder, entry.base, max_bytes)
    if log.model == "unknown model" and entry.in_folder:
        named = model_from_folder(entry.group)
        if named:
            log = replace(log, model=named, notes=(
                *log.notes, f"model {named!r} from the folder's name (no results file "
                "named it)"))
    return log
