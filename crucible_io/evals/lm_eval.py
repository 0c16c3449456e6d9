"""lm-evaluation-harness logs: ``samples_<task>_<date>.jsonl`` (``--log_samples``: one
object per document per filter, with ``doc_id``, ``target``, ``filtered_resps`` and the
per-document metric values; older lines lack ``filter`` and ``metrics``), multiple-choice
answers from the log-likelihoods, and ``results_<date>.json`` (``"acc,none"``,
``"acc_stderr,none"``; v0: ``"acc"``) read into :class:`StoredAggregate`."""

from __future__ import annotations

import gc
import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import softmax

from crucible_io.evals.common import (
    LM_EVAL,
    LM_EVAL_RESULTS,
    EvalFormat,
    NoItemsError,
    ReadRequest,
    as_number,
    as_text,
    choose,
    first_record,
    sub_object,
)
from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    DuplicateIdError,
    Loaded,
    MalformedError,
    ReadError,
    SchemaError,
    Source,
    decode_text,
    load_source,
    parse_json,
)
from crucible_scenarios.eval_log import EvalLog, StoredAggregate

_LM_NOT_METRICS = frozenset({
    "doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter",
    "metrics", "doc_hash", "prompt_hash", "target_hash", "task_name", "task"})
_LM_PREFERRED = ("acc", "exact_match", "acc_norm", "em", "f1", "bleu", "mc2", "mc1")
_SAMPLES_NAME = re.compile(r"^samples_(?P<task>.+?)_(?P<date>\d{4}-\d{2}-\d{2}T[\d\-.:]+)"
                           r"\.jsonl$")
_RESULTS_NAME = re.compile(r"^results_?(?P<date>\d{4}-\d{2}-\d{2}T[\d\-.:]+)?.*\.json$")


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
    chosen_filter = choose(filter, filter_names, kind="filter", file=file)
    chosen = [(n, r) for n, r in records if r.get("filter", "none") == chosen_filter]
    # metrics offered: the first line's metric keys that hold a finite number on some line
    # of the chosen filter (lm-eval writes a non-finite value as Infinity or NaN)
    first_n, first = chosen[0]
    declared = first.get("metrics")
    candidates = (list(declared) if isinstance(declared, list)
                  else [k for k in first if k not in _LM_NOT_METRICS])
    offered = [k for k in candidates if isinstance(k, str) and _finite_somewhere(chosen, k)]
    if not offered:
        raise NoItemsError("the lines hold no numeric per-sample metric with a finite value "
                           f"(looked at {', '.join(map(str, candidates)) or 'no keys'})",
                           file=file, line=first_n)
    default = next((m for m in _LM_PREFERRED if m in offered), offered[0])
    chosen_metric = choose(metric, offered, kind="metric", file=file, default=default)
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
    non_finite: list[int] = []
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
            score = _number_or_nan(value) if isinstance(value, str) else math.nan
            if score != score and not _says_nan(value):
                raise SchemaError("missing score" if value is None else
                                  f"expected a number, got {repr(value)[:40]}", file=file,
                                  line=number, field=chosen_metric)
        if not -math.inf < score < math.inf:  # Infinity, -Infinity or NaN: left out, said
            non_finite.append(number)
            continue
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
                       str(target) if type(target) is int else as_text(target))
        confs.append(None)
        lines.append(number)
    if mc_rows:
        best, probs = choice_probabilities(mc_lls)
        for row, b, p in zip(mc_rows, best, probs, strict=True):
            answers[row] = None if b is None else str(b)
            confs[row] = p
    if non_finite:
        notes.append(f"{len(non_finite)} of {len(non_finite) + len(ids)} samples have a "
                     f"non-finite {chosen_metric!r} (Infinity or NaN, line"
                     f"{'s' if len(non_finite) > 1 else ''} {_line_list(non_finite)}): left "
                     "out of the means and intervals")
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


def _number_or_nan(value: str) -> float:
    """A numeric string's float (``"Infinity"`` and ``"NaN"`` included), else NaN."""
    try:
        return float(value.strip())
    except ValueError:
        return math.nan


