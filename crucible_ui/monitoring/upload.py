"""The Production Monitoring page's data sources: the simulated history, an hourly CSV,
or a per-request log aggregated to hourly windows. Each upload is parsed once per file
(``st.cache_data`` keyed by its bytes) and a bad file gives ``st.error`` with the reader's
message, while the simulated data stays on screen."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from crucible_io.limits import ReadError
from crucible_io.request_log import read_request_log
from crucible_scenarios.monitoring import aggregate_requests
from crucible_ui.monitoring.csv_upload import FORMAT_HELP, TODAY_ROWS, parse_monitoring_csv
from crucible_ui.text import escape_markdown
from crucible_ui.uploads import LATENCY_LOG_TYPES, MAX_UPLOAD_BYTES, UploadError
from crucible_ui.widgets import seed_control

SOURCES = {"sim": "Simulated", "upload": "Upload CSV", "requests": "Per-request log"}
REQUEST_HELP = (
    "One row per request, CSV or JSON Lines (JMeter's `.jtl` results, CSV or XML, too): a "
    "`timestamp` (ISO 8601, or Unix epoch in "
    "seconds or milliseconds) and any of `correct` (1/0, true/false) or `score` (0-1), "
    "`latency_ms` (or `latency_s`, `duration`...), `cost_usd` and `error` (1/0, or an "
    "error message). Requests are grouped into hourly windows; the last 24 windows are "
    "monitored as today and the earlier ones are the baseline. Failed requests count as "
    "not correct, and their latency is left out."
)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_upload(data: bytes) -> pd.DataFrame:
    """An uploaded hourly CSV parsed into a history (raises UploadError)."""
    return parse_monitoring_csv(data)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_requests(data: bytes, name: str) -> tuple[str, pd.DataFrame]:
    """A per-request log read and aggregated to hourly windows: (what was read, history).
    Raises ReadError (the reader's) or ValueError (too few windows, no accuracy)."""
    log = read_request_log(data, name=name, max_bytes=MAX_UPLOAD_BYTES)
    if "correct" not in log.frame and "score" not in log.frame:
        raise ValueError(f"{name}: the log has no 'correct' or 'score' column, and the "
                         "page monitors accuracy; add one (1/0 per request)")
    history = aggregate_requests(log.frame, "1h", today_windows=TODAY_ROWS)
    return log.describe(), history


def load_history(source: tuple[Any, ...], simulate: Any) -> pd.DataFrame:
    """The history a source key names: ("sim", ...) through ``simulate``, ("upload",
    bytes) or ("requests", bytes, name)."""
    if source[0] == "upload":
        return cached_upload(source[1])
    if source[0] == "requests":
        return cached_requests(source[1], source[2])[1]
    return simulate(*source[1:])


def data_source() -> tuple[tuple[Any, ...] | None, int, bool]:
    """The source chooser: the upload's source key when a good file is loaded (else
    None), the seed, and whether the user chose their own data. With their own data
    chosen but no good file, the page shows what is missing or wrong and nothing else:
    no simulated result may read as a result about their file."""
    seed = seed_control()
    source = st.radio("Data", list(SOURCES), key="src", horizontal=True,
                      bind="query-params", format_func=SOURCES.__getitem__)
    if source == "upload":
        st.caption(FORMAT_HELP)
        upload = st.file_uploader("Monitoring CSV", type=["csv"], key="upload")
        if upload is None:
            st.info("Upload a file to run the detectors on it.")
            return None, seed, True
        data = upload.getvalue()
        try:
            cached_upload(data)
            return ("upload", data), seed, True
        except UploadError as exc:
            st.error(f"Cannot use this file: {exc}", icon=":material/error:")
    elif source == "requests":
        st.caption(REQUEST_HELP)
        upload = st.file_uploader("Per-request log", type=LATENCY_LOG_TYPES,
                                  key="requests_upload")
        if upload is None:
            st.info("Upload a per-request log to run the detectors on it.")
            return None, seed, True
        data, name = upload.getvalue(), str(upload.name)
        try:
            cached_requests(data, name)
            return ("requests", data, name), seed, True
        except ValueError as exc:  # ReadError is a ValueError
            reason = str(exc)
            st.error(escape_markdown(f"Cannot use this file: {reason}"),
                     icon=":material/error:")
            if not isinstance(exc, ReadError):
                st.caption("The reader understood the file, but it cannot be monitored as "
                           "it is.")
    return None, seed, source != "sim"


def describe_source(source: tuple[Any, ...], history: pd.DataFrame) -> None:
    """What was read, before what was found."""
    if source[0] == "upload":
        st.success(f"Monitoring the uploaded file: {len(history):,} rows, the last 24 "
                   "monitored as today.", icon=":material/upload_file:")
    elif source[0] == "requests":
        read = cached_requests(source[1], source[2])[0]
        span = pd.Timestamp(history["timestamp"].iloc[-1]) - pd.Timestamp(
            history["timestamp"].iloc[0])
        hours = int(span / pd.Timedelta(hours=1)) + 1
        st.success(escape_markdown(
                   f"Read {source[2]}: {read} Aggregated to {len(history):,} hourly "
                   f"windows with requests (over {hours:,} h); the last {TODAY_ROWS} are "
                   "monitored as today, the earlier ones are the baseline."),
                   icon=":material/upload_file:")
