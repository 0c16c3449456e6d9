"""optuna studies as trial tables: what ``study.trials_dataframe()`` writes (CSV, or JSON
records), what ``optuna trials -f json`` prints (nested or ``--flatten``ed), and the
journal file of ``JournalStorage(JournalFileBackend(path))``.

* **Tables** (``trials_dataframe``): one row per trial with ``number``, ``value`` (or
  ``values_0``, ``values_1``... for several objectives), ``datetime_start``,
  ``datetime_complete``, ``duration``, ``params_<name>``, ``user_attrs_<name>``,
  ``system_attrs_<name>`` and ``state`` (``COMPLETE``, ``PRUNED``, ``FAIL``, ``RUNNING``,
  ``WAITING``). The CLI's JSON holds ``params`` and ``user_attrs`` as objects unless
  flattened. Neither records the study's direction.
* **Journal** (optuna/storages/journal/_storage.py): one JSON operation per line, each
  with an ``op_code``: 0 create study (``study_name``, ``directions``: 1 minimize, 2
  maximize), 1 delete study, 4 create trial (``study_id``; with ``state``, ``values``,
  ``params`` and ``distributions`` when a whole trial is added), 5 set a parameter
  (``trial_id``, ``param_name``, ``param_value_internal``, ``distribution`` as JSON text),
  6 set state and values (``trial_id``, ``state``: 0 running, 1 complete, 2 pruned, 3
  fail, 4 waiting; ``values``). Studies and trials are numbered in the order they are
  created, as optuna replays the file; an update to a finished trial is ignored, as
  optuna does. The journal gives the direction and each parameter's distribution, so the
  search space is optuna's own: float and int ranges (with their log flag) and
  categorical choices.

Only ``COMPLETE`` trials carry a score; the others are counted in a note. The score is
``value`` (the first objective of a multi-objective study, said in a note); a
``n_queries`` user attribute becomes the ``n_queries`` column.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crucible_io.limits import MalformedError, SchemaError, TooLargeError
from crucible_scenarios.optimization import N_QUERIES, SCORE, Dimension, SearchSpace

#: optuna's TrialState and StudyDirection values in a journal.
STATES = {0: "RUNNING", 1: "COMPLETE", 2: "PRUNED", 3: "FAIL", 4: "WAITING"}
_MAXIMIZE, _MINIMIZE = 2, 1
#: Most journal operations read (a study of 500 trials writes a few thousand).
MAX_OPERATIONS = 200_000


@dataclass
class OptunaStudy:
    """Complete trials as rows (parameters, ``score``, maybe ``n_queries``), each row's
    label (``trial <number>``), the direction and space when the file says, and notes."""

    frame: pd.DataFrame
    labels: list[str]
    format: str
    maximize: bool | None = None
    space: SearchSpace | None = None
    notes: list[str] = field(default_factory=list)


def is_optuna_table(columns: list[str]) -> bool:
    """A ``trials_dataframe()`` table: ``number``, ``state`` and ``params_*`` columns."""
    names = {str(c).strip() for c in columns}
    return {"number", "state"} <= names and any(c.startswith("params_") for c in names)


def is_optuna_records(doc: Any) -> bool:
    """``optuna trials -f json`` (nested or flattened) or ``trials_dataframe()`` records."""
    return (isinstance(doc, list) and bool(doc) and all(isinstance(r, dict) for r in doc[:5])
            and {"number", "state"} <= set(doc[0])
            and (isinstance(doc[0].get("params"), dict)
                 or any(str(k).startswith("params_") for k in doc[0])))


def is_optuna_journal(first_line: str) -> bool:
    """The first line of a journal file: a JSON object with an ``op_code``."""
    try:
        record = json.loads(first_line)
    except (json.JSONDecodeError, RecursionError):
        return False
    return isinstance(record, dict) and "op_code" in record


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if not isinstance(v, dict)}
    for group in ("params", "user_attrs"):
        if isinstance(record.get(group), dict):
            out.update({f"{group}_{k}": v for k, v in record[group].items()})
    return out


def from_records(doc: list[dict[str, Any]], *, file: str) -> OptunaStudy:
    """The CLI's JSON (or ``to_json(orient="records")``) as a study."""
    return from_table(pd.DataFrame.from_records([_flatten(r) for r in doc]), file=file,
                      fmt="optuna JSON")


