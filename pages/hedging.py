"""Request Hedging: send a backup request when the first is slow and keep whichever
answer arrives first. How much does that cut the slowest 1%, and what does it cost?
Two data sources: the mock support chatbot, or the user's own latency log."""

from __future__ import annotations

import streamlit as st

from crucible_ui.hedging.log import log_view
from crucible_ui.hedging.mock import mock_view
from crucible_ui.layout import guarded, page_intro

TITLE = "Request Hedging"
QUESTION = ("How much does a backup request cut the slowest 1% of latencies, and what does "
            "it cost?")
EXPLANATION = (
    "A customer-support chatbot promises fast answers, but a few requests are very slow: "
    "its median is 500 ms, yet one request in a hundred takes 5 s or more. **Hedging** "
    "sends a second, identical request when the first has not answered after a delay, "
    "takes whichever answer comes first and cancels the other. Because the slow requests "
    "are rare and mostly independent, the backup is usually fast, so the slowest 1% "
    "shrinks a lot for a few percent more requests. Below, a simulated stream of requests "
    "shows when hedges fire and who wins, what hedging does to the whole latency "
    "distribution, and how the choice of delay trades tail latency against extra load."
)
SOURCES = {"mock": "Support chatbot (mock)", "log": "Your latency log"}


@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    source = st.segmented_control(
        "Data source", list(SOURCES), format_func=SOURCES.__getitem__, default="mock",
        required=True, key="src", bind="query-params",
        help="Support chatbot: a simulated stream from the mock latency profile. Your "
             "latency log: the same analysis on requests you measured (LLMPerf, JMeter, "
             "k6, ApacheBench, or a CSV/JSON with a latency column).") or "mock"
    if source == "log":
        log_view()
    else:
        mock_view()


main()
