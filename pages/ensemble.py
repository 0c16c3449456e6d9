"""Ensemble Reliability: five mock models answer a medical question, a voting strategy
turns their answers into one, and a batch of questions shows when voting pays; or the
same questions asked of the user's own eval logs; and how many calls to vote over."""

from __future__ import annotations

import streamlit as st

from crucible_ui.ensemble.logs_view import logs_section
from crucible_ui.ensemble.mock_view import mock_section
from crucible_ui.ensemble.scaling_view import scaling_section
from crucible_ui.layout import guarded, page_intro

TITLE = "Ensemble Reliability"
QUESTION = "When does letting five models vote beat trusting the best one?"
EXPLANATION = (
    "A medical diagnosis assistant must not be wrong often. Instead of trusting one model, "
    "ask several and let them **vote**. Below, five mock models answer a question; watch "
    "their answers arrive, see how a voting strategy combines them, at what cost and "
    "wait. Then a batch of questions measures each strategy's accuracy with a 95% "
    "confidence interval, next to each model on its own. Voting helps most when the "
    "models make *different* mistakes; when a hard question fools them together, the "
    "gain shrinks. Switch the data source to vote over your own models' eval logs."
)
DATA_SOURCES = ("Mock models", "Your eval logs")


@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    source = st.radio("Data source", DATA_SOURCES, key="data", horizontal=True,
                      bind="query-params",
                      help="The mock world for learning, or your own eval logs.")
    p_correct: dict[str, list[float]] = {}
    if source == DATA_SOURCES[1]:
        p_correct = logs_section()
    else:
        mock_section()
    st.divider()
    scaling_section(p_correct)


main()
