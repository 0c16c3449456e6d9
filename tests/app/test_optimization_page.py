"""The Optimization Playground through AppTest: default render, a run of each strategy,
the space editor with bad input, every control at its extremes."""

from __future__ import annotations

import json

import pytest

from crucible_scenarios.optimization import TRUE_OPTIMUM_ACCURACY
from tests.app.apptest import assert_clean, open_page

PATH = "pages/optimization.py"
INSTANT = {"speed": "Instant"}


def _errors(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e.value) for e in at.error]


def test_default_render_is_cheap_and_clean() -> None:
    at = open_page(PATH, query=INSTANT)
    assert_clean(at)
    assert at.title[0].value == "Optimization Playground"
    assert at.text_area(key="space").value.splitlines()[0] == "temperature real 0 2"
    assert at.segmented_control(key="strategy").value == "bayesian"
    assert at.slider(key="trials").value == 30
    assert not at.metric  # nothing computed before Run
    assert not at.button(key="run").disabled


@pytest.mark.parametrize("strategy", ["grid", "random", "bayesian"])
def test_run_each_strategy_fills_the_page(strategy: str) -> None:
    label = {"grid": "Grid", "random": "Random", "bayesian": "Bayesian"}[strategy]
    at = open_page(PATH, query={**INSTANT, "strategy": label, "trials": "12"})
    at.button(key="run").click().run()
    assert_clean(at)
    labels = [m.label for m in at.metric]
    assert labels == ["Best score while tuning", "Winner, held-out",
                      "Regret vs true optimum", "Default settings, held-out"]
    best = float(at.metric[0].value.rstrip("%")) / 100
    assert 0 < best <= 1
    regret = float(at.metric[2].value.rstrip("%")) / 100
    assert -0.001 <= regret <= TRUE_OPTIMUM_ACCURACY
    history = at.dataframe[0].value
    assert len(history) == 1 and history["strategy"].iloc[0] == strategy
    assert json.loads(history["best_config"].iloc[0]).keys() == {
        "temperature", "max_tokens", "few_shot"}
    if strategy == "grid":
        assert any("Grid: 3 temperature x 2 max\\_tokens x 2 few\\_shot = **12**"
                   in str(i.value) for i in at.info), [i.value for i in at.info]


def test_rerun_history_is_bounded_and_stale_results_are_labelled() -> None:
    at = open_page(PATH, query={**INSTANT, "strategy": "Random", "trials": "5"})
    for seed in range(10):
        at.number_input(key="seed").set_value(seed).run()
        at.button(key="run").click().run()
    assert len(at.dataframe[0].value) == 8
    at.number_input(key="seed").set_value(99).run()
    assert any("settings have changed since" in str(c.value) for c in at.caption)
    assert_clean(at)


@pytest.mark.parametrize(("text", "message"), [
    ("temperature real 2 0", "low (2) must be below high (0)"),
    ("", "The space is empty"),
    ("temperature real 0 2\ntemperature real 0 1", "already used on line 1"),
    ("<script>alert(1)</script> real 0 1", "is not allowed"),
    ("max_tokens integer 0 2000 log", "a log scale needs low above 0"),
])
def test_space_editor_bad_input_shows_a_precise_message(text: str, message: str) -> None:
    at = open_page(PATH, query=INSTANT)
    at.text_area(key="space").input(text).run()
    assert_clean(at)
    assert any(message in e for e in _errors(at)), _errors(at)
    assert at.button(key="run").disabled
    # the rest of the page still works: fix the space and run
    at.button[0].click().run()  # "Reset to the default space"
    assert not _errors(at)
    at.button(key="run").click().run()
    assert at.metric and not at.exception


def test_added_dimension_and_heatmap_axes() -> None:
    text = ("temperature real 0 2\nmax_tokens integer 100 2000 log\nfew_shot integer 0 10\n"
            "style categorical terse, chatty")
    at = open_page(PATH, query={**INSTANT, "strategy": "Random", "trials": "10"})
    at.text_area(key="space").input(text).run()
    at.button(key="run").click().run()
    assert_clean(at)
    assert at.selectbox(key="hx").options == ["temperature", "max_tokens", "few_shot", "style"]
    for label in ("Uncertainty", "Expected improvement", "Predicted score"):
        at.segmented_control(key="hcolor").set_value(
            {"Uncertainty": "std", "Expected improvement": "ei", "Predicted score": "mean"}[label]
        ).run()
        assert_clean(at)
    for name in ("style", "few_shot", "max_tokens"):
        at.selectbox(key="hx").select(name).run()
        assert_clean(at)
        assert name not in at.selectbox(key="hy").options


def test_one_dimension_space_explains_the_missing_heatmap() -> None:
    at = open_page(PATH, query={**INSTANT, "strategy": "Random", "trials": "5"})
    at.text_area(key="space").input("temperature real 0 2").run()
    at.button(key="run").click().run()
    assert_clean(at)
    assert any("needs at least two dimensions" in str(i.value) for i in at.info)


def test_controls_at_their_extremes() -> None:
    at = open_page(PATH, query={**INSTANT, "strategy": "Random"})
    for value in (5, 200):
        at.slider(key="trials").set_value(value).run()
        at.button(key="run").click().run()
        assert_clean(at)
        assert at.dataframe[0].value["trials"].iloc[-1] == value
    for strategy in ("grid", "bayesian", "random"):
        at.segmented_control(key="strategy").set_value(strategy).run()
        assert_clean(at)
    at.segmented_control(key="strategy").set_value("bayesian").run()
    for acq in ("EI", "PI", "LCB", "gp_hedge"):
        at.selectbox(key="acq").select(acq).run()
        assert_clean(at)
    for seed in (0, 2**31 - 1):
        at.number_input(key="seed").set_value(seed).run()
        assert_clean(at)
    for n in (50, 1000):
        at.select_slider(key="holdout").set_value(n).run()
        assert_clean(at)
        assert f"of {n} new queries right" in at.metric[1].proto.help
    for speed in ("Real time", "10x faster", "Instant"):
        at.segmented_control(key="speed").set_value(speed).run()
        assert_clean(at)


def test_bayesian_run_with_each_acquisition() -> None:
    at = open_page(PATH, query={**INSTANT, "trials": "10"})
    for acq in ("PI", "gp_hedge"):
        at.selectbox(key="acq").select(acq).run()
        at.button(key="run").click().run()
        assert_clean(at)
    assert list(at.dataframe[0].value["acquisition"]) == ["PI", "gp_hedge"]


def test_strategy_comparison_runs_on_request() -> None:
    at = open_page(PATH, query={**INSTANT, "trials": "8", "cmp_seeds": "3"})
    at.button(key="compare").click().run()
    assert_clean(at)
    table = at.dataframe[0].value
    assert list(table["strategy"]) == ["Bayesian", "Grid", "Random"]
    assert (table["n_seeds"] == 3).all()
    assert (table["q25"] <= table["median"]).all() and (table["median"] <= table["q75"]).all()
