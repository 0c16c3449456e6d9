"""The mock-models source of the Ensemble Reliability page: one question put to five
mock models, the vote, and a batch of questions comparing every strategy."""


from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from crucible_mock import MODELS
from crucible_mock.datasets import QuestionItem, get_bank, get_item
from crucible_mock.models import MODEL_ERROR_CORRELATION
from crucible_scenarios.ensemble import (
    DEFAULT_THRESHOLD,
    DEFAULT_TIMEOUT_MS,
    EXECUTION_STRATEGIES,
    VOTING_STRATEGIES,
    EvaluationProgress,
    QueryRun,
    default_weights,
    evaluate,
    iter_evaluate,
    shared_words,
    stand_in_question,
)
from crucible_ui.ensemble.mock_charts import (
    tradeoff_chart,
)
from crucible_ui.ensemble.mock_results import (
    BatchView,
    QueryView,
    accuracy_chart,
    build_batch_view,
    build_query_view,
    decorate,
    export_csv,
    export_json,
)
from crucible_ui.ensemble.text import (
    EXECUTION_NAMES,
    MODEL_NAMES,
    STRATEGY_NAMES,
    check_question_text,
)
from crucible_ui.live import MAX_PAUSE_S, run_live
from crucible_ui.text import escape_markdown
from crucible_ui.widgets import (
    download_buttons,
    metric_card,
    model_card,
    playback_speed_control,
    seed_control,
    show_chart,
)

SOURCES = ("Medical set", "Type a question")
HISTORY_KEY = "ensemble_history"
HISTORY_LIMIT = 50
BANK = get_bank("medical")
ALL_MODELS = list(MODELS)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_query(item_id: str, models: tuple[str, ...], voting: str, execution: str,
                 seed: int, timeout_ms: float, threshold: float,
                 weights: tuple[tuple[str, float], ...], correlation: float) -> QueryView:
    """One question put to the ensemble, seeded by the seed and the question id."""
    return build_query_view(item_id, models, voting, execution, seed, timeout_ms=timeout_ms,
                            threshold=threshold, weights=weights, correlation=correlation)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_batch(models: tuple[str, ...], execution: str, n_questions: int, seed: int,
                 timeout_ms: float, threshold: float, weights: tuple[tuple[str, float], ...],
                 correlation: float) -> pd.DataFrame:
    """Every voting strategy and every single model on the same batch of questions."""
    return evaluate(list(models), VOTING_STRATEGIES, execution, n_questions, seed,
                    timeout_ms=timeout_ms, threshold=threshold, weights=dict(weights),
                    correlation=correlation, include_single_models=True)


@st.cache_data(max_entries=16, show_spinner=False)
def batch_view(models: tuple[str, ...], execution: str, n_questions: int, seed: int,
               timeout_ms: float, threshold: float, weights: tuple[tuple[str, float], ...],
               correlation: float, voting: str) -> BatchView:
    """The batch's summary table, charts, comparison sentence, Condorcet figures and
    exports."""
    df = cached_batch(models, execution, n_questions, seed, timeout_ms, threshold, weights,
                      correlation)
    return build_batch_view(df, models, timeout_ms, voting)


def per_question_file(args: tuple[Any, ...], kind: str) -> bytes | str:
    """The batch's per-question results as CSV (formula-safe) or JSON, on demand."""
    df = cached_batch(*args)
    return export_csv(df) if kind == "csv" else export_json(df)


# --- controls -------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """What the controls say: the question, the ensemble and how it runs."""

    item: QuestionItem | None
    typed: str | None
    models: tuple[str, ...]
    voting: str
    execution: str
    threshold: float
    timeout: float
    correlation: float
    seed: int
    speed: float
    weights: tuple[tuple[str, float], ...]


