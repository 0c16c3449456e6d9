"""The import path ``crucible_scenarios.stats_report``, kept for existing code; the code lives in
:mod:`crucible_scenarios.stats.reports`."""

from crucible_scenarios.stats.reports import (
    FORMATS,
    escape_latex,
    escape_markdown,
    eval_report,
    eval_report_fields,
    report,
    report_fields,
    reproducibility_line,
    source_fields,
    versions,
)

__all__ = [
    "FORMATS",
    "escape_latex",
    "escape_markdown",
    "eval_report",
    "eval_report_fields",
    "report",
    "report_fields",
    "reproducibility_line",
    "source_fields",
    "versions",
]
