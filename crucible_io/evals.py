"""Eval logs written by lm-evaluation-harness, Inspect AI, HELM and OpenAI evals (and the
project's own single-run CSV) into :class:`~crucible_scenarios.eval_log.EvalLog`.

Each reader follows its tool's published log schema:

* lm-evaluation-harness ``samples_<task>_<date>.jsonl`` (``--log_samples``): one JSON
  object per document *per filter*, with ``doc_id``, ``target``, ``filtered_resps``,
  ``filter``, ``metrics`` (the metric names) and the per-document metric values at the
  top level (``acc``, ``acc_norm``, ``exact_match``...). Older lines lack ``filter`` and
  ``metrics``. For multiple choice, ``filtered_resps`` holds one ``[loglikelihood,
  is_greedy]`` pair per choice: the answer is the argmax and ``confidence`` the softmax
  of the log-likelihoods at it. The aggregated ``results_<date>.json`` (``"acc,none"``,
  ``"acc_stderr,none"``; v0: ``"acc"``, ``"acc_stderr"``) is read into
  :class:`StoredAggregate` for the cross-check; it holds no per-item scores.
* Inspect AI logs, ``.json`` (one document with ``eval``, ``results``, ``samples``) and
  ``.eval`` (a zip with ``header.json``, ``samples/<id>_epoch_<n>.json``,
  ``reductions.json``, ``summaries.json``). Scores are ``samples[].scores[<scorer>].value``
  converted as Inspect's ``value_to_float`` does (C/I/P/N -> 1/0/0.5/0).
* HELM ``per_instance_stats.json`` (with ``run_spec.json``, ``stats.json`` and
  ``scenario_state.json`` beside it when available).
* OpenAI evals record logs: a ``spec`` line, ``final_report`` and events, of which
  ``type: "match"`` events carry ``data.correct``.

Every failure is a :class:`~crucible_io.limits.ReadError` naming file, line or member and
field; files that hold no per-item scores raise :class:`NoItemsError` saying what they do
hold.
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import softmax

from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    DuplicateIdError,
    Loaded,
    MalformedError,
    ReadError,
    SafeZip,
    SchemaError,
    Source,
    UnknownFormatError,
    decode_text,
    is_zip,
    load_source,
    parse_json,
)
from crucible_io.tables import numeric, read_table
from crucible_scenarios.eval_log import META_PREFIX, EvalLog, StoredAggregate

LM_EVAL = "lm-eval samples"
LM_EVAL_RESULTS = "lm-eval results"
INSPECT_EVAL = "Inspect .eval"
INSPECT_JSON = "Inspect .json"
HELM = "HELM"
OPENAI_EVALS = "OpenAI evals"
CSV = "CSV"
#: Format names, as shown to users and stored in ``EvalLog.format``.
FORMATS: tuple[str, ...] = (LM_EVAL, LM_EVAL_RESULTS, INSPECT_EVAL, INSPECT_JSON, HELM,
                            OPENAI_EVALS, CSV)
#: Eval-set manifests written beside Inspect logs; they hold no scores.
MANIFEST = "Inspect eval-set manifest"

_ALIASES = {
    "lm_eval": LM_EVAL, "lm-eval": LM_EVAL, "lmeval": LM_EVAL, "lm_eval_samples": LM_EVAL,
    "lm_eval_results": LM_EVAL_RESULTS, "inspect_eval": INSPECT_EVAL, "eval": INSPECT_EVAL,
    "inspect_json": INSPECT_JSON, "inspect": INSPECT_JSON, "helm": HELM,
    "openai_evals": OPENAI_EVALS, "openai": OPENAI_EVALS, "oaieval": OPENAI_EVALS,
    "csv": CSV,
}

#: Inspect's string score values (``CORRECT``, ``INCORRECT``, ``PARTIAL``, ``NOANSWER``).
INSPECT_VALUES = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}
_LM_NOT_METRICS = frozenset({
    "doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter",
    "metrics", "doc_hash", "prompt_hash", "target_hash", "task_name", "task"})
_LM_PREFERRED = ("acc", "exact_match", "acc_norm", "em", "f1", "bleu", "mc2", "mc1")
_HELM_PREFERRED = ("exact_match", "quasi_exact_match", "prefix_exact_match",
                   "quasi_prefix_exact_match", "f1_score", "rouge_l")
_SAMPLES_NAME = re.compile(r"^samples_(?P<task>.+?)_(?P<date>\d{4}-\d{2}-\d{2}T[\d\-.:]+)"
                           r"\.jsonl$")
_RESULTS_NAME = re.compile(r"^results_?(?P<date>\d{4}-\d{2}-\d{2}T[\d\-.:]+)?.*\.json$")
_MORE_LINES = re.compile(rb"\n\s*\S")
_MANIFEST_NAMES = ("logs.json", "eval-set.json", ".eval-set-id")
_SAMPLE_MEMBER = re.compile(r"^(?P<id>.+)_epoch_(?P<epoch>\d+)\.json$")


class NoItemsError(SchemaError):
    """The file is a log of a known kind but holds no per-item scores (a results summary,
    a header-only or cancelled log, an unscored run)."""


# --------------------------------------------------------------------------- helpers

def _frame(rows: dict[str, list[Any]], *, file: str, where: list[str]) -> pd.DataFrame:
    """Columns into an items frame, refusing a repeated (item_id, epoch)."""
    frame = pd.DataFrame(rows)
    frame["item_id"] = frame["item_id"].astype(str)
    frame["epoch"] = frame["epoch"].astype(int)
    frame["score"] = frame["score"].astype(float)
    dup = frame.duplicated(["item_id", "epoch"], keep="first").to_numpy()
    if dup.any():
        i = int(dup.argmax())
        raise DuplicateIdError(
            f"item {frame['item_id'].iat[i]!r}, epoch {frame['epoch'].iat[i]} appears "
            f"twice ({where[i]})", file=file, field="item_id")
    return frame.dropna(axis=1, how="all").reset_index(drop=True)


def _choose(wanted: str | None, offered: list[str], *, kind: str, file: str,
            default: str | None = None) -> str:
    if wanted is not None:
        if wanted not in offered:
            raise SchemaError(f"no {kind} {wanted!r} in this file; it offers "
                              f"{', '.join(offered) or 'none'}", file=file, field=kind)
        return wanted
    return default if default is not None else offered[0]


def _number(value: Any) -> float | None:
    """A finite float from a JSON number, bool or numeric string, else None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        f = float(value)
    elif isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return f if math.isfinite(f) else None


