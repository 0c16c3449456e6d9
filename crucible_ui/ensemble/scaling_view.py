"""The "How many calls?" section of the Ensemble Reliability page: the exact scaling law
of repeated majority voting on Chen et al.'s easy/hard mixture, the mock's own curve
(exact majority and simulated plurality), and the curve of uploaded multi-epoch logs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crucible_mock import MODELS
from crucible_scenarios.ensemble import (
    mixture_scaling,
    mock_success_probabilities,
    simulate_mock_voting,
    vote_scaling,
)
from crucible_ui.charts import vega_spec
from crucible_ui.ensemble.charts import scaling_chart
from crucible_ui.ensemble.text import MODEL_NAMES
from crucible_ui.widgets import DEFAULT_SEED, metric_card

#: Questions behind the mock's exact curve and its simulated plurality curve.
MOCK_EXACT_QUESTIONS = 20_000
MOCK_SIMULATED_QUESTIONS = 400
SIMULATED_K_MAX = 25


def odd_ks(k_max: int) -> list[int]:
    """1, 3, 5, ... up to ``k_max``."""
    return list(range(1, int(k_max) + 1, 2))


@st.cache_data(max_entries=32, show_spinner=False)
def mixture_curve(alpha: float, p1: float, p2: float, k_max: int) -> pd.DataFrame:
    """The exact curve of the two-level mixture."""
    return mixture_scaling(alpha, p1, p2, odd_ks(k_max))


@st.cache_data(max_entries=16, show_spinner="Simulating the mock...")
def mock_curves(model: str, k_max: int, seed: int) -> pd.DataFrame:
    """The mock model's exact majority curve and its simulated plurality curve."""
    ks = odd_ks(k_max)
    exact = vote_scaling(mock_success_probabilities(model, MOCK_EXACT_QUESTIONS, seed), ks)
    sim_ks = [k for k in ks if k <= SIMULATED_K_MAX]
    sim = simulate_mock_voting(model, sim_ks, MOCK_SIMULATED_QUESTIONS, seed)
    return pd.concat([
        exact[["k", "accuracy"]].assign(curve="exact strict majority"),
        sim[["k", "plurality"]].rename(columns={"plurality": "accuracy"}).assign(
            curve=f"simulated plurality ({MOCK_SIMULATED_QUESTIONS} questions)"),
    ], ignore_index=True)


def scaling_section(p_correct: dict[str, list[float]]) -> None:
    """Draw "How many calls?"; ``p_correct`` maps uploaded multi-epoch models to each
    item's share of correct epochs."""
    st.subheader("How many calls?")
    st.markdown(
        "Self-consistency asks **one** model the same question K times and takes the "
        "majority answer. If each call is right with probability p, the chance that more "
        "than half of K calls are right is exact (the binomial tail). Suppose a share of "
        "questions is easy (p above one half) and the rest hard (p below one half), as in "
        "Chen et al., *Are More LLM Calls All You Need?* (2024).")
    a, b, c, d = st.columns(4)
    alpha = a.slider("Easy share", 0.0, 1.0, 0.7, 0.05, key="easy", bind="query-params")
    p1 = b.slider("Easy: p per call", 0.5, 1.0, 0.8, 0.01, key="p_easy",
                  bind="query-params")
    p2 = c.slider("Hard: p per call", 0.0, 0.5, 0.35, 0.01, key="p_hard",
                  bind="query-params")
    k_max = d.slider("Largest K", 5, 101, 51, 2, key="k_max", bind="query-params")
    curve = mixture_curve(float(alpha), float(p1), float(p2), int(k_max))
    best_k = int(curve.attrs["best_k"])
    first = float(curve["accuracy"].iloc[0])
    peak = float(curve.loc[curve["best"], "accuracy"].iloc[0])
    last = float(curve["accuracy"].iloc[-1])
    m1, m2, m3 = st.columns(3)
    with m1:
        metric_card("One call", f"{first:.1%}")
    with m2:
        metric_card(f"Best: K = {best_k}", f"{peak:.1%}", delta=f"{(peak - first) * 100:+.1f} "
                    "points")
    with m3:
        metric_card(f"K = {int(curve['k'].iloc[-1])}", f"{last:.1%}",
                    delta=f"{(last - peak) * 100:+.1f} points vs best")
    st.vega_lite_chart(vega_spec(scaling_chart(curve.assign(curve="easy/hard mixture"),
                                               best_k)), width="stretch")
    st.caption(
        "Why accuracy can fall: on an easy question more calls make the right answer's "
        "majority surer, climbing toward 100%; on a hard question the wrong answer is the "
        "more likely one per call, so more calls make it win more surely, sinking toward "
        "0%. At first the easy questions gain faster than the hard ones lose; later the "
        "easy ones are already won and only the losses remain, so the curve peaks and "
        "then falls toward the easy share.")

    st.markdown("##### The mock models' own curve")
    model = st.selectbox("Mock model", list(MODELS), index=list(MODELS).index("mixtral"),
                         key="scale_model", format_func=MODEL_NAMES.__getitem__,
                         bind="query-params")
    curves = mock_curves(str(model), int(k_max), DEFAULT_SEED)
    exact = curves[curves["curve"] == "exact strict majority"]
    mock_best = int(exact.loc[exact["accuracy"].idxmax(), "k"])
    st.vega_lite_chart(vega_spec(scaling_chart(curves, mock_best)), width="stretch")
    st.caption(
        "Each mock question has its own success probability from the mock's latent "
        "difficulty model; the exact curve averages the binomial tail over "
        f"{MOCK_EXACT_QUESTIONS:,} of them. The simulated curve asks the model each of "
        f"{MOCK_SIMULATED_QUESTIONS} questions up to {SIMULATED_K_MAX} times (seeded) and "
        "takes the plurality answer, which can beat the strict majority because wrong "
        "answers split between several options. Few mock questions are hard for a single "
        "model, so its curve climbs and flattens rather than falling.")
    if p_correct:
        st.markdown("##### Your logs with several epochs")
        frames = [vote_scaling(p, odd_ks(k_max))[["k", "accuracy"]].assign(curve=name)
                  for name, p in p_correct.items()]
        st.vega_lite_chart(vega_spec(scaling_chart(pd.concat(frames, ignore_index=True))),
                           width="stretch")
        st.caption("Each item's success probability is its share of correct epochs; the "
                   "curve is the exact majority over K such calls, assuming calls are "
                   "independent given the item.")
