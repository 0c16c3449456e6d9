"""Property-based checks (hypothesis) of the paired eval-log reports of
``crucible_scenarios.stats_report``: what each source file said, every number of the paired
comparison, and every file- or user-supplied text carried through Markdown, LaTeX and HTML
escaped (so it renders literally) and through JSON unchanged, with the numbers
round-tripping; unknown formats raise ValueError naming ``fmt``."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crucible_scenarios import evals, stats_report
from crucible_scenarios.eval_log import EvalLog
from tests.unit.properties import exercises
from tests.unit.properties.test_stats_props import (
    _Cells,
    _split_unescaped,
    _unescape_latex,
    _unescape_markdown,
    texts,
)

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
optional = st.one_of(st.none(), texts)


@st.composite
def eval_logs(draw: st.DrawFn, n: int) -> EvalLog:
    """A run of ``n`` items with hostile text in every field a file supplies."""
    epochs = draw(st.integers(1, 2))
    scores = draw(st.lists(st.integers(0, 1), min_size=n * epochs, max_size=n * epochs))
    items = pd.DataFrame({"item_id": [f"q{i}" for i in range(n) for _ in range(epochs)],
                          "epoch": [e + 1 for _ in range(n) for e in range(epochs)],
                          "score": [float(s) for s in scores]})
    return EvalLog(draw(texts), draw(texts), draw(texts), draw(texts), items,
                   source=draw(texts), filter=draw(optional), scorer=draw(optional))


@exercises(stats_report.source_fields)
@FAST
@given(label=texts, data=st.data(), n=st.integers(1, 12))
def test_source_fields_say_what_was_read(label: str, data: st.DataObject, n: int) -> None:
    log = data.draw(eval_logs(n))
    [(key, value)] = stats_report.source_fields(label, log)
    assert key == f"Run {label}"
    assert value.startswith(f"{log.source or '(unnamed)'}: {log.format}, task {log.task}, "
                            f"model {log.model}, metric {log.metric}")
    assert value.endswith(f"; {n} items, {len(log.items)} samples, {log.epochs} epoch(s)")
    for name, chosen in (("filter", log.filter), ("scorer", log.scorer)):
        if chosen:
            assert f", {name} {chosen}" in value


def _compare(data: st.DataObject, n: int, cluster: bool) -> tuple:
    log_a, log_b = data.draw(eval_logs(n)), data.draw(eval_logs(n))
    runs = evals.align_runs(log_a, log_b)
    labels = [f"c{i % 2}" for i in range(n)] if cluster else None
    alpha = data.draw(st.sampled_from([0.01, 0.05, 0.1]))
    result = evals.paired_difference(runs, clusters=labels, alpha=alpha,
                                     finite_cluster_correction=data.draw(st.booleans()))
    return log_a, log_b, result


@exercises(stats_report.eval_report_fields)
@FAST
@given(data=st.data(), n=st.integers(2, 12), only=st.tuples(st.integers(0, 9),
                                                            st.integers(0, 9)),
       cluster=st.one_of(st.none(), texts.filter(bool)))
def test_eval_report_fields_carry_every_figure(data: st.DataObject, n: int,
                                               only: tuple[int, int], cluster: str | None
                                               ) -> None:
    log_a, log_b, result = _compare(data, n, cluster is not None)
    rows = stats_report.eval_report_fields(result, log_a, log_b, only_a=only[0],
                                           only_b=only[1], cluster=cluster)
    fields = dict(rows)
    assert rows[:2] == (stats_report.source_fields("A", log_a)
                        + stats_report.source_fields("B", log_b))
    assert fields["Paired items"] == f"{n} (only in A: {only[0]}, only in B: {only[1]})"
    assert fields["Difference (B - A)"].startswith(f"{result.difference:.4g}, paired SE "
                                                   f"{result.se:.4g}")
    assert f"p = {result.p_value:.4g}" in fields["Paired test"]
    assert f"SE {result.unpaired_se:.4g}" in fields["Unpaired (for comparison)"]
    assert fields["Mean A"].startswith(f"{result.estimate_a.mean:.4g} (SE "
                                       f"{result.estimate_a.se:.4g}")
    assert ("Clusters" in fields) == bool(cluster)
    if cluster:
        assert fields["Clusters"].startswith(f"{cluster}: {result.n_clusters} clusters")
        assert f"over {result.n_clusters} clusters" in fields["Mean B"]
    assert ("Exact McNemar test" in fields) == (result.mcnemar is not None)
    if result.mcnemar is not None:
        assert f"p = {result.mcnemar.p_value:.4g}" in fields["Exact McNemar test"]
    verdict = fields["Verdict"]
    assert verdict.endswith(f"at alpha {result.alpha:g}")
    assert verdict.startswith("no significant") != result.significant
    assert [v for k, v in rows if k == "Note"] == list(result.notes)
    assert rows[-1][0] == "Reproducibility"


@exercises(stats_report.eval_report)
@SLOW
@given(data=st.data(), n=st.integers(2, 10), title=texts, cluster=st.one_of(st.none(),
                                                                             texts.filter(bool)))
def test_every_eval_report_format_carries_every_field_escaped(data: st.DataObject, n: int,
                                                              title: str,
                                                              cluster: str | None) -> None:
    log_a, log_b, result = _compare(data, n, cluster is not None)
    rows = stats_report.eval_report_fields(result, log_a, log_b, only_a=1, cluster=cluster)
    flat = [(k, " ".join(v.splitlines())) for k, v in rows]

    md = stats_report.eval_report(result, log_a, log_b, "markdown", only_a=1, cluster=cluster,
                                  title=title).splitlines()
    assert _unescape_markdown(md[0][2:]) == " ".join(title.splitlines())
    table = md[4:]
    assert len(table) == len(rows)
    for line, (key, value) in zip(table, flat, strict=True):
        cells = _split_unescaped(line, "|")
        assert len(cells) == 4 and cells[0] == cells[3] == ""
        assert (_unescape_markdown(cells[1][1:-1]), _unescape_markdown(cells[2][1:-1])) == (
            key, value)

    latex = stats_report.eval_report(result, log_a, log_b, "latex", only_a=1, cluster=cluster,
                                     title=title)
    assert _unescape_latex(latex.split("\\section*{")[1].split("}\n\\begin{tabularx}")[0]) == title
    lines = latex.split("\\hline\n")[1].split(" \\\\\n")
    assert lines.pop() == ""
    assert len(lines) == len(rows)
    for line, (key, value) in zip(lines, rows, strict=True):
        assert [_unescape_latex(c) for c in _split_unescaped(line, " & ")] == [key, value]

    parser = _Cells()
    parser.feed(stats_report.eval_report(result, log_a, log_b, "html", only_a=1,
                                         cluster=cluster, title=title))
    assert parser.title == title
    assert parser.cells == [cell for row in rows for cell in row]

    payload = json.loads(stats_report.eval_report(result, log_a, log_b, "json", only_a=1,
                                                  cluster=cluster, title=title))
    assert payload["title"] == title and payload["fields"] == dict(rows)
    for source, label, log in zip(payload["sources"], "AB", (log_a, log_b), strict=True):
        assert source == {"run": label, "file": log.source, "format": log.format,
                          "task": log.task, "model": log.model, "metric": log.metric,
                          "filter": log.filter, "scorer": log.scorer, "items": n,
                          "samples": len(log.items), "epochs": log.epochs}
    got = payload["result"]
    for name in ("difference", "se", "p_value", "unpaired_se", "unpaired_p_value", "se_iid",
                 "alpha", "z", "unpaired_z", "correlation"):
        value = getattr(result, name)
        if value is None or not math.isfinite(value):
            assert got[name] is None
        else:
            assert got[name] == value  # repr round trip: exact
    assert got["ci"] == list(result.ci) and got["n"] == n
    assert got["estimate_a"]["mean"] == result.estimate_a.mean
    assert got["estimate_b"]["se"] == result.estimate_b.se
    assert got["notes"] == list(result.notes)
    if result.mcnemar is not None:
        assert got["mcnemar"]["p_value"] == result.mcnemar.p_value


@exercises(stats_report.eval_report)
@FAST
@given(fmt=st.text(max_size=10))
def test_eval_report_rejects_unknown_formats(fmt: str) -> None:
    assume(fmt not in stats_report.FORMATS)
    items = pd.DataFrame({"item_id": ["a", "b", "c"], "epoch": [1, 1, 1],
                          "score": np.array([0.0, 1.0, 1.0])})
    log = EvalLog("f", "t", "m", "acc", items)
    result = evals.paired_difference(log, log)
    with pytest.raises(ValueError, match="fmt"):
        stats_report.eval_report(result, log, log, fmt)
