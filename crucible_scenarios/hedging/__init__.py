"""Request Hedging: send a backup request after a delay, keep the first answer.

- :mod:`.profiles`: the latency profile, delay and budget every computation checks;
- :mod:`.simulation`: the vectorised simulation of every strategy, its summary with
  paired bootstrap intervals, and trade-off curves;
- :mod:`.exact`: the hedged latency distribution and quantiles in closed form;
- :mod:`.fanout`: the tail of many parallel calls;
- :mod:`.plan`: empirical profiles of latency logs, the recommended delay, checks;
- :mod:`.export`: the policy as gRPC, Envoy, Finagle and Polly configuration.

Every public name is exported here, so ``from crucible_scenarios.hedging import ...``
works for each of them."""

from crucible_scenarios.hedging.exact import (
    expected_extra_requests,
    hedged_latency_quantile,
    hedged_sf,
)
from crucible_scenarios.hedging.export import (
    ENVOY_MAX_RETRIES,
    EXPORT_SYSTEMS,
    GRPC_MAX_ATTEMPTS,
    GRPC_MAX_TOKENS,
    GRPC_TOKEN_RATIO,
    POLLY_MAX_HEDGED_ATTEMPTS,
    duration_string,
    export_notes,
    export_policy,
)
from crucible_scenarios.hedging.fanout import (
    FanoutResult,
    fanout_curve,
    fanout_latency_quantile,
    simulate_fanout,
)
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
from crucible_scenarios.hedging.profiles import (
    DEFAULT_DELAY_MS,
    MAX_HEDGES,
    resolve_profile,
)
from crucible_scenarios.hedging.simulation import (
    ADAPTIVE_BATCH,
    ADAPTIVE_PERCENTILES,
    BUDGET_WINDOW,
    COST_MODEL,
    DEFAULT_LOAD_WEIGHT,
    DEFAULT_PERCENTILE,
    DEFAULT_SLO_MS,
    DEFAULT_WINDOW,
    MAX_FANOUT,
    MAX_REQUESTS,
    STRATEGIES,
    SUMMARY_QUANTILES,
    HedgingProgress,
    HedgingResult,
    HedgingSummary,
    apply_budget,
    compare_strategies,
    iter_simulate,
    simulate,
    summarize,
    tradeoff_curve,
)

__all__ = [
    "ADAPTIVE_BATCH",
    "ADAPTIVE_PERCENTILES",
    "BUDGET_WINDOW",
    "COST_MODEL",
    "DEFAULT_DELAY_MS",
    "DEFAULT_LOAD_WEIGHT",
    "DEFAULT_PERCENTILE",
    "DEFAULT_SLO_MS",
    "DEFAULT_WINDOW",
    "ENVOY_MAX_RETRIES",
    "EXPORT_SYSTEMS",
    "GRPC_MAX_ATTEMPTS",
    "GRPC_MAX_TOKENS",
    "GRPC_TOKEN_RATIO",
    "MAX_FANOUT",
    "MAX_HEDGES",
    "MAX_REQUESTS",
    "MIN_LATENCIES",
    "POLLY_MAX_HEDGED_ATTEMPTS",
    "SLOW_SHARE",
    "STRATEGIES",
    "SUMMARY_QUANTILES",
    "TARGET_STEPS",
    "EmpiricalProfile",
    "FanoutResult",
    "HedgingProgress",
    "HedgingResult",
    "HedgingSummary",
    "IndependenceCheck",
    "QuantileEstimate",
    "Recommendation",
    "apply_budget",
    "compare_strategies",
    "duration_string",
    "empirical_profile",
    "exact_tradeoff_curve",
    "expected_extra_requests",
    "export_notes",
    "export_policy",
    "fanout_curve",
    "fanout_latency_quantile",
    "hedged_latency_quantile",
    "hedged_sf",
    "independence_check",
    "iter_simulate",
    "log_delays",
    "quantile_interval",
    "recommend_delay",
    "resolve_profile",
    "simulate",
    "simulate_fanout",
    "summarize",
    "tradeoff_curve",
]
