"""Trial tables a user ran by hand, and the advisor's study files, into
:class:`crucible_scenarios.optimization.Trials`.

Formats (detected from the content):

* **CSV** (comma, tab or semicolon): one row per configuration, one column per parameter,
  ``score``, optionally ``n_queries`` (the size of the eval behind the score) and
  ``maximize`` (true/false, the same on every row). A study CSV written by
  :func:`crucible_scenarios.optimization.study_csv` starts with ``#`` lines carrying the
  format, seed, direction and space; rows with an empty score are suggestions not yet run.
* **JSON**: a list of row objects, an object with a ``trials`` list, or a study document
  (:func:`crucible_scenarios.optimization.study_json`: seed, maximize, space, trials and
  suggestions; scored suggestions join the trials).
* **optuna**: ``study.trials_dataframe()`` as CSV or JSON, ``optuna trials -f json`` and
  the journal file (:mod:`crucible_io.optuna_trials`): the complete trials, their
  ``params_*`` as parameters and ``value`` as the score; the journal also gives the
  direction and optuna's own search space.

Without a space (given or in the file) one is inferred: numeric columns become integer or
real ranges covering the data with a 10% margin (log-uniform when the values are positive
and span at least an order of magnitude, max / min above 10), text columns become
categorical. Rows outside the space, repeated configurations with different scores and
missing scores are reported by line in :attr:`Trials.problems`; they stay in the frame,
and the advisor fits only the scored rows inside the space.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from crucible_io.limits import (
    MAX_SOURCE_BYTES,
    MalformedError,
    SchemaError,
    Source,
    TooLargeError,
    decode_text,
    load_source,
    parse_json,
    require_list,
    require_mapping,
)
from crucible_io.optuna_trials import (
    OptunaStudy,
    from_journal,
    from_records,
    from_table,
    is_optuna_journal,
    is_optuna_records,
    is_optuna_table,
)
from crucible_io.tables import read_table
from crucible_scenarios.optimization import (
    MAX_DIMENSIONS,
    N_QUERIES,
    NAME_PATTERN,
    RESERVED_NAMES,
    SCORE,
    STUDY_FORMAT,
    Dimension,
    SearchSpace,
    Trials,
    space_from_dict,
)

#: Largest number of trial rows: a Gaussian process costs O(n^3) per fit, and a few
#: hundred hand-run trials is already a long study; 10^5 rows is refused.
MAX_TRIAL_ROWS = 500
#: Most distinct values a text column may have to become a categorical dimension.
MAX_CATEGORIES = 30
#: Margin added on each side of an inferred numeric range, as a share of its width.
MARGIN = 0.10
#: A positive column whose max / min exceeds this is inferred on a log scale.
LOG_SPAN = 10.0
#: Columns a trial file may hold besides the parameters; ignored on reading.
KNOWN_EXTRA = frozenset({"trial", "status", "predicted_score", "predicted_sd",
                         "acquisition", "best_so_far", "elapsed_s", "maximize"})
_TRUE = {"true", "1", "yes", "max", "maximize"}
_FALSE = {"false", "0", "no", "min", "minimize"}


def _bool(value: object, *, file: str, line: int | None, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SchemaError(f"expected true or false, got {str(value)[:40]!r}", file=file,
                      line=line, field=field)


def _split_comments(text: str) -> tuple[dict[str, str], str, int]:
    """Leading ``# key: value`` lines, the rest of the text, and how many lines were cut."""
    meta: dict[str, str] = {}
    lines = text.lstrip("\ufeff").split("\n")
    cut = 0
    for line in lines:
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        meta[key.strip().lower()] = value.strip()
        cut += 1
    return meta, "\n".join(lines[cut:]), cut


