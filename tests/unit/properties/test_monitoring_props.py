"""Properties of production monitoring (``monitoring``, ``monitoring_arl``): on random
simulated histories every detector, the baseline band and interval, the alert log, the
advice and the live replay keep their documented invariants and agree with independent
references (statsmodels, scipy, closed forms); bad arguments raise ``ValueError`` naming
them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from crucible_scenarios import monitoring, monitoring_arl
from crucible_scenarios.monitoring import (
    ALERT_COLUMNS,
    DETECTORS,
    METRICS,
    SCOPES,
    Degradation,
    MonitorConfig,
    alert_log,
    available_metrics,
    baseline_band,
    baseline_wilson,
    cost_drift,
    generate_history,
    iter_live,
    latency_drift,
    proportion_test,
    recommend,
    run_all,
    standardize,
)
from crucible_scenarios.monitoring_arl import average_run_length, ewma_limit_factor, siegmund_arl
from tests.unit.properties import exercises

FAST = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEDIUM = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**32 - 1)
bad_floats = st.sampled_from([math.nan, math.inf, -math.inf])


@st.composite
def degradations(draw: st.DrawFn) -> Degradation | None:
    metric = draw(st.sampled_from(monitoring.DEGRADATION_METRICS))
    if draw(st.booleans()):
        return None
    new_value = (draw(st.floats(0.0, 1.0)) if metric in ("accuracy", "error_rate")
                 else draw(st.floats(0.5, 3.0)))
    return Degradation(new_value, start_hour=draw(st.integers(0, 23)),
                       kind=draw(st.sampled_from(monitoring.DEGRADATION_KINDS)),
                       metric=metric, ramp_hours=draw(st.integers(1, 24)))


@st.composite
def histories(draw: st.DrawFn) -> pd.DataFrame:
    """A small simulated history: 2-6 baseline days plus today, light traffic."""
    return generate_history(draw(st.integers(2, 6)),
                            baseline_accuracy=draw(st.floats(0.55, 0.98)),
                            queries_per_hour=draw(st.integers(10, 300)),
                            degradation=draw(degradations()), seed=draw(seeds))


@st.composite
def configs(draw: st.DrawFn) -> MonitorConfig:
    return MonitorConfig(window_hours=draw(st.sampled_from([1, 2, 3, 6])),
                         alpha=draw(st.floats(0.001, 0.2)), k=draw(st.floats(0.0, 1.5)),
                         h=draw(st.floats(0.5, 6.0)), lam=draw(st.floats(0.05, 1.0)),
                         L=draw(st.floats(1.0, 4.0)), two_sided=draw(st.booleans()),
                         scope=draw(st.sampled_from(SCOPES)))


def _base(history: pd.DataFrame) -> pd.DataFrame:
    return history[history["period"] == "baseline"]


# --- history and its metrics ---------------------------------------------------------------

@exercises(monitoring.generate_history, available_metrics)
@FAST
@given(history=histories(), drop=st.lists(st.sampled_from(METRICS), unique=True),
       spoil=st.sampled_from(METRICS))
def test_available_metrics_are_the_complete_numeric_metric_columns(
        history: pd.DataFrame, drop: list[str], spoil: str) -> None:
    assert available_metrics(history) == list(METRICS)
    assert history["accuracy"].between(0, 1).all() and history["error_rate"].between(0, 1).all()
    assert (history["cost_usd"] > 0).all() and (history["queries"] >= 1).all()
    partial = history.drop(columns=drop)
    assert available_metrics(partial) == [m for m in METRICS if m not in drop]
    holed = history.copy()
    holed.loc[holed.index[-1], spoil] = np.nan
    assert spoil not in available_metrics(holed)
    texts = history.astype({spoil: object})
    texts.loc[texts.index[0], spoil] = "n/a"
    assert spoil not in available_metrics(texts)


@exercises(available_metrics, standardize, baseline_band)
@FAST
@given(bad=st.one_of(st.none(), st.integers(), st.text(max_size=5),
                     st.lists(st.integers(), max_size=3)))
def test_functions_taking_a_history_reject_non_frames(bad: object) -> None:
    with pytest.raises(ValueError, match="history"):
        available_metrics(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="history"):
        standardize(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="history"):
        baseline_band(bad)  # type: ignore[arg-type]


@exercises(monitoring.generate_history)
@FAST
@given(days=st.one_of(st.integers(max_value=1), st.integers(min_value=366)),
       accuracy=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), bad_floats),
       qph=st.one_of(st.integers(max_value=9), st.integers(min_value=100_001)))
def test_generate_history_rejects_bad_sizes_and_rates(days: int, accuracy: float,
                                                      qph: int) -> None:
    with pytest.raises(ValueError, match="days"):
        generate_history(days, seed=0)
    with pytest.raises(ValueError, match="baseline_accuracy"):
        generate_history(3, baseline_accuracy=accuracy, seed=0)
    with pytest.raises(ValueError, match="queries_per_hour"):
        generate_history(3, queries_per_hour=qph, seed=0)


# --- standardization -------------------------------------------------------------------------

@exercises(standardize)
@FAST
@given(history=histories(), metric=st.sampled_from(METRICS),
       window=st.integers(1, 30), scope=st.sampled_from(SCOPES))
def test_standardize_windows_and_orientation(history: pd.DataFrame, metric: str, window: int,
                                             scope: str) -> None:
    std = standardize(history, metric, window_hours=window, scope=scope)
    monitored = len(history) if scope == "all" else int((history["period"] != "baseline").sum())
    assert len(std) == monitored // window
    if std.empty:
        return
    assert (std["time"] >= std["start"]).all()
    assert ((std["time"] - std["start"]) == pd.Timedelta(hours=window - 1)).all()
    assert (std["n"] > 0).all()
    sign = -1.0 if metric == "accuracy" else 1.0
    np.testing.assert_allclose(std["z_bad"], sign * std["z"], equal_nan=True)
    again = standardize(history, metric, window_hours=window, scope=scope)
    pd.testing.assert_frame_equal(std, again)


@exercises(standardize)
@FAST
@given(history=histories(), window=st.integers(1, 6),
       metric=st.sampled_from(["accuracy", "error_rate"]))
def test_standardize_proportions_are_binomial_z_scores(history: pd.DataFrame, window: int,
                                                       metric: str) -> None:
    count = "correct" if metric == "accuracy" else "errors"
    base = _base(history)
    p0 = base[count].sum() / base["queries"].sum()
    today = history[history["period"] != "baseline"]
    std = standardize(history, metric, window_hours=window)
    for i, row in enumerate(std.itertuples()):
        chunk = today.iloc[i * window:(i + 1) * window]
        x, n = chunk[count].sum(), chunk["queries"].sum()
        assert row.n == n
        if 0 < p0 < 1:
            expected = (x / n - p0) / math.sqrt(p0 * (1 - p0) / n)
            assert row.z == pytest.approx(expected, rel=1e-9, abs=1e-9)


@exercises(standardize)
@FAST
@given(history=histories(), metric=st.text(max_size=12),
       window=st.one_of(st.integers(max_value=0), st.integers(min_value=24 * 365 + 1),
                        st.floats(), st.none()),
       scope=st.text(max_size=8))
def test_standardize_rejects_bad_arguments(history: pd.DataFrame, metric: str, window: object,
                                           scope: str) -> None:
    assume(metric not in METRICS and scope not in SCOPES)
    with pytest.raises(ValueError, match="metric"):
        standardize(history, metric)
    with pytest.raises(ValueError, match="window_hours"):
        standardize(history, "accuracy", window_hours=window)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scope"):
        standardize(history, "accuracy", scope=scope)
    with pytest.raises(ValueError, match="history"):
        standardize(history[history["period"] == "baseline"], "accuracy")
    with pytest.raises(ValueError, match="history"):
        standardize(history.assign(timestamp=history["timestamp"].astype(str)), "accuracy")


# --- baseline band and interval ----------------------------------------------------------------

@exercises(baseline_band)
@FAST
@given(history=histories(), confidence=st.floats(0.5, 0.999))
def test_baseline_band_is_the_score_test_acceptance_region(history: pd.DataFrame,
                                                           confidence: float) -> None:
    band = baseline_band(history, confidence=confidence)
    assert len(band) == len(history)
    assert ((band["lower"] >= 0) & (band["lower"] <= band["p0"])
            & (band["p0"] <= band["upper"]) & (band["upper"] <= 1)).all()
    p0 = float(band["p0"].iloc[0])
    assert p0 == pytest.approx(_base(history)["correct"].sum() / _base(history)["queries"].sum())
    # Inverting the score test: an hour is outside the band exactly when p0 is outside that
    # hour's Wilson interval (statsmodels), away from floating-point ties at the edges.
    low, high = proportion_confint(history["correct"], history["queries"],
                                   alpha=1 - confidence, method="wilson")
    acc = history["accuracy"].to_numpy()
    outside = (acc < band["lower"].to_numpy()) | (acc > band["upper"].to_numpy())
    wilson_outside = (p0 < np.asarray(low)) | (p0 > np.asarray(high))
    clear = (np.minimum(np.abs(acc - band["lower"]), np.abs(acc - band["upper"])) > 1e-9) & \
        (np.minimum(np.abs(p0 - np.asarray(low)), np.abs(p0 - np.asarray(high))) > 1e-9)
    np.testing.assert_array_equal(outside[clear], wilson_outside[clear])
    wider = baseline_band(history, confidence=min(confidence + 0.05, 0.9999))
    assert (wider["upper"] >= band["upper"]).all() and (wider["lower"] <= band["lower"]).all()


@exercises(baseline_band, baseline_wilson)
@FAST
@given(history=histories(),
       confidence=st.one_of(st.floats(max_value=0.4999), st.floats(min_value=1.0), bad_floats),
       alpha=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), bad_floats,
                       st.text(max_size=3)))
def test_band_and_interval_reject_bad_levels(history: pd.DataFrame, confidence: float,
                                             alpha: object) -> None:
    with pytest.raises(ValueError, match="confidence"):
        baseline_band(history, confidence=confidence)
    with pytest.raises(ValueError, match="alpha"):
        baseline_wilson(history, alpha=alpha)  # type: ignore[arg-type]
    bare = history.drop(columns=["correct", "accuracy"])
    with pytest.raises(ValueError, match="history"):
        baseline_wilson(bare)
    with pytest.raises(ValueError, match="history"):
        baseline_band(bare)


@exercises(baseline_wilson)
@FAST
@given(history=histories(), alpha=st.floats(0.001, 0.5), counted=st.booleans())
def test_baseline_wilson_brackets_the_estimate(history: pd.DataFrame, alpha: float,
                                               counted: bool) -> None:
    frame = history if counted else history.drop(columns=["correct"])
    estimate, low, high = baseline_wilson(frame, alpha=alpha)
    assert low <= estimate <= high
    base = _base(history)
    if counted:
        assert low >= 0.0 and high <= 1.0
        x, n = int(base["correct"].sum()), int(base["queries"].sum())
        assert estimate == pytest.approx(x / n)
        # Wilson interval from its closed form (Wilson 1927).
        z = stats.norm.isf(alpha / 2)
        centre = (x + z**2 / 2) / (n + z**2)
        half = z * math.sqrt(x * (n - x) / n + z**2 / 4) / (n + z**2)
        assert (low, high) == pytest.approx((centre - half, centre + half), abs=1e-12)
    else:
        assert estimate == pytest.approx(base["accuracy"].mean())
    _, wide_low, wide_high = baseline_wilson(frame, alpha=alpha / 2)
    assert wide_low <= low + 1e-15 and wide_high >= high - 1e-15


# --- detectors -----------------------------------------------------------------------------------

@exercises(proportion_test)
@FAST
@given(history=histories(), metric=st.sampled_from(METRICS), alpha=st.floats(0.001, 0.5),
       two_sided=st.booleans(), method=st.sampled_from(["z", "exact"]),
       window=st.integers(1, 4))
def test_proportion_test_p_values_and_alarms(history: pd.DataFrame, metric: str, alpha: float,
                                             two_sided: bool, method: str,
                                             window: int) -> None:
    result = proportion_test(history, metric=metric, alpha=alpha, two_sided=two_sided,
                             method=method, window_hours=window)
    trace = result.trace
    assert trace["p_value"].between(0.0, 1.0).all()
    np.testing.assert_array_equal(trace["alarm"], trace["p_value"] < alpha)
    assert len(result.alerts) == int(trace["alarm"].sum())
    assert list(result.alerts.columns) == ALERT_COLUMNS
    assert set(result.alerts["time"]) <= set(trace["time"])
    assert set(result.alerts["direction"]) <= {"worse", "better"}
    again = proportion_test(history, metric=metric, alpha=alpha, two_sided=two_sided,
                            method=method, window_hours=window)
    pd.testing.assert_frame_equal(trace, again.trace)


@exercises(proportion_test)
@FAST
@given(history=histories(), method=st.sampled_from(["z", "exact"]))
def test_proportion_test_matches_statsmodels_and_scipy(history: pd.DataFrame,
                                                       method: str) -> None:
    base = _base(history)
    x0, n0 = int(base["correct"].sum()), int(base["queries"].sum())
    result = proportion_test(history, metric="accuracy", method=method, alpha=0.05)
    today = history[history["period"] != "baseline"]
    for row, p in zip(today.itertuples(), result.trace["p_value"], strict=True):
        x1, n1 = int(row.correct), int(row.queries)
        if method == "z":
            # One-sided: is this hour's accuracy lower than the baseline's?
            _, reference = proportions_ztest([x1, x0], [n1, n0], alternative="smaller")
        else:
            reference = stats.binomtest(x1, n1, x0 / n0, alternative="less").pvalue
        if np.isfinite(reference):
            assert p == pytest.approx(reference, rel=1e-6, abs=1e-12)


@exercises(proportion_test, monitoring.cusum, monitoring.ewma)
@FAST
@given(history=histories(),
       alpha=st.one_of(st.floats(max_value=0.0), st.floats(min_value=0.5001), bad_floats),
       method=st.text(max_size=6), k=st.one_of(st.floats(max_value=-1e-9), bad_floats),
       h=st.one_of(st.floats(max_value=0.0), bad_floats),
       lam=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0001), bad_floats),
       limit=st.one_of(st.floats(max_value=0.0), bad_floats))
def test_detectors_reject_bad_settings(history: pd.DataFrame, alpha: float, method: str,
                                       k: float, h: float, lam: float, limit: float) -> None:
    assume(method not in ("z", "exact"))
    with pytest.raises(ValueError, match="alpha"):
        proportion_test(history, alpha=alpha)
    with pytest.raises(ValueError, match="method"):
        proportion_test(history, method=method)
    with pytest.raises(ValueError, match=r"^k "):
        monitoring.cusum(history, k=k)
    with pytest.raises(ValueError, match=r"^h "):
        monitoring.cusum(history, h=h)
    with pytest.raises(ValueError, match="lam"):
        monitoring.ewma(history, lam=lam)
    with pytest.raises(ValueError, match=r"^L "):
        monitoring.ewma(history, L=limit)


@exercises(latency_drift, cost_drift, standardize)
@FAST
@given(history=histories(), detector=st.sampled_from(DETECTORS), config=configs())
def test_latency_and_cost_drift_watch_their_metric(history: pd.DataFrame, detector: str,
                                                   config: MonitorConfig) -> None:
    for drift, metric in ((latency_drift, "latency_p95_ms"), (cost_drift, "cost_per_query")):
        result = drift(history, detector, config)
        assert result.detector == detector and result.metric == metric
        std = standardize(history, metric, window_hours=config.window_hours,
                          scope=config.scope)
        assert len(result.trace) == len(std)
        np.testing.assert_allclose(result.trace["z_bad"], std["z_bad"], equal_nan=True)
        assert len(result.alerts) == int(result.trace["alarm"].sum())
        assert (result.alerts["metric"] == metric).all()


@exercises(latency_drift, cost_drift)
@FAST
@given(history=histories(), detector=st.text(max_size=10),
       config=st.one_of(st.integers(), st.text(max_size=4), st.builds(dict)))
def test_drift_functions_reject_unknown_detectors_and_configs(
        history: pd.DataFrame, detector: str, config: object) -> None:
    assume(detector not in DETECTORS)
    with pytest.raises(ValueError, match="detector"):
        latency_drift(history, detector)
    with pytest.raises(ValueError, match="detector"):
        cost_drift(history, detector)
    with pytest.raises(ValueError, match="config"):
        latency_drift(history, "cusum", config)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="config"):
        cost_drift(history, "cusum", config)  # type: ignore[arg-type]


# --- run_all, alert log, recommendation ---------------------------------------------

@exercises(run_all, alert_log)
@MEDIUM
@given(history=histories(), config=configs(),
       metrics=st.one_of(st.none(), st.lists(st.sampled_from(METRICS), min_size=1,
                                             unique=True).map(tuple)),
       drop=st.lists(st.sampled_from(["latency_p95_ms", "cost_per_query"]), unique=True))
def test_run_all_and_alert_log_shape(history: pd.DataFrame, config: MonitorConfig,
                                     metrics: tuple[str, ...] | None, drop: list[str]) -> None:
    frame = history.drop(columns=drop)
    results = run_all(frame, config, metrics)
    watched = [m for m in (metrics or METRICS) if m not in drop]
    assert set(results) == {(d, m) for d in DETECTORS for m in watched}
    for (detector, metric), result in results.items():
        assert result.detector == detector and result.metric == metric
    log = alert_log(results)
    assert list(log.columns) == ALERT_COLUMNS
    assert len(log) == sum(len(r.alerts) for r in results.values())
    times = pd.to_datetime(log["time"])
    assert times.is_monotonic_increasing
    again = alert_log(run_all(frame, config, metrics))
    pd.testing.assert_frame_equal(log, again)


@exercises(run_all, alert_log)
@FAST
@given(history=histories(), metric=st.text(min_size=1, max_size=10),
       results=st.one_of(st.integers(), st.text(max_size=4),
                         st.dictionaries(st.text(max_size=3), st.integers(), min_size=1,
                                         max_size=2)))
def test_run_all_and_alert_log_reject_bad_arguments(history: pd.DataFrame, metric: str,
                                                    results: object) -> None:
    assume(metric not in METRICS)
    with pytest.raises(ValueError, match="metrics"):
        run_all(history, metrics=("accuracy", metric))
    with pytest.raises(ValueError, match="config"):
        run_all(history, config=metric)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="results"):
        alert_log(results)  # type: ignore[arg-type]


@exercises(recommend, run_all, alert_log)
@MEDIUM
@given(history=histories(), config=configs(), min_hours=st.integers(0, 12),
       min_drop=st.floats(0.0, 0.2))
def test_recommend_follows_its_rule(history: pd.DataFrame, config: MonitorConfig,
                                    min_hours: int, min_drop: float) -> None:
    alerts = alert_log(run_all(history, config))
    advice = recommend(alerts, history, min_hours=min_hours, min_drop=min_drop)
    assert advice.action in ("retrain", "investigate", "no action")
    assert advice.evidence and all(isinstance(line, str) for line in advice.evidence)
    assert advice.change_low <= advice.accuracy_change + 1e-12
    assert advice.accuracy_change <= advice.change_high + 1e-12
    assert -1.0 <= advice.accuracy_change <= 1.0
    # Cohen's h is a monotone transform of the two accuracies: same sign as the change.
    assert advice.cohens_h * advice.accuracy_change >= 0
    assert set(advice.agreeing_detectors) <= set(DETECTORS)
    if advice.action == "retrain":
        assert len(advice.agreeing_detectors) >= 2
        assert advice.hours_affected >= min_hours and advice.change_high < -min_drop
    else:
        assert advice.action == ("investigate" if len(alerts) else "no action")
    today = history[history["period"] != "baseline"]
    assert 1 <= advice.hours_affected <= len(today)
    if not advice.agreeing_detectors:
        base = _base(history)
        change = (today["correct"].sum() / today["queries"].sum()
                  - base["correct"].sum() / base["queries"].sum())
        assert advice.accuracy_change == pytest.approx(change)


@exercises(recommend)
@MEDIUM
@given(history=histories(), min_hours=st.one_of(st.integers(max_value=-1), st.floats()),
       min_drop=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.0001), bad_floats),
       columns=st.lists(st.sampled_from(ALERT_COLUMNS), min_size=1, unique=True))
def test_recommend_rejects_bad_arguments(history: pd.DataFrame, min_hours: object,
                                         min_drop: float, columns: list[str]) -> None:
    alerts = alert_log(run_all(history))
    with pytest.raises(ValueError, match="min_hours"):
        recommend(alerts, history, min_hours=min_hours)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_drop"):
        recommend(alerts, history, min_drop=min_drop)
    with pytest.raises(ValueError, match="alerts"):
        recommend(alerts.drop(columns=columns), history)
    with pytest.raises(ValueError, match="history"):
        recommend(alerts, history.drop(columns=["correct", "accuracy"]))


@exercises(iter_live, run_all, alert_log, recommend)
@SLOW
@given(history=histories(), config=configs(), step=st.sampled_from([6, 8, 12, 24]))
def test_iter_live_replays_today_and_ends_at_the_full_analysis(
        history: pd.DataFrame, config: MonitorConfig, step: int) -> None:
    frames = list(iter_live(history, config, step_hours=step))
    base = int((history["period"] == "baseline").sum())
    seen = [frame.hours_seen for frame in frames]
    assert seen == sorted(set(seen)) and seen[-1] == len(history) - base
    assert all(b - a <= step for a, b in zip([0, *seen], seen, strict=False))
    for frame in frames:
        assert len(frame.history) == base + frame.hours_seen
        assert list(frame.alerts.columns) == ALERT_COLUMNS
    final = alert_log(run_all(history, config))
    pd.testing.assert_frame_equal(frames[-1].alerts, final)
    assert frames[-1].recommendation == recommend(final, history)


@exercises(iter_live)
@FAST
@given(history=histories(), step=st.one_of(st.integers(max_value=0), st.integers(min_value=25),
                                           st.floats(), st.text(max_size=3)))
def test_iter_live_rejects_bad_steps(history: pd.DataFrame, step: object) -> None:
    with pytest.raises(ValueError, match="step_hours"):
        next(iter_live(history, step_hours=step))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="config"):
        next(iter_live(history, config=step))  # type: ignore[arg-type]


# --- average run length -----------------------------------------------------------------

@exercises(ewma_limit_factor)
@FAST
@given(lam=st.floats(0.001, 1.0), t=st.lists(st.integers(1, 10_000), min_size=2, max_size=40))
def test_ewma_limit_factor_rises_to_its_asymptote(lam: float, t: list[int]) -> None:
    steps = np.array(sorted(set(t)))
    factor = ewma_limit_factor(lam, steps)
    asymptote = math.sqrt(lam / (2 - lam))
    assert np.all(np.diff(factor) >= -1e-15)
    assert np.all(factor <= asymptote * (1 + 1e-12)) and np.all(factor > 0)
    # First observation: the EWMA is lam * x_1, so its standard deviation is exactly lam.
    assert float(ewma_limit_factor(lam, 1)) == pytest.approx(lam, rel=1e-9)
    # Far out the factor reaches the asymptote (Montgomery eq. 9.25).
    assert float(ewma_limit_factor(lam, 10**7)) == pytest.approx(asymptote, rel=1e-9)


@exercises(ewma_limit_factor)
@FAST
@given(lam=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0001), bad_floats,
                     st.text(max_size=3)),
       t=st.one_of(st.floats(max_value=0.999), bad_floats))
def test_ewma_limit_factor_rejects_bad_arguments(lam: object, t: float) -> None:
    with pytest.raises(ValueError, match="lam"):
        ewma_limit_factor(lam, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^t "):
        ewma_limit_factor(0.2, np.array([1.0, t]))
    with pytest.raises(ValueError, match=r"^t "):
        ewma_limit_factor(0.2, "soon")  # type: ignore[arg-type]


@exercises(siegmund_arl)
@FAST
@given(k=st.floats(0.0, 2.0), h=st.floats(0.1, 10.0), shift=st.floats(-5.0, 5.0),
       step=st.floats(0.01, 1.0))
def test_siegmund_arl_orderings(k: float, h: float, shift: float, step: float) -> None:
    one = siegmund_arl(k, h, shift, two_sided=False)
    two = siegmund_arl(k, h, shift)
    assert one > 0 and two > 0
    assert two <= one * (1 + 1e-12)
    assert two == pytest.approx(siegmund_arl(k, h, -shift), rel=1e-12)
    # A larger shift is detected sooner; a wider decision interval waits longer.
    assert siegmund_arl(k, h, shift + step, two_sided=False) <= one * (1 + 1e-9)
    assert siegmund_arl(k, h + step, shift, two_sided=False) >= one * (1 - 1e-9)
    # At shift = k the drift vanishes and the ARL is b^2, approached continuously.
    b = h + 1.166
    assert siegmund_arl(k, h, k, two_sided=False) == pytest.approx(b * b)
    assert siegmund_arl(k, h, k + 1e-9, two_sided=False) == pytest.approx(b * b, rel=1e-6)


@exercises(siegmund_arl, average_run_length)
@SLOW
@given(k=st.floats(0.25, 1.0), h=st.floats(3.0, 6.0), drift=st.floats(-0.5, 1.5), seed=seeds)
def test_siegmund_approximation_agrees_with_simulation(k: float, h: float, drift: float,
                                                       seed: int) -> None:
    shift = max(0.0, k + drift)
    approx = siegmund_arl(k, h, shift, two_sided=False)
    assume(approx < 400)
    sim = average_run_length("cusum", shift, 400, seed, two_sided=False, max_steps=50_000,
                             k=k, h=h)
    assert sim.censored == 0
    # Siegmund's approximation is within about 6% of the exact ARL over this range.
    assert abs(sim.arl - approx) <= 0.1 * approx + 4 * sim.standard_error


@exercises(siegmund_arl)
@FAST
@given(k=st.one_of(st.floats(max_value=-1e-9), bad_floats),
       h=st.one_of(st.floats(max_value=0.0), bad_floats), shift=bad_floats)
def test_siegmund_arl_rejects_bad_arguments(k: float, h: float, shift: float) -> None:
    with pytest.raises(ValueError, match=r"^k "):
        siegmund_arl(k, 4.0, 0.0)
    with pytest.raises(ValueError, match=r"^h "):
        siegmund_arl(0.5, h, 0.0)
    with pytest.raises(ValueError, match="shift"):
        siegmund_arl(0.5, 4.0, shift)


@exercises(average_run_length)
@FAST
@given(detector=st.text(max_size=8), sims=st.integers(max_value=0),
       steps=st.integers(max_value=0), shift=bad_floats,
       lam=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0001)))
def test_average_run_length_rejects_bad_arguments(detector: str, sims: int, steps: int,
                                                  shift: float, lam: float) -> None:
    assume(detector not in monitoring_arl.ARL_DETECTORS)
    with pytest.raises(ValueError, match="detector"):
        average_run_length(detector, 0.0, 10, 0)
    with pytest.raises(ValueError, match="n_sims"):
        average_run_length("cusum", 0.0, sims, 0)
    with pytest.raises(ValueError, match="max_steps"):
        average_run_length("cusum", 0.0, 10, 0, max_steps=steps)
    with pytest.raises(ValueError, match="shift"):
        average_run_length("cusum", shift, 10, 0)
    with pytest.raises(ValueError, match="lam"):
        average_run_length("ewma", 0.0, 10, 0, lam=lam)
    with pytest.raises(ValueError, match="seed"):
        average_run_length("cusum", 0.0, 10, -1)
