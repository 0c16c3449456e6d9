"""The import path ``crucible_scenarios.hedging_plan``, kept for existing code; the code lives in
:mod:`crucible_scenarios.hedging.plan`."""

from crucible_scenarios.hedging.plan import (
    MIN_LATENCIES,
    SLOW_SHARE,
    TARGET_STEPS,
    EmpiricalProfile,
    IndependenceCheck,
    QuantileEstimate,
    Recommendation,
    empirical_profile,
    exact_tradeoff_curve,
    independence_check,
    log_delays,
    quantile_interval,
    recommend_delay,
)

__all__ = [
    "MIN_LATENCIES",
    "SLOW_SHARE",
    "TARGET_STEPS",
    "EmpiricalProfile",
    "IndependenceCheck",
    "QuantileEstimate",
    "Recommendation",
    "empirical_profile",
    "exact_tradeoff_curve",
    "independence_check",
    "log_delays",
    "quantile_interval",
    "recommend_delay",
]
