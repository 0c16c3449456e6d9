"""HELM runs: ``per_instance_stats.json`` (one entry per instance and train trial, with
its stats), with ``run_spec.json``, ``stats.json`` and ``scenario_state.json`` beside it
when available, from a folder, a zip or files uploaded together."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crucible_io.evals.common import (
    HELM,
    EvalFormat,
    NoItemsError,
    ReadRequest,
    as_number,
    choose,
    first_record,
    item_frame,
    sub_object,
)
from crucible_io.limits import (
    DuplicateIdError,
    Loaded,
    SafeZip,
    SchemaError,
    decode_text,
    is_zip,
    load_source,
    parse_json,
)
from crucible_scenarios.eval_log import EvalLog, StoredAggregate

_HELM_PREFERRED = ("exact_match", "quasi_exact_match", "prefix_exact_match",
                   "quasi_prefix_exact_match", "f1_score", "rouge_l", "safety_score")
#: Stats HELM records about the request rather than its quality (token counts, runtime,
#: finish reasons, costs): offered, but never the default metric.
_HELM_BOOKKEEPING = ("num_", "finish_reason", "inference_", "training_", "batch_",
                     "prompt_truncated", "max_prob", "logprob")


def _metric_rank(name: str) -> tuple[int, int, str]:
    """Preferred metrics first (in their order), then quality stats, bookkeeping last."""
    if name in _HELM_PREFERRED:
        return 0, _HELM_PREFERRED.index(name), name
    return (2 if name.startswith(_HELM_BOOKKEEPING) else 1), 0, name


# --------------------------------------------------------------------------- HELM

def read_helm(loaded: Loaded, parsed: Any, *, folder: Path | None, metric: str | None,
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
    # one (instance, train trial) may have several entries, one per metric group (HELM v4's
    # annotator-scored scenarios): their stats are merged, in the order first seen
    kept: dict[str, tuple[str, int]] = {}
    merged = 0
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
        if key in kept:
            merged += 1
        kept.setdefault(key, (str(iid), trial))
        for stat in stats:
            if not isinstance(stat, dict) or not isinstance(stat.get("name"), dict):
                raise SchemaError("expected a stat object with a name", file=label,
                                  field=f"[{i}].stats")
            name = stat["name"]
            if name.get("perturbation"):
                continue
            count = as_number(stat.get("count"))
            if not count:
                continue
            mean = as_number(stat.get("mean"))
            if mean is None:
                total = as_number(stat.get("sum"))
                mean = total / count if total is not None else None
            if mean is not None:
                stat_values = per_stat.setdefault(str(name.get("name")), {})
                earlier = stat_values.setdefault(key, mean)
                if earlier != mean:
                    raise DuplicateIdError(
                        f"stat {name.get('name')!r} of instance {iid!r}, train trial "
                        f"{trial} appears twice with different values ({earlier} and "
                        f"{mean})", file=label, field=f"[{i}].stats")
    if not kept:
        raise NoItemsError("no unperturbed instance in the file", file=label)
    offered = sorted(per_stat, key=_metric_rank)
    chosen = choose(metric, offered, kind="metric", file=label)
    values = per_stat[chosen]
    answers, targets = _helm_answers(side.get("scenario_state.json"))
    runtime = per_stat.get("inference_runtime", {})
    prompt = per_stat.get("num_prompt_tokens", {})
    output = per_stat.get("num_output_tokens", {})
    rows: dict[str, list[Any]] = {k: [] for k in (
        "item_id", "epoch", "score", "answer", "target", "latency_s", "input_tokens",
        "output_tokens")}
    where: list[str] = []
    for key, (iid, trial) in kept.items():
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
    frame = item_frame(rows, file=label, where=where)
    if perturbed:
        notes.append(f"{perturbed} perturbed instance(s) left out (unperturbed only)")
    if merged:
        notes.append(f"{merged} more entr{'y' if merged == 1 else 'ies'} of instances "
                     "already seen (one per metric group) merged into their instance")
    spec = side.get("run_spec.json")
    found_model = found_task = None
    if isinstance(spec, dict):
        adapter = sub_object(spec, "adapter_spec")
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
                mean = as_number(stat.get("mean"))
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
        result = sub_object(rs, "result")
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


def read(loaded: Loaded, request: ReadRequest) -> EvalLog:
    """A HELM run (``per_instance_stats.json``, its folder or a zip of it) as
    :func:`read_eval_log` reads it."""
    return read_helm(loaded, request.parsed, folder=request.folder, metric=request.metric,
                     model=request.model, task=request.task, max_bytes=request.max_bytes,
                     siblings=request.siblings)


def _is_run_archive(names: list[str]) -> bool:
    return any(n == "per_instance_stats.json" or n.endswith("/per_instance_stats.json")
               for n in names)


def _is_per_instance_stats(doc: Any) -> bool:
    first = first_record(doc)
    return first is not None and "instance_id" in first and "stats" in first


def _side_file(doc: Any) -> str | None:
    """The message for a HELM file beside the run's per-instance stats, else None."""
    if isinstance(doc, dict) and ("request_states" in doc or "metric_specs" in doc):
        return ("a HELM " + ("scenario_state.json" if "request_states" in doc
                             else "run_spec.json") +
                " holds no scores; read the run's per_instance_stats.json (or the run "
                "folder)")
    first = first_record(doc)
    if first is not None and "name" in first and "count" in first \
            and "doc_id" not in first:
        return ("a HELM stats.json holds only aggregate statistics, no per-instance "
                "scores; read per_instance_stats.json")
    return None


RUN = EvalFormat(HELM, read, aliases=("helm",), archive=_is_run_archive,
                 document=_is_per_instance_stats, refuse=_side_file)