def _says_nan(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in ("nan", "+nan", "-nan")


def _finite_somewhere(records: list[tuple[int, dict[str, Any]]], key: str) -> bool:
    """Whether some line holds a finite number (not a string) under ``key``; most files
    answer on the first line."""
    for _number, rec in records:
        value = rec.get(key)
        if not isinstance(value, str) and as_number(value) is not None:
            return True
    return False


def _line_list(numbers: list[int], shown: int = 5) -> str:
    head = ", ".join(map(str, numbers[:shown]))
    return head + (f" and {len(numbers) - shown} more" if len(numbers) > shown else "")


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
    return lm_results_from_bytes(load_source(source, max_bytes=max_bytes))


def lm_results_from_bytes(loaded: Loaded) -> dict[str, dict[str, StoredAggregate]]:
    file = loaded.name
    doc = parse_json(decode_text(loaded.data, file=file), file=file)
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        raise SchemaError("expected an object with a 'results' object", file=file,
                          field="results")
    n_samples = sub_object(doc, "n-samples")
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
            mean = as_number(value)
            if mean is None or isinstance(value, bool):
                continue
            se_key = f"{metric_name}_stderr" + (f",{filt}" if filt else "")
            se = as_number(values.get(se_key))
            label = metric_name if filt in ("", "none") else key
            per[label] = StoredAggregate(metric=metric_name, mean=mean, stderr=se, n=n)
        out[str(task_name)] = per
    return out


def _stored_key(log: EvalLog) -> str:
    return log.metric if log.filter in (None, "none") else f"{log.metric},{log.filter}"


def with_stored(log: EvalLog, results: dict[str, dict[str, StoredAggregate]],
                 results_name: str) -> EvalLog:
    stored = results.get(log.task, {}).get(_stored_key(log))
    if stored is None:
        return replace(log, notes=(*log.notes, f"{results_name} has no {_stored_key(log)} "
                                                f"for {log.task}"))
    return replace(log, stored=stored,
                   notes=(*log.notes, f"stored aggregate from {results_name}"))


def match_results(samples_name: str, task: str,
                   results: list[tuple[Loaded, dict[str, dict[str, StoredAggregate]]]],
                   ) -> tuple[str, dict[str, dict[str, StoredAggregate]]] | None:
    match = _SAMPLES_NAME.match(Path(samples_name).name)
    date = match.group("date") if match else None
    holding = [(ld.name, r) for ld, r in results if task in r]
    same_date = [(n, r) for n, r in holding if date and date in n]
    if same_date:
        return same_date[0]
    return holding[0] if len(holding) == 1 else None


def attach_results_from_folder(log: EvalLog, folder: Path, name: str,
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
        model = model_from_results(path.read_bytes())
    except OSError:
        model = None
    if model and log.model == "unknown model":
        log = replace(log, model=model)
    return with_stored(log, results, path.name)


def model_from_results(data: bytes) -> str | None:
    """The model an lm-eval results file names (``model_name``, else ``model_args``)."""
    try:
        raw = json.loads(data)
        model = raw.get("model_name") or (raw.get("config") or {}).get("model_args")
    except (ValueError, RecursionError, AttributeError):
        return None
    return model if isinstance(model, str) and model else None


def read(loaded: Loaded, request: ReadRequest) -> EvalLog:
    """An lm-eval samples file as :func:`read_eval_log` reads it: the samples, with the
    results file from the same folder for the cross-check when there is one."""
    log = read_lm_eval_samples(loaded, metric=request.metric, filter=request.filter,
                               model=request.model, task=request.task)
    if request.folder is not None and log.stored is None:
        log = attach_results_from_folder(log, request.folder, loaded.name,
                                         request.max_bytes)
    return log


def refuse_results(loaded: Loaded, request: ReadRequest) -> EvalLog:
    """A results file alone holds no per-item scores: a :class:`NoItemsError` saying
    which file to read instead."""
    raise NoItemsError("an lm-eval results file holds only aggregate scores, no "
                       "per-item scores; read the samples_<task>_<date>.jsonl that "
                       "--log_samples writes beside it (with this file for the "
                       "cross-check)", file=loaded.name)


def _is_sample(record: dict[str, Any]) -> bool:
    return "doc_id" in record


def _is_samples_document(doc: Any) -> bool:
    if isinstance(doc, dict):
        return "doc_id" in doc
    first = first_record(doc)
    return first is not None and "doc_id" in first


def _is_results(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("results"), dict) and bool(
        {"versions", "configs", "n-samples", "config"} & doc.keys())


SAMPLES = EvalFormat(LM_EVAL, read, aliases=("lm_eval", "lm-eval", "lmeval",
                                             "lm_eval_samples"),
                     first_line=_is_sample, document=_is_samples_document,
                     keeps_parsed=False)
RESULTS = EvalFormat(LM_EVAL_RESULTS, refuse_results, aliases=("lm_eval_results",),
                     document=_is_results)
