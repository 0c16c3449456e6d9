"""Statistical Comparison Lab: an A/B test of two mock models on the same math problems,
with the right test, effect sizes, intervals, power and a downloadable report."""

from __future__ import annotations

import streamlit as st

from crucible_scenarios.stats import ALTERNATIVES
from crucible_ui.layout import guarded, page_intro
from crucible_ui.stats.csv_views import upload_view
from crucible_ui.stats.evals_views import evals_view
from crucible_ui.stats.mock_view import simulated_view

TITLE = "Statistical Comparison Lab"
QUESTION = "Is model B really better than model A, or is it noise?"
EXPLANATION = (
    "Two mock models answer the **same** math problems, so every problem gives a *pair* of "
    "results and the comparison is paired. The lab picks the test that fits the data and "
    "says why, reports how big the difference is (with a confidence interval, the range "
    "of differences the data are compatible with), how likely the experiment was to detect "
    "it (power), and how many problems a conclusive experiment would need. You can also "
    "upload your own per-item results, or compare two runs of your own eval logs question "
    "by question."
)
ALPHAS = [0.01, 0.05, 0.10]
ALT_LABELS = {"two-sided": "B differs from A", "greater": "B is greater than A",
              "less": "B is less than A"}
SOURCES = ("simulate", "upload", "eval logs")


@guarded
def main() -> None:
    page_intro(TITLE, QUESTION, EXPLANATION)
    source = st.segmented_control(
        "Data", list(SOURCES), default="simulate", required=True, key="src",
        bind="query-params", help="simulate: two mock models answer math problems; "
                                  "upload: analyse your own per-item results (CSV); "
                                  "eval logs: compare two runs of your eval logs "
                                  "question by question.") or "simulate"
    c2, c3 = st.columns(2)
    alpha = float(c2.selectbox("Significance level (alpha)", ALPHAS, index=1, key="alpha",
                               bind="query-params",
                               help="Chance of a false alarm you accept when the models "
                                    "are equal."))
    alternative = c3.selectbox(
        "Alternative hypothesis (B vs A)", list(ALTERNATIVES), key="alt", bind="query-params",
        disabled=source == "eval logs",
        help="; ".join(f"{k}: {v}" for k, v in ALT_LABELS.items())
        + ". Eval-log comparisons are always two-sided.")
    if source == "upload":
        upload_view(alpha, str(alternative))
    elif source == "eval logs":
        evals_view(alpha)
    else:
        simulated_view(alpha, str(alternative))


main()
