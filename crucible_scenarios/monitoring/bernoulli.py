"""The Bernoulli CUSUM on counts (Reynolds & Stoumbos, Journal of Quality Technology 31,
1999): the detector made for a rate. Each window brings y events (wrong answers, errors)
in n queries; the chart adds up the log-likelihood ratio of the rate worth detecting p1
against the baseline rate p0,

    S_t = max(0, S_{t-1} + y_t ln(p1 / p0) + (n_t - y_t) ln((1 - p1) / (1 - p0))),

and alarms when S_t exceeds h. It works on the counts themselves, so no normal
approximation of the binomial is needed, and it is the optimal (sequential probability
ratio) detector of a change from p0 to p1.

The threshold h is chosen for a target in-control average run length by the Markov-chain
method of Brook & Evans (Biometrika 59, 1972): the statistic's range [0, h] is cut into
cells, the binomial law of one window's increment gives the transition matrix, and the
ARL is (I - R)^-1 1 from the empty state.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import optimize, stats

from crucible_scenarios.validation import require_float, require_int

#: Cells of the Brook-Evans chain: fine enough that the ARL it gives is within about 1%
#: of a chain eight times finer (see the tests), small enough to solve in milliseconds.
MARKOV_STATES = 200


def _rates(p0: float, p1: float) -> tuple[float, float]:
    a = require_float("p0", p0, low=0.0, high=1.0, low_open=True, high_open=True)
    b = require_float("p1", p1, low=0.0, high=1.0, low_open=True, high_open=True)
    if a == b:
        raise ValueError(f"p1 must differ from p0, both are {a:g}")
    return a, b


def _weights(p0: float, p1: float) -> tuple[float, float]:
    """Log-likelihood ratio of one event and of one non-event."""
    return math.log(p1 / p0), math.log1p(-p1) - math.log1p(-p0)


def bernoulli_cusum_increments(errors: np.ndarray | float, n: np.ndarray | float, p0: float,
                               p1: float) -> np.ndarray:
    """The Bernoulli CUSUM's increment per window of ``errors`` events in ``n`` trials:
    y ln(p1/p0) + (n - y) ln((1 - p1)/(1 - p0)) (Reynolds & Stoumbos 1999), the
    log-likelihood ratio of rate ``p1`` against ``p0`` for that window. Counts must be
    finite with 0 <= errors <= n; both rates lie in (0, 1) and differ."""
    a, b = _rates(p0, p1)
    y = np.asarray(errors, dtype=float)
    trials = np.asarray(n, dtype=float)
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(trials))):
        raise ValueError("errors and n must be finite counts")
    if np.any(y < 0) or np.any(y > trials):
        raise ValueError("errors must lie between 0 and n in every window")
    up, down = _weights(a, b)
    return np.asarray(y * up + (trials - y) * down, dtype=float)


def bernoulli_cusum_arl(p0: float, p1: float, n: int, h: float, *, p: float | None = None,
                        states: int = MARKOV_STATES) -> float:
    """Average run length (in windows) of the one-sided Bernoulli CUSUM with ``n`` trials
    per window and threshold ``h``, when the true rate is ``p`` (default ``p0``: the
    in-control ARL), by the Brook & Evans (1972) Markov chain: state 0 holds [0, w/2),
    state j the cell centred on j w, w = 2 h / (2 states + 1), and a step beyond h alarms.
    """
    a, b = _rates(p0, p1)
    trials = require_int("n", n, low=1, high=10_000_000)
    hh = require_float("h", h, low=0.0, low_open=True)
    true = a if p is None else require_float("p", p, low=0.0, high=1.0)
    m = require_int("states", states, low=2, high=5000)
    up, down = _weights(a, b)
    width = 2.0 * hh / (2 * m + 1)
    centres = np.arange(m + 1) * width
    edges = (np.arange(m + 2) - 0.5) * width
    edges[0] = -np.inf
    edges[-1] = hh  # at or below h stays in the chart; beyond h alarms
    # P(centre_i + X <= edge) with X = y (up - down) + n down, y ~ Binomial(n, p)
    # (increments > 0 need up > down, i.e. p1 > p0; p1 < p0 watches for a fall).
    slope = up - down
    with np.errstate(invalid="ignore"):
        t = (edges[None, :] - centres[:, None] - trials * down) / slope
    # One binomial cumulative table, looked up at every edge (instead of a cdf call per
    # edge): below[k] = P(y <= k - 1), k = 0..n + 1.
    below = np.concatenate(([0.0], np.cumsum(stats.binom.pmf(np.arange(trials + 1), trials,
                                                              true))))
    below = np.minimum(below / below[-1], 1.0)
    if slope > 0:  # P(y <= floor(t))
        k = np.clip(np.floor(np.nan_to_num(t, posinf=trials, neginf=-1)) + 1, 0, trials + 1)
        cdf = below[k.astype(np.int64)]
    else:  # P(y >= ceil(t)) = 1 - P(y <= ceil(t) - 1)
        k = np.clip(np.ceil(np.nan_to_num(t, posinf=trials + 1, neginf=0)), 0, trials + 1)
        cdf = 1.0 - below[k.astype(np.int64)]
    cdf[:, 0] = 0.0
    # Column 0 of the differences is the first cell [0, w/2), which also takes every
    # move to 0 or below (the max(0, .) of the recursion).
    transition = np.diff(cdf, axis=1)
    system = np.eye(m + 1) - transition
    try:
        arl = np.linalg.solve(system, np.ones(m + 1))
    except np.linalg.LinAlgError:
        return math.inf
    value = float(arl[0])
    return value if value > 0 and math.isfinite(value) else math.inf


def bernoulli_threshold(p0: float, p1: float, n: int, *, arl0: float = 500.0,
                        states: int = MARKOV_STATES) -> float:
    """The smallest threshold h whose in-control ARL (Brook-Evans chain,
    :func:`bernoulli_cusum_arl`) reaches ``arl0`` windows with ``n`` trials each, found by
    Brent's method (``scipy.optimize.brentq``) on log ARL. With many trials per window the
    ARL then equals ``arl0``; with few it jumps with h (discrete increments) and may
    exceed it. ``arl0`` must exceed 1."""
    a, b = _rates(p0, p1)
    target = require_float("arl0", arl0, low=1.0, high=1e7, low_open=True)
    trials = require_int("n", n, low=1, high=10_000_000)
    cells = require_int("states", states, low=2, high=5000)
    return _threshold(a, b, trials, target, cells)


@lru_cache(maxsize=256)
def _threshold(p0: float, p1: float, n: int, target: float, states: int) -> float:
    """:func:`bernoulli_threshold` on checked arguments, remembered (a page reruns it
    with the same settings on every hour of a live replay)."""

    def gap(h: float) -> float:
        return math.log(bernoulli_cusum_arl(p0, p1, n, h, states=states)) - math.log(target)

    low, high = 1e-3, 1.0
    while gap(high) < 0:
        low, high = high, high * 2.0
        if high > 1e4:
            raise ValueError(f"no threshold reaches an in-control ARL of {target:g}")
    if gap(low) >= 0:
        return low
    h = float(optimize.brentq(gap, low, high, xtol=1e-6, rtol=1e-8))
    # With few queries per window the ARL jumps with h (the increments are discrete) and
    # the root sits on a jump: step just past it, so the target is met or exceeded.
    for _ in range(8):
        if gap(h) >= 0:
            break
        h += 1e-5 * max(1.0, h)
    return h
