"""A hedge as configuration text for the systems that send hedged requests.

Each snippet opens with comments that say what it does and what the target system cannot
express of the plan (a delay, a budget). For JSON (gRPC's service config) the comments
are lines of their own before the JSON, so everything after them parses as JSON.

Sources: gRPC "Client Retries" design, gRFC A6 (``hedgingPolicy``: ``maxAttempts``
including the original, at most 5; ``hedgingDelay`` a proto3 JSON Duration;
``nonFatalStatusCodes``; ``retryThrottling`` with ``maxTokens`` in (0, 1000] and
``tokenRatio`` > 0 with up to 3 decimals); Envoy's ``config.route.v3.HedgePolicy``
(``hedge_on_per_try_timeout``) with ``RetryPolicy.per_try_timeout`` and the cluster's
``circuit_breakers.thresholds.retry_budget``; Finagle's ``MethodBuilder.idempotent(
maxExtraLoad)``; Polly v8's ``HedgingStrategyOptions`` (``MaxHedgedAttempts`` 1-10,
``Delay``).
"""

from __future__ import annotations

import json
import math

from crucible_scenarios.validation import require_choice, require_float, require_int

EXPORT_SYSTEMS: tuple[str, ...] = ("grpc", "envoy", "finagle", "polly")
#: gRFC A6: values of maxAttempts above 5 are treated as 5.
GRPC_MAX_ATTEMPTS = 5
GRPC_MAX_TOKENS = 10
GRPC_TOKEN_RATIO = 0.1
POLLY_MAX_HEDGED_ATTEMPTS = 10
ENVOY_MAX_RETRIES = 10


def duration_string(delay_ms: float) -> str:
    """A proto3 JSON Duration: seconds with up to 9 decimals and an ``s`` ("1s",
    "0.25s")."""
    seconds = f"{delay_ms / 1000.0:.9f}".rstrip("0").rstrip(".")
    return f"{seconds}s"


def export_policy(delay_ms: float, *, max_hedges: int = 1, budget: float | None = None,
                  system: str = "grpc", service: str = "") -> str:
    """The snippet that configures ``system`` to hedge after ``delay_ms`` with up to
    ``max_hedges`` backups and, where it can, a cap of ``budget`` (a share of requests in
    (0, 1], None for none). ``service`` names the gRPC service (all services when
    empty)."""
    system = require_choice("system", system, EXPORT_SYSTEMS)
    delay = require_float("delay_ms", delay_ms, low=0.0, low_open=True)
    if not math.isfinite(delay):
        raise ValueError("delay_ms must be finite")
    hedges = require_int("max_hedges", max_hedges, low=1, high=POLLY_MAX_HEDGED_ATTEMPTS)
    if budget is not None:
        budget = require_float("budget", budget, low=0.0, high=1.0, low_open=True)
    if not isinstance(service, str) or any(c in service for c in "\"\\\n\r"):
        raise ValueError("service must be a plain service name")
    if system == "grpc":
        return _grpc(delay, hedges, budget, service)
    if system == "envoy":
        return _envoy(delay, hedges, budget)
    if system == "finagle":
        return _finagle(delay, budget)
    return _polly(delay, hedges, budget)


def _grpc(delay: float, hedges: int, budget: float | None, service: str) -> str:
    attempts = 1 + hedges
    if attempts > GRPC_MAX_ATTEMPTS:
        raise ValueError(f"gRPC hedging allows at most {GRPC_MAX_ATTEMPTS - 1} hedges "
                         f"(maxAttempts {GRPC_MAX_ATTEMPTS}, gRFC A6); got max_hedges "
                         f"{hedges}")
    config = {
        "methodConfig": [{
            "name": [{"service": service}] if service else [{}],
            "hedgingPolicy": {
                "maxAttempts": attempts,
                "hedgingDelay": duration_string(delay),
                "nonFatalStatusCodes": ["UNAVAILABLE"],
            },
        }],
        "retryThrottling": {"maxTokens": GRPC_MAX_TOKENS, "tokenRatio": GRPC_TOKEN_RATIO},
    }
    comments = [
        f"// gRPC service config (gRFC A6): send the call, then up to {hedges} hedged "
        f"cop{'y' if hedges == 1 else 'ies'}",
        f"// {duration_string(delay)} apart while no answer has come; the first answer "
        "wins and the others are cancelled.",
        "// UNAVAILABLE from one attempt lets the others go on; any other error ends "
        "the call.",
        f"// retryThrottling: each failed call costs 1 of {GRPC_MAX_TOKENS} tokens, each "
        f"success returns {GRPC_TOKEN_RATIO};",
        "// at half the tokens or fewer no hedges are sent (failures above about 1 in 10 "
        "calls).",
    ]
    if budget is not None:
        comments.append(f"// Cannot express: a cap of {budget:.1%} hedged requests. gRPC "
                        "throttles on failures, not on load; enforce the budget")
        comments.append("// by the delay itself (a later delay hedges fewer calls).")
    else:
        comments.append("// Cannot express: a cap on the share of calls that hedge; the "
                        "delay alone sets the extra load.")
    comments.append("// Lines starting with // are comments: remove them before use, "
                    "the rest is JSON.")
    return "\n".join(comments) + "\n" + json.dumps(config, indent=2) + "\n"


