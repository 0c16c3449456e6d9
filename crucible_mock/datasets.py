"""Question banks the mock models answer: medical diagnosis, GSM8K-style math,
MMLU-style general knowledge and code-reading prompts.

Math and code answers are computed from their templates, never typed. Every item has a
``difficulty`` in (0, 1): its quantile within its bank, ordered by a hardness score
(hand-rated for the written banks, number of reasoning steps and size of the numbers for
the generated ones). The mock models read it as a shared latent difficulty, which is what
makes their errors correlated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from crucible_mock._general_bank import GENERAL_BANK
from crucible_mock._medical_bank import MEDICAL_BANK

CATEGORIES: tuple[str, ...] = ("medical", "math", "general", "code")
OPTION_LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class QuestionItem:
    """One question. ``options`` is empty for open-answer items (math, code).

    ``distractors`` are plausible wrong answers, most tempting first (for multiple choice,
    the other options); ``solution_steps`` is the reasoning that leads to ``answer``.
    """

    id: str
    category: str
    question: str
    options: tuple[str, ...]
    answer: str
    difficulty: float
    distractors: tuple[str, ...]
    solution_steps: tuple[str, ...] = ()

    def option_letter(self, option: str) -> str:
        """The letter ("A", "B", ...) of ``option`` in this item's options."""
        return OPTION_LETTERS[self.options.index(option)]

    @property
    def is_multiple_choice(self) -> bool:
        """True when the item offers options to choose from."""
        return len(self.options) > 0


def _rank_difficulty(hardness: list[float]) -> list[float]:
    """Map hardness scores to quantiles (rank + 0.5) / n, ties kept in bank order."""
    order = sorted(range(len(hardness)), key=lambda i: (hardness[i], i))
    difficulty = [0.0] * len(hardness)
    for rank, index in enumerate(order):
        difficulty[index] = (rank + 0.5) / len(hardness)
    return difficulty


def _shuffled_options(answer: str, distractors: tuple[str, ...], key: int) -> tuple[str, ...]:
    """Options in a fixed, item-specific order so the answer is not always first."""
    options = [answer, *distractors]
    order = np.random.default_rng(key).permutation(len(options))
    return tuple(options[i] for i in order)


def _multiple_choice_bank(
    category: str, prefix: str, rows: list[tuple[int, str, str, tuple[str, ...], tuple[str, ...]]]
) -> tuple[QuestionItem, ...]:
    difficulty = _rank_difficulty([float(row[0]) for row in rows])
    return tuple(
        QuestionItem(
            id=f"{prefix}-{i + 1:03d}",
            category=category,
            question=question,
            options=_shuffled_options(answer, distractors, key=1000 + i),
            answer=answer,
            difficulty=difficulty[i],
            distractors=distractors,
            solution_steps=steps,
        )
        for i, (_hard, question, answer, distractors, steps) in enumerate(rows)
    )


# --- GSM8K-style math, generated from templates ---------------------------------------

_NAMES = ("Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jade")
MathProblem = tuple[str, int, tuple[str, ...], tuple[int, ...]]


def _shopping(r: np.random.Generator, name: str) -> MathProblem:
    a, p, b, q = (int(r.integers(2, 9)), int(r.integers(2, 7)), int(r.integers(2, 9)),
                  int(r.integers(1, 4)))
    total = a * p + b * q
    bill = int(np.ceil((total + 1) / 10) * 10) + 10 * int(r.integers(0, 3))
    return (f"{name} buys {a} notebooks at ${p} each and {b} pens at ${q} each, and pays "
            f"with a ${bill} bill. How many dollars of change does {name} get?",
            bill - total,
            (f"Notebooks cost {a} x {p} = {a * p}.", f"Pens cost {b} x {q} = {b * q}.",
             f"The total is {a * p} + {b * q} = {total}.",
             f"The change is {bill} - {total} = {bill - total}."),
            (total, bill - a * p, bill - b * q))


