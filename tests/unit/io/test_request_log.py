"""Per-request logs: CSV and JSON Lines fixtures in both timestamp styles and latency
units, aggregation to hourly windows, and hostile files named by line and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crucible_io.limits import ReadError, TooLargeError
from crucible_io.request_log import read_request_log
from crucible_scenarios.monitoring import MonitorConfig, aggregate_requests, run_all
from tests.shared_fixtures import shared_fixture

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "monitoring"


def test_csv_fixture_reads_every_column_with_units() -> None:
    log = read_request_log(FIXTURES / "requests_3days.csv")
    raw = pd.read_csv(FIXTURES / "requests_3days.csv")
    assert log.format == "csv" and log.rows == len(raw)
    assert log.timestamp_kind == "ISO 8601"
    assert log.latency_unit == "ms (from the column name)"
    assert set(log.frame.columns) == {"timestamp", "correct", "latency_ms", "cost_usd", "error"}
    assert log.frame["correct"].sum() == raw["correct"].sum()
    assert log.frame["error"].sum() == raw["error"].sum()
    # failed requests logged with latency 0 do not count as fast requests
    assert log.frame.loc[log.frame["error"] == 1, "latency_ms"].isna().all()
    ok = raw[raw["error"] == 0]
    assert np.nanmedian(log.frame["latency_ms"]) == pytest.approx(ok["latency_ms"].median())
    assert log.start == pd.Timestamp("2025-05-01 00:00:15.491968")
    assert "3,000" not in log.describe() and f"{log.rows:,} requests" in log.describe()


def test_jsonl_fixture_matches_the_csv() -> None:
    csv = read_request_log(FIXTURES / "requests_3days.csv")
    jsonl = read_request_log(FIXTURES / "requests_3days.jsonl")
    assert jsonl.format == "jsonl" and jsonl.timestamp_kind == "epoch milliseconds"
    assert jsonl.latency_unit == "s (from the column name)"
    assert jsonl.columns["latency_ms"] == "duration_s"
    assert jsonl.frame["latency_ms"].to_numpy() == pytest.approx(
        csv.frame["latency_ms"].to_numpy(), abs=0.06, nan_ok=True)
    assert jsonl.frame["error"].sum() == csv.frame["error"].sum()  # "rate limited" texts
    stamps = (jsonl.frame["timestamp"] - csv.frame["timestamp"]).abs()
    assert stamps.max() < pd.Timedelta(milliseconds=1)


def test_fixture_aggregates_to_hours_and_the_detectors_see_the_drop() -> None:
    log = read_request_log(FIXTURES / "requests_3days.csv")
    history = aggregate_requests(log.frame, "1h")
    assert len(history) == 72 and history["queries"].sum() == log.rows
    results = run_all(history, MonitorConfig(bernoulli=True))
    # accuracy falls from 92% to 80% for the last 12 hours of the fixture
    assert len(results[("bernoulli", "accuracy")].alerts) > 0
    first = pd.Timestamp(results[("bernoulli", "accuracy")].alerts["time"].iloc[0])
    assert first >= pd.Timestamp("2025-05-03 12:00")


def test_epoch_seconds_score_and_success_columns() -> None:
    text = ("ts,score,elapsed,success\n"
            "1735689600,0.5,120,true\n1735693200,1.0,80,false\n1735696800,0.25,95,true\n")
    log = read_request_log(text.encode(), name="small.csv")
    assert log.timestamp_kind == "epoch seconds"
    assert log.frame["timestamp"].iloc[0] == pd.Timestamp("2025-01-01 00:00")
    assert list(log.frame["error"]) == [0, 1, 0]
    assert log.latency_unit == "ms (from the column name)"
    assert log.frame["score"].tolist() == [0.5, 1.0, 0.25]


def test_json_array_and_latency_override() -> None:
    text = b'[{"time": "2025-01-01T00:00:00+02:00", "latency": 1.5, "correct": 1}]'
    log = read_request_log(text, name="a.json", latency_unit="s")
    assert log.format == "json" and log.frame["latency_ms"].iloc[0] == 1500
    assert log.frame["timestamp"].iloc[0] == pd.Timestamp("2024-12-31 22:00")


@pytest.mark.parametrize(("text", "where"), [
    ("timestamp,correct\n2025-01-01T00:00,1\nyesterday,0\n", "line 3, field 'timestamp'"),
    ("timestamp,latency_ms\n2025-01-01T00:00,fast\n", "line 2, field 'latency_ms'"),
    ("timestamp,latency_ms\n2025-01-01T00:00,-4\n", "negative latency"),
    ("timestamp,latency_ms\n2025-01-01T00:00,nan\n", "line 2, field 'latency_ms'"),
    ("timestamp,cost\n2025-01-01T00:00,=SUM(A1:A9)\n", "spreadsheet formula"),
    ("timestamp,correct\n2025-01-01T00:00,maybe\n", "line 2, field 'correct'"),
    ("timestamp,score\n2025-01-01T00:00,87\n", "a percentage"),
    ("when,correct\n2025-01-01,1\n", "no timestamp column"),
    ("timestamp,user\n2025-01-01T00:00,bob\n", "no outcome column"),
    ("timestamp,correct\n", "no data rows"),
    ("timestamp,correct\n12,1\n", "too small for an epoch"),
    ("timestamp,timestamp\n1,2\n", "more than once"),
])
def test_hostile_csv_is_named_by_line_and_field(text: str, where: str) -> None:
    with pytest.raises(ReadError, match=where):
        read_request_log(text.encode(), name="bad.csv")


@pytest.mark.parametrize(("data", "where"), [
    (b'{"timestamp": "2025-01-01T00:00", "correct": 1}\n[1, 2]\n', "line 2"),
    (b'{"timestamp": "2025-01-01T00:00", "correct": 1}\n{"timestamp": \n', "line 2"),
    (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
    (b"", "empty"),
    (b'{"rows": 3}', "list of request objects"),
])
def test_hostile_json_is_refused_cleanly(data: bytes, where: str) -> None:
    with pytest.raises(ReadError, match=where):
        read_request_log(data, name="bad.jsonl")


def test_size_cap() -> None:
    with pytest.raises(TooLargeError):
        read_request_log(b"timestamp,correct\n" + b"2025-01-01T00:00,1\n" * 100,
                         max_bytes=200)


def test_single_row_reads_but_cannot_fill_windows() -> None:
    log = read_request_log(b"timestamp,correct\n2025-01-01T00:00,1\n", name="one.csv")
    assert log.rows == 1
    with pytest.raises(ValueError, match="windows"):
        aggregate_requests(log.frame)


def test_real_jmeter_results_read_as_a_request_log() -> None:
    """JMeter's CSV results carry timeStamp (epoch ms), elapsed (ms) and success: a
    per-request log without grades, read from the shared real file by path."""
    path = shared_fixture("latency", "taurus-jmeter-slow-stdev.jtl")
    log = read_request_log(path)
    raw = pd.read_csv(path)
    assert log.rows == len(raw)
    assert log.timestamp_kind == "epoch milliseconds"
    assert log.columns["latency_ms"] == "elapsed"
    assert log.frame["error"].sum() == (~raw["success"].astype(bool)).sum()
    ok = raw[raw["success"].astype(bool)]
    assert np.nanmedian(log.frame["latency_ms"]) == pytest.approx(ok["elapsed"].median())
    assert log.start == pd.to_datetime(raw["timeStamp"].min(), unit="ms")


LATENCY = Path(__file__).resolve().parents[2] / "fixtures" / "latency"


def test_jmeter_xml_results_read_as_a_request_log() -> None:
    """JMeter's XML results: one request per top-level sample (sub-samples are part of
    theirs), elapsed from ``t``, failures from ``s`` (or ``rc`` when a file has no ``s``),
    checked against the attributes read with the standard library's own XML parser."""
    import xml.etree.ElementTree as ET

    for name, failure in (("small_results_xml.jtl", "s"), ("older_results_xml.jtl", "rc")):
        path = LATENCY / name
        samples = list(ET.parse(path).getroot())
        samples = [s for s in samples if s.tag in ("httpSample", "sample")]
        log = read_request_log(path)
        assert log.rows == len(samples) and log.columns["error"] == failure
        failed = [s.get("s") == "false" if failure == "s" else s.get("rc") != "200"
                  for s in samples]
        by_time = sorted(zip((int(s.get("ts", 0)) for s in samples), failed,
                             (float(s.get("t", 0)) for s in samples), strict=True))
        assert log.frame["error"].tolist() == [float(f) for _t, f, _e in by_time]
        ok = [e for _t, f, e in by_time if not f]
        assert log.frame["latency_ms"].dropna().tolist() == ok
        assert log.start == pd.to_datetime(by_time[0][0], unit="ms")


def test_xml_that_is_not_jmeter_is_refused_by_name() -> None:
    with pytest.raises(ReadError, match="not JMeter"):
        read_request_log(b"<?xml version='1.0'?><feed/>", name="atom.xml")
