"""Statistical comparison of two (or more) models: an A/B test a statistician would sign.

The experiment: two mock models answer the same GSM8K-style math problems, so every
problem yields a *pair* of outcomes (correct or not, latency, cost). :func:`compare` picks
the test that fits the design and the data and says why:

* binary, paired: exact McNemar test (exact binomial test on the discordant pairs);
* binary, unpaired: Fisher's exact test when an expected cell count is below 5, else the
  two-proportion z-test (equal to Pearson's chi-square without continuity correction);
* continuous, paired: paired t-test when the differences pass a Shapiro-Wilk normality
  check, else the Wilcoxon signed-rank test;
* continuous, unpaired: Welch's t-test when both groups pass Shapiro-Wilk, else the
  Mann-Whitney U test; Levene's (Brown-Forsythe) test of equal variances is reported.

Effect sizes come with confidence intervals: risk difference (Newcombe's hybrid score
interval, the paired variant "method 10" of Newcombe 1998 for paired data), odds ratio and
Cohen's h for proportions; Cohen's d (d_z for paired data) with a BCa bootstrap interval
and Hedges' g for means; the rank-biserial correlation for rank tests. Proportions get
Wilson score intervals. Power and sample sizes come from ``statsmodels.stats.power``.

Convention: every difference is B minus A, and ``alternative="greater"`` means "B is
larger than A" (more accurate, slower, dearer, depending on the metric).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats
from statsmodels.stats.contingency_tables import Table2x2, mcnemar
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

from crucible_scenarios.stats.design import (
    ALTERNATIVES,
    DEFAULT_MIN_EFFECT,
    KINDS,
    NORMALITY_ALPHA,
    STATSMODELS_ALTERNATIVE,
    jsonable,
    outcome_array,
    shapiro_p,
)
from crucible_scenarios.stats.power_analysis import power, required_sample_size
from crucible_scenarios.validation import require_choice, require_float, require_int

# --- the comparison ---------------------------------------------------------------------

@dataclass(frozen=True)
class Effect:
    """An effect size with its confidence interval (bounds None when not available)."""

    name: str
    value: float
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class Comparison:
    """Everything a report needs: design, chosen test and why, statistic, p-value, effect
    sizes with intervals, power, and a verdict in plain words. When ``degenerate`` is set
    the data cannot support a test (no variation, too few items) and the test fields are
    None; the estimates are still filled in."""

    kind: str
    paired: bool
    alternative: str
    alpha: float
    label_a: str
    label_b: str
    metric: str
    unit: str
    n_a: int
    n_b: int
    estimate_a: float
    estimate_b: float
    ci_a: tuple[float, float] | None
    ci_b: tuple[float, float] | None
    difference: float
    difference_ci: tuple[float, float] | None
    difference_ci_method: str
    bootstrap_ci: tuple[float, float] | None
    test: str | None
    reason: str
    statistic_name: str | None
    statistic: float | None
    df: float | None
    p_value: float | None
    effect: Effect | None
    other_effects: tuple[Effect, ...]
    checks: dict[str, float]
    table: dict[str, int]
    power: float | None
    required_n: int | None
    power_effect: float | None
    significant: bool | None
    meaningful: bool | None
    min_effect: float
    cost_per_extra_correct: float | None
    verdict: str
    degenerate: str | None
    seed: int | None
    n_boot: int
    notes: tuple[str, ...] = field(default=())

    @property
    def hypothesis(self) -> str:
        """The null and alternative hypotheses in words."""
        what = "accuracy" if self.kind == "binary" else f"mean {self.metric}"
        sign = {"two-sided": "differs from", "greater": "is greater than",
                "less": "is less than"}[self.alternative]
        return (f"H0: {what} of {self.label_b} equals that of {self.label_a}; "
                f"H1: {what} of {self.label_b} {sign} that of {self.label_a}.")

    @property
    def design(self) -> str:
        """The design in words."""
        if self.paired:
            return f"paired: both on the same {self.n_a} items"
        return f"unpaired: {self.n_a} items for {self.label_a}, {self.n_b} for {self.label_b}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite numbers become None)."""
        return jsonable(asdict(self) | {"hypothesis": self.hypothesis, "design": self.design})


def _wilson(successes: int, n: int, alpha: float) -> tuple[float, float]:
    lo, hi = proportion_confint(successes, n, alpha=alpha, method="wilson")
    # the Wilson interval always holds successes / n; rounding can leave it a hair outside
    return min(float(lo), successes / n), max(float(hi), successes / n)