def _train(r: np.random.Generator, name: str) -> MathProblem:
    v, t1, w, t2 = (int(r.integers(4, 13)) * 10, int(r.integers(1, 5)),
                    int(r.integers(4, 13)) * 10, int(r.integers(1, 5)))
    return (f"{name}'s train travels at {v} km/h for {t1} hours, then at {w} km/h for {t2} "
            f"hours. How many kilometres does it travel in total?",
            v * t1 + w * t2,
            (f"The first leg is {v} x {t1} = {v * t1} km.",
             f"The second leg is {w} x {t2} = {w * t2} km.",
             f"In total {v * t1} + {w * t2} = {v * t1 + w * t2} km."),
            (v * (t1 + t2), w * (t1 + t2), v * t1))


def _discount(r: np.random.Generator, name: str) -> MathProblem:
    price, pct, coupon = int(r.integers(3, 16)) * 20, int(r.integers(1, 8)) * 5, int(
        r.integers(1, 6)) * 2
    discounted = price * (100 - pct) // 100
    return (f"A jacket costs ${price}. {name} gets a {pct}% discount and then uses a "
            f"${coupon} coupon. What is the final price in dollars?",
            discounted - coupon,
            (f"The discount is {pct}% of {price} = {price * pct // 100}.",
             f"After it the price is {price} - {price * pct // 100} = {discounted}.",
             f"The coupon leaves {discounted} - {coupon} = {discounted - coupon}."),
            (price - pct - coupon, discounted, price - coupon))


