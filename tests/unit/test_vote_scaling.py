"""The scaling law of repeated majority voting: exact curve against the closed form and
a brute-force binomial sum, Chen et al.'s mixture, and the mock's own curve."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from crucible_scenarios.ensemble import (
    item_success_shares,
    majority_probability,
    mixture_scaling,
    mock_success_probabilities,
    simulate_mock_voting,
    vote_scaling,
)


def brute_majority(p: float, k: int) -> float:
    """P(Binomial(k, p) > k / 2) summed term by term."""
    return sum(math.comb(k, j) * p**j * (1 - p) ** (k - j) for j in range(k + 1) if 2 * j > k)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 7, 10, 21, 50, 101])
@pytest.mark.parametrize("p", [0.0, 0.1, 0.35, 0.5, 0.8, 0.99, 1.0])
def test_majority_probability_matches_brute_force(p: float, k: int) -> None:
    assert float(majority_probability(p, k)) == pytest.approx(brute_majority(p, k), abs=1e-12)


@pytest.mark.parametrize("k", [1, 3, 9, 51, 101])
def test_odd_k_is_the_incomplete_beta_closed_form(k: int) -> None:
    p = np.linspace(0, 1, 41)
    expected = special.betainc((k + 1) / 2, (k + 1) / 2, p)
    assert np.allclose(majority_probability(p, k), expected, atol=1e-14)


def test_vote_scaling_averages_items() -> None:
    p = np.array([0.9, 0.3, 0.6, 0.55])
    ks = [1, 3, 5, 11]
    curve = vote_scaling(p, ks)
    for row in curve.itertuples():
        assert row.accuracy == pytest.approx(np.mean([brute_majority(x, row.k) for x in p]))
    assert curve["accuracy"].iloc[0] == pytest.approx(p.mean())
    assert curve.attrs["best_k"] == int(curve.loc[curve["accuracy"].idxmax(), "k"])
    assert curve["best"].sum() == 1


def test_chen_mixture_figures() -> None:
    """alpha = 0.7, p1 = 0.8, p2 = 0.35: 0.665 at K = 1, a peak of about 0.738 at K = 9,
    then a decline toward the easy share 0.70 (each figure from the brute-force sum)."""
    ks = list(range(1, 202, 2))
    curve = mixture_scaling(0.7, 0.8, 0.35, ks)
    closed = [0.7 * brute_majority(0.8, k) + 0.3 * brute_majority(0.35, k) for k in ks[:30]]
    assert np.allclose(curve["accuracy"].to_numpy()[:30], closed, atol=1e-12)
    assert curve["accuracy"].iloc[0] == pytest.approx(0.665)
    assert curve.attrs["best_k"] == 9
    assert curve.loc[curve["k"] == 9, "accuracy"].item() == pytest.approx(0.7378, abs=1e-4)
    tail = curve[curve["k"] >= 9]["accuracy"].to_numpy()
    assert np.all(np.diff(tail) < 0)
    assert tail[-1] == pytest.approx(0.70, abs=2e-3) and tail[-1] > 0.70


def test_mixture_with_weights_equals_repeated_items() -> None:
    a = mixture_scaling(0.7, 0.8, 0.35, [1, 5, 9])
    b = vote_scaling([0.8] * 7 + [0.35] * 3, [1, 5, 9])
    assert np.allclose(a["accuracy"], b["accuracy"])


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        vote_scaling([1.2], [1])
    with pytest.raises(ValueError):
        vote_scaling([0.5], [0])
    with pytest.raises(ValueError):
        vote_scaling([], [1])
    with pytest.raises(ValueError):
        vote_scaling([0.5, 0.6], [1], weights=[1.0])


def test_item_success_shares_counts_epochs() -> None:
    import pandas as pd

    items = pd.DataFrame({"item_id": ["a", "a", "a", "b", "b", "b"],
                          "epoch": [1, 2, 3, 1, 2, 3], "score": [1, 0, 1, 0, 0, 1.0]})
    shares = item_success_shares(items)
    assert shares.to_dict() == {"a": pytest.approx(2 / 3), "b": pytest.approx(1 / 3)}


def test_mock_simulation_meets_the_exact_curve() -> None:
    """The mock's simulated strict-majority share agrees with the exact curve over the
    latent model's per-question success probabilities, within sampling error."""
    ks = [1, 3, 9]
    n = 3000
    exact = vote_scaling(mock_success_probabilities("mixtral", 40_000, 5), ks)
    sim = simulate_mock_voting("mixtral", ks, n, 6)
    for k in ks:
        a = exact.loc[exact["k"] == k, "accuracy"].item()
        b = sim.loc[sim["k"] == k, "strict_majority"].item()
        se = math.sqrt(a * (1 - a) / n)
        assert abs(a - b) < 4.5 * se, (k, a, b)
    # plurality can only add (wrong answers split); at K = 1 both are one call right
    assert (sim["plurality"] >= sim["strict_majority"] - 1e-12).all()
    k1 = sim[sim["k"] == 1].iloc[0]
    assert k1["plurality"] == k1["strict_majority"]


def test_mock_simulation_is_seeded() -> None:
    a = simulate_mock_voting("llama-3", [1, 5], 200, 3)
    b = simulate_mock_voting("llama-3", [1, 5], 200, 3)
    assert a.equals(b)


def test_recurrence_equals_the_incomplete_beta() -> None:
    """vote_scaling's recurrence against scipy's betainc, item by item, odd and even K."""
    rng = np.random.default_rng(4)
    p = np.concatenate([rng.random(200), [0.0, 0.5, 1.0, 1e-9, 1 - 1e-9]])
    ks = list(range(1, 1002))
    for i in range(p.size):
        curve = vote_scaling([p[i]], ks)["accuracy"].to_numpy()
        expected = np.array([special.betainc(k // 2 + 1, k - k // 2, p[i]) for k in ks])
        assert np.allclose(curve, expected, atol=1e-12, rtol=0), p[i]


def test_mixed_odd_and_even_k_in_any_order() -> None:
    p = [0.2, 0.7, 0.55]
    ks = [10, 3, 4, 1, 101, 2]
    curve = vote_scaling(p, ks)
    assert list(curve["k"]) == ks
    for row in curve.itertuples():
        assert row.accuracy == pytest.approx(np.mean([brute_majority(x, row.k) for x in p]),
                                             abs=1e-12)