def newcombe_paired_interval(both: int, a_only: int, b_only: int, neither: int,
                             alpha: float = 0.05) -> tuple[float, float]:
    """Confidence interval for p_B - p_A from paired binary data by Newcombe's hybrid score
    method, "method 10" of Newcombe (Stat Med 1998;17:2635-50): Wilson score limits
    without continuity correction for each proportion, combined by square-and-add with
    the correlation phi of the 2x2 table, which Newcombe corrects for continuity (see the
    code). ``a_only`` = A right and B wrong. Reproduces Fagerland, Lydersen & Laake,
    *Statistical Analysis of Contingency Tables* (2017), ch. 8: (-0.1186, -0.0046) for
    the Cavo (2012) table (59, 6, 16, 80)."""
    both, a_only, b_only, neither = (
        require_int(name, value, low=0) for name, value in
        (("both", both), ("a_only", a_only), ("b_only", b_only), ("neither", neither)))
    alpha = require_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    if both + a_only + b_only + neither == 0:
        raise ValueError("both, a_only, b_only and neither must count at least one pair")
    n = both + a_only + b_only + neither
    p_b, p_a = (both + b_only) / n, (both + a_only) / n
    lo_b, hi_b = _wilson(both + b_only, n, alpha)
    lo_a, hi_a = _wilson(both + a_only, n, alpha)
    # phi of the 2x2 table (A right/wrong x B right/wrong) with Newcombe's continuity
    # correction: (AD - BC - N/2) / sqrt(margins) when AD - BC > N/2, 0 when
    # 0 <= AD - BC <= N/2, uncorrected when AD - BC < 0; 0 when a margin is empty.
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    cross = both * neither - a_only * b_only
    if margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    else:
        phi = (cross - n / 2 if cross > n / 2 else cross) / math.sqrt(margins)
    diff = p_b - p_a
    delta = math.sqrt(max((p_b - lo_b) ** 2 - 2 * phi * (p_b - lo_b) * (hi_a - p_a)
                          + (hi_a - p_a) ** 2, 0.0))
    epsilon = math.sqrt(max((hi_b - p_b) ** 2 - 2 * phi * (hi_b - p_b) * (p_a - lo_a)
                            + (p_a - lo_a) ** 2, 0.0))
    return max(diff - delta, -1.0), min(diff + epsilon, 1.0)


def _fmt(value: float, unit: str) -> str:
    if unit == "points":
        return f"{value * 100:.1f} points"
    if unit == "USD":
        return f"${value:.5f}"
    if unit == "ms":
        return f"{value:,.0f} ms"
    return f"{value:.4g}{' ' + unit if unit else ''}"


@dataclass
class _Test:
    name: str
    reason: str
    statistic_name: str
    statistic: float
    df: float | None
    p_value: float


def _binary_test(a: np.ndarray, b: np.ndarray, paired: bool, alternative: str,
                 table: dict[str, int]) -> _Test:
    if paired:
        disc = table["a_only"] + table["b_only"]
        if alternative == "two-sided":
            result = mcnemar([[table["both"], table["a_only"]],
                              [table["b_only"], table["neither"]]], exact=True)
            p = float(result.pvalue)
        else:
            p = float(stats.binomtest(table["b_only"], disc, 0.5,
                                      alternative=alternative).pvalue)
        return _Test("exact McNemar test",
                     f"Paired binary outcomes: only the {disc} discordant pairs carry "
                     "information, and the exact binomial test on them (p = 1/2 under H0) "
                     "needs no large-sample approximation.",
                     "pairs won by B (of the discordant)", float(table["b_only"]), None, p)
    successes = np.array([b.sum(), a.sum()])
    nobs = np.array([b.size, a.size])
    contingency = np.column_stack([successes, nobs - successes])
    expected = contingency.sum(1)[:, None] * contingency.sum(0)[None, :] / contingency.sum()
    if expected.min() < 5:
        odds, p = stats.fisher_exact(contingency, alternative=alternative)
        return _Test("Fisher's exact test",
                     f"Two independent groups with a small expected cell count "
                     f"({expected.min():.1f} < 5): the chi-square approximation is unreliable, "
                     "so the exact conditional test is used.",
                     "sample odds ratio", float(odds), None, float(p))
    z, p = proportions_ztest(successes, nobs, alternative=STATSMODELS_ALTERNATIVE[alternative])
    return _Test("two-proportion z-test",
                 f"Two independent groups with every expected cell count at least 5 "
                 f"(smallest {expected.min():.1f}): the normal approximation holds (z² equals "
                 "Pearson's chi-square without continuity correction).",
                 "z", float(z), None, float(p))


