"""More than two models at once: an omnibus test (Cochran's Q for paired binary outcomes,
Friedman for paired continuous ones, Pearson's chi-square or one-way ANOVA / Kruskal-Wallis
when independent) and every pair compared, p-values adjusted by Holm or Benjamini-Hochberg."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import cochrans_q
from statsmodels.stats.multitest import multipletests

from crucible_scenarios.stats.ab_test import compare
from crucible_scenarios.stats.design import (
    CORRECTIONS,
    KINDS,
    NORMALITY_ALPHA,
    outcome_array,
    shapiro_p,
)
from crucible_scenarios.validation import require_choice, require_float

# --- three or more configurations -------------------------------------------------------

@dataclass(frozen=True)
class ManyComparison:
    """An omnibus test over k groups and the corrected pairwise comparisons."""

    kind: str
    paired: bool
    omnibus: str
    reason: str
    statistic: float
    df: float | None
    p_value: float
    correction: str
    pairwise: pd.DataFrame


def compare_many(groups: Mapping[str, Sequence[float] | np.ndarray], *, kind: str,
                 paired: bool = False, alpha: float = 0.05,
                 correction: str = "holm") -> ManyComparison:
    """Compare three or more configurations.

    Omnibus test: one-way ANOVA when every group passes Shapiro-Wilk, else Kruskal-Wallis
    (continuous, independent); Friedman (continuous, paired); Pearson's chi-square test of
    homogeneity (binary, independent); Cochran's Q (binary, paired). Then every pair with
    :func:`compare` (same rules as for two groups), p-values adjusted by Holm's step-down
    or Benjamini-Hochberg (``statsmodels.stats.multitest.multipletests``).
    """
    kind = require_choice("kind", kind, KINDS)
    if not isinstance(groups, Mapping):
        raise ValueError(f"groups must map configuration names to values, got "
                         f"{type(groups).__name__}")
    method = require_choice("correction", correction, CORRECTIONS)
    level = require_float("alpha", alpha, low=0.0, high=0.5, low_open=True)
    if len(groups) < 3:
        raise ValueError(f"groups must hold at least 3 configurations, got {len(groups)}")
    arrays = {str(k): outcome_array(f"groups[{k!r}]", v, kind) for k, v in groups.items()}
    values = list(arrays.values())
    if paired and len({v.size for v in values}) > 1:
        raise ValueError("groups must all have the same length for a paired design")
    if len(arrays) < len(groups):
        raise ValueError("groups must have distinct names")
    if min(v.size for v in values) < 3:
        raise ValueError("every group needs at least 3 items")
    # With every observation tied (within each item, when paired) the rank and Cochran
    # statistics are 0/0; no variation means nothing contradicts H0: statistic 0, p = 1.
    no_variation = (np.all(np.ptp(np.column_stack(values), axis=1) == 0) if paired
                    else np.ptp(np.concatenate(values)) == 0)
    if kind == "continuous":
        if paired:
            test = stats.friedmanchisquare
            name, reason = ("Friedman test", "Repeated measures on the same items: a rank "
                            "test within items.")
        elif all(shapiro_p(v) >= NORMALITY_ALPHA for v in values):
            test = stats.f_oneway
            name, reason = "one-way ANOVA", "Every group passes the Shapiro-Wilk check."
        else:
            test = stats.kruskal
            name, reason = ("Kruskal-Wallis test", "At least one group fails the Shapiro-Wilk "
                            "check, so a rank test is used.")
        dof = float(len(values) - 1)
        if no_variation:
            stat, p = 0.0, 1.0
        else:
            res = test(*values)
            stat, p = float(res.statistic), float(res.pvalue)
    elif paired:
        name, reason = ("Cochran's Q test", "Paired binary outcomes of k configurations on "
                        "the same items.")
        dof = float(len(values) - 1)
        if no_variation:
            stat, p = 0.0, 1.0
        else:
            q = cochrans_q(np.column_stack(values))
            stat, p, dof = float(q.statistic), float(q.pvalue), float(q.df)
    else:
        counts = np.array([[v.sum(), v.size - v.sum()] for v in values])
        if np.any(counts.sum(0) == 0):
            stat, p, dof = 0.0, 1.0, float(len(values) - 1)
        else:
            chi = stats.chi2_contingency(counts, correction=False)
            stat, p, dof = float(chi.statistic), float(chi.pvalue), float(chi.dof)
        name, reason = ("chi-square test of homogeneity", "Independent binary outcomes of "
                        "k configurations.")
    rows = []
    for first, second in combinations(arrays, 2):
        c = compare(arrays[first], arrays[second], paired=paired, kind=kind, alpha=level,
                    n_boot=0, label_a=first, label_b=second)
        rows.append({"group_a": first, "group_b": second, "difference": c.difference,
                     "test": c.test or "none (degenerate)", "p_raw":
                     1.0 if c.p_value is None else c.p_value})
    pairwise = pd.DataFrame(rows)
    reject, adjusted, _, _ = multipletests(pairwise["p_raw"], alpha=level, method=method)
    pairwise["p_adjusted"] = adjusted
    pairwise["significant"] = reject
    return ManyComparison(kind, paired, name, reason, stat, dof, p, method, pairwise)
