"""Production Monitoring: hourly metrics against a baseline, and when they degrade.

- :mod:`.history`: the simulated thirty days and today's degradation;
- :mod:`.metrics`: the metrics a history carries and the checks of a history;
- :mod:`.detectors`: the proportion z-test, CUSUM, EWMA and Bernoulli CUSUM;
- :mod:`.arl`: average run lengths (false-alarm spacing and detection delay);
- :mod:`.bernoulli`: the Bernoulli CUSUM's increments, ARL chain and threshold;
- :mod:`.advice`: every detector on every metric, the alert log and the advice;
- :mod:`.requests`: per-request logs aggregated to hourly windows.

Every public name is exported here, so ``from crucible_scenarios.monitoring import ...``
works for each of them."""

from crucible_scenarios.monitoring.advice import (
    LiveFrame,
    MonitorConfig,
    Recommendation,
    alert_log,
    cost_drift,
    iter_live,
    latency_drift,
    recommend,
    run_all,
)
from crucible_scenarios.monitoring.arl import (
    ARL_DETECTORS,
    DEFAULT_MAX_STEPS,
    EWMA_LIMITS,
    ARLResult,
    average_run_length,
    ewma_limit_factor,
    siegmund_arl,
)
from crucible_scenarios.monitoring.bernoulli import (
    MARKOV_STATES,
    bernoulli_cusum_arl,
    bernoulli_cusum_increments,
    bernoulli_threshold,
)
from crucible_scenarios.monitoring.detectors import (
    ALERT_COLUMNS,
    DETECTOR_LABELS,
    DETECTORS,
    RATE_DETECTORS,
    SCOPES,
    WINDOWS,
    DetectorResult,
    baseline_band,
    baseline_wilson,
    bernoulli_cusum,
    cusum,
    ewma,
    proportion_test,
    standardize,
)
from crucible_scenarios.monitoring.history import (
    DEGRADATION_KINDS,
    DEGRADATION_METRICS,
    HISTORY_START,
    Degradation,
    generate_history,
)
from crucible_scenarios.monitoring.metrics import (
    HISTORY_COLUMNS,
    METRIC_LABELS,
    METRICS,
    available_metrics,
)
from crucible_scenarios.monitoring.requests import (
    REQUEST_COLUMNS,
    aggregate_requests,
)

__all__ = [
    "ALERT_COLUMNS",
    "ARL_DETECTORS",
    "DEFAULT_MAX_STEPS",
    "DEGRADATION_KINDS",
    "DEGRADATION_METRICS",
    "DETECTORS",
    "DETECTOR_LABELS",
    "EWMA_LIMITS",
    "HISTORY_COLUMNS",
    "HISTORY_START",
    "MARKOV_STATES",
    "METRICS",
    "METRIC_LABELS",
    "RATE_DETECTORS",
    "REQUEST_COLUMNS",
    "SCOPES",
    "WINDOWS",
    "ARLResult",
    "Degradation",
    "DetectorResult",
    "LiveFrame",
    "MonitorConfig",
    "Recommendation",
    "aggregate_requests",
    "alert_log",
    "available_metrics",
    "average_run_length",
    "baseline_band",
    "baseline_wilson",
    "bernoulli_cusum",
    "bernoulli_cusum_arl",
    "bernoulli_cusum_increments",
    "bernoulli_threshold",
    "cost_drift",
    "cusum",
    "ewma",
    "ewma_limit_factor",
    "generate_history",
    "iter_live",
    "latency_drift",
    "proportion_test",
    "recommend",
    "run_all",
    "siegmund_arl",
    "standardize",
]
