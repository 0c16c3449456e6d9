"""Which eval-log format a file is, from its bytes and name: zip layouts (Inspect ``.eval``,
HELM run folders), JSON Lines first lines (lm-eval samples, OpenAI evals) and whole JSON
documents; files that hold no per-item scores are named as such."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from crucible_io.evals.common import (
    CSV,
    HELM,
    INSPECT_EVAL,
    INSPECT_JSON,
    LM_EVAL,
    LM_EVAL_RESULTS,
    OPENAI_EVALS,
    NoItemsError,
)
from crucible_io.limits import (
    SafeZip,
    UnknownFormatError,
    decode_text,
    is_zip,
    parse_json,
)

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
_MORE_LINES = re.compile(rb"\n\s*\S")
MANIFEST_NAMES = ("logs.json", "eval-set.json", ".eval-set-id")


# --------------------------------------------------------------------------- detection

def detect_format(data: bytes, name: str) -> str:
    """The format of a file from its bytes and name: one of :data:`FORMATS` (or
    :data:`MANIFEST`). Raises :class:`UnknownFormatError` listing what was looked for."""
    return sniff(data, name)[0]


def sniff(data: bytes, name: str) -> tuple[str, Any]:
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


def canonical_format(fmt: str) -> str:
    if fmt in FORMATS:
        return fmt
    key = fmt.strip().lower().replace(" ", "_").replace(".", "")
    if key in _ALIASES:
        return _ALIASES[key]
    for name in FORMATS:
        if name.lower() == fmt.strip().lower():
            return name
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