def controls() -> Settings:
    st.subheader("Ask the ensemble")
    left, right = st.columns(2)
    source = left.radio("Question", SOURCES, key="src", horizontal=True, bind="query-params",
                        help="Pick a question from the medical set, or type your own.")
    item: QuestionItem | None = None
    typed: str | None = None
    if source == SOURCES[0]:
        item_id = left.selectbox("Medical question", [q.id for q in BANK], key="q",
                                 bind="query-params",
                                 help="The question's id in the medical set; its text is "
                                      "shown below.")
        item = get_item(item_id or BANK[0].id)
    else:
        raw = left.text_input("Your question", key="text", max_chars=None,
                              placeholder="e.g. What explains fever with a stiff neck?",
                              bind="query-params")
        checked = check_question_text(raw)
        if checked.error:
            left.error(checked.error, icon=":material/edit_note:")
        else:
            if checked.warning:
                left.warning(checked.warning, icon=":material/content_cut:")
            typed = checked.text
            item = stand_in_question(checked.text or "")
    models = right.multiselect(
        "Models", ALL_MODELS, default=ALL_MODELS, key="models", bind="query-params",
        format_func=MODEL_NAMES.__getitem__,
        help="The models in the ensemble (at least one).")
    voting = right.selectbox("Voting strategy", VOTING_STRATEGIES, key="vote",
                             format_func=STRATEGY_NAMES.__getitem__, bind="query-params")
    execution = right.selectbox("Execution strategy", EXECUTION_STRATEGIES, key="exec",
                                format_func=EXECUTION_NAMES.__getitem__, bind="query-params")
    c1, c2, c3 = st.columns(3)
    threshold = c1.slider(
        "Cascade confidence threshold", 0.50, 0.99, DEFAULT_THRESHOLD, 0.01, key="thr",
        bind="query-params", disabled=execution != "cascade",
        help="Cascade only: stop escalating once the winning answer is backed by a "
             "response at least this confident.")
    timeout = c2.slider("Timeout (ms)", 500, 20_000, int(DEFAULT_TIMEOUT_MS), 500,
                        key="timeout", bind="query-params",
                        help="A call slower than this is abandoned and gives no vote.")
    correlation = c3.slider(
        "Error correlation between models", 0.0, 0.9, MODEL_ERROR_CORRELATION, 0.05,
        key="corr", bind="query-params",
        help="How much the models' mistakes go together (0: independent, as Condorcet's "
             "jury theorem assumes).")
    c4, c5 = st.columns(2)
    seed = seed_control(container=c4)
    speed = playback_speed_control(container=c5)
    weights = {k: round(v, 2) for k, v in default_weights(ALL_MODELS).items()}
    with st.expander("Weights of the weighted vote"):
        st.caption("A vote counts its confidence times the model's weight. The default "
                   "weight is the log-odds of the model's historical accuracy, "
                   "log(p / (1 − p)), which is optimal for independent voters.")
        for key in ALL_MODELS:
            weights[key] = float(st.number_input(
                MODELS[key].display_name, 0.0, 10.0, weights[key], 0.1, key=f"w_{key}",
                bind="query-params", format="%.2f"))
    return Settings(item=item, typed=typed, models=tuple(models), voting=str(voting),
                    execution=str(execution), threshold=float(threshold),
                    timeout=float(timeout), correlation=float(correlation), seed=seed,
                    speed=speed, weights=tuple(sorted(weights.items())))


# --- one question ---------------------------------------------------------------------

def compact_card(name: str, headline: str, detail: str) -> None:
    """A settled model card: name, its answer (or what happened) and one detail line."""
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(name)}**  \n{headline}")
        st.caption(detail)


def draw_card(row: pd.Series, execution: str, *, arrived: bool) -> None:
    """One model's card: thinking until its answer arrives, then the answer with its
    confidence, latency and cost, or the error, or why it was not called."""
    name = str(row["display_name"])
    status = str(row["status"])
    if status == "not called":
        reason = ("the vote was already decided" if execution == "sequential"
                  else "an earlier answer was confident enough")
        compact_card(name, "—", f"Not called: {reason}.")
    elif not arrived:
        model_card(name, state="thinking")
    elif status == "answered":
        verdict = " ✅" if bool(row["correct"]) else " ❌"
        compact_card(name, escape_markdown(str(row["normalized"])) + verdict,
                     f"confidence {float(row['confidence']):.0%} · "
                     f"{float(row['latency_ms']):,.0f} ms · ${float(row['cost_usd']):.4f}")
    else:
        detail = ("no answer within the timeout (billed)" if status == "timed out"
                  else status.removeprefix("error: ").replace("_", " "))
        compact_card(name, f":red[No answer: {escape_markdown(detail)}]",
                     f"after {float(row['latency_ms']):,.0f} ms")


