"""Production Monitoring through AppTest with a per-request log: it says what it read,
then runs every detector; a bad log gives the reader's message and the page still works;
the Bernoulli CUSUM and fixed EWMA limits render their settings and odds."""

from __future__ import annotations

from pathlib import Path

from tests.app.apptest import assert_clean, open_page

PAGE = "pages/monitoring.py"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "monitoring"


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(e.value) for e in (*at.markdown, *at.caption, *at.error,
                                             *at.warning, *at.success, *at.info))


def _upload(name: str, data: bytes, mime: str):  # type: ignore[no-untyped-def]
    at = open_page(PAGE, query={"src": "Per-request log"})
    at.file_uploader(key="requests_upload").set_value((name, data, mime)).run()
    return at


def test_request_log_upload_says_what_it_read_then_monitors() -> None:
    data = (FIXTURES / "requests_3days.jsonl").read_bytes()
    at = _upload("requests_3days.jsonl", data, "application/json")
    assert_clean(at)
    told = " ".join(str(s.value) for s in at.success)
    assert "2,880 requests" in told and "72 hourly" in told and "epoch milliseconds" in told
    assert "latency in s" in told
    assert any(m.label == "False alarm about every" for m in at.metric)
    assert "Chance of at least one false alarm" in _texts(at)
    at.segmented_control(key="det").set_value("bernoulli").run()
    assert_clean(at)
    assert "Bernoulli CUSUM: baseline error rate" in _texts(at)
    assert any("Bernoulli CUSUM" in str(d.value) for d in at.dataframe)


def test_bad_request_log_shows_the_reader_message() -> None:
    at = _upload("bad.csv", b"timestamp,correct\n2025-01-01T00:00,1\nyesterday,0\n",
                 "text/csv")
    assert_clean(at)
    errors = " ".join(str(e.value) for e in at.error)
    assert "line 3" in errors and "ISO 8601" in errors
    _nothing_simulated(at)
    at = _upload("short.csv", b"timestamp,correct\n2025-01-01T00:00,1\n", "text/csv")
    assert_clean(at)
    assert any("windows" in str(e.value) for e in at.error)
    _nothing_simulated(at)
    at = open_page(PAGE, query={"src": "Per-request log"})  # chosen, nothing uploaded yet
    assert_clean(at)
    assert any("Upload a per-request log" in str(i.value) for i in at.info)
    _nothing_simulated(at)


def _nothing_simulated(at) -> None:  # type: ignore[no-untyped-def]
    """No result of the simulated world under the user's source: no detector metrics,
    no verdict, no simulated controls."""
    assert not at.metric
    assert "Retrain" not in _texts(at) and "accuracy is down" not in _texts(at)
    assert not [s for s in at.slider if s.key in ("p1", "size")]


def test_bernoulli_and_fixed_ewma_settings_at_extremes() -> None:
    at = open_page(PAGE, query={"det": "Bernoulli CUSUM"})
    assert_clean(at)
    for drop, target in ((0.5, 100), (10.0, 5000)):
        at.slider(key="p1").set_value(drop)
        at.select_slider(key="arl0").set_value(target).run()
        assert_clean(at)
        assert "Median time to a false alarm" in [m.label for m in at.metric]
        assert not [s for s in at.slider if s.key in ("lam", "L", "k", "h")]
    at = open_page(PAGE, query={"det": "EWMA"})
    at.radio(key="limits").set_value("fixed").run()
    assert_clean(at)
    assert "EWMA limits in use: **fixed**" in _texts(at)


def test_jmeter_xml_results_are_read_and_the_missing_accuracy_named() -> None:
    """Three days of JMeter XML samples, one every ten minutes: the uploader takes the
    .jtl and the reader reads it, but a load-test log has no per-request correctness,
    which this page monitors; it says so, and shows nothing simulated instead."""
    start = 1_717_200_000_000
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<testResults version="1.2">']
    for i in range(3 * 24 * 6):
        ok = "false" if i % 50 == 0 else "true"
        lines.append(f'<httpSample t="{200 + (i % 7) * 10}" ts="{start + i * 600_000}" '
                     f's="{ok}" lb="chat" rc="{200 if ok == "true" else 503}"/>')
    lines.append("</testResults>")
    at = _upload("results.jtl", "\n".join(lines).encode(), "application/xml")
    assert_clean(at)
    errors = " ".join(str(e.value) for e in at.error)
    assert "no 'correct' or 'score' column" in errors.replace("\\", "")
    _nothing_simulated(at)
