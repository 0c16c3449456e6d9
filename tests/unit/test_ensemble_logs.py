"""Voting over real eval logs: alignment, the strategies against hand counts, log-odds
weights, the oracle, diversity against a hand-computed 2x2 table, Condorcet at
independence, and the real Inspect eval set of three models."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crucible_io.ensemble_table import read_answer_table
from crucible_io.evals import read_eval_log
from crucible_scenarios.ensemble import (
    align_logs,
    best_versus_single,
    disagreements,
    diversity,
    ensemble_from_logs,
    evaluate,
    independent_majority_accuracy,
    model_correctness,
    summarize,
    summarize_logs,
)
from crucible_scenarios.eval_log import EvalLog
from tests.shared_fixtures import shared_fixture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ensemble"
STRATEGIES = ["majority", "weighted", "unanimous", "best_confidence"]

# Eight items, targets and three models' epoch-1 answers (written out by hand).
TARGETS = ["yes", "no", "yes", "no", "yes", "no", "yes", "yes"]
ANSWERS = {
    "m1": ["yes", "no", "no", "no", "yes", "yes", "no", "yes"],
    "m2": ["Yes", "no", "yes", "yes", "no", "no", "no", "yes"],
    "m3": ["yes ", "yes", "yes", "no", "no", "yes", None, "yes"],
}
CONF = {"m1": [0.9, 0.8, 0.6, 0.7, 0.9, 0.55, 0.6, 0.9],
        "m2": [0.7, 0.9, 0.8, 0.95, 0.6, 0.9, 0.8, 0.9],
        "m3": [0.6, 0.99, 0.7, 0.6, 0.7, 0.6, 0.0, 0.9]}


def make_log(model: str, *, task: str = "yesno", epochs: int = 1, ids: list[str] | None = None,
             answers: bool = True, confidence: bool = True) -> EvalLog:
    ids = ids or [f"i{k}" for k in range(len(TARGETS))]
    rows = []
    for k, item in enumerate(ids):
        for epoch in range(epochs, 0, -1):
            answer = ANSWERS[model][k] if epoch == 1 else "garbage"
            row = {"item_id": item, "epoch": epoch,
                   "score": float(answer is not None and answer.strip().lower() == TARGETS[k]),
                   "target": TARGETS[k], "input_tokens": 100, "output_tokens": 10}
            if answers:
                row["answer"] = answer
            if confidence:
                row["confidence"] = CONF[model][k]
            rows.append(row)
    # later epochs come first in file order, so file order is not what picks epoch 1
    frame = pd.DataFrame(rows)
    return EvalLog(format="test", task=task, model=model, metric="accuracy", items=frame,
                   source=f"{model}.json")


@pytest.fixture()
def logs() -> list[EvalLog]:
    return [make_log("m1"), make_log("m2", epochs=3), make_log("m3")]


def hand_majority() -> list[str | None]:
    out = []
    for k in range(len(TARGETS)):
        votes = [ANSWERS[m][k] for m in ANSWERS if ANSWERS[m][k] is not None]
        votes = [v.strip().lower() for v in votes]
        counts = {v: votes.count(v) for v in votes}
        top = max(counts.values())
        leaders = [v for v, c in counts.items() if c == top]
        if len(leaders) == 1:
            out.append(leaders[0])
        else:  # tie: larger summed confidence
            sums = {v: sum(CONF[m][k] for m in ANSWERS if ANSWERS[m][k] is not None
                           and ANSWERS[m][k].strip().lower() == v) for v in leaders}
            out.append(max(sums, key=sums.__getitem__))
    return out


def test_majority_equals_hand_count(logs: list[EvalLog]) -> None:
    frame = ensemble_from_logs(logs, "majority")
    assert list(frame["voted"]) == hand_majority()
    expected_correct = [v == t for v, t in zip(hand_majority(), TARGETS, strict=True)]
    assert list(frame["correct"]) == expected_correct
    assert list(frame["item_id"]) == [f"i{k}" for k in range(8)]
    assert [c for c in frame.columns if c.startswith("answer_")] == [
        "answer_m1", "answer_m2", "answer_m3"]


def test_epoch_one_answers_are_used(logs: list[EvalLog]) -> None:
    frame = ensemble_from_logs(logs, "majority")
    assert "garbage" not in set(frame["answer_m2"])


def test_weights_follow_the_log_odds_formula(logs: list[EvalLog]) -> None:
    frame = ensemble_from_logs(logs, "weighted")
    n = len(TARGETS)
    for model, answers in ANSWERS.items():
        p = sum(a is not None and a.strip().lower() == t
                for a, t in zip(answers, TARGETS, strict=True)) / n
        k = 2  # two distinct targets: yes / no
        expected = max(math.log((k - 1) * p / (1 - p)), 0.0)
        assert frame.attrs["accuracy"][model] == pytest.approx(p)
        assert frame.attrs["weights"][model] == pytest.approx(expected)
    # a hand-weighted vote per item
    w = frame.attrs["weights"]
    for k in range(n):
        score: dict[str, float] = {}
        for m in ANSWERS:
            if ANSWERS[m][k] is not None:
                v = ANSWERS[m][k].strip().lower()
                score[v] = score.get(v, 0.0) + w[m]
        top = max(score.values())
        leaders = [v for v, s in score.items() if math.isclose(s, top)]
        if len(leaders) == 1:
            assert frame["voted"].iloc[k] == leaders[0]


def test_explicit_weights_decide(logs: list[EvalLog]) -> None:
    frame = ensemble_from_logs(logs, "weighted", weights={"m1": 10.0, "m2": 0.0, "m3": 0.0})
    assert list(frame["voted"]) == [a.strip().lower() for a in ANSWERS["m1"]]


def test_unanimous_abstains_exactly_where_models_differ(logs: list[EvalLog]) -> None:
    frame = ensemble_from_logs(logs, "unanimous")
    for k in range(len(TARGETS)):
        given = {ANSWERS[m][k].strip().lower() for m in ANSWERS if ANSWERS[m][k] is not None}
        assert bool(frame["abstained"].iloc[k]) == (len(given) > 1)


def test_oracle_bounds_every_strategy(logs: list[EvalLog]) -> None:
    frame = ensemble_from_logs(logs, STRATEGIES)
    oracle = frame[frame["strategy"] == "majority"]["oracle"].to_numpy()
    expected = [any(ANSWERS[m][k] is not None and ANSWERS[m][k].strip().lower() == TARGETS[k]
                    for m in ANSWERS) for k in range(len(TARGETS))]
    assert list(oracle) == expected
    for strategy in STRATEGIES:
        part = frame[frame["strategy"] == strategy]
        assert not (part["correct"].to_numpy() & ~oracle).any()
    summary = summarize_logs(frame)
    oracle_acc = summary.loc[summary["strategy"] == "oracle", "accuracy"].item()
    assert (summary["accuracy"] <= oracle_acc + 1e-12).all()


def test_summarize_works_unchanged_and_costs(logs: list[EvalLog]) -> None:
    prices = {"m1": (1.0, 2.0), "m2": (0.5, 1.0), "m3": (3.0, 0.0)}
    frame = ensemble_from_logs(logs, STRATEGIES, prices=prices)
    summary = summarize(frame)
    assert list(summary["strategy"]) == STRATEGIES
    per_model = [0.1 * 1 + 0.01 * 2, 0.1 * 0.5 + 0.01 * 1, 0.1 * 3]
    assert summary["mean_cost_usd"].iloc[0] == pytest.approx(sum(per_model))
    full = summarize_logs(frame)
    single = full.set_index("strategy").loc["single:m2"]
    assert single["mean_cost_usd"] == pytest.approx(per_model[1])
    assert single["accuracy"] == pytest.approx(frame.attrs["accuracy"]["m2"])
    # Wilson interval holds the estimate
    assert ((full["ci_low"] <= full["accuracy"]) & (full["accuracy"] <= full["ci_high"])).all()


def test_best_versus_single_uses_exact_mcnemar(logs: list[EvalLog]) -> None:
    from scipy import stats

    frame = ensemble_from_logs(logs, STRATEGIES)
    result = best_versus_single(frame)
    disc = result.only_strategy_right + result.only_model_right
    if disc:
        expected = stats.binomtest(result.only_strategy_right, disc, 0.5).pvalue
        assert result.p_value == pytest.approx(expected)
    assert result.strategy_accuracy >= frame.groupby("strategy")["correct"].mean().max() - 1e-12


def test_most_confident_needs_confidences() -> None:
    logs = [make_log("m1"), make_log("m2", confidence=False), make_log("m3")]
    ensemble_from_logs(logs, "majority")  # fine without confidences
    with pytest.raises(ValueError, match=r"confidence.*m2"):
        ensemble_from_logs(logs, "best_confidence")


def test_most_confident_picks_the_surest(logs: list[EvalLog]) -> None:
    frame = ensemble_from_logs(logs, "best_confidence")
    for k in range(len(TARGETS)):
        best = max((m for m in ANSWERS if ANSWERS[m][k] is not None),
                   key=lambda m: CONF[m][k])
        assert frame["voted"].iloc[k] == ANSWERS[best][k].strip().lower()


def test_bad_inputs_name_file_and_problem() -> None:
    with pytest.raises(ValueError, match=r"different tasks.*m2\.json"):
        align_logs([make_log("m1"), make_log("m2", task="other")])
    with pytest.raises(ValueError, match=r"m1.*repeated"):
        align_logs([make_log("m1"), make_log("m1")])
    with pytest.raises(ValueError, match=r"m2\.json: the log holds no answers"):
        align_logs([make_log("m1"), make_log("m2", answers=False)])
    with pytest.raises(ValueError, match="share 1 item"):
        align_logs([make_log("m1", ids=[f"a{k}" for k in range(8)]),
                    make_log("m2", ids=["a0"] + [f"b{k}" for k in range(7)])])
    with pytest.raises(ValueError, match="2 to 9 models"):
        align_logs([make_log("m1")])


def test_items_not_in_every_log_are_dropped() -> None:
    ids = [f"i{k}" for k in range(8)]
    shifted = [*ids[2:], "x1", "x2"]
    aligned = align_logs([make_log("m1", ids=ids), make_log("m2", ids=shifted)])
    assert aligned.n_items == 6
    assert aligned.dropped == {"m1": 2, "m2": 2}


def test_diversity_against_a_hand_table() -> None:
    # a: 1 1 1 1 0 0 0 1 1 0 ; b: 1 1 0 0 1 0 0 1 0 0
    a = np.array([1, 1, 1, 1, 0, 0, 0, 1, 1, 0], bool)
    b = np.array([1, 1, 0, 0, 1, 0, 0, 1, 0, 0], bool)
    # N11 = 3, N10 = 3, N01 = 1, N00 = 3, N = 10
    out = diversity(pd.DataFrame({"a": a, "b": b}))
    row = out.iloc[0]
    assert (row["both_right"], row["a_only"], row["b_only"], row["both_wrong"]) == (3, 3, 1, 3)
    assert row["disagreement"] == pytest.approx(4 / 10)
    assert row["yule_q"] == pytest.approx((3 * 3 - 1 * 3) / (3 * 3 + 1 * 3))
    assert row["double_fault"] == pytest.approx(3 / 10)
    po = (3 + 3) / 10
    pe = 0.6 * 0.4 + 0.4 * 0.6
    assert row["kappa"] == pytest.approx((po - pe) / (1 - pe))
    assert out.attrs["condorcet"] == pytest.approx(independent_majority_accuracy([0.6, 0.4]))


def test_condorcet_at_independence_matches_the_simulated_majority() -> None:
    """Error correlation 0: the share of questions a strict majority of the mock models
    got right meets the Poisson-binomial figure within sampling error."""
    models = ["gpt-4", "claude-3", "gemini-pro", "llama-3", "mixtral"]
    n = 20_000
    df = evaluate(models, "majority", "parallel", n, 11, correlation=0.0,
                  include_single_models=True, timeout_ms=60_000)
    correct = pd.DataFrame({m: df.loc[df["strategy"] == f"single:{m}", "correct"].to_numpy()
                            for m in models})
    out = diversity(correct)
    condorcet, observed = out.attrs["condorcet"], out.attrs["observed_majority"]
    se = math.sqrt(condorcet * (1 - condorcet) / n)
    assert abs(observed - condorcet) < 4 * se
    # and correlation shows up: kappa near 0 at independence
    assert out["kappa"].abs().max() < 0.05


def test_wide_table_reads_and_votes() -> None:
    table = read_answer_table(FIXTURES / "three_models_answers.csv")
    frame = ensemble_from_logs(table, STRATEGIES)
    majority = frame[frame["strategy"] == "majority"]
    assert list(majority["voted"]) == ["a", "b", "c", "d", "b", "b"]
    unanimous = frame[frame["strategy"] == "unanimous"]
    assert list(unanimous["abstained"]) == [False, True, True, True, False, True]
    table_view = disagreements(frame, "majority", only_differs=True)
    assert list(table_view["item_id"]) == ["q4"]


def test_real_inspect_eval_set() -> None:
    """Three real models (gpt-5, claude-sonnet-4, gemini-2.5-pro) on the same 100
    popularity items, read with the project's eval-log reader."""
    folder = shared_fixture("evals", "inspect_ai", "log-sets_set")
    logs = [read_eval_log(path) for path in sorted(folder.glob("*.eval"))]
    aligned = align_logs(logs)
    assert aligned.n_items == 100
    assert len(set(aligned.models)) == 3
    frame = ensemble_from_logs(logs, ["majority", "weighted", "unanimous"])
    correct = model_correctness(frame)
    # our answer-vs-target matches each log's own stored per-item scores
    for log in logs:
        stored = log.items.set_index("item_id")["score"].reindex(
            [str(i) for i in aligned.item_ids]).to_numpy(float)
        ours = correct[log.model].to_numpy(float)
        assert np.mean(stored == ours) >= 0.95, log.model
    summary = summarize_logs(frame)
    oracle = summary.loc[summary["strategy"] == "oracle", "accuracy"].item()
    assert (summary["accuracy"] <= oracle + 1e-12).all()


