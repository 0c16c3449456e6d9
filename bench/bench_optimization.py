"""Speed of the Optimization Playground: a 30-trial Bayesian search on the default
objective, 200-trial random and grid searches, the advisor's suggestions on 50 trials,
a rerun of the "Your trials" view after a control change that refits nothing, and the
page's rerun after a control change (through bench/bench_pages.py with
:func:`change_widget`). The Bayesian search beside gp_minimize and optuna is
bench/bench_bayes.py."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_scenarios.optimization import (
    default_space,
    expected_accuracy,
    optimize,
    suggest,
)

AREA = "optimization"
ROOT = Path(__file__).resolve().parents[1]
def _fifty_trials() -> pd.DataFrame:
    space = default_space()
    rng = np.random.default_rng(0)
    configs = space.sample(rng, 50)
    frame = pd.DataFrame(configs)
    frame["score"] = [expected_accuracy(c) + rng.normal(0, 0.03) for c in configs]
    return frame


def _rerun_without_refit() -> float:
    """Median seconds of a "Your trials" rerun after changing the 2-D partial dependence
    axis (everything fitted is cached)."""
    at = AppTest.from_file(str(ROOT / "pages/optimization.py"),
                           default_timeout=300)
    at.query_params["src"] = "Your trials"
    at.run()
    data = (ROOT / "tests/fixtures/trials/prompt_tuning_trials.csv").read_bytes()
    at.file_uploader(key="trials_upload").set_value(("trials.csv", data, "text/csv"))
    at.run()
    names = ["temperature", "max_tokens", "few_shot", "style"]
    for name in names:  # fill the caches of every 2-D view
        at.selectbox(key="pd_x").select(name).run()
    times = []
    for i in range(8):
        start = time.perf_counter()
        at.selectbox(key="pd_x").select(names[i % len(names)]).run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rows() -> list[Row]:
    space = default_space()
    out = [
        Row(AREA, "Bayesian search (GP, EI), 30 trials, default objective",
            median_seconds(lambda: optimize("bayesian", space, 30, 1), repeat=3), "s", 10.0),
    ]
    for strategy in ("random", "grid"):
        out.append(Row(AREA, f"{strategy} search, 200 trials, default objective",
                       median_seconds(lambda s=strategy: optimize(s, space, 200, 1)), "s", 0.2))
    trials = _fifty_trials()
    out.append(Row(AREA, "suggest: 50 trials, n = 5", median_seconds(
        lambda: suggest(space, trials, 5, seed=0), repeat=3), "s", 2.0))
    out.append(Row(AREA, "Your trials: rerun after a control that refits nothing",
                   _rerun_without_refit(), "s", 0.1))
    return out


def change_widget(at: AppTest, i: int) -> None:
    """Switch the strategy (a display setting: nothing runs until Run is pressed)."""
    at.segmented_control(key="strategy").set_value(("grid", "random", "bayesian")[i % 3])
