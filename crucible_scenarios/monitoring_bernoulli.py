"""The import path ``crucible_scenarios.monitoring_bernoulli``, kept for existing code;
the code lives in :mod:`crucible_scenarios.monitoring.bernoulli`."""

from crucible_scenarios.monitoring.bernoulli import (
    MARKOV_STATES,
    bernoulli_cusum_arl,
    bernoulli_cusum_increments,
    bernoulli_threshold,
)

__all__ = [
    "MARKOV_STATES",
    "bernoulli_cusum_arl",
    "bernoulli_cusum_increments",
    "bernoulli_threshold",
]