def from_table(frame: pd.DataFrame, *, file: str, fmt: str = "optuna CSV") -> OptunaStudy:
    """A ``trials_dataframe()`` table as a study (direction unknown: the table has none)."""
    frame = frame.rename(columns=lambda c: str(c).strip())
    value = "value" if "value" in frame.columns else (
        "values_0" if "values_0" in frame.columns else None)
    if value is None:
        raise SchemaError("an optuna trials table without 'value' or 'values_0'", file=file,
                          field="value")
    states = frame["state"].astype(str).str.strip().str.upper()
    complete = (states == "COMPLETE").to_numpy()
    params = [c for c in frame.columns if c.startswith("params_")]
    rows = frame.loc[complete, params].rename(columns=lambda c: c.removeprefix("params_"))
    rows[SCORE] = pd.to_numeric(frame.loc[complete, value], errors="coerce")
    if "user_attrs_n_queries" in frame.columns:
        rows[N_QUERIES] = frame.loc[complete, "user_attrs_n_queries"]
    labels = [f"trial {n}" for n in frame.loc[complete, "number"]]
    notes = _state_note(Counter(states[~complete]))
    if value == "values_0":
        notes.append("a study of several objectives: the score is the first (values_0)")
    return OptunaStudy(rows.reset_index(drop=True), labels, fmt, notes=notes)


def _state_note(others: Counter[str]) -> list[str]:
    if not others:
        return []
    counts = ", ".join(f"{n} {state}" for state, n in sorted(others.items()))
    return [f"Left out {counts} trial(s): only COMPLETE trials have a score to learn from."]


def _dimension(name: str, dist_json: object, *, file: str, line: int) -> Dimension:
    """optuna's distribution (current or pre-3.0 names) as a search dimension."""
    try:
        dist: Any = json.loads(dist_json) if isinstance(dist_json, str) else dist_json
        kind = dist["name"]
        attrs = dist["attributes"]
    except (json.JSONDecodeError, TypeError, KeyError):
        raise SchemaError("not an optuna distribution", file=file, line=line,
                          field="distribution") from None
    try:
        if kind == "CategoricalDistribution":
            return Dimension(name, "categorical",
                             categories=tuple(str(c) for c in attrs["choices"]))
        log = bool(attrs.get("log")) or kind in ("LogUniformDistribution",
                                                   "IntLogUniformDistribution")
        integer = kind in ("IntDistribution", "IntUniformDistribution",
                           "IntLogUniformDistribution")
        if integer or kind in ("FloatDistribution", "UniformDistribution",
                               "LogUniformDistribution", "DiscreteUniformDistribution"):
            return Dimension(name, "integer" if integer else "real", float(attrs["low"]),
                             float(attrs["high"]), log=log)
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(f"parameter {name!r}: {exc}", file=file, line=line,
                          field="distribution") from None
    raise SchemaError(f"unknown optuna distribution {str(kind)[:40]!r}", file=file, line=line,
                      field="distribution")


def _external(dim: Dimension, internal: object) -> object:
    """optuna's internal representation back to the value: a categorical is stored as
    the index of its choice, an int as a float."""
    if dim.kind == "categorical":
        return dim.categories[int(internal)]  # type: ignore[call-overload]
    if dim.kind == "integer":
        return round(float(internal))  # type: ignore[arg-type]
    return float(internal)  # type: ignore[arg-type]


@dataclass
class _Trial:
    study: int
    state: int = 0
    values: list[float] | None = None
    params: dict[str, object] = field(default_factory=dict)
    n_queries: object = None