def _workers(r: np.random.Generator, name: str) -> MathProblem:
    m, answer = int(r.integers(2, 9)), int(r.integers(2, 10))
    work = m * answer
    divisors = [k for k in range(2, 13) if work % k == 0 and k != m]
    n = divisors[int(r.integers(0, len(divisors)))] if divisors else 1
    days = work // n
    return (f"{n} workers paint {name}'s fence in {days} days. Working at the same rate, "
            f"how many days would {m} workers take?",
            answer,
            (f"The job takes {n} x {days} = {work} worker-days.",
             f"With {m} workers it takes {work} / {m} = {answer} days."),
            (m * days // n if (m * days) % n == 0 else days + m, days, work))


def _ages(r: np.random.Generator, name: str) -> MathProblem:
    son, k, years = int(r.integers(3, 15)), int(r.integers(2, 6)), int(r.integers(2, 11))
    parent = k * son
    total = parent + son + 2 * years
    return (f"{name} is {k} times as old as her son. In {years} years the sum of their ages "
            f"will be {total}. How old is {name} now?",
            parent,
            (f"Now their ages sum to {total} - 2 x {years} = {total - 2 * years}.",
             f"That is {k + 1} times the son's age, so he is {son}.",
             f"{name} is {k} x {son} = {parent}."),
            (son, parent + years, (total - years) * k // (k + 1)))


def _bakery(r: np.random.Generator, name: str) -> MathProblem:
    n = int(r.integers(10, 40)) * 4
    m, e = int(r.integers(3, n // 4)), int(r.integers(1, 6))
    left = n // 2 - m - e
    return (f"{name} bakes {n} cookies, sells half of them in the morning and {m} in the "
            f"afternoon, and eats {e}. How many cookies are left?",
            left,
            (f"Half of {n} is {n // 2}, sold in the morning.",
             f"{n // 2} - {m} = {n // 2 - m} after the afternoon.",
             f"{n // 2 - m} - {e} = {left} after eating."),
            (n - m - e, n // 2 - m, left + 2 * e))


def _savings(r: np.random.Generator, name: str) -> MathProblem:
    w, weeks, spend = int(r.integers(2, 9)) * 5, int(r.integers(4, 13)), int(
        r.integers(2, 10)) * 5
    more = int(r.integers(2, 12))
    saved = w * weeks - spend
    goal = saved + more * w
    return (f"{name} saves ${w} a week. After {weeks} weeks {name} spends ${spend} on a bike. "
            f"How many more weeks until {name} has ${goal}?",
            more,
            (f"Savings reach {w} x {weeks} = {w * weeks}.",
             f"After the bike {w * weeks} - {spend} = {saved} remain.",
             f"{goal} - {saved} = {goal - saved} more is needed.",
             f"At {w} a week that takes {goal - saved} / {w} = {more} weeks."),
            (goal // w, more + weeks, (goal - w * weeks) // w if goal > w * weeks else more + 1))


def _tiles(r: np.random.Generator, name: str) -> MathProblem:
    length, width, cost = int(r.integers(3, 13)), int(r.integers(2, 10)), int(r.integers(4, 30))
    area = length * width
    return (f"{name}'s room is {length} m by {width} m. Tiles cost ${cost} per square metre. "
            f"How many dollars does tiling the floor cost?",
            area * cost,
            (f"The floor is {length} x {width} = {area} square metres.",
             f"Tiling costs {area} x {cost} = {area * cost}."),
            (2 * (length + width) * cost, area, (length + width) * cost))


def _average(r: np.random.Generator, name: str) -> MathProblem:
    scores = [int(s) for s in r.integers(60, 96, size=3)]
    target = int(r.integers(max(70, (sum(scores) + 40) // 4 + 1), 95))
    needed = 4 * target - sum(scores)
    return (f"{name} scored {scores[0]}, {scores[1]} and {scores[2]} on three tests. What "
            f"score on the fourth test gives an average of {target}?",
            needed,
            (f"Four tests averaging {target} total 4 x {target} = {4 * target}.",
             f"The first three total {sum(scores)}.",
             f"The fourth needs {4 * target} - {sum(scores)} = {needed}."),
            (3 * target - sum(scores) + target - 1, target, 4 * target - sum(scores[:2])))


def _farm(r: np.random.Generator, name: str) -> MathProblem:
    cows, litres, price, days = (int(r.integers(3, 15)), int(r.integers(5, 21)),
                                 int(r.integers(1, 4)), 7)
    daily = cows * litres
    return (f"{name} has {cows} cows and each gives {litres} litres of milk a day. Milk sells "
            f"for ${price} a litre. How many dollars does {name} earn in a {days}-day week?",
            daily * price * days,
            (f"The herd gives {cows} x {litres} = {daily} litres a day.",
             f"A day's milk earns {daily} x {price} = {daily * price}.",
             f"A week earns {daily * price} x {days} = {daily * price * days}."),
            (daily * price, daily * days, cows * litres * days))


_MATH_TEMPLATES: tuple[Callable[[np.random.Generator, str], MathProblem], ...] = (
    _shopping, _train, _discount, _workers, _ages, _bakery, _savings, _tiles, _average, _farm,
)
MATH_BANK_SIZE = 120
_MATH_SEED = 8_500_000  # fixed: the bank is part of the world, not of a run


def _math_bank() -> tuple[QuestionItem, ...]:
    rng = np.random.default_rng(_MATH_SEED)
    rows: list[MathProblem] = []
    while len(rows) < MATH_BANK_SIZE:
        template = _MATH_TEMPLATES[len(rows) % len(_MATH_TEMPLATES)]
        question, answer, steps, wrong = template(rng, _NAMES[len(rows) % len(_NAMES)])
        if answer <= 0:
            continue
        rows.append((question, answer, steps, wrong))
    hardness = [len(steps) + np.log10(abs(answer) + 1) for _q, answer, steps, _w in rows]
    difficulty = _rank_difficulty(hardness)
    items = []
    for i, (question, answer, steps, wrong) in enumerate(rows):
        distractors = tuple(dict.fromkeys(str(w) for w in wrong if w != answer and w > 0))
        if len(distractors) < 2:
            distractors = (*distractors, str(answer + 1), str(answer - 1 if answer > 1 else 2))
            distractors = tuple(dict.fromkeys(d for d in distractors if d != str(answer)))
        items.append(QuestionItem(
            id=f"math-{i + 1:03d}", category="math", question=question, options=(),
            answer=str(answer), difficulty=difficulty[i], distractors=distractors,
            solution_steps=steps))
    return tuple(items)


# --- code reading, answers computed by running the snippet's logic ---------------------

def _code_bank() -> tuple[QuestionItem, ...]:
    def fib(n: int) -> int:
        a, b = 0, 1
        for _ in range(n):
            a, b = b, a + b
        return a

    word = "reliability"
    specs: list[tuple[int, str, int | str, tuple[int | str, ...], tuple[str, ...]]] = [
        (1, "What does `sum(i * i for i in range(6))` return?",
         sum(i * i for i in range(6)), (sum(i * i for i in range(7)), sum(range(6))),
         ("range(6) is 0..5.", "The squares 0, 1, 4, 9, 16, 25 sum to 55.")),
        (2, f"What does `len(set('{word}'))` return?", len(set(word)),
         (len(word), len(set(word)) + 1),
         (f"'{word}' has {len(word)} letters.",
          f"Its distinct letters number {len(set(word))}.")),
        (2, "What does `int('101101', 2)` return?", int("101101", 2),
         (101101, int("101101", 2) - 1),
         ("Binary 101101 is 32 + 8 + 4 + 1.", "That is 45.")),
        (3, "How many times does the body of `for i in range(3, 40, 4):` run?",
         len(range(3, 40, 4)), (len(range(3, 40, 4)) + 1, 37 // 4),
         ("The values are 3, 7, ..., 39.", f"That is {len(range(3, 40, 4))} values.")),
        (4, "With `def f(n): a, b = 0, 1` then `for _ in range(n): a, b = b, a + b` and "
            "`return a`, what is `f(12)`?", fib(12), (fib(11), fib(13)),
         ("f computes Fibonacci numbers with f(0) = 0 and f(1) = 1.",
          f"f(12) = {fib(12)}.")),
        (5, "What does `sorted([5, 3, 9, 1, 7], key=lambda x: -x)[1]` return?",
         sorted([5, 3, 9, 1, 7], key=lambda x: -x)[1],
         (sorted([5, 3, 9, 1, 7])[1], sorted([5, 3, 9, 1, 7], key=lambda x: -x)[0]),
         ("The key sorts in descending order: 9, 7, 5, 3, 1.", "Index 1 holds 7.")),
    ]
    difficulty = _rank_difficulty([float(s[0]) for s in specs])
    return tuple(
        QuestionItem(
            id=f"code-{i + 1:03d}", category="code", question=question, options=(),
            answer=str(answer), difficulty=difficulty[i],
            distractors=tuple(str(w) for w in wrong if w != answer), solution_steps=steps)
        for i, (_hard, question, answer, wrong, steps) in enumerate(specs)
    )


@cache
def get_bank(category: str) -> tuple[QuestionItem, ...]:
    """Every item of one category ("medical", "math", "general" or "code")."""
    if category == "medical":
        return _multiple_choice_bank("medical", "med", list(MEDICAL_BANK))
    if category == "general":
        return _multiple_choice_bank(
            "general", "gen", [(h, q, a, d, ()) for h, q, a, d in GENERAL_BANK])
    if category == "math":
        return _math_bank()
    if category == "code":
        return _code_bank()
    raise ValueError(f"unknown category {category!r}; choose one of {list(CATEGORIES)}")


def get_item(item_id: str) -> QuestionItem:
    """The item with id ``item_id`` (e.g. "med-003"), from any bank."""
    for category in CATEGORIES:
        for item in get_bank(category):
            if item.id == item_id:
                return item
    raise ValueError(f"no question with id {item_id!r}")


def sample(category: str, n: int, rng: np.random.Generator) -> list[QuestionItem]:
    """``n`` items of ``category`` drawn uniformly: without replacement while ``n`` fits in
    the bank, with replacement beyond it."""
    bank = get_bank(category)
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    indices = rng.choice(len(bank), size=n, replace=n > len(bank))
    return [bank[int(i)] for i in indices]
