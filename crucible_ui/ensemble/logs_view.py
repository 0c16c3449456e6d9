"""The "Your eval logs" source of the Ensemble Reliability page: 2 to 9 eval logs of
different models on one task (or one wide answer table) voted over, with the oracle,
McNemar against the best model, diversity and the per-item disagreements."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from crucible_io.ensemble_table import read_answer_table
from crucible_io.evals import read_eval_logs
from crucible_scenarios.ensemble import (
    AlignedAnswers,
    BestComparison,
    align_logs,
    best_versus_single,
    disagreements,
    diversity,
    ensemble_from_logs,
    item_success_shares,
    model_correctness,
    pareto_frontier,
    summarize_logs,
)
from crucible_scenarios.eval_log import EvalLog, run_names
from crucible_ui.charts import vega_spec
from crucible_ui.ensemble.charts import (
    DIVERSITY_MEASURES,
    diversity_heatmap,
    strategy_accuracy_chart,
)
from crucible_ui.ensemble.mock_charts import tradeoff_chart
from crucible_ui.ensemble.text import STRATEGY_NAMES, strategy_label
from crucible_ui.text import escape_markdown
from crucible_ui.uploads import EVAL_LOG_TYPES, MAX_UPLOAD_BYTES, eval_log_uploads
from crucible_ui.widgets import download_buttons, metric_card, run_name_inputs

TABLE_SUFFIXES = (".csv", ".tsv")
UPLOAD_TYPES = [*EVAL_LOG_TYPES, "csv", "tsv"]
MEASURE_NAMES = {key: text.split(" (")[0] for key, text in DIVERSITY_MEASURES.items()}


@dataclass(frozen=True)
class LogsResult:
    """What the page draws for a set of uploads (cached by their bytes)."""

    read: pd.DataFrame
    aligned_note: str
    frame: pd.DataFrame
    summary: pd.DataFrame
    best: BestComparison
    pairs: pd.DataFrame
    strategies: tuple[str, ...]
    confidence_note: str
    p_correct: dict[str, list[float]]


def _named(name: str, data: bytes) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def read_uploads(files: tuple[tuple[str, bytes], ...]) -> list[EvalLog] | pd.DataFrame:
    """Uploaded files into EvalLogs (the eval-log readers, which detect each format and
    pair an lm-eval samples file with its results file) or, for one CSV/TSV alone, the
    wide answer table. Raises ValueError naming the file."""
    if len(files) == 1 and files[0][0].lower().endswith(TABLE_SUFFIXES):
        return read_answer_table(_named(*files[0]), max_bytes=MAX_UPLOAD_BYTES)
    return read_eval_logs([_named(name, data) for name, data in files],
                          max_bytes=MAX_UPLOAD_BYTES)


@st.cache_data(max_entries=8, show_spinner="Reading the logs...")
def cached_uploads(files: tuple[tuple[str, bytes], ...]) -> list[EvalLog] | pd.DataFrame:
    """:func:`read_uploads`, once per upload."""
    return read_uploads(files)


@st.cache_data(max_entries=8, show_spinner="Reading the logs...")
def analyse(files: tuple[tuple[str, bytes], ...],
            prices: tuple[tuple[str, float, float], ...],
            names: tuple[str, ...] = ()) -> LogsResult:
    """Read, align, vote with every strategy the data allow, summarize, compare and
    measure diversity; ``names`` (one per eval log) are what the user calls the models."""
    source = cached_uploads(files)
    if names and isinstance(source, list):
        source = [replace(log, model=name) for log, name in zip(source, names, strict=True)]
    aligned: AlignedAnswers = align_logs(source)
    strategies = ["majority", "weighted", "unanimous"]
    confidence_note = ""
    if len(aligned.has_confidence) == len(aligned.models):
        strategies.append("best_confidence")
    else:
        lacking = [m for m in aligned.models if m not in aligned.has_confidence]
        confidence_note = ("Most-confident voting is left out: no confidence is recorded "
                           f"for {', '.join(lacking)} (lm-eval multiple choice records "
                           "one; generated answers do not).")
    price_map = {m: (pin, pout) for m, pin, pout in prices if pin > 0 or pout > 0}
    frame = ensemble_from_logs(aligned, strategies, prices=price_map or None)
    summary = summarize_logs(frame)
    pairs = diversity(model_correctness(frame))
    formats = (["answer table"] * len(aligned.models) if isinstance(source, pd.DataFrame)
               else [log.format for log in source])
    read = pd.DataFrame({
        "model": list(aligned.models), "file": list(aligned.sources), "format": formats,
        "items aligned": aligned.n_items,
        "items dropped": [aligned.dropped[m] for m in aligned.models],
        "epochs": [aligned.epochs[m] for m in aligned.models],
        "accuracy": [frame.attrs["accuracy"][m] for m in aligned.models],
        "answer = target agrees with stored score": [
            aligned.score_agreement.get(m, float("nan")) for m in aligned.models],
        "reader notes": ([""] * len(aligned.models) if isinstance(source, pd.DataFrame)
                         else ["; ".join(log.notes) for log in source])})
    what = "Answer table" if isinstance(source, pd.DataFrame) else "Task"
    note = (f"{what} **{escape_markdown(aligned.task)}**: {len(aligned.models)} models, "
            f"{aligned.n_items:,} items every model answered.")
    p_correct: dict[str, list[float]] = {}
    if not isinstance(source, pd.DataFrame):
        for log in source:
            if log.epochs > 1:
                p_correct[log.model] = item_success_shares(log.items).tolist()
    return LogsResult(read=read, aligned_note=note, frame=frame, summary=summary,
                      best=best_versus_single(frame), pairs=pairs,
                      strategies=tuple(strategies), confidence_note=confidence_note,
                      p_correct=p_correct)


def price_controls(names: list[str]) -> tuple[tuple[str, float, float], ...]:
    """Optional prices per model (USD per 1k input and output tokens)."""
    out = []
    with st.expander("Prices (optional, for the cost column)"):
        st.caption("USD per 1,000 input and output tokens; cost per item uses the token "
                   "counts the logs recorded (left empty where they recorded none).")
        for i, name in enumerate(names[:9]):
            left, right = st.columns(2)
            pin = left.number_input(f"{name}: input", 0.0, 1000.0, 0.0, 0.001,
                                    key=f"price_in_{i}", format="%.4f")
            pout = right.number_input(f"{name}: output", 0.0, 1000.0, 0.0, 0.001,
                                      key=f"price_out_{i}", format="%.4f")
            out.append((name, float(pin), float(pout)))
    return tuple(out)


def logs_section() -> dict[str, list[float]]:
    """The uploaded-logs view; returns each multi-epoch model's per-item success shares
    for the "How many calls?" section (empty when there are none)."""
    st.subheader("Would voting beat your best model?")
    st.markdown(
        "Upload **2 to 9 eval logs** of different models on the same task (Inspect `.eval` "
        "or `.json`, lm-eval `samples_*.jsonl`, HELM, OpenAI evals), or **one wide CSV** "
        "with `item_id`, `target` and one `answer_<model>` column per model (optionally "
        "`confidence_<model>`, `input_tokens_<model>`, `output_tokens_<model>`). Items are "
        "matched by id; voting uses each item's **epoch-1** answer (further epochs feed "
        "“How many calls?” below).")
    uploads = eval_log_uploads("Eval logs or answer table", UPLOAD_TYPES, "logs_upload")
    if not uploads:
        st.info("No files yet: upload two or more logs of the same task.",
                icon=":material/upload_file:")
        return {}
    files = tuple((u.name, u.getvalue()) for u in uploads)
    try:
        source = cached_uploads(files)
        names: tuple[str, ...] = ()
        if isinstance(source, list):
            names = tuple(run_name_inputs(run_names(source), [
                f"{log.source}: {log.format}, model {log.model}, task {log.task}"
                for log in source], "ens_name"))
        result = analyse(files, (), names)
        prices = price_controls(list(result.read["model"]))
        if any(pin > 0 or pout > 0 for _, pin, pout in prices):
            result = analyse(files, prices, names)
    except ValueError as exc:
        st.error(f"Cannot vote over these files: {exc}", icon=":material/error:")
        return {}
    show_result(result)
    return result.p_correct


def show_result(result: LogsResult) -> None:
    """Draw what was read, then what was found."""
    st.markdown("##### What was read")
    st.markdown(result.aligned_note)
    st.dataframe(result.read, hide_index=True, width="stretch", column_config={
        "accuracy": st.column_config.NumberColumn("accuracy", format="percent"),
        "answer = target agrees with stored score": st.column_config.NumberColumn(
            "our scoring agrees with the log's", format="percent")})
    st.caption("An answer counts as right when, after normalization (case, spacing, "
               "option letters), it equals the target; the last column says how often "
               "that agrees with the score each log stored. Items some log lacks are "
               "dropped.")
    if result.confidence_note:
        st.info(result.confidence_note, icon=":material/info:")

    st.markdown("##### Accuracy per strategy")
    table = result.summary.assign(label=result.summary["strategy"].map(strategy_label))
    bars = table[table["kind"] != "oracle"]
    oracle = float(table.loc[table["kind"] == "oracle", "accuracy"].iloc[0])
    st.vega_lite_chart(vega_spec(strategy_accuracy_chart(bars, oracle)), width="stretch")
    st.caption("Bars: the share of items each strategy (and each model alone) got right, "
               "with its 95% Wilson interval. The dashed line is the oracle, the share of "
               "items at least one model got right: no voting rule can beat it.")
    costs = bars["mean_cost_usd"].to_numpy(float)
    if np.isfinite(costs).all() and (costs > 0).all():
        priced = bars.assign(pareto=pareto_frontier(bars))
        st.vega_lite_chart(vega_spec(tradeoff_chart(priced)), width="stretch")
        st.caption("Left is cheaper, higher is more accurate; a strategy on the dashed "
                   "Pareto frontier is not beaten on both at once. Cost per item from the "
                   "prices above and the logs' token counts.")
    else:
        st.caption("Enter prices above (and upload logs that record token counts) to set "
                   "accuracy against cost.")
    columns = ["label", "accuracy", "ci_low", "ci_high", "abstention_rate"]
    # A cost column of blanks says nothing; it appears once prices and tokens give one.
    if np.isfinite(table["mean_cost_usd"].to_numpy(float)).any():
        columns.append("mean_cost_usd")
    shown = table[columns]
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "label": "strategy",
        "accuracy": st.column_config.NumberColumn("accuracy", format="percent"),
        "ci_low": st.column_config.NumberColumn("95% CI low", format="percent"),
        "ci_high": st.column_config.NumberColumn("95% CI high", format="percent"),
        "abstention_rate": st.column_config.NumberColumn("abstentions", format="percent"),
        "mean_cost_usd": st.column_config.NumberColumn("cost per item (USD)",
                                                       format="$%.5f")})
    download_buttons(shown, "ensemble_logs_summary", key="dl_logs_summary", label="summary")
    best = result.best
    p = "no item separates them" if best.p_value is None else f"p = {best.p_value:.3g}"
    st.markdown(
        f"**Best strategy vs best model.** {STRATEGY_NAMES.get(best.strategy, best.strategy)} "
        f"is right {best.strategy_accuracy:.1%} of the time, "
        f"{escape_markdown(best.model)} alone {best.model_accuracy:.1%}. On the same items "
        f"the vote alone was right {best.only_strategy_right} times and the model alone "
        f"{best.only_model_right} times (exact McNemar test, {p}).")
    st.caption(escape_markdown(best.verdict))
    diversity_view(result)
    disagreement_view(result)


def diversity_view(result: LogsResult) -> None:
    """The pairwise diversity heatmap and the Condorcet-vs-observed figures."""
    st.markdown("##### Do the models make different mistakes?")
    measure = st.selectbox("Diversity measure", list(DIVERSITY_MEASURES), key="div_measure",
                           format_func=MEASURE_NAMES.__getitem__,
                           bind="query-params")
    st.vega_lite_chart(vega_spec(diversity_heatmap(result.pairs, str(measure))),
                       width="stretch")
    st.caption(
        "Each cell compares two models on the same items (Kuncheva & Whitaker 2003). "
        "Disagreement: the share of items exactly one of them is right. Double fault: "
        "both wrong. Yule's Q runs from −1 to 1; near 1 means they fail on the same "
        "items. Kappa is their agreement beyond what their accuracies alone would give. "
        "Voting gains most from high disagreement and low double fault.")
    a, b = st.columns(2)
    condorcet = float(result.pairs.attrs["condorcet"])
    observed = float(result.pairs.attrs["observed_majority"])
    with a:
        metric_card("If errors were independent (Condorcet)", f"{condorcet:.1%}",
                    help="Exact chance a strict majority is right for independent models "
                         "at the observed accuracies (Poisson-binomial).")
    with b:
        metric_card("Observed: more than half right", f"{observed:.1%}",
                    delta=f"{(observed - condorcet) * 100:+.1f} points vs independent")
    st.caption("The gap between the two is what correlated mistakes cost the vote.")


def disagreement_view(result: LogsResult) -> None:
    """The per-item table of disagreements for one strategy, downloadable."""
    st.markdown("##### Items where the models disagree")
    left, right = st.columns(2)
    strategy = left.selectbox("Strategy", list(result.strategies), key="log_vote",
                              format_func=STRATEGY_NAMES.__getitem__,
                              bind="query-params")
    only = right.toggle("Only where the vote and the best model differ", key="log_only",
                        bind="query-params")
    table = disagreements(result.frame, str(strategy), only_differs=bool(only))
    if table.empty:
        st.info("No item matches: every model agreed on every item shown."
                if not only else "The vote never differs from the best model here.")
        return
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"{len(table):,} items. Answers as written in the logs; the vote and the "
               "target are normalized.")
    download_buttons(table, "ensemble_disagreements", key="dl_disagree", label="items")
