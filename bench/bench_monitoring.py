"""Production monitoring speed: 30 days of hourly history plus every detector, the
vectorized average-run-length simulation, and a display control for the page rerun."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bench.core import Row, median_seconds
from crucible_scenarios.monitoring import (
    Degradation,
    MonitorConfig,
    alert_log,
    average_run_length,
    bernoulli_cusum_arl,
    bernoulli_threshold,
    generate_history,
    recommend,
    run_all,
)


def _history_and_detectors() -> None:
    history = generate_history(30, degradation=Degradation(0.89), seed=1)
    alerts = alert_log(run_all(history))
    recommend(alerts, history)


def rows() -> list[Row]:
    out = [Row("monitoring", "history (30 days + today, hourly) + 3 detectors x 4 metrics "
                             "+ advice", median_seconds(_history_and_detectors, repeat=9),
               "s", 0.05)]
    history = generate_history(30, degradation=Degradation(0.89), seed=1)
    out.append(Row("monitoring", "3 detectors x 4 metrics over all 31 days (744 h)",
                   median_seconds(lambda: run_all(history, MonitorConfig(scope="all")),
                                  repeat=9), "s"))
    out.append(Row("monitoring", "average_run_length CUSUM k=0.5 h=4, 2000 sims, in control "
                                 "(ARL ~168)",
                   median_seconds(lambda: average_run_length("cusum", 0.0, 2000, 1, k=0.5,
                                                             h=4.0), repeat=5), "s", 1.0))
    out.append(Row("monitoring", "average_run_length EWMA lam=0.2 L=3, 2000 sims, in control "
                                 "(ARL ~560)",
                   median_seconds(lambda: average_run_length("ewma", 0.0, 2000, 1, lam=0.2,
                                                             L=3.0), repeat=5), "s", 1.0))
    h = bernoulli_threshold(0.08, 0.11, 400, arl0=500.0)
    out.append(Row("monitoring", "average_run_length Bernoulli CUSUM p0=8% p1=11% n=400, "
                                 "2000 sims, in control (ARL ~500)",
                   median_seconds(lambda: average_run_length("bernoulli", 0.0, 2000, 1,
                                                             p0=0.08, p1=0.11, n=400, h=h),
                                  repeat=5), "s", 1.0))
    # each repeat asks a setting not asked before, so nothing remembered is reused
    fresh = iter(range(1, 10_000))
    out.append(Row("monitoring", "bernoulli_cusum_arl p0=8% p1=11% n=400 at the ARL-500 h "
                                 "(lattice chain refined until it settles), first call",
                   median_seconds(lambda: bernoulli_cusum_arl(
                                      0.08, 0.11, 400, h, p=0.08 + 1e-12 * next(fresh)),
                                  repeat=9), "s", 0.1))
    for p0, shift, n, label in ((0.10, 0.03, 400, "page default: 10% errors, 3 points, n=400"),
                                (0.10, 0.005, 400, "smallest drop: 10% errors, 0.5 point"),
                                (0.05, 0.01, 5, "few queries: 5% errors, 1 point, n=5")):
        out.append(Row("monitoring", f"bernoulli_threshold arl0=500, {label}, first call "
                                     "(remembered after)",
                       median_seconds(lambda p0=p0, shift=shift, n=n: bernoulli_threshold(
                           p0 + 1e-9 * next(fresh), p0 + shift, n, arl0=500.0), repeat=5),
                       "s"))
    return out


def change_widget(at: AppTest, i: int) -> None:
    """Switch the monitored scope back and forth (both views stay cached)."""
    at.radio(key="scope").set_value("all" if i % 2 == 0 else "today")
