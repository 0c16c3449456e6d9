"""Paired comparison of eval runs (Miller 2024): reference values, scipy and direct checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crucible_scenarios.eval_log import EvalLog
from crucible_scenarios.evals import (
    align_runs,
    mean_with_se,
    minimum_detectable_effect,
    paired_difference,
    questions_needed,
    variance_components,
)


def make_log(scores: dict[str, list[float]], *, model: str = "m", meta: dict | None = None
             ) -> EvalLog:
    rows = []
    for item, values in scores.items():
        for epoch, value in enumerate(values, start=1):
            row = {"item_id": item, "epoch": epoch, "score": float(value)}
            if meta:
                row["meta.group"] = meta[item]
            rows.append(row)
    return EvalLog(format="test", task="t", model=model, metric="acc",
                   items=pd.DataFrame(rows))


def test_lm_eval_stored_stderr():
    # lm-evaluation-harness stored acc_stderr 0.008855114 for arc_easy: 588 of 2376
    est = mean_with_se([1] * 588 + [0] * (2376 - 588))
    assert est.se == pytest.approx(0.008855114, abs=5e-10)
    assert est.mean == pytest.approx(588 / 2376)
    assert est.n == 2376
    assert est.ci[0] == pytest.approx(est.mean - 1.959963985 * est.se)


def test_inspect_stderr_reference():
    assert mean_with_se(np.arange(10)).se == pytest.approx(0.9574271, abs=1e-7)


def test_clustered_reference_values():
    x = np.arange(20)
    inspect_se = mean_with_se(x, clusters=x % 4, finite_cluster_correction=True)
    assert inspect_se.se == pytest.approx(0.6454972, abs=1e-7)
    assert inspect_se.n_clusters == 4
    assert mean_with_se(x, clusters=x % 4).se == pytest.approx(0.5590170, abs=1e-7)


def test_clustered_se_against_direct_computation():
    rng = np.random.default_rng(3)
    x = rng.normal(size=300) + np.repeat(rng.normal(size=30), 10)
    g = np.repeat(np.arange(30), 10)
    rng.shuffle(g)
    dev = x - x.mean()
    n = x.size
    clt2 = np.sum(dev ** 2) / n ** 2
    cross = 0.0  # Miller eq. 4: sum over pairs i != j in the same cluster
    for c in np.unique(g):
        d = dev[g == c]
        cross += np.sum(np.outer(d, d)) - np.sum(d ** 2)
    direct = math.sqrt(clt2 + cross / n ** 2)
    assert mean_with_se(x, clusters=g).se == pytest.approx(direct, rel=1e-10)
    assert mean_with_se(x, clusters=g, finite_cluster_correction=True).se == pytest.approx(
        direct * math.sqrt(30 / 29), rel=1e-10)


def test_epochs_averaged_within_item_and_within_share():
    ids = ["a", "a", "b", "b", "c", "c"]
    scores = [1, 0, 1, 1, 0, 0]
    est = mean_with_se(scores, item_ids=ids)
    means = np.array([0.5, 1.0, 0.0])
    assert est.n == 3 and est.n_obs == 6 and est.epochs == 2
    assert est.se == pytest.approx(stats.sem(means))
    # law of total variance: within (0.25, 0, 0) averaged over var of raw scores
    assert est.within_share == pytest.approx((0.25 / 3) / np.var(scores))


def test_paired_reference_and_mcnemar():
    a = np.r_[np.ones(14), np.zeros(26), np.zeros(360)]
    b = np.r_[np.zeros(14), np.ones(26), np.zeros(360)]
    r = paired_difference(a, b)
    assert r.difference == pytest.approx(0.03)
    assert r.se == pytest.approx(0.015760, abs=5e-7)
    assert r.z == pytest.approx(1.904, abs=5e-4)
    assert r.mcnemar is not None
    assert (r.mcnemar.a_only, r.mcnemar.b_only) == (14, 26)
    assert r.mcnemar.p_value == pytest.approx(0.080690, abs=5e-7)
    assert r.mcnemar.p_value == pytest.approx(stats.binomtest(14, 40).pvalue)


def test_paired_against_scipy_paired_t():
    rng = np.random.default_rng(7)
    a = rng.normal(0.6, 0.2, size=500)
    b = a + rng.normal(0.02, 0.1, size=500)
    r = paired_difference(a, b)
    t = stats.ttest_rel(b, a)
    assert r.z == pytest.approx(t.statistic, rel=1e-10)
    assert r.se == pytest.approx(stats.sem(b - a), rel=1e-12)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(t.statistic)))
    assert r.correlation == pytest.approx(stats.pearsonr(a, b).statistic)
    assert r.unpaired_se == pytest.approx(math.hypot(stats.sem(a), stats.sem(b)))
    assert r.se < r.unpaired_se  # positively correlated runs: pairing narrows the interval
    assert r.mcnemar is None


def test_paired_clustered_difference():
    rng = np.random.default_rng(1)
    g = np.repeat(np.arange(20), 5)
    a = rng.integers(0, 2, size=100).astype(float)
    b = rng.integers(0, 2, size=100).astype(float)
    r = paired_difference(a, b, clusters=g)
    assert r.n_clusters == 20
    assert r.se == pytest.approx(mean_with_se(b - a, clusters=g).se)
    assert r.se_iid == pytest.approx(stats.sem(b - a))


def test_align_runs_reports_one_sided_items_and_refuses_no_overlap():
    a = make_log({"1": [1], "2": [0], "3": [1]}, meta={"1": "x", "2": "y", "3": "y"})
    b = make_log({"2": [1], "3": [1], "4": [0]})
    runs = align_runs(a, b)
    assert list(runs.item_ids) == ["2", "3"]
    assert runs.only_a == ("1",) and runs.only_b == ("4",)
    assert list(runs.clusters("meta.group")) == ["y", "y"]
    with pytest.raises(ValueError, match="no metadata column"):
        runs.clusters("meta.nope")
    with pytest.raises(ValueError, match="share no item"):
        align_runs(a, make_log({"9": [1]}))


def test_paired_difference_on_logs_with_epochs_and_cluster_column():
    rng = np.random.default_rng(5)
    items = [str(i) for i in range(40)]
    meta = {i: f"g{int(i) % 5}" for i in items}
    a = make_log({i: list(rng.integers(0, 2, 3)) for i in items}, meta=meta)
    b = make_log({i: list(rng.integers(0, 2, 3)) for i in items}, model="b")
    r = paired_difference(a, b, clusters="meta.group")
    diffs = b.item_scores().loc[items].to_numpy() - a.item_scores().loc[items].to_numpy()
    assert r.difference == pytest.approx(diffs.mean())
    assert r.n_clusters == 5
    assert r.mcnemar is None  # several epochs: not single 0/1 outcomes


def test_questions_needed_reference_and_inverse():
    assert questions_needed(0.03, omega2=1 / 9) == 969
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    n = questions_needed(0.05, omega2=0.1, sigma2=(0.2, 0.1), k=(4, 2))
    assert n == math.ceil(z ** 2 * (0.1 + 0.05 + 0.05) / 0.05 ** 2)
    mde = minimum_detectable_effect(969, omega2=1 / 9)
    assert mde == pytest.approx(z * math.sqrt(1 / 9 / 969))
    assert mde <= 0.03 < minimum_detectable_effect(968, omega2=1 / 9) + 1e-4
    with pytest.raises(ValueError):
        questions_needed(0.0, omega2=0.1)
    with pytest.raises(ValueError):
        minimum_detectable_effect(0, omega2=0.1)


def test_variance_components_recover_simulated_values():
    rng = np.random.default_rng(11)
    n, k = 4000, 4
    p_a = rng.uniform(0.2, 0.8, n)
    p_b = np.clip(p_a + rng.normal(0, 0.15, n), 0.01, 0.99)
    a = make_log({str(i): list(rng.binomial(1, p_a[i], k)) for i in range(n)})
    b = make_log({str(i): list(rng.binomial(1, p_b[i], k)) for i in range(n)})
    comp = variance_components(align_runs(a, b))
    assert comp.estimated_sigma and comp.k == (k, k)
    assert comp.sigma2[0] == pytest.approx(np.mean(p_a * (1 - p_a)), rel=0.05)
    assert comp.sigma2[1] == pytest.approx(np.mean(p_b * (1 - p_b)), rel=0.05)
    assert comp.omega2 == pytest.approx(np.var(p_b - p_a), rel=0.15)
    single = variance_components(align_runs(make_log({"1": [1], "2": [0], "3": [1]}),
                                            make_log({"1": [0], "2": [0], "3": [1]})))
    assert not single.estimated_sigma and single.omega2 == pytest.approx(np.var([-1, 0, 0],
                                                                                ddof=1))


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError):
        mean_with_se([])
    with pytest.raises(ValueError):
        mean_with_se([1.0, float("nan")])
    with pytest.raises(ValueError):
        mean_with_se([1.0, 2.0], clusters=[1, 1])
    with pytest.raises(ValueError):
        paired_difference([1, 0], [1, 0, 1])


def test_eval_report_records_sources_and_escapes_file_text():
    import json

    from crucible_scenarios.stats_report import eval_report

    hostile = "<script>x</script> & $\\_#|*"
    a = EvalLog(format="inspect-eval", task=hostile, model="gpt_<b>", metric="acc",
                items=pd.DataFrame({"item_id": ["1", "2", "3"], "epoch": [1, 1, 1],
                                    "score": [1.0, 0.0, 1.0]}), source="a&b.eval")
    b = EvalLog(format="lm-eval-samples", task="arc", model="m2", metric="acc",
                items=pd.DataFrame({"item_id": ["1", "2", "3"], "epoch": [1, 1, 1],
                                    "score": [1.0, 1.0, 1.0]}), source="samples_arc.jsonl",
                filter="none")
    r = paired_difference(a, b)
    html_doc = eval_report(r, a, b, "html")
    assert "<script>" not in html_doc and "&lt;script&gt;" in html_doc
    assert "inspect-eval" in html_doc and "3 items, 3 samples" in html_doc
    md = eval_report(r, a, b, "markdown")
    assert "<script>" not in md and "\\<script\\>" in md and "lm\\-eval" not in md
    tex = eval_report(r, a, b, "latex")
    assert "\\textless{}script\\textgreater{}" in tex and "a\\&b.eval" in tex
    payload = json.loads(eval_report(r, a, b, "json", only_a=2))
    assert payload["sources"][0]["task"] == hostile
    assert payload["sources"][1]["filter"] == "none"
    assert payload["sources"][0]["samples"] == 3
    assert payload["result"]["difference"] == pytest.approx(1 / 3)
    assert "only in A: 2" in payload["fields"]["Paired items"]


@pytest.mark.parametrize("folder", ["log-sets_set", "log-sets_set2", "examples_scanner_logs"])
def test_mean_with_se_equals_inspect_stored_stderr(folder):
    from crucible_io.evals import read_eval_log
    from tests.shared_fixtures import shared_fixture

    paths = sorted(shared_fixture("evals", "inspect_ai", folder).glob("*.eval"))
    assert paths
    for path in paths:
        log = read_eval_log(path)
        assert log.stored is not None and log.stored.stderr is not None
        est = mean_with_se(log.items["score"], item_ids=log.items["item_id"])
        assert est.n == log.n_items and est.epochs == log.epochs
        assert est.mean == pytest.approx(log.stored.mean, abs=1e-12), path.name
        assert est.se == pytest.approx(log.stored.stderr, rel=1e-9), path.name


def test_paired_runs_with_epochs_from_inspect_eval_set():
    from crucible_io.evals import read_eval_log
    from tests.shared_fixtures import shared_fixture

    paths = sorted(shared_fixture("evals", "inspect_ai", "log-sets_set2").glob("*.eval"))
    a, b = (read_eval_log(p) for p in paths[:2])
    runs = align_runs(a, b)
    r = paired_difference(runs)
    assert runs.epochs == (5, 5) and r.n == 10 and r.mcnemar is None
    assert r.difference == pytest.approx(b.stored.mean - a.stored.mean, abs=1e-12)
    assert r.unpaired_se == pytest.approx(math.hypot(a.stored.stderr, b.stored.stderr))
    comp = variance_components(runs)
    assert comp.estimated_sigma and comp.k == (5, 5) and comp.omega2 >= 0
