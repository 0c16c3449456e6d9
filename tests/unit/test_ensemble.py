"""Ensemble voting: strategies on hand-built votes, execution strategies against
independent re-computations, the Condorcet baseline and the batch statistics."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from crucible_mock import MODELS
from crucible_mock.datasets import OPTION_LETTERS, get_bank, get_item
from crucible_mock.models import phrase_answer
from crucible_scenarios import ensemble as ens
from crucible_scenarios.ensemble import (
    EXECUTION_STRATEGIES,
    VOTING_STRATEGIES,
    cascade_order,
    default_weights,
    effective_accuracies,
    evaluate,
    independent_majority_accuracy,
    iter_evaluate,
    normalize_answer,
    pareto_frontier,
    run_query,
    shared_words,
    stand_in_question,
    summarize,
    vote,
)

ALL = list(MODELS)


def r(model: str, answer: str | None, confidence: float = 0.8,
      error: str | None = None) -> dict[str, object]:
    return {"model": model, "answer": answer, "confidence": confidence, "error": error}


# --- normalization ---------------------------------------------------------------------

@pytest.mark.parametrize("style", ["text", "letter", "letter_text", "lower"])
def test_every_mock_phrasing_maps_back_to_the_option_text(style: str) -> None:
    for item in get_bank("medical"):
        for option in item.options:
            raw = phrase_answer(item, option, style)
            assert normalize_answer(raw, item.options) == option


def test_normalization_of_case_whitespace_and_letters() -> None:
    options = ("Graves disease", "Hashimoto thyroiditis")
    assert normalize_answer("  graves   DISEASE ", options) == "Graves disease"
    assert normalize_answer("b", options) == "Hashimoto thyroiditis"
    assert normalize_answer("(A) graves disease", options) == "Graves disease"
    assert normalize_answer("B.", options) == "Hashimoto thyroiditis"
    assert normalize_answer("Something else", options) == "something else"
    assert normalize_answer("   ", options) is None
    assert normalize_answer(None) is None
    assert normalize_answer("B) Free Text") == "free text"


# --- voting strategies on hand-built responses -----------------------------------------

def test_majority_counts_normalized_answers() -> None:
    options = ("Alpha", "Beta", "Gamma")
    result = vote([r("m1", "B"), r("m2", "beta "), r("m3", "B) Beta"), r("m4", "Alpha")],
                  "majority", options=options)
    assert result.answer == "Beta"
    assert result.tally == {"Beta": 3.0, "Alpha": 1.0}
    assert result.consensus == pytest.approx(0.75)
    assert not result.tie and not result.abstained and result.n_votes == 4


def test_majority_tie_is_broken_by_summed_confidence_and_reported() -> None:
    responses = [r("m1", "x", 0.6), r("m2", "y", 0.9), r("m3", "x", 0.3), r("m4", "y", 0.2)]
    result = vote(responses, "majority")
    # x: 0.9 summed confidence, y: 1.1 -> y wins the 2-2 tie.
    assert result.answer == "y" and result.tie
    assert result.consensus == pytest.approx(0.5)
    assert vote(list(reversed(responses)), "majority").answer == "y"


def test_exact_tie_falls_back_to_the_earlier_response() -> None:
    responses = [r("m1", "x", 0.5), r("m2", "y", 0.5)]
    assert vote(responses, "majority").answer == "x"
    assert vote(responses[::-1], "majority").answer == "y"
    assert vote(responses, "majority").tie


def test_failed_calls_are_excluded_from_the_vote() -> None:
    result = vote([r("m1", "x"), r("m2", None, 0.0, "timeout"), r("m3", "y", 0.9),
                   r("m4", "y", 0.2, "server_error")], "majority")
    assert result.n_votes == 2 and set(result.tally) == {"x", "y"}


def test_weighted_uses_confidence_times_weight() -> None:
    responses = [r("gpt-4", "x", 0.95), r("llama-3", "y", 0.6), r("mixtral", "y", 0.6)]
    w = default_weights(["gpt-4", "llama-3", "mixtral"])
    assert w["gpt-4"] == pytest.approx(math.log(0.94 / 0.06))
    result = vote(responses, "weighted")
    score_x = 0.95 * w["gpt-4"]
    score_y = 0.6 * w["llama-3"] + 0.6 * w["mixtral"]
    assert result.tally["x"] == pytest.approx(score_x)
    assert result.tally["y"] == pytest.approx(score_y)
    assert result.answer == ("x" if score_x > score_y else "y")
    assert result.consensus == pytest.approx(max(score_x, score_y) / (score_x + score_y))
    # Adjusted weights change the outcome.
    heavy = vote(responses, "weighted", weights={"gpt-4": 10.0, "llama-3": 1, "mixtral": 1})
    assert heavy.answer == "x"
    light = vote(responses, "weighted", weights={"gpt-4": 0.1, "llama-3": 1, "mixtral": 1})
    assert light.answer == "y"
    with pytest.raises(ValueError, match="weights"):
        vote(responses, "weighted", weights={"gpt-4": -1.0})


def test_unanimous_answers_only_on_full_agreement() -> None:
    agree = vote([r("m1", "B"), r("m2", "beta"), r("m3", None, 0, "timeout")], "unanimous",
                 options=("Alpha", "Beta"))
    assert agree.answer == "Beta" and agree.consensus == 1.0
    split = vote([r("m1", "x"), r("m2", "x"), r("m3", "y")], "unanimous")
    assert split.answer is None and split.abstained
    assert split.consensus == pytest.approx(2 / 3)
    assert vote([r("m1", "x")], "unanimous").answer == "x"


def test_best_confidence_follows_the_most_confident_response() -> None:
    result = vote([r("m1", "x", 0.7), r("m2", "x", 0.8), r("m3", "y", 0.99)],
                  "best_confidence")
    assert result.answer == "y"
    assert result.consensus == pytest.approx(1 / 3)


@pytest.mark.parametrize("strategy", VOTING_STRATEGIES)
def test_no_usable_response_is_an_abstention(strategy: str) -> None:
    result = vote([r("m1", None, 0, "timeout"), r("m2", "  ")], strategy)
    assert result.abstained and result.consensus == 0.0 and result.tally == {}


def test_vote_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="strategy"):
        vote([r("m1", "x")], "plurality")
    with pytest.raises(ValueError, match="confidence"):
        vote([r("m1", "x", 1.5)], "majority")


# --- execution strategies ---------------------------------------------------------------

def _decided_at(answers: list[str | None]) -> int:
    """Independent reference: the first k at which the plurality leader among the first k
    answers has more votes than the runner-up plus all models not yet asked."""
    m = len(answers)
    for k in range(1, m + 1):
        counts: dict[str, int] = {}
        for a in answers[:k]:
            if a is not None:
                counts[a] = counts.get(a, 0) + 1
        ranked = [*sorted(counts.values(), reverse=True), 0, 0]
        if k == m or (counts and ranked[0] > ranked[1] + (m - k)):
            return k
    return m


def test_sequential_stops_exactly_when_the_majority_is_decided() -> None:
    item = get_item("med-010")
    stops = set()
    for seed in range(150):
        par = run_query(item, ALL, "majority", "parallel", np.random.default_rng(seed))
        seq = run_query(item, ALL, "majority", "sequential", np.random.default_rng(seed))
        answers = [n if v else None
                   for n, v in zip(par.responses["normalized"], par.responses["voted"],
                                   strict=True)]
        expected = _decided_at(answers)
        assert seq.models_called == expected, seed
        assert seq.vote.answer == par.vote.answer, seed
        called = seq.responses.iloc[:expected]
        assert seq.latency_ms == pytest.approx(called["latency_ms"].sum())
        assert seq.cost_usd == pytest.approx(called["cost_usd"].sum())
        assert (seq.responses["status"].iloc[expected:] == "not called").all()
        stops.add(expected)
    assert {3, 4, 5} <= stops  # both early stops and full runs occurred


def test_sequential_never_changes_any_strategys_answer() -> None:
    par = evaluate(ALL, VOTING_STRATEGIES, "parallel", 400, 7)
    seq = evaluate(ALL, VOTING_STRATEGIES, "sequential", 400, 7)
    assert (par["answer"].fillna("-") == seq["answer"].fillna("-")).all()
    assert (seq["models_called"] <= par["models_called"]).all()
    best = seq[seq["strategy"] == "best_confidence"]
    assert (best["models_called"] == len(ALL)).all()


def test_parallel_waits_for_the_slowest_response_or_the_timeout() -> None:
    item = get_item("med-001")
    for seed in range(20):
        run = run_query(item, ALL, "majority", "parallel", np.random.default_rng(seed),
                        timeout_ms=1500.0)
        latencies = run.responses["latency_ms"]
        assert run.latency_ms == pytest.approx(latencies.max())
        assert run.latency_ms <= 1500.0
        assert run.cost_usd == pytest.approx(run.responses["cost_usd"].sum())
        timed_out = run.responses["status"] == "timed out"
        assert (latencies[timed_out] == 1500.0).all()
        assert not run.responses.loc[timed_out, "voted"].any()


def test_all_models_failing_gives_an_abstention_not_an_exception() -> None:
    run = run_query(get_item("med-002"), ALL, "majority", "parallel",
                    np.random.default_rng(0), timeout_ms=1.0)
    assert run.responses["status"].isin(["timed out", "error: timeout",
                                          "error: rate_limited",
                                          "error: server_error"]).all()
    assert run.vote.abstained and not run.correct
    assert run.latency_ms == pytest.approx(1.0)


def test_cascade_asks_cheapest_first_and_escalates_below_the_threshold() -> None:
    order = cascade_order(ALL)
    expected_cost = {k: MODELS[k].output_price_per_1k * MODELS[k].mean_output_tokens
                     + MODELS[k].input_price_per_1k * 100 for k in ALL}
    assert order == sorted(ALL, key=expected_cost.__getitem__)
    item = get_item("med-004")
    for seed in range(40):
        run = run_query(item, ALL, "majority", "cascade", np.random.default_rng(seed),
                        threshold=0.9)
        assert list(run.responses["model"]) == order
        called = run.responses.iloc[:run.models_called]
        # Every earlier stop point was not yet backed by a confident enough response.
        for k in range(1, run.models_called):
            sub = vote(called.iloc[:k].assign(answer=called["normalized"].iloc[:k])
                       .to_dict("records"), "majority")
            backing = [c for n, c, v in zip(called["normalized"].iloc[:k],
                                            called["confidence"].iloc[:k],
                                            called["voted"].iloc[:k], strict=True)
                       if v and n == sub.answer]
            assert not backing or max(backing) < 0.9, seed
        if run.models_called < len(ALL):
            last = run.vote.answer
            backing = called.loc[called["normalized"] == last, "confidence"]
            assert backing.max() >= 0.9
    everyone = evaluate(ALL, "majority", "cascade", 200, 3, threshold=1.0)
    assert (everyone["models_called"] == len(ALL)).all()
    eager = evaluate(ALL, "majority", "cascade", 200, 3, threshold=0.0)
    assert eager["models_called"].mean() < 1.1


# --- the Condorcet baseline -------------------------------------------------------------

def test_independent_majority_accuracy_matches_the_published_value() -> None:
    assert independent_majority_accuracy([0.85] * 3) == pytest.approx(0.93925, abs=1e-12)
    assert independent_majority_accuracy([0.7]) == pytest.approx(0.7)


@pytest.mark.parametrize("ps", [[0.9, 0.8, 0.6], [0.94, 0.93, 0.9, 0.87, 0.86],
                                [0.6, 0.7, 0.8, 0.9], [0.3, 0.5]])
def test_independent_majority_accuracy_against_enumeration(ps: list[float]) -> None:
    total = 0.0
    for outcome in itertools.product([0, 1], repeat=len(ps)):
        if sum(outcome) > len(ps) / 2:
            total += math.prod(p if o else 1 - p for p, o in zip(ps, outcome, strict=True))
    assert independent_majority_accuracy(ps) == pytest.approx(total, abs=1e-12)


def test_condorcet_formula_holds_when_errors_are_independent() -> None:
    df = evaluate(ALL, "majority", "parallel", 10_000, 11, correlation=0.0,
                  timeout_ms=1e9)
    formula = independent_majority_accuracy(effective_accuracies(ALL))
    k, n = int(df["strict_majority_right"].sum()), len(df)
    from statsmodels.stats.proportion import proportion_confint
    low, high = proportion_confint(k, n, method="wilson")
    assert low <= formula <= high
    # Plurality is right at least whenever a strict majority is.
    assert (df["correct"] | ~df["strict_majority_right"]).all()


def test_correlated_errors_fall_short_of_the_condorcet_baseline() -> None:
    df = evaluate(ALL, "majority", "parallel", 4000, 5, timeout_ms=1e9)
    formula = independent_majority_accuracy(effective_accuracies(ALL))
    assert df["strict_majority_right"].mean() < formula - 0.02


# --- batch statistics -------------------------------------------------------------------

def test_summarize_reports_wilson_interval_and_separate_abstentions() -> None:
    df = evaluate(ALL, VOTING_STRATEGIES, "parallel", 300, 2, include_single_models=True)
    summary = summarize(df).set_index("strategy")
    assert list(summary.index) == [*VOTING_STRATEGIES, *[f"single:{k}" for k in ALL]]
    z = 1.959963984540054
    for strategy, row in summary.iterrows():
        group = df[df["strategy"] == strategy]
        n, k = len(group), int(group["correct"].sum())
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        assert row["ci_low"] == pytest.approx(centre - half, abs=1e-9)
        assert row["ci_high"] == pytest.approx(centre + half, abs=1e-9)
        wrong = int((~group["correct"] & ~group["abstained"]).sum())
        assert k + wrong + int(group["abstained"].sum()) == n
        assert row["p95_latency_ms"] == pytest.approx(np.percentile(group["latency_ms"], 95))
        assert row["mean_cost_usd"] == pytest.approx(group["cost_usd"].mean())
    assert summary.loc["unanimous", "abstention_rate"] > 0.05
    assert summary.loc["unanimous", "accuracy_when_answered"] > summary.loc[
        "majority", "accuracy_when_answered"]
    # Every ensemble in parallel costs the sum of its members' single calls.
    singles = summary.loc[[f"single:{k}" for k in ALL], "mean_cost_usd"].sum()
    assert summary.loc["majority", "mean_cost_usd"] == pytest.approx(singles)


def test_single_model_accuracy_matches_its_profile() -> None:
    df = evaluate(ALL, "majority", "parallel", 6000, 9, include_single_models=True,
                  timeout_ms=1e9)
    summary = summarize(df).set_index("strategy")
    for key, profile in MODELS.items():
        row = summary.loc[f"single:{key}"]
        expected = profile.accuracy * (1 - profile.error_rate)
        assert row["ci_low"] - 0.015 <= expected <= row["ci_high"] + 0.015


def test_iter_evaluate_ends_with_the_full_summary() -> None:
    parts = list(iter_evaluate(ALL, VOTING_STRATEGIES, "sequential", 130, 4, batch_size=50))
    assert [p.done for p in parts] == [50, 100, 130]
    assert parts[-1].fraction == 1.0
    full = summarize(evaluate(ALL, VOTING_STRATEGIES, "sequential", 130, 4))
    pd.testing.assert_frame_equal(parts[-1].summary, full)
    assert all(p.batch_seconds > 0 for p in parts)


def test_same_seed_same_numbers_and_different_seed_different_numbers() -> None:
    for execution in EXECUTION_STRATEGIES:
        a = evaluate(ALL, VOTING_STRATEGIES, execution, 200, 21, include_single_models=True)
        b = evaluate(ALL, VOTING_STRATEGIES, execution, 200, 21, include_single_models=True)
        pd.testing.assert_frame_equal(a, b)
        c = evaluate(ALL, VOTING_STRATEGIES, execution, 200, 22, include_single_models=True)
        assert not a["latency_ms"].equals(c["latency_ms"])
    item = get_item("med-005")
    one = run_query(item, ALL, "weighted", "cascade", np.random.default_rng(5))
    two = run_query(item, ALL, "weighted", "cascade", np.random.default_rng(5))
    pd.testing.assert_frame_equal(one.responses, two.responses)
    assert one.vote == two.vote


def test_pareto_frontier_marks_undominated_strategies() -> None:
    summary = pd.DataFrame({"accuracy": [0.9, 0.95, 0.85, 0.95, 0.97],
                            "mean_cost_usd": [1.0, 2.0, 1.5, 3.0, 5.0]})
    assert pareto_frontier(summary).tolist() == [True, True, False, False, True]


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"models": []}, "models"),
    ({"models": ["gpt-5"]}, "models"),
    ({"models": ["gpt-4", "gpt-4"]}, "models"),
    ({"voting": "plurality"}, "voting"),
    ({"execution": "random"}, "execution"),
    ({"n_questions": 0}, "n_questions"),
    ({"seed": -1}, "seed"),
    ({"timeout_ms": 0.0}, "timeout_ms"),
    ({"threshold": 1.5}, "threshold"),
    ({"correlation": 1.0}, "correlation"),
])
def test_evaluate_rejects_bad_arguments(kwargs: dict[str, object], name: str) -> None:
    args: dict[str, object] = {"models": ALL, "voting": "majority", "execution": "parallel",
                               "n_questions": 10, "seed": 1}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        evaluate(**args)  # type: ignore[arg-type]


def test_stand_in_question_is_the_closest_medical_item_or_a_hashed_one() -> None:
    item = stand_in_question("Fever, a STIFF neck and a petechial   rash?")
    assert item.id == "med-001"
    assert {"petechial", "stiff", "fever"} <= set(shared_words("fever stiff petechial", item))
    bank = get_bank("medical")
    for text in ("Why does my patient have a rash?", "zzz qqq", "?!"):
        chosen = stand_in_question(text)
        assert chosen == stand_in_question(text.upper()) and chosen in bank
        overlaps = [len(shared_words(text, b)) for b in bank]
        assert len(shared_words(text, chosen)) == max(overlaps)
    # Without shared words the pick is spread over the bank by the hash.
    picked = {stand_in_question(f"xq{i}").id for i in range(200)}
    assert len(picked) > len(bank) // 2
    with pytest.raises(ValueError, match="text"):
        stand_in_question("   ")
    assert OPTION_LETTERS.startswith("ABCD")


# --- regressions: argument checks and invariants ---------------------------------------------

def test_normalized_answers_are_fixed_points_of_normalization() -> None:
    # "a) b) x" used to become "b) x", which normalized again to "x"
    assert ens.normalize_answer("a) b) x") == "x"
    assert ens.normalize_answer(ens.normalize_answer("A) B) Yes")) == "yes"
    assert ens.normalize_answer("a) a)") == "a)"


def test_bad_containers_raise_value_errors_naming_them() -> None:
    with pytest.raises(ValueError, match="responses"):
        ens.vote(None, "majority")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="models"):
        ens.default_weights("gpt-4")  # a string used to be read as a list of letters
    with pytest.raises(ValueError, match="accuracies"):
        ens.independent_majority_accuracy(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="summary"):
        ens.pareto_frontier(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(ValueError, match="df"):
        ens.paired_comparison(pd.DataFrame({"x": [1.0]}), "a", "b")
    with pytest.raises(ValueError, match="text"):
        ens.shared_words(5, get_bank("medical")[0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rng"):
        ens.run_query(get_bank("medical")[0], ["gpt-4"], "majority", "parallel",
                      3)  # type: ignore[arg-type]


def test_summary_interval_holds_the_accuracy_of_a_perfect_single_answer() -> None:
    # Wilson's upper bound for 1 of 1 at 75% used to round to 0.9999999999999999 < 1.0
    df = ens.evaluate(["gpt-4"], "majority", "parallel", 1, 0)
    row = ens.summarize(df, confidence=0.75).iloc[0]
    assert row["ci_low"] <= row["accuracy"] <= row["ci_high"]
