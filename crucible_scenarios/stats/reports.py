"""Reports of a :class:`~crucible_scenarios.stats.Comparison` in Markdown, LaTeX, HTML and
JSON: hypothesis, design, test and why, statistic, df, p-value, effect size with its
interval, power, verdict and a reproducibility line; and of a paired comparison of two eval
logs (:mod:`crucible_scenarios.stats.evals`), naming each source file's task, model, format and
sample counts. Every text field (model names, metric
names and the sentences that quote them) is escaped for the target format."""

from __future__ import annotations

import html
import json
import platform
import re
from dataclasses import asdict
from importlib import metadata
from typing import Any

from crucible_scenarios.eval_log import EvalLog
from crucible_scenarios.stats.ab_test import Comparison
from crucible_scenarios.stats.design import jsonable
from crucible_scenarios.stats.evals import Estimate, PairedDifference
from crucible_scenarios.validation import require_choice

FORMATS = ("markdown", "latex", "html", "json")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!~$&])")
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
}


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown, inline-HTML, entity (``&``) and math characters, and join
    lines with spaces, so the text renders literally inside one table cell or heading."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).splitlines()))


def escape_latex(text: str) -> str:
    """Replace every LaTeX special character by its literal form."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def versions() -> dict[str, str]:
    """Versions of Python and the numerical libraries that produced the numbers."""
    out = {"python": platform.python_version()}
    for package in ("crucible-examples", "numpy", "scipy", "statsmodels", "pandas"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return out


def _num(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    return f"{value:.{digits}g}"


def _interval(bounds: tuple[float | None, float | None] | None) -> str:
    if bounds is None or bounds[0] is None or bounds[1] is None:
        return "n/a"
    return f"[{_num(bounds[0])}, {_num(bounds[1])}]"


def report_fields(c: Comparison) -> list[tuple[str, str]]:
    """The report as ordered (field, plain text) pairs, before format escaping."""
    conf = f"{1 - c.alpha:.0%}"
    rows = [
        ("Comparison", f"{c.label_b} vs {c.label_a} on {c.metric}"),
        ("Hypothesis", c.hypothesis),
        ("Design", c.design),
        ("Estimates", f"{c.label_a}: {_num(c.estimate_a)} {conf} CI {_interval(c.ci_a)}; "
                      f"{c.label_b}: {_num(c.estimate_b)} {conf} CI {_interval(c.ci_b)}"),
        ("Difference (B - A)", f"{_num(c.difference)}, {conf} CI {_interval(c.difference_ci)}"
                               + (f" ({c.difference_ci_method})"
                                  if c.difference_ci_method else "")),
    ]
    if c.bootstrap_ci is not None:
        rows.append(("BCa bootstrap CI of the difference",
                     f"{_interval(c.bootstrap_ci)} ({c.n_boot:,} resamples)"))
    if c.table:
        rows.append(("Pairs", f"both right {c.table['both']}, only {c.label_a} right "
                              f"{c.table['a_only']}, only {c.label_b} right "
                              f"{c.table['b_only']}, both wrong {c.table['neither']}"))
    rows += [
        ("Test", c.test or "none"),
        ("Why this test", c.reason),
        ("Statistic", "n/a" if c.statistic is None
         else f"{c.statistic_name} = {_num(c.statistic)}"),
        ("Degrees of freedom", _num(c.df)),
        ("p-value", _num(c.p_value) + (f" (alternative: {c.alternative}, alpha {c.alpha:g})")),
        ("Effect size", "n/a" if c.effect is None else
         f"{c.effect.name} = {_num(c.effect.value)}, {conf} CI "
         f"{_interval((c.effect.lower, c.effect.upper))}"),
    ]
    for effect in c.other_effects:
        ci = ("" if effect.lower is None else
              f", {conf} CI {_interval((effect.lower, effect.upper))}")
        rows.append((effect.name, f"{_num(effect.value)}{ci}"))
    for name, value in c.checks.items():
        rows.append((name, _num(value)))
    rows += [
        ("Achieved power", "n/a" if c.power is None else f"{c.power:.1%} at the observed effect"),
        ("n for 80% power", "n/a" if c.required_n is None else
         f"{c.required_n:,} {'pairs' if c.paired else 'per group'}"),
        ("Verdict", c.verdict),
    ]
    for note in c.notes:
        rows.append(("Note", note))
    rows.append(("Reproducibility", reproducibility_line(c)))
    return rows


def reproducibility_line(c: Comparison) -> str:
    """Seed, bootstrap resamples and library versions."""
    libs = ", ".join(f"{k} {v}" for k, v in versions().items())
    return f"seed {c.seed}, {c.n_boot:,} bootstrap resamples; {libs}"


def report(comparison: Comparison, fmt: str, *, title: str = "Model comparison") -> str:
    """The comparison as a ``"markdown"``, ``"latex"``, ``"html"`` or ``"json"`` document."""
    fmt = require_choice("fmt", fmt, FORMATS)
    rows = report_fields(comparison)
    if fmt == "json":
        payload: dict[str, Any] = {"title": title, "fields": dict(rows),
                                   "comparison": comparison.to_dict(), "versions": versions()}
        return json.dumps(payload, indent=2, allow_nan=False)
    return _document(title, rows, fmt)


# --- paired comparison of two eval logs -------------------------------------------------

def source_fields(label: str, log: EvalLog) -> list[tuple[str, str]]:
    """What was read from one eval log: file, format, task, model, score and sample counts."""
    choice = "".join(f", {name} {value}" for name, value in
                     (("filter", log.filter), ("scorer", log.scorer)) if value)
    return [(f"Run {label}", f"{log.source or '(unnamed)'}: {log.format}, task {log.task}, "
                             f"model {log.model}, metric {log.metric}{choice}; "
                             f"{log.n_items} items, {len(log.items)} samples, "
                             f"{log.epochs} epoch(s)")]


def _est(e: Estimate, conf: str) -> str:
    cluster = (f", clustered over {e.n_clusters} clusters"
               f"{' with C/(C-1)' if e.finite_cluster_correction else ''}"
               if e.n_clusters else "")
    return f"{_num(e.mean)} (SE {_num(e.se)}, {conf} CI {_interval(e.ci)}{cluster})"


def eval_report_fields(result: PairedDifference, log_a: EvalLog, log_b: EvalLog, *,
                       only_a: int = 0, only_b: int = 0,
                       cluster: str | None = None) -> list[tuple[str, str]]:
    """The paired eval-log comparison as ordered (field, plain text) pairs."""
    conf = f"{1 - result.alpha:.0%}"
    rows = source_fields("A", log_a) + source_fields("B", log_b)
    rows += [
        ("Paired items", f"{result.n} (only in A: {only_a}, only in B: {only_b})"),
        ("Mean A", _est(result.estimate_a, conf)),
        ("Mean B", _est(result.estimate_b, conf)),
        ("Difference (B - A)", f"{_num(result.difference)}, paired SE {_num(result.se)}, "
                               f"{conf} CI {_interval(result.ci)}"),
        ("Paired test", f"z = {_num(result.z)}, two-sided p = {_num(result.p_value)}"),
        ("Unpaired (for comparison)", f"SE {_num(result.unpaired_se)}, {conf} CI "
                                      f"{_interval(result.unpaired_ci)}, p = "
                                      f"{_num(result.unpaired_p_value)}"),
        ("Correlation of per-item scores", _num(result.correlation)),
    ]
    if cluster:
        rows.append(("Clusters", f"{cluster}: {result.n_clusters} clusters; unclustered "
                                 f"paired SE {_num(result.se_iid)}"))
    if result.mcnemar is not None:
        m = result.mcnemar
        rows.append(("Exact McNemar test", f"only A right {m.a_only}, only B right "
                                           f"{m.b_only}, p = {_num(m.p_value)}"))
    verdict = ("no significant difference" if not result.significant else
               ("B is significantly better than A" if result.difference > 0
                else "B is significantly worse than A"))
    rows.append(("Verdict", f"{verdict} at alpha {result.alpha:g}"))
    rows += [("Note", note) for note in result.notes]
    rows.append(("Reproducibility", ", ".join(f"{k} {v}" for k, v in versions().items())))
    return rows


def eval_report(result: PairedDifference, log_a: EvalLog, log_b: EvalLog, fmt: str, *,
                only_a: int = 0, only_b: int = 0, cluster: str | None = None,
                title: str = "Paired comparison of two eval runs") -> str:
    """The paired comparison of two eval logs as a Markdown, LaTeX, HTML or JSON document;
    every field a file or a user supplied is escaped for the format."""
    fmt = require_choice("fmt", fmt, FORMATS)
    rows = eval_report_fields(result, log_a, log_b, only_a=only_a, only_b=only_b,
                              cluster=cluster)
    if fmt == "json":
        sources = [{"run": label, "file": log.source, "format": log.format, "task": log.task,
                    "model": log.model, "metric": log.metric, "filter": log.filter,
                    "scorer": log.scorer, "items": log.n_items, "samples": len(log.items),
                    "epochs": log.epochs} for label, log in (("A", log_a), ("B", log_b))]
        payload: dict[str, Any] = {"title": title, "sources": sources, "fields": dict(rows),
                                   "result": jsonable(asdict(result)),
                                   "versions": versions()}
        return json.dumps(payload, indent=2, allow_nan=False)
    return _document(title, rows, fmt)


def _document(title: str, rows: list[tuple[str, str]], fmt: str) -> str:
    if fmt == "markdown":
        lines = [f"# {escape_markdown(title)}", "", "| Field | Value |", "|---|---|"]
        lines += [f"| {escape_markdown(k)} | {escape_markdown(v)} |" for k, v in rows]
        return "\n".join(lines) + "\n"
    if fmt == "latex":
        body = "\n".join(f"{escape_latex(k)} & {escape_latex(v)} \\\\" for k, v in rows)
        return ("\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n"
                "\\usepackage{tabularx}\n\\begin{document}\n"
                f"\\section*{{{escape_latex(title)}}}\n"
                "\\begin{tabularx}{\\textwidth}{lX}\n\\hline\n"
                f"{body}\n\\hline\n\\end{{tabularx}}\n\\end{{document}}\n")
    cells = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                      for k, v in rows)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title></head><body>\n"
            f"<h1>{html.escape(title)}</h1>\n<table>\n{cells}\n</table>\n</body></html>\n")
