"""crucible_mock throughput: latency sampling and batched answering."""

from __future__ import annotations

import numpy as np

from bench.core import Row, median_seconds
from crucible_mock import MODELS, ask_many, get_profile
from crucible_mock.datasets import sample


def rows() -> list[Row]:
    profile = get_profile("support")
    n = 1_000_000
    sample_s = median_seconds(lambda: profile.sample(n, np.random.default_rng(0)), repeat=7)
    questions = sample("medical", 2000, np.random.default_rng(0))
    ask_s = median_seconds(
        lambda: ask_many(list(MODELS), questions, np.random.default_rng(1)), repeat=7)
    return [
        Row("mock", "LatencyProfile.sample, 10^6 draws", n / sample_s, "samples/s"),
        Row("mock", "ask_many, 2000 questions x 5 models", 10_000 / ask_s, "rows/s"),
    ]
