"""Planning a hedge from a log: the empirical profile against closed forms for Exp(1),
the recommendation against its budget and target, the independence check on logs built
with and without slow runs, percentile intervals against the binomial, and the exported
policies against their systems' rules."""

from __future__ import annotations

import json
import math
import re
import socket

import numpy as np
import pytest
from scipy import stats

from crucible_mock.latency import SUPPORT, LatencyDistribution
from crucible_scenarios import hedging
from crucible_scenarios.hedging import (
    EXPORT_SYSTEMS,
    empirical_profile,
    exact_tradeoff_curve,
    export_notes,
    export_policy,
    hedged_latency_quantile,
    independence_check,
    quantile_interval,
    recommend_delay,
)
from crucible_scenarios.hedging.export import MAX_DURATION_MS

D95 = math.log(20.0)  # the P95 of Exp(1)


@pytest.fixture(scope="module")
def exp_profile() -> hedging.EmpiricalProfile:
    return empirical_profile(np.random.default_rng(2026).exponential(1.0, 10**6))


def test_exp1_closed_forms() -> None:
    # S_T(t) = S(t) S(t - d) = 20 e^{-2t} for t > d = ln 20: P99 and P99.9 in closed form.
    assert -math.log(0.01) == pytest.approx(4.6052, abs=1e-4)
    assert -math.log(0.001) == pytest.approx(6.908, abs=1e-3)
    assert math.log(20 / 0.01) / 2 == pytest.approx(3.8005, abs=1e-4)
    assert math.log(20 / 0.001) / 2 == pytest.approx(4.952, abs=1e-3)


def test_empirical_exp1_reproduces_the_reference_values(exp_profile) -> None:
    assert isinstance(exp_profile, LatencyDistribution)
    assert exp_profile.quantile(0.99) == pytest.approx(4.6052, rel=0.01)
    assert exp_profile.quantile(0.999) == pytest.approx(6.908, rel=0.01)
    assert hedged_latency_quantile(exp_profile, D95, 0.99) == pytest.approx(3.8005, rel=0.01)
    assert hedged_latency_quantile(exp_profile, D95, 0.999) == pytest.approx(4.952, rel=0.01)
    assert float(exp_profile.sf(D95)) == pytest.approx(0.05, rel=0.01)
    d99 = exp_profile.quantile(0.99)
    assert hedged_latency_quantile(exp_profile, d99, 0.99) == pytest.approx(d99, rel=1e-6)


def test_recommendation_at_a_5pct_budget_is_the_p95_hedge(exp_profile) -> None:
    rec = recommend_delay(exp_profile, budget=0.05)
    assert rec.delay_ms == pytest.approx(D95, rel=0.01)
    assert rec.extra_requests <= 0.05
    assert rec.p99_ms == pytest.approx(3.8005, rel=0.01)
    assert rec.p999_ms == pytest.approx(4.952, rel=0.01)
    assert rec.baseline_p99_ms == pytest.approx(4.6052, rel=0.01)


def test_empirical_cdf_sf_quantile_agree() -> None:
    prof = empirical_profile([3.0, 1.0, 2.0, 2.0])
    assert prof.cdf(2.0) == 0.75 and prof.sf(2.0) == 0.25 and prof.cdf(0.5) == 0.0
    assert [prof.quantile(q) for q in (0.1, 0.25, 0.26, 0.75, 0.76)] == [1, 1, 2, 2, 3]
    draws = prof.sample(1000, np.random.default_rng(0))
    assert set(np.unique(draws)) <= {1.0, 2.0, 3.0}


