"""Property-based checks (hypothesis) of ``crucible_scenarios.evals`` and the exact McNemar
test of ``crucible_scenarios.stats``: standard errors against ``scipy.stats.sem`` and the
cluster-robust closed form, intervals holding their means, the paired difference
antisymmetric in A and B, Miller's power formula and its inverse, alignment of two runs by
item id, and invalid inputs raising ValueError naming the argument."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from crucible_scenarios import evals, stats
from crucible_scenarios.eval_log import EvalLog
from tests.unit.properties import exercises

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
scores = st.lists(st.floats(-100.0, 100.0), min_size=2, max_size=40)
bits = st.lists(st.integers(0, 1), min_size=3, max_size=50)
alphas = st.floats(0.001, 0.5)
bad_alpha = st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.just(math.nan))
deltas = st.floats(0.01, 1.0)
omegas = st.floats(1e-3, 1.0)


def _log(ids: list[str], per_item: list[list[float]], topics: list[str] | None = None
         ) -> EvalLog:
    """A run with ``per_item[i]`` the epoch scores of item ``ids[i]``."""
    rows = []
    for index, (item, epochs) in enumerate(zip(ids, per_item, strict=True)):
        for epoch, score in enumerate(epochs, start=1):
            row = {"item_id": item, "epoch": epoch, "score": float(score)}
            if topics is not None:
                row["meta.topic"] = topics[index]
            rows.append(row)
    return EvalLog("test", "task", "model", "acc", pd.DataFrame(rows))


def _cluster_se_reference(x: np.ndarray, groups: list[str], correction: bool) -> float:
    """Miller's eq. 4 / the sandwich form: sum_c (sum_i (x_ic - mean))^2 / n^2."""
    dev = pd.Series(x - x.mean()).groupby(pd.Series(groups)).sum().to_numpy()
    var = float(np.sum(dev ** 2)) / x.size ** 2
    c = len(set(groups))
    return math.sqrt(var * (c / (c - 1) if correction else 1.0))


# --- standard errors ---------------------------------------------------------------------

@exercises(evals.clt_se)
@FAST
@given(x=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40))
def test_clt_se_is_scipy_sem_and_zero_for_one_value(x: list[float]) -> None:
    array = np.asarray(x)
    se = evals.clt_se(array)
    if array.size == 1:
        assert se == 0.0
    else:
        assert se == pytest.approx(float(sps.sem(array, ddof=1)), rel=1e-9, abs=1e-12)
        assert se == pytest.approx(float(np.std(array, ddof=1) / math.sqrt(array.size)),
                                   rel=1e-9, abs=1e-12)


@exercises(evals.clustered_se)
@FAST
@given(x=scores, data=st.data(), correction=st.booleans())
def test_clustered_se_matches_the_closed_form(x: list[float], data: st.DataObject,
                                              correction: bool) -> None:
    groups = data.draw(st.lists(st.sampled_from("abcde"), min_size=len(x), max_size=len(x)))
    assume(len(set(groups)) >= 2)
    array = np.asarray(x)
    se, count = evals.clustered_se(array, np.asarray(groups), finite_cluster_correction=correction)
    assert count == len(set(groups))
    assert se == pytest.approx(_cluster_se_reference(array, groups, correction),
                               rel=1e-7, abs=1e-10)


@exercises(evals.clustered_se, evals.clt_se)
@FAST
@given(x=scores)
def test_one_item_per_cluster_relates_to_the_iid_se(x: list[float]) -> None:
    array = np.asarray(x)
    n = array.size
    labels = np.asarray([f"c{i}" for i in range(n)])
    iid = evals.clt_se(array)
    plain, count = evals.clustered_se(array, labels)
    corrected, _ = evals.clustered_se(array, labels, finite_cluster_correction=True)
    assert count == n
    # sum (x - mean)^2 / n^2 against sum (x - mean)^2 / (n (n - 1)): ratio sqrt((n-1)/n)
    assert plain == pytest.approx(iid * math.sqrt((n - 1) / n), rel=1e-7, abs=1e-10)
    assert corrected == pytest.approx(iid, rel=1e-7, abs=1e-10)


@exercises(evals.clustered_se)
@FAST
@given(x=scores)
def test_clustered_se_needs_two_clusters(x: list[float]) -> None:
    with pytest.raises(ValueError, match="2 clusters"):
        evals.clustered_se(np.asarray(x), np.asarray(["one"] * len(x)))


