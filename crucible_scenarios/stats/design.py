"""The design of a model comparison, shared by its tests, power analysis and reports: the
kinds of outcome and the alternatives, the corrections for many comparisons, the
Shapiro-Wilk check that picks a parametric or a rank test, the check of every array of
outcomes, and the conversion of results to JSON-ready values."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy import stats

KINDS = ("binary", "continuous")
ALTERNATIVES = ("two-sided", "greater", "less")
CORRECTIONS = ("holm", "fdr_bh")
#: Significance level of the Shapiro-Wilk check that chooses between t and rank tests.
NORMALITY_ALPHA = 0.05
#: Default smallest difference worth acting on: 2 accuracy points, or Cohen's d of 0.2.
DEFAULT_MIN_EFFECT = {"binary": 0.02, "continuous": 0.2}
#: Our names of the alternatives -> statsmodels' names.
STATSMODELS_ALTERNATIVE = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers, tuples as lists and non-finite
    floats as None, so ``json.dumps`` writes valid JSON."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(float(value)) else None
    return value


def outcome_array(name: str, values: object, kind: str) -> np.ndarray:
    """``values`` as a one-dimensional float array of finite outcomes (only 0/1 for a
    binary metric); a ValueError naming ``name`` and the first bad position otherwise."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of numbers") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds a missing or infinite value at position "
                         f"{int(np.flatnonzero(~np.isfinite(array))[0])}")
    if kind == "binary" and not np.all((array == 0) | (array == 1)):
        bad = int(np.flatnonzero((array != 0) & (array != 1))[0])
        raise ValueError(f"{name} must hold only 0/1 (or True/False) for a binary metric; "
                         f"position {bad} is {array[bad]:g}")
    return array


def shapiro_p(x: np.ndarray) -> float:
    """The p-value of the Shapiro-Wilk test of normality (``scipy.stats.shapiro``); 0 for
    constant data, which is not normal for the purpose of choosing a test."""
    if np.ptp(x) == 0:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.shapiro(x).pvalue)

