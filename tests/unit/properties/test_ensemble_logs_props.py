"""Property-based checks (hypothesis) of ``crucible_scenarios.ensemble_logs``: aligned
answers keep exactly the common items, the oracle bounds every strategy and model,
majority picks the most frequent answer, unanimous abstains exactly where the answers
differ, log-odds weights follow w = max(log((K - 1) p / (1 - p)), 0) on the clipped
accuracy, the pairwise diversity measures (Kuncheva & Whitaker 2003) are symmetric and
within their ranges, and bad arguments raise ValueError naming them."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from crucible_scenarios import ensemble_logs
from crucible_scenarios.eval_log import EvalLog
from tests.unit.properties import exercises

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LETTERS = ["a", "b", "c"]


@st.composite
def answer_tables(draw: st.DrawFn) -> pd.DataFrame:
    """A wide answer table: 2-12 items, 2-4 models, answers in a, b, c or missing (every
    model answers at least one item)."""
    n = draw(st.integers(2, 12))
    m = draw(st.integers(2, 4))
    table = pd.DataFrame({"item_id": [f"q{i}" for i in range(n)],
                          "target": draw(st.lists(st.sampled_from(LETTERS), min_size=n,
                                                  max_size=n))})
    for j in range(m):
        answers = draw(st.lists(st.sampled_from([*LETTERS, None]), min_size=n, max_size=n))
        answers[0] = answers[0] or draw(st.sampled_from(LETTERS))
        # Mixed case and padding: the same answer, normalized.
        table[f"answer_m{j}"] = [a.upper() + " " if a and j % 2 else a for a in answers]
    return table


def _norm_answers(table: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in table.columns if c.startswith("answer_")]
    return table[cols].astype(object).map(
        lambda a: None if pd.isna(a) else str(a).strip().lower())


@exercises(ensemble_logs.align_logs)
@FAST
@given(n_a=st.integers(2, 10), n_b=st.integers(2, 10), shift=st.integers(0, 4),
       epochs=st.integers(1, 3))
def test_align_keeps_exactly_the_common_items(n_a: int, n_b: int, shift: int,
                                              epochs: int) -> None:
    def log(model: str, ids: list[int]) -> EvalLog:
        rows = [{"item_id": str(i), "epoch": e, "answer": "x" if e == 1 else "y",
                 "target": "x", "score": 1.0 if i % 2 else 0.0}
                for e in range(epochs, 0, -1) for i in ids]
        return EvalLog(format="test", task="t", model=model, metric="acc",
                       items=pd.DataFrame(rows), source=f"{model}.jsonl")

    ids_a, ids_b = list(range(n_a)), list(range(shift, shift + n_b))
    common = [i for i in ids_a if i in set(ids_b)]
    if len(common) < 2:
        with pytest.raises(ValueError, match="item id"):
            ensemble_logs.align_logs([log("A", ids_a), log("B", ids_b)])
        return
    aligned = ensemble_logs.align_logs([log("A", ids_a), log("B", ids_b)])
    assert list(aligned.item_ids) == [str(i) for i in common]
    assert aligned.dropped == {"A": n_a - len(common), "B": n_b - len(common)}
    assert aligned.epochs == {"A": epochs, "B": epochs}
    # Epoch 1's answer ("x", the target) is used even when later epochs come first.
    assert aligned.correct.all()
    odd = np.mean([i % 2 == 1 for i in common])
    assert aligned.score_agreement["A"] == pytest.approx(odd)
    with pytest.raises(ValueError, match="repeated"):
        ensemble_logs.align_logs([log("A", ids_a), log("A", ids_b)])
    with pytest.raises(ValueError, match="logs"):
        ensemble_logs.align_logs("A.jsonl")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2 to 9 models"):
        ensemble_logs.align_logs([log("A", ids_a)])


@exercises(ensemble_logs.ensemble_from_logs, ensemble_logs.model_correctness,
           ensemble_logs.summarize_logs)
@FAST
@given(table=answer_tables())
def test_votes_follow_counts_and_oracle_bounds_them(table: pd.DataFrame) -> None:
    frame = ensemble_logs.ensemble_from_logs(table, ["majority", "weighted", "unanimous"])
    norm = _norm_answers(table)
    target = table["target"].to_numpy(object)
    correct = ensemble_logs.model_correctness(frame)
    expected = norm.to_numpy(object) == target[:, None]
    np.testing.assert_array_equal(correct.to_numpy(bool), expected)
    oracle = expected.any(axis=1)
    maj = frame[frame["strategy"] == "majority"].reset_index(drop=True)
    una = frame[frame["strategy"] == "unanimous"].reset_index(drop=True)
    for i, row in norm.iterrows():
        counts = Counter(a for a in row if pd.notna(a))
        voted = maj.loc[i, "voted"]
        if counts:
            assert counts[voted] == max(counts.values())
            assert maj.loc[i, "consensus"] == pytest.approx(counts[voted] / sum(counts.values()))
        else:
            assert pd.isna(voted) and maj.loc[i, "abstained"]
        assert bool(una.loc[i, "abstained"]) == (len(counts) != 1)
        if len(counts) == 1:
            assert una.loc[i, "voted"] == next(iter(counts))
    np.testing.assert_array_equal(maj["oracle"].to_numpy(bool), oracle)
    assert not (frame["correct"] & ~frame["oracle"]).any()
    summary = ensemble_logs.summarize_logs(frame).set_index("strategy")
    top = summary.loc["oracle", "accuracy"]
    assert top == pytest.approx(oracle.mean())
    assert (summary["accuracy"] <= top + 1e-12).all()
    for model in correct.columns:
        assert summary.loc[f"single:{model}", "accuracy"] == pytest.approx(
            expected[:, list(correct.columns).index(model)].mean())
    assert summary.loc["unanimous", "abstention_rate"] == pytest.approx(
        float(una["abstained"].mean()))
    with pytest.raises(ValueError, match="voting"):
        ensemble_logs.ensemble_from_logs(table, "plurality")
    with pytest.raises(ValueError, match="voting"):
        ensemble_logs.ensemble_from_logs(table, [])
    with pytest.raises(ValueError, match="confidence"):
        ensemble_logs.ensemble_from_logs(table, "best_confidence")
    with pytest.raises(ValueError, match="weights"):
        ensemble_logs.ensemble_from_logs(table, "weighted", weights={"m0": -1.0})


@exercises(ensemble_logs.log_odds_weights)
@FAST
@given(acc=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8),
       options=st.integers(0, 6), n=st.integers(1, 500))
def test_log_odds_weights_follow_the_formula(acc: list[float], options: int,
                                             n: int) -> None:
    w = ensemble_logs.log_odds_weights(acc, options, n)
    k = max(options, 2)
    for p, wi in zip(acc, w, strict=True):
        q = min(max(p, 0.5 / n), 1 - 0.5 / n)
        assert wi == pytest.approx(max(math.log((k - 1) * q / (1 - q)), 0.0), abs=1e-12)
        # No better than chance among k options gets no say.
        if q <= 1 / k:
            assert wi == 0.0
    order = np.argsort(acc, kind="stable")
    assert np.all(np.diff(w[order]) >= -1e-12)
    assert np.all(np.isfinite(w)) and np.all(w >= 0)
    if options > 2:  # more options: the same accuracy is stronger evidence
        assert np.all(ensemble_logs.log_odds_weights(acc, options, n) >=
                      ensemble_logs.log_odds_weights(acc, options - 1, n) - 1e-12)


@exercises(ensemble_logs.diversity)
@FAST
@given(data=st.data(), n=st.integers(1, 30), m=st.integers(2, 4))
def test_diversity_measures_are_symmetric_and_bounded(data: st.DataObject, n: int,
                                                      m: int) -> None:
    values = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=m, max_size=m),
                                         min_size=n, max_size=n)), dtype=bool)
    correct = pd.DataFrame(values, columns=[f"m{j}" for j in range(m)])
    out = ensemble_logs.diversity(correct)
    assert len(out) == m * (m - 1) // 2
    swapped = ensemble_logs.diversity(correct[correct.columns[::-1]])
    for _, row in out.iterrows():
        a, b = correct[row["model_a"]].to_numpy(), correct[row["model_b"]].to_numpy()
        twin = swapped[(swapped["model_a"] == row["model_b"])
                       & (swapped["model_b"] == row["model_a"])].iloc[0]
        for col in ("disagreement", "double_fault", "yule_q", "kappa"):
            assert (math.isnan(row[col]) and math.isnan(twin[col])) or \
                row[col] == pytest.approx(twin[col])
        assert row["disagreement"] + np.mean(a == b) == pytest.approx(1.0)
        assert row["both_right"] + row["a_only"] + row["b_only"] + row["both_wrong"] == n
        assert row["double_fault"] <= min(1 - a.mean(), 1 - b.mean()) + 1e-12
        assert row["double_fault"] == pytest.approx(np.mean(~a & ~b))
        for col in ("yule_q", "kappa"):
            assert math.isnan(row[col]) or -1 - 1e-12 <= row[col] <= 1 + 1e-12
        if not (a.min() == a.max() and b.min() == b.max()):
            assert row["kappa"] == pytest.approx(float(cohen_kappa_score(a, b)), nan_ok=True)
    assert out.attrs["observed_majority"] == pytest.approx(
        float(np.mean(values.sum(axis=1) > m / 2)))
    assert 0.0 <= out.attrs["condorcet"] <= 1.0
    with pytest.raises(ValueError, match="correct"):
        ensemble_logs.diversity(correct.iloc[:, :1])
    with pytest.raises(ValueError, match="correct"):
        ensemble_logs.diversity(correct.iloc[:0])


@exercises(ensemble_logs.best_versus_single, ensemble_logs.disagreements)
@FAST
@given(table=answer_tables(), only=st.booleans())
def test_best_comparison_and_disagreements(table: pd.DataFrame, only: bool) -> None:
    frame = ensemble_logs.ensemble_from_logs(table, ["majority", "unanimous"])
    cmp = ensemble_logs.best_versus_single(frame)
    correct = ensemble_logs.model_correctness(frame)
    assert cmp.model_accuracy == pytest.approx(correct.mean().max())
    acc = frame.groupby("strategy", sort=False)["correct"].mean()
    assert cmp.strategy_accuracy == pytest.approx(acc.max())
    n = len(table)
    assert cmp.strategy_accuracy - cmp.model_accuracy == pytest.approx(
        (cmp.only_strategy_right - cmp.only_model_right) / n)
    if cmp.only_strategy_right + cmp.only_model_right == 0:
        assert cmp.p_value is None
    else:
        assert cmp.p_value is not None and 0.0 < cmp.p_value <= 1.0
    norm = _norm_answers(table)
    split = norm.apply(lambda r: r.dropna().nunique() > 1 or r.isna().any(), axis=1)
    table_out = ensemble_logs.disagreements(frame, "majority", only_differs=only)
    if only:
        assert table_out["vote_differs_from_best"].all()
        assert set(table_out["item_id"]) <= set(table.loc[split, "item_id"])
    else:
        assert list(table_out["item_id"]) == list(table.loc[split, "item_id"])
    with pytest.raises(ValueError, match="strategy"):
        ensemble_logs.disagreements(frame, "weighted")
