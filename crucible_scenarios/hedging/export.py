"""A hedge as configuration text for the systems that send hedged requests.

Each snippet pastes and runs as it is. The YAML, Scala and C# snippets open with
comments that say what they do and what the target system cannot express of the plan (a
delay, a budget); gRPC's service config is JSON, which has no comments, so its notes come
apart, from :func:`export_notes`. Every exporter checks its inputs against the target's
own limits: a delay of 0 is refused (gRPC and Polly read it as "send every attempt at
once"), durations must fit protobuf's Duration (about 10,000 years), Finagle's extra load
must stay below 1.0 and its backup floor fit an Int.

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
#: Largest protobuf Duration (google/protobuf/duration.proto: 315,576,000,000 s), in ms.
MAX_DURATION_MS = 315_576_000_000 * 1000.0
#: Largest value of a JVM Int (Finagle's ``minSendBackupAfterMs``).
JVM_INT_MAX = 2**31 - 1
#: Envoy's smallest retry back-off base interval (must be > 0; 1 ms is the finest unit
#: the hedge plan uses).
ENVOY_BACK_OFF = "0.001s"


def duration_string(delay_ms: float) -> str:
    """A proto3 JSON Duration: seconds with up to 9 decimals and an ``s`` ("1s",
    "0.25s")."""
    seconds = f"{delay_ms / 1000.0:.9f}".rstrip("0").rstrip(".")
    return f"{seconds}s"


def _check(delay_ms: float, max_hedges: int, budget: float | None, system: str,
           service: str) -> tuple[str, float, int, float | None]:
    system = require_choice("system", system, EXPORT_SYSTEMS)
    delay = require_float("delay_ms", delay_ms, low=0.0, low_open=True)
    if not math.isfinite(delay) or delay > MAX_DURATION_MS:
        raise ValueError(f"delay_ms must be a finite duration of at most {MAX_DURATION_MS:,.0f} "
                         "ms (protobuf's Duration)")
    hedges = require_int("max_hedges", max_hedges, low=1, high=POLLY_MAX_HEDGED_ATTEMPTS)
    if budget is not None:
        budget = require_float("budget", budget, low=0.0, high=1.0, low_open=True)
    if not isinstance(service, str) or any(c in service for c in "\"\\\n\r"):
        raise ValueError("service must be a plain service name")
    if system == "grpc" and 1 + hedges > GRPC_MAX_ATTEMPTS:
        raise ValueError(f"gRPC hedging allows at most {GRPC_MAX_ATTEMPTS - 1} hedges "
                         f"(maxAttempts {GRPC_MAX_ATTEMPTS}, gRFC A6); got max_hedges "
                         f"{hedges}")
    if system == "finagle":
        if budget is not None and budget >= 1.0:
            raise ValueError("Finagle's maxExtraLoad must be below 1.0 "
                             "(BackupRequestFilter requires it); got budget 1.0")
        if round(delay) > JVM_INT_MAX:
            raise ValueError(f"Finagle's minSendBackupAfterMs is an Int: delay_ms must be "
                             f"at most {JVM_INT_MAX:,}")
    return system, delay, hedges, budget


def export_policy(delay_ms: float, *, max_hedges: int = 1, budget: float | None = None,
                  system: str = "grpc", service: str = "") -> str:
    """The snippet that configures ``system`` to hedge after ``delay_ms`` with up to
    ``max_hedges`` backups and, where it can, a cap of ``budget`` (a share of requests in
    (0, 1], below 1 for Finagle; None for none). ``service`` names the gRPC service (all
    services when empty). For gRPC it is the service config as JSON alone (its notes are
    :func:`export_notes`); the other snippets carry their notes as comments."""
    system, delay, hedges, budget = _check(delay_ms, max_hedges, budget, system, service)
    if system == "grpc":
        return _grpc(delay, hedges, service)
    if system == "envoy":
        return _envoy(delay, hedges, budget)
    if system == "finagle":
        return _finagle(delay, budget)
    return _polly(delay, hedges, budget)


def export_notes(delay_ms: float, *, max_hedges: int = 1, budget: float | None = None,
                 system: str = "grpc", service: str = "") -> tuple[str, ...]:
    """What the snippet of :func:`export_policy` does and cannot express, in plain
    sentences: for gRPC the notes shown beside its JSON, for the others the same text
    their comments carry."""
    system, delay, hedges, budget = _check(delay_ms, max_hedges, budget, system, service)
    if system != "grpc":
        snippet = export_policy(delay, max_hedges=hedges, budget=budget, system=system)
        marker = "#" if system == "envoy" else "//"
        return tuple(line.removeprefix(marker).strip() for line in snippet.splitlines()
                     if line.startswith(marker))
    notes = [
        f"gRPC service config (gRFC A6): the call is sent, then up to {hedges} hedged "
        f"cop{'y' if hedges == 1 else 'ies'} {duration_string(delay)} apart while no "
        "answer has come; the first answer wins and the others are cancelled.",
        "UNAVAILABLE from one attempt lets the others go on; any other error ends the "
        "call.",
        f"retryThrottling: each call that fails with a non-fatal status (UNAVAILABLE "
        f"here) costs 1 of {GRPC_MAX_TOKENS} tokens and each success returns "
        f"{GRPC_TOKEN_RATIO}; at half the tokens or fewer no hedges are sent. Other "
        "failures do not count.",
        "Only the Java, .NET (grpc-dotnet) and Node (grpc-js) clients hedge. gRPC-Go "
        "and the clients built on C-core (Python, C++, Ruby, PHP, Objective-C) accept "
        "hedgingPolicy and ignore it (gRFC A6: \"Go except hedging\", \"C-Core except "
        "hedging\"); those clients send one attempt.",
        "Pass it as the channel's service config (for example the "
        "grpc.service_config channel option, or the defaultServiceConfig of a Java "
        "ManagedChannelBuilder with retries enabled).",
    ]
    if budget is not None:
        notes.append(f"Cannot express: a cap of {budget:.1%} hedged requests. gRPC "
                     "throttles on failures, not on load; enforce the budget by the delay "
                     "itself (a later delay hedges fewer calls).")
    else:
        notes.append("Cannot express: a cap on the share of calls that hedge; the delay "
                     "alone sets the extra load.")
    return tuple(notes)


def _grpc(delay: float, hedges: int, service: str) -> str:
    config = {
        "methodConfig": [{
            "name": [{"service": service}] if service else [{}],
            "hedgingPolicy": {
                "maxAttempts": 1 + hedges,
                "hedgingDelay": duration_string(delay),
                "nonFatalStatusCodes": ["UNAVAILABLE"],
            },
        }],
        "retryThrottling": {"maxTokens": GRPC_MAX_TOKENS, "tokenRatio": GRPC_TOKEN_RATIO},
    }
    return json.dumps(config, indent=2) + "\n"


def _envoy(delay: float, hedges: int, budget: float | None) -> str:
    retries = min(hedges, ENVOY_MAX_RETRIES)
    timeout = duration_string(delay)
    lines = [
        f"# Envoy: each try gets a {timeout} per-try timeout; with hedge_on_per_try_timeout",
        "# the timed-out try is not cancelled: a new try is sent beside it and the first",
        f"# response wins (up to {retries} extra tr{'y' if retries == 1 else 'ies'}).",
        "# Envoy waits its retry back-off before each new try (jittered, 25 ms base by",
        f"# default); retry_back_off sets the base to {ENVOY_BACK_OFF}, so a hedge goes out",
        f"# between {timeout} and {timeout} + 1 ms after the try before it.",
        "# Cannot express: a hedge delay separate from the per-try timeout (they are one",
        "# setting), nor a budget as a share of requests: retry_budget caps concurrent",
        "# retries as a percentage of active requests, which is close but not the same.",
        "route:",
        "  cluster: llm_backend",
        "  retry_policy:",
        "    retry_on: \"5xx,reset,connect-failure\"",
        f"    num_retries: {retries}",
        f"    per_try_timeout: {timeout}",
        "    retry_back_off:",
        f"      base_interval: {ENVOY_BACK_OFF}",
        f"      max_interval: {ENVOY_BACK_OFF}",
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
        lines.insert(9, "# No budget was set: 20% is Envoy's default retry budget.")
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
        "using System;",
        "using System.Net.Http;",
        "using Polly;",
        "using Polly.Hedging;",
        "",
        "var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()",
        "    .AddHedging(new HedgingStrategyOptions<HttpResponseMessage>",
        "    {",
        f"        MaxHedgedAttempts = {hedges},",
        f"        Delay = TimeSpan.FromMilliseconds({_decimal(delay)}),",
        "    })",
        "    .Build();",
    ]
    return "\n".join(lines) + "\n"



def _decimal(value: float) -> str:
    """``value`` in plain decimal notation, as short as reads back the same double
    (C# reads 1234567 and 0.25, not 1.23457e+06)."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{value:.17f}".rstrip("0")
    return text.removesuffix(".0").rstrip(".")
