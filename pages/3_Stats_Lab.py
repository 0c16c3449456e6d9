"""Statistical Comparison Lab: an A/B test of two mock models on the same math problems,
with the right test, effect sizes, intervals, power and a downloadable report."""

from __future__ import annotations

import json
from dataclasses import astuple

import numpy as np
import pandas as pd
import streamlit as st

from crucible_mock import MODELS
from crucible_scenarios.stats import (
    ALTERNATIVES,
    MODEL_A,
    MODEL_B,
    Comparison,
    ExperimentModel,
    compare,
    compare_many,
    iter_experiment,
    power_curve,
    run_experiment,
    running_accuracy,
)
from crucible_scenarios.stats_report import report
from crucible_ui.charts import vega_spec
from crucible_ui.layout import guarded, page_intro
from crucible_ui.live import run_live
from crucible_ui.stats.evals_views import evals_view
from crucible_ui.stats_charts import (
    estimate_bars,
    estimate_frame,
    latency_histogram,
    power_curve_chart,
    power_grid,
    running_accuracy_chart,
)
from crucible_ui.stats_upload import EXAMPLE_CSV, UploadedResults, parse_results
from crucible_ui.text import csv_safe, escape_markdown
from crucible_ui.uploads import UploadError
from crucible_ui.widgets import (
    download_buttons,
    metric_card,
    playback_speed_control,
    seed_control,
    show_chart,
)

TITLE = "Statistical Comparison Lab"
QUESTION = "Is model B really better than model A, or is it noise?"
EXPLANATION = (
    "Two mock models answer the **same** math problems, so every problem gives a *pair* of "
    "results and the comparison is paired. The lab picks the test that fits the data and "
    "says why, reports how big the difference is (with a confidence interval, the range "
    "of differences the data are compatible with), how likely the experiment was to detect "
    "it (power), and how many problems a conclusive experiment would need. You can also "
    "upload your own per-item results."
)
METRICS = {"accuracy": ("correct", "binary", "accuracy", "points"),
           "latency": ("latency_ms", "continuous", "latency (ms)", "ms"),
           "cost": ("cost_usd", "continuous", "cost per query (USD)", "USD")}
ALPHAS = [0.01, 0.05, 0.10]
ALT_LABELS = {"two-sided": "B differs from A", "greater": "B is greater than A",
              "less": "B is less than A"}
SOURCES = ("simulate", "upload", "eval logs")
N_BOOT = 10_000
HISTORY_LIMIT = 20


# --- cached work ------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=16)
def experiment(arm_a: tuple, arm_b: tuple, n: int, seed: int) -> pd.DataFrame:
    """The per-problem table of one experiment (deterministic in its arguments)."""
    return run_experiment(ExperimentModel(*arm_a), ExperimentModel(*arm_b), n, seed)


@st.cache_data(show_spinner=False, max_entries=64)
def analysis(arm_a: tuple, arm_b: tuple, n: int, seed: int, metric: str, alpha: float,
             alternative: str) -> tuple[Comparison, dict[str, str]]:
    """The comparison of one metric and its four reports."""
    df = experiment(arm_a, arm_b, n, seed)
    column, kind, label, unit = METRICS[metric]
    result = compare(df[f"a_{column}"], df[f"b_{column}"], paired=True, kind=kind,
                     alpha=alpha, alternative=alternative, n_boot=N_BOOT, seed=seed,
                     label_a=arm_a[0], label_b=arm_b[0], metric=label, unit=unit,
                     cost_a=float(df["a_cost_usd"].mean()), cost_b=float(df["b_cost_usd"].mean()))
    return result, _reports(result)


@st.cache_data(show_spinner=False, max_entries=16)
def upload_analysis(data: bytes, alpha: float, alternative: str, seed: int
                    ) -> tuple[UploadedResults, Comparison | None, dict[str, str], object]:
    """Parse an uploaded file and analyse it (two groups: compare; more: compare_many)."""
    parsed = parse_results(data)
    labels = parsed.labels
    if len(labels) == 2:
        result = compare(parsed.groups[labels[0]], parsed.groups[labels[1]],
                         paired=parsed.paired, kind=parsed.kind, alpha=alpha,
                         alternative=alternative, n_boot=N_BOOT, seed=seed,
                         label_a=labels[0], label_b=labels[1],
                         metric="accuracy" if parsed.kind == "binary" else "value",
                         unit="points" if parsed.kind == "binary" else "")
        return parsed, result, _reports(result), None
    many = compare_many(parsed.groups, kind=parsed.kind, paired=parsed.paired, alpha=alpha)
    return parsed, None, {}, many