@exercises(evals.mean_with_se)
@FAST
@given(x=scores, alpha=alphas, smaller=st.floats(0.1, 0.9))
def test_mean_with_se_one_epoch_is_scipy_sem_with_a_normal_interval(x: list[float], alpha: float,
                                                                    smaller: float) -> None:
    e = evals.mean_with_se(x, alpha=alpha)
    assert e.mean == pytest.approx(float(np.mean(x)), abs=1e-9)
    assert e.se == e.se_iid == pytest.approx(float(sps.sem(x)), rel=1e-9, abs=1e-12)
    assert (e.n, e.n_obs, e.epochs, e.within_share, e.n_clusters) == (len(x), len(x), 1,
                                                                      None, None)
    z = sps.norm.ppf(1 - alpha / 2)
    assert e.ci == pytest.approx((e.mean - z * e.se, e.mean + z * e.se), abs=1e-9)
    assert e.ci[0] <= e.mean <= e.ci[1]
    wider = evals.mean_with_se(x, alpha=alpha * smaller)
    assert wider.ci[0] <= e.ci[0] + 1e-12 and wider.ci[1] >= e.ci[1] - 1e-12


@exercises(evals.mean_with_se)
@FAST
@given(per_item=st.lists(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2),
                         min_size=2, max_size=20))
def test_mean_with_se_averages_epochs_within_items(per_item: list[list[float]]) -> None:
    flat = [s for epochs in per_item for s in epochs]
    ids = [f"q{i}" for i, epochs in enumerate(per_item) for _ in epochs]
    e = evals.mean_with_se(flat, item_ids=ids)
    means = np.asarray([np.mean(epochs) for epochs in per_item])
    assert (e.n, e.n_obs, e.epochs) == (len(per_item), len(flat), 2)
    assert e.mean == pytest.approx(float(means.mean()), abs=1e-12)
    assert e.se == pytest.approx(float(sps.sem(means)), rel=1e-9, abs=1e-12)
    total = float(np.var(flat))
    within = float(np.mean([np.var(epochs) for epochs in per_item]))
    assert e.within_share == pytest.approx(within / total if total > 0 else 0.0, abs=1e-9)
    assert e.within_share is not None and 0.0 <= e.within_share <= 1.0 + 1e-12


@exercises(evals.mean_with_se)
@FAST
@given(x=scores, data=st.data(), correction=st.booleans())
def test_mean_with_se_clusters_whole_items(x: list[float], data: st.DataObject,
                                           correction: bool) -> None:
    groups = data.draw(st.lists(st.sampled_from("abc"), min_size=len(x), max_size=len(x)))
    assume(len(set(groups)) >= 2)
    ids = [f"q{i}" for i in range(len(x))]
    e = evals.mean_with_se(x, item_ids=ids, clusters=groups,
                           finite_cluster_correction=correction)
    assert e.n_clusters == len(set(groups)) and e.finite_cluster_correction is correction
    assert e.se == pytest.approx(_cluster_se_reference(np.asarray(x), groups, correction),
                                 rel=1e-7, abs=1e-10)
    assert e.se_iid == pytest.approx(float(sps.sem(x)), rel=1e-9, abs=1e-12)
    twice = evals.mean_with_se(x + x, item_ids=ids + ids, clusters=groups + groups,
                               finite_cluster_correction=correction)
    assert (twice.epochs, twice.n, twice.n_clusters) == (2, len(x), e.n_clusters)
    assert twice.se == pytest.approx(e.se, rel=1e-9, abs=1e-12)


@exercises(evals.mean_with_se)
@FAST
@given(x=scores, alpha=bad_alpha, bad=st.sampled_from([math.nan, math.inf, -math.inf]))
def test_mean_with_se_rejects_bad_arguments(x: list[float], alpha: float, bad: float) -> None:
    with pytest.raises(ValueError, match="alpha"):
        evals.mean_with_se(x, alpha=alpha)
    with pytest.raises(ValueError, match="scores"):
        evals.mean_with_se([*x, bad])
    with pytest.raises(ValueError, match="scores"):
        evals.mean_with_se([])
    with pytest.raises(ValueError, match="item_ids"):
        evals.mean_with_se(x, item_ids=["a"] * (len(x) + 1))
    with pytest.raises(ValueError, match="clusters"):
        evals.mean_with_se(x, clusters=["a", "b"] * (len(x) + 1))
    with pytest.raises(ValueError, match="cluster"):
        evals.mean_with_se([*x, *x], item_ids=[*range(len(x)), *range(len(x))],
                           clusters=["a"] * len(x) + ["b"] * len(x))


