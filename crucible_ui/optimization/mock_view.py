"""The "Mock objective" source of the Optimization Playground: settings, the live search,
validation on held-out queries, the configuration explorer (surrogate heatmap, partial
dependence and importance), the strategy comparison and the runs of this session."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from crucible_scenarios.optimization import (
    ACQUISITIONS,
    DEFAULT_CONFIG,
    STRATEGIES,
    TRUE_OPTIMUM_ACCURACY,
    TRUE_OPTIMUM_CONFIG,
    SearchSpace,
    best_config,
    compare_recommendations,
    compare_strategies,
    expected_accuracy,
    fit_surrogate,
    grid_plan,
    importance,
    iter_optimize,
    partial_dependence,
    surrogate_surface,
    validate,
)
from crucible_ui.charts import bar_with_error_bars
from crucible_ui.live import run_live
from crucible_ui.optimization.charts import (
    importance_chart,
    partial_dependence_chart,
    recommendation_chart,
)
from crucible_ui.optimization.search_charts import (
    STRATEGY_LABELS,
    SURFACE_FIELDS,
    comparison_chart,
    convergence_chart,
    parallel_coordinates,
    parallel_frame,
    surrogate_heatmap,
)
from crucible_ui.optimization.space_text import DEFAULT_SPACE_TEXT, parse_space
from crucible_ui.text import escape_markdown
from crucible_ui.widgets import (
    download_buttons,
    metric_card,
    playback_speed_control,
    seed_control,
    show_chart,
)

ACQ_HELP = {
    "EI": "expected improvement over the best score so far",
    "PI": "probability of improving on the best score so far",
    "LCB": "optimistic bound: predicted score plus 1.96 standard deviations",
    "gp_hedge": "a portfolio that picks EI, PI or LCB each step by past success",
}
ACQ_LABELS = {a: f"{a}: {text}" for a, text in ACQ_HELP.items()}
SURFACE_LABELS = {"mean": "Predicted score", "std": "Uncertainty",
                  "ei": "Expected improvement"}
HISTORY_LIMIT = 8
RUN_KEY = "opt_run"
HISTORY_KEY = "opt_history"
LIVE_KEY = "opt_live"
COMPARE_MAX_TRIALS = 40


@st.cache_data(show_spinner=False, max_entries=16)
def cached_surface(space_text: str, trials: pd.DataFrame, x: str, y: str,
                   seed: int) -> pd.DataFrame:
    space = parse_space(space_text).space
    assert space is not None
    return surrogate_surface(space, trials, x, y, seed=seed)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_validation(config_json: str, n_queries: int, seed: int) -> dict[str, Any]:
    result = validate(json.loads(config_json), n_queries, seed)
    return {"correct": result.correct, "n": result.n, "accuracy": result.accuracy,
            "low": result.low, "high": result.high, "expected": result.expected}


@st.cache_data(show_spinner=False, max_entries=8)
def cached_comparison(space_text: str, n_trials: int, n_seeds: int, first_seed: int,
                      acquisition: str) -> pd.DataFrame:
    space = parse_space(space_text).space
    assert space is not None
    return compare_strategies(space, n_trials, range(first_seed, first_seed + n_seeds),
                              acquisition=acquisition)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_influence(space_text: str, trials: pd.DataFrame, seed: int) -> dict[str, Any]:
    space = parse_space(space_text).space
    assert space is not None
    fit = fit_surrogate(space, trials[[*space.names, "score"]], seed=seed)
    return {"importance": importance(fit),
            "pd1": {n: partial_dependence(fit, [n]) for n in space.names}}


@st.cache_data(show_spinner=False, max_entries=8)
def cached_recommendations(space_text: str, n_trials: int, n_seeds: int, first_seed: int,
                           acquisition: str) -> pd.DataFrame:
    space = parse_space(space_text).space
    assert space is not None
    table = compare_recommendations(space, n_trials,
                                    range(first_seed, first_seed + n_seeds),
                                    acquisition=acquisition)
    return table.assign(label=table["strategy"].map(STRATEGY_LABELS) + ", " + table["pick"])


def _influence(run: dict[str, Any], space: SearchSpace) -> None:
    trials: pd.DataFrame = run["trials"]
    if len(trials) < 3:
        return
    st.markdown("**Which settings matter**")
    st.caption("Partial dependence: the surrogate's predicted accuracy along one setting, "
               "averaged over random values of the others (what scikit-optimize's "
               "plot_objective draws). Importance: each setting's first-order Sobol index, "
               "the share of the surrogate's variance its partial dependence explains. "
               "Settings the mock model does not read should come out near zero.")
    influence = cached_influence(run["space_text"], trials, run["seed"])
    show_chart(importance_chart(influence["importance"]))
    for name in space.names:
        show_chart(partial_dependence_chart(influence["pd1"][name], name, space,
                                            trials=trials, score_title="accuracy"))


def _reset_space() -> None:
    st.session_state["space"] = DEFAULT_SPACE_TEXT


def _settings() -> dict[str, Any]:
    st.subheader("Search settings")
    left, right = st.columns(2)
    with left:
        space_text = st.text_area(
            "Search space (one dimension per line)", value=DEFAULT_SPACE_TEXT, key="space",
            bind="query-params", height=150, max_chars=2000,
            help="Format: `name real low high`, `name integer low high`, add `log` for a "
                 "log scale, or `name categorical a, b, c`. Add a line to add a dimension, "
                 "delete one to remove it. The mock model reads temperature, max_tokens and "
                 "few_shot; other dimensions have no effect (a search must find that out).")
        st.button("Reset to the default space", on_click=_reset_space,
                  icon=":material/restart_alt:")
    with right:
        strategy = st.segmented_control(
            "Strategy", options=list(STRATEGIES), default="bayesian", key="strategy",
            format_func=STRATEGY_LABELS.__getitem__, required=True, bind="query-params")
        strategy = strategy or "bayesian"
        acquisition = "EI"
        if strategy == "bayesian":
            acquisition = st.selectbox(
                "Acquisition function", options=list(ACQUISITIONS), key="acq",
                bind="query-params",
                help="How the Bayesian search decides where to try next.") or "EI"
            st.caption(ACQ_LABELS[acquisition])
        n_trials = int(st.slider("Trials (budget)", min_value=5, max_value=200, value=30,
                                 key="trials", bind="query-params",
                                 help="How many configurations the search may evaluate."))
        seed = seed_control()
        speed = playback_speed_control()
    return {"space_text": space_text, "strategy": strategy, "acquisition": acquisition,
            "n_trials": n_trials, "seed": seed, "speed": speed}


def _describe_grid(space: SearchSpace, n_trials: int) -> str:
    plan = grid_plan(space, n_trials)
    levels = " x ".join(f"{n} {escape_markdown(k)}" for k, n in plan.levels.items())
    text = (f"Grid: {levels} = **{plan.size}** evenly spaced points (log-spaced on log "
            f"scales), visited in a random order.")
    if plan.unused:
        text += (f" One more level on any dimension would exceed the budget of {n_trials}, "
                 f"so {plan.unused} trial{'s' if plan.unused != 1 else ''} stay unused.")
    return text


def _draw_convergence(slot: Any, trials: pd.DataFrame, total: int) -> None:
    with slot.container():
        show_chart(convergence_chart(trials, n_trials=total,
                                     target=TRUE_OPTIMUM_ACCURACY))
        st.caption(f"Trials run: {len(trials)} of {total}; best so far "
                   f"{trials['best_so_far'].iloc[-1]:.1%}.")


def _run(settings: dict[str, Any], space: SearchSpace, chart_slot: Any) -> None:
    total = grid_plan(space, settings["n_trials"]).size if settings["strategy"] == "grid" \
        else settings["n_trials"]

    def draw(trials: pd.DataFrame) -> None:
        _draw_convergence(chart_slot, trials, total)

    trials = run_live(
        iter_optimize(settings["strategy"], space, settings["n_trials"], settings["seed"],
                      acquisition=settings["acquisition"]),
        draw, progress=lambda t: len(t) / total, speed=settings["speed"], key=LIVE_KEY,
        label=f"{STRATEGY_LABELS[settings['strategy']]} search",
        batch_seconds=lambda _t: 0.15)
    if trials is None or trials.empty:
        return
    run = {key: settings[key] for key in ("space_text", "strategy", "acquisition",
                                          "n_trials", "seed")}
    run["trials"] = trials
    run["complete"] = len(trials) == total
    st.session_state[RUN_KEY] = run
    best = best_config(trials, space)
    history = list(st.session_state.get(HISTORY_KEY, []))
    history.append({
        "strategy": settings["strategy"],
        "acquisition": settings["acquisition"] if settings["strategy"] == "bayesian" else "",
        "trials": len(trials), "seed": settings["seed"],
        "best_tuning_score": float(trials["score"].max()),
        "expected_accuracy": expected_accuracy(best),
        "regret": TRUE_OPTIMUM_ACCURACY - expected_accuracy(best),
        "best_config": json.dumps(best),
    })
    st.session_state[HISTORY_KEY] = history[-HISTORY_LIMIT:]


def _explorer(run: dict[str, Any], space: SearchSpace) -> None:
    trials: pd.DataFrame = run["trials"]
    st.subheader("Configuration explorer")
    if len(space.names) >= 2 and len(trials) >= 3:
        st.caption("Colored cells: what a Gaussian-process model fitted to these trials "
                   "predicts (the Bayesian search's own kind of surrogate, refitted here for "
                   "any strategy), with the other settings held at the best trial's values. "
                   "White points: the trials actually run.")
        c1, c2 = st.columns(2)
        x = c1.selectbox("Horizontal axis", space.names, index=0, key="hx",
                         bind="query-params")
        y_options = [n for n in space.names if n != x]
        y = c2.selectbox("Vertical axis", y_options,
                         index=len(y_options) - 1, key="hy", bind="query-params")
        color_by = st.segmented_control(
            "Color cells by", options=list(SURFACE_FIELDS), default="mean", key="hcolor",
            format_func=SURFACE_LABELS.__getitem__, required=True, bind="query-params",
            help="Predicted score: where the model expects good results. Uncertainty: "
                 "where it knows least. Expected improvement: the acquisition function the "
                 "Bayesian search maximizes to pick its next trial.") or "mean"
        if x and y and x != y:
            surface = cached_surface(run["space_text"], trials, x, y, run["seed"])
            show_chart(surrogate_heatmap(surface, trials, space, x, y, color_by=color_by))
    else:
        st.info("The heatmap needs at least two dimensions and three trials.")
    _influence(run, space)
    st.caption("Each line is one trial, running through its value on every dimension "
               "(bottom = low end of the range, top = high end); brighter lines scored higher.")
    show_chart(parallel_coordinates(parallel_frame(trials, space), space.names))


def _validation(run: dict[str, Any], space: SearchSpace) -> None:
    trials: pd.DataFrame = run["trials"]
    st.subheader("Validation on held-out queries")
    n_hold = int(st.select_slider("Held-out queries", options=[50, 100, 200, 500, 1000],
                                  value=50, key="holdout", bind="query-params",
                                  help="More queries give a narrower interval."))
    best = best_config(trials, space)
    tuned = cached_validation(json.dumps(best, sort_keys=True), n_hold, run["seed"])
    default = cached_validation(json.dumps(DEFAULT_CONFIG, sort_keys=True), n_hold,
                                run["seed"])
    tuning_score = float(trials["score"].max())
    cols = st.columns(4)
    with cols[0]:
        metric_card("Best score while tuning", f"{tuning_score:.1%}",
                    help="The highest accuracy seen on the 50 tuning queries: picked as the "
                         "maximum of noisy measurements, so it tends to be too high.")
    with cols[1]:
        metric_card("Winner, held-out", f"{tuned['accuracy']:.1%}",
                    delta=f"{(tuned['accuracy'] - tuning_score) * 100:+.1f} pts vs tuning",
                    help=f"The same settings on new queries: {tuned['correct']} of "
                         f"{tuned['n']} new queries right; 95% Wilson "
                         f"interval {tuned['low']:.1%} to {tuned['high']:.1%}.")
    with cols[2]:
        metric_card("Regret vs true optimum", f"{TRUE_OPTIMUM_ACCURACY - tuned['expected']:.1%}",
                    help="How far the winner's true (noise-free) accuracy, "
                         f"{tuned['expected']:.1%}, falls short of the best possible "
                         f"configuration of the default space, {TRUE_OPTIMUM_ACCURACY:.1%}.")
    with cols[3]:
        metric_card("Default settings, held-out", f"{default['accuracy']:.1%}",
                    help="temperature 1.0, max_tokens 512, no few-shot examples; 95% Wilson "
                         f"interval {default['low']:.1%} to {default['high']:.1%}.")
    frame = pd.DataFrame([
        {"configuration": "tuned winner", **tuned},
        {"configuration": "defaults", **default},
        {"configuration": "true optimum", "accuracy": TRUE_OPTIMUM_ACCURACY,
         "low": TRUE_OPTIMUM_ACCURACY, "high": TRUE_OPTIMUM_ACCURACY},
    ])
    show_chart(bar_with_error_bars(
        frame, category="configuration", value="accuracy", lower="low", upper="high",
        title=f"Accuracy on {n_hold} held-out queries with 95% Wilson intervals "
              "(true optimum: its expected accuracy)",
        value_title="accuracy", category_title="configuration", height=200))
    best_text = ", ".join(f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}"
                          for k, v in best.items())
    optimum_text = ", ".join(f"{k} = {v}" for k, v in TRUE_OPTIMUM_CONFIG.items())
    st.caption(f"Winner: {escape_markdown(best_text)}. True optimum of the default space: "
               f"{optimum_text}. Dimensions the model does not read have no effect; settings "
               "a space leaves out take their default values.")
    st.download_button(
        "Download the best configuration (JSON)",
        json.dumps({"config": best, "tuning_score": tuning_score,
                    "holdout": tuned, "strategy": run["strategy"], "seed": run["seed"]},
                   indent=2),
        file_name="best_config.json", mime="application/json", key="dl_best",
        icon=":material/download:", on_click="ignore")


def _comparison(settings: dict[str, Any], space_text: str) -> None:
    st.subheader("Strategy comparison")
    budget = min(settings["n_trials"], COMPARE_MAX_TRIALS)
    st.caption(f"All three strategies with the same budget ({budget} trials"
               + (f", capped from {settings['n_trials']} to keep it quick"
                  if budget < settings["n_trials"] else "")
               + ") over several seeds: does Bayesian search really beat random here? "
               "Lines are medians across seeds, bands the middle half.")
    n_seeds = int(st.slider("Seeds to compare", min_value=3, max_value=10, value=5,
                            key="cmp_seeds", bind="query-params"))
    args = (space_text, budget, n_seeds, settings["seed"], settings["acquisition"])
    if st.button("Compare strategies", icon=":material/compare_arrows:", key="compare"):
        with st.spinner(f"Running 3 strategies x {n_seeds} seeds…"):
            cached_comparison(*args)
            cached_recommendations(*args)
        st.session_state["opt_compare"] = args
    if st.session_state.get("opt_compare") == args:
        curves = cached_comparison(*args)
        show_chart(comparison_chart(curves))
        final = curves.loc[curves.groupby("strategy")["trial"].idxmax()]
        st.dataframe(final.assign(strategy=final["strategy"].map(STRATEGY_LABELS))[
            ["strategy", "trial", "median", "q25", "q75", "n_seeds"]],
            hide_index=True, width="stretch",
            column_config={c: st.column_config.NumberColumn(format="percent")
                           for c in ("median", "q25", "q75")})
        download_buttons(curves, "strategy_comparison", key="dl_cmp",
                         label="comparison curves")
        st.markdown("**What each strategy would ship**")
        st.caption("The best score seen flatters every strategy. Fairer: the true expected "
                   "accuracy (known on the mock) of the configuration each one picks, by "
                   "its best observed score or by the model's best posterior mean, over "
                   "the same seeds. Point: median; bar: 25th to 75th percentile.")
        show_chart(recommendation_chart(cached_recommendations(*args)))
    else:
        st.caption("Press **Compare strategies** to run it with the current settings.")


def mock_view() -> None:
    """The whole "Mock objective" source."""
    settings = _settings()
    parsed = parse_space(settings["space_text"])
    space = parsed.space
    for message in parsed.errors:
        st.error(message, icon=":material/error:")
    if space is not None and settings["strategy"] == "grid":
        st.info(_describe_grid(space, settings["n_trials"]), icon=":material/grid_on:")
    run_clicked = st.button("Run search", type="primary", icon=":material/play_arrow:",
                            disabled=space is None, key="run")

    st.subheader("Convergence")
    st.caption("Each point is one trial's measured accuracy on the tuning queries; the line "
               "is the best so far. The dashed line is the true optimum's expected accuracy: "
               "single noisy trials can land above it.")
    chart_slot = st.empty()
    if run_clicked and space is not None:
        _run(settings, space, chart_slot)
    run = st.session_state.get(RUN_KEY)
    if run is None:
        chart_slot.info("Press **Run search** to start; the chart grows after every trial.")
    else:
        shown = parse_space(run["space_text"]).space
        assert shown is not None
        trials = run["trials"]
        total = grid_plan(shown, run["n_trials"]).size if run["strategy"] == "grid" \
            else run["n_trials"]
        if not run_clicked:
            _draw_convergence(chart_slot, trials, total)
        current = {k: settings[k] for k in ("space_text", "strategy", "n_trials", "seed")}
        if any(run[k] != v for k, v in current.items()):
            st.caption(f"Showing the last run ({STRATEGY_LABELS[run['strategy']]}, "
                       f"{run['n_trials']} trials, seed {run['seed']}); the settings have "
                       "changed since: press **Run search** to re-run.")
        download_buttons(trials.drop(columns="elapsed_s"), "trials", key="dl_trials",
                         label="trials")
        _validation(run, shown)
        _explorer(run, shown)
        history = pd.DataFrame(st.session_state.get(HISTORY_KEY, []))
        if len(history):
            st.subheader("Runs this session")
            st.caption(f"The last {HISTORY_LIMIT} runs, to compare settings side by side.")
            st.dataframe(history, hide_index=True, width="stretch", column_config={
                c: st.column_config.NumberColumn(format="percent")
                for c in ("best_tuning_score", "expected_accuracy", "regret")})
            download_buttons(history, "optimization_runs", key="dl_hist", label="run history")
    if space is not None:
        _comparison(settings, settings["space_text"])

