"""Latency-log readers: every real file in ../shared/fixtures/latency against the counts
its SOURCES.md states, the project's own small files in each format, and hostile files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from crucible_io.latency import read_latency_log
from crucible_io.limits import (
    MalformedError,
    NotTextError,
    ReadError,
    SchemaError,
    TooLargeError,
    UnknownFormatError,
)
from tests.shared_fixtures import shared_fixture

OWN = Path(__file__).resolve().parents[2] / "fixtures" / "latency"

# (file, format, requests, failed, unit) as SOURCES.md describes each file.
SHARED = [
    ("llmperf-leaderboard-groq_70b.json", "llmperf", 150, 0, "s"),
    ("llmperf-leaderboard-bedrock_70b.json", "llmperf", 150, 49, "s"),
    ("llmperf-leaderboard-lepton_7b.json", "llmperf", 150, 130, "s"),
    ("taurus-jmeter-slow-stdev.jtl", "jmeter", 599, 63, "ms"),
    ("taurus-k6_kpi.csv", "k6", 4, 2, "ms"),
    ("taurus-ab.tsv", "ab", 10, 0, "ms"),
]


@pytest.mark.parametrize(("name", "fmt", "requests", "failed", "unit"), SHARED)
def test_shared_files_read_with_their_stated_counts(name: str, fmt: str, requests: int,
                                                    failed: int, unit: str) -> None:
    log = read_latency_log(shared_fixture("latency", name))
    assert (log.format, log.requests, log.failed, log.unit) == (fmt, requests, failed, unit)
    assert log.source == name
    assert np.isfinite(log.latencies_ms).all() and (log.latencies_ms > 0).all()


def test_llmperf_429_rows_are_failures_not_fast_requests() -> None:
    path = shared_fixture("latency", "llmperf-leaderboard-lepton_7b.json")
    records = json.loads(path.read_text())
    ok = sorted(r["end_to_end_latency_s"] * 1000 for r in records if r["error_code"] is None)
    log = read_latency_log(path)
    assert log.latencies_ms.min() > 1000  # none of the zeroed 429 rows
    np.testing.assert_allclose(np.sort(log.latencies_ms), ok)
    assert log.ttft_ms is not None and log.ttft_ms.size == 20


def test_jmeter_is_put_in_time_order_and_keeps_ttfb() -> None:
    path = shared_fixture("latency", "taurus-jmeter-slow-stdev.jtl")
    log = read_latency_log(path)
    assert log.timestamps is not None and np.all(np.diff(log.timestamps) >= 0)
    lines = path.read_text().splitlines()[1:]
    rows = [line.split(",") for line in lines]
    ok = [(int(r[0]), int(r[1])) for r in rows if r[6] == "true"]
    first = min(ok)  # earliest successful sample (stable order for ties)
    assert log.latencies_ms[0] == first[1] or log.timestamps[0] == first[0] / 1000
    assert log.ttft_ms is not None and (log.ttft_ms <= log.latencies_ms).all()


def test_k6_takes_http_req_duration_and_counts_failures_apart() -> None:
    log = read_latency_log(shared_fixture("latency", "taurus-k6_kpi.csv"))
    np.testing.assert_allclose(log.latencies_ms, [245.591442, 238.032448])


def test_ab_uses_ttime_in_ms() -> None:
    log = read_latency_log(shared_fixture("latency", "taurus-ab.tsv"))
    assert sorted(log.latencies_ms) == [232, 232, 233, 234, 235, 235, 243, 245, 247, 247]


@pytest.mark.parametrize(("name", "fmt", "requests", "failed", "unit", "first_ms"), [
    ("api_calls_ms.csv", "csv", 6, 1, "ms", 412.5),
    ("api_calls.jsonl", "jsonl", 5, 1, "s", 410.0),
    ("small_llmperf_individual_responses.json", "llmperf", 4, 1, "s", 2500.0),
    ("small_results.jtl", "jmeter", 4, 1, "ms", 310.0),
    ("small_k6_out.csv", "k6", 3, 1, "ms", 512.25),
    ("small_ab_gnuplot.tsv", "ab", 3, 0, "ms", 26.0),
])
def test_own_fixtures(name: str, fmt: str, requests: int, failed: int, unit: str,
                      first_ms: float) -> None:
    log = read_latency_log(OWN / name)
    assert (log.format, log.requests, log.failed, log.unit) == (fmt, requests, failed, unit)
    assert log.latencies_ms[0] == pytest.approx(first_ms)


def test_unit_override_and_reason() -> None:
    guessed = read_latency_log(OWN / "api_calls_ms.csv")
    assert guessed.unit_reason == "from the column name"
    forced = read_latency_log(OWN / "api_calls_ms.csv", unit="s")
    assert forced.unit_reason == "as given"
    np.testing.assert_allclose(forced.latencies_ms, guessed.latencies_ms * 1000)


def test_unit_from_magnitude_and_column_choice() -> None:
    data = b"request,took,queue\n1,0.5,3\n2,0.7,4\n3,1.2,2\n"
    log = read_latency_log(data, name="m.csv")
    assert (log.column, log.unit, log.unit_reason) == ("took", "s", "from the magnitude")
    chosen = read_latency_log(data, name="m.csv", column="queue", unit="ms")
    assert chosen.latencies_ms.tolist() == [3, 4, 2]


def test_unit_suffix_on_values() -> None:
    log = read_latency_log(b"latency\n250ms\n300ms\n1200ms\n", name="s.csv")
    assert (log.unit, log.latencies_ms.tolist()) == ("ms", [250, 300, 1200])


def test_llmperf_column_choice_plans_on_ttft() -> None:
    log = read_latency_log(OWN / "small_llmperf_individual_responses.json", column="ttft_s")
    np.testing.assert_allclose(log.latencies_ms, [310, 290, 350])


# --- hostile files ----------------------------------------------------------------------

HOSTILE = [
    (b"latency_ms\n100\nfast\n120\n", SchemaError, 3, "latency_ms"),
    (b"latency_ms\n100\n-5\n120\n", SchemaError, 3, "latency_ms"),
    (b"latency_ms\n100\nNaN\n120\n", SchemaError, 3, "latency_ms"),
    (b"latency_ms\n100\n120\n\n", None, None, None),
    (b"latency_ms\n100\n", SchemaError, None, "latency_ms"),
    (b"latency\n250ms\n1.5s\n300ms\n", SchemaError, 3, "latency"),
    (b"latency\n250ms\n1500\n", SchemaError, 3, "latency"),
    (b"latency_ms,note\n100,ok\n120,=cmd|' /C calc'!A0\n", MalformedError, 3, "note"),
    (b"latency_ms\n100\n@SUM(A1:A9)\n", MalformedError, 3, "latency_ms"),
    (b"latency_ms,city\n100,M\xfcnchen\n", NotTextError, 2, None),
    (b"id,queue\n1,2\n", SchemaError, None, "latency"),
    (b"[1, 2, 3]", SchemaError, None, "[0]"),
    (b'{"a": 1}', UnknownFormatError, None, None),
    (b'[{"end_to_end_latency_s": 1.0, "error_code": null}, '
     b'{"end_to_end_latency_s": "slow", "error_code": null}]', SchemaError, None,
     "[1].end_to_end_latency_s"),
    (b'[{"latency_ms": 1}, {"latency_ms": 2}, ', MalformedError, 1, None),
]


@pytest.mark.parametrize(("data", "error", "line", "field"), HOSTILE)
def test_hostile_files_are_refused_with_a_location(data: bytes, error: type | None,
                                                    line: int | None,
                                                    field: str | None) -> None:
    if error is None:  # a trailing blank line is harmless
        assert read_latency_log(data, name="ok.csv").succeeded == 2
        return
    with pytest.raises(error) as caught:
        read_latency_log(data, name="bad.csv")
    assert isinstance(caught.value, ReadError)
    assert caught.value.file == "bad.csv" and "bad.csv" in str(caught.value)
    if line is not None:
        assert caught.value.line == line
    if field is not None:
        assert caught.value.field == field


def test_over_the_size_limit() -> None:
    with pytest.raises(TooLargeError, match="limit"):
        read_latency_log(b"latency_ms\n" + b"100\n" * 1000, name="big.csv", max_bytes=1000)


def test_failed_rows_may_have_empty_latency() -> None:
    log = read_latency_log(b"latency_ms,status\n100,200\n,500\n120,200\n", name="f.csv")
    assert (log.succeeded, log.failed) == (2, 1)


def test_bad_unit_argument() -> None:
    with pytest.raises(ValueError, match="unit"):
        read_latency_log(OWN / "api_calls_ms.csv", unit="hours")


def test_k6_before_expected_response_uses_http_req_failed_then_status() -> None:
    header = "metric_name,timestamp,metric_value,check,error,error_code,group,method,name," \
             "proto,scenario,status,subproto,tls_version,url,extra_tags\n"
    rows = [("http_req_duration", 1, "200.5", "200"), ("http_req_failed", 1, "0", "200"),
            ("http_req_duration", 2, "0", "0"), ("http_req_failed", 2, "1", "0"),
            ("http_req_duration", 3, "180.0", "503"), ("http_req_failed", 3, "1", "503"),
            ("http_req_duration", 4, "210.0", "200"), ("http_req_failed", 4, "0", "200")]
    body = "".join(f"{m},{t},{v},,,,,GET,u,HTTP/1.1,default,{s},,,u,\n" for m, t, v, s in rows)
    log = read_latency_log((header + body).encode(), name="old_k6.csv")
    assert (log.failed, log.latencies_ms.tolist()) == (2, [200.5, 210.0])
    no_failed_rows = header + "".join(
        f"{m},{t},{v},,,,,GET,u,HTTP/1.1,default,{s},,,u,\n" for m, t, v, s in rows
        if m == "http_req_duration")
    by_status = read_latency_log(no_failed_rows.encode(), name="older_k6.csv")
    assert (by_status.failed, by_status.latencies_ms.tolist()) == (2, [200.5, 210.0])


def test_jmeter_with_dates_and_without_success_column() -> None:
    data = (b"timeStamp,elapsed,label,responseCode\n"
            b"2024/05/01 10:00:02.000,300,a,200\n"
            b"2024/05/01 10:00:01.000,250,a,200\n"
            b"2024/05/01 10:00:03.000,900,a,Non HTTP response code: java.net.SocketException\n")
    log = read_latency_log(data, name="dated.jtl")
    assert (log.format, log.failed, log.latencies_ms.tolist()) == ("jmeter", 1, [250, 300])
    assert log.timestamps is not None and log.timestamps[1] - log.timestamps[0] == 1.0


# --- JMeter's XML results (jmeter.save.saveservice.output_format=xml) ------------------

def test_jmeter_xml_reads_top_level_samples_in_time_order() -> None:
    """Written from JMeter's Sample Attributes table: two HTTP samples hold sub-samples
    (a redirect target and an embedded image), one ``<sample>`` is a non-HTTP sampler, a
    429 and a connect timeout have ``s="false"``."""
    log = read_latency_log(OWN / "small_results_xml.jtl")
    assert (log.format, log.requests, log.failed, log.unit) == ("jmeter", 6, 2, "ms")
    # ts order: 182 (…000), 210 (…400), 195 (…700), 5 (…900)
    assert log.latencies_ms.tolist() == [182, 210, 195, 5]
    assert log.ttft_ms is not None and log.ttft_ms.tolist() == [121, 150, 133, 0]
    assert log.timestamps is not None and log.timestamps[0] == 1717236000.0
    assert any("2 sub-samples" in note for note in log.notes)
    assert any("XML" in note for note in log.notes)
    # the user may pick another attribute, named as in the file
    assert read_latency_log(OWN / "small_results_xml.jtl", column="lt").column == "lt"


def test_jmeter_xml_older_version_fails_by_response_code() -> None:
    """testResults 1.1 without the ``s`` attribute: a sample failed when its code is not
    2xx/3xx."""
    log = read_latency_log(OWN / "older_results_xml.jtl")
    assert (log.requests, log.failed) == (4, 1)
    assert log.latencies_ms.tolist() == [250, 301, 290]


_XML_HEAD = b'<?xml version="1.0"?>\n<testResults version="1.2">\n'
_SAMPLE = b'<httpSample t="100" lt="50" ts="1" s="true" lb="a" rc="200"/>\n'


@pytest.mark.parametrize(("data", "error", "match", "line"), [
    (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n<testResults>'
     b'</testResults>', SchemaError, "document type", 2),
    (_XML_HEAD + _SAMPLE * 3 + b'<httpSample t="100"\n', MalformedError, "invalid XML", 6),
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', UnknownFormatError,
     "not JMeter", None),
    (_XML_HEAD + _SAMPLE * 3 + b"<httpSample>" * 70, SchemaError, "deeper than 64", 6),
    (_XML_HEAD + _SAMPLE * 3 + b'<httpSample t="fast" ts="2" s="true"/>\n</testResults>',
     SchemaError, "fast", 6),
    (_XML_HEAD + b"</testResults>", SchemaError, "no <httpSample>", None),
])
def test_jmeter_xml_hostile_files_name_the_line(data: bytes, error: type, match: str,
                                               line: int | None) -> None:
    with pytest.raises(error, match=match) as info:
        read_latency_log(data, name="results.jtl")
    assert getattr(info.value, "line", None) == line