def test_empirical_profile_runs_through_the_unchanged_scenarios() -> None:
    prof = empirical_profile(SUPPORT.sample(20_000, np.random.default_rng(1)))
    result = hedging.simulate("fixed", 5000, 3, profile=prof, delay_ms=2000.0)
    assert set(np.unique(result.primary_ms)) <= set(prof.sorted_ms)
    curve = hedging.tradeoff_curve([1000.0, 2000.0], 20_000, 1, profile=prof)
    assert (curve["p99_ms"] / curve["exact_p99_ms"]).between(0.85, 1.15).all()
    assert hedging.fanout_latency_quantile(prof, 10, 0.5) >= prof.quantile(0.5)
    assert not hedging.fanout_curve([1, 5], profile=prof, delay_ms=1500.0).empty
    hedging.simulate_fanout(5, 200, 1, profile=prof, delay_ms=1500.0)
    with pytest.raises(ValueError, match="slow_fraction"):
        hedging.resolve_profile(prof, 0.2)


def test_exact_curve_matches_the_slow_one() -> None:
    prof = empirical_profile(SUPPORT.sample(5000, np.random.default_rng(4)))
    fast = exact_tradeoff_curve(prof, [800.0, 2000.0])
    slow = hedging.tradeoff_curve([800.0, 2000.0], 100, 1, profile=prof)
    for col in ("exact_p99_ms", "exact_p999_ms", "exact_extra_requests_pct"):
        np.testing.assert_allclose(fast[col], slow[col])


@pytest.mark.parametrize("budget", [0.02, 0.05, 0.10])
def test_recommend_delay_meets_its_budget_on_the_mock(budget: float) -> None:
    rec = recommend_delay(SUPPORT, budget=budget)
    assert rec.extra_requests == pytest.approx(budget, rel=1e-6)
    n = 200_000
    result = hedging.simulate("fixed", n, 7, profile=SUPPORT, delay_ms=rec.delay_ms)
    hedged = int(result.hedged.sum())
    # a 99.9% binomial interval around the budget holds the simulated hedge count
    low, high = stats.binom.interval(0.999, n, budget)
    assert low <= hedged <= high
    sim_p99 = float(np.quantile(result.final_ms, 0.99))
    assert sim_p99 == pytest.approx(rec.p99_ms, rel=0.03)


def test_recommend_delay_for_a_target() -> None:
    rec = recommend_delay(SUPPORT, target_ms=3000.0)
    assert rec.feasible and rec.p99_ms <= 3000.0 + 1e-6
    assert hedged_latency_quantile(SUPPORT, rec.delay_ms * 1.01, 0.99) > 3000.0
    none_needed = recommend_delay(SUPPORT, target_ms=6000.0)
    assert none_needed.delay_ms == math.inf and none_needed.extra_requests == 0.0
    impossible = recommend_delay(SUPPORT, target_ms=10.0)
    assert not impossible.feasible and "target" in impossible.reason
    clash = recommend_delay(SUPPORT, target_ms=2000.0, budget=0.01)
    assert not clash.feasible and "budget" in clash.reason
    with pytest.raises(ValueError, match="budget"):
        recommend_delay(SUPPORT, budget=5.0)


def test_independence_check_passes_iid_and_flags_slow_runs() -> None:
    rng = np.random.default_rng(12)
    iid = SUPPORT.sample(5000, rng)
    check = independence_check(iid)
    assert check.independent
    assert check.interval[0] < 0 < check.interval[1]
    assert check.slow_after_slow_ratio == pytest.approx(1.0, abs=0.3)
    # slow runs: the service is degraded in bursts of 50 requests, 10% of the time
    degraded = np.repeat(rng.random(100) < 0.1, 50)
    runs = np.where(degraded, iid * 8, iid)
    flagged = independence_check(runs)
    assert not flagged.independent
    assert flagged.lag1_autocorrelation > 0.1 and flagged.slow_after_slow_ratio > 2
    assert "likely slow too" in flagged.message()


def test_independence_false_alarms_stay_near_alpha() -> None:
    alarms = sum(not independence_check(SUPPORT.sample(2000, np.random.default_rng(s)))
                 .independent for s in range(100))
    assert alarms <= 12  # two tests at 5% each: about 5-10 in 100 i.i.d. logs


