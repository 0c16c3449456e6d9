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
    out.append(Row("monitoring", "bernoulli_cusum_arl, one Brook-Evans chain (200 states, "
                                 "n=400); bernoulli_threshold solves ~40 of them, once per "
                                 "setting (remembered)",
                   median_seconds(lambda: bernoulli_cusum_arl(0.08, 0.11, 400, h),
                                  repeat=9), "s"))
    return out


def change_widget(at: AppTest, i: int) -> None:
    """Switch the monitored scope back and forth (both views stay cached)."""
    at.radio(key="scope").set_value("all" if i % 2 == 0 else "today")