def choice_probabilities(logliks: list[list[float]]) -> tuple[list[int | None],
                                                             list[float | None]]:
    """For each multiple-choice line, the index of the largest log-likelihood and the
    softmax of the log-likelihoods there (``scipy.special.softmax``), computed in one
    array per number of choices. A line holding NaN, or only -inf, gets None."""
    best: list[int | None] = [None] * len(logliks)
    conf: list[float | None] = [None] * len(logliks)
    by_width: dict[int, list[int]] = {}
    for i, row in enumerate(logliks):
        by_width.setdefault(len(row), []).append(i)
    for rows in by_width.values():
        arr = np.array([logliks[i] for i in rows], dtype=float)
        ok = ~np.isnan(arr).any(axis=1) & np.isfinite(arr.max(axis=1))
        if not ok.any():
            continue
        good = arr[ok]
        top = good.argmax(axis=1)
        probs = softmax(good, axis=1)[np.arange(len(good)), top]
        for i, b, p in zip(np.asarray(rows)[ok].tolist(), top.tolist(), probs.tolist(),
                           strict=True):
            best[i], conf[i] = b, p
    return best, conf


def _obj(mapping: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``mapping[key]`` when it is a JSON object, else an empty one."""
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    return json.dumps(value, ensure_ascii=False, default=str)[:10_000]


def _flatten_meta(meta: Mapping[str, Any], out: dict[str, Any]) -> None:
    """Metadata into ``meta.*`` cells: scalars kept, nested objects flattened one level
    (``meta.a.b``), anything deeper JSON-encoded."""
    for key, value in meta.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                out[f"{META_PREFIX}{key}.{sub}"] = _scalar(inner)
        else:
            out[f"{META_PREFIX}{key}"] = _scalar(value)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _rows_from_dicts(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    keys: dict[str, None] = {}
    for r in records:
        keys.update(dict.fromkeys(r))
    return {k: [r.get(k) for r in records] for k in keys}


# --------------------------------------------------------------------------- detection

def detect_format(data: bytes, name: str) -> str:
    """The format of a file from its bytes and name: one of :data:`FORMATS` (or
    :data:`MANIFEST`). Raises :class:`UnknownFormatError` listing what was looked for."""
    return _sniff(data, name)[0]


def _sniff(data: bytes, name: str) -> tuple[str, Any]:
    """(format, parsed JSON document or None) so a reader does not parse twice."""
    base = Path(name).name.lower()
    if base == ".eval-set-id":
        return MANIFEST, None
    if is_zip(data):
        archive = SafeZip(data, file=name)
        names = archive.names
        if "header.json" in names or any(n.startswith("samples/") for n in names) \
                or "_journal/start.json" in names:
            return INSPECT_EVAL, archive
        if any(n == "per_instance_stats.json" or n.endswith("/per_instance_stats.json")
               for n in names):
            return HELM, archive
        raise UnknownFormatError("a zip archive that is neither an Inspect .eval log nor "
                                 "a HELM run folder", file=name)
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if base.endswith((".csv", ".tsv")) or (head[:1] not in (b"{", b"[") and head):
        return CSV, None
    first_line = head.split(b"\n", 1)[0].strip()
    if head[:1] == b"{" and first_line.endswith(b"}") and _MORE_LINES.search(data):
        try:
            first = json.loads(first_line)
        except (json.JSONDecodeError, RecursionError, UnicodeDecodeError):
            first = None
        if isinstance(first, dict):
            if "doc_id" in first:
                return LM_EVAL, None
            if {"spec", "final_report"} & first.keys() or {"run_id", "type"} <= first.keys():
                return OPENAI_EVALS, None
    doc = parse_json(decode_text(data, file=name), file=name)
    if isinstance(doc, dict):
        if "eval" in doc and isinstance(doc["eval"], dict):
            return INSPECT_JSON, doc
        if "results" in doc and isinstance(doc["results"], dict) and (
                {"versions", "configs", "n-samples", "config"} & doc.keys()):
            return LM_EVAL_RESULTS, doc
        if "eval_set_id" in doc and "tasks" in doc:
            return MANIFEST, doc
        if doc and all(isinstance(v, dict) and "eval" in v for v in doc.values()):
            return MANIFEST, doc
        if "request_states" in doc or "metric_specs" in doc:
            raise NoItemsError("a HELM " + ("scenario_state.json" if "request_states" in doc
                                            else "run_spec.json") +
                               " holds no scores; read the run's per_instance_stats.json "
                               "(or the run folder)", file=name)
        if "doc_id" in doc:
            return LM_EVAL, None
        if {"spec", "final_report"} & doc.keys():
            return OPENAI_EVALS, None
    if isinstance(doc, list) and doc and isinstance(doc[0], dict):
        if "instance_id" in doc[0] and "stats" in doc[0]:
            return HELM, doc
        if "doc_id" in doc[0]:
            return LM_EVAL, None
        if "name" in doc[0] and "count" in doc[0]:
            raise NoItemsError("a HELM stats.json holds only aggregate statistics, no "
                               "per-instance scores; read per_instance_stats.json",
                               file=name)
    raise UnknownFormatError(
        "not a recognised eval log (looked for lm-eval samples/results, Inspect .json/"
        ".eval, HELM per_instance_stats.json, OpenAI evals record log, CSV with item_id "
        "and score)", file=name)


def _canonical(fmt: str) -> str:
    if fmt in FORMATS:
        return fmt
    key = fmt.strip().lower().replace(" ", "_").replace(".", "")
    if key in _ALIASES:
        return _ALIASES[key]
    for name in FORMATS:
        if name.lower() == fmt.strip().lower():
            return name
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


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


def _read_loaded(loaded: Loaded, *, folder: Path | None, fmt: str | None,
                 metric: str | None, filter: str | None, scorer: str | None,
                 model: str | None, task: str | None, max_bytes: int,
                 siblings: Mapping[str, bytes] | None = None,
                 parsed: Any = None) -> EvalLog:
    name = loaded.name
    if fmt is None:
        kind, parsed = _sniff(loaded.data, name)
    else:
        kind = _canonical(fmt)
    if kind == LM_EVAL:
        log = read_lm_eval_samples(loaded, metric=metric, filter=filter, model=model,
                                   task=task)
        if folder is not None and log.stored is None:
            log = _attach_results_from_folder(log, folder, name, max_bytes)
        return log
    if kind == LM_EVAL_RESULTS:
        raise NoItemsError("an lm-eval results file holds only aggregate scores, no "
                           "per-item scores; read the samples_<task>_<date>.jsonl that "
                           "--log_samples writes beside it (with this file for the "
                           "cross-check)", file=name)
    if kind == MANIFEST:
        raise NoItemsError("an Inspect eval-set manifest (eval-set.json / logs.json) "
                           "holds no samples; read the .eval logs it lists", file=name)
    if kind in (INSPECT_EVAL, INSPECT_JSON):
        return _read_inspect(loaded, parsed, kind, scorer=scorer, metric=metric,
                             model=model)
    if kind == HELM:
        return _read_helm(loaded, parsed, folder=folder, metric=metric, model=model,
                          task=task, max_bytes=max_bytes, siblings=siblings)
    if kind == OPENAI_EVALS:
        return _read_openai(loaded, model=model, task=task)
    return _read_csv(loaded, model=model, task=task, metric=metric)


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
        elif base in _MANIFEST_NAMES:
            kinds.append((MANIFEST, None))
        elif fmt is not None:
            kinds.append((_canonical(fmt), None))
        else:
            kinds.append(_sniff(loaded.data, loaded.name))
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
            results.append((loaded, _lm_results_from_bytes(loaded)))
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
            match = _match_results(loaded.name, log.task, results)
            if match is not None:
                used_results.add(match[0])
                model = _model_from_results(next(ld.data for ld, _ in results
                                                 if ld.name == match[0]))
                if model and log.model == "unknown model":
                    log = replace(log, model=model)
                log = _with_stored(log, match[1], match[0])
            elif folder is not None:
                log = _attach_results_from_folder(log, folder, loaded.name, max_bytes)
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


# --------------------------------------------------------------------------- lm-eval

def read_lm_eval_samples(loaded: Loaded, *, metric: str | None = None,
                         filter: str | None = None, model: str | None = None,
                         task: str | None = None) -> EvalLog:
    """An lm-evaluation-harness ``samples_<task>_<date>.jsonl`` into an EvalLog.

    One pass over the lines (``json.loads`` each); lines of other filters are skipped
    after reading only their ``filter``. A line repeated for the same ``(doc_id,
    filter)`` with the same score is dropped with a note; with another score it is a
    :class:`DuplicateIdError`.
    """
    file = loaded.name
    text = decode_text(loaded.data, file=file)
    collecting = gc.isenabled()
    # parsing and tabulating allocate only acyclic JSON objects, freed by reference
    # counting: cyclic-GC passes over them would cost as much as the parse itself
    gc.disable()
    try:
        if text.lstrip()[:1] == "[":
            records, filters = _parse_lm_array(text, file)
        else:
            records, filters = _parse_lm_lines(text, file)
        return _finish_lm_eval(file, records, filters, metric=metric, filter=filter,
                               model=model, task=task)
    finally:
        if collecting:
            gc.enable()


def _parse_lm_array(text: str, file: str,
                    ) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, None]]:
    """Early 0.4 releases wrote the samples file as one JSON array: its elements are
    numbered from 1 in place of line numbers."""
    doc = parse_json(text, file=file)
    if not isinstance(doc, list):
        raise SchemaError("expected an array of samples", file=file)
    records: list[tuple[int, dict[str, Any]]] = []
    filters: dict[str, None] = {}
    for number, rec in enumerate(doc, start=1):
        if not isinstance(rec, dict):
            raise SchemaError(f"expected an object, got {type(rec).__name__}", file=file,
                              field=f"[{number - 1}]")
        f = rec.get("filter", "none")
        if not isinstance(f, str):
            raise SchemaError("expected a string", file=file, field=f"[{number - 1}].filter")
        filters[f] = None
        records.append((number, rec))
    return records, filters


def _parse_lm_lines(text: str, file: str,
                    ) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, None]]:
    """Each non-blank line parsed (``json.loads``), with its line number, and the
    filters seen in file order."""
    loads = json.loads
    records: list[tuple[int, dict[str, Any]]] = []
    filters: dict[str, None] = {}
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw or raw.isspace():
            continue
        try:
            rec = loads(raw)
        except json.JSONDecodeError as exc:
            raise MalformedError(f"invalid JSON: {exc.msg} (column {exc.colno})",
                                 file=file, line=number) from None
        except RecursionError:
            raise MalformedError("JSON nested too deeply to read", file=file,
                                 line=number) from None
        if type(rec) is not dict:
            raise SchemaError(f"expected an object, got {type(rec).__name__}", file=file,
                              line=number)
        f = rec.get("filter", "none")
        if type(f) is not str:
            raise SchemaError("expected a string", file=file, line=number, field="filter")
        filters[f] = None
        records.append((number, rec))
    return records, filters


def _finish_lm_eval(file: str, records: list[tuple[int, dict[str, Any]]],
                    filters: dict[str, None], *, metric: str | None, filter: str | None,
                    model: str | None, task: str | None) -> EvalLog:
    if not records:
        raise NoItemsError("the samples file holds no lines", file=file)
    filter_names = list(filters)
    chosen_filter = _choose(filter, filter_names, kind="filter", file=file)
    chosen = [(n, r) for n, r in records if r.get("filter", "none") == chosen_filter]
    # metrics offered: numeric values in the first line of the chosen filter
    first_n, first = chosen[0]
    declared = first.get("metrics")
    candidates = (list(declared) if isinstance(declared, list)
                  else [k for k in first if k not in _LM_NOT_METRICS])
    offered = [k for k in candidates if isinstance(k, str) and _number(first.get(k)) is not None
               and not isinstance(first.get(k), str)]
    if not offered:
        raise NoItemsError("the lines hold no numeric per-sample metric (looked at "
                           f"{', '.join(map(str, candidates)) or 'no keys'})", file=file,
                           line=first_n)
    default = next((m for m in _LM_PREFERRED if m in offered), offered[0])
    chosen_metric = _choose(metric, offered, kind="metric", file=file, default=default)
    ids: list[str] = []
    scores: list[float] = []
    answers: list[str | None] = []
    targets: list[str | None] = []
    confs: list[float | None] = []
    mc_rows: list[int] = []
    mc_lls: list[list[float]] = []
    lines: list[int] = []
    seen: dict[str, float] = {}
    notes: list[str] = []
    dropped = 0
    for number, rec in chosen:
        doc_id = rec.get("doc_id")
        if doc_id is None or isinstance(doc_id, dict | list):
            raise SchemaError("missing or not an id", file=file, line=number,
                              field="doc_id")
        value = rec.get(chosen_metric)
        if type(value) is float or type(value) is int or type(value) is bool:
            score = float(value)
        else:
            score_or_none = _number(value) if isinstance(value, str) else None
            if score_or_none is None:
                raise SchemaError("missing score" if value is None else
                                  f"expected a number, got {repr(value)[:40]}", file=file,
                                  line=number, field=chosen_metric)
            score = score_or_none
        key = str(doc_id)
        if key in seen:
            if seen[key] == score:
                dropped += 1
                continue
            raise DuplicateIdError(f"doc_id {key!r} appears twice for filter "
                                   f"{chosen_filter!r} with different scores", file=file,
                                   line=number, field="doc_id")
        seen[key] = score
        answer, logliks = _lm_answer(rec.get("filtered_resps"))
        target = rec.get("target")
        if logliks is not None:
            mc_rows.append(len(ids))
            mc_lls.append(logliks)
            if type(target) is str and not target.strip().isdigit():
                target = _choice_index(rec.get("doc"), target)
        ids.append(key)
        scores.append(score)
        answers.append(answer)
        targets.append(target if type(target) is str or target is None else
                       str(target) if type(target) is int else _text(target))
        confs.append(None)
        lines.append(number)
    if mc_rows:
        best, probs = choice_probabilities(mc_lls)
        for row, b, p in zip(mc_rows, best, probs, strict=True):
            answers[row] = None if b is None else str(b)
            confs[row] = p
    if dropped:
        notes.append(f"{dropped} repeated line(s) for the same (doc_id, filter) dropped")
    rows: dict[str, list[Any]] = {"item_id": ids, "epoch": [1] * len(ids), "score": scores,
                                  "answer": answers, "target": targets, "confidence": confs}
    match = _SAMPLES_NAME.match(Path(file).name)
    found_task = match.group("task") if match else ""
    frame = pd.DataFrame(rows)
    frame = frame.dropna(axis=1, how="all")
    if len(filter_names) > 1:
        notes.append(f"filter {chosen_filter!r} of {', '.join(filter_names)}")
    if "filter" not in first:
        notes.append("older sample format (no 'filter' / 'metrics' keys): filter 'none'")
    return EvalLog(format=LM_EVAL, task=task or found_task or "unknown task",
                   model=model or "unknown model", metric=chosen_metric, items=frame,
                   source=file, metrics=tuple(offered), filter=chosen_filter,
                   filters=tuple(filter_names), notes=tuple(notes))


def _choice_index(doc: Any, target: str) -> str:
    """For a multiple-choice line whose target is the text of a choice, the index of
    that choice in the document's ``choices`` (so it compares with the argmax answer);
    the text itself when no such list holds it."""
    choices = doc.get("choices") if isinstance(doc, dict) else None
    if isinstance(choices, dict):  # e.g. ARC: {"text": [...], "label": [...]}
        choices = choices.get("text")
    if isinstance(choices, list):
        for i, choice in enumerate(choices):
            if isinstance(choice, str) and choice.strip() == target.strip():
                return str(i)
    return target


def _lm_answer(resps: Any) -> tuple[str | None, list[float] | None]:
    """What ``filtered_resps`` holds: for multiple choice (a list of ``[loglikelihood,
    is_greedy]`` pairs, one per choice; numbers possibly as strings) the log-likelihoods,
    whose argmax is the answer; for generation the first string."""
    if type(resps) is not list or not resps:
        return None, None
    first = resps[0]
    if type(first) is str:
        return first, None
    if type(first) is list and len(resps) >= 2:
        try:
            return None, [float(pair[0]) for pair in resps]
        except (TypeError, ValueError, IndexError, KeyError):
            return None, None
    if type(first) is list and first and type(first[0]) is str and len(first) == 1:
        return first[0], None
    return None, None


def read_lm_eval_results(source: Source, *, max_bytes: int = MAX_SOURCE_BYTES,
                         ) -> dict[str, dict[str, StoredAggregate]]:
    """An lm-evaluation-harness ``results_<date>.json`` (current or v0) as
    ``{task: {metric: StoredAggregate}}``.

    The metric key is the metric name for the ``none`` filter (and for v0 files) and
    ``"<metric>,<filter>"`` for other filters, as lm-eval writes it. A stderr of
    ``"N/A"`` is None; ``n`` comes from ``n-samples`` (``effective``) or ``sample_len``.
    """
    return _lm_results_from_bytes(load_source(source, max_bytes=max_bytes))


def _lm_results_from_bytes(loaded: Loaded) -> dict[str, dict[str, StoredAggregate]]:
    file = loaded.name
    doc = parse_json(decode_text(loaded.data, file=file), file=file)
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        raise SchemaError("expected an object with a 'results' object", file=file,
                          field="results")
    n_samples = _obj(doc, "n-samples")
    out: dict[str, dict[str, StoredAggregate]] = {}
    for task_name, values in doc["results"].items():
        if not isinstance(values, dict):
            raise SchemaError("expected an object", file=file, field=f"results.{task_name}")
        n: int | None = None
        counts = n_samples.get(task_name)
        if isinstance(counts, dict) and isinstance(counts.get("effective"), int):
            n = counts["effective"]
        elif isinstance(values.get("sample_len"), int):
            n = values["sample_len"]
        per: dict[str, StoredAggregate] = {}
        for key, value in values.items():
            metric_name, _, filt = key.partition(",")
            if metric_name.endswith("_stderr") or key in ("alias", "name", "sample_len",
                                                          "sample_count"):
                continue
            mean = _number(value)
            if mean is None or isinstance(value, bool):
                continue
            se_key = f"{metric_name}_stderr" + (f",{filt}" if filt else "")
            se = _number(values.get(se_key))
            label = metric_name if filt in ("", "none") else key
            per[label] = StoredAggregate(metric=metric_name, mean=mean, stderr=se, n=n)
        out[str(task_name)] = per
    return out


def _stored_key(log: EvalLog) -> str:
    return log.metric if log.filter in (None, "none") else f"{log.metric},{log.filter}"


def _with_stored(log: EvalLog, results: dict[str, dict[str, StoredAggregate]],
                 results_name: str) -> EvalLog:
    stored = results.get(log.task, {}).get(_stored_key(log))
    if stored is None:
        return replace(log, notes=(*log.notes, f"{results_name} has no {_stored_key(log)} "
                                                f"for {log.task}"))
    return replace(log, stored=stored,
                   notes=(*log.notes, f"stored aggregate from {results_name}"))


def _match_results(samples_name: str, task: str,
                   results: list[tuple[Loaded, dict[str, dict[str, StoredAggregate]]]],
                   ) -> tuple[str, dict[str, dict[str, StoredAggregate]]] | None:
    match = _SAMPLES_NAME.match(Path(samples_name).name)
    date = match.group("date") if match else None
    holding = [(ld.name, r) for ld, r in results if task in r]
    same_date = [(n, r) for n, r in holding if date and date in n]
    if same_date:
        return same_date[0]
    return holding[0] if len(holding) == 1 else None


def _attach_results_from_folder(log: EvalLog, folder: Path, name: str,
                                max_bytes: int) -> EvalLog:
    match = _SAMPLES_NAME.match(Path(name).name)
    if match is None:
        return log
    path = folder / f"results_{match.group('date')}.json"
    if not path.is_file():
        return log
    try:
        results = read_lm_eval_results(path, max_bytes=max_bytes)
    except ReadError as exc:
        return replace(log, notes=(*log.notes, f"results file beside it unreadable: {exc}"))
    try:
        model = _model_from_results(path.read_bytes())
    except OSError:
        model = None
    if model and log.model == "unknown model":
        log = replace(log, model=model)
    return _with_stored(log, results, path.name)


def _model_from_results(data: bytes) -> str | None:
    """The model an lm-eval results file names (``model_name``, else ``model_args``)."""
    try:
        raw = json.loads(data)
        model = raw.get("model_name") or (raw.get("config") or {}).get("model_args")
    except (ValueError, RecursionError, AttributeError):
        return None
    return model if isinstance(model, str) and model else None


# --------------------------------------------------------------------------- Inspect

def inspect_value_to_float(value: Any, *, file: str, member: str | None = None,
                           line: int | None = None, field: str = "value") -> float:
    """A score value as Inspect's ``value_to_float`` converts it: numbers and bools as
    they are, "C"/"I"/"P"/"N" to 1/0/0.5/0, "yes"/"true" to 1, "no"/"false" to 0, and
    numeric strings to their number. Anything else is a :class:`SchemaError` (Inspect
    would log a warning and use 0)."""
    if isinstance(value, bool | int | float) and not (isinstance(value, float)
                                                      and not math.isfinite(value)):
        return float(value)
    if isinstance(value, str):
        if value in INSPECT_VALUES:
            return INSPECT_VALUES[value]
        low = value.strip().lower()
        if low in ("yes", "true"):
            return 1.0
        if low in ("no", "false"):
            return 0.0
        number = _number(low)
        if number is not None:
            return number
    raise SchemaError(f"score value {repr(value)[:40]} is not a number or C/I/P/N",
                      file=file, member=member, line=line, field=field)


def _read_inspect(loaded: Loaded, parsed: Any, kind: str, *, scorer: str | None,
                  metric: str | None, model: str | None) -> EvalLog:
    file = loaded.name
    notes: list[str] = []
    samples: list[tuple[str, dict[str, Any]]] = []
    if kind == INSPECT_EVAL:
        archive = parsed if isinstance(parsed, SafeZip) else SafeZip(loaded.data, file=file)
        names = archive.names
        if "header.json" in names:
            header = archive.read_json("header.json")
        elif "_journal/start.json" in names:
            header = archive.read_json("_journal/start.json")
            notes.append("no header.json (the run did not finish); read the journal's "
                         "start record")
        else:
            raise SchemaError("the archive has no header.json", file=file,
                              member="header.json")
        if not isinstance(header, dict):
            raise SchemaError("expected an object", file=file, member="header.json")
        for ignored in archive.ignored:
            notes.append(f"member {ignored[:80]!r} ignored (unsafe name)")
        for member in names:
            if member.startswith("samples/"):
                if not member.endswith(".json") or "/" in member[len("samples/"):]:
                    notes.append(f"member {member[:80]!r} ignored (not a sample file)")
                    continue
                sample = archive.read_json(member)
                if not isinstance(sample, dict):
                    raise SchemaError("expected a sample object", file=file, member=member)
                samples.append((f"member {member}", sample))
            elif _SAMPLE_MEMBER.match(member.rsplit("/", 1)[-1]) and not member.startswith(
                    "_journal/"):
                notes.append(f"member {member[:80]!r} looks like a sample but is outside "
                             "samples/; ignored")
    else:
        header = parsed if isinstance(parsed, dict) else parse_json(
            decode_text(loaded.data, file=file), file=file)
        if not isinstance(header, dict):
            raise SchemaError("expected an object", file=file)
        raw = header.get("samples")
        if raw is not None and not isinstance(raw, list):
            raise SchemaError("expected an array", file=file, field="samples")
        for i, sample in enumerate(raw or []):
            if not isinstance(sample, dict):
                raise SchemaError("expected an object", file=file, field=f"samples[{i}]")
            samples.append((f"samples[{i}]", sample))
    ev = header.get("eval")
    if not isinstance(ev, dict):
        raise SchemaError("expected an object", file=file, field="eval")
    status = str(header.get("status", "unknown"))
    results = _obj(header, "results")
    stored_scores = [s for s in (results.get("scores") or []) if isinstance(s, dict)]
    if not samples:
        summary = _inspect_summary(stored_scores)
        raise NoItemsError(f"the log holds no samples (status {status!r}"
                           f"{'; results: ' + summary if summary else ''}); it was "
                           "written header-only or cancelled before samples were "
                           "logged", file=file, field="samples")
    if status not in ("success",):
        notes.append(f"log status {status!r}: the run may be incomplete")
    scorer_names: dict[str, None] = {}
    for _, sample in samples:
        sc = sample.get("scores")
        if isinstance(sc, dict):
            scorer_names.update(dict.fromkeys(sc))
    if not scorer_names:
        raise NoItemsError(f"the log's {len(samples)} samples were not scored (no "
                           "'scores' in any sample)", file=file, field="scores")
    offered_scorers = list(scorer_names)
    default = next((s.get("name") for s in stored_scores if s.get("name") in scorer_names),
                   offered_scorers[0])
    chosen = _choose(scorer, offered_scorers, kind="scorer", file=file,
                     default=str(default))
    # dict-valued scores: offer their numeric keys as metrics
    keys: dict[str, None] = {}
    for _, sample in samples:
        value = ((sample.get("scores") or {}).get(chosen) or {}).get("value")
        if isinstance(value, dict):
            keys.update(dict.fromkeys(k for k, v in value.items()
                                      if not isinstance(v, dict | list)))
    value_key: str | None = None
    if keys:
        value_key = _choose(metric, list(keys), kind="metric", file=file)
    records: list[dict[str, Any]] = []
    where: list[str] = []
    skipped_errors = 0
    for label, sample in samples:
        sid = sample.get("id")
        if sid is None or isinstance(sid, dict | list | bool):
            raise SchemaError("missing or not an id", file=file, member=_member(label),
                              field=_field(label, "id"))
        epoch_raw = sample.get("epoch", 1)
        epoch = int(epoch_raw) if isinstance(epoch_raw, int) and not isinstance(
            epoch_raw, bool) else None
        if epoch is None or epoch < 1:
            raise SchemaError(f"expected an epoch >= 1, got {epoch_raw!r}"[:80], file=file,
                              member=_member(label), field=_field(label, "epoch"))
        score_obj = (sample.get("scores") or {}).get(chosen)
        if not isinstance(score_obj, dict) or "value" not in score_obj:
            if sample.get("error"):
                skipped_errors += 1
                continue
            raise SchemaError(f"missing score for scorer {chosen!r}", file=file,
                              member=_member(label), field=_field(label, f"scores.{chosen}"))
        value = score_obj["value"]
        field_name = _field(label, f"scores.{chosen}.value")
        if value is None:
            if sample.get("error"):
                skipped_errors += 1
                continue
            raise SchemaError(f"missing score for scorer {chosen!r} (value is null)",
                              file=file, member=_member(label), field=field_name)
        if isinstance(value, dict):
            assert value_key is not None
            if value_key not in value:
                raise SchemaError(f"missing score key {value_key!r}", file=file,
                                  member=_member(label), field=field_name)
            value = value[value_key]
            field_name += f".{value_key}"
        score = inspect_value_to_float(value, file=file, member=_member(label),
                                       field=field_name)
        row: dict[str, Any] = {"item_id": str(sid), "epoch": epoch, "score": score,
                               "answer": _text(score_obj.get("answer")),
                               "target": _text(sample.get("target"))}
        total = _number(sample.get("total_time"))
        if total is not None:
            row["latency_s"] = total
        usage = sample.get("model_usage")
        if isinstance(usage, dict):
            ins = [_number(u.get("input_tokens")) for u in usage.values() if isinstance(u, dict)]
            outs = [_number(u.get("output_tokens")) for u in usage.values()
                    if isinstance(u, dict)]
            if ins and all(v is not None for v in ins):
                row["input_tokens"] = sum(v for v in ins if v is not None)
            if outs and all(v is not None for v in outs):
                row["output_tokens"] = sum(v for v in outs if v is not None)
        meta = sample.get("metadata")
        if isinstance(meta, dict):
            _flatten_meta(meta, row)
        records.append(row)
        where.append(label)
    if skipped_errors:
        notes.append(f"{skipped_errors} sample(s) that ended in an error and have no score "
                     "left out")
    if not records:
        raise NoItemsError("no sample has a score", file=file, field="scores")
    frame = _frame(_rows_from_dicts(records), file=file, where=where)
    stored = None
    for entry in stored_scores:
        if entry.get("name") != chosen and entry.get("scorer") != chosen:
            continue
        ms = _obj(entry, "metrics")
        mean_obj = ms.get("accuracy") or ms.get("mean")
        if value_key is not None or not isinstance(mean_obj, dict):
            continue
        mean = _number(mean_obj.get("value"))
        se_obj = ms.get("stderr")
        se = _number(se_obj.get("value")) if isinstance(se_obj, dict) else None
        n = entry.get("scored_samples")
        if mean is not None:
            stored = StoredAggregate(metric="accuracy" if "accuracy" in ms else "mean",
                                     mean=mean, stderr=se,
                                     n=n if isinstance(n, int) else None)
        break
    config = _obj(ev, "config")
    reducer = config.get("epochs_reducer")
    if frame["epoch"].nunique() > 1 and reducer not in (None, ["mean"], "mean"):
        notes.append(f"epochs reducer {reducer!r}: the log's stored figures reduce epochs "
                     "that way, ours average them")
    return EvalLog(format=kind, task=str(ev.get("task") or "unknown task"),
                   model=model or str(ev.get("model") or "unknown model"),
                   metric=value_key or chosen, items=frame, source=file,
                   metrics=tuple(keys), scorer=chosen, scorers=tuple(offered_scorers),
                   stored=stored, notes=tuple(notes))


def _member(label: str) -> str | None:
    return label[len("member "):] if label.startswith("member ") else None


def _field(label: str, field: str) -> str:
    return field if label.startswith("member ") else f"{label}.{field}"


def _inspect_summary(scores: list[dict[str, Any]]) -> str:
    parts = []
    for entry in scores:
        ms = _obj(entry, "metrics")
        for key, obj in ms.items():
            if isinstance(obj, dict) and _number(obj.get("value")) is not None:
                parts.append(f"{entry.get('name')} {key} {_number(obj.get('value')):.4g}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- HELM

def _read_helm(loaded: Loaded, parsed: Any, *, folder: Path | None, metric: str | None,
               model: str | None, task: str | None, max_bytes: int,
               siblings: Mapping[str, bytes] | None) -> EvalLog:
    """HELM ``per_instance_stats.json``: a list of ``{instance_id, train_trial_index,
    perturbation?, stats: [{name: {name, split, perturbation?}, count, sum, mean}]}``."""
    file = loaded.name
    side: dict[str, Any] = {}
    notes: list[str] = []
    if isinstance(parsed, SafeZip) or (parsed is None and is_zip(loaded.data)):
        archive = parsed if isinstance(parsed, SafeZip) else SafeZip(loaded.data, file=file)
        stats_members = [n for n in archive.names
                         if n.rsplit("/", 1)[-1] == "per_instance_stats.json"]
        if len(stats_members) != 1:
            raise SchemaError(f"expected one per_instance_stats.json in the archive, found "
                              f"{len(stats_members)}", file=file,
                              member="per_instance_stats.json")
        prefix = stats_members[0][: -len("per_instance_stats.json")]
        doc = archive.read_json(stats_members[0])
        for other in ("run_spec.json", "stats.json", "scenario_state.json"):
            if prefix + other in archive.names:
                side[other] = archive.read_json(prefix + other)
        label = f"{file}:{stats_members[0]}"
    else:
        doc = parsed if parsed is not None else parse_json(
            decode_text(loaded.data, file=file), file=file)
        label = file
        for other in ("run_spec.json", "stats.json", "scenario_state.json"):
            data: bytes | None = None
            if siblings is not None and other in siblings:
                data = siblings[other]
            elif folder is not None and (folder / other).is_file():
                data = load_source(folder / other, max_bytes=max_bytes).data
            if data is not None:
                side[other] = parse_json(decode_text(data, file=other), file=other)
    if not isinstance(doc, list):
        raise SchemaError("expected an array of instances", file=label)
    per_stat: dict[str, dict[str, float]] = {}
    kept: list[tuple[str, int]] = []
    perturbed = 0
    for i, entry in enumerate(doc):
        if not isinstance(entry, dict):
            raise SchemaError("expected an object", file=label, field=f"[{i}]")
        if entry.get("perturbation"):
            perturbed += 1
            continue
        iid = entry.get("instance_id")
        if not isinstance(iid, str | int) or isinstance(iid, bool):
            raise SchemaError("missing or not an id", file=label, field=f"[{i}].instance_id")
        trial = entry.get("train_trial_index", 0)
        if not isinstance(trial, int) or isinstance(trial, bool) or trial < 0:
            raise SchemaError("expected an integer >= 0", file=label,
                              field=f"[{i}].train_trial_index")
        stats = entry.get("stats")
        if not isinstance(stats, list):
            raise SchemaError("expected an array", file=label, field=f"[{i}].stats")
        key = f"{iid}\x00{trial}"
        kept.append((str(iid), trial))
        for stat in stats:
            if not isinstance(stat, dict) or not isinstance(stat.get("name"), dict):
                raise SchemaError("expected a stat object with a name", file=label,
                                  field=f"[{i}].stats")
            name = stat["name"]
            if name.get("perturbation"):
                continue
            count = _number(stat.get("count"))
            if not count:
                continue
            mean = _number(stat.get("mean"))
            if mean is None:
                total = _number(stat.get("sum"))
                mean = total / count if total is not None else None
            if mean is not None:
                per_stat.setdefault(str(name.get("name")), {})[key] = mean
    if not kept:
        raise NoItemsError("no unperturbed instance in the file", file=label)
    offered = sorted(per_stat, key=lambda s: (s not in _HELM_PREFERRED,
                                              _HELM_PREFERRED.index(s)
                                              if s in _HELM_PREFERRED else 0, s))
    chosen = _choose(metric, offered, kind="metric", file=label)
    values = per_stat[chosen]
    answers, targets = _helm_answers(side.get("scenario_state.json"))
    runtime = per_stat.get("inference_runtime", {})
    prompt = per_stat.get("num_prompt_tokens", {})
    output = per_stat.get("num_output_tokens", {})
    rows: dict[str, list[Any]] = {k: [] for k in (
        "item_id", "epoch", "score", "answer", "target", "latency_s", "input_tokens",
        "output_tokens")}
    where: list[str] = []
    for iid, trial in kept:
        key = f"{iid}\x00{trial}"
        if key not in values:
            raise SchemaError(f"missing score {chosen!r} for instance {iid!r}", file=label,
                              field="stats")
        rows["item_id"].append(iid)
        rows["epoch"].append(trial + 1)
        rows["score"].append(values[key])
        rows["answer"].append(answers.get(key))
        rows["target"].append(targets.get(key))
        rows["latency_s"].append(runtime.get(key))
        rows["input_tokens"].append(prompt.get(key))
        rows["output_tokens"].append(output.get(key))
        where.append(f"instance {iid}, train trial {trial}")
    frame = _frame(rows, file=label, where=where)
    if perturbed:
        notes.append(f"{perturbed} perturbed instance(s) left out (unperturbed only)")
    spec = side.get("run_spec.json")
    found_model = found_task = None
    if isinstance(spec, dict):
        adapter = _obj(spec, "adapter_spec")
        found_model = adapter.get("model") or adapter.get("model_deployment")
        run_name = spec.get("name")
        if isinstance(run_name, str):
            scenario, _, args = run_name.partition(":")
            kept_args = [a for a in args.split(",") if a and not a.startswith("model=")]
            found_task = scenario + (":" + ",".join(kept_args) if kept_args else "")
    if not found_model and not model:
        notes.append("model unknown: no run_spec.json beside the file; name the model")
    stored = None
    stats_doc = side.get("stats.json")
    if isinstance(stats_doc, list):
        found: dict[str, float] = {}
        for stat in stats_doc:
            if (isinstance(stat, dict) and isinstance(stat.get("name"), dict)
                    and stat["name"].get("name") in (chosen, "num_instances")
                    and not stat["name"].get("perturbation")
                    and stat["name"].get("split", "test") in ("test", "valid")):
                mean = _number(stat.get("mean"))
                if mean is not None:
                    found.setdefault(str(stat["name"]["name"]), mean)
        if chosen in found:
            count = found.get("num_instances")
            stored = StoredAggregate(metric=chosen, mean=found[chosen], stderr=None,
                                     n=round(count) if count is not None else None)
    return EvalLog(format=HELM, task=task or found_task or "unknown task",
                   model=model or str(found_model or "unknown model"), metric=chosen,
                   items=frame, source=file, metrics=tuple(offered), stored=stored,
                   notes=tuple(notes))


def _helm_answers(state: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Predicted text and the correct reference per (instance, trial) from HELM's
    ``scenario_state.json``; with an ``output_mapping`` (multiple-choice joint) both are
    given as the option letters."""
    answers: dict[str, str] = {}
    targets: dict[str, str] = {}
    if not isinstance(state, dict) or not isinstance(state.get("request_states"), list):
        return answers, targets
    for rs in state["request_states"]:
        if not isinstance(rs, dict) or not isinstance(rs.get("instance"), dict):
            continue
        inst = rs["instance"]
        if inst.get("perturbation"):
            continue
        key = f"{inst.get('id')}\x00{rs.get('train_trial_index', 0)}"
        result = _obj(rs, "result")
        comps = result.get("completions")
        if isinstance(comps, list) and comps and isinstance(comps[0], dict):
            text = comps[0].get("text")
            if isinstance(text, str):
                answers[key] = text.strip()
        refs = inst.get("references") if isinstance(inst.get("references"), list) else []
        correct = [r.get("output", {}).get("text") for r in refs if isinstance(r, dict)
                   and "correct" in (r.get("tags") or []) and isinstance(r.get("output"), dict)]
        mapping = rs.get("output_mapping")
        if correct and isinstance(mapping, dict):
            letters = [k for k, v in mapping.items() if v == correct[0]]
            if letters:
                targets[key] = str(letters[0])
        elif correct and isinstance(correct[0], str):
            targets[key] = correct[0]
    return answers, targets


# --------------------------------------------------------------------------- OpenAI evals

def _read_openai(loaded: Loaded, *, model: str | None, task: str | None) -> EvalLog:
    """An OpenAI evals record log: ``{"spec": ...}``, ``{"final_report": ...}`` and event
    lines ``{"run_id", "event_id", "sample_id", "type", "data"}``; ``type: "match"``
    events give ``data.correct`` (bool), ``data.picked`` and ``data.expected``."""
    file = loaded.name
    text = decode_text(loaded.data, file=file)
    spec: dict[str, Any] = {}
    report: dict[str, Any] | None = None
    types: dict[str, int] = {}
    rows: dict[str, list[Any]] = {"item_id": [], "epoch": [], "score": [], "answer": [],
                                  "target": []}
    where: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        rec = parse_json(raw, file=file, line=number)
        if not isinstance(rec, dict):
            raise SchemaError(f"expected an object, got {type(rec).__name__}", file=file,
                              line=number)
        if "spec" in rec:
            spec = rec["spec"] if isinstance(rec["spec"], dict) else {}
            continue
        if "final_report" in rec:
            report = rec["final_report"] if isinstance(rec["final_report"], dict) else {}
            continue
        kind = rec.get("type")
        types[str(kind)] = types.get(str(kind), 0) + 1
        if kind != "match":
            continue
        data = rec.get("data")
        if not isinstance(data, dict):
            raise SchemaError("expected an object", file=file, line=number, field="data")
        correct = data.get("correct")
        if not isinstance(correct, bool):
            raise SchemaError("missing score" if correct is None else
                              f"expected true/false, got {repr(correct)[:40]}", file=file,
                              line=number, field="data.correct")
        sid = rec.get("sample_id")
        if not isinstance(sid, str | int) or isinstance(sid, bool):
            raise SchemaError("missing or not an id", file=file, line=number,
                              field="sample_id")
        rows["item_id"].append(str(sid))
        rows["epoch"].append(1)
        rows["score"].append(float(correct))
        rows["answer"].append(_text(data.get("picked")))
        rows["target"].append(_text(data.get("expected")))
        where.append(f"line {number}")
    if not rows["item_id"]:
        held = ["a spec line" if spec else "", "a final_report" + (
            f" ({', '.join(f'{k} {v}' for k, v in list(report.items())[:4])})"
            if report else "") if report is not None else ""]
        held += [f"{n} '{t}' event(s)" for t, n in types.items()]
        raise NoItemsError("the record log holds no 'match' events with data.correct, so "
                           "no per-sample scores; it holds " +
                           (", ".join(h for h in held if h) or "nothing else"), file=file)
    frame = _frame(rows, file=file, where=where)
    stored = None
    if report is not None and _number(report.get("accuracy")) is not None:
        n = report.get("n_samples")
        stored = StoredAggregate(metric="accuracy", mean=float(report["accuracy"]),
                                 stderr=None, n=n if isinstance(n, int) else None)
    fns = spec.get("completion_fns")
    found_model = fns[0] if isinstance(fns, list) and fns and isinstance(fns[0], str) else None
    return EvalLog(format=OPENAI_EVALS,
                   task=task or str(spec.get("eval_name") or "unknown task"),
                   model=model or str(found_model or "unknown model"), metric="accuracy",
                   items=frame, source=file, metrics=("accuracy",), stored=stored)


# --------------------------------------------------------------------------- CSV

_CSV_ID = ("item_id", "id", "item")
_CSV_SCORE = ("score", "correct")
_CSV_KNOWN = ("epoch", "answer", "target", "confidence", "latency_s", "input_tokens",
              "output_tokens")


def _read_csv(loaded: Loaded, *, model: str | None, task: str | None,
              metric: str | None) -> EvalLog:
    """The project's single-run CSV: an id column (``item_id``/``id``/``item``), a score
    column (``score``/``correct``; numbers or true/false), optional ``epoch``, ``answer``,
    ``target``, ``confidence``, ``latency_s``, token columns, ``model`` and ``task`` (one
    value each), and any other column as ``meta.<name>``."""
    file = loaded.name
    table = read_table(decode_text(loaded.data, file=file), file=file)
    lower = {c.lower(): c for c in table.columns}
    id_col = next((lower[c] for c in _CSV_ID if c in lower), None)
    if id_col is None:
        raise SchemaError("no item id column (item_id, id or item)", file=file, line=1,
                          field="item_id")
    score_names = [lower[c] for c in _CSV_SCORE if c in lower]
    if not score_names:
        raise SchemaError("no score column (score or correct); a two-model wide table "
                          "belongs to the lab's CSV upload", file=file, line=1,
                          field="score")
    score_col = _choose(metric, score_names, kind="metric", file=file) if metric else \
        score_names[0]
    raw = table[score_col]
    as_text = raw.astype(str).str.strip().str.lower()
    if raw.dtype == object and as_text.isin(["true", "false"]).all():
        scores = (as_text == "true").astype(float).to_numpy()
    else:
        scores = numeric(table, score_col, file=file)
    ids = table[id_col]
    if ids.isna().any():
        line = int(ids.isna().to_numpy().argmax()) + 2
        raise SchemaError("empty item id", file=file, line=line, field=id_col)
    rows: dict[str, list[Any]] = {"item_id": ids.astype(str).str.strip().tolist(),
                                  "score": list(scores)}
    if "epoch" in lower:
        epochs = numeric(table, lower["epoch"], file=file)
        bad = (epochs < 1) | (epochs != epochs.round())
        if bad.any():
            raise SchemaError("epoch must be a whole number >= 1", file=file,
                              line=int(bad.argmax()) + 2, field=lower["epoch"])
        rows["epoch"] = epochs.astype(int).tolist()
    else:
        rows["epoch"] = [1] * len(table)
    found: dict[str, str | None] = {"model": None, "task": None}
    for key in ("model", "task"):
        if key in lower:
            values = table[lower[key]].dropna().astype(str).unique()
            if len(values) > 1:
                raise SchemaError(f"holds {len(values)} different {key}s; one run per file",
                                  file=file, field=lower[key])
            found[key] = values[0] if len(values) else None
    for col in table.columns:
        low = col.lower()
        if col in (id_col, score_col) or low in ("epoch", "model", "task"):
            continue
        if low in _CSV_KNOWN:
            rows[low] = table[col].where(table[col].notna(), None).tolist()
        elif low not in _CSV_SCORE:
            rows[f"{META_PREFIX}{col}"] = table[col].tolist()
    where = [f"line {i + 2}" for i in range(len(table))]
    frame = _frame(rows, file=file, where=where)
    for col in ("latency_s", "input_tokens", "output_tokens", "confidence"):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return EvalLog(format=CSV, task=task or found["task"] or Path(file).stem,
                   model=model or found["model"] or "unknown model", metric=score_col,
                   items=frame, source=file, metrics=tuple(score_names))
