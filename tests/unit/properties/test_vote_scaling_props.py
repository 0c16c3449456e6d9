"""Property-based checks (hypothesis) of ``crucible_scenarios.vote_scaling``: the
strict-majority probability equals the Binomial(K, p) survival P(X > K/2)
(``scipy.stats.binom``) and rises with p, the scaling curve averages it over items (K = 1
gives the mean p; all items above 1/2 make accuracy rise with odd K), the two-level
mixture equals the curve of its expanded item list, per-item success shares are direct
counts, the mock simulations are deterministic by seed, and bad arguments raise
ValueError naming them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from crucible_scenarios import vote_scaling
from tests.unit.properties import exercises

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Subnormal p make scipy's binom.pmf raise OverflowError (Boost ibeta_derivative), so
# the exact ends 0 and 1 are drawn apart from the interior.
prob = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(1e-9, 1 - 1e-9))
probs = st.lists(prob, min_size=1, max_size=20)
call_counts = st.lists(st.integers(1, 60), min_size=1, max_size=8)


def _brute(p: np.ndarray, k: int) -> np.ndarray:
    """P(X > k/2) for X ~ Binomial(k, p): the direct sum of the pmf over x > k/2."""
    x = np.arange(k + 1)
    pmf = stats.binom.pmf(x[None, :], k, np.asarray(p, dtype=float)[:, None])
    return np.asarray(pmf[:, x > k / 2].sum(axis=1))


@exercises(vote_scaling.majority_probability)
@FAST
@given(p=probs, k=st.integers(1, 200))
def test_majority_probability_is_the_binomial_tail(p: list[float], k: int) -> None:
    got = vote_scaling.majority_probability(np.array(p), k)
    np.testing.assert_allclose(got, _brute(np.array(p), k), atol=1e-10)
    np.testing.assert_allclose(got, stats.binom.sf(k // 2, k, p), atol=1e-10)
    grid = np.linspace(0.0, 1.0, 41)
    curve = vote_scaling.majority_probability(grid, k)
    assert np.all(np.diff(curve) >= -1e-12)
    assert curve[0] == pytest.approx(0.0) and curve[-1] == pytest.approx(1.0)


@exercises(vote_scaling.vote_scaling)
@FAST
@given(p=probs, ks=call_counts, data=st.data())
def test_vote_scaling_averages_the_tail_over_items(p: list[float], ks: list[int],
                                                   data: st.DataObject) -> None:
    weights = data.draw(st.lists(st.floats(0.01, 5.0), min_size=len(p), max_size=len(p)))
    for w in (None, weights):
        out = vote_scaling.vote_scaling(p, [1, *ks], weights=w)
        mass = np.full(len(p), 1 / len(p)) if w is None else np.array(w) / sum(w)
        expected = [float(_brute(np.array(p), k) @ mass) for k in [1, *ks]]
        np.testing.assert_allclose(out["accuracy"], expected, atol=1e-10)
        assert out["accuracy"].iloc[0] == pytest.approx(float(np.array(p) @ mass))
        np.testing.assert_allclose(out["gain"], out["accuracy"] - out["accuracy"].iloc[0])
        assert out["best"].sum() == 1
        best = out.loc[out["best"]].iloc[0]
        assert best["accuracy"] >= out["accuracy"].max() - 1e-12
        assert out.attrs["best_k"] == best["k"]
    with pytest.raises(ValueError, match="ks"):
        vote_scaling.vote_scaling(p, [0])
    with pytest.raises(ValueError, match="ks"):
        vote_scaling.vote_scaling(p, [])
    with pytest.raises(ValueError, match="p_correct"):
        vote_scaling.vote_scaling([*p, 1.5], ks)
    with pytest.raises(ValueError, match="weights"):
        vote_scaling.vote_scaling(p, ks, weights=[1.0] * (len(p) + 1))


@exercises(vote_scaling.vote_scaling)
@FAST
@given(p=st.lists(st.floats(0.51, 0.99), min_size=1, max_size=20),
       low=st.lists(st.floats(0.01, 0.49), min_size=1, max_size=20))
def test_odd_k_helps_easy_items_and_hurts_hard_ones(p: list[float], low: list[float]) -> None:
    odd = list(range(1, 42, 2))
    up = vote_scaling.vote_scaling(p, odd)["accuracy"].to_numpy()
    down = vote_scaling.vote_scaling(low, odd)["accuracy"].to_numpy()
    assert np.all(np.diff(up) >= -1e-12) and np.all(np.diff(down) <= 1e-12)
    # The best K is the largest on easy items (up to ties within 1e-12), 1 on hard ones.
    assert up[odd.index(vote_scaling.vote_scaling(p, odd).attrs["best_k"])] >= up[-1] - 1e-12
    assert vote_scaling.vote_scaling(low, odd).attrs["best_k"] == 1


@exercises(vote_scaling.mixture_scaling)
@FAST
@given(easy=st.integers(0, 10), total=st.integers(1, 10), p_easy=st.floats(0.0, 1.0),
       p_hard=st.floats(0.0, 1.0), ks=call_counts)
def test_mixture_equals_its_expanded_items(easy: int, total: int, p_easy: float,
                                           p_hard: float, ks: list[int]) -> None:
    easy = min(easy, total)
    mixed = vote_scaling.mixture_scaling(easy / total, p_easy, p_hard, ks)
    items = [p_easy] * easy + [p_hard] * (total - easy)
    direct = vote_scaling.vote_scaling(items, ks)
    np.testing.assert_allclose(mixed["accuracy"], direct["accuracy"], atol=1e-10)
    assert list(mixed["k"]) == list(ks)
    for name, args in (("easy_share", (1.2, p_easy, p_hard)),
                       ("p_easy", (0.5, -0.1, p_hard)), ("p_hard", (0.5, p_easy, 2.0))):
        with pytest.raises(ValueError, match=name):
            vote_scaling.mixture_scaling(*args, ks)


@exercises(vote_scaling.item_success_shares)
@FAST
@given(scores=st.lists(st.tuples(st.integers(0, 5), st.floats(0.0, 1.0)), min_size=1,
                       max_size=40),
       threshold=st.floats(0.05, 0.95))
def test_item_success_shares_are_direct_counts(scores: list[tuple[int, float]],
                                               threshold: float) -> None:
    items = pd.DataFrame({"item_id": [f"i{i}" for i, _ in scores],
                          "score": [s for _, s in scores]})
    out = vote_scaling.item_success_shares(items, threshold=threshold)
    order = list(dict.fromkeys(items["item_id"]))
    assert list(out.index) == order
    for item in order:
        mine = [s for i, s in scores if f"i{i}" == item]
        assert out[item] == pytest.approx(np.mean([s >= threshold for s in mine]))
    with pytest.raises(ValueError, match="score"):
        vote_scaling.item_success_shares(items.drop(columns="score"))


@exercises(vote_scaling.mock_success_probabilities)
@FAST
@given(model=st.sampled_from(["gpt-4", "llama-3", "mixtral"]), n=st.integers(1, 60),
       seed=st.integers(0, 2**32 - 1), r=st.floats(0.0, 0.9))
def test_mock_probabilities_are_probabilities_fixed_by_seed(model: str, n: int, seed: int,
                                                            r: float) -> None:
    p = vote_scaling.mock_success_probabilities(model, n, seed, correlation=r)
    assert p.shape == (n,) and np.all((p >= 0) & (p <= 1))
    np.testing.assert_array_equal(
        p, vote_scaling.mock_success_probabilities(model, n, seed, correlation=r))
    with pytest.raises(ValueError, match="n_questions"):
        vote_scaling.mock_success_probabilities(model, 0, seed)
    with pytest.raises(ValueError, match="correlation"):
        vote_scaling.mock_success_probabilities(model, n, seed, correlation=1.0)
    with pytest.raises(ValueError, match="unknown model"):
        vote_scaling.mock_success_probabilities("no-such-model", n, seed)


@exercises(vote_scaling.simulate_mock_voting)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=st.sampled_from(["gpt-4", "mixtral"]),
       ks=st.lists(st.integers(1, 5), min_size=1, max_size=3), n=st.integers(1, 20),
       seed=st.integers(0, 2**32 - 1))
def test_simulated_voting_is_fixed_by_seed(model: str, ks: list[int], n: int,
                                           seed: int) -> None:
    out = vote_scaling.simulate_mock_voting(model, ks, n, seed)
    assert list(out["k"]) == ks
    for col in ("plurality", "strict_majority"):
        shares = out[col].to_numpy() * n
        assert np.all((out[col] >= 0) & (out[col] <= 1))
        np.testing.assert_allclose(shares, np.round(shares), atol=1e-9)
    pd.testing.assert_frame_equal(out, vote_scaling.simulate_mock_voting(model, ks, n, seed))
    with pytest.raises(ValueError, match="ks"):
        vote_scaling.simulate_mock_voting(model, [0], n, seed)
    with pytest.raises(ValueError, match="n_questions"):
        vote_scaling.simulate_mock_voting(model, ks, 0, seed)
