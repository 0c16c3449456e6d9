"""Statistical Comparison Lab: does model B truly beat model A?

- :mod:`.design`: kinds of outcome, alternatives, the checks every test applies;
- :mod:`.ab_test`: the test chosen for the design, effect sizes with intervals;
- :mod:`.power_analysis`: power, sample sizes and power curves;
- :mod:`.many`: more than two models at once;
- :mod:`.experiment`: the mock A/B experiment;
- :mod:`.evals`: the statistics of eval logs (standard errors, paired differences);
- :mod:`.reports`: Markdown, LaTeX, HTML and JSON reports.

Every public name is exported here, so ``from crucible_scenarios.stats import ...``
works for each of them."""

from crucible_scenarios.stats.ab_test import (
    Comparison,
    Effect,
    compare,
    mcnemar_exact,
    newcombe_paired_interval,
    rank_biserial,
)
from crucible_scenarios.stats.design import (
    ALTERNATIVES,
    CORRECTIONS,
    DEFAULT_MIN_EFFECT,
    KINDS,
    NORMALITY_ALPHA,
)
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
from crucible_scenarios.stats.experiment import (
    EXPERIMENT_COLUMNS,
    MAX_PROBLEMS,
    MODEL_A,
    MODEL_B,
    ExperimentModel,
    iter_experiment,
    run_experiment,
    running_accuracy,
)
from crucible_scenarios.stats.many import (
    ManyComparison,
    compare_many,
)
from crucible_scenarios.stats.power_analysis import (
    TARGET_POWER,
    power,
    power_curve,
    required_sample_size,
)
from crucible_scenarios.stats.reports import (
    FORMATS,
    escape_latex,
    escape_markdown,
    eval_report,
    eval_report_fields,
    report,
    report_fields,
    reproducibility_line,
    source_fields,
    versions,
)

__all__ = [
    "ALTERNATIVES",
    "CORRECTIONS",
    "DEFAULT_MIN_EFFECT",
    "EXPERIMENT_COLUMNS",
    "FORMATS",
    "KINDS",
    "MAX_PROBLEMS",
    "MODEL_A",
    "MODEL_B",
    "NORMALITY_ALPHA",
    "TARGET_POWER",
    "AlignedRuns",
    "ArrayLike",
    "Comparison",
    "Effect",
    "Estimate",
    "ExperimentModel",
    "ManyComparison",
    "McNemar",
    "PairedDifference",
    "VarianceComponents",
    "align_runs",
    "clt_se",
    "clustered_se",
    "compare",
    "compare_many",
    "escape_latex",
    "escape_markdown",
    "eval_report",
    "eval_report_fields",
    "iter_experiment",
    "mcnemar_exact",
    "mean_with_se",
    "minimum_detectable_effect",
    "newcombe_paired_interval",
    "paired_difference",
    "power",
    "power_curve",
    "questions_needed",
    "rank_biserial",
    "report",
    "report_fields",
    "reproducibility_line",
    "required_sample_size",
    "run_experiment",
    "running_accuracy",
    "source_fields",
    "variance_components",
    "versions",
]