def _continuous_test(a: np.ndarray, b: np.ndarray, paired: bool, alternative: str,
                     checks: dict[str, float]) -> _Test:
    if paired:
        d = b - a
        p_norm = shapiro_p(d)
        checks["Shapiro-Wilk p (differences)"] = p_norm
        if p_norm >= NORMALITY_ALPHA:
            r = stats.ttest_rel(b, a, alternative=alternative)
            return _Test("paired t-test",
                         f"Paired data whose differences pass the Shapiro-Wilk normality check "
                         f"(p = {p_norm:.3f} >= {NORMALITY_ALPHA}).",
                         "t", float(r.statistic), float(r.df), float(r.pvalue))
        w = stats.wilcoxon(d, alternative=alternative)
        return _Test("Wilcoxon signed-rank test",
                     f"Paired data whose differences fail the Shapiro-Wilk normality check "
                     f"(p = {p_norm:.3g} < {NORMALITY_ALPHA}): a rank test needs no normality.",
                     "W", float(w.statistic), None, float(w.pvalue))
    p_a, p_b = shapiro_p(a), shapiro_p(b)
    checks["Shapiro-Wilk p (A)"] = p_a
    checks["Shapiro-Wilk p (B)"] = p_b
    if np.ptp(a) > 0 or np.ptp(b) > 0:
        checks["Levene p (equal variances)"] = float(stats.levene(a, b).pvalue)
    if min(p_a, p_b) >= NORMALITY_ALPHA:
        r = stats.ttest_ind(b, a, equal_var=False, alternative=alternative)
        return _Test("Welch's t-test",
                     f"Two independent groups that pass the Shapiro-Wilk normality check "
                     f"(p = {p_a:.3f} and {p_b:.3f}); Welch's test does not assume equal "
                     "variances.", "t", float(r.statistic), float(r.df), float(r.pvalue))
    u = stats.mannwhitneyu(b, a, alternative=alternative)
    return _Test("Mann-Whitney U test",
                 f"Two independent groups, at least one failing the Shapiro-Wilk normality "
                 f"check (p = {p_a:.3g} and {p_b:.3g}): a rank test needs no normality.",
                 "U (of B)", float(u.statistic), None, float(u.pvalue))


def _hedges_j(df: float) -> float:
    """Exact small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))."""
    return float(np.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2))
                 / math.sqrt(df / 2))


def rank_biserial(a: np.ndarray, b: np.ndarray, *, paired: bool) -> float:
    """Rank-biserial correlation of B against A: (T+ - T-) / (T+ + T-) over the ranks of the
    non-zero paired differences (Kerby 2014), or 2 U_B / (n_A n_B) - 1 for independent
    groups (U_B the Mann-Whitney statistic of B)."""
    a = outcome_array("a", a, "continuous")
    b = outcome_array("b", b, "continuous")
    if paired and a.size != b.size:
        raise ValueError(f"b must have as many items as a for a paired design "
                         f"({b.size} != {a.size})")
    if paired:
        d = b - a
        d = d[d != 0]
        if d.size == 0:
            return 0.0
        ranks = stats.rankdata(np.abs(d))
        return float((ranks[d > 0].sum() - ranks[d < 0].sum()) / ranks.sum())
    u = stats.mannwhitneyu(b, a).statistic
    return float(2 * u / (a.size * b.size) - 1)