def _looks_like_formula(value: object) -> bool:
    """Text a spreadsheet would run: starting with ``=`` or ``@``, or with ``+`` / ``-``
    when it is not simply a signed number."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text[:1] in ("=", "@"):
        return True
    if text[:1] in ("+", "-"):
        try:
            float(text)
        except ValueError:
            return True
    return False


def _infer_dimension(name: str, values: pd.Series, *, file: str) -> Dimension:
    """A dimension covering a column's values (see the module docstring)."""
    present = values.dropna()
    numbers = pd.to_numeric(present, errors="coerce")
    if len(present) and numbers.notna().all():
        data = numbers.to_numpy(dtype=float)
        if not np.all(np.isfinite(data)):
            raise SchemaError("holds an infinite value", file=file, field=name)
        low, high = float(data.min()), float(data.max())
        integer = bool(np.all(data == np.round(data)))
        positive = low > 0
        log = positive and high / low > LOG_SPAN
        if log:
            ratio = (high / low) ** MARGIN
            lo, hi = low / ratio, high * ratio
        else:
            width = high - low if high > low else max(abs(low), 1.0)
            lo, hi = low - MARGIN * width, high + MARGIN * width
            if low >= 0 > lo:  # a non-negative parameter stays non-negative
                lo = 0.0
        if integer:
            lo_i, hi_i = math.floor(lo), math.ceil(hi)
            if log:
                lo_i = max(lo_i, 1)
            if hi_i <= lo_i:
                hi_i = lo_i + 1
            return Dimension(name, "integer", lo_i, hi_i, log=log)
        if hi <= lo:
            hi = lo + 1.0
        return Dimension(name, "real", lo, hi, log=log)
    cats = list(dict.fromkeys(str(v).strip() for v in present))
    if len(cats) > MAX_CATEGORIES:
        raise SchemaError(f"has {len(cats)} different text values; a categorical "
                          f"parameter may have at most {MAX_CATEGORIES} (is it a "
                          "number column with a typo?)", file=file, field=name)
    if len(cats) < 2:
        cats = [*cats, "other"] if cats and cats[0] != "other" else ["a", "b"]
    return Dimension(name, "categorical", categories=tuple(cats))


def infer_space(frame: pd.DataFrame, parameters: list[str], *,
                file: str = "<input>") -> SearchSpace:
    """A search space covering every parameter column of ``frame`` (module docstring)."""
    return SearchSpace(tuple(_infer_dimension(p, frame[p], file=file) for p in parameters))


