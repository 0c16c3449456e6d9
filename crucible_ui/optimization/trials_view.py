"""The "Your trials" source of the Optimization Playground: upload the trials you ran,
see what was read and the space, get the next suggestions with their predicted score and
uncertainty, the partial dependence and importance, the convergence of the best
posterior mean, and the recommendation with its honest gap; download the study file and
upload it again to continue."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from crucible_io.limits import ReadError
from crucible_io.trials import MAX_TRIAL_ROWS, read_trials
from crucible_scenarios.optimization import (
    ACQUISITIONS,
    MAX_SUGGESTIONS,
    Surrogate,
    Trials,
    convergence,
    default_space,
    fit_surrogate,
    importance,
    optimize,
    partial_dependence,
    recommend,
    study_csv,
    study_json,
    suggest,
)
from crucible_ui.optimization.charts import (
    advisor_convergence_chart,
    importance_chart,
    partial_dependence_chart,
    partial_dependence_heatmap,
)
from crucible_ui.optimization.space_text import format_space, parse_space
from crucible_ui.text import escape_markdown
from crucible_ui.uploads import MAX_UPLOAD_BYTES
from crucible_ui.widgets import metric_card, show_chart, table_csv

FORMAT_HELP = (
    "CSV or JSON, one row per configuration you evaluated: one column per parameter "
    "(numbers or text), a `score` column, and optionally `n_queries` (how many eval "
    "items the score is measured on, so the model knows how noisy it is) and `maximize` "
    f"(true/false). At most {MAX_TRIAL_ROWS} rows. A study file downloaded from this page "
    "works too: fill in the scores of the suggested rows and upload it again. So do "
    "optuna's: `study.trials_dataframe()` saved as CSV or JSON, `optuna trials -f json`, "
    "or the journal file of a `JournalStorage` (its complete trials are used)."
)
PERSISTENCE_NOTE = (
    "Nothing is stored on the server: on Streamlit Community Cloud the disk does not last "
    "between visits. Your study lives in the file: download it, run the suggested "
    "configurations, fill in their scores, and upload it again next time. The seed and "
    "the space travel inside the file, so the same file gives the same suggestions."
)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_trials(data: bytes, name: str) -> Trials:
    """The uploaded file read once per content."""
    return read_trials(data, name=name, max_bytes=MAX_UPLOAD_BYTES)


def _with_space(trials: Trials, space_text: str, seed: int, maximize: bool) -> Trials:
    parsed = parse_space(space_text)
    assert parsed.space is not None
    return Trials(trials.frame, parsed.space, maximize, seed, None, trials.problems,
                  trials.source_format)


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_surrogate(data: bytes, name: str, space_text: str, seed: int,
                     maximize: bool) -> Surrogate:
    """The GP fitted to the trials, shared read-only (never mutated), not copied on every
    rerun as ``st.cache_data`` would."""
    trials = _with_space(cached_trials(data, name), space_text, seed, maximize)
    return fit_surrogate(trials.space, trials, seed=seed)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_fit(data: bytes, name: str, space_text: str, seed: int,
               maximize: bool) -> dict[str, Any]:
    """Everything that needs the surrogate fitted to the trials, keyed on the file's
    bytes, the space and the seed (so a change of n or of the charts shown refits
    nothing): the recommendation, importance, 1-D partial dependence and convergence."""
    trials = _with_space(cached_trials(data, name), space_text, seed, maximize)
    fit = cached_surrogate(data, name, space_text, seed, maximize)
    return {
        "recommendation": recommend(trials.space, trials, seed=seed),
        "importance": importance(fit),
        "pd1": {n: partial_dependence(fit, [n]) for n in trials.space.names},
        "convergence": convergence(trials.space, trials, seed=seed, max_fits=20),
    }


@st.cache_data(show_spinner=False, max_entries=32)
def cached_pd2(data: bytes, name: str, space_text: str, seed: int, maximize: bool,
               x: str, y: str) -> pd.DataFrame:
    fit = cached_surrogate(data, name, space_text, seed, maximize)
    return partial_dependence(fit, [x, y], n_points=20)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_suggestions(data: bytes, name: str, space_text: str, seed: int,
                       maximize: bool, n: int, acq: str) -> pd.DataFrame:
    trials = _with_space(cached_trials(data, name), space_text, seed, maximize)
    return suggest(trials.space, trials, n, acq_func=acq, seed=seed)


@st.cache_data(show_spinner=False, max_entries=4)
def example_file(seed: int) -> bytes:
    """Twelve random trials of the mock model, as a CSV to try the advisor with."""
    trials = optimize("random", default_space(), 12, seed)
    frame = trials[["temperature", "max_tokens", "few_shot", "score"]].copy()
    frame["temperature"] = frame["temperature"].round(3)
    frame["n_queries"] = 50
    return table_csv(frame)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return escape_markdown(str(value))


def _read_section() -> tuple[bytes, str, Trials] | None:
    st.subheader("Your trials")
    st.markdown(FORMAT_HELP)
    st.info(PERSISTENCE_NOTE, icon=":material/save:")
    upload = st.file_uploader("Trials or study file (CSV or JSON, or an optuna journal)",
                              type=["csv", "tsv", "txt", "json", "jsonl", "log"],
                              key="trials_upload")
    st.download_button("Download an example trial file (12 mock trials)",
                       example_file(7), file_name="example_trials.csv", mime="text/csv",
                       key="dl_example", icon=":material/download:", on_click="ignore")
    if upload is None:
        st.caption("Upload a file to get suggestions.")
        return None
    data = upload.getvalue()
    try:
        trials = cached_trials(data, upload.name)
    except ReadError as exc:
        st.error(escape_markdown(str(exc)), icon=":material/error:")
        return None
    scored = int(trials.frame["score"].notna().sum())
    st.markdown(
        f"Read **{escape_markdown(upload.name)}** ({trials.source_format}): "
        f"**{len(trials.frame)}** rows, **{scored}** with a score, "
        f"**{len(trials.space.names)}** parameters "
        f"({escape_markdown(', '.join(trials.space.names))}); the score is "
        f"{'maximized' if trials.maximize else 'minimized'}"
        + ("; `n_queries` gives each score's binomial noise."
           if "n_queries" in trials.frame.columns else "."))
    for note in trials.problems:
        st.warning(escape_markdown(note), icon=":material/warning:")
    st.dataframe(trials.frame, hide_index=True, width="stretch", height=240)
    return data, upload.name, trials


def trials_view() -> None:
    """The whole "Your trials" source."""
    read = _read_section()
    if read is None:
        return
    data, name, trials = read
    digest = hashlib.sha256(data).hexdigest()[:12]
    st.subheader("Search space")
    st.caption("Inferred from the file (or carried in a study file). Edit it to widen a "
               "range you want explored or to fix a scale; rows outside it are left out "
               "of the fit. Format: `name real low high`, `name integer low high`, add "
               "`log` for a log scale, or `name categorical a, b, c`.")
    space_text = st.text_area("Search space", value=format_space(trials.space),
                              key=f"tspace_{digest}", height=130, max_chars=2000)
    parsed = parse_space(space_text)
    for message in parsed.errors:
        st.error(message, icon=":material/error:")
    if parsed.space is None:
        return
    missing = [n for n in parsed.space.names if n not in trials.frame.columns]
    if missing:
        st.error(f"The file has no column {escape_markdown(missing[0])!r}; the space can "
                 "only use the file's parameters.", icon=":material/error:")
        return
    left, mid, right = st.columns(3)
    n = int(left.slider("Suggestions", 1, MAX_SUGGESTIONS, 5, key="n_sugg",
                        help="How many configurations to try next (one batch)."))
    acq = mid.selectbox("Acquisition function", list(ACQUISITIONS), key="t_acq",
                        help="EI: expected improvement; PI: probability of improvement; "
                             "LCB: optimistic bound; gp_hedge: a portfolio of the three.")
    seed = int(right.number_input("Seed", 0, 2**32 - 1, trials.seed, key=f"tseed_{digest}",
                                  help="From the study file when it has one; the same "
                                       "file and seed give the same suggestions."))
    maximize = st.radio(
        "The score is", ["maximized", "minimized"], index=0 if trials.maximize else 1,
        horizontal=True, key=f"tdir_{digest}",
        help="From the file when it says (a study file, a `maximize` column, optuna's "
             "journal); optuna's CSV and JSON tables do not record it.") != "minimized"
    scored = int(trials.frame["score"].notna().sum())
    if scored < 2:
        st.warning("At least two scored trials are needed to fit the model.",
                   icon=":material/warning:")
        return
    try:
        with st.spinner("Fitting the model to your trials…"):
            fitted = cached_fit(data, name, space_text, seed, maximize)
            sugg = cached_suggestions(data, name, space_text, seed, maximize, n, str(acq))
    except ValueError as exc:
        st.error(escape_markdown(str(exc)), icon=":material/error:")
        return
    study = _with_space(trials, space_text, seed, maximize)
    _suggestions(study, sugg)
    _recommendation(study, fitted["recommendation"])
    _influence(study, fitted, data, name, space_text, seed)
    st.subheader("Convergence")
    st.caption("After each trial: the best single score so far, and the best posterior "
               "mean among the trials so far (the model refitted on those trials). When "
               "the two lines part, the best score owes part of its lead to luck.")
    show_chart(advisor_convergence_chart(fitted["convergence"]))


def _study_csv(study: Trials, sugg: pd.DataFrame) -> bytes:
    return study_csv(study, sugg).encode("utf-8")


def _suggestions(study: Trials, sugg: pd.DataFrame) -> None:
    st.subheader("Try next")
    st.caption("The next batch from scikit-optimize's Optimizer, fitted to your scored "
               "trials. Predicted score: the model's mean for the noise-free score; ± its "
               "standard deviation. Acquisition: how much the chosen acquisition function "
               "values the point (for EI, the expected improvement over your best score). "
               "The batch spreads out on purpose: each suggestion is treated as if it "
               "scored badly before the next is chosen (the pessimistic constant liar).")
    shown = sugg.copy()
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "predicted_score": st.column_config.NumberColumn("predicted score", format="%.4g"),
        "predicted_sd": st.column_config.NumberColumn("± sd", format="%.3g"),
        "acquisition": st.column_config.NumberColumn("acquisition", format="%.3g")})
    left, right = st.columns(2)
    left.download_button("Download the study (CSV)", functools.partial(_study_csv, study, sugg),
                         file_name="study.csv", mime="text/csv", key="dl_study_csv",
                         icon=":material/download:", on_click="ignore", width="stretch")
    right.download_button("Download the study (JSON)", functools.partial(study_json, study, sugg),
                          file_name="study.json", mime="application/json",
                          key="dl_study_json", icon=":material/download:",
                          on_click="ignore", width="stretch")
    st.caption("The study file holds your trials, these suggestions with empty scores, the "
               "space and the seed. Fill in the scores and upload it again to continue.")


def _recommendation(study: Trials, rec: dict[str, Any]) -> None:
    st.subheader("Recommendation")
    names = study.space.names
    config = ", ".join(f"{escape_markdown(n)} = {_fmt(rec[n])}" for n in names)
    cols = st.columns(3)
    with cols[0]:
        metric_card("Model's estimate of the pick", f"{rec['posterior_mean']:.4g}",
                    help=f"Posterior mean ± {rec['posterior_sd']:.2g} (sd) of the tried "
                         "configuration the model rates best.")
    with cols[1]:
        metric_card("Best single score", f"{rec['best_observed']:.4g}",
                    help="The best score any trial got: the maximum of noisy measurements.")
    with cols[2]:
        metric_card("Gap", f"{rec['gap']:+.3g}",
                    help="Best single score minus the model's estimate of the pick.")
    st.markdown(f"**Pick:** {config} (its measured score {rec['observed']:.4g}).")
    if rec["same_as_best_observed"]:
        st.caption("The model agrees with the best score's trial. Still expect its next "
                   f"measurement nearer {rec['posterior_mean']:.4g} than "
                   f"{rec['best_observed']:.4g}: the best of many noisy scores is usually "
                   "a little lucky.")
    else:
        st.caption("The best single score came from a different trial, but its neighbours "
                   "and the noise level make the model think it was partly luck. The pick "
                   "above is where the evidence of all trials points; the gap is how much "
                   "the best single score probably flatters its winner.")


def _influence(study: Trials, fitted: dict[str, Any], data: bytes, name: str,
               space_text: str, seed: int) -> None:
    st.subheader("Which parameters matter")
    st.caption("Partial dependence: the model's predicted score along one parameter, "
               "averaged over random values of all the others (what scikit-optimize's "
               "plot_objective draws). Importance: each parameter's first-order Sobol "
               "index, the share of the model's variance its partial dependence explains; "
               "what the bars leave out is interaction between parameters.")
    show_chart(importance_chart(fitted["importance"]))
    scored = study.frame[study.frame["score"].notna()]
    for dim_name in study.space.names:
        show_chart(partial_dependence_chart(fitted["pd1"][dim_name], dim_name, study.space,
                                            trials=scored))
    if len(study.space.names) >= 2:
        c1, c2 = st.columns(2)
        x = c1.selectbox("2-D: first parameter", study.space.names, key="pd_x")
        others = [n for n in study.space.names if n != x]
        y = c2.selectbox("2-D: second parameter", others, key="pd_y")
        if x and y and x != y:
            show_chart(partial_dependence_heatmap(
                cached_pd2(data, name, space_text, seed, study.maximize, x, y), x, y,
                study.space))