def _degenerate(a: np.ndarray, b: np.ndarray, kind: str, paired: bool, metric: str,
                table: dict[str, int], label_a: str, label_b: str) -> str | None:
    need = 2 if kind == "binary" else 3
    n_min = min(a.size, b.size)
    if n_min < need:
        what = "a test" if kind == "binary" else "the normality check and a t-test"
        return (f"Too few items: n = {n_min} is below the {need} per group that {what} "
                "needs; no test was run.")
    if kind == "binary":
        pooled = np.concatenate([a, b])
        if np.ptp(pooled) == 0:
            state = "right" if pooled[0] == 1 else "wrong"
            return (f"No variation: both {label_a} and {label_b} got every item {state}, "
                    "so the accuracies are identical and no test is needed.")
        if paired and table["a_only"] + table["b_only"] == 0:
            return (f"No discordant pairs: {label_a} and {label_b} are right and wrong on "
                    "exactly the same items, so the data show no difference and McNemar's "
                    "test has nothing to test.")
        return None
    if paired and np.ptp(b - a) == 0:
        if (b - a)[0] == 0:
            return (f"No variation: the {metric} values are identical for {label_a} and "
                    f"{label_b} on every item, no test needed.")
        return (f"No variation in the differences: {label_b} differs from {label_a} by "
                f"exactly {(b - a)[0]:.6g} on every item; the difference is known exactly and "
                "a test has nothing to estimate.")
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        if a[0] == b[0]:
            return (f"No variation: the {metric} values are all identical ({a[0]:.6g}), "
                    "no test needed.")
        return (f"No variation within groups: every {label_a} value is {a[0]:.6g} and every "
                f"{label_b} value is {b[0]:.6g}; the difference is exact, no test needed.")
    return None


def compare(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    paired: bool,
    kind: str,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    n_boot: int = 10_000,
    seed: int | None = 0,
    label_a: str = "Model A",
    label_b: str = "Model B",
    metric: str | None = None,
    unit: str | None = None,
    min_effect: float | None = None,
    cost_a: float | None = None,
    cost_b: float | None = None,
    power_analysis: bool = True,
) -> Comparison:
    """Compare B against A: choose the test for the design and data (see the module
    docstring), compute effect sizes with intervals, achieved power at the observed effect
    and the n needed for 80% power, and a plain-words verdict.

    ``kind`` is "binary" (0/1 outcomes such as correct/incorrect) or "continuous". The BCa
    bootstrap (``scipy.stats.bootstrap``, ``n_boot`` resamples seeded by ``seed``) gives a
    second interval for the mean difference and the interval of Cohen's d; ``n_boot=0``
    skips it (the d interval then uses the large-sample normal approximation).
    ``min_effect`` is the smallest difference that matters: a risk difference for binary
    data (default 0.02), Cohen's d for continuous data (default 0.2). ``cost_a``/``cost_b``
    (mean USD per query) give the cost per extra correct answer for binary data.
    ``power_analysis=False`` skips the power and sample-size figures (for simulation
    studies that only need the test).
    """
    kind = require_choice("kind", kind, KINDS)
    alternative = require_choice("alternative", alternative, ALTERNATIVES)
    level = require_float("alpha", alpha, low=0.0, high=0.5, low_open=True, high_open=False)
    boots = require_int("n_boot", n_boot, low=0, high=1_000_000)
    if boots and boots < 100:
        raise ValueError(f"n_boot must be 0 or at least 100, got {boots}")
    if seed is not None:
        require_int("seed", seed, low=0)
    x_a = outcome_array("a", a, kind)
    x_b = outcome_array("b", b, kind)
    if paired and x_a.size != x_b.size:
        raise ValueError(f"b must have as many items as a for a paired design "
                         f"({x_b.size} != {x_a.size})")
    metric = metric or ("accuracy" if kind == "binary" else "value")
    unit = unit if unit is not None else ("points" if kind == "binary" else "")
    threshold = (DEFAULT_MIN_EFFECT[kind] if min_effect is None
                 else require_float("min_effect", min_effect, low=0.0))
    est_a, est_b = float(x_a.mean()), float(x_b.mean())
    diff = est_b - est_a
    table: dict[str, int] = {}
    if kind == "binary" and paired:
        ia, ib = x_a.astype(bool), x_b.astype(bool)
        table = {"both": int(np.sum(ia & ib)), "a_only": int(np.sum(ia & ~ib)),
                 "b_only": int(np.sum(~ia & ib)), "neither": int(np.sum(~ia & ~ib))}
    if kind == "binary":
        ci_a: tuple[float, float] | None = _wilson(int(x_a.sum()), x_a.size, level)
        ci_b: tuple[float, float] | None = _wilson(int(x_b.sum()), x_b.size, level)
    else:
        ci_a = _t_interval(x_a, level)
        ci_b = _t_interval(x_b, level)
    cost_note = _cost_per_extra(kind, diff, cost_a, cost_b)
    degenerate = _degenerate(x_a, x_b, kind, paired, metric, table, label_a, label_b)
    common: dict[str, Any] = dict(
        kind=kind, paired=paired, alternative=alternative, alpha=level, label_a=label_a,
        label_b=label_b, metric=metric, unit=unit, n_a=int(x_a.size), n_b=int(x_b.size),
        estimate_a=est_a, estimate_b=est_b, ci_a=ci_a, ci_b=ci_b, difference=diff,
        table=table, min_effect=threshold, cost_per_extra_correct=cost_note, seed=seed,
        n_boot=boots)
    if degenerate is not None:
        return Comparison(
            **common, difference_ci=None, difference_ci_method="", bootstrap_ci=None,
            test=None, reason=degenerate, statistic_name=None, statistic=None, df=None,
            p_value=None, effect=None, other_effects=(), checks={}, power=None,
            required_n=None, power_effect=None, significant=None, meaningful=None,
            verdict=degenerate, degenerate=degenerate)

    checks: dict[str, float] = {}
    notes: list[str] = []
    bootstrap_ci: tuple[float, float] | None = None
    diff_ci: tuple[float, float] | None
    if kind == "binary":
        test = _binary_test(x_a, x_b, paired, alternative, table)
        effect, others, diff_ci, ci_method, power_effect = _binary_effects(
            x_a, x_b, paired, level, table)
        meaningful = abs(diff) >= threshold
    else:
        test = _continuous_test(x_a, x_b, paired, alternative, checks)
        effect, others, diff_ci, ci_method, bootstrap_ci, power_effect = _continuous_effects(
            x_a, x_b, paired, level, boots, seed, test.name)
        meaningful = abs(effect.value) >= threshold
        if test.name in ("Wilcoxon signed-rank test", "Mann-Whitney U test"):
            notes.append("Power and sample size use the t-test at the observed Cohen's d; "
                         "the rank test is at least 86% as efficient (Hodges-Lehmann bound), "
                         "and more efficient for heavy-tailed data.")
    achieved, needed = (_achieved_power(power_effect, kind, paired, level, alternative,
                                        x_a.size, x_b.size)
                        if power_analysis else (None, None))
    significant = test.p_value < level
    result = Comparison(
        **common, difference_ci=diff_ci, difference_ci_method=ci_method,
        bootstrap_ci=bootstrap_ci, test=test.name, reason=test.reason,
        statistic_name=test.statistic_name, statistic=test.statistic, df=test.df,
        p_value=test.p_value, effect=effect, other_effects=tuple(others), checks=checks,
        power=achieved, required_n=needed, power_effect=power_effect,
        significant=significant, meaningful=meaningful, verdict="", degenerate=None,
        notes=tuple(notes))
    return _with_verdict(result)


