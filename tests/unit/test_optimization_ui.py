"""The Optimization Playground's presentation helpers: the space editor's parser and the
Altair chart builders (checked through their Vega-Lite specs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crucible_scenarios import optimization as opt
from crucible_ui.optimization import search_charts as charts
from crucible_ui.optimization.space_text import DEFAULT_SPACE_TEXT, format_space, parse_space


# ------------------------------------------------------------------ parser
def test_default_text_round_trips() -> None:
    parsed = parse_space(DEFAULT_SPACE_TEXT)
    assert parsed.errors == () and parsed.space == opt.default_space()
    mixed = "a real 0.1 1.5 log\nb integer -3 3\n# note\n\nc categorical x, y , z"
    space = parse_space(mixed).space
    assert space is not None
    assert space["a"].log and space["c"].categories == ("x", "y", "z")
    assert parse_space(format_space(space)).space == space


@pytest.mark.parametrize("high", [1234567.0, 0.1234567891, 1e-7 + 1e-22, 2.0 / 3.0, 1e300])
def test_every_bound_reads_back_as_the_same_float(high: float) -> None:
    space = opt.SearchSpace(dimensions=(opt.Dimension(name="x", kind="real", low=0.0,
                                                      high=high),))
    text = format_space(space)
    again = parse_space(text).space
    assert again is not None and again["x"].high == high, text


@pytest.mark.parametrize(("text", "message"), [
    ("t real 2 1", "Line 1 (t): the range is empty: low (2) must be below high (1)"),
    ("t real 1 1", "the range is empty"),
    ("t real 0 1 log", "a log scale needs low above 0"),
    ("t integer 0.5 3", "integer ranges need whole numbers"),
    ("t real a b", "low and high must be finite numbers"),
    ("t real 0 inf", "low and high must be finite numbers"),
    ("t real 1", "give a low and a high value"),
    ("t matrix 0 1", "kind must be one of real, integer, categorical"),
    ("t", "write `name kind low high`"),
    ("<b>x</b> real 0 1", "is not allowed"),
    ("score real 0 1", "is reserved"),
    ("c categorical a", "at least two categories"),
    ("c categorical a, a", "listed twice"),
    ("t real 0 1\nt real 0 2", "Line 2: the name `t` is already used on line 1"),
    ("", "The space is empty"),
    ("# only a comment", "The space is empty"),
    ("x" * 2001, "too long"),
    ("\n".join(f"d{i} real 0 1" for i in range(9)), "at most 8"),
])
def test_bad_space_text_gives_a_precise_message(text: str, message: str) -> None:
    parsed = parse_space(text)
    assert parsed.space is None
    assert any(message in e for e in parsed.errors), parsed.errors


def test_hostile_text_is_escaped_in_messages() -> None:
    errors = parse_space("[x](javascript:alert(1)) real 0 1").errors
    assert errors and "\\[x\\]" in errors[0] and "](" not in errors[0]


# ------------------------------------------------------------------ charts
@pytest.fixture(scope="module")
def trials() -> pd.DataFrame:
    return opt.optimize("random", opt.default_space(), 12, 3)


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_convergence_chart(trials: pd.DataFrame) -> None:
    spec = charts.convergence_chart(trials, n_trials=30, target=0.69).to_dict()
    layers = _layers(spec)
    marks = [layer["mark"]["type"] for layer in layers]
    assert marks == ["circle", "line", "rule"]
    assert layers[1]["mark"]["interpolate"] == "step-after"
    assert layers[0]["encoding"]["x"]["scale"]["domain"] == [1, 30]
    assert layers[1]["encoding"]["y"]["field"] == "best_so_far"
    data = next(iter(spec["datasets"].values()))
    assert len(data) == len(trials)
    assert spec["width"] == "container" and "title" in spec


def test_heatmap_cells_tile_the_axes_and_trials_sit_on_top(trials: pd.DataFrame) -> None:
    space = opt.default_space()
    surface = opt.surrogate_surface(space, trials, "temperature", "max_tokens", seed=1,
                                    resolution=5)
    spec = charts.surrogate_heatmap(surface, trials, space, "temperature", "max_tokens").to_dict()
    cells, dots = spec["layer"]
    assert cells["mark"]["type"] == "rect" and dots["mark"]["type"] == "point"
    assert cells["encoding"]["color"]["field"] == "mean"
    assert cells["encoding"]["color"]["scale"]["scheme"] == "viridis"
    assert cells["encoding"]["y"]["scale"]["type"] == "log"  # max_tokens is log-scaled
    data = spec["datasets"][cells["data"]["name"]]
    frame = pd.DataFrame(data)
    # neighbouring cells share an edge: no gaps, no overlaps
    xs = frame.drop_duplicates("temperature").sort_values("temperature")
    assert np.allclose(xs["x_hi"].to_numpy()[:-1], xs["x_lo"].to_numpy()[1:])
    assert len(spec["datasets"][dots["data"]["name"]]) == len(trials)
    for field in ("std", "ei"):
        other = charts.surrogate_heatmap(surface, trials, space, "temperature", "max_tokens",
                                         color_by=field).to_dict()
        assert other["layer"][0]["encoding"]["color"]["field"] == field
    with pytest.raises(ValueError, match="color_by"):
        charts.surrogate_heatmap(surface, trials, space, "temperature", "max_tokens",
                                 color_by="score")


def test_heatmap_with_a_categorical_axis() -> None:
    space = parse_space("temperature real 0 2\nstyle categorical a, b, c").space
    assert space is not None
    tr = opt.optimize("random", space, 8, 2)
    surface = opt.surrogate_surface(space, tr, "temperature", "style", seed=2, resolution=4)
    spec = charts.surrogate_heatmap(surface, tr, space, "temperature", "style").to_dict()
    assert spec["layer"][0]["encoding"]["y"]["type"] == "nominal"
    assert len(surface) == 4 * 3


def test_parallel_frame_scales_each_dimension(trials: pd.DataFrame) -> None:
    space = opt.default_space()
    frame = charts.parallel_frame(trials, space)
    assert len(frame) == len(trials) * 3
    assert frame["position"].between(0, 1).all()
    row = trials.iloc[0]
    got = frame[(frame["trial"] == row["trial"]) & (frame["dimension"] == "max_tokens")]
    expected = np.log(row["max_tokens"] / 100) / np.log(2000 / 100)
    assert got["position"].iloc[0] == pytest.approx(expected)
    spec = charts.parallel_coordinates(frame, space.names).to_dict()
    assert spec["mark"]["type"] == "line"
    assert spec["encoding"]["detail"]["field"] == "trial"
    assert spec["encoding"]["x"]["sort"] == space.names


def test_comparison_chart_has_a_band_and_a_line_per_strategy() -> None:
    curves = pd.DataFrame({
        "strategy": ["grid", "random", "bayesian"] * 2, "trial": [1, 1, 1, 2, 2, 2],
        "median": [0.1, 0.2, 0.3, 0.2, 0.3, 0.4], "q25": 0.0, "q75": 0.5, "n_seeds": 3})
    spec = charts.comparison_chart(curves).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line"]
    data = next(iter(spec["datasets"].values()))
    assert {row["strategy"] for row in data} == set(charts.STRATEGY_LABELS.values())


def test_advisor_charts_validate_against_the_vega_lite_schema() -> None:
    """Every advisor chart builder gives a valid spec (``to_dict`` validates it)."""
    from crucible_scenarios import advisor
    from crucible_scenarios.optimization import Dimension, SearchSpace
    from crucible_ui.optimization import charts as advisor_charts

    space = SearchSpace((Dimension("t", "real", 0.01, 2.0, log=True),
                         Dimension("s", "categorical", categories=("a", "b"))))
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(space.sample(rng, 8))
    frame["score"] = rng.uniform(0, 1, 8)
    fit = advisor.fit_surrogate(space, frame, seed=0)
    for name in space.names:
        curve = advisor.partial_dependence(fit, [name])
        spec = advisor_charts.partial_dependence_chart(curve, name, space,
                                                       trials=frame).to_dict()
        assert spec["title"]
    pd2 = advisor.partial_dependence(fit, ["t", "s"], n_points=5)
    heat = advisor_charts.partial_dependence_heatmap(pd2, "t", "s", space).to_dict()
    assert heat["mark"]["type"] == "rect" and len(pd2) == 10
    shares = advisor.importance(fit)
    assert advisor_charts.importance_chart(shares).to_dict()["mark"]["type"] == "bar"
    curve = advisor.convergence(space, frame, seed=0, max_fits=3)
    assert advisor_charts.advisor_convergence_chart(curve).to_dict()
    table = pd.DataFrame({"label": ["Random, best observed"], "median": [0.6], "q25": [0.55],
                          "q75": [0.65]})
    assert advisor_charts.recommendation_chart(table).to_dict()