# --- paired difference and McNemar --------------------------------------------------------

@exercises(evals.paired_difference)
@FAST
@given(a=scores, data=st.data(), alpha=alphas)
def test_paired_difference_is_antisymmetric_and_matches_its_references(
        a: list[float], data: st.DataObject, alpha: float) -> None:
    b = data.draw(st.lists(st.floats(-100.0, 100.0), min_size=len(a), max_size=len(a)))
    ab = evals.paired_difference(a, b, alpha=alpha)
    ba = evals.paired_difference(b, a, alpha=alpha)
    d = np.asarray(b) - np.asarray(a)
    assert ab.difference == pytest.approx(float(d.mean()), abs=1e-9)
    assert ab.se == pytest.approx(float(sps.sem(d)), rel=1e-9, abs=1e-12)
    assert ab.unpaired_se == pytest.approx(math.hypot(sps.sem(a), sps.sem(b)), rel=1e-9,
                                           abs=1e-12)
    assert ba.difference == pytest.approx(-ab.difference, abs=1e-9)
    assert ba.se == pytest.approx(ab.se, rel=1e-12, abs=1e-15)
    assert ba.unpaired_se == pytest.approx(ab.unpaired_se, rel=1e-12, abs=1e-15)
    if math.isfinite(ab.z) and ab.se > 1e-9:
        assert ba.z == pytest.approx(-ab.z, rel=1e-9, abs=1e-9)
        assert ab.z == pytest.approx(float(sps.ttest_rel(b, a).statistic), rel=1e-6)
    assert 0.0 <= ab.p_value <= 1.0 and 0.0 <= ab.unpaired_p_value <= 1.0
    assert ab.ci[0] <= ab.difference <= ab.ci[1]
    assert ab.unpaired_ci[0] <= ab.difference <= ab.unpaired_ci[1]
    if ab.correlation is not None:
        assert -1.0 - 1e-12 <= ab.correlation <= 1.0 + 1e-12
        assert ab.correlation == pytest.approx(ba.correlation, abs=1e-12)
    assert ab.n == len(a) and ab.significant == (ab.p_value < alpha)
    if ab.unpaired_se > 0:
        assert ab.narrowing == pytest.approx(ab.se / ab.unpaired_se)


@exercises(evals.paired_difference, stats.mcnemar_exact)
@FAST
@given(a=bits, data=st.data())
def test_binary_runs_carry_the_exact_mcnemar_test(a: list[int], data: st.DataObject) -> None:
    b = data.draw(st.lists(st.integers(0, 1), min_size=len(a), max_size=len(a)))
    result = evals.paired_difference(a, b)
    x, y = np.asarray(a, bool), np.asarray(b, bool)
    a_only, b_only = int(np.sum(x & ~y)), int(np.sum(~x & y))
    if a_only + b_only == 0:
        assert result.mcnemar is None and any("McNemar" in note for note in result.notes)
        return
    m = result.mcnemar
    assert m is not None
    assert (m.both, m.a_only, m.b_only, m.neither) == (
        int(np.sum(x & y)), a_only, b_only, int(np.sum(~x & ~y)))
    reference = sps.binomtest(b_only, a_only + b_only, 0.5).pvalue
    assert m.p_value == pytest.approx(reference, rel=1e-9, abs=1e-12)
    assert m.p_value == stats.mcnemar_exact({"both": m.both, "a_only": m.a_only,
                                             "b_only": m.b_only, "neither": m.neither})


@exercises(stats.mcnemar_exact)
@FAST
@given(both=st.integers(0, 50), a_only=st.integers(0, 60), b_only=st.integers(0, 60),
       neither=st.integers(0, 50))
def test_mcnemar_p_is_a_probability_symmetric_in_the_discordant_counts(
        both: int, a_only: int, b_only: int, neither: int) -> None:
    assume(a_only + b_only > 0)
    p = stats.mcnemar_exact({"both": both, "a_only": a_only, "b_only": b_only,
                             "neither": neither})
    swapped = stats.mcnemar_exact({"both": neither, "a_only": b_only, "b_only": a_only,
                                   "neither": both})
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(swapped, rel=1e-12, abs=1e-15)
    n, k = a_only + b_only, min(a_only, b_only)
    assert p == pytest.approx(min(1.0, 2 * sps.binom.cdf(k, n, 0.5)), rel=1e-9, abs=1e-12)
    if a_only == b_only:
        assert p == pytest.approx(1.0)