def _t_interval(x: np.ndarray, alpha: float) -> tuple[float, float] | None:
    if x.size < 2 or np.ptp(x) == 0:
        return (float(x.mean()), float(x.mean())) if x.size else None
    lo, hi = stats.ttest_1samp(x, 0.0).confidence_interval(1 - alpha)
    return float(lo), float(hi)


def _cost_per_extra(kind: str, diff: float, cost_a: float | None,
                    cost_b: float | None) -> float | None:
    if kind != "binary" or cost_a is None or cost_b is None or diff <= 0:
        return None
    return float((cost_b - cost_a) / diff)


def _binary_effects(a: np.ndarray, b: np.ndarray, paired: bool, alpha: float,
                    table: dict[str, int]
                    ) -> tuple[Effect, list[Effect], tuple[float, float], str, float]:
    p_a, p_b = float(a.mean()), float(b.mean())
    z = float(stats.norm.ppf(1 - alpha / 2))
    h = float(proportion_effectsize(p_b, p_a))
    if paired:
        lo, hi = newcombe_paired_interval(table["both"], table["a_only"], table["b_only"],
                                          table["neither"], alpha)
        method = "Newcombe hybrid score interval for paired data (method 10)"
        disc = table["a_only"] + table["b_only"]
        if table["a_only"] > 0:
            cp_lo, cp_hi = proportion_confint(table["b_only"], disc, alpha=alpha, method="beta")
            odds = Effect("conditional odds ratio (B-only / A-only pairs)",
                          table["b_only"] / table["a_only"], float(cp_lo / (1 - cp_lo)),
                          float(cp_hi / (1 - cp_hi)) if cp_hi < 1 else math.inf)
        else:
            odds = Effect("conditional odds ratio (B-only / A-only pairs)", math.inf)
        h_effect = Effect("Cohen's h", h)
        n = a.size
        power_effect = (table["b_only"] - table["a_only"]) / n / math.sqrt(disc / n)
    else:
        lo_, hi_ = confint_proportions_2indep(int(b.sum()), b.size, int(a.sum()), a.size,
                                              method="newcomb", compare="diff", alpha=alpha)
        lo, hi = float(lo_), float(hi_)
        method = "Newcombe hybrid score interval (Wilson-based)"
        tab = Table2x2(np.array([[b.sum(), b.size - b.sum()], [a.sum(), a.size - a.sum()]]),
                       shift_zeros=True)
        or_lo, or_hi = tab.oddsratio_confint(alpha=alpha)
        odds = Effect("odds ratio (B vs A)", float(tab.oddsratio), float(or_lo), float(or_hi))
        half = z * math.sqrt(1 / a.size + 1 / b.size)
        h_effect = Effect("Cohen's h", h, h - half, h + half)
        power_effect = h
    rd = Effect("risk difference (B - A)", p_b - p_a, lo, hi)
    return rd, [odds, h_effect], (lo, hi), method, power_effect


