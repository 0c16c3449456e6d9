"""Optimization Playground: grid, random and Bayesian search over a mock model's prompt
parameters, converging live, then checked on held-out queries; or, with your own trials,
an advisor that suggests what to try next and which configuration to ship."""

from __future__ import annotations

import streamlit as st

from crucible_ui.layout import guarded, page_intro
from crucible_ui.optimization.mock_view import mock_view
from crucible_ui.optimization.trials_view import trials_view

TITLE = "Optimization Playground"
QUESTION = ("Which temperature, token limit and few-shot count work best, and does the "
            "winner hold on new queries?")
EXPLANATION = (
    "A mock model answers 50 test queries; its accuracy depends on the **temperature**, the "
    "**max_tokens** limit (too few tokens cut answers off) and the number of **few-shot** "
    "examples (they help, then cost tokens). Each trial tries one setting and measures "
    "accuracy, with noise, as a real evaluation would. **Grid search** tries evenly spaced "
    "settings, **random search** draws them at random, and **Bayesian search** fits a "
    "Gaussian-process model to the trials so far and tries next where it expects the most "
    "improvement. Because the best score was picked out of many noisy ones, it flatters the "
    "winner: the validation panel re-checks it on queries the search never saw. With "
    "**your trials**, the same Bayesian optimizer reads the configurations you scored "
    "yourself and tells you what to try next."
)
SOURCES = {"mock": "Mock objective", "trials": "Your trials"}


@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    source = st.segmented_control(
        "Data source", options=list(SOURCES), default="mock", key="src",
        format_func=SOURCES.__getitem__, required=True, bind="query-params",
        help="Mock objective: watch the strategies search a simulated model. Your trials: "
             "upload the configurations you evaluated and get the next ones to try.")
    if source == "trials":
        trials_view()
    else:
        mock_view()


main()