@st.cache_data(show_spinner=False, max_entries=32)
def table_exports(rows: tuple[tuple[tuple[str, object], ...], ...] | None = None,
                  params: tuple | None = None) -> tuple[bytes, str]:
    """CSV (formula-safe) and JSON of the experiment (``params``) or of history ``rows``,
    cached so a rerun does not rebuild them."""
    df = (experiment(*params) if params is not None
          else pd.DataFrame([dict(r) for r in rows or ()]))
    csv = csv_safe(df).to_csv(index=False).encode("utf-8")
    return csv, json.dumps(json.loads(df.to_json(orient="records")), indent=2)


def export_buttons(exports: tuple[bytes, str], basename: str, *, key: str, label: str) -> None:
    """CSV and JSON download buttons for pre-built exports."""
    left, right = st.columns(2)
    left.download_button(f"Download {label} (CSV)", exports[0], file_name=f"{basename}.csv",
                         mime="text/csv", key=f"{key}_csv", icon=":material/download:",
                         on_click="ignore", width="stretch")
    right.download_button(f"Download {label} (JSON)", exports[1],
                          file_name=f"{basename}.json", mime="application/json",
                          key=f"{key}_json", icon=":material/download:", on_click="ignore",
                          width="stretch")


def _reports(result: Comparison) -> dict[str, str]:
    return {fmt: report(result, fmt, title="Statistical comparison report")
            for fmt in ("markdown", "latex", "html", "json")}


@st.cache_data(show_spinner=False, max_entries=64)
def what_if_spec(effect: float, n: int, required: int | None, kind: str, alpha: float,
                 alternative: str, paired: bool) -> dict:
    """The Vega-Lite spec of the power curve over n at the observed effect."""
    curve = power_curve(effect, power_grid(n, required), kind=kind, alpha=alpha,
                        paired=paired, alternative=alternative)
    return vega_spec(power_curve_chart(curve, n_observed=n, n_required=required))


@st.cache_data(show_spinner=False, max_entries=16)
def experiment_specs(arm_a: tuple, arm_b: tuple, n: int, seed: int, alpha: float
                     ) -> dict[str, dict]:
    """Vega-Lite specs of the experiment's charts (cached: building them is the slow part
    of a rerun)."""
    df = experiment(arm_a, arm_b, n, seed)
    labels = (arm_a[0], arm_b[0])
    acc = analysis(arm_a, arm_b, n, seed, "accuracy", alpha, "two-sided")[0]
    title = f"Accuracy with {1 - alpha:.0%} Wilson interval"
    return {
        "running": vega_spec(running_accuracy_chart(running_accuracy(df, alpha=alpha), labels)),
        "accuracy": vega_spec(estimate_bars(
            estimate_frame(labels, (acc.estimate_a, acc.estimate_b), (acc.ci_a, acc.ci_b)),
            title=title, value_title="accuracy (share correct)")),
        "latency": vega_spec(latency_histogram(df["a_latency_ms"].to_numpy(),
                                               df["b_latency_ms"].to_numpy(), labels)),
    }


# --- controls ---------------------------------------------------------------------------

def arm_controls(column: st.delta_generator.DeltaGenerator, prefix: str,
                 default: ExperimentModel) -> ExperimentModel:
    """The editable settings of one model."""
    with column.container(border=True):
        name = default.name
        st.markdown(f"**{name}**")
        base = st.selectbox(
            "Built on", list(MODELS), index=list(MODELS).index(default.base),
            key=f"{prefix}m",
            bind="query-params",
            help="Which mock model's latency shape and calibration to use.")
        accuracy = st.slider("Accuracy", 0.50, 0.99, default.accuracy, 0.01,
                             key=f"{prefix}acc", bind="query-params", format="%.2f",
                             help="Probability of answering a problem correctly.")
        cost = st.number_input("Cost per query (USD)", 0.0001, 0.1, default.cost_per_query,
                               0.0005, format="%.4f", key=f"{prefix}cost",
                               bind="query-params")
        latency = st.number_input("Mean latency (ms)", 50, 10_000,
                                  int(default.mean_latency_ms), 50, key=f"{prefix}lat",
                                  bind="query-params")
    return ExperimentModel(name, str(base), float(accuracy), float(cost), float(latency))


def _fmt_value(value: float, unit: str) -> str:
    if unit == "points":
        return f"{value:.1%}"
    if unit == "USD":
        return f"${value:.5f}"
    if unit == "ms":
        return f"{value:,.0f} ms"
    return f"{value:.4g}"