def _continuous_effects(a: np.ndarray, b: np.ndarray, paired: bool, alpha: float,
                        n_boot: int, seed: int | None, test_name: str
                        ) -> tuple[Effect, list[Effect], tuple[float, float] | None, str,
                                   tuple[float, float] | None, float]:
    z = float(stats.norm.ppf(1 - alpha / 2))
    if paired:
        d = b - a
        n = d.size
        sd = float(d.std(ddof=1))
        cohen = float(d.mean() / sd) if sd > 0 else 0.0
        name, dof = "Cohen's d_z (paired)", n - 1
        lo, hi = stats.ttest_rel(b, a).confidence_interval(1 - alpha)
        se_d = math.sqrt(1 / n + cohen**2 / (2 * n))
    else:
        n_a, n_b = a.size, b.size
        pooled = math.sqrt(((n_a - 1) * a.var(ddof=1) + (n_b - 1) * b.var(ddof=1))
                           / (n_a + n_b - 2))
        cohen = float((b.mean() - a.mean()) / pooled) if pooled > 0 else 0.0
        name, dof = "Cohen's d", n_a + n_b - 2
        lo, hi = stats.ttest_ind(b, a, equal_var=False).confidence_interval(1 - alpha)
        se_d = math.sqrt((n_a + n_b) / (n_a * n_b) + cohen**2 / (2 * (n_a + n_b)))
    boot_ci = _bootstrap(a, b, paired, alpha, n_boot, seed) if n_boot else None
    # Cohen's d: its BCa bootstrap interval, or (no resamples, or constant data) the
    # large-sample normal approximation with Hedges & Olkin's standard error.
    d_ci = (_bootstrap(a, b, paired, alpha, n_boot, seed, standardized=True)
            if n_boot else None)
    if d_ci is None:
        d_ci = (cohen - z * se_d, cohen + z * se_d)
    effect = Effect(name, cohen, *d_ci)
    others = [Effect("Hedges' g" + (" (paired)" if paired else ""), cohen * _hedges_j(dof))]
    if test_name in ("Wilcoxon signed-rank test", "Mann-Whitney U test"):
        others.append(Effect("rank-biserial correlation", rank_biserial(a, b, paired=paired)))
    return (effect, others, (float(lo), float(hi)), "t interval", boot_ci, cohen)


def _mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(x.mean(axis) - y.mean(axis))


def _standardized_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Cohen's d of B (``x``) against A (``y``) along ``axis``: the mean difference over
    the pooled standard deviation."""
    n_x, n_y = x.shape[axis], y.shape[axis]
    pooled = np.sqrt(((n_x - 1) * x.var(axis, ddof=1) + (n_y - 1) * y.var(axis, ddof=1))
                     / (n_x + n_y - 2))
    return np.asarray((x.mean(axis) - y.mean(axis)) / pooled)


def _mean(d: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(d.mean(axis))


def _standardized_mean(d: np.ndarray, axis: int = -1) -> np.ndarray:
    """Cohen's d_z of paired differences along ``axis``: their mean over their SD."""
    return np.asarray(d.mean(axis) / d.std(axis, ddof=1))


