"""JMeter's XML results file (``jmeter.save.saveservice.output_format=xml``) into a table
of one row per sample and one column per attribute, named as in the file.

The file is one ``<testResults version="1.1|1.2">`` element whose children are the
samples: ``<httpSample>`` for HTTP samplers, ``<sample>`` for the others. A sample's
measurements are attributes (JMeter user manual, "Listeners", Sample Attributes): ``t``
elapsed (ms), ``lt`` latency to the first byte (ms), ``ct`` connect time (ms), ``ts``
start timestamp (epoch ms), ``s`` success ("true"/"false"), ``rc`` response code, ``rm``
message, ``lb`` label, ``tn`` thread name, ``by`` / ``sby`` bytes received / sent, ``ng``
/ ``na`` active threads, ``ec`` error count, ``sc`` sample count, ``hn`` host name. A
sample may hold sub-samples (embedded resources, redirects, transaction children) as
nested elements of the same names; the CSV writer writes only what the top-level sample
measured, and so does this reader: sub-samples are counted, not read as requests.
Response data, headers and assertion results inside a sample are skipped unread.

Only what JMeter writes is accepted: no document type declaration or entity (the
classic XML expansion attacks), a nesting depth of at most :data:`MAX_DEPTH`, and every
error names the file's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.parsers import expat

import pandas as pd

from crucible_io.limits import MalformedError, SchemaError
from crucible_io.tables import LINES_ATTR

#: The sample attributes JMeter writes (the rest of a sample's attributes are ignored).
ATTRIBUTES = ("t", "lt", "ct", "it", "ts", "s", "rc", "rm", "lb", "tn", "dt", "de", "by",
              "sby", "ng", "na", "ec", "sc", "hn")
_NUMERIC = ("t", "lt", "ct", "it", "ts", "by", "sby", "ng", "na", "ec", "sc")
SAMPLES = ("httpSample", "sample")
#: Deeper than JMeter nests transaction children inside samples.
MAX_DEPTH = 64


@dataclass(frozen=True)
class JMeterXml:
    """The samples as a frame with one column per attribute (each row's file line in
    ``frame.attrs``), and how many sub-samples were left out."""

    frame: pd.DataFrame
    sub_samples: int


def looks_like_jmeter_xml(text: str) -> bool:
    """True for an XML document whose first element is ``<testResults``."""
    head = text.lstrip()[:4096]
    return head.startswith("<") and "<testResults" in head


class _Refused(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def read_jmeter_xml(text: str, *, file: str) -> JMeterXml:
    """Parse JMeter's XML results (see the module docstring) with expat, keeping only the
    top-level samples' attributes."""
    parser = expat.ParserCreate()
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    depth = 0
    sub = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, sub
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused(f"elements nested deeper than {MAX_DEPTH}")
        if depth == 1:
            if name != "testResults":
                raise _Refused(f"the document is <{name}>, not JMeter's <testResults>")
        elif name in SAMPLES:
            if depth == 2:
                rows.append({k: v for k, v in attrs.items() if k in ATTRIBUTES})
                lines.append(parser.CurrentLineNumber)
            else:
                sub += 1

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    def refuse_doctype(*_args: object) -> None:
        raise _Refused("a document type declaration (JMeter writes none; entities are "
                       "not expanded)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise MalformedError(f"invalid XML: {expat.errors.messages[exc.code]} (column "
                             f"{exc.offset + 1})", file=file, line=exc.lineno) from None
    except _Refused as exc:
        raise SchemaError(str(exc), file=file, line=parser.CurrentLineNumber,
                          field=exc.field) from None
    if not rows:
        raise SchemaError("JMeter's XML results hold no <httpSample> or <sample>",
                          file=file)
    frame = pd.DataFrame(rows)
    if "t" not in frame.columns:
        raise SchemaError("the samples have no elapsed time", file=file, line=lines[0],
                          field="t")
    for column in _NUMERIC:
        if column in frame.columns and frame[column].notna().all():
            numbers = pd.to_numeric(frame[column], errors="coerce")
            if numbers.notna().all():  # text cells stay text: the CSV path reports them
                frame[column] = numbers
    frame.attrs[LINES_ATTR] = lines
    return JMeterXml(frame, sub)