@exercises(stats.mcnemar_exact)
@FAST
@given(bad=st.integers(max_value=-1), key=st.sampled_from(["both", "a_only", "b_only",
                                                           "neither"]),
       alternative=st.text(max_size=8))
def test_mcnemar_rejects_negative_counts_and_unknown_alternatives(bad: int, key: str,
                                                                  alternative: str) -> None:
    table = {"both": 1, "a_only": 2, "b_only": 3, "neither": 4}
    with pytest.raises(ValueError, match=key):
        stats.mcnemar_exact({**table, key: bad})
    assume(alternative not in stats.ALTERNATIVES)
    with pytest.raises(ValueError, match="alternative"):
        stats.mcnemar_exact(table, alternative=alternative)


@exercises(evals.paired_difference)
@FAST
@given(a=scores, alpha=bad_alpha)
def test_paired_difference_rejects_bad_arguments(a: list[float], alpha: float) -> None:
    with pytest.raises(ValueError, match="alpha"):
        evals.paired_difference(a, a, alpha=alpha)
    with pytest.raises(ValueError, match="same items"):
        evals.paired_difference(a, [*a, 0.0])
    with pytest.raises(ValueError, match="b must"):
        evals.paired_difference(a)
    with pytest.raises(ValueError, match="b must"):
        evals.paired_difference(_log(["q"], [[1.0]]), a)
    with pytest.raises(ValueError, match="cluster column"):
        evals.paired_difference(a, a, clusters="meta.topic")
    with pytest.raises(ValueError, match="clusters"):
        evals.paired_difference(a, a, clusters=["x"] * (len(a) + 1))


# --- aligning two runs --------------------------------------------------------------------

item_sets = st.sets(st.integers(0, 30), min_size=1, max_size=15)


@exercises(evals.align_runs, evals.AlignedRuns.clusters)
@FAST
@given(ids_a=item_sets, ids_b=item_sets, epochs=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_align_runs_pairs_shared_items_and_reports_the_rest(ids_a: set[int], ids_b: set[int],
                                                            epochs: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    order_a = [f"q{i}" for i in rng.permutation(sorted(ids_a))]
    order_b = [f"q{i}" for i in rng.permutation(sorted(ids_b))]
    per_a = [list(rng.integers(0, 2, epochs).astype(float)) for _ in order_a]
    per_b = [list(rng.random(1)) for _ in order_b]
    topic = {f"q{i}": f"t{i % 3}" for i in range(31)}
    log_a = _log(order_a, per_a, [topic[i] for i in order_a])
    log_b = _log(order_b, per_b, [topic[i] for i in order_b])
    common = [i for i in order_a if i in set(order_b)]
    if not common:
        with pytest.raises(ValueError, match="share no item"):
            evals.align_runs(log_a, log_b)
        return
    runs = evals.align_runs(log_a, log_b)
    assert list(runs.item_ids) == common and runs.n == len(common)
    assert runs.only_a == tuple(i for i in order_a if i not in set(order_b))
    assert runs.only_b == tuple(i for i in order_b if i not in set(order_a))
    assert runs.epochs == (epochs, 1)
    mean_a = dict(zip(order_a, (float(np.mean(s)) for s in per_a), strict=True))
    mean_b = dict(zip(order_b, (float(s[0]) for s in per_b), strict=True))
    assert runs.scores_a == pytest.approx([mean_a[i] for i in common])
    assert runs.scores_b == pytest.approx([mean_b[i] for i in common])
    assert list(runs.clusters("meta.topic")) == [topic[i] for i in common]
    with pytest.raises(ValueError, match=r"meta\.missing"):
        runs.clusters("meta.missing")
    via_logs = evals.paired_difference(log_a, log_b)
    via_runs = evals.paired_difference(runs)
    assert via_logs.difference == pytest.approx(via_runs.difference)
    assert via_logs.difference == pytest.approx(float(np.mean(runs.scores_b - runs.scores_a)))
    if len(set(runs.clusters("meta.topic"))) >= 2:
        clustered = evals.paired_difference(runs, clusters="meta.topic")
        assert clustered.n_clusters == len(set(runs.clusters("meta.topic")))
        assert clustered.se_iid == pytest.approx(via_runs.se)


# --- power ---------------------------------------------------------------------------------

def _runs_with_epochs(seed: int, n: int, k: int) -> evals.AlignedRuns:
    rng = np.random.default_rng(seed)
    ids = [f"q{i}" for i in range(n)]
    a = _log(ids, [list(rng.random(k)) for _ in ids])
    b = _log(ids, [list(rng.random(k)) for _ in ids])
    return evals.align_runs(a, b)


@exercises(evals.variance_components)
@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 20), k=st.integers(1, 4))
def test_variance_components_split_the_variance_of_the_differences(seed: int, n: int,
                                                                   k: int) -> None:
    runs = _runs_with_epochs(seed, n, k)
    vc = evals.variance_components(runs)
    total = float(np.var(runs.scores_b - runs.scores_a, ddof=1))
    assert vc.k == (k, k) and vc.omega2 >= 0.0
    if k == 1:
        assert vc.estimated_sigma is False and vc.sigma2 == (0.0, 0.0)
        assert vc.omega2 == pytest.approx(total)
        return
    within = [float(runs.rows_a.groupby("item_id")["score"].var(ddof=1).mean()),
              float(runs.rows_b.groupby("item_id")["score"].var(ddof=1).mean())]
    assert vc.estimated_sigma and vc.sigma2 == pytest.approx(within)
    assert vc.omega2 == pytest.approx(max(total - within[0] / k - within[1] / k, 0.0),
                                      abs=1e-12)


