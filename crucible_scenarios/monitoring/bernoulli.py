"""The Bernoulli CUSUM on counts (Reynolds & Stoumbos, Journal of Quality Technology 31,
1999): the detector made for a rate. Each window brings y events (wrong answers, errors)
in n queries; the chart adds up the log-likelihood ratio of the rate worth detecting p1
against the baseline rate p0,

    S_t = max(0, S_{t-1} + y_t ln(p1 / p0) + (n_t - y_t) ln((1 - p1) / (1 - p0))),

and alarms when S_t exceeds h. It works on the counts themselves, so no normal
approximation of the binomial is needed, and it is the optimal (sequential probability
ratio) detector of a change from p0 to p1.

The threshold h is chosen for a target in-control average run length by the Markov-chain
method of Brook & Evans (Biometrika 59, 1972), on a lattice fitted to the increments.
One window moves the statistic by y s + d, with s = ln(p1/p0) - ln((1-p1)/(1-p0)) per
event and d = n ln((1-p1)/(1-p0)). On the lattice of step |s|/q an event is exactly q
steps, so the only approximation is of d by a whole number of steps. q runs through the
best rational approximations of d/|s| (where the rounding error per window falls), so a
few states can hold the chain exactly when d/|s| is near a fraction with a small
denominator, as it is for the few-query windows where a fixed grid of cells goes wrong;
between whole steps the ARL is interpolated, and the chain is refined until three
successive lattices agree within 0.1%. Against a reference chain with a rounding error
under 1e-6 of an event per window, the ARL at the thresholds the page asks for is within
0.2% for windows where an event moves the statistic by more than a fiftieth of h; it is
within 3% when one event is a tiny step (a shift of half a point on a 10% rate, where
the lattice is limited to what one solve can hold).
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache

import numpy as np
from scipy import sparse, stats
from scipy.sparse.linalg import MatrixRankWarning, bicgstab, spsolve

from crucible_scenarios.validation import require_float, require_int

#: Most lattice states the chain may use (the default of ``states``).
MARKOV_STATES = 20_000
#: Most transition entries one solve may hold: each state has about h/|s| targets, so a
#: fine lattice is only affordable when an event moves the statistic far relative to h.
_ENTRIES = 400_000
#: Successive lattices must agree this closely (relative ARL) to stop refining.
_AGREE = 1e-3
#: Finest lattice: an event is at most this many steps.
_FINEST = 100_000
#: Chains above this many states are solved iteratively first.
_ITERATE = 300
#: Binomial tails beyond these probabilities are left out of the transitions.
_TAIL = 1e-15


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


@lru_cache(maxsize=64)
def _binomial(n: int, p: float) -> tuple[int, np.ndarray, np.ndarray]:
    """The binomial law of one window's events on its support up to ``_TAIL`` each side:
    first count, probabilities, and ``below[k] = P(y < first + k)``."""
    first = int(stats.binom.ppf(_TAIL, n, p)) if p > 0 else 0
    last = int(stats.binom.isf(_TAIL, n, p)) if p < 1 else n
    first, last = max(first - 1, 0), min(last + 1, n)
    pmf = stats.binom.pmf(np.arange(first, last + 1), n, p)
    pmf = pmf / pmf.sum()
    below = np.concatenate(([0.0], np.cumsum(pmf)))
    return first, pmf, np.minimum(below, 1.0)


@lru_cache(maxsize=1024)
def _chain(n: int, p: float, event: int, base: int, top: int) -> float:
    """ARL from state 0 of the lattice chain S -> max(0, S + y event + base) on the states
    0..top, alarm above top, y ~ Binomial(n, p): (I - R)^-1 1 (Brook & Evans 1972),
    solved as a sparse system, since a state reaches only the states whole events apart."""
    first, pmf, below = _binomial(n, p)
    last = first + pmf.size - 1
    state = np.arange(top + 1)
    # moves to 0 or below land on 0 (the max(0, .) of the recursion)
    if event > 0:  # y <= floor((-base - j) / event)
        k = np.floor((-base - state) / event).astype(np.int64) - first + 1
        zero = below[np.clip(k, 0, pmf.size)]
        lo, hi = math.ceil((1 - base - top) / event), math.floor((top - base) / event)
    else:  # y >= ceil((-base - j) / event)
        k = np.ceil((-base - state) / event).astype(np.int64) - first
        zero = 1.0 - below[np.clip(k, 0, pmf.size)]
        lo, hi = math.ceil((top - base) / event), math.floor((1 - base - top) / event)
    rows, cols, vals = [state], [np.zeros_like(state)], [zero]
    for y in range(max(lo, first), min(hi, last) + 1):
        target = state + y * event + base
        inside = (target >= 1) & (target <= top)
        rows.append(state[inside])
        cols.append(target[inside])
        vals.append(np.full(int(inside.sum()), pmf[y - first]))
    size = top + 1
    moves = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                      np.concatenate(cols))),
                              shape=(size, size))
    system = sparse.identity(size, format="csc") - moves
    ones = np.ones(size)
    arl = None
    if size > _ITERATE:
        # BiCGSTAB is several times faster than a sparse LU here (whose fill grows with
        # the band an event spans); the LU stays the fallback when it does not converge
        guess, info = bicgstab(system, ones, rtol=1e-11, maxiter=1000)
        if info == 0 and np.all(np.isfinite(guess)):
            arl = guess
    if arl is None:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            # a chain that (numerically) never alarms is singular: its ARL is infinite
            warnings.simplefilter("ignore", MatrixRankWarning)
            arl = spsolve(system, ones)
    value = float(np.atleast_1d(arl)[0])
    return value if value > 0 and math.isfinite(value) else math.inf


def _denominators(ratio: float, most: int) -> list[int]:
    """Lattice refinements q up to ``most``: the q where the rounding error of ``ratio``
    per window (|q ratio - round(q ratio)| / q, in units of |s|) falls to under a
    quarter of the last one kept (the best rational approximations of ``ratio``,
    thinned), the best of them always kept, ending at an exact one; when that leaves
    fewer than four, the powers of two fill in (the interpolated chain of
    :func:`_between` converges along any refinement)."""
    q = np.arange(1, max(most, 1) + 1)
    err = np.abs(q * ratio - np.rint(q * ratio)) / q
    err[err < 1e-12 * max(1.0, abs(ratio))] = 0.0
    exact = np.flatnonzero(err == 0.0)
    if exact.size:
        return [int(x) for x in q[: exact[0] + 1] if err[x - 1] == 0.0 or x == 1]
    kept = {int(q[np.argmin(err)])}
    best = math.inf
    for qi, e in zip(q.tolist(), err.tolist(), strict=True):
        if e < best / 4:
            kept.add(qi)
            best = e
    if len(kept) < 4:
        kept |= {1 << k for k in range(int(math.log2(q[-1])) + 1)}
    return sorted(kept)


def _lattice(p0: float, p1: float, n: int, q: int) -> tuple[float, int, float]:
    """Step, event move and window base move (in steps, not rounded) of the lattice of
    step |s|/q."""
    up, down = _weights(p0, p1)
    slope = up - down
    step = abs(slope) / q
    return step, (q if slope > 0 else -q), n * down / step


def _between(n: int, p: float, event: int, base: float, top: int) -> float:
    """The lattice chain's ARL for a base move of ``base`` steps: exact when it is whole,
    else interpolated (linearly in log ARL) between the chains of the whole moves either
    side, so the rounding of the move leaves no drift of the order of a step."""
    low = math.floor(base)
    share = base - low
    if share < 1e-9 or share > 1 - 1e-9:
        return _chain(n, p, event, round(base), top)
    below = _chain(n, p, event, low, top)
    above = _chain(n, p, event, low + 1, top)
    if not (math.isfinite(below) and math.isfinite(above)):
        return below if share < 0.5 else above
    return math.exp(math.log(below) + share * (math.log(above) - math.log(below)))


def _top(h: float, step: float) -> int:
    return math.floor(h / step * (1 + 1e-12))


def _refinements(p0: float, p1: float, n: int, h: float, states: int) -> list[int]:
    up, down = _weights(p0, p1)
    s = abs(up - down)
    targets = h / s + 1.0  # states one event apart within [0, h], each a transition
    most = min(min(states, _ENTRIES / targets) * s / h, _FINEST)
    return _denominators(n * down / s, int(max(most, 1)))


def bernoulli_cusum_arl(p0: float, p1: float, n: int, h: float, *, p: float | None = None,
                        states: int = MARKOV_STATES) -> float:
    """Average run length (in windows) of the one-sided Bernoulli CUSUM with ``n`` trials
    per window and threshold ``h``, when the true rate is ``p`` (default ``p0``: the
    in-control ARL), by the Brook & Evans (1972) Markov chain on a lattice of step |s|/q
    (s the move of one event): exact for the lattice, whose only approximation is the
    rounding of the window's base move n ln((1-p1)/(1-p0)) to whole steps. q runs through
    the best rational approximations of that move over |s| (at most ``states`` states)
    until successive ARLs agree within 0.1%, or the move is exact."""
    a, b = _rates(p0, p1)
    trials = require_int("n", n, low=1, high=10_000_000)
    hh = require_float("h", h, low=0.0, low_open=True)
    true = a if p is None else require_float("p", p, low=0.0, high=1.0)
    cap = require_int("states", states, low=2, high=200_000)
    return _arl(a, b, trials, hh, true, cap)


def _arl(p0: float, p1: float, n: int, h: float, p: float, states: int) -> float:
    return _settle(p0, p1, n, h, p, states)[0]


def _settle(p0: float, p1: float, n: int, h: float, p: float,
            states: int) -> tuple[float, int]:
    """The chain's ARL at ``h`` refined until it settles, and the coarsest lattice q
    that already gave the settled value (the first of the three that agree)."""
    values: list[float] = []
    tried: list[int] = []
    for q in _refinements(p0, p1, n, h, states):
        step, event, base = _lattice(p0, p1, n, q)
        values.append(_between(n, p, event, base, _top(h, step)))
        tried.append(q)
        if base == round(base):
            return values[-1], q
        if _settled(values):
            return values[-1], tried[-3]
    return values[-1], tried[-1]


def _settled(values: list[float]) -> bool:
    """Whether the last three refinements agree within ``_AGREE`` (two agreeing by
    chance is common near a jump of the ARL in h)."""
    if len(values) < 3:
        return False
    a, b, c = values[-3:]
    return abs(b / a - 1.0) < _AGREE and abs(c / b - 1.0) < _AGREE


def bernoulli_threshold(p0: float, p1: float, n: int, *, arl0: float = 500.0,
                        states: int = MARKOV_STATES) -> float:
    """The smallest threshold h whose in-control ARL (the lattice chain of
    :func:`bernoulli_cusum_arl`) reaches ``arl0`` windows with ``n`` trials each. The ARL
    is a step function of h on a lattice (it changes only when h passes a lattice state),
    so the search is a bisection over the lattice's top state, at the refinement the chain
    settles on; h is returned half a step above that state, where the chain and the
    detector's own sums agree. With many trials per window the ARL then equals ``arl0``
    to the lattice's resolution; with few it jumps with h and may exceed it. ``arl0``
    must exceed 1."""
    a, b = _rates(p0, p1)
    target = require_float("arl0", arl0, low=1.0, high=1e7, low_open=True)
    trials = require_int("n", n, low=1, high=10_000_000)
    cells = require_int("states", states, low=2, high=200_000)
    return _threshold(a, b, trials, target, cells)


def _bisect_top(p0: float, p1: float, n: int, q: int, target: float, near: float,
                limit: int) -> int:
    """Smallest top state of the lattice q whose in-control ARL reaches ``target`` (the
    ARL grows with the top state, about exponentially): a bracket grown outward from the
    state at h = ``near``, then narrowed by interpolating log ARL between its ends
    (regula falsi), with a bisection whenever that fails to halve the bracket;
    ``ValueError`` when no state up to ``limit`` reaches the target."""
    step, event, base = _lattice(p0, p1, n, q)
    share = base - math.floor(base)
    whole = round(base) if min(share, 1 - share) < 0.01 else None
    goal = math.log(target)

    def log_arl(top: int) -> float:
        # a move within 1% of a whole step is searched on that step alone (one solve);
        # the last check of _threshold is on the interpolated chain
        arl = (_chain(n, p0, event, whole, top) if whole is not None
               else _between(n, p0, event, base, top))
        return math.log(arl) if arl < math.inf else math.inf

    guess = min(max(_top(near, step), 0), limit)
    width = max(q // 4, 1)
    at = log_arl(guess)
    if at >= goal:
        high, up = guess, at
        low = guess - width
        while low >= 0 and (down := log_arl(low)) >= goal:
            high, up, low = low, down, low - 2 * (high - low)
        if low < 0:
            low, down = -1, 0.0  # ARL 1 below state 0
    else:
        low, down = guess, at
        high = min(guess + width, limit)
        while (up := log_arl(high)) < goal:
            if high >= limit:
                raise ValueError(f"no threshold reaches an in-control ARL of {target:g}")
            low, down, high = high, up, min(high + 2 * (high - low), limit)
    # log ARL(low) < goal <= log ARL(high)
    while high - low > 1:
        span = high - low
        if math.isfinite(up) and up > down:
            mid = low + round(span * (goal - down) / (up - down))
        else:
            mid = (low + high) // 2
        mid = min(max(mid, low + 1), high - 1)
        value = log_arl(mid)
        if value >= goal:
            high, up = mid, value
        else:
            low, down = mid, value
        if high - low > span // 2 and high - low > 1:  # slow: bisect once
            mid = (low + high) // 2
            value = log_arl(mid)
            if value >= goal:
                high, up = mid, value
            else:
                low, down = mid, value
    return high


@lru_cache(maxsize=256)
def _threshold(p0: float, p1: float, n: int, target: float, states: int) -> float:
    """:func:`bernoulli_threshold` on checked arguments, remembered (a page reruns it
    with the same settings on every hour of a live replay): a first h on the lattice of
    whole events; the coarsest refinement the chain settles on at that h; the search on
    it, halving the step while the ARL still jumps by over 0.5% from one state to the
    next and halving shrinks the jump; and a last check with the ARL as
    :func:`bernoulli_cusum_arl` reports it."""
    up, down = _weights(p0, p1)
    s = abs(up - down)
    limit = max(int(1e4 / s), 2)  # thresholds beyond 1e4 (a log-likelihood ratio) are moot
    h = (_bisect_top(p0, p1, n, 1, target, s, min(limit, states)) + 0.5) * s
    step = s
    _, q = _settle(p0, p1, n, h, p0, states)
    jump = math.inf
    for _ in range(12):
        cap = max(min(states, limit * q), 2)
        try:
            top = _bisect_top(p0, p1, n, q, target, h, cap)
        except ValueError:  # beyond this lattice's states: keep the coarser answer
            break
        step = s / q
        h = (top + 0.5) * step
        _, event, base = _lattice(p0, p1, n, q)
        below = _between(n, p0, event, base, top - 1) if top > 0 else 1.0
        ratio = _between(n, p0, event, base, top) / below
        if ratio < 1.005 or ratio > jump * 0.9 or 2 * top + 2 > cap:
            break  # fine enough, or the jump is the ARL's own (discrete increments)
        jump, q = ratio, 2 * q
    for _ in range(64):
        if _arl(p0, p1, n, h, p0, states) >= target * (1 - 1e-9):
            break
        h += step
    return h
