"""The import path ``crucible_scenarios.evals``, kept for existing code; the code lives in
:mod:`crucible_scenarios.stats.evals`."""

from crucible_scenarios.stats.evals import (
    AlignedRuns,
    ArrayLike,
    Estimate,
    McNemar,
    PairedDifference,
    VarianceComponents,
    align_runs,
    clt_se,
    clustered_se,
    mean_with_se,
    minimum_detectable_effect,
    paired_difference,
    questions_needed,
    variance_components,
)

__all__ = [
    "AlignedRuns",
    "ArrayLike",
    "Estimate",
    "McNemar",
    "PairedDifference",
    "VarianceComponents",
    "align_runs",
    "clt_se",
    "clustered_se",
    "mean_with_se",
    "minimum_detectable_effect",
    "paired_difference",
    "questions_needed",
    "variance_components",
]
