"""Statistical comparison speed: compare() with a 10,000-resample BCa bootstrap on
n = 1000, the experiment the page caches, and a display control for the page rerun."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_scenarios.stats import MODEL_A, MODEL_B, compare, run_experiment


def rows() -> list[Row]:
    df = run_experiment(MODEL_A, MODEL_B, 1000, 1)
    out = []
    for design, paired in (("paired", True), ("unpaired", False)):
        seconds = median_seconds(
            lambda p=paired: compare(df["a_latency_ms"], df["b_latency_ms"], paired=p,
                                     kind="continuous", n_boot=10_000, seed=1), repeat=7)
        out.append(Row("stats", f"compare latency, n = 1000, 10,000-resample BCa, {design}",
                       seconds, "s", 0.5))
    seconds = median_seconds(
        lambda: compare(df["a_correct"], df["b_correct"], paired=True, kind="binary"),
        repeat=7)
    out.append(Row("stats", "compare accuracy (exact McNemar), n = 1000", seconds, "s"))
    seconds = median_seconds(lambda: run_experiment(MODEL_A, MODEL_B, 1000, 2), repeat=3)
    out.append(Row("stats", "run_experiment, 1000 paired problems", seconds, "s"))
    return out


def change_widget(at: AppTest, i: int) -> None:
    """Switch the compared metric (the experiment and both analyses stay cached)."""
    at.segmented_control(key="metric").set_value("latency" if i % 2 == 0 else "accuracy")