def test_lag1_matches_a_hand_computation() -> None:
    x = np.log(np.random.default_rng(5).lognormal(0, 1, 400))
    d = x - x.mean()
    expected = float((d[:-1] * d[1:]).sum() / (d * d).sum())
    check = independence_check(np.exp(x))
    assert check.lag1_autocorrelation == pytest.approx(expected)
    half = 1.959964 / math.sqrt(400)  # Bartlett at lag 1
    assert check.interval[1] - check.interval[0] == pytest.approx(2 * half, rel=1e-3)


def test_quantile_interval_is_the_binomial_order_statistic_interval() -> None:
    values = np.arange(1.0, 1001.0)
    est = quantile_interval(values, 0.99)
    lo = int(stats.binom.ppf(0.025, 1000, 0.99))
    hi = int(stats.binom.ppf(0.975, 1000, 0.99)) + 1
    assert (est.value_ms, est.low_ms, est.high_ms) == (990.0, float(lo), float(hi))
    coverage = stats.binom.cdf(hi - 1, 1000, 0.99) - stats.binom.cdf(lo - 1, 1000, 0.99)
    assert coverage >= 0.95
    small = quantile_interval(values[:150], 0.999)
    assert not small.measurable


#: The JSON names of every field of the messages the export uses, from gRPC's
#: src/proto/grpc/service_config/service_config.proto (ServiceConfig, MethodConfig,
#: MethodConfig.Name, MethodConfig.HedgingPolicy, ServiceConfig.RetryThrottlingPolicy).
SERVICE_CONFIG_FIELDS = {"loadBalancingPolicy", "loadBalancingConfig", "methodConfig",
                         "retryThrottling", "healthCheckConfig"}
METHOD_CONFIG_FIELDS = {"name", "waitForReady", "timeout", "maxRequestMessageBytes",
                        "maxResponseMessageBytes", "retryPolicy", "hedgingPolicy"}
NAME_FIELDS = {"service", "method"}
HEDGING_FIELDS = {"maxAttempts", "hedgingDelay", "nonFatalStatusCodes"}
THROTTLING_FIELDS = {"maxTokens", "tokenRatio"}
#: google/rpc/code.proto
RPC_CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
             "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "UNAUTHENTICATED",
             "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
             "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"}


@pytest.mark.parametrize(("delay", "hedges", "duration"),
                         [(1000.0, 1, "1s"), (250.0, 2, "0.25s"), (37.5, 4, "0.0375s")])
def test_grpc_export_is_json_of_the_service_config_schema(delay: float, hedges: int,
                                                          duration: str) -> None:
    snippet = export_policy(delay, max_hedges=hedges, budget=0.05, system="grpc",
                            service="pkg.Chat")
    config = json.loads(snippet)  # the whole text, as the copy button copies it
    assert set(config) <= SERVICE_CONFIG_FIELDS
    method = config["methodConfig"][0]
    assert set(method) <= METHOD_CONFIG_FIELDS and "retryPolicy" not in method
    assert all(set(name) <= NAME_FIELDS for name in method["name"])
    policy = method["hedgingPolicy"]
    assert set(policy) <= HEDGING_FIELDS
    assert 2 <= policy["maxAttempts"] <= 5 and policy["maxAttempts"] == 1 + hedges
    assert policy["hedgingDelay"] == duration
    assert re.fullmatch(r"\d+(\.\d{1,9})?s", policy["hedgingDelay"])
    assert set(policy["nonFatalStatusCodes"]) <= RPC_CODES
    throttle = config["retryThrottling"]
    assert set(throttle) <= THROTTLING_FIELDS
    assert 0 < throttle["maxTokens"] <= 1000 and throttle["tokenRatio"] > 0
    assert round(throttle["tokenRatio"], 3) == throttle["tokenRatio"]
    notes = " ".join(export_notes(delay, max_hedges=hedges, budget=0.05, system="grpc"))
    assert "Cannot express" in notes and "Go except hedging" in notes
    assert "C-Core except hedging" in notes and "non-fatal" in notes