def _envoy(delay: float, hedges: int, budget: float | None) -> str:
    retries = min(hedges, ENVOY_MAX_RETRIES)
    timeout = duration_string(delay)
    lines = [
        f"# Envoy: each try gets a {timeout} per-try timeout; with hedge_on_per_try_timeout",
        "# the timed-out try is not cancelled: a new try is sent beside it and the first",
        f"# response wins (up to {retries} extra tr{'y' if retries == 1 else 'ies'}).",
        "# Cannot express: a hedge delay separate from the per-try timeout (they are one",
        "# setting), nor a budget as a share of requests: retry_budget caps concurrent",
        "# retries as a percentage of active requests, which is close but not the same.",
        "route:",
        "  cluster: llm_backend",
        "  retry_policy:",
        "    retry_on: \"5xx,reset,connect-failure\"",
        f"    num_retries: {retries}",
        f"    per_try_timeout: {timeout}",
        "  hedge_policy:",
        "    hedge_on_per_try_timeout: true",
        "# and on the cluster llm_backend:",
        "circuit_breakers:",
        "  thresholds:",
        "  - priority: DEFAULT",
        "    retry_budget:",
    ]
    percent = 100.0 * budget if budget is not None else 20.0
    lines.append(f"      budget_percent: {{value: {percent:.4g}}}")
    lines.append("      min_retry_concurrency: 3")
    if budget is None:
        lines.insert(6, "# No budget was set: 20% is Envoy's default retry budget.")
    return "\n".join(lines) + "\n"


def _finagle(delay: float, budget: float | None) -> str:
    load = budget if budget is not None else 0.01
    floor_ms = max(1, round(delay))
    return "\n".join([
        "// Finagle (Scala): idempotent(maxExtraLoad) sends one backup request when a",
        "// call is slower than the (1 - maxExtraLoad) percentile of its recent latencies,",
        f"// here the P{100 * (1 - load):.4g}, and marks the method safe to retry;",
        f"// minSendBackupAfterMs keeps backups from going out before {floor_ms:,} ms.",
        f"// Cannot express: the {delay:,.0f} ms delay itself (Finagle chooses its own",
        "// percentile from the latencies it observes; the planned delay is only a floor),",
        "// nor more than one backup. Drop minSendBackupAfterMs where your version lacks it.",
        "import com.twitter.finagle.Http",
        "",
        "val client = Http.client",
        "  .methodBuilder(\"inet!llm-backend:443\")",
        f"  .idempotent(maxExtraLoad = {load:.4g}, minSendBackupAfterMs = {floor_ms})",
        "  .newService(\"completions\")",
    ]) + "\n"


def _polly(delay: float, hedges: int, budget: float | None) -> str:
    lines = [
        "// Polly v8 (.NET): a hedging strategy that starts another attempt every",
        f"// {delay:,.0f} ms while none has answered, up to {hedges} hedged "
        f"attempt{'' if hedges == 1 else 's'}; the first answer",
        "// wins and the others are cancelled.",
        "// Cannot express: a budget on the share of hedged requests "
        + (f"({budget:.1%}); " if budget is not None else "; ")
        + "add a rate limiter",
        "// in front of the hedged attempts for one.",
        "using Polly;",
        "using Polly.Hedging;",
        "",
        "var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()",
        "    .AddHedging(new HedgingStrategyOptions<HttpResponseMessage>",
        "    {",
        f"        MaxHedgedAttempts = {hedges},",
        f"        Delay = TimeSpan.FromMilliseconds({delay:.6g}),",
        "    })",
        "    .Build();",
    ]
    return "\n".join(lines) + "\n"
