"""The import path ``crucible_scenarios.vote_scaling``, kept for existing code; the code lives in
:mod:`crucible_scenarios.ensemble.scaling`."""

from crucible_scenarios.ensemble.scaling import (
    MAX_K,
    SCALING_COLUMNS,
    item_success_shares,
    majority_probability,
    mixture_scaling,
    mock_success_probabilities,
    simulate_mock_voting,
    vote_scaling,
)

__all__ = [
    "MAX_K",
    "SCALING_COLUMNS",
    "item_success_shares",
    "majority_probability",
    "mixture_scaling",
    "mock_success_probabilities",
    "simulate_mock_voting",
    "vote_scaling",
]