@exercises(evals.questions_needed, evals.minimum_detectable_effect)
@FAST
@given(delta=deltas, omega2=omegas, sigma=st.floats(0.0, 0.5), k=st.integers(1, 5),
       alpha=alphas, power=st.floats(0.5, 0.99), factor=st.floats(1.1, 3.0))
def test_questions_needed_is_miller_eq9_and_inverts(delta: float, omega2: float, sigma: float,
                                                    k: int, alpha: float, power: float,
                                                    factor: float) -> None:
    kw: dict[str, Any] = {"omega2": omega2, "sigma2": (sigma, sigma), "k": (k, k),
                          "alpha": alpha, "power": power}
    n = evals.questions_needed(delta, **kw)
    zsum = sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power)
    exact = zsum ** 2 * (omega2 + 2 * sigma / k) / delta ** 2
    assert n >= 1 and n - 1 < exact + 1e-6 and (n >= exact - 1e-6 or n == 1)
    assert evals.questions_needed(-delta, **kw) == n
    assert evals.questions_needed(delta * factor, **kw) <= n
    assert evals.questions_needed(delta, **{**kw, "omega2": omega2 * factor}) >= n
    assert evals.minimum_detectable_effect(n, **kw) <= delta * (1 + 1e-6)
    mde = evals.minimum_detectable_effect(n, **kw)
    assert mde == pytest.approx(zsum * math.sqrt((omega2 + 2 * sigma / k) / n), rel=1e-9)
    assert evals.questions_needed(mde, **kw) <= n
    assert evals.minimum_detectable_effect(n + 1, **kw) < mde


@exercises(evals.questions_needed, evals.minimum_detectable_effect)
@FAST
@given(alpha=bad_alpha, power=bad_alpha, negative=st.floats(max_value=-1e-9),
       n=st.one_of(st.integers(max_value=0), st.floats(0.1, 9.9).filter(lambda x: x % 1)))
def test_power_formula_rejects_bad_arguments(alpha: float, power: float, negative: float,
                                             n: float) -> None:
    for kwargs, name in (({"alpha": alpha}, "alpha"), ({"power": power}, "power"),
                         ({"omega2": negative}, "omega2"),
                         ({"sigma2": (negative, 0.0)}, "sigma2"), ({"k": (0, 1)}, "k")):
        args = {"omega2": 0.1, **kwargs}
        with pytest.raises(ValueError, match=name):
            evals.questions_needed(0.1, **args)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=name):
            evals.minimum_detectable_effect(10, **args)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="delta"):
        evals.questions_needed(0.0, omega2=0.1)
    with pytest.raises(ValueError, match="delta"):
        evals.questions_needed(math.nan, omega2=0.1)
    with pytest.raises(ValueError, match="n must"):
        evals.minimum_detectable_effect(n, omega2=0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n must"):
        evals.minimum_detectable_effect(True, omega2=0.1)