def test_real_helm_runs_of_two_models() -> None:
    """HELM bbq runs of two models on the same 100 instances: voting, the oracle bound,
    our scoring against HELM's exact_match, and cost from HELM's token counts."""
    folder = shared_fixture("evals", "helm")
    logs = [read_eval_log(path) for path in sorted(folder.iterdir()) if path.is_dir()]
    assert len(logs) == 2
    prices = {logs[0].model: (3.0, 15.0), logs[1].model: (5.0, 15.0)}
    frame = ensemble_from_logs(logs, ["majority", "weighted", "unanimous"], prices=prices)
    aligned = align_logs(logs)
    assert aligned.n_items == 100
    assert min(aligned.score_agreement.values()) >= 0.95
    first = frame[frame["strategy"] == "majority"]
    for log in logs:
        items = log.items.drop_duplicates("item_id").set_index("item_id")
        items = items.reindex(first["item_id"].astype(str))
        pin, pout = prices[log.model]
        expected = (items["input_tokens"] / 1000 * pin + items["output_tokens"] / 1000 * pout)
        assert np.allclose(first[f"cost_usd_{log.model}"].to_numpy(float),
                           expected.to_numpy(float), equal_nan=True)
    summary = summarize_logs(frame)
    oracle = summary.loc[summary["strategy"] == "oracle", "accuracy"].item()
    assert (summary["accuracy"] <= oracle + 1e-12).all()
    with pytest.raises(ValueError, match="confidence"):
        ensemble_from_logs(logs, "best_confidence")


