"""Production Monitoring page through AppTest: default render, every control at its
extremes, live mode, uploads good and bad, no exception."""

from __future__ import annotations

import pytest

from crucible_scenarios.monitoring import generate_history
from tests.app.apptest import assert_clean, open_page

PAGE = "pages/monitoring.py"


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    parts = [str(e.value) for e in (*at.markdown, *at.caption, *at.error, *at.warning,
                                    *at.success, *at.info)]
    return "\n".join(parts)


def test_default_render_shows_rates_advice_and_log() -> None:
    at = open_page(PAGE)
    assert_clean(at)
    labels = [m.label for m in at.metric]
    assert "False alarm about every" in labels
    assert any(label.startswith("Detects a 3-point drop") for label in labels)
    assert any("Retrain" in str(e.value) for e in at.error)
    assert "Breakdown by metric" in _texts(at)
    assert len(at.dataframe) >= 2  # metric breakdown and alert log


@pytest.mark.parametrize(("key", "values"), [
    ("size", [0, 50]), ("start", [0, 23]), ("k", [0.25, 1.5]), ("h", [1.0, 8.0]),
])
def test_sliders_at_extremes(key: str, values: list[float]) -> None:
    at = open_page(PAGE)
    for value in values:
        at.slider(key=key).set_value(value).run()
        assert_clean(at)


def test_ewma_and_ztest_settings_at_extremes() -> None:
    at = open_page(PAGE, query={"det": "EWMA"})
    for lam, big_l in ((0.05, 2.0), (1.0, 4.0)):
        at.slider(key="lam").set_value(lam)
        at.slider(key="L").set_value(big_l).run()
        assert_clean(at)
    at = open_page(PAGE, query={"det": "proportion z-test"})
    for alpha in (0.001, 0.1):
        at.select_slider(key="alpha").set_value(alpha).run()
        assert_clean(at)
        assert any(m.label == "False alarm about every" for m in at.metric)


def test_every_option_of_the_selectors() -> None:
    at = open_page(PAGE)
    for kind in ("none", "gradual", "abrupt"):
        at.segmented_control(key="kind").set_value(kind).run()
        assert_clean(at)
    at.segmented_control(key="kind").set_value("none").run()
    assert not any("Retrain" in str(e.value) for e in at.error)
    at.segmented_control(key="kind").set_value("abrupt").run()
    for metric in ("latency", "cost", "error_rate", "accuracy"):
        at.selectbox(key="what").set_value(metric).run()
        assert_clean(at)
    for window in (24, 6, 1):
        at.pills(key="win").set_value(window).run()
        assert_clean(at)
    for detector in ("proportion", "ewma", "cusum"):
        at.segmented_control(key="det").set_value(detector).run()
        assert_clean(at)
    at.toggle(key="both").set_value(True).run()
    at.radio(key="scope").set_value("all").run()
    assert_clean(at)
    at.multiselect(key="on").set_value(["latency_p95_ms"]).run()
    assert_clean(at)
    at.multiselect(key="on").set_value([]).run()
    assert_clean(at)


def test_seed_extremes_change_the_numbers() -> None:
    at = open_page(PAGE)
    first = [m.value for m in at.metric]
    at.number_input(key="seed").set_value(0).run()
    assert_clean(at)
    at.number_input(key="seed").set_value(2**31 - 1).run()
    assert_clean(at)
    assert [m.value for m in at.metric] != first


def test_live_mode_instant() -> None:
    at = open_page(PAGE)
    at.toggle(key="live").set_value(True).run()
    assert_clean(at)
    at.segmented_control(key="speed").set_value("Instant").run()
    at.button(key="go").click().run()
    assert_clean(at)
    assert any("24 of 24 hours" in str(c.value) for c in at.caption)


def _upload(data: bytes):  # type: ignore[no-untyped-def]
    at = open_page(PAGE, query={"src": "Upload CSV"})
    at.file_uploader(key="upload").upload("series.csv", data, "text/csv").run()
    return at


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty"),
    (b"when,accuracy\n2025-01-01,0.9\n", "Missing column 'timestamp'"),
    (b"timestamp,accuracy\nyesterday,0.9\n", "Row 2, column 'timestamp'"),
    (b"timestamp,accuracy\n2025-01-01 00:00,92\n", "a percentage"),
    (b"timestamp,score\n2025-01-01 00:00,0.9\n", "needs an 'accuracy' column"),
    (b"timestamp,correct,total\n2025-01-01 00:00,12,10\n", "0 <= correct <= total"),
    (b"timestamp,accuracy\n2025-01-01 00:00,0.9\n2025-01-01 01:00,0.91\n", "at least 48"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
])
def test_bad_uploads_show_precise_messages(data: bytes, message: str) -> None:
    at = _upload(data)
    assert_clean(at)
    errors = [str(e.value) for e in at.error]
    assert any(message in e for e in errors), errors
    # the error alone: nothing of the simulated world may read as a result about the file
    assert not at.metric and not any("Retrain" in str(e.value) for e in at.error)


def test_good_upload_runs_the_detectors() -> None:
    history = generate_history(seed=3)
    frame = history[["timestamp", "correct", "queries", "latency_p95_ms"]].rename(
        columns={"queries": "total"})
    at = _upload(frame.to_csv(index=False).encode())
    assert_clean(at)
    assert any("Monitoring the uploaded file" in str(s.value) for s in at.success)
    accuracy_only = history[["timestamp", "accuracy"]].iloc[-100:]
    at = _upload(accuracy_only.to_csv(index=False).encode())
    assert_clean(at)
    assert any("100 rows" in str(s.value) for s in at.success)
