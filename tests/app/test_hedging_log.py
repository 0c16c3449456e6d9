"""Request Hedging page, "Your latency log" source, through AppTest: every real log format
uploads cleanly and says what it read; a bad file gives the reader's message and the rest
of the page keeps working; the recommendation, independence check and exports render."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.apptest import assert_clean, open_page
from tests.shared_fixtures import shared_fixture

PAGE = "pages/hedging.py"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "latency"


def _upload(name: str, data: bytes, **settings: object) -> AppTest:
    at = open_page(PAGE, query={"src": "Your latency log"})
    for key, value in settings.items():
        getattr(at, "segmented_control" if key == "log_goal" else "number_input")(
            key=key).set_value(value).run()
    at.file_uploader(key="log_upload").set_value((name, data, "text/plain"))
    return at.run()


def _markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


@pytest.mark.parametrize(("name", "fmt", "requests"), [
    ("llmperf-leaderboard-lepton_7b.json", "LLMPerf", "150"),
    ("taurus-jmeter-slow-stdev.jtl", "JMeter", "599"),
    ("taurus-k6_kpi.csv", "k6", "4"),
    ("taurus-ab.tsv", "ApacheBench", "10"),
])
def test_each_real_format_uploads(name: str, fmt: str, requests: str) -> None:
    at = _upload(name, shared_fixture("latency", name).read_bytes())
    assert_clean(at)
    text = _markdown(at)
    assert fmt in text and f"**Requests:** {requests}" in text
    assert any("P99.9 is not measurable" in str(w.value) for w in at.warning)


def test_a_large_iid_log_recommends_and_exports() -> None:
    rng = np.random.default_rng(3)
    values = rng.lognormal(np.log(500), 0.6, 3000)
    data = ("latency_ms\n" + "\n".join(f"{v:.2f}" for v in values)).encode()
    at = _upload("calls.csv", data)
    assert_clean(at)
    assert not any("not measurable" in str(w.value) for w in at.warning)
    hedge = next(m for m in at.metric if m.label == "Hedge after")
    assert hedge.value == f"{np.sort(values)[int(np.ceil(0.95 * 3000)) - 1]:,.0f} ms"
    assert any("Slowness does not repeat" in str(s.value) for s in at.success)
    codes = [str(c.value) for c in at.code]
    grpc = next(c for c in codes if '"hedgingPolicy"' in c)
    assert json.loads(grpc)["methodConfig"][0]["hedgingPolicy"]["maxAttempts"] == 2
    assert sum("Cannot express" in c for c in codes) == 3  # Envoy, Finagle, Polly comments
    notes = " ".join(str(m.value) for m in at.markdown)
    assert "Cannot express" in notes and "Go except hedging" in notes  # beside the JSON


def test_target_goal_and_unit_override() -> None:
    at = _upload("api.csv", (OWN / "api_calls_ms.csv").read_bytes(), log_goal="target",
                 log_target=10_000.0)
    assert_clean(at)
    assert any("No hedge needed" in str(s.value) for s in at.success)
    at.selectbox(key="log_unit").set_value("s").run()
    assert_clean(at)
    assert "s (as given)" in _markdown(at)


def test_bad_file_gives_the_reader_message_and_the_page_goes_on() -> None:
    at = _upload("bad.csv", b"latency_ms\n100\nfast\n120\n")
    assert_clean(at)
    assert any("bad.csv, line 3, field 'latency_ms'" in str(e.value) for e in at.error)
    at.segmented_control(key="src").set_value("mock").run()
    assert_clean(at)
    assert any(m.label == "P99 latency" for m in at.metric)


def test_slow_runs_are_flagged_beside_the_results() -> None:
    rng = np.random.default_rng(9)
    base = rng.lognormal(np.log(400), 0.5, 3000)
    degraded = np.repeat(rng.random(60) < 0.15, 50)
    values = np.where(degraded, base * 6, base)
    data = ("latency_ms\n" + "\n".join(f"{v:.2f}" for v in values)).encode()
    at = _upload("bursty.csv", data)
    assert_clean(at)
    assert any("Slow requests cluster in time" in str(w.value) for w in at.warning)
    caveats = [c for c in at.caption if "likely slow too" in str(c.value)]
    assert len(caveats) >= 4  # recommendation, histogram, trade-off, strategies
