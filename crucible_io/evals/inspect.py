"""Inspect AI logs: ``.json`` (one document with ``eval``, ``results``, ``samples``) and
``.eval`` (a zip of ``header.json``, ``samples/<id>_epoch_<n>.json``, ``reductions.json``,
``summaries.json``). Scores are ``samples[].scores[<scorer>].value`` converted as
Inspect's ``value_to_float`` does (C/I/P/N -> 1/0/0.5/0)."""

from __future__ import annotations

import math
import re
from typing import Any

from crucible_io.evals.common import (
    INSPECT_EVAL,
    INSPECT_JSON,
    MANIFEST,
    EvalFormat,
    NoItemsError,
    ReadRequest,
    as_number,
    as_text,
    choose,
    flatten_meta,
    item_frame,
    rows_from_dicts,
    sub_object,
)
from crucible_io.limits import (
    Loaded,
    SafeZip,
    SchemaError,
    decode_text,
    parse_json,
)
from crucible_scenarios.eval_log import EvalLog, StoredAggregate

#: Inspect's string score values (``CORRECT``, ``INCORRECT``, ``PARTIAL``, ``NOANSWER``).
INSPECT_VALUES = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}
_SAMPLE_MEMBER = re.compile(r"^(?P<id>.+)_epoch_(?P<epoch>\d+)\.json$")


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
        number = as_number(low)
        if number is not None:
            return number
    raise SchemaError(f"score value {repr(value)[:40]} is not a number or C/I/P/N",
                      file=file, member=member, line=line, field=field)


def read_inspect(loaded: Loaded, parsed: Any, kind: str, *, scorer: str | None,
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
    results = sub_object(header, "results")
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
    chosen = choose(scorer, offered_scorers, kind="scorer", file=file,
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
        value_key = choose(metric, list(keys), kind="metric", file=file)
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
                               "answer": as_text(score_obj.get("answer")),
                               "target": as_text(sample.get("target"))}
        total = as_number(sample.get("total_time"))
        if total is not None:
            row["latency_s"] = total
        usage = sample.get("model_usage")
        if isinstance(usage, dict):
            ins = [as_number(u.get("input_tokens")) for u in usage.values() if isinstance(u, dict)]
            outs = [as_number(u.get("output_tokens")) for u in usage.values()
                    if isinstance(u, dict)]
            if ins and all(v is not None for v in ins):
                row["input_tokens"] = sum(v for v in ins if v is not None)
            if outs and all(v is not None for v in outs):
                row["output_tokens"] = sum(v for v in outs if v is not None)
        meta = sample.get("metadata")
        if isinstance(meta, dict):
            flatten_meta(meta, row)
        records.append(row)
        where.append(label)
    if skipped_errors:
        notes.append(f"{skipped_errors} sample(s) that ended in an error and have no score "
                     "left out")
    if not records:
        raise NoItemsError("no sample has a score", file=file, field="scores")
    frame = item_frame(rows_from_dicts(records), file=file, where=where)
    stored = None
    for entry in stored_scores:
        if entry.get("name") != chosen and entry.get("scorer") != chosen:
            continue
        ms = sub_object(entry, "metrics")
        mean_obj = ms.get("accuracy") or ms.get("mean")
        if value_key is not None or not isinstance(mean_obj, dict):
            continue
        mean = as_number(mean_obj.get("value"))
        se_obj = ms.get("stderr")
        se = as_number(se_obj.get("value")) if isinstance(se_obj, dict) else None
        n = entry.get("scored_samples")
        if mean is not None:
            stored = StoredAggregate(metric="accuracy" if "accuracy" in ms else "mean",
                                     mean=mean, stderr=se,
                                     n=n if isinstance(n, int) else None)
        break
    config = sub_object(ev, "config")
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
        ms = sub_object(entry, "metrics")
        for key, obj in ms.items():
            if isinstance(obj, dict) and as_number(obj.get("value")) is not None:
                parts.append(f"{entry.get('name')} {key} {as_number(obj.get('value')):.4g}")
    return ", ".join(parts)


def read(loaded: Loaded, request: ReadRequest) -> EvalLog:
    """An Inspect ``.eval`` or ``.json`` log as :func:`read_eval_log` reads it."""
    return read_inspect(loaded, request.parsed, request.kind, scorer=request.scorer,
                        metric=request.metric, model=request.model)


#: File names Inspect gives its eval-set manifests.
MANIFEST_NAMES = ("logs.json", "eval-set.json", ".eval-set-id")


def refuse_manifest(loaded: Loaded, request: ReadRequest) -> EvalLog:
    """An eval-set manifest holds no samples: a :class:`NoItemsError` saying so."""
    raise NoItemsError("an Inspect eval-set manifest (eval-set.json / logs.json) "
                       "holds no samples; read the .eval logs it lists", file=loaded.name)


def _is_eval_archive(names: list[str]) -> bool:
    return ("header.json" in names or any(n.startswith("samples/") for n in names)
            or "_journal/start.json" in names)


def _is_json_log(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("eval"), dict)


def _is_manifest(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    return ("eval_set_id" in doc and "tasks" in doc) or (bool(doc) and all(
        isinstance(v, dict) and "eval" in v for v in doc.values()))


EVAL_ARCHIVE = EvalFormat(INSPECT_EVAL, read, aliases=("inspect_eval", "eval"),
                          archive=_is_eval_archive)
JSON_LOG = EvalFormat(INSPECT_JSON, read, aliases=("inspect_json", "inspect"),
                      document=_is_json_log)
EVAL_SET_MANIFEST = EvalFormat(MANIFEST, refuse_manifest, file_names=(".eval-set-id",),
                               document=_is_manifest)