def show_cards(run: QueryRun, speed: float, animate: bool) -> None:
    responses = run.responses
    cols = st.columns(len(responses))
    slots = [col.empty() for col in cols]
    if animate and speed > 0:
        for slot, (_, row) in zip(slots, responses.iterrows(), strict=True):
            with slot.container():
                draw_card(row, run.execution, arrived=False)
        clock = 0.0
        for i in responses.sort_values("arrival_ms").index:
            row = responses.loc[i]
            if row["status"] == "not called":
                continue
            time.sleep(min(max(float(row["arrival_ms"]) - clock, 0.0) / 1000 * speed,
                           MAX_PAUSE_S))
            clock = float(row["arrival_ms"])
            with slots[int(i)].container():
                draw_card(row, run.execution, arrived=True)
    for slot, (_, row) in zip(slots, responses.iterrows(), strict=True):
        with slot.container():
            draw_card(row, run.execution, arrived=True)


def show_vote(view: QueryView, settings: Settings) -> None:
    run = view.run
    vote = run.vote
    left, right = st.columns([3, 2])
    with left:
        if view.tally_spec is not None:
            st.vega_lite_chart(view.tally_spec, width="stretch")
            st.caption("Each bar is one distinct answer after normalization (letters, case "
                       "and spacing mapped to the option text); its length is the number "
                       "of models that gave it" + (", times confidence and weight."
                                                   if run.voting == "weighted" else "."))
        else:
            st.warning("No model gave an answer (every call failed or passed the timeout), "
                       "so there was nothing to vote on: the "
                       "ensemble abstains.", icon=":material/block:")
    with right:
        if vote.answer is None:
            verdict = ":gray-badge[abstained]"
        else:
            verdict = ":green-badge[correct]" if run.correct else ":red-badge[wrong]"
        st.markdown(f"Ensemble answer {verdict}  \n"
                    f"#### {escape_markdown(vote.answer or 'No answer (abstained)')}")
        st.progress(vote.consensus, text=f"Consensus {vote.consensus:.0%} "
                    + ("of the weighted score" if run.voting == "weighted" else
                       "of the votes") + " behind the chosen answer")
        st.markdown(f"**Correct answer:** {escape_markdown(run.correct_answer)}")
        if vote.tie:
            st.info("Tie: two answers had equal support; the one with the larger summed "
                    "confidence won (then the earlier model).", icon=":material/balance:")
        if run.voting == "unanimous" and len(settings.models) == 1:
            st.info("Unanimous voting with one model is simply that model's answer.")
        st.markdown(f"**Cost** ${run.cost_usd:.4f} · **wait** {run.latency_ms:,.0f} ms · "
                    f"**models called** {run.models_called} of {len(run.responses)}")
        st.caption("Cost is the total billed for this question; the wait is how long the "
                   "user waits for the ensemble's answer.")
    st.vega_lite_chart(view.timeline_spec, width="stretch")
    st.caption("Each bar is one call, from when the model was asked to when its answer "
               "(or error) arrived. Parallel asks everyone at once; sequential and cascade "
               "ask one after another, which costs time but can save calls.")


def record(run: QueryRun, typed: str | None, settings: Settings) -> None:
    history = list(st.session_state.get(HISTORY_KEY, []))
    history.append({
        "asked_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "question": typed if typed is not None else run.question.question,
        "answered_as": run.question.id,
        "models": ", ".join(run.responses["model"]),
        "voting": run.voting, "execution": run.execution,
        "answer": run.vote.answer or "(abstained)", "correct_answer": run.correct_answer,
        "correct": run.correct, "consensus": round(run.vote.consensus, 4),
        "cost_usd": round(run.cost_usd, 6), "latency_ms": round(run.latency_ms, 1),
        "models_called": run.models_called, "seed": settings.seed,
    })
    st.session_state[HISTORY_KEY] = history[-HISTORY_LIMIT:]