def test_grpcio_accepts_the_exported_service_config() -> None:
    grpc = pytest.importorskip("grpc")
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = export_policy(250.0, max_hedges=2, system="grpc")

    def status(service_config: str) -> object:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[
            ("grpc.service_config", service_config), ("grpc.enable_retries", 1)])
        try:
            channel.unary_unary("/pkg.Chat/Complete")(b"", timeout=2)
        except grpc.RpcError as error:
            return error.code()
        finally:
            channel.close()
        return None

    # grpcio parses it: the call fails only because nothing listens on the port
    assert status(config) == grpc.StatusCode.UNAVAILABLE
    # the check can fail: a config with comment lines is refused by grpcio's parser
    assert status("// a comment\n" + config) == grpc.StatusCode.INVALID_ARGUMENT


def test_exports_refuse_what_their_targets_refuse() -> None:
    for system in EXPORT_SYSTEMS:
        with pytest.raises(ValueError, match="delay_ms"):
            export_policy(0.0, system=system)  # gRPC and Polly: every attempt at once
        with pytest.raises(ValueError, match="Duration"):
            export_policy(MAX_DURATION_MS * 2, system=system)
    with pytest.raises(ValueError, match="maxExtraLoad"):
        export_policy(250.0, budget=1.0, system="finagle")
    with pytest.raises(ValueError, match="Int"):
        export_policy(3e9, system="finagle")
    assert "maxExtraLoad = 0.999" in export_policy(250.0, budget=0.999, system="finagle")


def test_polly_snippet_compiles_as_written() -> None:
    # Against Polly v8's documented API: HedgingStrategyOptions<T> with MaxHedgedAttempts
    # (int) and Delay (TimeSpan); TimeSpan is System's, HttpResponseMessage
    # System.Net.Http's, and a C# double literal has no exponent-less loss.
    polly = export_policy(1234567.0, max_hedges=3, system="polly")
    for using in ("using System;", "using System.Net.Http;", "using Polly;",
                  "using Polly.Hedging;"):
        assert using in polly
    assert "Delay = TimeSpan.FromMilliseconds(1234567)," in polly
    assert "FromMilliseconds(0.25)" in export_policy(0.25, system="polly")
    assert "e+" not in polly and "MaxHedgedAttempts = 3," in polly


def test_envoy_hedges_at_the_timeout_plus_at_most_a_millisecond() -> None:
    envoy = export_policy(250.0, max_hedges=1, system="envoy")
    assert "retry_back_off:\n      base_interval: 0.001s\n      max_interval: 0.001s" in envoy
    assert "per_try_timeout: 0.25s" in envoy


def test_grpc_refuses_more_than_four_hedges() -> None:
    with pytest.raises(ValueError, match="maxAttempts"):
        export_policy(100.0, max_hedges=5, budget=None, system="grpc")


def test_other_exports_state_their_settings_and_limits() -> None:
    envoy = export_policy(250.0, max_hedges=1, budget=0.05, system="envoy")
    assert "per_try_timeout: 0.25s" in envoy and "hedge_on_per_try_timeout: true" in envoy
    assert "budget_percent: {value: 5}" in envoy and "Cannot express" in envoy
    finagle = export_policy(250.0, max_hedges=1, budget=0.05, system="finagle")
    assert "idempotent(maxExtraLoad = 0.05, minSendBackupAfterMs = 250)" in finagle
    assert "P95" in finagle
    polly = export_policy(250.0, max_hedges=2, budget=None, system="polly")
    assert "MaxHedgedAttempts = 2" in polly and "FromMilliseconds(250)" in polly
    for system in EXPORT_SYSTEMS:
        text = "\n".join(export_notes(900.0, max_hedges=1, budget=0.1, system=system))
        assert "Cannot express" in text
    with pytest.raises(ValueError, match="system"):
        export_policy(100.0, max_hedges=1, budget=None, system="nginx")