def _bootstrap(a: np.ndarray, b: np.ndarray, paired: bool, alpha: float, n_boot: int,
               seed: int | None, *, standardized: bool = False
               ) -> tuple[float, float] | None:
    """BCa bootstrap interval (``scipy.stats.bootstrap``, ``method="BCa"``; Efron 1987)
    of B - A: the mean difference, or with ``standardized`` Cohen's d (d_z when paired),
    resampling the paired differences, or each group independently. None when the
    interval is not finite (constant data)."""
    data: tuple[np.ndarray, ...]
    if paired:
        data = (b - a,)
        statistic: Any = _standardized_mean if standardized else _mean
    else:
        data = (b, a)
        statistic = _standardized_difference if standardized else _mean_difference
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        res = stats.bootstrap(data, statistic, n_resamples=n_boot, confidence_level=1 - alpha,
                              method="BCa", rng=np.random.default_rng(seed), vectorized=True,
                              batch=1000)
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return lo, hi


def _achieved_power(effect: float, kind: str, paired: bool, alpha: float, alternative: str,
                    n_a: int, n_b: int) -> tuple[float | None, int | None]:
    if not math.isfinite(effect):
        return None, None
    try:
        achieved = power(effect, n_a, kind=kind, alpha=alpha, paired=paired,
                         alternative=alternative, ratio=n_b / n_a)
    except ValueError:
        achieved = None
    try:
        needed: int | None = required_sample_size(effect, kind=kind, alpha=alpha,
                                                  paired=paired, alternative=alternative)
    except (ValueError, RuntimeError, OverflowError):
        needed = None
    return achieved, needed


def _with_verdict(c: Comparison) -> Comparison:
    from dataclasses import replace

    conf = f"{1 - c.alpha:.0%} CI"
    unit = c.unit
    direction = "higher" if c.difference > 0 else "lower"
    what = "accuracy" if c.kind == "binary" else f"mean {c.metric}"
    assert c.p_value is not None and c.effect is not None
    ci_text = ""
    if c.difference_ci is not None:
        ci_text = (f" ({conf} {_fmt(c.difference_ci[0], unit)} to "
                   f"{_fmt(c.difference_ci[1], unit)})")
    size = (f"{c.label_b}'s {what} is {direction} than {c.label_a}'s by "
            f"{_fmt(abs(c.difference), unit)}{ci_text}.")
    if c.significant:
        sig = f"The difference is statistically significant (p = {c.p_value:.3g} < {c.alpha:g})"
    else:
        sig = (f"The data do not show a significant difference (p = {c.p_value:.3g} >= "
               f"{c.alpha:g})")
    limit = (_fmt(c.min_effect, unit) if c.kind == "binary"
             else f"|Cohen's d| {c.min_effect:g}")
    if c.significant:
        practical = (f"and practically meaningful (at least {limit})" if c.meaningful
                     else f"but smaller than the smallest difference that matters ({limit})")
    else:
        practical = (f"although the observed difference would matter (at least {limit}): "
                     "the experiment is too small to tell" if c.meaningful
                     else f"and the observed difference is below what matters ({limit})")
    parts = [size, f"{sig} {practical}."]
    if not c.significant and c.required_n is not None:
        unit_n = "pairs" if c.paired else "items per group"
        parts.append(f"About {c.required_n:,} {unit_n} would give 80% power at the observed "
                     "effect.")
    if c.cost_per_extra_correct is not None:
        if c.cost_per_extra_correct > 0:
            parts.append(f"Each extra correct answer from {c.label_b} costs "
                         f"${c.cost_per_extra_correct:.4f}.")
        else:
            parts.append(f"{c.label_b} is more accurate and no more expensive per query.")
    return replace(c, verdict=" ".join(parts))


def mcnemar_exact(table: Mapping[str, int], *, alternative: str = "two-sided") -> float:
    """p-value of the exact McNemar test on a paired 2x2 table (keys ``both``, ``a_only``,
    ``b_only``, ``neither``): the test :func:`compare` uses for paired binary data."""
    alternative = require_choice("alternative", alternative, ALTERNATIVES)
    counts = {key: require_int(key, table[key], low=0)
              for key in ("both", "a_only", "b_only", "neither")}
    empty = np.empty(0)
    return _binary_test(empty, empty, True, alternative, counts).p_value
