"""Property-based checks (hypothesis) of every public function of
``crucible_scenarios.ensemble``: random valid inputs keep the documented invariants
(probabilities in [0, 1], costs non-negative, same seed same output, agreement with
brute-force references), and invalid inputs raise ValueError naming the argument."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import special
from scipy import stats as sps

from crucible_mock import MODELS
from crucible_mock.datasets import get_bank
from crucible_scenarios import ensemble
from tests.unit.properties import exercises

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**32 - 1)
model_keys = st.sampled_from(list(MODELS))
model_subsets = st.lists(model_keys, min_size=1, max_size=5, unique=True)
probabilities = st.floats(0.0, 1.0)
bad_probabilities = st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1 + 1e-9),
                              st.just(math.nan))
bad_positive = st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf))
ascii_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)
raw_answers = st.one_of(st.none(), st.sampled_from(["A", "b", "c)", "(B) yes", "Yes", " YES ",
                                                    "no", "", "  "]),
                        st.text(max_size=12))
responses = st.lists(st.fixed_dictionaries({
    "model": model_keys, "answer": raw_answers, "confidence": probabilities,
    "error": st.one_of(st.none(), st.just("rate_limit"))}), max_size=7)
medical = get_bank("medical")
items = st.sampled_from(medical + get_bank("math"))


def _usable(rs: list[dict], options: tuple[str, ...] = ()) -> list[tuple[str, str, float]]:
    """(model, normalized answer, confidence) of the responses a vote counts."""
    out = []
    for r in rs:
        if r["answer"] is None or r["error"] is not None:
            continue
        answer = ensemble.normalize_answer(r["answer"], options)
        if answer is not None:
            out.append((r["model"], answer, r["confidence"]))
    return out


# --- normalize_answer ---------------------------------------------------------------------

@exercises(ensemble.normalize_answer)
@FAST
@given(raw=st.one_of(st.none(), st.text(max_size=20)),
       options=st.lists(st.text(max_size=10), max_size=4).map(tuple))
def test_normalized_answer_is_a_fixed_point(raw: str | None,
                                            options: tuple[str, ...]) -> None:
    once = ensemble.normalize_answer(raw, options)
    if raw is None or not raw.split():
        assert once is None
        return
    assert once is not None
    assert once in options or once == " ".join(once.split())  # options come back as written
    assert ensemble.normalize_answer(once, options) == once


@exercises(ensemble.normalize_answer)
@FAST
@given(options=st.lists(ascii_words, min_size=1, max_size=5, unique=True).map(tuple),
       data=st.data())
def test_letters_lettered_options_and_case_map_to_the_option(options: tuple[str, ...],
                                                             data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(options) - 1))
    letter = "ABCDEFGH"[i]
    option = options[i]
    assert ensemble.normalize_answer(letter, options) == option
    assert ensemble.normalize_answer(letter.lower(), options) == option
    assert ensemble.normalize_answer(f"{letter}) {option.upper()}", options) == option
    assert ensemble.normalize_answer(f"  {option.upper()}\n", options) == option


# --- vote -------------------------------------------------------------------------------

@exercises(ensemble.vote)
@FAST
@given(rs=responses, strategy=st.sampled_from(ensemble.VOTING_STRATEGIES))
def test_vote_invariants(rs: list[dict], strategy: str) -> None:
    result = ensemble.vote(rs, strategy)
    assert result == ensemble.vote(rs, strategy)
    usable = _usable(rs)
    assert result.n_votes == len(usable)
    assert 0.0 <= result.consensus <= 1.0
    assert result.abstained == (result.answer is None)
    values = list(result.tally.values())
    assert values == sorted(values, reverse=True)
    assert all(v >= 0 for v in values)
    if not usable:
        assert result.abstained and result.tally == {}
        return
    counts = Counter(a for _, a, _ in usable)
    assert set(result.tally) == set(counts)
    if strategy in ("majority", "unanimous"):
        assert result.tally == {a: float(c) for a, c in counts.items()}
    if strategy == "majority":
        top = max(counts.values())
        assert counts[result.answer] == top
        assert result.tie == (sum(c == top for c in counts.values()) > 1)
        assert result.consensus == pytest.approx(top / len(usable))
    elif strategy == "unanimous":
        assert result.abstained == (len(counts) > 1)
        assert not result.tie
    elif strategy == "best_confidence":
        best = max(c for _, _, c in usable)
        assert result.answer in {a for _, a, c in usable if c == best}
    else:
        assert result.answer is not None
        assert result.tally[result.answer] == pytest.approx(max(values))


@exercises(ensemble.vote, ensemble.default_weights)
@FAST
@given(rs=responses)
def test_weighted_tally_is_confidence_times_log_odds_weight(rs: list[dict]) -> None:
    result = ensemble.vote(rs, "weighted")
    weights = ensemble.default_weights(list(MODELS))
    expected: dict[str, float] = {}
    for model, answer, confidence in _usable(rs):
        expected[answer] = expected.get(answer, 0.0) + confidence * weights[model]
    assert result.tally.keys() == expected.keys()
    for answer, score in expected.items():
        assert result.tally[answer] == pytest.approx(score, abs=1e-12)


@exercises(ensemble.vote)
@FAST
@given(strategy=st.text(max_size=10), confidence=bad_probabilities,
       weight=st.one_of(st.floats(max_value=-1e-9), st.just(math.nan)),
       bad_responses=st.one_of(st.none(), st.integers(), st.text(min_size=1)))
def test_vote_rejects_bad_arguments(strategy: str, confidence: float, weight: float,
                                    bad_responses: object) -> None:
    ok = [{"model": "gpt-4", "answer": "yes", "confidence": 0.9}]
    assume(strategy not in ensemble.VOTING_STRATEGIES)
    with pytest.raises(ValueError, match="strategy"):
        ensemble.vote(ok, strategy)
    with pytest.raises(ValueError, match="confidence"):
        ensemble.vote([{"model": "gpt-4", "answer": "yes", "confidence": confidence}],
                      "majority")
    with pytest.raises(ValueError, match="weights"):
        ensemble.vote(ok, "weighted", weights={"gpt-4": weight})
    with pytest.raises(ValueError, match="responses"):
        ensemble.vote(bad_responses, "majority")  # type: ignore[arg-type]


# --- default_weights and cascade_order -----------------------------------------------------

@exercises(ensemble.default_weights)
@FAST
@given(models=model_subsets, unknown=st.lists(ascii_words, max_size=3))
def test_default_weights_are_non_negative_log_odds(models: list[str],
                                                   unknown: list[str]) -> None:
    unknown = [u for u in unknown if u not in MODELS]
    weights = ensemble.default_weights(models + unknown)
    assert set(weights) == set(models)
    for key in models:
        p = MODELS[key].accuracy
        assert weights[key] == pytest.approx(max(float(special.logit(p)), 0.0))
    ranked = sorted(models, key=lambda k: MODELS[k].accuracy)
    assert [weights[k] for k in ranked] == sorted(weights[k] for k in ranked)
    with pytest.raises(ValueError, match="models"):
        ensemble.default_weights(models[0])


@exercises(ensemble.cascade_order)
@FAST
@given(models=st.permutations(list(MODELS)).flatmap(
    lambda keys: st.integers(1, len(keys)).map(lambda k: keys[:k])))
def test_cascade_order_is_a_cheapest_first_permutation(models: list[str]) -> None:
    order = ensemble.cascade_order(models)
    assert sorted(order) == sorted(models)

    def expected_cost(key: str) -> float:
        p = MODELS[key]
        return (p.input_price_per_1k * 100 + p.output_price_per_1k * p.mean_output_tokens) / 1000

    costs = [expected_cost(k) for k in order]
    assert costs == sorted(costs)
    assert ensemble.cascade_order(list(reversed(models))) == order or len(set(costs)) < len(costs)


@exercises(ensemble.cascade_order)
@FAST
@given(name=ascii_words, models=model_subsets)
def test_cascade_order_rejects_bad_model_lists(name: str, models: list[str]) -> None:
    assume(name not in MODELS)
    for bad in ([], [name], [*models, models[0]], models[0]):
        with pytest.raises(ValueError, match="models"):
            ensemble.cascade_order(bad)  # type: ignore[arg-type]


# --- run_query ----------------------------------------------------------------------------

@exercises(ensemble.run_query)
@SLOW
@given(item=items, models=model_subsets, voting=st.sampled_from(ensemble.VOTING_STRATEGIES),
       execution=st.sampled_from(ensemble.EXECUTION_STRATEGIES), seed=seeds,
       timeout=st.floats(50.0, 20_000.0), threshold=probabilities)
def test_run_query_invariants(item, models: list[str], voting: str, execution: str,  # type: ignore[no-untyped-def]
                              seed: int, timeout: float, threshold: float) -> None:
    def run() -> ensemble.QueryRun:
        return ensemble.run_query(item, models, voting, execution, np.random.default_rng(seed),
                                  timeout_ms=timeout, threshold=threshold)

    out = run()
    again = run()
    pd.testing.assert_frame_equal(out.responses, again.responses)
    assert out.vote == again.vote and out.cost_usd == again.cost_usd
    r = out.responses
    m = len(models)
    assert len(r) == m and sorted(r["model"]) == sorted(models)
    assert 1 <= out.models_called <= m
    if execution == "parallel":
        assert out.models_called == m
    called = np.arange(m) < out.models_called
    assert ((r["status"] == ensemble.STATUS_NOT_CALLED) == ~called).all()
    assert (r["cost_usd"] >= 0).all() and out.cost_usd >= 0
    assert out.cost_usd == pytest.approx(r["cost_usd"].sum(), rel=1e-9, abs=1e-15)
    latency = r.loc[called, "latency_ms"]
    assert ((latency >= 0) & (latency <= timeout * (1 + 1e-12))).all()
    assert out.latency_ms >= 0
    if execution == "parallel":
        assert out.latency_ms == pytest.approx(latency.max())
    else:
        assert out.latency_ms == pytest.approx(latency.sum())
    assert (r.loc[called, "arrival_ms"] >= r.loc[called, "start_ms"]).all()
    assert out.vote.n_votes == int(r["voted"].sum())
    assert 0.0 <= out.vote.consensus <= 1.0
    assert out.correct == (out.vote.answer is not None
                           and out.vote.answer == out.correct_answer)
    assert not (r["correct"] & ~r["voted"]).any()


@exercises(ensemble.run_query)
@FAST
@given(timeout=bad_positive, threshold=bad_probabilities,
       correlation=st.one_of(st.floats(min_value=1.0), st.floats(max_value=-1e-9)),
       voting=st.text(max_size=8), seed=seeds)
def test_run_query_rejects_bad_arguments(timeout: float, threshold: float, correlation: float,
                                         voting: str, seed: int) -> None:
    item = medical[0]
    rng = np.random.default_rng(0)
    assume(voting not in ensemble.VOTING_STRATEGIES)
    cases = [
        ({"voting": voting}, "voting"), ({"timeout_ms": timeout}, "timeout_ms"),
        ({"threshold": threshold}, "threshold"), ({"correlation": correlation}, "correlation"),
        ({"execution": "eventually"}, "execution"), ({"rng": seed}, "rng"),
        ({"question": item.question}, "question"), ({"models": []}, "models"),
    ]
    for change, name in cases:
        kwargs = {"question": item, "models": ["gpt-4"], "voting": "majority",
                  "execution": "parallel", "rng": rng} | change
        with pytest.raises(ValueError, match=name):
            ensemble.run_query(**kwargs)  # type: ignore[arg-type]


# --- typed questions ------------------------------------------------------------------------

@exercises(ensemble.shared_words)
@FAST
@given(text=st.text(max_size=60), item=st.sampled_from(medical))
def test_shared_words_are_sorted_common_words(text: str, item) -> None:  # type: ignore[no-untyped-def]
    words = ensemble.shared_words(text, item)
    assert words == sorted(set(words))
    source = " ".join([item.question, *item.options]).casefold()
    for word in words:
        assert len(word) >= 4 and word.isascii() and word.isalpha()
        assert word in text.casefold() and word in source
    own = ensemble.shared_words(item.question, item)
    import re
    assert set(re.findall(r"[a-z]{4,}", item.question.casefold())) == set(own)


@exercises(ensemble.shared_words, ensemble.stand_in_question)
@FAST
@given(bad=st.one_of(st.none(), st.integers(), st.just(b"bytes")))
def test_typed_question_helpers_reject_non_text(bad: object) -> None:
    with pytest.raises(ValueError, match="text"):
        ensemble.shared_words(bad, medical[0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="text"):
        ensemble.stand_in_question(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="item"):
        ensemble.shared_words("fever", "not an item")  # type: ignore[arg-type]


@exercises(ensemble.stand_in_question, ensemble.shared_words)
@FAST
@given(text=st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]),
                    min_size=1, max_size=60))
def test_stand_in_question_is_a_deterministic_best_overlap(text: str) -> None:
    if not text.strip():
        with pytest.raises(ValueError, match="text"):
            ensemble.stand_in_question(text)
        return
    item = ensemble.stand_in_question(text)
    assert item in medical
    assert ensemble.stand_in_question(f"  {text.upper()}  ") == item
    overlaps = [len(ensemble.shared_words(text, other)) for other in medical]
    assert len(ensemble.shared_words(text, item)) == max(overlaps)


# --- batch evaluation ----------------------------------------------------------------------

@exercises(ensemble.evaluate, ensemble.single_label, ensemble.cascade_order)
@SLOW
@given(models=model_subsets, voting=st.lists(st.sampled_from(ensemble.VOTING_STRATEGIES),
                                            min_size=1, max_size=4, unique=True),
       execution=st.sampled_from(ensemble.EXECUTION_STRATEGIES), n=st.integers(1, 40),
       seed=seeds, category=st.sampled_from(["medical", "math", "general", "code"]))
def test_evaluate_rows_are_paired_and_consistent(models: list[str], voting: list[str],
                                                 execution: str, n: int, seed: int,
                                                 category: str) -> None:
    df = ensemble.evaluate(models, voting, execution, n, seed, include_single_models=True,
                           category=category)
    called = ensemble.cascade_order(models) if execution == "cascade" else models
    labels = [*voting, *(ensemble.single_label(m) for m in called)]
    assert list(pd.unique(df["strategy"])) == labels
    assert all(ensemble.single_label(m).removeprefix("single:") == m for m in models)
    ids = [g["question_id"].tolist() for _, g in df.groupby("strategy", sort=False)]
    assert all(i == ids[0] and len(i) == n for i in ids)
    assert (df["abstained"] == df["answer"].isna()).all()
    assert (df.loc[df["correct"], "answer"] == df.loc[df["correct"], "correct_answer"]).all()
    assert df["consensus"].between(0, 1).all()
    assert ((df["cost_usd"] >= 0) & (df["latency_ms"] >= 0)).all()
    assert (df["votes"] + df["failed"] + df["timed_out"] <= df["models_called"]).all()
    assert df["models_called"].between(1, len(models)).all()
    single = df[df["kind"] == "single"]
    assert (single["models_called"] == 1).all()
    strict = [g["strict_majority_right"].tolist() for _, g in df.groupby("strategy", sort=False)]
    assert all(s == strict[0] for s in strict)


@exercises(ensemble.evaluate)
@FAST
@given(n=st.one_of(st.integers(max_value=0), st.integers(min_value=ensemble.MAX_QUESTIONS + 1)),
       seed=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32)),
       timeout=bad_positive, name=ascii_words)
def test_evaluate_rejects_bad_arguments(n: int, seed: int, timeout: float, name: str) -> None:
    assume(name not in ensemble.VOTING_STRATEGIES and name not in MODELS)
    cases = [
        ({"n_questions": n}, "n_questions"), ({"seed": seed}, "seed"),
        ({"timeout_ms": timeout}, "timeout_ms"), ({"voting": name}, "voting"),
        ({"voting": []}, "voting"), ({"execution": name}, "execution"),
        ({"models": [name]}, "models"), ({"category": name}, "category"),
    ]
    for change, argument in cases:
        kwargs = {"models": ["gpt-4"], "voting": "majority", "execution": "parallel",
                  "n_questions": 3, "seed": 0} | change
        with pytest.raises(ValueError, match=argument):
            ensemble.evaluate(**kwargs)  # type: ignore[arg-type]


@exercises(ensemble.evaluate, ensemble.summarize)
@SLOW
@given(models=model_subsets, voting=st.sampled_from(ensemble.VOTING_STRATEGIES),
       execution=st.sampled_from(ensemble.EXECUTION_STRATEGIES), n=st.integers(1, 40),
       seed=seeds, confidence=st.floats(0.5, 0.999))
def test_summary_matches_the_wilson_formula_and_orders_percentiles(
        models: list[str], voting: str, execution: str, n: int, seed: int,
        confidence: float) -> None:
    df = ensemble.evaluate(models, voting, execution, n, seed, include_single_models=True)
    summary = ensemble.summarize(df, confidence=confidence)
    assert len(summary) == 1 + len(models)
    z = sps.norm.ppf(0.5 + confidence / 2)
    for row in summary.itertuples():
        p = row.correct / row.n
        center = (p + z**2 / (2 * row.n)) / (1 + z**2 / row.n)
        half = z / (1 + z**2 / row.n) * math.sqrt(p * (1 - p) / row.n + z**2 / (4 * row.n**2))
        assert row.ci_low == pytest.approx(center - half, abs=1e-9)
        assert row.ci_high == pytest.approx(center + half, abs=1e-9)
        assert 0 <= row.ci_low <= row.accuracy <= row.ci_high <= 1
        assert 0 <= row.abstention_rate <= 1 and 0 <= row.tie_rate <= 1
        assert row.p50_latency_ms <= row.p95_latency_ms
        assert row.mean_cost_usd >= 0


@exercises(ensemble.summarize)
@FAST
@given(confidence=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0),
                            st.just(math.nan)),
       drop=st.sampled_from(["strategy", "correct", "abstained", "cost_usd", "latency_ms"]))
def test_summarize_rejects_bad_arguments(confidence: float, drop: str) -> None:
    df = ensemble.evaluate(["gpt-4"], "majority", "parallel", 3, 0)
    with pytest.raises(ValueError, match="confidence"):
        ensemble.summarize(df, confidence=confidence)
    with pytest.raises(ValueError, match="df"):
        ensemble.summarize(df.drop(columns=drop))


@exercises(ensemble.pareto_frontier)
@FAST
@given(points=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1,
                       max_size=12))
def test_pareto_frontier_is_exactly_the_undominated_set(points: list[tuple[float, float]]
                                                        ) -> None:
    summary = pd.DataFrame(points, columns=["accuracy", "mean_cost_usd"])
    front = ensemble.pareto_frontier(summary)
    assert front.any()

    def dominates(p: tuple[float, float], q: tuple[float, float]) -> bool:
        return p[0] >= q[0] and p[1] <= q[1] and (p[0] > q[0] or p[1] < q[1])

    for i, q in enumerate(points):
        assert bool(front.iloc[i]) == (not any(dominates(p, q) for p in points))
    with pytest.raises(ValueError, match="summary"):
        ensemble.pareto_frontier(summary.drop(columns="accuracy"))


@exercises(ensemble.iter_evaluate, ensemble.evaluate, ensemble.summarize)
@SLOW
@given(models=model_subsets, voting=st.sampled_from(ensemble.VOTING_STRATEGIES),
       n=st.integers(1, 40), batch=st.integers(1, 50), seed=seeds)
def test_iter_evaluate_ends_at_the_full_summary(models: list[str], voting: str, n: int,
                                                batch: int, seed: int) -> None:
    parts = list(ensemble.iter_evaluate(models, voting, "sequential", n, seed,
                                        batch_size=batch))
    assert len(parts) == math.ceil(n / batch)
    assert [p.done for p in parts] == sorted({min(k * batch, n) for k in
                                              range(1, len(parts) + 1)})
    assert all(p.total == n and 0 < p.fraction <= 1 and p.batch_seconds >= 0 for p in parts)
    assert parts[-1].fraction == 1.0
    full = ensemble.summarize(ensemble.evaluate(models, voting, "sequential", n, seed))
    pd.testing.assert_frame_equal(parts[-1].summary, full)
    with pytest.raises(ValueError, match="batch_size"):
        next(ensemble.iter_evaluate(models, voting, "sequential", n, seed, batch_size=0))


# --- the Condorcet baseline -----------------------------------------------------------------

@exercises(ensemble.independent_majority_accuracy)
@FAST
@given(ps=st.lists(probabilities, min_size=1, max_size=8), bump=st.floats(0, 1),
       index=st.integers(0, 7))
def test_condorcet_matches_enumeration_and_is_monotone(ps: list[float], bump: float,
                                                       index: int) -> None:
    exact = 0.0
    for outcome in itertools.product((0, 1), repeat=len(ps)):
        if sum(outcome) > len(ps) / 2:
            exact += math.prod(p if o else 1 - p for p, o in zip(ps, outcome, strict=True))
    value = ensemble.independent_majority_accuracy(ps)
    assert value == pytest.approx(exact, abs=1e-9)
    assert ensemble.independent_majority_accuracy(list(reversed(ps))) == pytest.approx(value)
    better = list(ps)
    i = index % len(ps)
    better[i] = min(1.0, better[i] + bump)
    assert ensemble.independent_majority_accuracy(better) >= value - 1e-12


@exercises(ensemble.independent_majority_accuracy)
@FAST
@given(bad=bad_probabilities, ps=st.lists(probabilities, max_size=4))
def test_condorcet_rejects_bad_accuracies(bad: float, ps: list[float]) -> None:
    for accuracies in ([*ps, bad], [], None, "0.9"):
        with pytest.raises(ValueError, match="accuracies"):
            ensemble.independent_majority_accuracy(accuracies)  # type: ignore[arg-type]


@exercises(ensemble.effective_accuracies)
@FAST
@given(models=model_subsets, timeout=st.floats(1.0, 1e5), factor=st.floats(1.0, 10.0))
def test_effective_accuracy_is_accuracy_times_availability(models: list[str], timeout: float,
                                                           factor: float) -> None:
    untimed = ensemble.effective_accuracies(models)
    timed = ensemble.effective_accuracies(models, timeout)
    later = ensemble.effective_accuracies(models, timeout * factor)
    for key, u, t, t2 in zip(models, untimed, timed, later, strict=True):
        p = MODELS[key]
        lat = p.latency
        in_time = ((1 - lat.slow_fraction)
                   * sps.lognorm.cdf(timeout, lat.body_sigma, scale=lat.body_median_ms)
                   + lat.slow_fraction
                   * sps.lognorm.cdf(timeout, lat.tail_sigma, scale=lat.tail_median_ms))
        assert u == pytest.approx(p.accuracy * (1 - p.error_rate))
        assert t == pytest.approx(u * in_time, abs=1e-12)
        assert 0 <= t <= t2 + 1e-15 <= u + 2e-15 <= 1
    with pytest.raises(ValueError, match="timeout_ms"):
        ensemble.effective_accuracies(models, -timeout)


@exercises(ensemble.paired_comparison)
@FAST
@given(pairs=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
def test_paired_comparison_is_the_exact_binomial_on_discordant_pairs(
        pairs: list[tuple[bool, bool]]) -> None:
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    df = pd.DataFrame({"strategy": ["x"] * len(a) + ["y"] * len(b),
                       "correct": np.concatenate([a, b])})
    result = ensemble.paired_comparison(df, "x", "y")
    assert result.only_a_right == int((a & ~b).sum())
    assert result.only_b_right == int((~a & b).sum())
    discordant = result.only_a_right + result.only_b_right
    expected = (1.0 if discordant == 0
                else sps.binomtest(result.only_b_right, discordant, 0.5).pvalue)
    assert result.p_value == pytest.approx(expected, abs=1e-12)
    swapped = ensemble.paired_comparison(df, "y", "x")
    assert (swapped.only_a_right, swapped.only_b_right) == (result.only_b_right,
                                                            result.only_a_right)
    assert swapped.p_value == pytest.approx(result.p_value)
    with pytest.raises(ValueError, match="a and b"):
        ensemble.paired_comparison(df, "x", "z")
    with pytest.raises(ValueError, match="a and b"):
        ensemble.paired_comparison(df.iloc[1:], "x", "y")
    with pytest.raises(ValueError, match="df"):
        ensemble.paired_comparison(df.drop(columns="correct"), "x", "y")
