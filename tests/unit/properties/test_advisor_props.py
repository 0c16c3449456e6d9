"""Properties of the advisor (``advisor``): on random trial tables over random spaces the
suggestions stay inside the space and repeat by seed, the recommendation is a tried
configuration, partial dependence and variance shares keep their ranges, the study files
carry the space and seed; bad arguments raise ``ValueError`` naming them."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_scenarios import advisor as adv
from crucible_scenarios import optimization as opt
from crucible_scenarios.optimization import Dimension, SearchSpace
from tests.unit.properties import exercises

SLOW = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FAST = settings(max_examples=25, deadline=None)

SPACES = [
    SearchSpace((Dimension("a", "real", 0.0, 1.0), Dimension("b", "integer", 1, 100, log=True))),
    SearchSpace((Dimension("t", "real", -2.0, 3.0),
                 Dimension("s", "categorical", categories=("x", "y", "z")))),
]


def _trials(space: SearchSpace, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(space.sample(rng, n))
    frame["score"] = rng.uniform(0, 1, n)
    return frame


@exercises(adv.suggest, adv.make_optimizer)
@SLOW
@given(st.sampled_from(SPACES), st.integers(3, 12), st.integers(0, 2**32 - 1),
       st.integers(1, 4))
def test_suggestions_inside_the_space_and_repeatable(space: SearchSpace, n_trials: int,
                                                     seed: int, n: int) -> None:
    frame = _trials(space, n_trials, seed)
    out = adv.suggest(space, frame, n, seed=seed)
    assert len(out) == n
    assert all(space.contains(r) for r in out[space.names].to_dict("records"))
    assert (out["predicted_sd"] >= 0).all()
    pd.testing.assert_frame_equal(out, adv.suggest(space, frame, n, seed=seed))
    assert adv.make_optimizer(space, seed).space.n_dims == len(space.names)


@exercises(adv.recommend, adv.fit_surrogate, adv.convergence)
@SLOW
@given(st.sampled_from(SPACES), st.integers(2, 10), st.integers(0, 1000), st.booleans())
def test_recommendation_is_a_tried_configuration(space: SearchSpace, n_trials: int, seed: int,
                                                 maximize: bool) -> None:
    frame = _trials(space, n_trials, seed)
    best = adv.recommend(space, frame, seed=seed, maximize=maximize)
    tried = frame[space.names].to_dict("records")
    assert {n: best[n] for n in space.names} in tried
    assert best["gap"] >= -1e-9 or not best["same_as_best_observed"]
    fit = adv.fit_surrogate(space, frame, seed=seed, maximize=maximize)
    assert len(fit.configs) == n_trials
    curve = adv.convergence(space, frame, seed=seed, maximize=maximize, max_fits=3)
    assert curve["trial"].is_monotonic_increasing and curve["trial"].iloc[-1] == n_trials


@exercises(adv.partial_dependence, adv.importance)
@SLOW
@given(st.sampled_from(SPACES), st.integers(0, 1000))
def test_partial_dependence_and_shares(space: SearchSpace, seed: int) -> None:
    fit = adv.fit_surrogate(space, _trials(space, 8, seed), seed=seed)
    one = adv.partial_dependence(fit, [space.names[0]], n_points=5, n_samples=20)
    assert len(one) == 5 and one["score"].notna().all()
    two = adv.partial_dependence(fit, space.names, n_points=4, n_samples=10)
    assert len(two) == 4 * (4 if space.dimensions[1].kind != "categorical" else 3)
    shares = adv.importance(fit, n_points=5, n_samples=30)
    assert shares["share"].sum() == pytest.approx(1.0)
    assert ((shares["first_order"] >= 0) & (shares["share"] <= 1 + 1e-12)).all()
    with pytest.raises(ValueError, match="dims"):
        adv.partial_dependence(fit, ["nope"])


@exercises(adv.space_to_dict, adv.space_from_dict, adv.study_json, adv.study_csv,
           adv.with_suggestions)
@FAST
@given(st.sampled_from(SPACES), st.integers(0, 2**32 - 1), st.booleans())
def test_study_files_carry_space_and_seed(space: SearchSpace, seed: int,
                                          maximize: bool) -> None:
    assert adv.space_from_dict(json.loads(json.dumps(adv.space_to_dict(space)))) == space
    trials = adv.Trials(_trials(space, 3, seed % 1000), space, maximize, seed)
    extra = pd.DataFrame(space.sample(np.random.default_rng(seed), 2))
    doc = json.loads(adv.study_json(trials, extra))
    assert doc["seed"] == seed and doc["maximize"] is maximize
    assert len(doc["trials"]) == 3 and len(doc["suggestions"]) == 2
    text = adv.study_csv(trials, extra)
    assert f"# seed: {seed}" in text and text.count("suggested") == 2
    grown = adv.with_suggestions(trials, extra)
    assert len(grown.frame) == 5 and grown.frame["score"].isna().sum() == 2


@exercises(adv.binomial_noise)
@FAST
@given(st.lists(st.floats(0, 1), min_size=1, max_size=20), st.integers(1, 1000))
def test_binomial_noise_bounds(p: list[float], n: int) -> None:
    value = adv.binomial_noise(np.array(p), np.full(len(p), n))
    assert 0 < value <= 0.25 / n + 1e-12
    with pytest.raises(ValueError, match="proportions"):
        adv.binomial_noise(np.array([1.5]), np.array([n]))


@pytest.mark.parametrize(("call", "word"), [
    (lambda: adv.suggest(SPACES[0], _trials(SPACES[0], 4, 0), 0), "n"),
    (lambda: adv.suggest(SPACES[0], _trials(SPACES[0], 4, 0), acq_func="X"), "acq_func"),
    (lambda: adv.suggest(SPACES[0], _trials(SPACES[0], 1, 0)), "at least two"),
    (lambda: adv.recommend("space", _trials(SPACES[0], 4, 0)), "space"),  # type: ignore[arg-type]
    (lambda: adv.space_from_dict({"a": 1}), "list"),
])
def test_bad_arguments_name_themselves(call: Any, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        call()


@exercises(opt.compare_recommendations)
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 1000))
def test_recommendation_comparison_orders_its_quantiles(seed: int) -> None:
    table = opt.compare_recommendations(opt.default_space(), 3, [seed, seed + 1])
    assert len(table) == 6 and (table["n_seeds"] == 2).all()
    assert ((table["q25"] <= table["median"]) & (table["median"] <= table["q75"])).all()
    assert ((table["median"] > 0) & (table["median"] <= opt.TRUE_OPTIMUM_ACCURACY)).all()
    with pytest.raises(ValueError, match="seeds"):
        opt.compare_recommendations(opt.default_space(), 3, [])


@exercises(adv.single_thread)
def test_single_thread_limits_blas_inside_only() -> None:
    from threadpoolctl import threadpool_info

    with adv.single_thread():
        inside = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    assert all(n == 1 for n in inside)