def single_question(settings: Settings) -> None:
    item = settings.item
    if item is None:
        return
    typed = settings.typed
    if typed is not None:
        words = shared_words(typed, item)
        why = (f"the medical question closest in wording (it shares "
               f"{', '.join(escape_markdown(w) for w in words[:6])})" if words else
               "a medical question picked from your text (none shares a word with it)")
        st.info(f"The mock models cannot read typed text. They answer your question as "
                f"{why}: **{item.id}** below, whose answer key is known; “correct” on "
                "this page refers to that question.", icon=":material/info:")
    st.markdown(f"**{item.id}:** {escape_markdown(item.question)}")
    st.caption("Options: " + " · ".join(
        f"{chr(65 + i)}) {escape_markdown(o)}" for i, o in enumerate(item.options)))
    ask = st.button("Ask the models", key="ask", type="primary", icon=":material/send:",
                    help="Watch the answers arrive at the playback speed and add the "
                         "result to the history below.")
    view = cached_query(item.id, settings.models, settings.voting, settings.execution,
                        settings.seed, settings.timeout, settings.threshold, settings.weights,
                        settings.correlation)
    run = view.run
    show_cards(run, settings.speed, animate=ask)
    st.caption("Cards fill in in the order the answers arrive. Confidence is the model's own "
               "estimate; latency and cost are per call. Change the seed for a new draw.")
    show_vote(view, settings)
    if ask:
        record(run, typed, settings)


# --- the batch comparison -------------------------------------------------------------

def draw_live(summary: pd.DataFrame, slots: list[Any], done: int) -> None:
    """Draw one cumulative partial result of a live batch run."""
    table = decorate(summary)
    with slots[0].container():
        st.caption(f"{done:,} questions so far.")
        show_chart(accuracy_chart(table))
    with slots[1].container():
        show_chart(tradeoff_chart(table))


def batch_comparison(settings: Settings) -> None:
    st.subheader("Which strategy should you use? A batch of questions")
    st.markdown(
        "Every voting strategy and every single model answer the same random medical "
        "questions (the same simulated responses, so the comparison is paired), with the "
        "execution strategy, timeout and weights chosen above. An abstention counts as "
        "not right, and is shown separately.")
    n = st.slider("Questions in the batch", 50, 2000, 200, 50, key="n", bind="query-params")
    live = st.button("Run the batch live", key="batch", icon=":material/play_arrow:",
                     help="Replay the batch in steps; the charts redraw as each step of "
                          "questions completes.")
    n_q = int(n)
    slots: list[Any] = [st.empty(), st.empty()]
    s = settings
    if live:
        partials: Iterator[EvaluationProgress] = iter_evaluate(
            list(s.models), VOTING_STRATEGIES, s.execution, n_q, s.seed,
            batch_size=max(n_q // 10, 10), timeout_ms=s.timeout, threshold=s.threshold,
            weights=dict(s.weights), correlation=s.correlation, include_single_models=True)
        run_live(partials, lambda p: draw_live(p.summary, slots, p.done),
                 progress=lambda p: p.fraction, speed=s.speed, key="ensemble_batch_live",
                 label="Answering the batch", batch_seconds=lambda p: p.batch_seconds)
    view = batch_view(s.models, s.execution, n_q, s.seed, s.timeout, s.threshold,
                      s.weights, s.correlation, s.voting)
    if not live:
        with slots[0].container():
            st.caption(f"{n_q:,} questions.")
            st.vega_lite_chart(view.accuracy_spec, width="stretch")
        with slots[1].container():
            st.vega_lite_chart(view.tradeoff_spec, width="stretch")
    st.caption("Bars: the share of questions each strategy got right, with its 95% "
               "confidence interval. Scatter: left is cheaper, higher is more accurate; a "
               "strategy on the dashed Pareto frontier is not beaten on both at once.")
    if view.sentence:
        st.markdown(view.sentence)
    else:
        st.info("With one model every voting strategy is just that model's answer; select "
                "more models to see what voting adds.")
    shown = view.table[["label", "accuracy", "ci_low", "ci_high", "abstention_rate",
                        "accuracy_when_answered", "mean_cost_usd", "p50_latency_ms",
                        "p95_latency_ms", "mean_models_called"]]
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "label": "strategy",
        "accuracy": st.column_config.NumberColumn("accuracy", format="percent"),
        "ci_low": st.column_config.NumberColumn("95% CI low", format="percent"),
        "ci_high": st.column_config.NumberColumn("95% CI high", format="percent"),
        "abstention_rate": st.column_config.NumberColumn("abstentions", format="percent"),
        "accuracy_when_answered": st.column_config.NumberColumn(
            "accuracy when it answers", format="percent"),
        "mean_cost_usd": st.column_config.NumberColumn("cost per query (USD)",
                                                       format="$%.5f"),
        "p50_latency_ms": st.column_config.NumberColumn("P50 latency (ms)", format="%.0f"),
        "p95_latency_ms": st.column_config.NumberColumn("P95 latency (ms)", format="%.0f"),
        "mean_models_called": st.column_config.NumberColumn("models called",
                                                            format="%.2f"),
    })
    condorcet(view)
    download_buttons(shown, "ensemble_summary", key="dl_summary", label="summary")
    # The per-question files are built only when a button is pressed (deferred), so a
    # rerun never re-encodes thousands of rows.
    args = (s.models, s.execution, n_q, s.seed, s.timeout, s.threshold, s.weights,
            s.correlation)
    left, right = st.columns(2)
    left.download_button("Download per-question results (CSV)",
                         functools.partial(per_question_file, args, "csv"),
                         file_name="ensemble_per_question.csv", mime="text/csv",
                         key="dl_batch_csv", icon=":material/download:", on_click="ignore",
                         width="stretch")
    right.download_button("Download per-question results (JSON)",
                          functools.partial(per_question_file, args, "json"),
                          file_name="ensemble_per_question.json", mime="application/json",
                          key="dl_batch_json", icon=":material/download:",
                          on_click="ignore", width="stretch")


