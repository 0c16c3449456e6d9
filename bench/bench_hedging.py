"""Request hedging speed: the vectorized simulation against the floor of drawing the
same random numbers with numpy alone (measured side by side), the adaptive bandit, the
page's cached views, and a representative display control for the page-rerun benchmark."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np
from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_scenarios.hedging import (
    compare_strategies,
    empirical_profile,
    exact_tradeoff_curve,
    log_delays,
    recommend_delay,
    simulate,
    summarize,
    tradeoff_curve,
)

N = 1_000_000
N_ADAPTIVE = 100_000
FLOOR_RATIO = 3.0


def _numpy_floor(n: int, draws: int) -> None:
    """What the simulation cannot avoid: ``draws`` latencies per request, each one
    uniform (slow or not) and one standard normal, from one PCG64 generator."""
    rng = np.random.default_rng(1)
    rng.random(draws * n)
    rng.standard_normal(draws * n)


def _side_by_side(fn: Callable[[], object], floor: Callable[[], object],
                  repeat: int = 9) -> tuple[float, float, float]:
    """Median times of ``fn`` and ``floor`` timed alternately (so both see the same load
    on a shared machine), and the median of the per-pair ratios."""
    fn()
    floor()
    fn_times, floor_times, ratios = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        floor()
        middle = time.perf_counter()
        fn()
        end = time.perf_counter()
        floor_times.append(middle - start)
        fn_times.append(end - middle)
        ratios.append((end - middle) / (middle - start))
    return (statistics.median(fn_times), statistics.median(floor_times),
            statistics.median(ratios))


def rows() -> list[Row]:
    out: list[Row] = []
    for strategy in ("fixed", "percentile"):
        seconds, floor, ratio = _side_by_side(partial(simulate, strategy, N, 1),
                                              partial(_numpy_floor, N, 2))
        out.append(Row("hedging", f"simulate {strategy}, 10^6 requests", seconds, "s", 0.5))
        out.append(Row("hedging", "  numpy floor beside it: 2 x 10^6 uniforms + 2 x 10^6 "
                                  "normals (primary + backup draws)", floor, "s"))
        out.append(Row("hedging", f"simulate {strategy} / numpy floor (paired)", ratio, "x",
                       FLOOR_RATIO))
    seconds = median_seconds(lambda: simulate("adaptive", N_ADAPTIVE, 1), repeat=5)
    out.append(Row("hedging", "simulate adaptive, 10^5 requests", seconds, "s", 1.0))
    result = simulate("fixed", 100_000, 1)
    seconds = median_seconds(lambda: summarize(result, n_boot=200), repeat=3)
    out.append(Row("hedging", "summarize 10^5 requests with 200 paired bootstrap resamples",
                   seconds, "s"))
    seconds = median_seconds(lambda: compare_strategies(100_000, 1, n_boot=100), repeat=3)
    out.append(Row("hedging", "compare 4 strategies, 10^5 requests (page, batch mode)",
                   seconds, "s"))
    delays = (150, 250, 400, 600, 800, 1000, 1300, 1700, 2200, 3000, 4000, 6000)
    seconds = median_seconds(lambda: tradeoff_curve(delays, 20_000, 1), repeat=3)
    out.append(Row("hedging", "trade-off curve, 12 delays x 20,000 requests + exact",
                   seconds, "s"))
    logged = np.random.default_rng(2).lognormal(np.log(500.0), 0.8, N)

    def plan_from_log() -> None:
        prof = empirical_profile(logged)
        exact_tradeoff_curve(prof, log_delays(prof))

    seconds = median_seconds(plan_from_log, repeat=5)
    out.append(Row("hedging", "empirical_profile + exact trade-off curve (12 delays), "
                              "10^6 logged requests", seconds, "s", 0.5))
    prof = empirical_profile(logged)
    seconds = median_seconds(lambda: recommend_delay(prof, target_ms=1500.0), repeat=5)
    out.append(Row("hedging", "recommend_delay for a P99 target, 10^6 logged requests",
                   seconds, "s"))
    return out


def change_widget(at: AppTest, i: int) -> None:
    """Switch the fan-out k back and forth (both views stay cached)."""
    at.slider(key="k").set_value(20 if i % 2 == 0 else 10)
