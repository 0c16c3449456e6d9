"""The lab's "Your eval logs" source: what was read, the paired comparison, power."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crucible_scenarios.eval_log import EvalLog, run_names
from crucible_scenarios.stats import minimum_detectable_effect, questions_needed
from crucible_ui.charts import vega_spec
from crucible_ui.stats.charts import estimate_bars, estimate_frame
from crucible_ui.stats.evals_upload import EVAL_TYPES, EvalAnalysis, Files, analyse, read_logs
from crucible_ui.text import escape_markdown
from crucible_ui.uploads import eval_log_uploads
from crucible_ui.widgets import metric_card, run_name_inputs

DEFAULT = "(file default)"
NO_CLUSTER = "(none)"
REPORTS = [("markdown", "md", "text/markdown"), ("latex", "tex", "application/x-tex"),
           ("html", "html", "text/html"), ("json", "json", "application/json")]


def _read_table(logs: list[EvalLog]) -> pd.DataFrame:
    return pd.DataFrame([{
        "run": i + 1, "file": log.source, "format": log.format, "task": log.task,
        "model": log.model, "metric": log.metric,
        "filter / scorer": log.filter or log.scorer or "", "items": log.n_items,
        "epochs": log.epochs, "samples": len(log.items)} for i, log in enumerate(logs)])


def _choice(label: str, options: list[str], key: str, help: str) -> str | None:
    if not options:
        return None
    picked = st.selectbox(label, [DEFAULT, *options], key=key, help=help)
    return None if picked in (None, DEFAULT) else str(picked)


def _pts(x: float) -> str:
    return f"{x * 100:+.1f} pts"


def evals_view(alpha: float) -> None:
    """Upload two or more eval logs, pick two runs, compare them pairwise."""
    st.markdown(
        "Upload the logs of **two runs on the same questions**: lm-evaluation-harness "
        "`samples_*.jsonl` (with its `results_*.json` to cross-check), Inspect AI `.eval` "
        "or `.json`, HELM `per_instance_stats.json`, OpenAI evals record logs, or the lab's "
        "CSV, in any mix. Several files at once are fine: with an Inspect eval set, pick "
        "the two runs below.")
    uploads = eval_log_uploads("Eval logs", EVAL_TYPES, "evals_upload")
    if not uploads:
        st.info("No logs yet: upload two runs to compare them item by item.",
                icon=":material/upload_file:")
        return
    files: Files = tuple((u.name, u.getvalue()) for u in uploads)
    try:
        first = read_logs(files, None, None, None)
    except ValueError as exc:
        st.error(f"Cannot read these files: {exc}", icon=":material/error:")
        return
    if len(first) < 2:
        st.warning(f"Read {len(first)} run from {len(files)} file(s): upload a second run "
                   "to compare against.", icon=":material/info:")
        if first:
            st.dataframe(_read_table(first), hide_index=True, width="stretch")
        return
    c1, c2, c3 = st.columns(3)
    with c1:
        metric = _choice("Metric", sorted({m for log in first for m in log.metrics}),
                         "ev_metric", "Which score of the logs to compare.")
    with c2:
        filt = _choice("Filter (lm-eval)", sorted({f for log in first for f in log.filters}),
                       "ev_filter", "lm-evaluation-harness answer-extraction filter.")
    with c3:
        scorer = _choice("Scorer (Inspect)", sorted({s for log in first for s in log.scorers}),
                         "ev_scorer", "Which Inspect scorer's values to compare.")
    try:
        logs = read_logs(files, metric, filt, scorer)
    except ValueError as exc:
        st.error(f"Cannot read these files with this choice: {exc}", icon=":material/error:")
        return
    st.subheader("What was read")
    st.dataframe(_read_table(logs), hide_index=True, width="stretch")
    for log in logs:
        for note in log.notes:
            st.caption(escape_markdown(f"{log.source}: {note}"))
    names = tuple(run_name_inputs(
        run_names(logs), [f"{log.source}: {log.format}, model {log.model}, task {log.task}"
                          for log in logs], "ev_name"))
    labels = [f"{i + 1}: {name}" for i, name in enumerate(names)]
    s1, s2, s3 = st.columns(3)
    pick_a = s1.selectbox("Run A (baseline)", labels, index=0, key="ev_a")
    pick_b = s2.selectbox("Run B (candidate)", labels, index=1, key="ev_b")
    index_a = labels.index(pick_a) if pick_a in labels else 0
    index_b = labels.index(pick_b) if pick_b in labels else 1
    meta = sorted({c for i in (index_a, index_b) for c in logs[i].meta_columns})
    cluster = s3.selectbox("Cluster the SE on", [NO_CLUSTER, *meta], key="ev_cluster",
                           help="A metadata column grouping related questions (same "
                                "passage, same image). Questions in a cluster are not "
                                "independent, so the standard error must widen.")
    cluster = None if cluster in (None, NO_CLUSTER) else str(cluster)
    if index_a == index_b:
        st.warning("Run A and run B are the same run: pick two different runs.",
                   icon=":material/info:")
        return
    try:
        found = analyse(files, metric, filt, scorer, index_a, index_b, cluster, alpha,
                        (names[index_a], names[index_b]))
    except ValueError as exc:
        st.error(f"Cannot compare these runs: {exc}", icon=":material/error:")
        return
    _show(found, alpha, cluster)


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs={
    EvalAnalysis: lambda f: (f.log_a.source, f.log_b.source, f.log_a.model, f.log_b.model,
                             f.result)})
def _specs(found: EvalAnalysis, conf: str) -> list[dict]:
    """Vega-Lite specs of the means and of the paired and unpaired difference intervals
    (cached: building the specs is the slow part of a rerun)."""
    r = found.result
    means = estimate_bars(
        estimate_frame((f"A: {found.log_a.model}", f"B: {found.log_b.model}"),
                       (r.estimate_a.mean, r.estimate_b.mean),
                       (r.estimate_a.ci, r.estimate_b.ci)),
        title=f"Mean score with {conf} CI", value_title="mean score", value_format=".3f")
    diff = estimate_bars(
        estimate_frame(("paired", "unpaired"), (r.difference, r.difference),
                       (r.ci, r.unpaired_ci)),
        title=f"Difference B - A with {conf} CI", value_title="difference (score)",
        value_format="+.3f")
    return [vega_spec(means), vega_spec(diff)]


def _show(found: EvalAnalysis, alpha: float, cluster: str | None) -> None:
    r, runs = found.result, found.runs
    conf = f"{1 - alpha:.0%}"
    model_a, model_b = found.log_a.model, found.log_b.model
    st.caption(escape_markdown(
        f"{runs.n} items in both runs; {len(runs.only_a)} only in A, {len(runs.only_b)} "
        f"only in B (left out: a paired comparison needs both answers)."))
    for label, log, est in (("A", found.log_a, found.epoch_estimates[0]),
                            ("B", found.log_b, found.epoch_estimates[1])):
        if est is not None and est.within_share is not None:
            st.caption(escape_markdown(
                f"Run {label} scored each question {est.epochs} times: {est.within_share:.0%} "
                "of its score variance lies between tries of the same question. Averaging "
                "the tries first (as here) keeps that noise out of the standard error."))
        if log.stored is not None and log.stored.stderr is not None:
            st.caption(escape_markdown(
                f"Run {label}: the tool stored {log.stored.metric} = {log.stored.mean:.4f} "
                f"with stderr {log.stored.stderr:.4f}; the lab's figures for the same items "
                f"are {log.item_scores().mean():.4f} and "
                f"{log.item_scores().std(ddof=1) / max(log.n_items, 1) ** 0.5:.4f}."))
    st.subheader("Comparison")
    # two tiles a row: an interval such as "[-12.3, +15.6] pts" is cut off in a quarter
    cols = [*st.columns(2), *st.columns(2)]
    with cols[0]:
        metric_card(f"A: {escape_markdown(model_a)}", f"{r.estimate_a.mean:.3f}",
                    help=f"Mean score, SE {r.estimate_a.se:.4f}.")
    with cols[1]:
        metric_card(f"B: {escape_markdown(model_b)}", f"{r.estimate_b.mean:.3f}",
                    delta=_pts(r.difference), delta_color="off",
                    help=f"Mean score, SE {r.estimate_b.se:.4f}. The delta is B minus A.")
    with cols[2]:
        metric_card(f"Paired {conf} CI of B - A",
                    f"[{r.ci[0] * 100:+.1f}, {r.ci[1] * 100:+.1f}] pts",
                    help="Range of differences the data are compatible with.")
    with cols[3]:
        metric_card("p-value (paired)", f"{r.p_value:.3g}",
                    help="Chance of a difference this large if the runs were equally good.")
    st.caption(
        "The standard error (SE) says how far a mean would move if the eval were rerun on "
        f"a fresh draw of questions like these; the {conf} confidence interval is the mean "
        "give or take about two SEs: the range of true values the data are compatible with.")
    for spec in _specs(found, conf):
        st.vega_lite_chart(spec, width="stretch")
    narrowed = 1 - r.narrowing
    st.markdown(
        f"**Paired CI** [{r.ci[0]:+.4f}, {r.ci[1]:+.4f}] (SE {r.se:.4f}) against the "
        f"**unpaired CI** [{r.unpaired_ci[0]:+.4f}, {r.unpaired_ci[1]:+.4f}] "
        f"(SE {r.unpaired_se:.4f}). "
        + (f"Pairing made the interval {narrowed:.0%} narrower. " if narrowed > 0 else
           "Pairing did not narrow the interval here. ")
        + "Both runs answered the same questions, so question difficulty, which moves both "
          "scores together, cancels in the per-question differences; the unpaired "
          "interval (the two-run z-test lm-evaluation-harness uses) ignores that.")
    corr = "n/a" if r.correlation is None else f"{r.correlation:.2f}"
    st.markdown(f"**Correlation of per-question scores:** {corr}. The higher it is, the "
                "more pairing helps.")
    if cluster and r.n_clusters:
        st.markdown(escape_markdown(
            f"Clustered SE of the difference over {r.n_clusters} clusters of {cluster}: "
            f"{r.se:.4f} (unclustered {r.se_iid:.4f}).")
            + " Questions sharing a cluster tend to be right or wrong together, so they "
              "carry less independent evidence than their count suggests.")
    if r.mcnemar is not None:
        m = r.mcnemar
        st.markdown(f"**Exact McNemar test:** {m.a_only} questions right only under A, "
                    f"{m.b_only} only under B, p = {m.p_value:.3g}. Only questions where "
                    "the runs disagree carry evidence; the test asks whether they split "
                    "50/50.")
    verdict = ("no significant difference" if not r.significant else
               "B is significantly better" if r.difference > 0 else "B is significantly worse")
    (st.success if r.significant else st.info)(
        f"At alpha {alpha:g}: {verdict} (z = {r.z:.2f}).")
    for note in r.notes:
        st.caption(escape_markdown(note))
    _power(found, alpha)
    st.subheader("Report")
    cols = st.columns(4)
    for col, (fmt, ext, mime) in zip(cols, REPORTS, strict=True):
        col.download_button(f"Report ({ext})", found.reports[fmt],
                            file_name=f"stats_evals_report.{ext}", mime=mime,
                            key=f"ev_rep_{fmt}", icon=":material/download:",
                            on_click="ignore", width="stretch")


def _power(found: EvalAnalysis, alpha: float) -> None:
    comp, n = found.components, found.result.n
    st.subheader("Power")
    st.markdown(
        "How small a difference could these runs reliably detect (80% power), and how "
        "many questions would a chosen difference need (Miller 2024, eq. 9)? The answer "
        "depends on how much the two runs' per-question results differ (omega²) and, with "
        "several epochs, on how much answers vary between tries (sigma²).")
    mde = minimum_detectable_effect(n, omega2=comp.omega2, sigma2=comp.sigma2, k=comp.k,
                                    alpha=alpha) if comp.omega2 > 0 else None
    delta = st.number_input("Effect to detect (points)", 0.1, 50.0, 3.0, 0.5, key="ev_delta",
                            help="The smallest difference in mean score worth detecting, "
                                 "in percentage points.")
    need = (questions_needed(delta / 100, omega2=comp.omega2, sigma2=comp.sigma2, k=comp.k,
                             alpha=alpha) if comp.omega2 + sum(comp.sigma2) > 0 else None)
    c1, c2 = st.columns(2)
    with c1:
        metric_card(f"Minimum detectable effect at n = {n}",
                    "n/a" if mde is None else f"{mde * 100:.1f} pts",
                    help="Smallest true difference found 80% of the time at this alpha.")
    with c2:
        metric_card(f"Questions needed for {delta:g} pts",
                    "n/a" if need is None else f"{need:,}",
                    help="Paired questions for 80% power at this alpha.")
    sigma = (f"sigma² = {comp.sigma2[0]:.4f} (A, {comp.k[0]} epochs) and "
             f"{comp.sigma2[1]:.4f} (B, {comp.k[1]} epochs), estimated from the epochs"
             if comp.estimated_sigma else
             "one epoch per question, so the try-to-try variation cannot be separated "
             "and is included in omega²")
    st.caption(f"omega² = {comp.omega2:.4f}; {sigma}.")
