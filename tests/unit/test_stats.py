"""The statistical comparison library against scipy, statsmodels, closed-form formulas and
published values (Cohen 1988, Newcombe 1998, Agresti 2002)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.power import TTestIndPower, TTestPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from crucible_scenarios.stats import (
    MODEL_A,
    MODEL_B,
    ExperimentModel,
    compare,
    compare_many,
    iter_experiment,
    newcombe_paired_interval,
    power,
    rank_biserial,
    required_sample_size,
    run_experiment,
    running_accuracy,
)
from crucible_scenarios.stats_report import escape_latex, escape_markdown, report


def _binary_from_table(both: int, a_only: int, b_only: int, neither: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    a = np.array([1] * both + [1] * a_only + [0] * b_only + [0] * neither)
    b = np.array([1] * both + [0] * a_only + [1] * b_only + [0] * neither)
    return a, b


# --- sample size and power ---------------------------------------------------------------

@pytest.mark.parametrize(("d", "n"), [(0.5, 64), (0.2, 394), (0.8, 26)])
def test_required_sample_size_matches_cohen_table(d: float, n: int) -> None:
    assert required_sample_size(d, kind="continuous", alpha=0.05, power=0.8) == n


def test_power_equals_noncentral_t() -> None:
    n, d = 40, 0.6
    df = 2 * n - 2
    nc = d * math.sqrt(n / 2)
    crit = stats.t.ppf(0.975, df)
    expected = stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc)
    assert power(d, n) == pytest.approx(expected, rel=1e-6)
    # paired: one-sample t on the differences
    nc1 = d * math.sqrt(n)
    crit1 = stats.t.ppf(0.975, n - 1)
    expected1 = stats.nct.sf(crit1, n - 1, nc1) + stats.nct.cdf(-crit1, n - 1, nc1)
    assert power(d, n, paired=True) == pytest.approx(expected1, rel=1e-6)


def test_binary_power_is_the_normal_approximation() -> None:
    h, n = 0.3, 100
    z = stats.norm.ppf(0.975)
    two_sample = stats.norm.cdf(h * math.sqrt(n / 2) - z) + stats.norm.cdf(-h * math.sqrt(n / 2)
                                                                           - z)
    assert power(h, n, kind="binary") == pytest.approx(two_sample, rel=1e-6)
    one_sample = stats.norm.cdf(h * math.sqrt(n) - z) + stats.norm.cdf(-h * math.sqrt(n) - z)
    assert power(h, n, kind="binary", paired=True) == pytest.approx(one_sample, rel=1e-6)


def test_required_sample_size_reaches_power_and_one_less_does_not() -> None:
    for kind, paired in [("continuous", True), ("binary", False), ("binary", True)]:
        n = required_sample_size(0.35, kind=kind, paired=paired)
        assert power(0.35, n, kind=kind, paired=paired) >= 0.8
        assert power(0.35, n - 1, kind=kind, paired=paired) < 0.8


def test_huge_effects_need_the_smallest_sample() -> None:
    for kind, paired in [("continuous", False), ("continuous", True), ("binary", False),
                         ("binary", True)]:
        assert required_sample_size(50.0, kind=kind, paired=paired) == 2
        assert power(50.0, 2, kind=kind, paired=paired) >= 0.8


def test_sample_size_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="effect"):
        required_sample_size(0.0)
    with pytest.raises(ValueError, match="kind"):
        required_sample_size(0.5, kind="ordinal")
    with pytest.raises(ValueError, match="alpha"):
        power(0.5, 10, alpha=1.5)
    with pytest.raises(ValueError, match="effect"):
        required_sample_size(-0.5, alternative="greater")


# --- intervals against published values ------------------------------------------------

def test_wilson_intervals_match_newcombe_1998() -> None:
    # Newcombe, Stat Med 1998;17:857-72, Table I: 81/263 and 15/148
    c = compare([1] * 81 + [0] * 182, [1] * 15 + [0] * 133, paired=False, kind="binary")
    assert c.ci_a == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert c.ci_b == pytest.approx((0.0624, 0.1605), abs=1e-4)


@pytest.mark.parametrize(("b", "nb", "a", "na", "lo", "hi"), [
    (56, 70, 48, 80, 0.0524, 0.3339),  # Newcombe, Stat Med 1998;17:873-90, Table II (a)
    (9, 10, 3, 10, 0.1705, 0.8090),    # same table, example (b)
])
def test_newcombe_difference_interval_matches_published(b: int, nb: int, a: int, na: int,
                                                       lo: float, hi: float) -> None:
    c = compare([1] * a + [0] * (na - a), [1] * b + [0] * (nb - b), paired=False,
                kind="binary")
    assert c.difference_ci == pytest.approx((lo, hi), abs=1e-4)


def test_newcombe_paired_reduces_to_independent_when_uncorrelated() -> None:
    # phi = 0 when both * neither == a_only * b_only: the paired interval is then the
    # independent Newcombe interval for the two marginal proportions.
    both, a_only, b_only, neither = 20, 20, 10, 10
    n = both + a_only + b_only + neither
    paired = newcombe_paired_interval(both, a_only, b_only, neither)
    lo, hi = confint_proportions_2indep(both + b_only, n, both + a_only, n, method="newcomb",
                                        compare="diff")
    assert paired == pytest.approx((lo, hi), abs=1e-12)


def test_newcombe_paired_is_narrower_with_positive_correlation_and_covers() -> None:
    wide = newcombe_paired_interval(20, 20, 10, 10)
    narrow = newcombe_paired_interval(40, 5, 10, 5)  # same n, strong agreement
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    # coverage of the paired interval over simulated paired data (nominal 95%)
    rng = np.random.default_rng(3)
    probs = np.array([0.6, 0.08, 0.16, 0.16])  # both, a_only, b_only, neither
    truth = probs[2] - probs[1]
    tables = rng.multinomial(80, probs, size=600)
    hits = sum(lo <= truth <= hi for lo, hi in
               (newcombe_paired_interval(*map(int, t)) for t in tables))
    assert 0.92 <= hits / 600 <= 0.99


# --- tests equal scipy / statsmodels and the selection rules -----------------------------

def test_mcnemar_on_agresti_presidential_approval() -> None:
    # Agresti (2002), Table 10.1: 794 approve both, 150 approve-disapprove,
    # 86 disapprove-approve, 570 disapprove both; McNemar z^2 = 17.36.
    a, b = _binary_from_table(794, 150, 86, 570)
    c = compare(a, b, paired=True, kind="binary")
    assert c.test == "exact McNemar test"
    assert pytest.approx(17.36, abs=0.01) == (86 - 150) ** 2 / (86 + 150)
    assert mcnemar([[794, 150], [86, 570]], exact=False, correction=False).statistic == \
        pytest.approx(17.36, abs=0.01)
    assert c.p_value == pytest.approx(stats.binomtest(86, 236, 0.5).pvalue, rel=1e-9)
    assert c.p_value < 1e-4
    assert c.difference == pytest.approx((86 - 150) / 1600)


def test_one_sided_mcnemar_is_the_one_sided_binomial() -> None:
    a, b = _binary_from_table(50, 3, 11, 6)
    c = compare(a, b, paired=True, kind="binary", alternative="greater")
    assert c.p_value == pytest.approx(stats.binomtest(11, 14, 0.5, "greater").pvalue)


def test_binary_unpaired_selection() -> None:
    small_a, small_b = [1] * 9 + [0] * 1, [1] * 4 + [0] * 6
    c = compare(small_a, small_b, paired=False, kind="binary")
    assert c.test == "Fisher's exact test"
    expected = stats.fisher_exact([[4, 6], [9, 1]])
    assert c.p_value == pytest.approx(expected.pvalue)
    big_a, big_b = [1] * 80 + [0] * 20, [1] * 90 + [0] * 10
    c = compare(big_a, big_b, paired=False, kind="binary")
    assert c.test == "two-proportion z-test"
    chi = stats.chi2_contingency([[90, 10], [80, 20]], correction=False)
    assert c.statistic**2 == pytest.approx(chi.statistic, rel=1e-9)
    assert c.p_value == pytest.approx(chi.pvalue, rel=1e-9)


def test_continuous_paired_selection_and_values() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(10, 2, 60)
    b = a + rng.normal(0.5, 1, 60)
    c = compare(a, b, paired=True, kind="continuous", n_boot=0)
    assert c.test == "paired t-test"
    r = stats.ttest_rel(b, a)
    assert (c.statistic, c.df, c.p_value) == pytest.approx((r.statistic, r.df, r.pvalue))
    d = b - a
    assert c.effect is not None
    assert c.effect.value == pytest.approx(d.mean() / d.std(ddof=1))
    assert c.difference_ci == pytest.approx(tuple(r.confidence_interval()))
    assert c.power == pytest.approx(TTestPower().power(c.effect.value, 60, 0.05))
    skewed_b = a + rng.lognormal(0, 1.2, 60)
    c = compare(a, skewed_b, paired=True, kind="continuous", n_boot=0)
    assert c.test == "Wilcoxon signed-rank test"
    assert c.p_value == pytest.approx(stats.wilcoxon(skewed_b - a).pvalue)
    assert "rank-biserial correlation" in [e.name for e in c.other_effects]


def test_continuous_unpaired_selection_and_values() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 50), rng.normal(0.7, 2, 70)
    c = compare(a, b, paired=False, kind="continuous", n_boot=0)
    assert c.test == "Welch's t-test"
    r = stats.ttest_ind(b, a, equal_var=False)
    assert (c.statistic, c.df, c.p_value) == pytest.approx((r.statistic, r.df, r.pvalue))
    assert c.checks["Levene p (equal variances)"] == pytest.approx(stats.levene(a, b).pvalue)
    pooled = math.sqrt((49 * a.var(ddof=1) + 69 * b.var(ddof=1)) / 118)
    assert c.effect is not None
    assert c.effect.value == pytest.approx((b.mean() - a.mean()) / pooled)
    hedges = next(e for e in c.other_effects if e.name.startswith("Hedges"))
    assert hedges.value == pytest.approx(c.effect.value * (1 - 3 / (4 * 118 - 1)), rel=1e-4)
    assert c.power == pytest.approx(
        TTestIndPower().power(c.effect.value, 50, 0.05, ratio=70 / 50))
    sa, sb = rng.exponential(1, 50), rng.exponential(2, 70)
    c = compare(sa, sb, paired=False, kind="continuous", n_boot=0)
    assert c.test == "Mann-Whitney U test"
    assert c.p_value == pytest.approx(stats.mannwhitneyu(sb, sa).pvalue)


def test_one_sided_alternative_follows_b_minus_a() -> None:
    rng = np.random.default_rng(5)
    a = rng.normal(0, 1, 40)
    b = a + 0.4 + rng.normal(0, 1, 40)
    greater = compare(a, b, paired=True, kind="continuous", alternative="greater", n_boot=0)
    less = compare(a, b, paired=True, kind="continuous", alternative="less", n_boot=0)
    assert greater.p_value is not None and less.p_value is not None
    assert greater.p_value < 0.05 < less.p_value
    assert greater.p_value + less.p_value == pytest.approx(1.0)


def test_rank_biserial_against_counting_and_wilcoxon() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, 30), rng.normal(0.5, 1, 25)
    wins = (b[:, None] > a[None, :]).sum() + 0.5 * (b[:, None] == a[None, :]).sum()
    assert rank_biserial(a, b, paired=False) == pytest.approx(2 * wins / (30 * 25) - 1)
    x = rng.normal(0, 1, 30)
    y = x + rng.normal(0.3, 1, 30)
    t_plus = stats.wilcoxon(y - x, alternative="greater").statistic
    total = 30 * 31 / 2
    assert rank_biserial(x, y, paired=True) == pytest.approx((2 * t_plus - total) / total)


def test_bca_interval_is_scipys() -> None:
    rng = np.random.default_rng(6)
    a = rng.normal(0, 1, 80)
    b = a + rng.normal(0.2, 1, 80)
    c = compare(a, b, paired=True, kind="continuous", n_boot=2000, seed=9)
    ref = stats.bootstrap((b - a,), np.mean, n_resamples=2000, method="BCa",
                          rng=np.random.default_rng(9))
    assert c.bootstrap_ci is not None
    assert c.bootstrap_ci == pytest.approx(
        (ref.confidence_interval.low, ref.confidence_interval.high), rel=1e-9)
    again = compare(a, b, paired=True, kind="continuous", n_boot=2000, seed=9)
    assert again.bootstrap_ci == c.bootstrap_ci


def test_odds_ratio_and_cohens_h() -> None:
    a, b = [1] * 60 + [0] * 40, [1] * 75 + [0] * 25
    c = compare(a, b, paired=False, kind="binary")
    odds = next(e for e in c.other_effects if e.name.startswith("odds ratio"))
    assert odds.value == pytest.approx((75 / 25) / (60 / 40))
    log_se = math.sqrt(1 / 75 + 1 / 25 + 1 / 60 + 1 / 40)
    assert odds.lower == pytest.approx(odds.value * math.exp(-1.959964 * log_se), rel=1e-5)
    h = next(e for e in c.other_effects if e.name == "Cohen's h")
    assert h.value == pytest.approx(2 * math.asin(math.sqrt(0.75)) - 2 * math.asin(math.sqrt(0.6)))


# --- degenerate data --------------------------------------------------------------------

def test_degenerate_inputs_get_statements_not_statistics() -> None:
    same = compare([0.002] * 10, [0.002] * 10, paired=True, kind="continuous")
    assert same.degenerate and "no test needed" in same.degenerate
    assert same.p_value is None and same.effect is None
    fixed = compare([0.002] * 10, [0.005] * 10, paired=False, kind="continuous")
    assert fixed.degenerate and "No variation within groups" in fixed.degenerate
    right = compare([1] * 20, [1] * 20, paired=True, kind="binary")
    assert right.degenerate and "every item right" in right.degenerate
    agree = compare([1, 0, 1, 1], [1, 0, 1, 1], paired=True, kind="binary")
    assert agree.degenerate and "No discordant pairs" in agree.degenerate
    tiny = compare([1.0, 2.0], [2.0, 3.5], paired=True, kind="continuous")
    assert tiny.degenerate and "Too few items" in tiny.degenerate


def test_invalid_inputs_name_the_argument() -> None:
    with pytest.raises(ValueError, match="kind"):
        compare([1, 2, 3], [1, 2, 3], paired=True, kind="ordinal")
    with pytest.raises(ValueError, match="alternative"):
        compare([1, 2, 3], [1, 2, 3], paired=True, kind="continuous", alternative="bigger")
    with pytest.raises(ValueError, match="as many items"):
        compare([1, 2, 3], [1, 2], paired=True, kind="continuous")
    with pytest.raises(ValueError, match="0/1"):
        compare([1, 2, 3], [1, 0, 1], paired=True, kind="binary")
    with pytest.raises(ValueError, match="missing or infinite"):
        compare([1, float("nan"), 3], [1, 2, 3], paired=False, kind="continuous")
    with pytest.raises(ValueError, match="n_problems"):
        run_experiment(MODEL_A, MODEL_B, 0, 1)
    with pytest.raises(ValueError, match="accuracy"):
        ExperimentModel("X", "llama-3", 1.2, 0.001, 500.0)


# --- the experiment ---------------------------------------------------------------------

def test_experiment_is_paired_seeded_and_streams_the_same_table() -> None:
    df = run_experiment(MODEL_A, MODEL_B, 60, 7)
    assert list(df["problem"]) == list(range(1, 61))
    assert df["question_id"].str.startswith("math-").all()
    pd.testing.assert_frame_equal(df, run_experiment(MODEL_A, MODEL_B, 60, 7))
    parts = list(iter_experiment(MODEL_A, MODEL_B, 60, 7, batch_size=25))
    assert [len(p) for p in parts] == [25, 50, 60]
    pd.testing.assert_frame_equal(parts[-1], df)
    assert not df.equals(run_experiment(MODEL_A, MODEL_B, 60, 8))


def test_experiment_profiles_hit_the_stated_figures() -> None:
    for arm in (MODEL_A, MODEL_B):
        profile = arm.profile()
        assert profile.accuracy == arm.accuracy
        assert profile.error_rate == 0.0
        assert profile.latency.mean() == pytest.approx(arm.mean_latency_ms, rel=1e-12)
    df = run_experiment(MODEL_A, MODEL_B, 3000, 11, batch_size=1000)
    assert df["a_cost_usd"].mean() == pytest.approx(0.002, rel=0.02)
    assert df["b_cost_usd"].mean() == pytest.approx(0.005, rel=0.02)
    for arm, acc in (("a", 0.87), ("b", 0.91)):
        hits = int(df[f"{arm}_correct"].sum())
        lo, hi = proportion_confint(hits, 3000, alpha=0.001, method="wilson")
        assert lo <= acc <= hi
    assert df["b_latency_ms"].median() < df["a_latency_ms"].median()


def test_running_accuracy_is_wilson_at_every_step() -> None:
    df = run_experiment(MODEL_A, MODEL_B, 30, 2)
    run = running_accuracy(df)
    last_b = run[(run["model"] == "B") & (run["problem"] == 30)].iloc[0]
    hits = int(df["b_correct"].sum())
    assert last_b["accuracy"] == pytest.approx(hits / 30)
    assert (last_b["lower"], last_b["upper"]) == pytest.approx(
        proportion_confint(hits, 30, method="wilson"))


def test_verdict_quotes_cost_per_extra_correct_answer() -> None:
    a, b = _binary_from_table(800, 20, 60, 120)
    c = compare(a, b, paired=True, kind="binary", cost_a=0.002, cost_b=0.005)
    assert c.cost_per_extra_correct == pytest.approx(0.003 / 0.04)
    assert c.significant and c.meaningful
    assert "$0.0750" in c.verdict and "significant" in c.verdict


# --- many groups ------------------------------------------------------------------------

def test_compare_many_matches_scipy_and_holm() -> None:
    rng = np.random.default_rng(8)
    groups = {"x": rng.normal(0, 1, 40), "y": rng.normal(0.2, 1, 40), "z": rng.normal(1, 1, 40)}
    res = compare_many(groups, kind="continuous")
    assert res.omnibus == "one-way ANOVA"
    assert res.p_value == pytest.approx(stats.f_oneway(*groups.values()).pvalue)
    raw = res.pairwise["p_raw"].to_numpy()
    order = np.argsort(raw)
    holm = np.maximum.accumulate(np.minimum(1, raw[order] * (3 - np.arange(3))))
    expected = np.empty(3)
    expected[order] = holm
    assert res.pairwise["p_adjusted"].to_numpy() == pytest.approx(expected)
    bh = compare_many(groups, kind="continuous", correction="fdr_bh")
    ranks = stats.rankdata(raw)
    assert bh.pairwise["p_adjusted"].max() <= 1
    assert bh.pairwise["p_adjusted"].to_numpy()[order[-1]] == pytest.approx(raw[order[-1]])
    assert np.all(bh.pairwise["p_adjusted"].to_numpy() >= raw - 1e-15)
    assert ranks.size == 3
    skew = {k: np.exp(v * 2) for k, v in groups.items()}
    assert compare_many(skew, kind="continuous").omnibus == "Kruskal-Wallis test"
    with pytest.raises(ValueError, match="at least 3"):
        compare_many({"x": [1, 2, 3], "y": [2, 3, 4]}, kind="continuous")


# --- reports ----------------------------------------------------------------------------

HOSTILE_A = "<script>alert(1)</script>"
HOSTILE_B = r"\input{/etc/passwd} & $x$ #1 _ ~ ^ % {}"


def test_reports_hold_every_field_and_escape_hostile_names() -> None:
    a, b = _binary_from_table(70, 5, 15, 10)
    c = compare(a, b, paired=True, kind="binary", label_a=HOSTILE_A, label_b=HOSTILE_B,
                seed=123)
    for fmt in ("markdown", "latex", "html", "json"):
        text = report(c, fmt)
        for needle in ("Hypothesis", "Design", "McNemar", "p-value", "Effect size",
                       "power", "Verdict", "seed 123", "scipy", "statsmodels"):
            assert needle.lower() in text.lower(), (fmt, needle)
    html_text = report(c, "html")
    assert "<script>" not in html_text and "&lt;script&gt;" in html_text
    latex = report(c, "latex")
    assert r"\input{" not in latex and r"\textbackslash{}input\{" in latex
    assert escape_latex("$x$") == r"\$x\$"
    md = report(c, "markdown")
    assert "<script>" not in md and r"\<script\>" in md
    payload = json.loads(report(c, "json"))
    assert payload["comparison"]["label_a"] == HOSTILE_A
    assert payload["comparison"]["p_value"] == pytest.approx(c.p_value)
    with pytest.raises(ValueError, match="fmt"):
        report(c, "pdf")


def test_report_of_degenerate_comparison() -> None:
    c = compare([1] * 5, [1] * 5, paired=True, kind="binary")
    text = report(c, "markdown")
    assert "No variation" in text and "n/a" in text
    json.loads(report(c, "json"))


# --- A/A experiments: false positive rate ------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("paired", [True, False])
def test_aa_continuous_tests_reject_at_nominal_rate(paired: bool) -> None:
    """Equal normal groups over 2000 seeds: paired t / Wilcoxon and Welch / Mann-Whitney
    after the Shapiro-Wilk choice reject at about 5%."""
    rng = np.random.default_rng(2024 + paired)
    seeds = 2000
    rejections = 0
    for _ in range(seeds):
        a, b = rng.normal(0, 1, (2, 40))
        c = compare(a, b, paired=paired, kind="continuous", n_boot=0, power_analysis=False)
        rejections += bool(c.p_value is not None and c.p_value < 0.05)
    print(f"A/A rejection, continuous {'paired' if paired else 'unpaired'}: "
          f"{rejections / seeds:.2%}")
    assert 0.035 <= rejections / seeds <= 0.065


@pytest.mark.slow
def test_aa_experiments_reject_at_most_nominal_rate() -> None:
    """Equal models (both Model A) over 2000 seeds: exact McNemar on accuracy is
    conservative by design; the latency test (Wilcoxon on skewed data) is near 5%."""
    seeds = 2000
    binary = latency = 0
    for seed in range(seeds):
        df = run_experiment(MODEL_A, MODEL_A, 100, seed, batch_size=100)
        acc = compare(df["a_correct"], df["b_correct"], paired=True, kind="binary",
                      power_analysis=False)
        binary += bool(acc.p_value is not None and acc.p_value < 0.05)
        lat = compare(df["a_latency_ms"], df["b_latency_ms"], paired=True, kind="continuous",
                      n_boot=0, power_analysis=False)
        latency += bool(lat.p_value is not None and lat.p_value < 0.05)
    print(f"A/A rejection: McNemar {binary / seeds:.2%}, latency {latency / seeds:.2%}")
    assert binary / seeds <= 0.065
    assert 0.035 <= latency / seeds <= 0.065


# --- regressions: argument checks and degenerate data ----------------------------------------

def test_rank_biserial_checks_its_samples() -> None:
    assert rank_biserial([1.0, 2.0], [2.0, 4.0], paired=True) == 1.0  # lists used to fail
    with pytest.raises(ValueError, match="b"):
        rank_biserial(np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]), paired=True)
    with pytest.raises(ValueError, match="a"):
        rank_biserial(np.array([]), np.array([1.0]), paired=False)  # used to return NaN


def test_newcombe_paired_interval_checks_its_counts() -> None:
    with pytest.raises(ValueError, match="at least one pair"):
        newcombe_paired_interval(0, 0, 0, 0)  # was ZeroDivisionError
    with pytest.raises(ValueError, match="both"):
        newcombe_paired_interval(-1, 3, 2, 5)
    with pytest.raises(ValueError, match="alpha"):
        newcombe_paired_interval(1, 3, 2, 5, alpha=0)  # used to return (nan, nan)


def test_running_accuracy_checks_alpha_and_holds_its_estimate() -> None:
    df = pd.DataFrame({"a_correct": [False] * 3, "b_correct": [True] * 3})
    with pytest.raises(ValueError, match="alpha"):
        running_accuracy(df, alpha=0.0)  # used to give NaN bounds
    with pytest.raises(ValueError, match="df"):
        running_accuracy(df.drop(columns="a_correct"))  # was KeyError
    run = running_accuracy(df, alpha=0.99609375)  # lower bound used to round above 0
    assert (run["lower"] <= run["accuracy"]).all() and (run["accuracy"] <= run["upper"]).all()


def test_experiment_rejects_arms_that_are_not_experiment_models() -> None:
    with pytest.raises(ValueError, match="model_a"):
        run_experiment("gpt-4", MODEL_B, 5, 0)  # type: ignore[arg-type]


def test_compare_many_without_any_variation_gives_p_one() -> None:
    same = {"a": [1.0, 1.0, 1.0], "b": [1.0, 1.0, 1.0], "c": [1.0, 1.0, 1.0]}
    rows_tied = {"a": [1.0, 0.0, 1.0], "b": [1.0, 0.0, 1.0], "c": [1.0, 0.0, 1.0]}
    for groups, kind, paired in ((same, "continuous", False), (rows_tied, "continuous", True),
                                 (rows_tied, "binary", True)):
        many = compare_many(groups, kind=kind, paired=paired)  # p used to be NaN
        assert (many.statistic, many.p_value) == (0.0, 1.0)
    with pytest.raises(ValueError, match="groups"):
        compare_many(list(same.values()), kind="continuous")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="groups"):
        compare_many({1: [1.0, 2.0, 3.0], "1": [2.0, 3.0, 4.0], "c": [1.0, 2.0, 5.0]},
                     kind="continuous")


def test_escape_markdown_escapes_entity_references() -> None:
    # "&copy;" used to pass through and render as a copyright sign
    assert escape_markdown("AT&T &copy;") == r"AT\&T \&copy;"


def test_unpaired_power_is_finite_where_scipys_far_tail_is_nan() -> None:
    # statsmodels returned NaN here: scipy's nct.cdf is NaN deep in the lower tail
    df, delta = 49 * 6 - 2, math.sqrt(49 * 5 / 6)
    upper = stats.nct.sf(stats.t.isf(0.0078125 / 2, df), df, delta)
    value = power(1.0, 49, kind="continuous", alpha=0.0078125, ratio=5.0)
    assert value == pytest.approx(upper, abs=1e-6)  # the lower tail is below Phi(-delta)
    assert value >= power(1.0, 48, kind="continuous", alpha=0.0078125, ratio=5.0)


def test_newcombe_paired_interval_reproduces_fagerland_lydersen_laake() -> None:
    # Fagerland, Lydersen & Laake, Statistical Analysis of Contingency Tables (2017),
    # ch. 8, Cavo (2012): cells (59, 6, 16, 80), difference p1+ - p+1 = -0.0621, Newcombe
    # square-and-add (method 10) 95% CI (-0.1186, -0.0046). Row 1 is our B, so the
    # discordant cells are B-only 6 and A-only 16.
    low, high = newcombe_paired_interval(59, 16, 6, 80)
    assert round(low, 4) == -0.1186 and round(high, 4) == -0.0046
    assert round((6 - 16) / 161, 4) == -0.0621


def test_newcombe_phi_correction_cases() -> None:
    # AD - BC within [0, N/2]: phi is 0, so the limits are the independent square-and-add
    # of the two Wilson intervals (Newcombe 1998, method 10, the corrected phi).
    both, a_only, b_only, neither = 10, 10, 10, 11  # AD - BC = 10 <= N/2 = 20.5
    n = 41
    lo_b, hi_b = proportion_confint(both + b_only, n, 0.05, method="wilson")
    lo_a, hi_a = proportion_confint(both + a_only, n, 0.05, method="wilson")
    p_b, p_a = (both + b_only) / n, (both + a_only) / n
    low, high = newcombe_paired_interval(both, a_only, b_only, neither)
    assert low == pytest.approx(p_b - p_a - math.hypot(p_b - lo_b, hi_a - p_a), abs=1e-12)
    assert high == pytest.approx(p_b - p_a + math.hypot(hi_b - p_b, p_a - lo_a), abs=1e-12)


@pytest.mark.parametrize("paired", [True, False])
def test_cohens_d_interval_is_the_bca_bootstrap_of_d(paired: bool) -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(10.0, 2.0, 40)
    b = a + rng.normal(0.4, 1.5, 40) if paired else rng.normal(10.5, 2.0, 40)
    result = compare(a, b, paired=paired, kind="continuous", n_boot=2000, seed=11)
    if paired:
        data: tuple[np.ndarray, ...] = (b - a,)

        def d(x: np.ndarray, axis: int = -1) -> np.ndarray:
            return x.mean(axis) / x.std(axis, ddof=1)
    else:
        data = (b, a)

        def d(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:  # type: ignore[misc]
            pooled = np.sqrt(((x.shape[axis] - 1) * x.var(axis, ddof=1)
                              + (y.shape[axis] - 1) * y.var(axis, ddof=1))
                             / (x.shape[axis] + y.shape[axis] - 2))
            return (x.mean(axis) - y.mean(axis)) / pooled
    # the lab resamples in batches of 1000 (memory); with two samples the batch size sets
    # the order of the draws, so the reference uses the same
    reference = stats.bootstrap(data, d, n_resamples=2000, method="BCa", vectorized=True,
                                batch=1000, rng=np.random.default_rng(11)
                                ).confidence_interval
    assert result.effect.lower == pytest.approx(reference.low, rel=1e-9)
    assert result.effect.upper == pytest.approx(reference.high, rel=1e-9)
    # without resamples it is the normal approximation, a different interval
    normal = compare(a, b, paired=paired, kind="continuous", n_boot=0)
    assert normal.effect.value == pytest.approx(result.effect.value)
    assert (normal.effect.lower, normal.effect.upper) != (result.effect.lower,
                                                         result.effect.upper)