def _frame_from_json(doc: Any, *, file: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    meta: dict[str, Any] = {}
    if isinstance(doc, list):
        rows = doc
    else:
        doc = require_mapping(doc, file=file, field="(document)")
        if doc.get("format") not in (None, STUDY_FORMAT):
            raise SchemaError(f"unknown format {str(doc.get('format'))[:40]!r}", file=file,
                              field="format")
        rows = require_list(doc.get("trials"), file=file, field="trials")
        for key in ("seed", "maximize", "space"):
            if key in doc:
                meta[key] = doc[key]
        suggestions = doc.get("suggestions") or []
        suggestions = require_list(suggestions, file=file, field="suggestions")
        rows = [*rows, *suggestions]
    records = []
    for k, row in enumerate(rows, start=1):
        rec = require_mapping(row, file=file, field=f"trials[{k}]")
        for key, value in rec.items():
            if isinstance(value, dict | list):
                raise SchemaError(f"row {k}: a value must be a number or text, got "
                                  f"{type(value).__name__}", file=file, field=str(key))
        records.append(rec)
    if not records:
        raise SchemaError("holds no trials", file=file, field="trials")
    if len(records) > MAX_TRIAL_ROWS:
        raise TooLargeError(f"{len(records):,} trials; the limit is {MAX_TRIAL_ROWS:,} "
                            "(MAX_TRIAL_ROWS)", file=file)
    return pd.DataFrame.from_records(records), meta


def read_trials(source: Source, space: SearchSpace | None = None, *,
                max_bytes: int = MAX_SOURCE_BYTES, name: str | None = None,
                maximize: bool | None = None) -> Trials:
    """Read a trial table or study file (CSV or JSON, see the module docstring; optuna's
    files through :mod:`crucible_io.optuna_trials`) into :class:`Trials`: the frame
    (parameters, ``score``, ``n_queries`` when present), the space (``space`` if given,
    else the file's, else inferred), the direction (``maximize`` if given, else the
    file's), the seed and the notes by line. Every failure is a
    :class:`~crucible_io.limits.ReadError`."""
    loaded = load_source(source, name=name, max_bytes=max_bytes)
    file = loaded.name
    text = decode_text(loaded.data, file=file)
    stripped = text.lstrip("\ufeff \t\r\n")
    meta: dict[str, Any] = {}
    offset = 1  # file line of the first data row minus the row index
    study: OptunaStudy | None = None
    line_of: int | None = None
    if stripped[:1] == "{" and is_optuna_journal(stripped.split("\n", 1)[0]):
        study = from_journal(stripped, file=file)
    elif stripped[:1] in "[{":
        doc = parse_json(stripped, file=file)
        if is_optuna_records(doc):
            study = from_records(doc, file=file)
        else:
            frame, meta = _frame_from_json(doc, file=file)
            fmt = "study JSON" if "space" in meta else "JSON"
    else:
        comments, body, cut = _split_comments(text)
        if "space" in comments:
            meta["space"] = parse_json(comments["space"], file=file, line=None)
        for key in ("seed", "maximize"):
            if key in comments:
                meta[key] = comments[key]
        if body.count("\n") > MAX_TRIAL_ROWS + 2:
            raise TooLargeError(f"more than {MAX_TRIAL_ROWS:,} rows; the limit is "
                                f"{MAX_TRIAL_ROWS:,} (MAX_TRIAL_ROWS)", file=file)
        frame = read_table(body, file=file, max_rows=MAX_TRIAL_ROWS)
        fmt = "study CSV" if "space" in meta else "CSV"
        offset = cut + 2
        line_of = offset
        if is_optuna_table([str(c) for c in frame.columns]):
            study = from_table(frame, file=file)
            line_of = None
    labels: list[str] | None = None
    if study is not None:  # optuna's own files: its complete trials, in its words
        frame, fmt, labels = study.frame, study.format, study.labels
        if len(frame) > MAX_TRIAL_ROWS:
            raise TooLargeError(f"{len(frame):,} complete trials; the limit is "
                                f"{MAX_TRIAL_ROWS:,} (MAX_TRIAL_ROWS)", file=file)
        if maximize is None and study.maximize is not None:
            meta["maximize"] = study.maximize
        elif maximize is None:
            meta["maximize"] = True
            study.notes.append("optuna's tables do not record the study's direction: read "
                               "as maximized (choose the direction if the study minimized)")
        if space is None:
            space = study.space
    if maximize is not None:
        meta["maximize"] = maximize
    frame.columns = [str(c).strip() for c in frame.columns]

    def where(i: int) -> str:
        if labels is not None:
            return labels[i]
        return f"line {i + line_of}" if line_of is not None else f"row {i + 1}"

    if SCORE not in frame.columns:
        found = ", ".join(repr(c) for c in list(frame.columns)[:10])
        raise SchemaError(f"no 'score' column; the file has {found}", file=file,
                          field=SCORE)
    problems: list[str] = list(study.notes) if study is not None else []
    # direction
    maximize = True
    if "maximize" in meta:
        maximize = _bool(meta["maximize"], file=file, line=None, field="maximize")
    elif "maximize" in frame.columns:
        values = {_bool(v, file=file, line=None, field="maximize")
                  for v in frame["maximize"].dropna()}
        if len(values) > 1:
            raise SchemaError("must be the same on every row", file=file, field="maximize")
        maximize = values.pop() if values else True
    seed = 0
    if "seed" in meta:
        try:
            seed = int(str(meta["seed"]).strip())
        except ValueError:
            raise SchemaError(f"expected a whole number, got {str(meta['seed'])[:40]!r}",
                              file=file, field="seed") from None
        if not 0 <= seed <= 2**32 - 1:
            raise SchemaError(f"must be between 0 and 2^32 - 1, got {seed}", file=file,
                              field="seed")
    # scores: text is an error, empty is a pending row
    raw_scores = frame[SCORE]
    scores = pd.to_numeric(raw_scores, errors="coerce").to_numpy(dtype=float)
    for i, (raw, value) in enumerate(zip(raw_scores, scores, strict=True)):
        if not math.isfinite(value) and not (raw is None or (isinstance(raw, float)
                                                              and math.isnan(raw))):
            if isinstance(raw, str) and raw.strip().lower() in ("", "nan", "na", "n/a"):
                continue
            raise SchemaError(f"{str(raw)[:40]!r} is not a finite number",
                              file=file, line=i + line_of if line_of else None,
                              field=SCORE)
    frame[SCORE] = scores
    if N_QUERIES in frame.columns:
        n = pd.to_numeric(frame[N_QUERIES], errors="coerce").to_numpy(dtype=float)
        bad = frame[N_QUERIES].notna().to_numpy() & ~(np.isfinite(n) & (n >= 1)
                                                      & (n == np.round(n)))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SchemaError(f"{str(frame[N_QUERIES].iloc[i])[:40]!r} is not a whole "
                              "number of queries >= 1", file=file,
                              line=i + line_of if line_of else None, field=N_QUERIES)
        frame[N_QUERIES] = n
    # the space and the parameter columns
    if space is None and "space" in meta:
        try:
            space = space_from_dict(meta["space"])
        except ValueError as exc:
            raise SchemaError(str(exc), file=file, field="space") from None
    others = [c for c in frame.columns if c not in (SCORE, N_QUERIES) and c not in KNOWN_EXTRA]
    if space is not None:
        missing = [n for n in space.names if n not in frame.columns]
        if missing:
            raise SchemaError("the space names a parameter the file has no column for",
                              file=file, field=missing[0])
        unknown = [c for c in others if c not in space.names]
        if unknown:
            problems.append("Ignored column(s) not in the space: "
                            + ", ".join(repr(c)[:40] for c in unknown[:10]) + ".")
        parameters = space.names
    else:
        bad_names = [c for c in others if not NAME_PATTERN.match(c) or c in RESERVED_NAMES]
        if bad_names:
            raise SchemaError("a parameter column needs a name of letters, digits and "
                              "underscores (at most 32, starting with a letter)", file=file,
                              field=bad_names[0][:40])
        parameters = others
        if not parameters:
            raise SchemaError("no parameter columns besides the score", file=file)
        if len(parameters) > MAX_DIMENSIONS:
            raise SchemaError(f"{len(parameters)} parameter columns; at most "
                              f"{MAX_DIMENSIONS}", file=file)
    for p in parameters:
        column = frame[p]
        for i, value in enumerate(column):
            if _looks_like_formula(value):
                raise SchemaError(f"{str(value)[:40]!r} looks like a spreadsheet formula; "
                                  "write the value itself", file=file,
                                  line=i + line_of if line_of else None, field=p)
        if column.dtype == object:
            stripped_col = column.map(lambda v: v.strip() if isinstance(v, str) else v)
            stripped_col = stripped_col.map(lambda v: v[1:] if isinstance(v, str)
                                            and v.startswith("'") else v)
            frame[p] = stripped_col
    if space is None:
        space = infer_space(frame, parameters, file=file)
    # missing scores
    missing_rows = [i for i in range(len(frame)) if not math.isfinite(frame[SCORE].iloc[i])]
    if missing_rows:
        shown = ", ".join(where(i) for i in missing_rows[:10])
        more = f" and {len(missing_rows) - 10} more" if len(missing_rows) > 10 else ""
        problems.append(f"No score on {shown}{more}: not run yet, so left out of the fit "
                        "(fill in the score and upload again).")
    # outside the space
    for i in range(len(frame)):
        for dim in space.dimensions:
            value = frame[dim.name].iloc[i]
            check = str(value) if dim.kind == "categorical" and not pd.isna(value) else value
            if not dim.contains(check):
                problems.append(f"{where(i).capitalize()}: {dim.name} = {str(value)[:40]!r} "
                                f"is outside the space ({dim.describe()}); left out of the "
                                "fit.")
                break
    # repeated configurations with different scores
    scored_mask = np.isfinite(frame[SCORE].to_numpy(dtype=float))
    keys = frame[parameters].astype(str).agg("|".join, axis=1)
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if scored_mask[i]:
            groups.setdefault(key, []).append(i)
    for rows in groups.values():
        repeat = frame[SCORE].iloc[rows].to_numpy(dtype=float)
        if len(rows) > 1 and float(repeat.max() - repeat.min()) > 0:
            problems.append(f"The same configuration on {', '.join(where(i) for i in rows)} "
                            f"scored {', '.join(f'{v:g}' for v in repeat)}: repeats are "
                            "kept, and the surrogate treats their spread as noise.")
    if int(scored_mask.sum()) < 2:
        problems.append(f"Only {int(scored_mask.sum())} scored trial(s): the advisor needs "
                        "at least two to fit its model.")
    columns = [*parameters, SCORE] + ([N_QUERIES] if N_QUERIES in frame.columns else [])
    out = frame[columns].reset_index(drop=True)
    if len(out) == 0:
        raise MalformedError("holds no trials", file=file)
    return Trials(out, space, maximize, seed, None, tuple(problems), fmt)
