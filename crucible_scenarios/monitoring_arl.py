"""The import path ``crucible_scenarios.monitoring_arl``, kept for existing code; the code lives in
:mod:`crucible_scenarios.monitoring.arl`."""

from crucible_scenarios.monitoring.arl import (
    ARL_DETECTORS,
    DEFAULT_MAX_STEPS,
    EWMA_LIMITS,
    ARLResult,
    average_run_length,
    ewma_limit_factor,
    siegmund_arl,
)

__all__ = [
    "ARL_DETECTORS",
    "DEFAULT_MAX_STEPS",
    "EWMA_LIMITS",
    "ARLResult",
    "average_run_length",
    "ewma_limit_factor",
    "siegmund_arl",
]
