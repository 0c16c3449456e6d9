"""Speed of the Optimization Playground: a 30-trial Bayesian search on the default
objective, 200-trial random and grid searches, and the page's rerun after a control
change (through bench/bench_pages.py with :func:`change_widget`)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_scenarios.optimization import default_space, optimize

AREA = "optimization"


def rows() -> list[Row]:
    space = default_space()
    out = [
        Row(AREA, "Bayesian search (GP, EI), 30 trials, default objective",
            median_seconds(lambda: optimize("bayesian", space, 30, 1), repeat=3), "s", 10.0),
    ]
    for strategy in ("random", "grid"):
        out.append(Row(AREA, f"{strategy} search, 200 trials, default objective",
                       median_seconds(lambda s=strategy: optimize(s, space, 200, 1)), "s", 0.2))
    return out


def change_widget(at: AppTest, i: int) -> None:
    """Switch the strategy (a display setting: nothing runs until Run is pressed)."""
    at.segmented_control(key="strategy").set_value(("grid", "random", "bayesian")[i % 3])
