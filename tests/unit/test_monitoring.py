"""Production monitoring library: detectors against closed forms, scipy/statsmodels and
the published CUSUM run lengths (Montgomery, Table 9.3), with a Brook-Evans Markov chain
as an independent reference for the simulated ARL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from crucible_scenarios.monitoring import (
    Degradation,
    MonitorConfig,
    alert_log,
    average_run_length,
    baseline_band,
    baseline_wilson,
    cost_drift,
    cusum,
    ewma,
    generate_history,
    iter_live,
    latency_drift,
    proportion_test,
    recommend,
    run_all,
    siegmund_arl,
    standardize,
)


def brook_evans_arl(k: float, h: float, shift: float, m: int = 400) -> float:
    """One-sided (upper) tabular CUSUM ARL from the Brook & Evans (1972) Markov chain:
    [0, h] cut into m states of width 2h / (2m - 1), state 0 being C = 0."""
    w = 2.0 * h / (2 * m - 1)
    centers = np.arange(m) * w
    upper_edges = (np.arange(m) + 0.5) * w
    # P(i -> j) = P(C' in cell j | C = c_i), C' = max(0, c_i + X - k), X ~ N(shift, 1)
    cdf = stats.norm.cdf(upper_edges[None, :] - centers[:, None] + k - shift)
    trans = np.diff(np.column_stack([np.zeros(m), cdf]), axis=1)
    arl = np.linalg.solve(np.eye(m) - trans, np.ones(m))
    return float(arl[0])


def two_sided_chain(k: float, h: float, shift: float) -> float:
    """Two-sided ARL from the one-sided chains: 1/ARL = 1/ARL+ + 1/ARL-."""
    return 1.0 / (1.0 / brook_evans_arl(k, h, shift) + 1.0 / brook_evans_arl(k, h, -shift))


# --- average run length -------------------------------------------------------------------


def test_markov_chain_reproduces_montgomery_table() -> None:
    # Montgomery, Introduction to SQC, Table 9.3 (k = 1/2, h = 4): 168 in control, 8.38
    assert two_sided_chain(0.5, 4.0, 0.0) == pytest.approx(168, rel=0.01)
    assert two_sided_chain(0.5, 4.0, 1.0) == pytest.approx(8.38, rel=0.01)
    assert two_sided_chain(0.5, 5.0, 0.0) == pytest.approx(465, rel=0.01)
    assert siegmund_arl(0.5, 4.0, 0.0) == pytest.approx(168, rel=0.02)
    assert siegmund_arl(0.5, 4.0, 1.0) == pytest.approx(8.38, rel=0.02)


def test_two_sided_cusum_arl_matches_published_values() -> None:
    in_control = average_run_length("cusum", 0.0, 2000, 11, k=0.5, h=4.0)
    shifted = average_run_length("cusum", 1.0, 2000, 12, k=0.5, h=4.0)
    assert in_control.arl == pytest.approx(168, rel=0.10)
    assert shifted.arl == pytest.approx(8.38, rel=0.10)
    assert in_control.censored == 0 and shifted.censored == 0
    # and statistically consistent with the Markov chain (4 standard errors)
    assert abs(in_control.arl - two_sided_chain(0.5, 4.0, 0.0)) < 4 * in_control.standard_error
    assert abs(shifted.arl - two_sided_chain(0.5, 4.0, 1.0)) < 4 * shifted.standard_error


def test_one_sided_cusum_arl_is_about_twice_and_matches_chain() -> None:
    one = average_run_length("cusum", 0.0, 2000, 3, two_sided=False, k=0.5, h=4.0)
    chain = brook_evans_arl(0.5, 4.0, 0.0)
    assert chain == pytest.approx(2 * two_sided_chain(0.5, 4.0, 0.0), rel=0.02)
    assert abs(one.arl - chain) < 4 * one.standard_error
    up = average_run_length("cusum", 2.0, 2000, 4, two_sided=False, k=0.5, h=4.0)
    assert abs(up.arl - brook_evans_arl(0.5, 4.0, 2.0)) < 4 * up.standard_error


def test_proportion_arl_is_geometric() -> None:
    result = average_run_length("proportion", 0.0, 4000, 5, alpha=0.02)
    assert abs(result.arl - 50.0) < 4 * result.standard_error
    shifted = average_run_length("proportion", 2.0, 4000, 5, two_sided=False, alpha=0.02)
    power = stats.norm.sf(stats.norm.isf(0.02) - 2.0)
    assert abs(shifted.arl - 1 / power) < 4 * shifted.standard_error


def test_ewma_arl_close_to_published_value() -> None:
    # Lucas & Saccucci (1990): lambda 0.2, L 3 (asymptotic limits) ARL0 ~ 558; exact
    # time-varying limits signal a little earlier at the start, so slightly above 500
    result = average_run_length("ewma", 0.0, 2000, 6, lam=0.2, L=3.0)
    assert 480 < result.arl < 620
    shifted = average_run_length("ewma", 1.0, 2000, 7, lam=0.2, L=3.0)
    assert shifted.arl == pytest.approx(10.2, rel=0.12)  # Lucas & Saccucci: 10.2 at 1 sigma


def test_arl_censoring_and_validation() -> None:
    capped = average_run_length("cusum", 0.0, 50, 1, k=1.5, h=8.0, max_steps=300)
    assert capped.censored == 50 and capped.is_lower_bound and capped.arl == 300
    with pytest.raises(ValueError, match="detector"):
        average_run_length("shewhart", 0.0, 10, 1)
    with pytest.raises(ValueError, match="n_sims"):
        average_run_length("cusum", 0.0, 0, 1)
    with pytest.raises(ValueError, match="lam"):
        average_run_length("ewma", 0.0, 10, 1, lam=0.0)
    with pytest.raises(ValueError, match="h"):
        average_run_length("cusum", 0.0, 10, 1, h=-1.0)
    with pytest.raises(ValueError, match="not a parameter"):
        average_run_length("cusum", 0.0, 10, 1, lam=0.2)


# --- history --------------------------------------------------------------------------


def test_history_shape_seasonality_and_determinism() -> None:
    a = generate_history(seed=3)
    b = generate_history(seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(generate_history(seed=4))
    assert len(a) == 31 * 24 and (a["period"] == "today").sum() == 24
    assert (a["correct"] <= a["queries"]).all()
    assert a["latency_p50_ms"].lt(a["latency_p95_ms"]).mean() > 0.99
    by_hour = a.groupby("hour")["queries"].mean()
    assert by_hour[14] > 2 * by_hour[2]  # daily cycle
    weekend = a["timestamp"].dt.day_of_week >= 5
    assert a.loc[weekend, "queries"].mean() < 0.8 * a.loc[~weekend, "queries"].mean()
    base = a[a["period"] == "baseline"]
    pooled = base["correct"].sum() / base["queries"].sum()
    assert pooled == pytest.approx(0.92, abs=0.003)


def test_degradations_move_the_right_metric() -> None:
    drop = generate_history(seed=1, degradation=Degradation(0.80, start_hour=0))
    today = drop[drop["period"] == "today"]
    assert today["correct"].sum() / today["queries"].sum() == pytest.approx(0.80, abs=0.01)
    slow = generate_history(seed=1, degradation=Degradation(1.5, start_hour=0,
                                                            metric="latency"))
    base = generate_history(seed=1)
    ratio = slow["latency_p95_ms"].iloc[-24:].median() / base["latency_p95_ms"].iloc[-24:].median()
    assert ratio == pytest.approx(1.5, rel=0.15)
    ramp = generate_history(seed=1, degradation=Degradation(0.80, start_hour=0, kind="gradual",
                                                            ramp_hours=24))
    late = ramp.iloc[-6:]
    early = ramp.iloc[-24:-18]
    assert late["correct"].sum() / late["queries"].sum() < early["correct"].sum() / \
        early["queries"].sum()
    with pytest.raises(ValueError, match="start_hour"):
        Degradation(0.9, start_hour=24)
    with pytest.raises(ValueError, match="kind"):
        Degradation(0.9, kind="sudden")
    with pytest.raises(ValueError, match="days"):
        generate_history(days=1, seed=1)
    with pytest.raises(ValueError, match="seed"):
        generate_history(seed=-1)


# --- detectors against references ---------------------------------------------------------


def test_proportion_test_equals_statsmodels_and_scipy() -> None:
    history = generate_history(seed=2, degradation=Degradation(0.89, start_hour=6))
    result = proportion_test(history, window_hours=6, alpha=0.05)
    base = history[history["period"] == "baseline"]
    x0, n0 = int(base["correct"].sum()), int(base["queries"].sum())
    today = history[history["period"] == "today"].reset_index(drop=True)
    for i, row in result.trace.iterrows():
        chunk = today.iloc[6 * int(str(i)) : 6 * int(str(i)) + 6]
        x1, n1 = int(chunk["correct"].sum()), int(chunk["queries"].sum())
        z, p = proportions_ztest([x1, x0], [n1, n0], alternative="smaller")
        assert row["statistic"] == pytest.approx(-z, rel=1e-9)
        assert row["p_value"] == pytest.approx(p, rel=1e-9)
        exact = proportion_test(history, window_hours=6, method="exact").trace.iloc[int(str(i))]
        assert exact["p_value"] == pytest.approx(
            stats.binomtest(x1, n1, x0 / n0, alternative="less").pvalue, rel=1e-9)
    two = proportion_test(history, window_hours=6, two_sided=True)
    _, p_two = proportions_ztest([int(today["correct"][:6].sum()), x0],
                                 [int(today["queries"][:6].sum()), n0])
    assert two.trace["p_value"].iloc[0] == pytest.approx(p_two, rel=1e-9)
    assert result.alerts["time"].tolist() == result.trace.loc[
        result.trace["p_value"] < 0.05, "time"].tolist()


def test_baseline_band_is_wilson_acceptance_region() -> None:
    history = generate_history(seed=5)
    band = baseline_band(history)
    p0 = band["p0"].iloc[0]
    accuracy = history["accuracy"].to_numpy()
    outside = (accuracy < band["lower"]) | (accuracy > band["upper"])
    low, high = proportion_confint(history["correct"], history["queries"], alpha=0.05,
                                   method="wilson")
    wilson_excludes = (p0 < low) | (p0 > high)
    assert (outside.to_numpy() == wilson_excludes.to_numpy()).all()
    rate, lo, hi = baseline_wilson(history)
    assert lo < rate < hi and hi - lo < 0.005


def test_cusum_recursion_by_hand() -> None:
    history = generate_history(seed=8, degradation=Degradation(0.88, start_hour=4))
    result = cusum(history, k=0.5, h=4.0, two_sided=True)
    z = standardize(history)["z_bad"].to_numpy()
    cu = cl = 0.0
    for i, value in enumerate(z):
        cu, cl = max(0.0, cu + value - 0.5), max(0.0, cl - value - 0.5)
        assert result.trace["c_plus"].iloc[i] == pytest.approx(cu)
        assert result.trace["c_minus"].iloc[i] == pytest.approx(cl)
        fired = cu > 4 or cl > 4
        assert bool(result.trace["alarm"].iloc[i]) == fired
        if fired:
            cu = cl = 0.0
    assert len(result.alerts) >= 1 and (result.alerts["direction"] == "worse").all()


def test_ewma_limits_equal_closed_form() -> None:
    history = generate_history(seed=9)
    lam, L = 0.3, 2.7
    result = ewma(history, lam=lam, L=L, two_sided=True, scope="all")
    x = standardize(history, scope="all")["z_bad"].to_numpy()
    z, t = 0.0, 0
    for i, value in enumerate(x):
        t += 1
        z = lam * value + (1 - lam) * z
        limit = L * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
        assert result.trace["statistic"].iloc[i] == pytest.approx(z)
        assert result.trace["upper"].iloc[i] == pytest.approx(limit)
        assert result.trace["lower"].iloc[i] == pytest.approx(-limit)
        if abs(z) > limit:
            assert result.trace["alarm"].iloc[i]
            z, t = 0.0, 0


def test_standardized_values_are_standard_normal_in_control() -> None:
    zs = {m: [] for m in ("accuracy", "latency_p95_ms", "cost_per_query", "error_rate")}
    for seed in range(6):
        history = generate_history(seed=seed)
        for metric in zs:
            zs[metric].extend(standardize(history, metric, scope="all")["z"].tolist())
    for metric, values in zs.items():
        arr = np.asarray(values)
        assert abs(arr.mean()) < 0.08, metric
        assert arr.std() == pytest.approx(1.0, abs=0.08), metric


@pytest.mark.slow
def test_false_alarm_rate_matches_in_control_arl_over_many_seeds() -> None:
    arl = average_run_length("cusum", 0.0, 4000, 21, two_sided=False, k=0.5, h=4.0).arl
    hours = alarms = 0
    for seed in range(40):
        history = generate_history(seed=100 + seed)
        result = cusum(history, scope="all")
        hours += len(result.trace)
        alarms += len(result.alerts)
    expected = hours / arl
    # a renewal process restarting at zero: about hours / ARL alarms (Poisson spread)
    assert abs(alarms - expected) < 4 * np.sqrt(expected) + 0.1 * expected
    # and the z-test at alpha = 0.01 fires on about 1% of in-control hours
    fired = sum(len(proportion_test(generate_history(seed=s), alpha=0.01, scope="all").alerts)
                for s in range(200, 210))
    assert abs(fired - 0.01 * 7440) < 4 * np.sqrt(0.01 * 7440)


def test_drop_is_detected_within_predicted_delay_in_most_seeds() -> None:
    p0, n = 0.92, 400
    shift = 0.03 / np.sqrt(p0 * (1 - p0) / n)
    predicted = average_run_length("cusum", shift, 2000, 1, two_sided=False, k=0.5, h=4.0).arl
    within = 0
    seeds = range(30)
    for seed in seeds:
        history = generate_history(seed=seed, degradation=Degradation(0.89, start_hour=8))
        alerts = cusum(history).alerts
        after = alerts[alerts["time"] >= history["timestamp"].iloc[-24 + 8]]
        if len(after):
            delay = (after["time"].iloc[0] - history["timestamp"].iloc[-24 + 8]) / \
                pd.Timedelta(hours=1) + 1
            within += delay <= np.ceil(predicted)
    assert within >= 0.6 * len(seeds)


def test_latency_and_cost_drift() -> None:
    slow = generate_history(seed=4, degradation=Degradation(1.6, start_hour=2, metric="latency"))
    assert len(latency_drift(slow).alerts) >= 1
    pricey = generate_history(seed=4, degradation=Degradation(1.2, start_hour=2, metric="cost"))
    result = cost_drift(pricey, "ewma")
    assert len(result.alerts) >= 1 and result.metric == "cost_per_query"
    assert "cost per query" in result.alerts["reason"].iloc[0]


# --- recommendation and live ----------------------------------------------------------------


def test_recommend_retrain_on_drop_and_not_on_noise() -> None:
    history = generate_history(seed=1, degradation=Degradation(0.88, start_hour=4))
    alerts = alert_log(run_all(history))
    advice = recommend(alerts, history)
    assert advice.action == "retrain"
    assert advice.change_high < 0 and advice.accuracy_change == pytest.approx(-0.04, abs=0.01)
    assert len(advice.agreeing_detectors) >= 2
    calm = generate_history(seed=1)
    calm_advice = recommend(alert_log(run_all(calm)), calm)
    assert calm_advice.action in ("no action", "investigate")
    assert calm_advice.change_low < 0 < calm_advice.change_high
    none = recommend(alerts.iloc[0:0], calm)
    assert none.action == "no action"
    with pytest.raises(ValueError, match="alerts"):
        recommend(pd.DataFrame({"x": [1]}), calm)


def test_iter_live_builds_up_to_the_full_run() -> None:
    history = generate_history(seed=6, degradation=Degradation(0.89, start_hour=3))
    config = MonitorConfig(window_hours=1)
    frames = list(iter_live(history, config, step_hours=4))
    assert [f.hours_seen for f in frames] == [4, 8, 12, 16, 20, 24]
    full = alert_log(run_all(history, config))
    pd.testing.assert_frame_equal(frames[-1].alerts, full)
    counts = [len(f.alerts) for f in frames]
    assert counts == sorted(counts)


def test_window_sizes_and_scope() -> None:
    history = generate_history(seed=2)
    assert len(standardize(history, window_hours=6)) == 4
    assert len(standardize(history, window_hours=24)) == 1
    assert len(standardize(history, scope="all")) == 744
    with pytest.raises(ValueError, match="metric"):
        standardize(history, "throughput")
    with pytest.raises(ValueError, match="scope"):
        standardize(history, scope="week")


# --- argument checks (regressions) ----------------------------------------------------------


def test_siegmund_arl_is_continuous_where_the_drift_vanishes() -> None:
    # shift within 1e-9 of k must not cancel to 0 (one-sided) or divide by zero (two-sided).
    b2 = (4.0 + 1.166) ** 2
    assert siegmund_arl(0.5, 4.0, 0.5 + 1e-9, two_sided=False) == pytest.approx(b2, rel=1e-6)
    assert siegmund_arl(0.5, 4.0, 0.5 - 1e-11, two_sided=False) == pytest.approx(b2, rel=1e-6)
    assert siegmund_arl(3.7e-304, 1.0, 0.0) == pytest.approx(2.166**2 / 2, rel=1e-6)
    assert siegmund_arl(0.5, 4.0, -1000.0, two_sided=False) == float("inf")
    for bad in ({"k": -0.1}, {"h": 0.0}, {"shift": float("nan")}):
        args = {"k": 0.5, "h": 4.0, "shift": 0.0, **bad}
        with pytest.raises(ValueError, match=next(iter(bad))):
            siegmund_arl(args["k"], args["h"], args["shift"])


def test_ewma_limit_factor_rejects_smoothing_outside_the_unit_interval() -> None:
    from crucible_scenarios.monitoring_arl import ewma_limit_factor

    with pytest.raises(ValueError, match="lam"):  # not a ZeroDivisionError
        ewma_limit_factor(2.0, 3)
    with pytest.raises(ValueError, match="lam"):  # not a factor above 1
        ewma_limit_factor(3.0, 3)
    with pytest.raises(ValueError, match="t must"):
        ewma_limit_factor(0.2, np.array([1.0, np.nan]))


def test_baseline_interval_rejects_alpha_outside_the_unit_interval() -> None:
    history = generate_history(3, seed=0)
    for alpha in (2.0, float("nan"), 0.0):  # not a NaN interval
        with pytest.raises(ValueError, match="alpha"):
            baseline_wilson(history, alpha=alpha)
    with pytest.raises(ValueError, match="baseline_accuracy"):  # not an OverflowError
        generate_history(3, baseline_accuracy=10**400, seed=0)


def test_history_without_accuracy_is_named_not_a_key_error() -> None:
    history = generate_history(3, seed=0)
    bare = history[["timestamp", "period", "latency_p95_ms"]]
    alerts = alert_log(run_all(history))
    for call in (lambda: baseline_band(bare), lambda: baseline_wilson(bare),
                 lambda: recommend(alerts, bare),
                 lambda: standardize(history.assign(timestamp="monday")),
                 lambda: baseline_band("history.csv")):  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="history"):
            call()


def test_run_all_and_friends_name_their_bad_arguments() -> None:
    history = generate_history(3, seed=0)
    with pytest.raises(ValueError, match="metrics"):  # not skipped silently
        run_all(history, metrics=("accuracy", "throughput"))
    with pytest.raises(ValueError, match="config"):  # not an AttributeError
        latency_drift(history, "cusum", config={"k": 0.5})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="config"):
        cost_drift(history, "ewma", config="fast")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="results"):  # not an AttributeError
        alert_log([])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_hours"):  # not accepted
        recommend(alert_log(run_all(history)), history, min_hours=-1)
    # Without 'queries' the proportion test falls back to the accuracy column.
    no_queries = history.drop(columns=["queries"])
    assert len(proportion_test(no_queries).trace) == 24
