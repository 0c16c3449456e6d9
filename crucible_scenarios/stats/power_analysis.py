"""Power analysis from ``statsmodels.stats.power``: achieved power, the sample size for a
target power and power curves, for proportions (Cohen's h) and means (Cohen's d), paired
or not, one- or two-sided (Cohen 1988)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower, TTestPower

from crucible_scenarios.stats.design import ALTERNATIVES, KINDS, STATSMODELS_ALTERNATIVE
from crucible_scenarios.validation import require_choice, require_float, require_int

#: Target power for the "n you would need" figure.
TARGET_POWER = 0.8


# --- power and sample size --------------------------------------------------------------

def _power_engine(kind: str, paired: bool) -> tuple[Any, dict[str, float]]:
    if kind == "continuous":
        return (TTestPower(), {}) if paired else (TTestIndPower(), {})
    return NormalIndPower(), ({"ratio": 0.0} if paired else {})


def power(effect: float, n: int, *, kind: str = "continuous", alpha: float = 0.05,
          paired: bool = False, alternative: str = "two-sided", ratio: float = 1.0) -> float:
    """Power of the test at standardized ``effect`` with ``n`` per group (pairs if paired).

    ``effect`` is Cohen's d for the two-sample t-test, d_z (mean difference / SD of the
    differences) for the paired t-test, Cohen's h for two independent proportions (normal
    approximation) and, for paired proportions, (p01 - p10) / sqrt(p01 + p10), the
    standardized McNemar effect of the discordant-pair proportions (one-sample normal
    approximation). From ``statsmodels.stats.power``; ``ratio`` is n_B / n_A (unpaired).
    """
    require_choice("kind", kind, KINDS)
    require_choice("alternative", alternative, ALTERNATIVES)
    effect_value = require_float("effect", effect)
    nobs = require_int("n", n, low=2)
    level = require_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    engine, extra = _power_engine(kind, paired)
    if not paired:
        extra = {"ratio": require_float("ratio", ratio, low=0.0, low_open=True)}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        value = float(engine.power(effect_value, nobs, level,
                                   alternative=STATSMODELS_ALTERNATIVE[alternative], **extra))
    if not math.isfinite(value) and kind == "continuous":
        value = _t_power_by_tails(effect_value, nobs, level, paired, extra.get("ratio", 1.0),
                                  alternative)
    if not math.isfinite(value) and abs(effect_value) * math.sqrt(nobs) > 8:
        # the noncentral t distribution underflows at huge noncentrality: power is 1
        # (or 0 for an effect against a one-sided alternative)
        aligned = (alternative == "two-sided" or (alternative == "greater") == (
            effect_value > 0))
        return 1.0 if aligned else 0.0
    return value


_power_of = power  # ``required_sample_size`` has a ``power`` argument that shadows it


def _t_power_by_tails(effect: float, n: int, alpha: float, paired: bool, ratio: float,
                      alternative: str) -> float:
    """Power of the t-test as the two rejection tails of the noncentral t (df, delta as in
    statsmodels), for when statsmodels returns NaN: scipy's ``nct`` can give NaN deep in
    the tail on the side opposite to the effect. That tail is bounded by P(T < 0) = Phi(-delta)
    (or P(T > 0) = Phi(delta)), so a NaN there below 1e-6 counts as 0."""
    if paired:
        df, delta = n - 1.0, effect * math.sqrt(n)
    else:
        df = n * (1 + ratio) - 2
        delta = effect * math.sqrt(n * ratio / (1 + ratio))
    tail_alpha = alpha / 2 if alternative == "two-sided" else alpha
    crit = float(stats.t.isf(tail_alpha, df))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        upper = float(stats.nct.sf(crit, df, delta))
        lower = float(stats.nct.cdf(-crit, df, delta))
    if not math.isfinite(upper) and stats.norm.cdf(delta) < 1e-6:
        upper = 0.0
    if not math.isfinite(lower) and stats.norm.cdf(-delta) < 1e-6:
        lower = 0.0
    if alternative == "greater":
        return upper
    if alternative == "less":
        return lower
    return upper + lower


def required_sample_size(effect: float, *, kind: str = "continuous", alpha: float = 0.05,
                         power: float = TARGET_POWER, paired: bool = False,
                         alternative: str = "two-sided") -> int:
    """Smallest n per group (pairs if paired) reaching ``power`` at ``effect`` (see
    :func:`power` for the effect scale), rounded up; e.g. d = 0.5, alpha = 0.05, power 0.8,
    two-sided two-sample t-test -> 64 per group (Cohen 1988, Table 2.4.1)."""
    require_choice("kind", kind, KINDS)
    require_choice("alternative", alternative, ALTERNATIVES)
    effect_value = require_float("effect", effect)
    if effect_value == 0:
        raise ValueError("effect must be non-zero: no sample size detects a zero effect")
    if (alternative == "greater" and effect_value < 0) or (
            alternative == "less" and effect_value > 0):
        raise ValueError(f"effect {effect_value} points against alternative {alternative!r}")
    level = require_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    target = require_float("power", power, low=level, high=1.0, low_open=True, high_open=True)
    engine, extra = _power_engine(kind, paired)
    if not paired:
        extra = {"ratio": 1.0}
    size_name = "nobs" if isinstance(engine, TTestPower) else "nobs1"
    smallest = 2  # the fewest items per group any of the tests can use
    if _power_of(effect_value, smallest, kind=kind, alpha=level, paired=paired,
                 alternative=alternative) >= target:
        return smallest
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n = engine.solve_power(effect_size=effect_value, alpha=level, power=target,
                               alternative=STATSMODELS_ALTERNATIVE[alternative],
                               **{size_name: None}, **extra)
    value = float(np.asarray(n).item())
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"effect {effect_value:g}: the power solver found no sample size")
    return math.ceil(value - 1e-9)


def power_curve(effect: float, ns: Sequence[int], *, kind: str, alpha: float = 0.05,
                paired: bool = False, alternative: str = "two-sided") -> pd.DataFrame:
    """Power over a range of sample sizes at a fixed effect: columns n, power."""
    return pd.DataFrame({"n": list(ns), "power": [
        power(effect, int(n), kind=kind, alpha=alpha, paired=paired, alternative=alternative)
        for n in ns]})
