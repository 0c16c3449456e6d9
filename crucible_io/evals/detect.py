"""Which eval-log format a file is, from its bytes and name, by the table of formats: each
tool's module describes how its files look (zip layouts, JSON Lines first lines, whole
JSON documents, file names) in an :class:`~crucible_io.evals.common.EvalFormat`, and
:func:`sniff` asks each in turn. A new format is its module plus one line in
:data:`EVAL_FORMATS`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from crucible_io.evals import csv_layout, helm, inspect, lm_eval, openai_evals
from crucible_io.evals.common import (
    CSV,
    HELM,
    INSPECT_EVAL,
    INSPECT_JSON,
    LM_EVAL,
    LM_EVAL_RESULTS,
    OPENAI_EVALS,
    EvalFormat,
    NoItemsError,
)
from crucible_io.limits import (
    SafeZip,
    UnknownFormatError,
    decode_text,
    is_zip,
    parse_json,
)

#: Every format detection knows, in the order its tests are asked.
EVAL_FORMATS: tuple[EvalFormat, ...] = (
    inspect.EVAL_ARCHIVE,
    inspect.JSON_LOG,
    lm_eval.RESULTS,
    inspect.EVAL_SET_MANIFEST,
    helm.RUN,
    lm_eval.SAMPLES,
    openai_evals.RECORD_LOG,
    csv_layout.TABLE,
)
#: Format names, as shown to users and stored in ``EvalLog.format``.
FORMATS: tuple[str, ...] = (LM_EVAL, LM_EVAL_RESULTS, INSPECT_EVAL, INSPECT_JSON, HELM,
                            OPENAI_EVALS, CSV)
_BY_NAME = {f.name: f for f in EVAL_FORMATS}
_ALIASES = {alias: f.name for f in EVAL_FORMATS for alias in f.aliases}
_MORE_LINES = re.compile(rb"\n\s*\S")


def detect_format(data: bytes, name: str) -> str:
    """The format of a file from its bytes and name: one of :data:`FORMATS` (or
    :data:`MANIFEST`). Raises :class:`UnknownFormatError` listing what was looked for."""
    return sniff(data, name)[0]


def sniff(data: bytes, name: str) -> tuple[str, Any]:
    """(format, parsed JSON document or archive, or None) so a reader does not parse
    twice. The formats of :data:`EVAL_FORMATS` are asked by the shape of the file: its
    name, a zip's members, its first bytes, a JSON Lines file's first object, then the
    whole JSON document."""
    base = Path(name).name.lower()
    for fmt in EVAL_FORMATS:
        if base in fmt.file_names:
            return fmt.name, None
    if is_zip(data):
        archive = SafeZip(data, file=name)
        names = archive.names
        for fmt in EVAL_FORMATS:
            if fmt.archive is not None and fmt.archive(names):
                return fmt.name, archive
        raise UnknownFormatError("a zip archive that is neither an Inspect .eval log nor "
                                 "a HELM run folder", file=name)
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    for fmt in EVAL_FORMATS:
        if fmt.text is not None and fmt.text(base, head):
            return fmt.name, None
    first_line = head.split(b"\n", 1)[0].strip()
    if head[:1] == b"{" and first_line.endswith(b"}") and _MORE_LINES.search(data):
        try:
            first = json.loads(first_line)
        except (json.JSONDecodeError, RecursionError, UnicodeDecodeError):
            first = None
        if isinstance(first, dict):
            for fmt in EVAL_FORMATS:
                if fmt.first_line is not None and fmt.first_line(first):
                    return fmt.name, None
    doc = parse_json(decode_text(data, file=name), file=name)
    for fmt in EVAL_FORMATS:
        message = fmt.refuse(doc) if fmt.refuse is not None else None
        if message is not None:
            raise NoItemsError(message, file=name)
        if fmt.document is not None and fmt.document(doc):
            return fmt.name, doc if fmt.keeps_parsed else None
    raise UnknownFormatError(
        "not a recognised eval log (looked for lm-eval samples/results, Inspect .json/"
        ".eval, HELM per_instance_stats.json, OpenAI evals record log, CSV with item_id "
        "and score)", file=name)


def format_named(fmt: str) -> EvalFormat:
    """The format a caller names: its name in :data:`FORMATS` (any case) or an alias
    (``lm_eval``, ``inspect``, ``helm``, ``openai``, ``csv``, ...)."""
    if fmt in _BY_NAME:
        return _BY_NAME[fmt]
    key = fmt.strip().lower().replace(" ", "_").replace(".", "")
    if key in _ALIASES:
        return _BY_NAME[_ALIASES[key]]
    for name in FORMATS:
        if name.lower() == fmt.strip().lower():
            return _BY_NAME[name]
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def canonical_format(fmt: str) -> str:
    """The name of the format a caller names (see :func:`format_named`)."""
    return format_named(fmt).name
