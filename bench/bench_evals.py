"""Eval-log comparison speed: paired_difference on 10^5 items, and the Stats Lab rerun
after a widget change with two uploaded Inspect logs (parse cached)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_scenarios.stats import paired_difference
from crucible_ui.registry import PROJECT_ROOT

N_ITEMS = 100_000
RERUNS = 20
LOGS = PROJECT_ROOT.parent / "shared" / "fixtures" / "evals" / "inspect_ai" / "log-sets_set"
OWN = PROJECT_ROOT / "tests" / "fixtures" / "evals" / "tiny_two_epochs.eval"


def _page_rerun(paths: list[Path]) -> float:
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "stats.py"), default_timeout=120)
    at.query_params["src"] = "eval logs"
    at.run()
    at.file_uploader(key="evals_upload").set_value(
        [(p.name, p.read_bytes(), "application/octet-stream") for p in paths])
    at.run()
    times = []
    for i in range(RERUNS):
        at.number_input(key="ev_delta").set_value(2.0 + i % 2)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    if at.exception:
        raise RuntimeError(f"page raised: {at.exception[0].value}")
    return statistics.median(times)


def rows() -> list[Row]:
    rng = np.random.default_rng(1)
    a = rng.binomial(1, 0.6, N_ITEMS).astype(float)
    b = np.where(rng.random(N_ITEMS) < 0.8, a, rng.binomial(1, 0.62, N_ITEMS)).astype(float)
    out = [Row("evals", "paired_difference, 10^5 items of 0/1 (with exact McNemar)",
               median_seconds(lambda: paired_difference(a, b), repeat=7), "s", 0.050)]
    c = rng.random(N_ITEMS)
    out.append(Row("evals", "paired_difference, 10^5 continuous items",
                   median_seconds(lambda: paired_difference(c, c + rng.normal(0, 0.1, N_ITEMS)),
                                  repeat=7), "s", 0.050))
    paths = sorted(LOGS.glob("*.eval"))[:2] if LOGS.is_dir() else [OWN, OWN]
    out.append(Row("evals", f"Stats Lab rerun after a widget change, two uploaded logs "
                            f"(cached parse), {RERUNS} reruns", _page_rerun(paths), "s", 0.100))
    return out
