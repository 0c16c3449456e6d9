"""Causal Trace Explorer: a model's reasoning on one problem as a timeline of events,
the alternatives it rejected at each decision and how its confidence moved."""

from __future__ import annotations

import streamlit as st

from crucible_ui.layout import guarded, page_intro
from crucible_ui.trace.reasoning import (
    cached_exports,
    detail,
    downloads,
    filters,
    replay,
    summary,
    timeline,
    uncertainty,
)
from crucible_ui.trace.source import choose_trace
from crucible_ui.trace.views import span_page

TITLE = "Causal Trace Explorer"
QUESTION = "Why did the model decide what it did, and where was it unsure?"
EXPLANATION = (
    "A reasoning model solves a problem in small steps: it recognises the kind of problem, "
    "forms a hypothesis for each step, checks it, and commits an answer. At each "
    "**decision** it weighed **alternatives** and rejected them for a reason, and its "
    "**confidence** rose and fell along the way. This page lays one such **trace** out "
    "on a timeline. Click an event to see what the model decided, why, which "
    "alternatives it turned down and which earlier events it built on. The traces here "
    "come from a mock model that follows each problem's worked solution. You can also "
    "upload a trace of your own: this page's JSON, or a span export from OpenTelemetry "
    "(OTLP JSON or JSON Lines), Jaeger, Grafana Tempo, Langfuse, Arize Phoenix or "
    "LangSmith, drawn as a nested waterfall with time, tokens and cost per step."
)

@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    chosen_trace = choose_trace()
    if chosen_trace is None:
        return  # the chooser said what is missing or wrong; nothing of the mock world
    key, trace = chosen_trace
    if trace.is_spans:
        span_page(key, trace, cached_exports(key, trace))
        return
    summary_area = st.container()
    filters_, threshold = filters()
    with summary_area:
        summary(trace, threshold)
    st.subheader("Timeline")
    timeline_area = st.container()
    chosen = detail(trace)
    with timeline_area:
        timeline(key, trace, filters_, chosen)
    st.subheader("Uncertainty")
    uncertainty(key, trace, threshold)
    replay(trace, threshold)
    downloads(key, trace, filters_)


main()