def condorcet(view: BatchView) -> None:
    st.markdown("##### Why correlated errors cap the gain")
    a, b, c = st.columns(3)
    with a:
        metric_card("Independent errors (Condorcet)", f"{view.baseline:.1%}",
                    help="Exact chance that more than half of the models are right if "
                         "their mistakes were independent (Poisson-binomial), counting "
                         "failed and overdue calls as not right.")
    with b:
        metric_card("Simulated: more than half right", f"{view.strict_majority:.1%}",
                    help="Share of this batch's questions where more than half of the "
                         "models answered correctly, with the chosen error correlation.",
                    delta=f"{(view.strict_majority - view.baseline) * 100:+.1f} points "
                          "vs independent",
                    delta_color="normal")
    with c:
        metric_card("Simulated majority vote", f"{view.plurality:.1%}",
                    help="The plurality vote is also right when the wrong answers split "
                         "between several options.")
    st.caption(
        "Condorcet's jury theorem says a majority of independent voters who are each "
        "right more often than not is right even more often. The mock models are not "
        "independent: a hard question fools several at once, so the majority is wrong "
        "together. Move the error correlation to 0 and the simulated share meets the "
        "formula (within sampling noise); raise it and the gain from voting melts away.")


def history() -> None:
    st.subheader("This session's questions")
    rows = st.session_state.get(HISTORY_KEY, [])
    if not rows:
        st.caption(f"Press “Ask the models” to record a question here (the last "
                   f"{HISTORY_LIMIT} are kept).")
        return
    frame = pd.DataFrame(rows)
    st.dataframe(frame, hide_index=True, width="stretch")
    download_buttons(frame, "ensemble_history", key="dl_history", label="history")


def explanations() -> None:
    with st.expander("How the strategies work"):
        st.markdown(
            "- **Majority vote**: the answer most models gave. A tie goes to the answer "
            "with the larger summed confidence and is flagged.\n"
            "- **Weighted vote**: each vote counts the model's confidence times its "
            "weight, so a reliable, sure model outweighs two shaky ones.\n"
            "- **Unanimous**: answer only when every model that responded agrees, "
            "otherwise abstain (say “I don't know”). Fewer wrong answers, more "
            "abstentions — useful when a wrong diagnosis is worse than none.\n"
            "- **Most confident**: trust the single most confident response.\n\n"
            "**Execution.** *Parallel* asks all models at once and waits for the slowest "
            "(or the timeout). *Sequential* asks them one by one and stops as soon as the "
            "leading answer can no longer be overturned by the models not yet asked — same "
            "answer, fewer calls, longer wait. *Cascade* asks the cheapest model first and "
            "escalates only while the winning answer has no response at least as "
            "confident as the threshold. Failed calls (about 1%) and calls slower than the "
            "timeout give no vote.")


def mock_section() -> None:
    """The whole mock-models view: controls, one question, the batch, the history."""
    settings = controls()
    if not settings.models:
        st.error("Select at least one model: an ensemble needs someone to ask.",
                 icon=":material/group_off:")
        explanations()
        history()
        return
    single_question(settings)
    explanations()
    st.divider()
    batch_comparison(settings)
    st.divider()
    history()
