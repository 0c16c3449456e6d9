"""Paired comparison of two evaluation runs, following Miller, "Adding Error Bars to Evals:
A Statistical Approach to Language Model Evaluations" (arXiv 2411.00640, 2024).

* :func:`mean_with_se`: the mean score with its Central-Limit-Theorem standard error
  (sample variance with n - 1, as lm-evaluation-harness's ``mean_stderr`` and Inspect's
  ``stderr()``), averaging several epochs within each item first (Miller section 3.2),
  and the clustered standard error (Miller section 2.2 / appendix A);
* :func:`paired_difference`: the mean difference B - A on the same items, its paired
  standard error (Miller section 4.2), z, p, interval, the correlation of the two runs'
  per-item scores, the unpaired standard error beside it, and the exact McNemar test for
  single-epoch 0/1 scores;
* :func:`questions_needed` / :func:`minimum_detectable_effect`: Miller's power formula
  (eq. 9) and its inverse, with :func:`variance_components` estimating its inputs.

Convention: every difference is B minus A.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from crucible_scenarios.eval_log import EvalLog
from crucible_scenarios.stats.ab_test import mcnemar_exact
from crucible_scenarios.validation import require_float

ArrayLike = Sequence[float] | np.ndarray | pd.Series


@dataclass(frozen=True)
class Estimate:
    """A mean score with its standard error and normal ``1 - alpha`` interval.

    ``n`` counts items (after averaging epochs), ``n_obs`` the scores given. ``se_iid`` is
    the unclustered CLT standard error; ``se`` equals it unless clusters were given.
    ``within_share`` is the share of the raw scores' variance that lies within items
    (between epochs), None with one epoch.
    """

    mean: float
    se: float
    ci: tuple[float, float]
    n: int
    n_obs: int
    epochs: int
    se_iid: float
    within_share: float | None = None
    n_clusters: int | None = None
    finite_cluster_correction: bool = False
    alpha: float = 0.05


@dataclass(frozen=True)
class McNemar:
    """The exact McNemar test on single-epoch 0/1 scores (``a_only``: right only under A)."""

    both: int
    a_only: int
    b_only: int
    neither: int
    p_value: float


@dataclass(frozen=True)
class PairedDifference:
    """B - A on the same items: paired SE, z, two-sided p and interval, with the unpaired
    figures beside them. ``se`` is clustered when clusters were given (``se_iid`` then
    holds the unclustered paired SE)."""

    estimate_a: Estimate
    estimate_b: Estimate
    difference: float
    se: float
    z: float
    p_value: float
    ci: tuple[float, float]
    correlation: float | None
    unpaired_se: float
    unpaired_z: float
    unpaired_p_value: float
    unpaired_ci: tuple[float, float]
    n: int
    se_iid: float
    n_clusters: int | None = None
    mcnemar: McNemar | None = None
    alpha: float = 0.05
    notes: tuple[str, ...] = field(default=())

    @property
    def narrowing(self) -> float:
        """Paired over unpaired interval width (below 1: pairing narrowed the interval)."""
        return self.se / self.unpaired_se if self.unpaired_se > 0 else float("nan")

    @property
    def significant(self) -> bool:
        """Whether the paired test rejects equal means at ``alpha``."""
        return bool(self.p_value < self.alpha)


@dataclass(frozen=True)
class AlignedRuns:
    """Two runs paired by item id: per-item mean scores over epochs (in A's order), the
    per-(item, epoch) rows of both, and the ids found in only one run."""

    item_ids: np.ndarray
    scores_a: np.ndarray
    scores_b: np.ndarray
    rows_a: pd.DataFrame
    rows_b: pd.DataFrame
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    epochs: tuple[int, int]
    meta: pd.DataFrame

    @property
    def n(self) -> int:
        """Number of paired items."""
        return int(self.item_ids.size)

    def clusters(self, column: str) -> np.ndarray:
        """The values of metadata column ``column`` per paired item (A's value, else B's)."""
        if column not in self.meta.columns:
            raise ValueError(f"no metadata column {column!r}; the runs have "
                             + (", ".join(map(repr, self.meta.columns)) or "none"))
        values = self.meta[column]
        if values.isna().any():
            missing = self.item_ids[values.isna().to_numpy()][0]
            raise ValueError(f"item {missing!r} has no value for cluster column {column!r}")
        return values.astype(str).to_numpy()


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


def _finite(name: str, values: object) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of numbers") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional sequence")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds a missing or infinite value at position "
                         f"{int(np.flatnonzero(~np.isfinite(array))[0])}")
    return array


def clt_se(values: np.ndarray) -> float:
    """CLT standard error of the mean, ``std(ddof=1) / sqrt(n)`` (``scipy.stats.sem``);
    0 for a single value, as Inspect's ``stderr()`` returns."""
    if values.size < 2:
        return 0.0
    return float(stats.sem(values, ddof=1))


def clustered_se(values: np.ndarray, clusters: np.ndarray, *,
                 finite_cluster_correction: bool = False) -> tuple[float, int]:
    """Cluster-robust standard error of the mean and the number of clusters.

    Computed as the sandwich estimator of an intercept-only OLS fit
    (``statsmodels`` ``cov_type="cluster"``): ``SE^2 = sum_c (sum_i (s_ic - mean))^2 / n^2``.
    Without the flag this is Miller's eq. 4 (appendix A) with the CLT term taken as
    ``sum_i (s_i - mean)^2 / n^2``; with ``finite_cluster_correction=True`` it is multiplied
    by ``C / (C - 1)``, exactly what Inspect AI's ``stderr(cluster=...)`` computes (the
    ``(n - 1) / (n - k)`` factor statsmodels adds is 1 for an intercept-only model).
    """
    codes, uniques = pd.factorize(pd.Series(clusters).astype(str), sort=False)
    count = len(uniques)
    if count < 2:
        raise ValueError(f"a clustered standard error needs at least 2 clusters, got {count}")
    fit = sm.OLS(values, np.ones((values.size, 1))).fit(
        cov_type="cluster",
        cov_kwds={"groups": codes, "use_correction": finite_cluster_correction,
                  "df_correction": False})
    return float(fit.bse[0]), count


def _per_item(scores: np.ndarray, item_ids: object, clusters: object | None
              ) -> tuple[np.ndarray, np.ndarray | None, int, float | None]:
    ids = pd.Series(np.asarray(item_ids, dtype=object)).astype(str)
    if len(ids) != scores.size:
        raise ValueError(f"item_ids has {len(ids)} entries for {scores.size} scores")
    frame = pd.DataFrame({"item": ids, "score": scores})
    if clusters is not None:
        frame["cluster"] = pd.Series(np.asarray(clusters, dtype=object)).astype(str).to_numpy()
    grouped = frame.groupby("item", sort=False)
    means = grouped["score"].mean().to_numpy(dtype=float)
    epochs = int(grouped.size().max())
    share = None
    if epochs > 1:
        within = float(grouped["score"].var(ddof=0).mean())
        total = float(np.var(scores))
        share = within / total if total > 0 else 0.0
    per_cluster = None
    if clusters is not None:
        if (grouped["cluster"].nunique() > 1).any():
            raise ValueError("a cluster must hold whole items: an item has epochs in "
                             "different clusters")
        per_cluster = grouped["cluster"].first().to_numpy()
    return means, per_cluster, epochs, share


def mean_with_se(scores: ArrayLike, *, item_ids: ArrayLike | None = None,
                 clusters: ArrayLike | None = None, finite_cluster_correction: bool = False,
                 alpha: float = 0.05) -> Estimate:
    """The mean score, its CLT standard error (ddof 1) and normal ``1 - alpha`` interval.

    With ``item_ids`` the scores of each item's epochs are averaged first (Miller's
    variance reduction by resampling, section 3.2) and the within-item share of the
    variance is reported (law of total variance, population variances). With ``clusters``
    (one label per score, constant within an item) the standard error is clustered: by
    Miller's formula, or by Inspect's ``C/(C-1)`` variant with
    ``finite_cluster_correction=True`` (see :func:`clustered_se`).
    """
    level = require_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    raw = _finite("scores", scores)
    if item_ids is not None:
        values, per_cluster, epochs, share = _per_item(raw, item_ids, clusters)
    else:
        values, epochs, share = raw, 1, None
        per_cluster = None if clusters is None else np.asarray(clusters, dtype=object)
        if per_cluster is not None and per_cluster.size != raw.size:
            raise ValueError(f"clusters has {per_cluster.size} entries for {raw.size} scores")
    mean = float(values.mean())
    se_iid = clt_se(values)
    se, count = se_iid, None
    if per_cluster is not None:
        se, count = clustered_se(values, per_cluster,
                                 finite_cluster_correction=finite_cluster_correction)
    half = _z(level) * se
    return Estimate(mean, se, (mean - half, mean + half), int(values.size), int(raw.size),
                    epochs, se_iid, share, count, finite_cluster_correction, level)


def align_runs(a: EvalLog, b: EvalLog) -> AlignedRuns:
    """Pair two runs by ``item_id``: per-item means over epochs, in A's order, and the ids
    found in only one run. Raises ValueError when the runs share no item."""
    mean_a, mean_b = a.item_scores(), b.item_scores()
    common = mean_a.index[mean_a.index.isin(mean_b.index)]
    if len(common) == 0:
        raise ValueError(
            f"the two runs share no item id ({a.n_items} items in A, e.g. "
            f"{str(mean_a.index[0]) if len(mean_a) else 'none'!r}; {b.n_items} in B, e.g. "
            f"{str(mean_b.index[0]) if len(mean_b) else 'none'!r}): nothing to pair")
    only_a = tuple(str(i) for i in mean_a.index[~mean_a.index.isin(mean_b.index)])
    only_b = tuple(str(i) for i in mean_b.index[~mean_b.index.isin(mean_a.index)])
    keep = set(common)
    rows_a = a.items[a.items["item_id"].isin(keep)]
    rows_b = b.items[b.items["item_id"].isin(keep)]
    meta_cols = list(dict.fromkeys(a.meta_columns + b.meta_columns))
    meta = pd.DataFrame(index=common)
    for column in meta_cols:
        val_a = (rows_a.groupby("item_id", sort=False)[column].first()
                 if column in rows_a else pd.Series(dtype=object))
        val_b = (rows_b.groupby("item_id", sort=False)[column].first()
                 if column in rows_b else pd.Series(dtype=object))
        meta[column] = val_a.reindex(common).combine_first(val_b.reindex(common))
    epochs_a = int(rows_a.groupby("item_id")["epoch"].nunique().max())
    epochs_b = int(rows_b.groupby("item_id")["epoch"].nunique().max())
    return AlignedRuns(np.asarray(common, dtype=object),
                       mean_a.loc[common].to_numpy(dtype=float),
                       mean_b.loc[common].to_numpy(dtype=float), rows_a, rows_b, only_a,
                       only_b, (epochs_a, epochs_b), meta)


def _binary(x: np.ndarray) -> bool:
    return bool(np.all((x == 0) | (x == 1)))


def paired_difference(a: EvalLog | AlignedRuns | ArrayLike, b: EvalLog | ArrayLike | None = None,
                      *, clusters: str | ArrayLike | None = None,
                      finite_cluster_correction: bool = False,
                      alpha: float = 0.05) -> PairedDifference:
    """B - A on the same items, by Miller's paired-difference analysis (section 4.2).

    ``a`` and ``b`` are two :class:`EvalLog` runs (aligned by :func:`align_runs`), or two
    equal-length sequences of per-item scores, or ``a`` is an :class:`AlignedRuns` and
    ``b`` is None. The paired SE is ``std(d, ddof=1) / sqrt(n)`` of the per-item
    differences ``d`` (so ``z`` equals scipy's paired t statistic); z, the two-sided
    p-value and the interval use the normal distribution. ``clusters`` (a ``meta.`` column
    name for runs, or one label per item) clusters the SE of the differences as in
    :func:`clustered_se`. The unpaired SE ``sqrt(SE_A^2 + SE_B^2)`` (lm-evaluation-harness's
    two-run z-test) is reported beside it; the correlation is Pearson's of the per-item
    scores. For single-epoch 0/1 scores the exact McNemar test is added.
    """
    level = require_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    epochs = (1, 1)
    if isinstance(a, EvalLog):
        if not isinstance(b, EvalLog):
            raise ValueError("b must be an EvalLog when a is one")
        a = align_runs(a, b)
    if isinstance(a, AlignedRuns):
        runs = a
        x_a, x_b, epochs = runs.scores_a, runs.scores_b, runs.epochs
        labels = runs.clusters(clusters) if isinstance(clusters, str) else clusters
    else:
        if b is None or isinstance(b, EvalLog):
            raise ValueError("b must be a sequence of per-item scores like a")
        x_a, x_b = _finite("a", a), _finite("b", b)
        if x_a.size != x_b.size:
            raise ValueError(f"a and b must score the same items ({x_a.size} != {x_b.size})")
        if isinstance(clusters, str):
            raise ValueError("a cluster column name needs two EvalLog runs")
        labels = clusters
    n = int(x_a.size)
    if labels is not None:
        labels = np.asarray(labels, dtype=object)
        if labels.size != n:
            raise ValueError(f"clusters has {labels.size} entries for {n} items")
    est_a = mean_with_se(x_a, clusters=labels, finite_cluster_correction=finite_cluster_correction,
                         alpha=level)
    est_b = mean_with_se(x_b, clusters=labels, finite_cluster_correction=finite_cluster_correction,
                         alpha=level)
    diff_est = mean_with_se(x_b - x_a, clusters=labels,
                            finite_cluster_correction=finite_cluster_correction, alpha=level)
    diff, se = diff_est.mean, diff_est.se
    z_crit = _z(level)
    z = diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    p = float(2 * stats.norm.sf(abs(z)))
    unpaired = math.hypot(est_a.se, est_b.se)
    uz = diff / unpaired if unpaired > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    up = float(2 * stats.norm.sf(abs(uz)))
    corr = None
    if n > 2 and np.ptp(x_a) > 0 and np.ptp(x_b) > 0:
        corr = float(stats.pearsonr(x_a, x_b).statistic)
    notes: list[str] = []
    test = None
    if epochs == (1, 1) and _binary(x_a) and _binary(x_b):
        ia, ib = x_a.astype(bool), x_b.astype(bool)
        table = {"both": int(np.sum(ia & ib)), "a_only": int(np.sum(ia & ~ib)),
                 "b_only": int(np.sum(~ia & ib)), "neither": int(np.sum(~ia & ~ib))}
        if table["a_only"] + table["b_only"] > 0:
            test = McNemar(**table, p_value=mcnemar_exact(table))
        else:
            notes.append("No item was scored differently by the two runs: McNemar's test "
                         "has nothing to test.")
    if n < 30:
        notes.append(f"Only {n} paired items: the normal approximation behind z and the "
                     "interval is rough.")
    return PairedDifference(
        est_a, est_b, diff, se, z, p, (diff - z_crit * se, diff + z_crit * se), corr,
        unpaired, uz, up, (diff - z_crit * unpaired, diff + z_crit * unpaired), n,
        diff_est.se_iid, diff_est.n_clusters, test, level, tuple(notes))


# --- power (Miller section 5) -----------------------------------------------------------

@dataclass(frozen=True)
class VarianceComponents:
    """Inputs of Miller's power formula estimated from two aligned runs.

    ``omega2``: variance across items of the difference of the two runs' expected
    (conditional) scores; ``sigma2``: each run's mean within-item variance over epochs
    (0 and ``estimated_sigma`` False with a single epoch, where ``omega2`` then also holds
    the sampling noise); ``k``: epochs per item.
    """

    omega2: float
    sigma2: tuple[float, float]
    k: tuple[int, int]
    estimated_sigma: bool


def _within_variance(rows: pd.DataFrame) -> float:
    grouped = rows.groupby("item_id")["score"]
    var = grouped.var(ddof=1).dropna()
    return float(var.mean()) if len(var) else 0.0


def variance_components(runs: AlignedRuns) -> VarianceComponents:
    """Estimate Miller's ``omega2`` and ``sigma2`` from two aligned runs.

    ``sigma2_X`` is the mean over items of the within-item sample variance (ddof 1) of run
    X's epoch scores, unbiased for the conditional variance; with ``K_X`` epochs the
    variance of the per-item mean differences is ``omega2 + sigma2_A/K_A + sigma2_B/K_B``,
    so ``omega2`` is that sample variance (ddof 1) less the within-item terms, floored at 0.
    """
    k = runs.epochs
    d = runs.scores_b - runs.scores_a
    total = float(np.var(d, ddof=1)) if d.size > 1 else 0.0
    if k == (1, 1):
        return VarianceComponents(total, (0.0, 0.0), k, False)
    s_a = _within_variance(runs.rows_a) if k[0] > 1 else 0.0
    s_b = _within_variance(runs.rows_b) if k[1] > 1 else 0.0
    omega2 = max(total - s_a / k[0] - s_b / k[1], 0.0)
    return VarianceComponents(omega2, (s_a, s_b), k, True)


def _noise(omega2: float, sigma2: tuple[float, float], k: tuple[int, int]) -> float:
    omega = require_float("omega2", omega2, low=0.0)
    s_a, s_b = (require_float("sigma2", s, low=0.0) for s in sigma2)
    k_a, k_b = k
    if int(k_a) < 1 or int(k_b) < 1:
        raise ValueError(f"k must hold two positive epoch counts, got {k}")
    return omega + s_a / int(k_a) + s_b / int(k_b)


def _quantiles(alpha: float, power: float) -> float:
    a = require_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    p = require_float("power", power, low=0.0, high=1.0, low_open=True, high_open=True)
    return float(stats.norm.ppf(1 - a / 2) + stats.norm.ppf(p))


def questions_needed(delta: float, *, omega2: float, sigma2: tuple[float, float] = (0.0, 0.0),
                     k: tuple[int, int] = (1, 1), alpha: float = 0.05,
                     power: float = 0.8) -> int:
    """Questions a paired comparison needs to detect a difference ``delta`` with the given
    power at two-sided level ``alpha``: Miller's eq. 9,
    ``n = (z_{1-alpha/2} + z_{power})^2 (omega2 + sigma2_A/K_A + sigma2_B/K_B) / delta^2``,
    rounded up, with exact normal quantiles (``scipy.stats.norm.ppf``)."""
    d = require_float("delta", delta)
    if d == 0:
        raise ValueError("delta must be non-zero")
    noise = _noise(omega2, sigma2, k)
    n = _quantiles(alpha, power) ** 2 * noise / d ** 2
    return max(1, math.ceil(n - 1e-9))


def minimum_detectable_effect(n: int, *, omega2: float,
                              sigma2: tuple[float, float] = (0.0, 0.0),
                              k: tuple[int, int] = (1, 1), alpha: float = 0.05,
                              power: float = 0.8) -> float:
    """The smallest difference ``n`` paired questions detect with the given power: Miller's
    eq. 9 solved for delta, ``(z_{1-alpha/2} + z_{power}) sqrt(noise / n)``."""
    if isinstance(n, bool) or int(n) != n or int(n) < 1:
        raise ValueError(f"n must be a positive whole number, got {n!r}")
    return _quantiles(alpha, power) * math.sqrt(_noise(omega2, sigma2, k) / int(n))
