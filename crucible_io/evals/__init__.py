"""Eval logs written by lm-evaluation-harness, Inspect AI, HELM and OpenAI evals (and a
single-run CSV) into :class:`~crucible_scenarios.eval_log.EvalLog`.

One module per tool, each written from its tool's published log schema:

- :mod:`.lm_eval`: ``samples_<task>_<date>.jsonl`` (``--log_samples``) and the aggregated
  ``results_<date>.json`` (current and v0 key names) for the cross-check;
- :mod:`.inspect`: Inspect ``.json`` and ``.eval`` (a zip of ``header.json``,
  ``samples/<id>_epoch_<n>.json``, ``reductions.json``, ``summaries.json``);
- :mod:`.helm`: ``per_instance_stats.json`` with ``run_spec.json``, ``stats.json`` and
  ``scenario_state.json`` beside it when available (a run folder or a zip of it);
- :mod:`.openai_evals`: record logs (``spec``, ``final_report``, ``match`` events);
- :mod:`.csv_layout`: the single-run CSV (``item_id``, ``score``, optional columns).

Each tool's module describes its formats in an :class:`EvalFormat` (how its files look,
which function reads them); :mod:`.detect` holds the table of them
(:data:`EVAL_FORMATS`) and names the format of a file from its bytes and name, and
:mod:`.reader` holds the entry points. A new format is its module plus one line in that
table. Every failure is a
:class:`~crucible_io.limits.ReadError` naming file, line or member and field; files that
hold no per-item scores raise :class:`NoItemsError` saying what they do hold.
"""

from crucible_io.evals.common import (
    CSV,
    HELM,
    INSPECT_EVAL,
    INSPECT_JSON,
    LM_EVAL,
    LM_EVAL_RESULTS,
    MANIFEST,
    OPENAI_EVALS,
    EvalFormat,
    NoItemsError,
)
from crucible_io.evals.detect import EVAL_FORMATS, FORMATS, detect_format
from crucible_io.evals.inspect import INSPECT_VALUES, inspect_value_to_float
from crucible_io.evals.lm_eval import (
    choice_probabilities,
    read_lm_eval_results,
    read_lm_eval_samples,
)
from crucible_io.evals.reader import READERS, read_eval_log, read_eval_logs

__all__ = [
    "CSV",
    "EVAL_FORMATS",
    "FORMATS",
    "HELM",
    "INSPECT_EVAL",
    "INSPECT_JSON",
    "INSPECT_VALUES",
    "LM_EVAL",
    "LM_EVAL_RESULTS",
    "MANIFEST",
    "OPENAI_EVALS",
    "READERS",
    "EvalFormat",
    "NoItemsError",
    "choice_probabilities",
    "detect_format",
    "inspect_value_to_float",
    "read_eval_log",
    "read_eval_logs",
    "read_lm_eval_results",
    "read_lm_eval_samples",
]