def test_lm_eval_multiple_choice_confidences_drive_most_confident() -> None:
    """Three lm-eval multiple-choice samples files (with their results files): the
    most-confident vote takes, per item, the answer whose softmax of the choices'
    log-likelihoods is largest, computed here from the files with scipy."""
    import json

    from scipy.special import softmax

    from crucible_io.evals import read_eval_logs

    samples = sorted(FIXTURES.glob("samples_mcq_*.jsonl"))
    logs = read_eval_logs([*samples, *sorted(FIXTURES.glob("results_*.json"))])
    assert len(logs) == 3
    frame = ensemble_from_logs(logs, ["majority", "best_confidence"])
    surest: dict[str, tuple[float, str]] = {}
    votes: dict[str, list[str]] = {}
    for path in samples:
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            ll = np.array([float(v[0]) for v in rec["filtered_resps"]])
            probs = softmax(ll)
            answer, conf = str(int(np.argmax(ll))), float(probs.max())
            item = str(rec["doc_id"])
            votes.setdefault(item, []).append(answer)
            if item not in surest or conf > surest[item][0]:
                surest[item] = (conf, answer)
    best = frame[frame["strategy"] == "best_confidence"].set_index("item_id")["voted"]
    assert best.to_dict() == {k: v[1] for k, v in surest.items()}
    majority = frame[frame["strategy"] == "majority"].set_index("item_id")["voted"]
    for item, given in votes.items():
        top = max(given.count(a) for a in given)
        if [given.count(a) for a in set(given)].count(top) == 1:
            assert majority[item] == max(set(given), key=given.count)
    # logs that name no model are told apart by their file names
    assert len(set(frame.attrs["models"])) == 3
