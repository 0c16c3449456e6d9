"""How many calls to vote over: the scaling law of repeated majority voting.

With K independent calls on an item whose per-call success probability is p, the number
of correct calls is Binomial(K, p), and the correct answer wins a strict majority with
probability P(X > K/2) = I_p(floor(K/2) + 1, K - floor(K/2)), the regularized incomplete
beta function (``scipy.special.betainc``); for odd K this is I_p((K+1)/2, (K+1)/2).
Averaged over items, accuracy rises with K on items with p > 1/2 and falls on items with
p < 1/2, so a mixture of easy and hard items can peak at a finite K and then decline
(Chen et al., "Are More LLM Calls All You Need? Towards Scaling Laws of Compound
Inference Systems", arXiv 2403.02419, 2024).

On the mock, per-question success probabilities come from the latent-variable model of
:mod:`crucible_mock.models`; the plurality vote over K sampled answers is simulated with
the mock itself (K calls of one model on the same questions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from crucible_mock.datasets import sample
from crucible_mock.models import (
    ITEM_DIFFICULTY_WEIGHT,
    MODEL_ERROR_CORRELATION,
    ModelProfile,
    ask_many,
    resolve_model,
)
from crucible_scenarios.ensemble.voting import decide, normalize_answer
from crucible_scenarios.validation import make_rng, require_float, require_int

MAX_K = 1001
SCALING_COLUMNS = ["k", "accuracy", "gain", "best"]


def _ks(ks: Iterable[int]) -> np.ndarray:
    if isinstance(ks, str) or not isinstance(ks, Iterable):
        raise ValueError(f"ks must be a sequence of call counts, got {ks!r}")
    values = [require_int("ks", k, low=1, high=MAX_K) for k in ks]
    if not values:
        raise ValueError("ks must hold at least one call count")
    return np.asarray(values, dtype=int)


def _probabilities(p_correct: object) -> np.ndarray:
    p = np.asarray(p_correct, dtype=float).ravel()
    if p.size == 0:
        raise ValueError("p_correct must hold at least one item")
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise ValueError("p_correct must hold probabilities in [0, 1]")
    return p


def majority_probability(p: np.ndarray | float, k: int) -> np.ndarray:
    """P(a strict majority of ``k`` independent calls is right) for per-call success
    probability ``p``: the Binomial(k, p) survival P(X > k/2), computed as the
    regularized incomplete beta I_p(floor(k/2) + 1, k - floor(k/2))."""
    half = int(k) // 2
    return np.asarray(special.betainc(half + 1, int(k) - half, np.asarray(p, dtype=float)))


def _majority_mean(p: np.ndarray, mass: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """The ``mass``-weighted mean over items of P(Binomial(K, p) > K/2), for each K in
    ``ks``.

    For odd K = 2m + 1, adding two calls changes the strict-majority probability by
    P_{2m+3} - P_{2m+1} = (2p - 1) t_m with t_m = C(2m+1, m) (p(1-p))^(m+1): the vote
    flips only when the first 2m + 1 calls split m + 1 to m and both new calls go the
    other way. For even K = 2m + 2, a strict majority is lost only when the first 2m + 1
    calls had exactly m + 1 right and the last call is wrong: P_{2m+2} = P_{2m+1} - t_m.
    The terms follow t_{m+1} / t_m = (2m+3)(2m+2) / ((m+2)(m+1)) p(1-p) <= 1, a stable
    running product; P_1 = p. Averaging each term over items first leaves running sums
    over m. Checked in the tests against ``scipy.special.betainc`` and a brute-force
    binomial sum to 1e-12 up to K = 1001.
    """
    m_max = (int(ks.max()) - 1) // 2 + 1
    q = p * (1.0 - p)
    steps = np.empty((m_max, p.size))
    m = np.arange(m_max - 1, dtype=float)
    steps[0] = q
    steps[1:] = ((2 * m + 3) * (2 * m + 2) / ((m + 2) * (m + 1)))[:, None] * q[None, :]
    terms = np.cumprod(steps, axis=0)
    mean_terms = terms @ mass
    odd = np.concatenate([[mass @ p], mass @ p + np.cumsum(terms @ (mass * (2 * p - 1)))])
    out = np.where(ks % 2 == 1, odd[np.minimum(ks // 2, m_max)],
                   odd[np.maximum(ks // 2 - 1, 0)] - mean_terms[np.maximum(ks // 2 - 1, 0)])
    return np.asarray(np.clip(out, 0.0, 1.0))


def vote_scaling(p_correct: Sequence[float] | np.ndarray, ks: Iterable[int], *,
                 weights: Sequence[float] | np.ndarray | None = None) -> pd.DataFrame:
    """The accuracy of a strict-majority vote over K independent calls, for each K.

    For every item with per-call success probability p_i, P(Binomial(K, p_i) > K/2) is
    computed exactly (by the recurrence of :func:`_majority_mean`, equal to the
    regularized incomplete beta of :func:`majority_probability`) and averaged over
    items (weighted by ``weights``, e.g. the shares of a mixture). Returns one row per K
    (in the order given): k, accuracy, gain (accuracy minus the accuracy of the first K
    listed) and best (True on the K of highest accuracy; the smallest K on a tie). The
    best K is also in ``attrs["best_k"]``.
    """
    p = _probabilities(p_correct)
    k = _ks(ks)
    if weights is None:
        w = np.full(p.size, 1.0 / p.size)
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != p.shape or not np.all(np.isfinite(w)) or w.min() < 0 or w.sum() <= 0:
            raise ValueError("weights must be non-negative, one per item, not all zero")
        w = w / w.sum()
    # Few distinct probabilities (shares of correct epochs, mixtures) are computed once.
    uniq, inverse = np.unique(p, return_inverse=True)
    mass = np.bincount(inverse, weights=w, minlength=uniq.size)
    accuracy = _majority_mean(uniq, mass, k)
    best_index = int(np.flatnonzero(accuracy >= accuracy.max() - 1e-12)[
        np.argmin(k[accuracy >= accuracy.max() - 1e-12])])
    best = np.zeros(k.size, dtype=bool)
    best[best_index] = True
    out = pd.DataFrame({"k": k, "accuracy": accuracy, "gain": accuracy - accuracy[0],
                        "best": best}, columns=SCALING_COLUMNS)
    out.attrs["best_k"] = int(k[best_index])
    return out


def mixture_scaling(easy_share: float, p_easy: float, p_hard: float,
                    ks: Iterable[int]) -> pd.DataFrame:
    """:func:`vote_scaling` for Chen et al.'s two-level mixture: a share ``easy_share``
    of items at per-call success ``p_easy`` and the rest at ``p_hard``."""
    alpha = require_float("easy_share", easy_share, low=0.0, high=1.0)
    p1 = require_float("p_easy", p_easy, low=0.0, high=1.0)
    p2 = require_float("p_hard", p_hard, low=0.0, high=1.0)
    if alpha in (0.0, 1.0):
        return vote_scaling([p1 if alpha == 1.0 else p2], ks)
    return vote_scaling([p1, p2], ks, weights=[alpha, 1.0 - alpha])


def item_success_shares(items: pd.DataFrame, *, threshold: float = 0.5) -> pd.Series:
    """Each item's share of correct epochs (score >= ``threshold`` counts as correct),
    indexed by item_id in file order: the per-call success probability of a real log
    scored over several epochs."""
    missing = {"item_id", "score"} - set(items.columns)
    if missing:
        raise ValueError(f"items lacks columns {sorted(missing)}")
    correct = pd.to_numeric(items["score"], errors="coerce").to_numpy(float) >= threshold
    return pd.Series(correct, index=items["item_id"].astype(str)).groupby(
        level=0, sort=False).mean().rename("p_correct")


def mock_success_probabilities(model: str | ModelProfile, n_questions: int,
                               seed: int | np.random.Generator, *,
                               correlation: float = MODEL_ERROR_CORRELATION,
                               category: str = "medical") -> np.ndarray:
    """Per-question success probability of one mock model, from the latent-variable
    model of :mod:`crucible_mock.models`.

    For a question with difficulty d and shared draw eps ~ N(0, 1), the shared component
    is z = sqrt(w) Phi^-1(d) + sqrt(1 - w) eps; a call is right when
    sqrt(r) z + sqrt(1 - r) e < Phi^-1(accuracy) with fresh e ~ N(0, 1) and does not fail,
    so p = (1 - error_rate) Phi((Phi^-1(accuracy) - sqrt(r) z) / sqrt(1 - r)).
    ``n_questions`` questions of ``category`` are drawn with ``seed``.
    """
    profile = resolve_model(model)
    n = require_int("n_questions", n_questions, low=1, high=1_000_000)
    r = require_float("correlation", correlation, low=0.0, high=1.0, high_open=True)
    rng = make_rng(seed)
    items = sample(category, n, rng)
    difficulty = np.clip([it.difficulty for it in items], 1e-6, 1 - 1e-6)
    z = (np.sqrt(ITEM_DIFFICULTY_WEIGHT) * stats.norm.ppf(difficulty)
         + np.sqrt(1 - ITEM_DIFFICULTY_WEIGHT) * rng.standard_normal(n))
    threshold = stats.norm.ppf(profile.accuracy)
    p = stats.norm.cdf((threshold - np.sqrt(r) * z) / np.sqrt(1 - r))
    return np.asarray((1.0 - profile.error_rate) * p, dtype=float)


def simulate_mock_voting(model: str | ModelProfile, ks: Iterable[int], n_questions: int,
                         seed: int | np.random.Generator, *,
                         correlation: float = MODEL_ERROR_CORRELATION,
                         category: str = "medical") -> pd.DataFrame:
    """Ask one mock model each of ``n_questions`` questions max(ks) times (calls share the
    question's latent difficulty, see :mod:`crucible_mock.models`) and vote over the
    first K answers for each K. Returns k, plurality (share right under the plurality
    vote of :mod:`crucible_scenarios.ensemble`, ties to the larger summed confidence;
    failed calls give no vote) and strict_majority (share of questions where more than
    K/2 of the K calls were right, the event :func:`vote_scaling` gives exactly)."""

    profile = resolve_model(model)
    k = _ks(ks)
    n = require_int("n_questions", n_questions, low=1, high=20_000)
    r = require_float("correlation", correlation, low=0.0, high=1.0, high_open=True)
    rng = make_rng(seed)
    items = sample(category, n, rng)
    k_max = int(k.max())
    frame = ask_many([profile] * k_max, items, rng, correlation=r)
    options = [it.options for it in items for _ in range(k_max)]
    normalized = [normalize_answer(a, o) for a, o in
                  zip(frame["answer"], options, strict=True)]
    codes_all, _ = pd.factorize(pd.Series(normalized, dtype=object), use_na_sentinel=True)
    truths = [normalize_answer(it.answer, it.options) for it in items]
    codes = codes_all.reshape(n, k_max)
    lookup = {v: i for i, v in enumerate(pd.unique(pd.Series(normalized, dtype=object)
                                                   .dropna()))}
    truth = np.array([lookup.get(t, -2) for t in truths])
    correct = frame["correct"].to_numpy(bool).reshape(n, k_max)
    conf = frame["confidence"].to_numpy(float).reshape(n, k_max)
    rows = []
    for kk in k:
        sub_codes = codes[:, :kk]
        valid = sub_codes >= 0
        d = decide(sub_codes, conf[:, :kk], np.ones(kk), valid, "majority")
        winner_code = np.where(d.answered, sub_codes[np.arange(n), np.maximum(d.winner, 0)],
                               -1)
        rows.append({"k": int(kk), "plurality": float(np.mean(winner_code == truth)),
                     "strict_majority": float(np.mean(correct[:, :kk].sum(axis=1) > kk / 2))})
    return pd.DataFrame(rows, columns=["k", "plurality", "strict_majority"])
