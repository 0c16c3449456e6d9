"""Request Hedging page through AppTest: default render, every control at its extremes,
bad input with its precise message, the live stream, URL state and the run history."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.apptest import assert_clean, open_page

PAGE = "pages/hedging.py"


def _texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def _metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


@pytest.fixture
def at() -> AppTest:
    return open_page(PAGE)


def test_default_render(at: AppTest) -> None:
    assert_clean(at)
    assert not at.error and not at.warning
    assert at.title[0].value == "Request Hedging"
    assert _metric(at, "P99 latency").endswith("ms")
    assert _metric(at, "Extra requests").endswith("%")
    assert len(at.dataframe) >= 1
    assert at.button(key="play").disabled is False


@pytest.mark.parametrize("strategy", ["none", "fixed", "percentile", "adaptive"])
def test_every_strategy(at: AppTest, strategy: str) -> None:
    at.selectbox(key="strategy").set_value(strategy).run()
    assert_clean(at)
    assert not at.error
    if strategy == "none":
        assert _metric(at, "Extra requests") == "0.0%"


@pytest.mark.parametrize(("key", "values"), [
    ("delay", [50, 6000]),
    ("budget", [0.5, 100.0]),
    ("hedges", [1, 5]),
    ("slow", [0.0, 1.0]),
    ("k", [1, 100]),
])
def test_sliders_at_extremes(at: AppTest, key: str, values: list[float]) -> None:
    for value in values:
        at.slider(key=key).set_value(value).run()
        assert_clean(at)
        assert not at.error, _texts(at, "error")


def test_slowdown_halfway(at: AppTest) -> None:
    at.number_input(key="n").set_value(4000).run()
    before = _metric(at, "Extra requests")
    at.toggle(key="slowdown").set_value(True).run()
    assert_clean(at)
    assert _metric(at, "Extra requests") != before
    at.selectbox(key="strategy").set_value("percentile").run()
    assert_clean(at)
    assert at.session_state["hedging_history"][-1]["slowdown_halfway"] is True
    at.segmented_control(key="speed").set_value("Instant").run()
    at.button(key="play").click().run()
    assert_clean(at)


def test_zero_delay_is_refused_with_a_message(at: AppTest) -> None:
    at.slider(key="delay").set_value(0).run()
    assert_clean(at)
    assert any("must be above 0 ms" in t for t in _texts(at, "error"))
    assert _metric(at, "P99 latency").endswith("ms")  # the rest of the page still works


@pytest.mark.parametrize("value", [0.0, 100.0])
def test_percentile_outside_open_interval(at: AppTest, value: float) -> None:
    at.selectbox(key="strategy").set_value("percentile").run()
    at.number_input(key="pct").set_value(value).run()
    assert_clean(at)
    assert any("strictly between 0 and 100" in t for t in _texts(at, "error"))


def test_percentile_extremes_inside_interval(at: AppTest) -> None:
    at.selectbox(key="strategy").set_value("percentile").run()
    at.number_input(key="n").set_value(3000).run()
    for value in (0.5, 99.5):
        at.number_input(key="pct").set_value(value).run()
        assert_clean(at)
        assert not at.error
    # The percentile row of the strategy table follows the control.
    table = at.dataframe[0].value
    assert table.loc[table["strategy"] == "Running percentile", "median_delay_ms"].item() > \
        2000


def test_zero_budget_says_hedging_never_fires(at: AppTest) -> None:
    at.slider(key="budget").set_value(0.0).run()
    assert_clean(at)
    assert any("never fires" in t for t in _texts(at, "warning"))
    assert _metric(at, "Extra requests") == "0.0%"


def test_one_request(at: AppTest) -> None:
    at.number_input(key="n").set_value(1).run()
    assert_clean(at)
    assert any("single request" in t for t in _texts(at, "warning"))


def test_huge_request_count_is_capped(at: AppTest) -> None:
    at.number_input(key="n").set_value(10_000_000).run()
    assert_clean(at)
    assert any("capped at 100,000" in t for t in _texts(at, "warning"))
    assert at.button(key="play").disabled  # batch mode for large runs


def test_seed_extremes(at: AppTest) -> None:
    for seed in (0, 2**31 - 1):
        at.number_input(key="seed").set_value(seed).run()
        assert_clean(at)


@pytest.mark.parametrize("speed", ["Instant", "10x faster", "Real time"])
def test_live_stream_at_every_speed(at: AppTest, speed: str) -> None:
    at.number_input(key="n").set_value(40).run()
    at.segmented_control(key="speed").set_value(speed).run()
    at.button(key="play").click().run()
    assert_clean(at)
    assert any("of 40 requests" in str(c.value) for c in at.caption)
    assert at.session_state["hedging_live"].done == 40


def test_url_reproduces_view() -> None:
    at = open_page(PAGE, query={"strategy": "Adaptive (Thompson sampling)", "n": "500", "seed": "7",
                                "budget": "10.0"})
    assert_clean(at)
    assert at.selectbox(key="strategy").value == "adaptive"
    assert at.number_input(key="n").value == 500
    assert at.slider(key="budget").value == 10.0


def test_bad_url_value_warns() -> None:
    at = open_page(PAGE, query={"pct": "abc", "strategy": "bogus"})
    assert_clean(at)
    warnings = " ".join(_texts(at, "warning"))
    assert "pct" in warnings and "strategy" in warnings


def test_history_is_bounded(at: AppTest) -> None:
    for seed in range(1, 24):
        at.number_input(key="seed").set_value(seed).run()
    assert_clean(at)
    history = at.session_state["hedging_history"]
    assert len(history) == 20
    assert history[-1]["seed"] == 23
