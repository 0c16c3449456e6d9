"""The Statistical Comparison Lab's simulated source: two mock models answer the same
math problems (run live), then the comparison of the chosen metric, its power, the
raw data and the bounded history of analyses."""

from __future__ import annotations

import json
from dataclasses import astuple

import pandas as pd
import streamlit as st

from crucible_mock import MODELS
from crucible_scenarios.stats import (
    MODEL_A,
    MODEL_B,
    Comparison,
    ExperimentModel,
    compare,
    iter_experiment,
    run_experiment,
    running_accuracy,
)
from crucible_ui.charts import vega_spec
from crucible_ui.live import run_live
from crucible_ui.stats.charts import (
    estimate_bars,
    estimate_frame,
    latency_histogram,
    running_accuracy_chart,
)
from crucible_ui.stats.views import comparison_reports, show_comparison, show_power
from crucible_ui.text import csv_safe
from crucible_ui.widgets import (
    playback_speed_control,
    seed_control,
    show_chart,
)

METRICS = {"accuracy": ("correct", "binary", "accuracy", "points"),
           "latency": ("latency_ms", "continuous", "latency (ms)", "ms"),
           "cost": ("cost_usd", "continuous", "cost per query (USD)", "USD")}
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
    return result, comparison_reports(result)


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


# --- results ----------------------------------------------------------------------------

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