def _fmt_diff(value: float, unit: str) -> str:
    if unit == "points":
        return f"{value * 100:+.1f} pts"
    if unit == "USD":
        return f"{value:+.5f} USD"
    if unit == "ms":
        return f"{value:+,.0f} ms"
    return f"{value:+.4g}"


# --- results ----------------------------------------------------------------------------

def show_comparison(result: Comparison, reports: dict[str, str], basename: str) -> None:
    """Metric cards, test and reason, effect sizes, power and the report downloads."""
    unit = result.unit
    conf = f"{1 - result.alpha:.0%}"
    cols = st.columns(4)
    with cols[0]:
        metric_card(escape_markdown(result.label_a), _fmt_value(result.estimate_a, unit),
                    help="Accuracy (share correct) or mean of the chosen metric.")
    with cols[1]:
        metric_card(escape_markdown(result.label_b), _fmt_value(result.estimate_b, unit),
                    delta=_fmt_diff(result.difference, unit), delta_color="off",
                    help="The delta is B minus A.")
    with cols[2]:
        metric_card("p-value", "n/a" if result.p_value is None else f"{result.p_value:.3g}",
                    help="Probability of a difference at least this large if the models "
                         "were truly equal.")
    with cols[3]:
        metric_card("Power at observed effect",
                    "n/a" if result.power is None else f"{result.power:.0%}",
                    help="Chance this experiment size detects an effect as large as the one "
                         "observed.")
    if result.degenerate:
        st.warning(result.degenerate, icon=":material/info:")
    else:
        verdict = escape_markdown(result.verdict)
        if result.significant and result.meaningful:
            st.success(verdict, icon=":material/check_circle:")
        else:
            st.info(verdict, icon=":material/help:")
        st.markdown(f"**Test:** {escape_markdown(result.test or '')}. "
                    f"{escape_markdown(result.reason)}")
        rows = []
        if result.effect is not None:
            rows.append(result.effect)
        rows += list(result.other_effects)
        table = pd.DataFrame([{
            "effect size": e.name, "value": e.value,
            f"{conf} CI low": e.lower, f"{conf} CI high": e.upper} for e in rows])
        diff_ci = result.difference_ci or (np.nan, np.nan)
        extra = pd.DataFrame([{"effect size": f"difference B - A ({result.difference_ci_method})",
                               "value": result.difference, f"{conf} CI low": diff_ci[0],
                               f"{conf} CI high": diff_ci[1]}])
        if result.bootstrap_ci is not None:
            extra = pd.concat([extra, pd.DataFrame([{
                "effect size": f"difference B - A (BCa bootstrap, {result.n_boot:,})",
                "value": result.difference, f"{conf} CI low": result.bootstrap_ci[0],
                f"{conf} CI high": result.bootstrap_ci[1]}])])
        st.caption("Effect sizes: how large the difference is, with its confidence interval.")
        st.dataframe(pd.concat([extra, table], ignore_index=True), hide_index=True,
                     width="stretch")
        stat = ("" if result.statistic is None else
                f"{result.statistic_name} = {result.statistic:.4g}"
                + ("" if result.df is None else f", df = {result.df:.4g}"))
        need = ("no finite n (no observed effect)" if result.required_n is None
                else f"{result.required_n:,} {'pairs' if result.paired else 'per group'}")
        st.markdown(f"{escape_markdown(stat)} · n for 80% power at this effect: "
                    f"**{escape_markdown(need)}**")
        for note in result.notes:
            st.caption(escape_markdown(note))
    st.subheader("Report")
    with st.expander("Report preview", expanded=False):
        st.markdown(reports["markdown"])
    cols = st.columns(4)
    for col, (fmt, ext, mime) in zip(cols, [("markdown", "md", "text/markdown"),
                                            ("latex", "tex", "application/x-tex"),
                                            ("html", "html", "text/html"),
                                            ("json", "json", "application/json")], strict=True):
        col.download_button(f"Report ({ext})", reports[fmt], file_name=f"{basename}.{ext}",
                            mime=mime, key=f"rep_{fmt}", icon=":material/download:",
                            on_click="ignore", width="stretch")


def show_power(result: Comparison, kind: str) -> None:
    """The what-if power curve."""
    if result.power_effect is None or result.degenerate or result.power_effect == 0:
        return
    st.vega_lite_chart(what_if_spec(float(result.power_effect), result.n_a, result.required_n,
                                    kind, result.alpha, result.alternative, result.paired),
                       width="stretch")
    st.caption("How the chance of detecting the observed effect grows with the number of "
               "items: the orange line is your experiment, the green one the size that "
               "reaches 80% power.")


