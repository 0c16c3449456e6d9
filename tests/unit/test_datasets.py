"""Question banks: sizes, fields, computed answers and sampling."""

from __future__ import annotations

import re

import numpy as np
import pytest

from crucible_mock.datasets import CATEGORIES, get_bank, get_item, sample

MINIMUM = {"medical": 20, "math": 100, "general": 20, "code": 5}


@pytest.mark.parametrize("category", CATEGORIES)
def test_bank_sizes_and_fields(category: str) -> None:
    bank = get_bank(category)
    assert len(bank) >= MINIMUM[category]
    assert len({item.id for item in bank}) == len(bank)
    for item in bank:
        assert item.category == category
        assert item.question and item.answer
        assert 0 < item.difficulty < 1
        assert item.answer not in item.distractors
        assert len(item.distractors) >= 2
        if item.options:
            assert item.answer in item.options
            assert set(item.distractors) <= set(item.options)


@pytest.mark.parametrize("category", CATEGORIES)
def test_difficulties_are_an_even_quantile_grid(category: str) -> None:
    values = sorted(item.difficulty for item in get_bank(category))
    n = len(values)
    assert values == pytest.approx([(i + 0.5) / n for i in range(n)])


def _numbers(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", text)]


def test_math_answers_rederived_from_the_question_text() -> None:
    """Re-solve each template from the numbers in its text, independently of the bank."""
    checked = 0
    for item in get_bank("math"):
        q, n = item.question, _numbers(item.question)
        if "notebooks" in q:
            a, p, b, c, bill = n
            expected = bill - (a * p + b * c)
        elif "km/h" in q:
            v, t1, w, t2 = n
            expected = v * t1 + w * t2
        elif "discount" in q:
            price, pct, coupon = n
            expected = price * (100 - pct) // 100 - coupon
        elif "workers" in q:
            workers, days, other = n
            expected = workers * days // other
        elif "times as old" in q:
            k, years, total = n
            expected = k * (total - 2 * years) // (k + 1)
        elif "cookies" in q:
            cookies, sold, eaten = n
            expected = cookies // 2 - sold - eaten
        elif "saves" in q:
            weekly, weeks, spend, goal = n
            expected = (goal - (weekly * weeks - spend)) // weekly
        elif "Tiles" in q:
            length, width, cost = n
            expected = length * width * cost
        elif "tests" in q:
            s1, s2, s3, target = n
            expected = 4 * target - (s1 + s2 + s3)
        elif "cows" in q:
            cows, litres, price, days = n
            expected = cows * litres * price * days
        else:
            raise AssertionError(f"unknown template: {q}")
        assert item.answer == str(expected), q
        checked += 1
    assert checked >= 100


def test_code_answers_rederived_by_running_the_snippets() -> None:
    expected = {
        "code-001": sum(i * i for i in range(6)),
        "code-002": len(set("reliability")),
        "code-003": int("101101", 2),
        "code-004": len(list(range(3, 40, 4))),
        "code-005": 144,  # Fibonacci F(12), from the published sequence
        "code-006": 7,
    }
    for item_id, value in expected.items():
        assert get_item(item_id).answer == str(value)


def test_sample_without_then_with_replacement() -> None:
    rng = np.random.default_rng(1)
    few = sample("medical", 10, rng)
    assert len({item.id for item in few}) == 10
    many = sample("medical", 100, rng)
    assert len(many) == 100
    a = [i.id for i in sample("math", 30, np.random.default_rng(5))]
    b = [i.id for i in sample("math", 30, np.random.default_rng(5))]
    assert a == b


def test_unknown_category_and_id_raise() -> None:
    with pytest.raises(ValueError, match="unknown category"):
        get_bank("poetry")
    with pytest.raises(ValueError, match="no question"):
        get_item("med-999")
    with pytest.raises(ValueError, match="non-negative"):
        sample("math", -1, np.random.default_rng(0))
