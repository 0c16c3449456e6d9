"""The Production Monitoring page's result sections: today against the baseline (drawn
at once or replayed hour by hour) and the alert log with the downloads."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from crucible_scenarios.monitoring import (
    METRIC_LABELS,
    LiveFrame,
    MonitorConfig,
    iter_live,
)
from crucible_ui.charts import vega_spec
from crucible_ui.live import run_live
from crucible_ui.monitoring.analysis import analyze, cached_history_exports, cached_stat_spec
from crucible_ui.monitoring.charts import statistic_chart
from crucible_ui.monitoring.views import (
    draw_view,
    recommendation_card,
)
from crucible_ui.widgets import download_buttons, playback_speed_control


def today_section(source: tuple[Any, ...], history: pd.DataFrame, analysis: dict[str, Any],
                  config: MonitorConfig, metrics: tuple[str, ...], detector: str) -> bool:
    """The main chart, the detector's statistic and the advice; in live mode the day is
    replayed hour by hour. True when a replay ran (the page then stops there)."""
    chart_metric = "accuracy" if "accuracy" in metrics else metrics[0]
    st.subheader("Today against the baseline")
    live = st.toggle("Live mode: stream today hour by hour", value=False, key="live",
                     help="Replays today: each hour arrives and every detector updates.")
    view = st.empty()
    card = st.empty()
    if live:
        speed = playback_speed_control(key="speed")
        if st.button("Start live replay", key="go", icon=":material/play_arrow:"):
            def draw(frame: LiveFrame) -> None:
                partial = analyze(frame.history, config, metrics)
                result = partial["results"].get((detector, chart_metric))
                spec = None if result is None or result.trace.empty else vega_spec(
                    statistic_chart(result.trace, detector=detector,
                                    metric_label=METRIC_LABELS[chart_metric]))
                draw_view(view, partial, spec, detector)
                with card.container():
                    st.caption(f"{frame.hours_seen} of 24 hours of today seen, "
                               f"{len(frame.alerts)} alerts so far.")
                    recommendation_card(frame.recommendation)

            run_live(iter_live(history, config), draw,
                     progress=lambda f: f.hours_seen / 24, speed=speed,
                     key="monitoring_live", batch_seconds=lambda f: 1.0,
                     label="Streaming today")
            return True
        st.caption("Press Start to stream today; the full day is shown meanwhile.")
    draw_view(view, analysis,
              cached_stat_spec(source, config, metrics, detector, chart_metric), detector)
    with card.container():
        recommendation_card(analysis["advice"])

    return False


def alert_section(source: tuple[Any, ...], analysis: dict[str, Any]) -> None:
    """The alert log with its downloads, and the hourly data as CSV and JSON."""
    st.subheader("Alert log")
    alerts = analysis["alerts"]
    if alerts.empty:
        st.caption("No alerts for these settings.")
    else:
        st.dataframe(alerts, hide_index=True, width="stretch",
                     column_config={"statistic": st.column_config.NumberColumn(format="%.2f"),
                                    "threshold": st.column_config.NumberColumn(format="%.2f")})
    download_buttons(alerts, "alert_log", key="alerts", label="alert log")
    csv, json_text = cached_history_exports(source)
    left, right = st.columns(2)
    left.download_button("Download hourly data (CSV)", csv, file_name="monitoring_history.csv",
                         mime="text/csv", key="history_csv", icon=":material/download:",
                         on_click="ignore", width="stretch")
    right.download_button("Download hourly data (JSON)", json_text,
                          file_name="monitoring_history.json", mime="application/json",
                          key="history_json", icon=":material/download:", on_click="ignore",
                          width="stretch")

