"""Properties of the parameter search (``optimization``): on random search spaces the
dimensions, the grid, sampling, the searches, the surrogate and the comparison keep their
documented invariants (membership, sizes, orderings, probabilities in [0, 1], same seed
same result); bad arguments raise ``ValueError`` naming them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crucible_scenarios import optimization as opt
from crucible_scenarios.optimization import (
    BRANIN_MINIMUM,
    DEFAULT_CONFIG,
    KINDS,
    RESERVED_NAMES,
    STRATEGIES,
    Dimension,
    SearchSpace,
)
from tests.unit.properties import exercises

FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
SLOW = settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**32 - 1)
bad_numbers = st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]),
                        st.text(min_size=1, max_size=4).filter(lambda s: not _is_number(s)),
                        st.none(), st.lists(st.integers(), max_size=2))
dim_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: n not in RESERVED_NAMES)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@st.composite
def dimensions(draw: st.DrawFn, name: str | None = None,
               kinds: tuple[str, ...] = KINDS) -> Dimension:
    """A random dimension: a real or integer range (maybe log-scaled) or 2-5 categories."""
    label = name or draw(dim_names)
    kind = draw(st.sampled_from(kinds))
    if kind == "categorical":
        cats = draw(st.lists(st.text(min_size=1, max_size=6), min_size=2, max_size=5,
                             unique=True))
        return Dimension(label, "categorical", categories=tuple(cats))
    log = draw(st.booleans())
    if kind == "integer":
        low = draw(st.integers(1 if log else -50, 100))
        return Dimension(label, "integer", low, low + draw(st.integers(1, 300)), log=log)
    low = draw(st.floats(1e-3 if log else -100.0, 100.0))
    high = low + draw(st.floats(1e-3, 100.0))
    assume(low < high)
    return Dimension(label, "real", low, high, log=log)


def spaces(kinds: tuple[str, ...] = KINDS, max_size: int = 4) -> st.SearchStrategy[SearchSpace]:
    return st.lists(dim_names, min_size=1, max_size=max_size, unique=True).flatmap(
        lambda names: st.tuples(*[dimensions(n, kinds) for n in names])).map(SearchSpace)


def _toy_objective(config: dict[str, Any]) -> float:
    """A cheap deterministic score of any configuration."""
    return float(sum(float(v) if not isinstance(v, str) else len(v) for v in config.values()))


def _close(text: str, value: float) -> bool:
    try:
        return math.isclose(float(text), value, rel_tol=1e-5, abs_tol=1e-9)
    except ValueError:
        return False


def _without_time(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["elapsed_s"])


# --- dimensions ---------------------------------------------------------------------------------

@exercises(Dimension.levels, Dimension.contains)
@FAST
@given(dim=dimensions(), k=st.integers(1, 40))
def test_levels_are_evenly_spread_members(dim: Dimension, k: int) -> None:
    levels = dim.levels(k)
    assert 1 <= len(levels) <= k
    assert all(dim.contains(v) for v in levels)
    assert len(set(levels)) == len(levels)
    if dim.kind == "categorical":
        assert levels == list(dim.categories[:k])
        return
    assert levels == sorted(levels)
    if dim.kind == "real":
        assert len(levels) == k
    if k >= 2:
        assert levels[0] == dim.low and levels[-1] == dim.high
    if dim.kind == "real" and k >= 3:
        steps = np.diff(np.log(levels) if dim.log else np.array(levels))
        np.testing.assert_allclose(steps, steps[0], rtol=1e-6, atol=1e-9)


@exercises(Dimension.levels, Dimension.sample)
@FAST
@given(dim=dimensions(), k=st.one_of(st.integers(max_value=0), st.floats(), st.text(max_size=2)),
       n=st.one_of(st.integers(max_value=-1), st.floats()),
       rng=st.one_of(st.integers(), st.none(), st.text(max_size=2)))
def test_levels_and_sample_reject_bad_counts(dim: Dimension, k: object, n: object,
                                             rng: object) -> None:
    with pytest.raises(ValueError, match=r"^k "):
        dim.levels(k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^n "):
        dim.sample(np.random.default_rng(0), n)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rng"):
        dim.sample(rng, 3)  # type: ignore[arg-type]


@exercises(Dimension.sample, Dimension.contains)
@FAST
@given(dim=dimensions(), n=st.integers(0, 200), seed=seeds)
def test_dimension_samples_are_members_and_reproducible(dim: Dimension, n: int,
                                                        seed: int) -> None:
    draws = dim.sample(np.random.default_rng(seed), n)
    assert len(draws) == n
    assert all(dim.contains(v) for v in draws)
    assert draws == dim.sample(np.random.default_rng(seed), n)
    expected_type = {"categorical": str, "integer": int, "real": float}[dim.kind]
    assert all(type(v) is expected_type for v in draws)


@exercises(Dimension.contains)
@FAST
@given(dim=dimensions(kinds=("real", "integer")), share=st.floats(0.0, 1.0),
       outside=st.floats(1e-3, 1e6), hostile=st.one_of(
           bad_numbers, st.booleans(), st.just(object()), st.just(float("-inf"))))
def test_contains_is_a_total_predicate_on_numeric_dimensions(
        dim: Dimension, share: float, outside: float, hostile: object) -> None:
    inside = min(max(dim.low + share * (dim.high - dim.low), dim.low), dim.high)
    if dim.kind == "integer":
        inside = float(round(inside))
        assert dim.contains(int(inside)) and dim.contains(np.int64(int(inside)))
        assert not dim.contains(inside + 0.5)
    assert dim.contains(inside)
    assert not dim.contains(dim.low - outside) and not dim.contains(dim.high + outside)
    assert dim.contains(hostile) is False


@exercises(Dimension.contains)
@FAST
@given(dim=dimensions(kinds=("categorical",)),
       other=st.one_of(st.text(max_size=6), st.integers(), st.none(), bad_numbers))
def test_contains_on_categories_is_exact_membership(dim: Dimension, other: object) -> None:
    assert all(dim.contains(c) for c in dim.categories)
    assert dim.contains(other) is (other in dim.categories)


@exercises(Dimension.to_skopt, Dimension.describe)
@FAST
@given(dim=dimensions())
def test_to_skopt_and_describe_match_the_dimension(dim: Dimension) -> None:
    from skopt.space import Categorical, Integer, Real

    sk = dim.to_skopt()
    assert sk.name == dim.name
    text = dim.describe()
    if dim.kind == "categorical":
        assert isinstance(sk, Categorical) and tuple(sk.categories) == dim.categories
        assert all(c in text for c in dim.categories)
        return
    assert isinstance(sk, Integer if dim.kind == "integer" else Real)
    assert (sk.low, sk.high) == (dim.low, dim.high)
    assert sk.prior == ("log-uniform" if dim.log else "uniform")
    kind, bounds, *scale = text.split(" ")
    assert kind == dim.kind and scale == (["(log)"] if dim.log else [])
    # "low-high": some '-' splits the text into the two bounds (6 significant digits).
    splits = [(bounds[:i], bounds[i + 1:]) for i, ch in enumerate(bounds) if ch == "-"]
    assert any(_close(a, dim.low) and _close(b, dim.high) for a, b in splits), text


# --- spaces and grids ---------------------------------------------------------------------------

@exercises(SearchSpace.sample, SearchSpace.contains)
@FAST
@given(space=spaces(), n=st.integers(0, 50), seed=seeds, data=st.data())
def test_space_samples_are_contained_and_reproducible(space: SearchSpace, n: int, seed: int,
                                                      data: st.DataObject) -> None:
    configs = space.sample(np.random.default_rng(seed), n)
    assert len(configs) == n
    assert all(list(c) == space.names and space.contains(c) for c in configs)
    assert configs == space.sample(np.random.default_rng(seed), n)
    if configs:
        broken = dict(configs[0])
        gone = data.draw(st.sampled_from(space.names))
        del broken[gone]
        assert not space.contains(broken)
        broken[gone] = math.nan
        assert not space.contains(broken)


@exercises(SearchSpace.sample, SearchSpace.contains)
@FAST
@given(space=spaces(max_size=2), n=st.one_of(st.integers(max_value=-1), st.floats()),
       config=st.one_of(st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2)))
def test_space_rejects_bad_counts_and_configs(space: SearchSpace, n: object,
                                              config: object) -> None:
    with pytest.raises(ValueError, match=r"^n "):
        space.sample(np.random.default_rng(0), n)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rng"):
        space.sample("seed", 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="config"):
        space.contains(config)  # type: ignore[arg-type]


@exercises(opt.grid_plan, opt.grid_points)
@FAST
@given(space=spaces(), n_trials=st.integers(1, 300))
def test_grid_fits_the_budget_and_lists_every_point_once(space: SearchSpace,
                                                         n_trials: int) -> None:
    plan = opt.grid_plan(space, n_trials)
    assert plan.size == math.prod(plan.levels.values()) <= n_trials
    assert plan.unused == n_trials - plan.size >= 0
    for dim in space.dimensions:
        assert 1 <= plan.levels[dim.name] <= dim.n_values
    points = opt.grid_points(space, n_trials)
    assert len(points) == plan.size
    assert all(space.contains(p) for p in points)
    keys = [tuple(p[n] for n in space.names) for p in points]
    assert len(set(keys)) == len(keys)
    # A full Cartesian product with plan.levels values per axis, in lexicographic order of
    # the level indices (numeric levels ascend, categories keep their order).
    axes = []
    for j, dim in enumerate(space.dimensions):
        values = {key[j] for key in keys}
        assert len(values) == plan.levels[dim.name]
        axes.append([c for c in dim.categories if c in values] if dim.kind == "categorical"
                    else sorted(values))
    index = [tuple(axis.index(v) for axis, v in zip(axes, key, strict=True)) for key in keys]
    assert index == sorted(index)


@exercises(opt.grid_plan)
@FAST
@given(space=spaces(kinds=("real", "categorical")), n_trials=st.integers(1, 500))
def test_grid_plan_cannot_grow_within_the_budget(space: SearchSpace, n_trials: int) -> None:
    plan = opt.grid_plan(space, n_trials)
    for dim in space.dimensions:
        if plan.levels[dim.name] < dim.n_values:
            grown = plan.size // plan.levels[dim.name] * (plan.levels[dim.name] + 1)
            assert grown > n_trials


@exercises(opt.grid_plan)
@FAST
@given(space=spaces(kinds=("real",)), m=st.integers(1, 6), spare=st.integers(0, 100))
def test_grid_plan_of_a_power_budget_is_square(space: SearchSpace, m: int, spare: int) -> None:
    """A budget of m^d (plus less than one more row) on d real axes is an m x ... x m grid."""
    d = len(space.dimensions)
    n_trials = m**d + spare % max(1, m ** (d - 1))
    plan = opt.grid_plan(space, n_trials)
    assert set(plan.levels.values()) == {m}


@exercises(opt.grid_plan, opt.grid_points)
@FAST
@given(n_trials=st.one_of(st.integers(max_value=0), st.floats(), st.text(max_size=2)),
       space=st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=2)))
def test_grid_rejects_bad_budgets_and_spaces(n_trials: object, space: object) -> None:
    with pytest.raises(ValueError, match="n_trials"):
        opt.grid_plan(opt.default_space(), n_trials)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="space"):
        opt.grid_points(space, 10)  # type: ignore[arg-type]


@exercises(opt.default_space, opt.branin_space, opt.true_optimum, opt.expected_accuracy,
           opt.regret)
@FAST
@given(seed=seeds, n=st.integers(1, 30))
def test_true_optimum_is_in_the_space_and_beats_every_sample(seed: int, n: int) -> None:
    space = opt.default_space()
    assert space.names == ["temperature", "max_tokens", "few_shot"]
    assert opt.branin_space().names == ["x1", "x2"]
    config, accuracy = opt.true_optimum()
    assert space.contains(config) and 0.0 < accuracy < 1.0
    assert opt.expected_accuracy(config) == pytest.approx(accuracy, abs=1e-12)
    config["temperature"] = 99.0  # a copy: the documented optimum is unchanged
    assert opt.true_optimum()[0]["temperature"] != 99.0
    for sample in space.sample(np.random.default_rng(seed), n):
        # The optimum was found on a 0.005 x 1-token grid; the continuum adds ~1e-6.
        assert opt.expected_accuracy(sample) <= accuracy + 1e-5
        assert opt.regret(sample) >= -1e-5


# --- queries, probabilities and accuracy ---------------------------------------------------------

@exercises(opt.make_queries, opt.tuning_queries, opt.holdout_queries)
@FAST
@given(n=st.integers(1, 500), seed=seeds)
def test_query_sets_are_reproducible_and_disjoint_streams(n: int, seed: int) -> None:
    queries = opt.make_queries(n, seed)
    assert len(queries) == n
    assert set(np.unique(queries.task)) <= {0, 1} and (queries.length > 0).all()
    again = opt.make_queries(n, seed)
    np.testing.assert_array_equal(queries.difficulty, again.difficulty)
    tune, hold = opt.tuning_queries(seed, n), opt.holdout_queries(seed, n)
    assert len(tune) == len(hold) == n
    np.testing.assert_array_equal(tune.length, opt.tuning_queries(seed, n).length)
    assert not np.array_equal(tune.difficulty, hold.difficulty)


@exercises(opt.make_queries, opt.tuning_queries, opt.holdout_queries)
@FAST
@given(n=st.one_of(st.integers(max_value=0), st.integers(min_value=100_001), st.floats()),
       seed=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32), st.floats(),
                      st.text(max_size=2)))
def test_query_sets_reject_bad_sizes_and_seeds(n: object, seed: object) -> None:
    with pytest.raises(ValueError, match=r"^n "):
        opt.make_queries(n, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed"):
        opt.make_queries(5, seed)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed"):
        opt.tuning_queries(seed)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed"):
        opt.holdout_queries(seed)  # type: ignore[arg-type]


configs = st.fixed_dictionaries({}, optional={
    "temperature": st.floats(-1.0, 5.0), "max_tokens": st.integers(1, 8000),
    "few_shot": st.integers(0, 30), "unused_knob": st.floats(-1e9, 1e9)})


@exercises(opt.success_probabilities, opt.expected_accuracy, opt.expected_accuracy_grid)
@FAST
@given(config=configs, n=st.integers(1, 300), seed=seeds)
def test_probabilities_are_probabilities_and_consistent(config: dict[str, Any], n: int,
                                                        seed: int) -> None:
    queries = opt.make_queries(n, seed)
    p = opt.success_probabilities(config, queries)
    assert p.shape == (n,) and np.all((p >= 0) & (p <= 1))
    full = {**DEFAULT_CONFIG, **config}
    np.testing.assert_array_equal(p, opt.success_probabilities(full, queries))
    knobless = {k: v for k, v in config.items() if k != "unused_knob"}
    accuracy = opt.expected_accuracy(config)
    assert 0.0 <= accuracy <= 1.0
    assert accuracy == opt.expected_accuracy(knobless)
    grid = opt.expected_accuracy_grid(np.array([full["temperature"]]),
                                      np.array([full["max_tokens"]]),
                                      np.array([full["few_shot"]]))
    assert grid[0] == pytest.approx(accuracy, rel=1e-12)


@exercises(opt.expected_accuracy_grid)
@FAST
@given(rows=st.lists(st.tuples(st.floats(0.0, 2.0), st.integers(100, 2000),
                               st.integers(0, 10)), min_size=1, max_size=300))
def test_expected_accuracy_grid_matches_one_by_one(rows: list[tuple[float, int, int]]) -> None:
    t, m, k = (np.array(col) for col in zip(*rows, strict=True))
    grid = opt.expected_accuracy_grid(t, m, k)
    assert grid.shape == (len(rows),) and np.all((grid >= 0) & (grid <= 1))
    for i in range(0, len(rows), max(1, len(rows) // 5)):
        single = opt.expected_accuracy({"temperature": t[i], "max_tokens": m[i],
                                        "few_shot": k[i]})
        assert grid[i] == pytest.approx(single, rel=1e-12)


@exercises(opt.success_probabilities, opt.expected_accuracy, opt.expected_accuracy_grid)
@FAST
@given(key=st.sampled_from(["temperature", "max_tokens", "few_shot"]), bad=bad_numbers,
       extra=st.integers(1, 5))
def test_probabilities_reject_non_finite_parameters(key: str, bad: object, extra: int) -> None:
    queries = opt.make_queries(5, 0)
    with pytest.raises(ValueError, match=key):
        opt.success_probabilities({key: bad}, queries)
    with pytest.raises(ValueError, match=key):
        opt.expected_accuracy({key: bad})
    with pytest.raises(ValueError, match="config"):
        opt.success_probabilities([key], queries)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="queries"):
        opt.success_probabilities({}, [1, 2])  # type: ignore[arg-type]
    arrays = {"temperature": np.ones(3), "max_tokens": np.full(3, 500.0),
              "few_shot": np.ones(3)}
    arrays[key] = np.array([1.0, math.nan, 2.0])
    with pytest.raises(ValueError, match=key):
        opt.expected_accuracy_grid(**arrays)
    arrays[key] = np.ones(3 + extra)
    with pytest.raises(ValueError, match=key):
        opt.expected_accuracy_grid(**arrays)


@exercises(opt.objective)
@FAST
@given(config=configs, n=st.integers(1, 200), seed=seeds)
def test_objective_is_a_share_of_queries_and_reproducible(config: dict[str, Any], n: int,
                                                          seed: int) -> None:
    queries = opt.make_queries(n, seed)
    score = opt.objective(config, queries, seed)
    assert 0.0 <= score <= 1.0
    assert score * n == pytest.approx(round(score * n), abs=1e-9)
    assert opt.objective(config, queries, seed) == score
    with pytest.raises(ValueError, match="seed"):
        opt.objective(config, queries, -1 - seed)


# --- searches ------------------------------------------------------------------------------------

@exercises(opt.optimize, opt.iter_optimize, opt.grid_points)
@FAST
@given(space=spaces(), strategy=st.sampled_from(["grid", "random"]),
       n_trials=st.integers(2, 40), seed=seeds, maximize=st.booleans())
def test_grid_and_random_search_tables(space: SearchSpace, strategy: str, n_trials: int,
                                       seed: int, maximize: bool) -> None:
    trials = opt.optimize(strategy, space, n_trials, seed, objective=_toy_objective,
                          maximize=maximize)
    configs_run = trials[space.names].to_dict("records")
    assert list(trials["trial"]) == list(range(1, len(trials) + 1))
    assert all(space.contains(c) for c in configs_run)
    if strategy == "random":
        assert len(trials) == n_trials
    else:
        grid = opt.grid_points(space, n_trials)
        key = lambda c: tuple(str(c[n]) for n in space.names)  # noqa: E731
        assert sorted(map(key, configs_run)) == sorted(map(key, grid))
    running = trials["score"].cummax() if maximize else trials["score"].cummin()
    np.testing.assert_array_equal(trials["best_so_far"], running)
    assert (trials["elapsed_s"].diff().dropna() >= 0).all()
    frames = list(opt.iter_optimize(strategy, space, n_trials, seed, objective=_toy_objective,
                                    maximize=maximize))
    assert [len(f) for f in frames] == list(range(1, len(trials) + 1))
    pd.testing.assert_frame_equal(_without_time(frames[-1]), _without_time(trials))


@exercises(opt.optimize)
@SLOW
@given(space=spaces(max_size=3), n_trials=st.integers(2, 10), seed=seeds,
       acquisition=st.sampled_from(opt.ACQUISITIONS))
def test_bayesian_search_stays_in_the_space_and_is_reproducible(
        space: SearchSpace, n_trials: int, seed: int, acquisition: str) -> None:
    trials = opt.optimize("bayesian", space, n_trials, seed, objective=_toy_objective,
                          acquisition=acquisition)
    assert len(trials) == n_trials
    assert all(space.contains(c) for c in trials[space.names].to_dict("records"))
    np.testing.assert_array_equal(trials["best_so_far"], trials["score"].cummax())
    again = opt.optimize("bayesian", space, n_trials, seed, objective=_toy_objective,
                         acquisition=acquisition)
    pd.testing.assert_frame_equal(_without_time(trials), _without_time(again))


@exercises(opt.optimize)
@FAST
@given(n_trials=st.integers(2, 12), n_queries=st.integers(1, 60), seed=seeds)
def test_default_objective_scores_are_shares_of_the_tuning_set(n_trials: int, n_queries: int,
                                                               seed: int) -> None:
    trials = opt.optimize("random", opt.default_space(), n_trials, seed, n_queries=n_queries)
    scores = trials["score"].to_numpy()
    assert np.all((scores >= 0) & (scores <= 1))
    np.testing.assert_allclose(scores * n_queries, np.round(scores * n_queries), atol=1e-9)


@exercises(opt.optimize, opt.iter_optimize)
@FAST
@given(strategy=st.text(max_size=8), acquisition=st.text(max_size=8),
       n_trials=st.one_of(st.integers(max_value=1), st.integers(min_value=201)),
       seed=st.one_of(st.integers(max_value=-1), st.floats()),
       n_queries=st.one_of(st.integers(max_value=0), st.integers(min_value=10_001)),
       bad_score=st.sampled_from([math.nan, math.inf, "high", None]))
def test_searches_reject_bad_arguments(strategy: str, acquisition: str, n_trials: int,
                                       seed: object, n_queries: int, bad_score: object) -> None:
    assume(strategy not in STRATEGIES and acquisition not in opt.ACQUISITIONS)
    space = opt.branin_space()
    for run in (opt.optimize, lambda *a, **k: list(opt.iter_optimize(*a, **k))):
        with pytest.raises(ValueError, match="strategy"):
            run(strategy, space, 5, 0)
        with pytest.raises(ValueError, match="acquisition"):
            run("random", space, 5, 0, acquisition=acquisition)
        with pytest.raises(ValueError, match="n_trials"):
            run("random", space, n_trials, 0)
        with pytest.raises(ValueError, match="seed"):
            run("random", space, 5, seed)
        with pytest.raises(ValueError, match="n_queries"):
            run("random", opt.default_space(), 5, 0, n_queries=n_queries)
        with pytest.raises(ValueError, match="space"):
            run("random", [space], 5, 0)
        with pytest.raises(ValueError, match="objective"):
            run("random", space, 5, 0, objective=lambda c: bad_score)


@exercises(opt.best_config)
@FAST
@given(space=spaces(), seed=seeds, n=st.integers(1, 20), maximize=st.booleans(),
       scores=st.lists(st.integers(-3, 3), min_size=20, max_size=20))
def test_best_config_is_the_first_best_row(space: SearchSpace, seed: int, n: int,
                                           maximize: bool, scores: list[int]) -> None:
    rows = space.sample(np.random.default_rng(seed), n)
    trials = pd.DataFrame([{**r, "score": float(s)} for r, s in zip(rows, scores, strict=False)])
    best = opt.best_config(trials, space, maximize=maximize)
    target = max(scores[:n]) if maximize else min(scores[:n])
    first = scores[:n].index(target)
    assert best == rows[first]
    assert list(best) == space.names and space.contains(best)
    for dim in space.dimensions:
        assert type(best[dim.name]) is {"categorical": str, "integer": int, "real": float}[
            dim.kind]


@exercises(opt.best_config)
@FAST
@given(space=spaces(max_size=2), drop=st.booleans(), bad=bad_numbers)
def test_best_config_rejects_incomplete_tables(space: SearchSpace, drop: bool,
                                               bad: object) -> None:
    rows = space.sample(np.random.default_rng(0), 3)
    trials = pd.DataFrame([{**r, "score": 0.5} for r in rows])
    with pytest.raises(ValueError, match="trials"):
        opt.best_config(trials.drop(columns=["score" if drop else space.names[0]]), space)
    with pytest.raises(ValueError, match="trials"):
        opt.best_config(trials.iloc[0:0], space)
    with pytest.raises(ValueError, match="trials"):
        opt.best_config(trials.assign(score=[bad, 0.1, 0.2]), space)
    with pytest.raises(ValueError, match="space"):
        opt.best_config(trials, space.names)  # type: ignore[arg-type]


# --- surrogate, validation, comparison -----------------------------------------------------------

@exercises(opt.surrogate_surface)
@SLOW
@given(space=spaces(max_size=3).filter(lambda s: len(s.names) >= 2), n_trials=st.integers(2, 8),
       resolution=st.integers(2, 6), seed=seeds, maximize=st.booleans(), data=st.data())
def test_surrogate_surface_is_a_grid_with_non_negative_spread(
        space: SearchSpace, n_trials: int, resolution: int, seed: int, maximize: bool,
        data: st.DataObject) -> None:
    x, y = data.draw(st.permutations(space.names))[:2]
    trials = opt.optimize("random", space, n_trials, seed, objective=_toy_objective)
    surface = opt.surrogate_surface(space, trials, x, y, seed=seed, resolution=resolution,
                                    maximize=maximize)

    def axis(name: str) -> list[Any]:
        dim = space[name]
        if dim.kind == "categorical":
            return list(dim.categories)
        return dim.levels(resolution if dim.kind == "real" else
                          min(resolution, int(dim.n_values)))

    assert len(surface) == len(axis(x)) * len(axis(y))
    assert list(surface.columns) == [x, y, "mean", "std", "ei"]
    assert surface[x].map(space[x].contains).all() and surface[y].map(space[y].contains).all()
    assert (surface["std"] >= 0).all() and (surface["ei"] >= -1e-12).all()
    assert np.isfinite(surface[["mean", "std", "ei"]].to_numpy(dtype=float)).all()
    again = opt.surrogate_surface(space, trials, x, y, seed=seed, resolution=resolution,
                                  maximize=maximize)
    pd.testing.assert_frame_equal(surface, again)


@exercises(opt.surrogate_surface)
@FAST
@given(resolution=st.one_of(st.integers(max_value=1), st.integers(min_value=101)),
       name=st.text(max_size=6), seed=st.integers(max_value=-1))
def test_surrogate_surface_rejects_bad_arguments(resolution: int, name: str, seed: int) -> None:
    space = opt.default_space()
    assume(name not in space.names)
    trials = opt.optimize("random", space, 3, 0, n_queries=10)
    call = opt.surrogate_surface
    with pytest.raises(ValueError, match="trials"):
        opt.surrogate_surface(space, trials.drop(columns=["score"]), "temperature", "few_shot",
                              seed=0)
    with pytest.raises(ValueError, match="resolution"):
        call(space, trials, "temperature", "few_shot", seed=0, resolution=resolution)
    with pytest.raises(ValueError, match=r"^x "):
        call(space, trials, name, "few_shot", seed=0)
    with pytest.raises(ValueError, match=r"^y "):
        call(space, trials, "temperature", name, seed=0)
    with pytest.raises(ValueError, match="different"):
        call(space, trials, "few_shot", "few_shot", seed=0)
    with pytest.raises(ValueError, match="trials"):
        call(space, trials.iloc[:1], "temperature", "few_shot", seed=0)
    with pytest.raises(ValueError, match="seed"):
        call(space, trials, "temperature", "few_shot", seed=seed)
    with pytest.raises(ValueError, match="fixed"):
        call(space, trials, "temperature", "few_shot", seed=0, fixed={"temperature": 1.0})


@exercises(opt.validate)
@FAST
@given(confidence=st.one_of(st.floats(max_value=0.4999), st.floats(min_value=1.0),
                            st.sampled_from([math.nan, math.inf])),
       seed=st.one_of(st.integers(max_value=-1), st.floats()), key=st.sampled_from(
           ["temperature", "max_tokens", "few_shot"]), bad=bad_numbers)
def test_validate_rejects_bad_arguments(confidence: float, seed: object, key: str,
                                        bad: object) -> None:
    with pytest.raises(ValueError, match="confidence"):
        opt.validate({}, 10, 0, confidence=confidence)
    with pytest.raises(ValueError, match="seed"):
        opt.validate({}, 10, seed)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=key):
        opt.validate({key: bad}, 10, 0)


@exercises(opt.compare_strategies, opt.optimize, opt.branin)
@SLOW
@given(n_trials=st.integers(2, 4), seeds_=st.lists(st.integers(0, 1000), min_size=1,
                                                    max_size=2, unique=True))
def test_compare_strategies_quantiles_are_ordered(n_trials: int, seeds_: list[int]) -> None:
    table = opt.compare_strategies(opt.branin_space(), n_trials, seeds_, objective=opt.branin,
                                   maximize=False)
    assert set(table["strategy"]) == set(STRATEGIES)
    assert (table["q25"] <= table["median"] + 1e-12).all()
    assert (table["median"] <= table["q75"] + 1e-12).all()
    assert table["n_seeds"].between(1, len(seeds_)).all()
    for _, part in table.groupby("strategy"):
        assert list(part["trial"]) == list(range(1, len(part) + 1))
        assert part["median"].is_monotonic_decreasing  # best-so-far of a minimization
    random_part = table[table["strategy"] == "random"]
    curves = np.array([opt.optimize("random", opt.branin_space(), n_trials, s,
                                    objective=opt.branin, maximize=False)["best_so_far"]
                       for s in seeds_])
    np.testing.assert_allclose(random_part["median"], np.median(curves, axis=0))


@exercises(opt.compare_strategies)
@FAST
@given(seeds_=st.one_of(st.just([]), st.lists(st.integers(max_value=-1), min_size=1,
                                               max_size=2),
                        st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=2),
                        st.integers()))
def test_compare_strategies_rejects_bad_seeds(seeds_: object) -> None:
    with pytest.raises(ValueError, match="seeds"):
        opt.compare_strategies(opt.branin_space(), 3, seeds_,  # type: ignore[arg-type]
                               objective=opt.branin, maximize=False)


@exercises(opt.branin)
@FAST
@given(config=st.builds(dict, x1=st.floats(-5.0, 10.0), x2=st.floats(0.0, 15.0)))
def test_branin_never_goes_below_its_minimum(config: dict[str, float]) -> None:
    assert opt.branin(config) >= BRANIN_MINIMUM - 1e-6
    # The three global minimizers (Dixon & Szego 1978).
    for x1, x2 in ((-math.pi, 12.275), (math.pi, 2.275), (9.42478, 2.475)):
        assert opt.branin({"x1": x1, "x2": x2}) == pytest.approx(BRANIN_MINIMUM, abs=1e-5)


@exercises(opt.branin)
@FAST
@given(key=st.sampled_from(["x1", "x2"]), bad=bad_numbers)
def test_branin_rejects_missing_or_bad_coordinates(key: str, bad: object) -> None:
    config: dict[str, object] = {"x1": 1.0, "x2": 2.0}
    config[key] = bad
    with pytest.raises(ValueError, match=key):
        opt.branin(config)
    del config[key]
    with pytest.raises(ValueError, match=key):
        opt.branin(config)
    with pytest.raises(ValueError, match="config"):
        opt.branin([1.0, 2.0])  # type: ignore[arg-type]


@exercises(opt.hartmann6, opt.hartmann6_space)
@FAST
@given(x=st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6))
def test_hartmann6_never_goes_below_its_published_minimum(x: list[float]) -> None:
    space = opt.hartmann6_space()
    assert space.names == [f"x{i}" for i in range(1, 7)]
    config = dict(zip(space.names, x, strict=True))
    assert all(d.contains(config[d.name]) for d in space.dimensions)
    assert opt.hartmann6(config) >= opt.HARTMANN6_MINIMUM - 1e-5


@exercises(opt.hartmann6)
def test_hartmann6_minimum_is_where_the_literature_puts_it() -> None:
    from scipy.optimize import minimize

    names = opt.hartmann6_space().names
    at = dict(zip(names, opt.HARTMANN6_MINIMIZER, strict=True))
    assert opt.hartmann6(at) == pytest.approx(opt.HARTMANN6_MINIMUM, abs=1e-5)
    # a local search started at the published minimizer stays there
    found = minimize(lambda v: opt.hartmann6(dict(zip(names, v, strict=True))),
                     opt.HARTMANN6_MINIMIZER, bounds=[(0, 1)] * 6, method="L-BFGS-B")
    assert found.fun == pytest.approx(opt.HARTMANN6_MINIMUM, abs=1e-5)
    assert np.allclose(found.x, opt.HARTMANN6_MINIMIZER, atol=1e-3)
    # a worse point is worse: the centre of the cube
    assert opt.hartmann6(dict.fromkeys(names, 0.5)) > -1.0


@exercises(opt.hartmann6)
@FAST
@given(key=st.sampled_from([f"x{i}" for i in range(1, 7)]), bad=bad_numbers)
def test_hartmann6_rejects_missing_or_bad_coordinates(key: str, bad: object) -> None:
    config: dict[str, object] = {f"x{i}": 0.5 for i in range(1, 7)}
    config[key] = bad
    with pytest.raises(ValueError, match=key):
        opt.hartmann6(config)
    del config[key]
    with pytest.raises(ValueError, match=key):
        opt.hartmann6(config)
