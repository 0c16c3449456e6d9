"""Reading uploaded eval logs for the lab, cached by file bytes and choices."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import streamlit as st

from crucible_io.evals import read_eval_logs
from crucible_scenarios.eval_log import EvalLog
from crucible_scenarios.stats import (
    FORMATS,
    AlignedRuns,
    Estimate,
    PairedDifference,
    VarianceComponents,
    align_runs,
    eval_report,
    mean_with_se,
    paired_difference,
    variance_components,
)
from crucible_ui.uploads import EVAL_LOG_TYPES, MAX_UPLOAD_BYTES

#: Extensions the uploader accepts: every eval-log format, and per-item CSV tables.
EVAL_TYPES = [*EVAL_LOG_TYPES, "csv"]
Files = tuple[tuple[str, bytes], ...]


class _Named(io.BytesIO):
    """Upload bytes with the file name the readers use to detect the format."""

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name = name


@st.cache_data(show_spinner="Reading the logs...", max_entries=16)
def read_logs(files: Files, metric: str | None, filter: str | None,
              scorer: str | None) -> list[EvalLog]:
    """Every run in the uploaded files (an lm-eval samples + results pair is one run)."""
    choices = {k: v for k, v in (("metric", metric), ("filter", filter),
                                 ("scorer", scorer)) if v}
    return read_eval_logs([_Named(name, data) for name, data in files],
                          max_bytes=MAX_UPLOAD_BYTES, **choices)


@dataclass(frozen=True)
class EvalAnalysis:
    """The paired comparison of two runs, its variance components and its reports."""

    log_a: EvalLog
    log_b: EvalLog
    runs: AlignedRuns
    result: PairedDifference
    components: VarianceComponents
    reports: dict[str, str]
    #: Each run's estimate from its raw (item, epoch) rows, epochs averaged within item
    #: first (None for a single-epoch run): carries the within-item variance share.
    epoch_estimates: tuple[Estimate | None, Estimate | None]


@st.cache_data(show_spinner=False, max_entries=32)
def analyse(files: Files, metric: str | None, filter: str | None, scorer: str | None,
            index_a: int, index_b: int, cluster: str | None, alpha: float,
            names: tuple[str, str] | None = None) -> EvalAnalysis:
    """Pair runs ``index_a`` and ``index_b`` and compare them (cached on the same key as
    the parse plus the choices); ``names`` are what the user calls the two runs, carried
    into the reports as their models' names."""
    logs = read_logs(files, metric, filter, scorer)
    log_a, log_b = logs[index_a], logs[index_b]
    if names is not None:
        log_a, log_b = replace(log_a, model=names[0]), replace(log_b, model=names[1])
    runs = align_runs(log_a, log_b)
    result = paired_difference(runs, clusters=cluster, alpha=alpha)
    reports = {fmt: eval_report(result, log_a, log_b, fmt, only_a=len(runs.only_a),
                                only_b=len(runs.only_b), cluster=cluster)
               for fmt in FORMATS}
    epoch_estimates = tuple(
        mean_with_se(rows["score"].to_numpy(dtype=float), item_ids=rows["item_id"],
                     alpha=alpha) if k > 1 else None
        for rows, k in ((runs.rows_a, runs.epochs[0]), (runs.rows_b, runs.epochs[1])))
    return EvalAnalysis(log_a, log_b, runs, result, variance_components(runs), reports,
                        (epoch_estimates[0], epoch_estimates[1]))
