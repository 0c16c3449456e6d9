"""Words and input checks of the Ensemble Reliability page (no Streamlit): the typed
question's validation, strategy labels and the single-model-versus-ensemble sentence."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crucible_mock import MODELS
from crucible_scenarios.ensemble import MAX_QUESTION_CHARS, PairedComparison

STRATEGY_NAMES: dict[str, str] = {
    "majority": "Majority vote", "weighted": "Weighted vote",
    "unanimous": "Unanimous vote", "best_confidence": "Most confident answer",
}
EXECUTION_NAMES: dict[str, str] = {
    "parallel": "Parallel", "sequential": "Sequential (stop early)",
    "cascade": "Cascade (cheapest first)",
}


@dataclass(frozen=True)
class QuestionText:
    """A typed question after the checks: the text to use (None when unusable) and the
    message to show (an error when unusable, a warning when it was shortened)."""

    text: str | None
    error: str | None = None
    warning: str | None = None


def check_question_text(raw: str | None, *, limit: int = MAX_QUESTION_CHARS) -> QuestionText:
    """Reject an empty or whitespace-only question; shorten one longer than ``limit``
    characters (the models' prompt has a budget) and say so."""
    text = (raw or "").strip()
    if not text:
        return QuestionText(None, error="Type a question first: the box is empty.")
    if len(text) > limit:
        return QuestionText(
            text[:limit],
            warning=f"The question is {len(text):,} characters long; only the first "
                    f"{limit:,} are used.")
    return QuestionText(text)


def strategy_label(strategy: str) -> str:
    """A readable name: a voting strategy's name, or "<Model> alone"."""
    if strategy.startswith("single:"):
        key = strategy.removeprefix("single:")
        name = MODELS[key].display_name if key in MODELS else key
        return f"{name} alone"
    return STRATEGY_NAMES.get(strategy, strategy)


def comparison_sentence(summary: pd.DataFrame, voting: str, n_models: int,
                        test: PairedComparison | None) -> str:
    """One plain sentence: the chosen ensemble's accuracy and interval against the best
    single model, the cost ratio, and whether a paired test separates them."""
    rows = summary.set_index("strategy")
    singles = rows[rows["kind"] == "single"]
    if voting not in rows.index or singles.empty:
        return ""
    ens = rows.loc[voting]
    best_key = str(singles["accuracy"].idxmax())
    best = singles.loc[best_key]
    ratio = (ens["mean_cost_usd"] / best["mean_cost_usd"]
             if best["mean_cost_usd"] > 0 else float("inf"))
    sentence = (
        f"{STRATEGY_NAMES.get(voting, voting)} of {n_models} is right "
        f"{ens['accuracy']:.1%} [{ens['ci_low']:.1%}, {ens['ci_high']:.1%}] vs "
        f"{best['accuracy']:.1%} [{best['ci_low']:.1%}, {best['ci_high']:.1%}] for the best "
        f"single model ({strategy_label(best_key)}), at {ratio:.1f}x the cost.")
    if test is not None:
        verdict = ("a difference this large is unlikely to be noise"
                   if test.p_value < 0.05 else "this batch cannot tell them apart")
        sentence += (
            f" On the same questions the ensemble alone was right {test.only_a_right} "
            f"times and the single model alone {test.only_b_right} times (exact McNemar "
            f"test p = {test.p_value:.3g}: {verdict}).")
    return sentence


MODEL_NAMES: dict[str, str] = {key: profile.display_name for key, profile in MODELS.items()}

