"""Mock models: accuracy, calibration, correlated errors, costs and determinism."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from crucible_mock import MODELS, ask, ask_many
from crucible_mock.datasets import get_bank, get_item, sample
from crucible_mock.pricing import PRICES
from tests.unit.normalize import canonical_choice


@pytest.fixture(scope="module")
def big_run() -> pd.DataFrame:
    rng = np.random.default_rng(2024)
    questions = sample("medical", 10_000, rng)
    return ask_many(list(MODELS), questions, rng)


def test_five_models_with_distinct_accuracies_in_range() -> None:
    assert list(MODELS) == ["gpt-4", "claude-3", "gemini-pro", "llama-3", "mixtral"]
    accuracies = [m.accuracy for m in MODELS.values()]
    assert len(set(accuracies)) == 5
    assert all(0.85 <= a <= 0.95 for a in accuracies)
    assert all(m.error_rate == pytest.approx(0.01) for m in MODELS.values())


def test_accuracy_among_answered_calls_matches_profile(big_run: pd.DataFrame) -> None:
    answered = big_run[big_run["error"].isna()]
    for key, profile in MODELS.items():
        rows = answered[answered["model"] == key]
        # 10^4 draws; the shared question effect widens the spread beyond binomial.
        assert rows["correct"].mean() == pytest.approx(profile.accuracy, abs=0.015)


def test_error_rate_is_one_percent_and_failed_calls_have_no_answer(big_run: pd.DataFrame) -> None:
    failed = big_run["error"].notna()
    assert failed.mean() == pytest.approx(0.01, abs=0.002)
    assert big_run.loc[failed, "answer"].isna().all()
    assert not big_run.loc[failed, "correct"].any()
    assert (big_run.loc[failed, "cost_usd"] == 0).all()


def test_confidence_is_informative_but_not_a_perfect_separator(big_run: pd.DataFrame) -> None:
    answered = big_run[big_run["error"].isna()]
    assert answered["confidence"].between(0, 1).all()
    right = answered.loc[answered["correct"], "confidence"]
    wrong = answered.loc[~answered["correct"], "confidence"]
    assert right.mean() > wrong.mean() + 0.15
    assert (wrong > 0.8).mean() > 0.05  # confidently wrong answers exist
    assert (right < 0.5).mean() > 0.0


def test_errors_are_correlated_pairwise_disagreement_about_15_percent(
        big_run: pd.DataFrame) -> None:
    choices = np.array([
        canonical_choice(get_item(q), a) for q, a in
        zip(big_run["question_id"], big_run["answer"], strict=True)], dtype=object)
    grid = choices.reshape(-1, len(MODELS))
    correct = big_run["correct"].to_numpy().reshape(-1, len(MODELS))
    disagreement = [np.mean(grid[:, i] != grid[:, j])
                    for i, j in itertools.combinations(range(len(MODELS)), 2)]
    assert 0.10 <= float(np.mean(disagreement)) <= 0.20
    # Correlation: both wrong more often than independence predicts.
    both_wrong = np.mean(~correct[:, 0] & ~correct[:, 4])
    assert both_wrong > 2 * np.mean(~correct[:, 0]) * np.mean(~correct[:, 4])


def test_independent_mode_removes_the_correlation() -> None:
    rng = np.random.default_rng(5)
    run = ask_many(list(MODELS), sample("medical", 10_000, rng), rng, correlation=0.0)
    answered = run["error"].isna().to_numpy().reshape(-1, 5)
    wrong = ~run["correct"].to_numpy().reshape(-1, 5) & answered
    joint = np.mean(wrong[:, 0] & wrong[:, 4])
    assert joint == pytest.approx(np.mean(wrong[:, 0]) * np.mean(wrong[:, 4]), abs=0.002)


def test_wrong_answers_are_distractors_of_the_question(big_run: pd.DataFrame) -> None:
    wrong = big_run[big_run["error"].isna() & ~big_run["correct"]].head(500)
    for question_id, answer in zip(wrong["question_id"], wrong["answer"], strict=True):
        item = get_item(question_id)
        choice = canonical_choice(item, answer)
        assert choice in item.distractors


def test_correct_answers_name_the_right_option(big_run: pd.DataFrame) -> None:
    right = big_run[big_run["correct"]].head(500)
    for question_id, answer in zip(right["question_id"], right["answer"], strict=True):
        assert canonical_choice(get_item(question_id), answer) == get_item(question_id).answer


def test_cost_is_tokens_times_price() -> None:
    rng = np.random.default_rng(9)
    run = ask_many(list(MODELS), sample("math", 50, rng), rng)
    answered = run[run["error"].isna()]
    price_in = answered["model"].map(lambda m: PRICES[m].input_per_1k)
    price_out = answered["model"].map(lambda m: PRICES[m].output_per_1k)
    expected = answered["tokens_in"] / 1000 * price_in + answered["tokens_out"] / 1000 * price_out
    assert np.allclose(answered["cost_usd"], expected)
    assert (answered["tokens_out"] > 0).all()


def test_same_seed_same_output_bit_for_bit() -> None:
    def run(seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        return ask_many(list(MODELS), sample("general", 40, rng), rng)

    pd.testing.assert_frame_equal(run(3), run(3))
    assert not run(3).equals(run(4))


def test_ask_returns_one_response_consistent_with_ask_many() -> None:
    item = get_bank("medical")[0]
    single = ask("gpt-4", item, np.random.default_rng(1))
    batch = ask_many(["gpt-4"], [item], np.random.default_rng(1)).iloc[0]
    assert single.answer == batch["answer"]
    assert single.latency_ms == batch["latency_ms"]
    assert 0 <= single.confidence <= 1


def test_custom_profile_and_bad_arguments() -> None:
    better = MODELS["mixtral"].with_changes(accuracy=0.99, key="mixtral-tuned")
    rng = np.random.default_rng(0)
    run = ask_many([better], sample("math", 120, rng), rng)
    assert run["correct"].mean() > 0.93
    with pytest.raises(ValueError, match="accuracy"):
        MODELS["gpt-4"].with_changes(accuracy=1.5)
    with pytest.raises(ValueError, match="unknown model"):
        ask_many(["gpt-5"], get_bank("code")[:1], rng)
    with pytest.raises(ValueError, match="correlation"):
        ask_many(["gpt-4"], get_bank("code")[:1], rng, correlation=1.0)
    assert ask_many([], get_bank("code"), rng).empty