def simulated_view(alpha: float, alternative: str) -> None:
    """Configure, run (live) and analyse the mock experiment."""
    metric = str(st.segmented_control(
        "Metric", list(METRICS), default="accuracy", required=True, key="metric",
        bind="query-params", help="Which per-problem result to compare.") or "accuracy")
    left, right = st.columns(2)
    arm_a = arm_controls(left, "a", MODEL_A)
    arm_b = arm_controls(right, "b", MODEL_B)
    c1, c2, c3 = st.columns([2, 1, 1])
    n = int(c1.slider("Problems", 10, 1000, 100, 10, key="n", bind="query-params",
                      help="Number of GSM8K-style math problems both models answer."))
    with c2:
        seed = seed_control()
    with c3:
        speed = playback_speed_control()
    params = (astuple(arm_a), astuple(arm_b), n, seed)
    if "stats_params" not in st.session_state:
        st.session_state["stats_params"] = params
    run = st.button("Run experiment", type="primary", icon=":material/play_arrow:",
                    key="run")
    live_slot = st.empty()
    labels = (arm_a.name, arm_b.name)
    if run:
        batch = max(10, n // 20)

        def draw(df: pd.DataFrame) -> None:
            with live_slot.container():
                show_chart(running_accuracy_chart(running_accuracy(df, alpha=alpha),
                                                  labels))
                st.caption(f"{len(df)} of {n} problems answered.")

        run_live(iter_experiment(arm_a, arm_b, n, seed, batch_size=batch), draw,
                 progress=lambda df: len(df) / n, speed=speed, key="stats_live",
                 label="Answering problems",
                 batch_seconds=lambda df: float(
                     df[["a_latency_ms", "b_latency_ms"]].tail(batch).sum().max()) / 1000 / 10)
        st.session_state.pop("stats_live", None)
        st.session_state["stats_params"] = params
    shown = st.session_state["stats_params"]
    if shown != params:
        st.info("Settings changed: press **Run experiment** to answer the problems with "
                "the new settings. The results below are from the last run.",
                icon=":material/refresh:")
    arm_a_t, arm_b_t, n_shown, seed_shown = shown
    labels = (arm_a_t[0], arm_b_t[0])
    specs = experiment_specs(arm_a_t, arm_b_t, n_shown, seed_shown, alpha)
    if not run:
        with live_slot.container():
            st.vega_lite_chart(specs["running"], width="stretch")
            st.caption("Each model's accuracy as problems are answered; the band (Wilson "
                       "interval) narrows as data arrive.")
    result, reports = analysis(arm_a_t, arm_b_t, n_shown, seed_shown, metric, alpha,
                               alternative)
    acc = analysis(arm_a_t, arm_b_t, n_shown, seed_shown, "accuracy", alpha, alternative)[0]
    st.subheader("Results")
    g1, g2 = st.columns(2)
    with g1:
        st.vega_lite_chart(specs["accuracy"], width="stretch")
        table = acc.table or {"both": 0, "a_only": 0, "b_only": 0, "neither": 0}
        st.caption("Discordant pairs: only the problems where the models disagree carry "
                   "evidence for McNemar's test.")
        st.dataframe(pd.DataFrame(
            {f"{labels[1]} right": [table["both"], table["b_only"]],
             f"{labels[1]} wrong": [table["a_only"], table["neither"]]},
            index=[f"{labels[0]} right", f"{labels[0]} wrong"]), width="stretch")
    with g2:
        st.vega_lite_chart(specs["latency"], width="stretch")
        st.caption("Latency per problem (log scale): the long right tail is why the lab "
                   "uses a rank test for latency.")
    st.subheader(f"Comparison of {METRICS[metric][2]}")
    show_comparison(result, reports, f"stats_{metric}_report")
    show_power(result, METRICS[metric][1])
    st.subheader("Raw data")
    export_buttons(table_exports(params=shown), "stats_experiment", key="raw",
                   label="per-problem results")
    remember(shown, metric, result)


def remember(params: tuple, metric: str, result: Comparison) -> None:
    """Append the analysis to the bounded run history (once per distinct analysis)."""
    history: list[dict[str, object]] = st.session_state.setdefault("stats_history", [])
    arm_a, arm_b, n, seed = params
    row = {"A": f"{arm_a[1]} acc {arm_a[2]:.2f}", "B": f"{arm_b[1]} acc {arm_b[2]:.2f}",
           "problems": n, "seed": seed, "metric": metric, "test": result.test or "none",
           "p_value": result.p_value, "difference": result.difference,
           "significant": result.significant}
    if not history or history[-1] != row:
        history.append(row)
        del history[:-HISTORY_LIMIT]
    with st.expander(f"Analysis history ({len(history)} of at most {HISTORY_LIMIT})"):
        rows = tuple(tuple(r.items()) for r in history)
        st.dataframe(pd.DataFrame(history), hide_index=True, width="stretch")
        export_buttons(table_exports(rows=rows), "stats_history", key="hist",
                       label="history")


def upload_view(alpha: float, alternative: str) -> None:
    """Analyse a user's own per-item results."""
    st.markdown(
        "Upload a CSV of per-item results: **two columns** (one per model, each row one "
        "item, analysed as paired), or a **long** file with `group` and `value` columns "
        "(add an `item` column to pair the groups). Values that are all 0/1 are treated as "
        "correct/incorrect; anything else as a continuous metric.")
    st.download_button("Example CSV", EXAMPLE_CSV, file_name="stats_example.csv",
                       mime="text/csv", key="example", icon=":material/download:",
                       on_click="ignore")
    upload = st.file_uploader("Per-item results (CSV)", type=["csv"], key="upload")
    seed = seed_control()
    if upload is None:
        st.info("No file yet: upload one to run the same analysis on your data.",
                icon=":material/upload_file:")
        return
    try:
        parsed, result, reports, many = upload_analysis(upload.getvalue(), alpha,
                                                         alternative, seed)
    except UploadError as exc:
        st.error(f"Cannot use this file: {exc}", icon=":material/error:")
        return
    design = "paired" if parsed.paired else "independent groups"
    st.caption(f"Read {len(parsed.labels)} groups ({design}, {parsed.kind} values).")
    labels = parsed.labels
    if result is not None:
        fmt = ".1%" if parsed.kind == "binary" else ".4g"
        show_chart(estimate_bars(
            estimate_frame((labels[0], labels[1]), (result.estimate_a, result.estimate_b),
                           (result.ci_a, result.ci_b)),
            title=f"{'Accuracy' if parsed.kind == 'binary' else 'Mean'} with "
                  f"{1 - alpha:.0%} confidence interval",
            value_title="accuracy" if parsed.kind == "binary" else "mean value",
            value_format=fmt))
        if parsed.kind == "continuous":
            a, b = parsed.groups[labels[0]], parsed.groups[labels[1]]
            show_chart(latency_histogram(a, b, (labels[0], labels[1]),
                                         title="Distribution of the values",
                                         x_title="value", log=False))
        show_comparison(result, reports, "stats_upload_report")
        show_power(result, parsed.kind)
    elif many is not None:
        st.markdown(f"**{escape_markdown(many.omnibus)}** across {len(labels)} groups: "
                    f"statistic {many.statistic:.4g}, p = {many.p_value:.3g}. "
                    f"{escape_markdown(many.reason)}")
        st.caption(f"Pairwise comparisons, p-values adjusted by "
                   f"{'Holm' if many.correction == 'holm' else 'Benjamini-Hochberg'}.")
        st.dataframe(many.pairwise, hide_index=True, width="stretch")
        download_buttons(many.pairwise, "stats_pairwise", key="pairs", label="pairwise tests")


@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    source = st.segmented_control(
        "Data", list(SOURCES), default="simulate", required=True, key="src",
        bind="query-params", help="simulate: two mock models answer math problems; "
                                  "upload: analyse your own per-item results (CSV); "
                                  "eval logs: compare two runs of your eval logs "
                                  "question by question.") or "simulate"
    c2, c3 = st.columns(2)
    alpha = float(c2.selectbox("Significance level (alpha)", ALPHAS, index=1, key="alpha",
                               bind="query-params",
                               help="Chance of a false alarm you accept when the models "
                                    "are equal."))
    alternative = c3.selectbox(
        "Alternative hypothesis (B vs A)", list(ALTERNATIVES), key="alt", bind="query-params",
        disabled=source == "eval logs",
        help="; ".join(f"{k}: {v}" for k, v in ALT_LABELS.items())
        + ". Eval-log comparisons are always two-sided.")
    if source == "upload":
        upload_view(alpha, str(alternative))
    elif source == "eval logs":
        evals_view(alpha)
    else:
        simulated_view(alpha, str(alternative))


main()