def from_journal(text: str, *, file: str) -> OptunaStudy:
    """Replay a journal file (module docstring) and take its last study still present."""
    studies: dict[int, tuple[str, list[int]]] = {}
    trials: list[_Trial] = []
    dims: dict[int, dict[str, Dimension]] = {}
    next_study = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        if number > MAX_OPERATIONS:
            raise TooLargeError(f"more than {MAX_OPERATIONS:,} journal operations", file=file)
        try:
            op = json.loads(raw)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise MalformedError(f"invalid JSON ({exc})", file=file, line=number) from None
        if not isinstance(op, dict) or not isinstance(op.get("op_code"), int):
            raise SchemaError("expected a journal operation with an op_code", file=file,
                              line=number, field="op_code")
        if op["op_code"] == 0:  # a study of a name not present yet gets the next id
            name = str(op.get("study_name"))
            if name not in [s[0] for s in studies.values()]:
                directions = op.get("directions") or [_MINIMIZE]
                if not isinstance(directions, list) or not all(
                        d in (0, 1, 2) for d in directions):
                    raise SchemaError("unknown study direction", file=file, line=number,
                                      field="directions")
                studies[next_study] = (name, directions)
                next_study += 1
            continue
        try:
            _apply(op, number, file, studies, trials, dims)
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            if isinstance(exc, SchemaError):
                raise
            raise SchemaError(f"operation {op['op_code']} is not optuna's ({exc!r})"[:200],
                              file=file, line=number) from None
    if not studies:
        raise SchemaError("the journal holds no study", file=file)
    study_id = max(studies)
    name, directions = studies[study_id]
    notes = []
    if len(studies) > 1:
        others = ", ".join(repr(s[0]) for i, s in sorted(studies.items()) if i != study_id)
        notes.append(f"The journal holds {len(studies)} studies; read the last, {name!r} "
                     f"(the others: {others}).")
    mine = [t for t in trials if t.study == study_id]
    complete = [(i, t) for i, t in enumerate(mine) if t.state == 1 and t.values]
    notes += _state_note(Counter(STATES.get(t.state, str(t.state)) for t in mine
                                 if not (t.state == 1 and t.values)))
    if len(directions) > 1:
        notes.append("a study of several objectives: the score is the first objective")
    space_dims = dims.get(study_id, {})
    space = SearchSpace(tuple(space_dims.values())) if space_dims else None
    rows = [{**t.params, SCORE: t.values[0] if t.values else math.nan,
             **({N_QUERIES: t.n_queries} if t.n_queries is not None else {})}
            for _i, t in complete]
    frame = pd.DataFrame(rows, columns=[*space_dims, SCORE, *(
        [N_QUERIES] if rows and all(N_QUERIES in r for r in rows) else [])])
    return OptunaStudy(frame, [f"trial {i}" for i, _t in complete], "optuna journal",
                       maximize=directions[0] == _MAXIMIZE if directions else None,
                       space=space, notes=notes)


def _apply(op: dict[str, Any], line: int, file: str, studies: dict[int, tuple[str, list[int]]],
           trials: list[_Trial], dims: dict[int, dict[str, Dimension]]) -> None:
    """One journal operation after study creation, as optuna's ``_apply_log`` replays
    it (study and trial attributes other than ``n_queries`` are not needed here)."""
    code = op["op_code"]
    if code == 1:
        studies.pop(op.get("study_id"), None)  # type: ignore[arg-type]
    elif code == 4:
        study = op.get("study_id")
        if study not in studies:
            return
        trial = _Trial(study=int(study))
        if "state" in op:
            trial.state = int(op["state"])
            trial.values = op.get("values")
        for pname, dist in (op.get("distributions") or {}).items():
            dim = _dimension(pname, dist, file=file, line=line)
            dims.setdefault(trial.study, {}).setdefault(pname, dim)
            trial.params[pname] = _external(dim, op["params"][pname])
        trial.n_queries = (op.get("user_attrs") or {}).get("n_queries")
        trials.append(trial)
    elif code in (5, 6, 8):
        index = op.get("trial_id")
        if not isinstance(index, int) or not 0 <= index < len(trials):
            raise SchemaError("names a trial the journal has not created", file=file,
                              line=line, field="trial_id")
        trial = trials[index]
        if trial.state in (1, 2, 3):  # finished: optuna ignores later updates
            return
        if code == 5:
            pname = str(op.get("param_name"))
            dim = _dimension(pname, op.get("distribution"), file=file, line=line)
            dims.setdefault(trial.study, {}).setdefault(pname, dim)
            trial.params[pname] = _external(dim, op.get("param_value_internal"))
        elif code == 6:
            trial.state = int(op.get("state", 0))
            if op.get("values") is not None:
                trial.values = [float(v) for v in op["values"]]
        elif "n_queries" in (op.get("user_attr") or {}):
            trial.n_queries = op["user_attr"]["n_queries"]
