"""Average run length (ARL) of the monitoring detectors, simulated on standard normal data.

The ARL is the expected number of observations until a detector signals. In control
(shift 0) it is the spacing between false alarms; after a mean shift of ``shift`` standard
deviations it is the detection delay. Every simulation runs side by side in numpy arrays:
time advances in blocks and only the runs that have not signalled yet are carried on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import signal, stats

from crucible_scenarios.monitoring.bernoulli import bernoulli_cusum_increments
from crucible_scenarios.validation import (
    brief_repr,
    make_rng,
    require_choice,
    require_float,
    require_int,
)

ARL_DETECTORS = ("cusum", "ewma", "proportion", "bernoulli")
EWMA_LIMITS = ("time-varying", "fixed")
#: Default longest run simulated; a run still silent then is counted as censored.
DEFAULT_MAX_STEPS = 20_000
_BLOCK = 256


@dataclass(frozen=True)
class ARLResult:
    """Simulated run lengths: mean (the ARL), its standard error, the median and the
    number of runs still silent at ``max_steps`` (their length counts as ``max_steps``,
    so a censored mean is a lower bound). ``run_lengths`` keeps every simulated run length
    (sorted), from which :meth:`prob_alarm_within` reads the distribution."""

    detector: str
    shift: float
    n_sims: int
    arl: float
    standard_error: float
    median: float
    censored: int
    max_steps: int
    run_lengths: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False,
                                    repr=False)

    def prob_alarm_within(self, t: float) -> float:
        """Share of simulated runs that signalled within ``t`` observations: the chance of
        at least one (false, when in control) alarm in a span of ``t``, read from the
        empirical run-length distribution rather than from the mean. For a geometric run
        length with mean ARL it is 1 - (1 - 1/ARL)^t. Runs censored at ``max_steps`` never
        count as signalled, so for ``t`` >= ``max_steps`` with censored runs the share is a
        lower bound (``is_lower_bound``)."""
        span = require_float("t", t, low=0.0)
        if self.run_lengths.size == 0:
            raise ValueError("this ARLResult holds no run lengths")
        fired = int(np.searchsorted(self.run_lengths, math.floor(span), side="right"))
        if math.floor(span) >= self.max_steps:
            fired = int(self.run_lengths.size) - self.censored
        return float(fired / self.run_lengths.size)

    @property
    def is_lower_bound(self) -> bool:
        """True when some runs were censored, so the true ARL is larger than ``arl``."""
        return self.censored > 0


def ewma_limit_factor(lam: float, t: np.ndarray | int) -> np.ndarray:
    """The exact time-varying EWMA standard deviation factor
    sqrt(lam / (2 - lam) * (1 - (1 - lam)^(2 t))) for observation t = 1, 2, ...
    (Montgomery, Introduction to Statistical Quality Control, eq. 9.26). ``lam`` must lie
    in (0, 1] and every ``t`` be a finite number at least 1; the factor increases with t
    towards its asymptote sqrt(lam / (2 - lam))."""
    smoothing = require_float("lam", lam, low=0.0, high=1.0, low_open=True)
    try:
        steps = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"t must be a number or an array of numbers, got {brief_repr(t)}"
                         ) from None
    if steps.size and not (np.all(np.isfinite(steps)) and float(steps.min()) >= 1.0):
        raise ValueError("t must hold finite observation numbers of at least 1")
    return np.sqrt(smoothing / (2.0 - smoothing)
                   * (1.0 - (1.0 - smoothing) ** (2.0 * steps)))


def _check_params(detector: str, params: dict[str, float]) -> dict[str, float]:
    allowed = {"cusum": ("k", "h"), "ewma": ("lam", "L"), "proportion": ("alpha",),
               "bernoulli": ("p0", "p1", "n", "h")}[detector]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"{unknown[0]} is not a parameter of {detector}; use {list(allowed)}")
    if detector == "bernoulli":
        p0 = require_float("p0", params.get("p0", 0.08), low=0.0, high=1.0, low_open=True,
                           high_open=True)
        p1 = require_float("p1", params.get("p1", 0.11), low=0.0, high=1.0, low_open=True,
                           high_open=True)
        if p1 <= p0:
            raise ValueError(f"p1 must exceed p0 (the chart watches for a higher rate), got "
                             f"p0 = {p0:g}, p1 = {p1:g}")
        n = params.get("n", 400)
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        return {"p0": p0, "p1": p1, "n": require_int("n", n, low=1, high=10_000_000),
                "h": require_float("h", params.get("h", 4.0), low=0.0, low_open=True)}
    if detector == "cusum":
        return {"k": require_float("k", params.get("k", 0.5), low=0.0),
                "h": require_float("h", params.get("h", 4.0), low=0.0, low_open=True)}
    if detector == "ewma":
        return {"lam": require_float("lam", params.get("lam", 0.2), low=0.0, high=1.0,
                                     low_open=True),
                "L": require_float("L", params.get("L", 3.0), low=0.0, low_open=True)}
    return {"alpha": require_float("alpha", params.get("alpha", 0.01), low=0.0, high=1.0,
                                   low_open=True, high_open=True)}


def average_run_length(
    detector: str,
    shift: float,
    n_sims: int,
    seed: int | np.random.Generator,
    *,
    two_sided: bool = True,
    max_steps: int = DEFAULT_MAX_STEPS,
    limits: str = "time-varying",
    **params: float,
) -> ARLResult:
    """Simulated average run length of a detector on N(shift, 1) observations.

    ``detector`` is "cusum" (tabular CUSUM, Page 1954, with reference value ``k`` and
    decision interval ``h``, both in standard deviations), "ewma" (EWMA control chart,
    Roberts 1959, with smoothing ``lam`` and exact time-varying limits at ``L`` standard
    deviations) or "proportion" (a z-test of each observation at level ``alpha``: the
    Shewhart rule). One-sided detectors watch only the upper side, so ``shift`` > 0 is the
    direction they detect. EWMA with ``limits="fixed"`` uses the asymptotic limits
    +/- L sqrt(lam / (2 - lam)) (as tabulated by Lucas & Saccucci, Technometrics 32, 1990).

    "bernoulli" is the one-sided Bernoulli CUSUM (Reynolds & Stoumbos 1999) on binomial
    counts: ``n`` trials per window, baseline rate ``p0``, rate worth detecting ``p1`` and
    threshold ``h``; there ``shift`` is the change of the true rate, which is p0 + shift
    (``two_sided`` does not apply). All ``n_sims`` runs are simulated together in numpy
    arrays. Runs still silent at ``max_steps`` are censored: counted at ``max_steps`` and
    reported in ``censored``.
    """
    name = require_choice("detector", detector, ARL_DETECTORS)
    mode = require_choice("limits", limits, EWMA_LIMITS)
    delta = require_float("shift", shift)
    sims = require_int("n_sims", n_sims, low=1, high=1_000_000)
    cap = require_int("max_steps", max_steps, low=1, high=10_000_000)
    p = _check_params(name, params)
    rng = make_rng(seed)

    run_length = np.full(sims, cap, dtype=np.int64)
    active = np.arange(sims)
    upper = np.zeros(sims)
    lower = np.zeros(sims)
    if name == "proportion":
        crit = stats.norm.isf(p["alpha"] / 2 if two_sided else p["alpha"])
    if name == "bernoulli":
        rate = p["p0"] + delta
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"shift must keep the rate p0 + shift within [0, 1], got "
                             f"{rate:g}")
        trials = int(p["n"])
        steps_up = bernoulli_cusum_increments(np.arange(trials + 1), trials, p["p0"],
                                              p["p1"])
    start = 0
    while active.size and start < cap:
        width = min(_BLOCK, cap - start)
        if name != "bernoulli":
            x = rng.standard_normal((active.size, width)) + delta
        steps = np.arange(start + 1, start + width + 1)
        if name == "bernoulli":
            counts = rng.binomial(trials, rate, size=(active.size, width))
            inc = steps_up[counts]
            alarm = np.zeros((active.size, width), dtype=bool)
            up, h = upper[active], p["h"]
            for j in range(width):
                up = np.maximum(0.0, up + inc[:, j])
                alarm[:, j] = up > h
            upper[active] = up
        elif name == "cusum":
            alarm = np.zeros((active.size, width), dtype=bool)
            up, lo = upper[active], lower[active]
            k, h = p["k"], p["h"]
            for j in range(width):
                up = np.maximum(0.0, up + x[:, j] - k)
                lo = np.maximum(0.0, lo - x[:, j] - k)
                alarm[:, j] = (up > h) | (lo > h) if two_sided else up > h
            upper[active], lower[active] = up, lo
        elif name == "ewma":
            lam = p["lam"]
            z, zf = signal.lfilter([lam], [1.0, lam - 1.0], x, axis=1,
                                   zi=((1.0 - lam) * upper[active])[:, None])
            upper[active] = zf[:, 0]
            limit = p["L"] * (ewma_limit_factor(lam, steps) if mode == "time-varying"
                              else math.sqrt(lam / (2.0 - lam)))
            alarm = np.abs(z) > limit if two_sided else z > limit
        else:
            alarm = np.abs(x) > crit if two_sided else x > crit
        fired = alarm.any(axis=1)
        first = alarm.argmax(axis=1)
        run_length[active[fired]] = start + 1 + first[fired]
        active = active[~fired]
        start += width

    lengths = np.sort(run_length).astype(float)
    se = float(lengths.std(ddof=1) / np.sqrt(sims)) if sims > 1 else float("nan")
    return ARLResult(name, delta, sims, float(lengths.mean()), se, float(np.median(lengths)),
                     int(active.size), cap, lengths)


def siegmund_arl(k: float, h: float, shift: float, *, two_sided: bool = True) -> float:
    """Siegmund's (1985) approximation to the ARL of the tabular CUSUM:
    ARL = (exp(-2 D b) + 2 D b - 1) / (2 D^2) with D = shift - k and b = h + 1.166, and
    1/ARL = 1/ARL+ + 1/ARL- for the two-sided scheme (Montgomery, section 9.1.4).
    ``k`` >= 0, ``h`` > 0 and ``shift`` must be finite; the result is positive and tends
    to b^2 as shift approaches k (infinite when exp(-2 D b) overflows)."""
    kk = require_float("k", k, low=0.0)
    hh = require_float("h", h, low=0.0, low_open=True)
    delta_mean = require_float("shift", shift)
    b = hh + 1.166

    def one_side(delta: float) -> float:
        d = delta - kk
        x = 2.0 * d * b
        if x < -700.0:  # exp(-x) overflows: the ARL is beyond any float
            return math.inf
        # exp(-x) + x - 1 cancels catastrophically for small x (and d^2 may underflow):
        # there the ARL is b^2 times the series of 2 (exp(-x) + x - 1) / x^2.
        if abs(x) < 1e-3:
            return b * b * (1.0 - x / 3.0 + x * x / 12.0 - x**3 / 60.0)
        return (math.expm1(-x) + x) / (2.0 * d * d)

    upper = one_side(delta_mean)
    if not two_sided:
        return upper
    return 1.0 / (1.0 / upper + 1.0 / one_side(-delta_mean))
