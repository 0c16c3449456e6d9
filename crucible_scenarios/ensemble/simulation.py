"""The mock models' ensemble runs: each model answers (in parallel, one after another with
early stopping, or cheapest first as a cascade), the vote decides, and the batch is
summarised with Wilson score intervals (Wilson 1927), the accuracy-cost Pareto frontier,
the Condorcet jury figure for independent voters (Poisson-binomial) and paired
comparisons of two strategies."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from crucible_mock.datasets import QuestionItem, get_bank, sample
from crucible_mock.models import MODEL_ERROR_CORRELATION, MODELS, ModelProfile, ask_many
from crucible_scenarios.ensemble.voting import (
    VOTING_STRATEGIES,
    Decision,
    Vote,
    decide,
    normalize_answer,
    vote,
    weight_vector,
)
from crucible_scenarios.validation import make_rng, require_choice, require_float, require_int

EXECUTION_STRATEGIES: tuple[str, ...] = ("parallel", "sequential", "cascade")

DEFAULT_TIMEOUT_MS = 8000.0
DEFAULT_THRESHOLD = 0.85
MAX_QUESTIONS = 20_000
#: Typed questions longer than this are cut (the mock reads only the stand-in anyway).
MAX_QUESTION_CHARS = 2000
#: Prompt length assumed when ranking models by expected cost for the cascade.
_RANKING_TOKENS_IN = 100.0

STATUS_ANSWERED = "answered"
STATUS_TIMEOUT = "timed out"
STATUS_ERROR_PREFIX = "error: "
STATUS_NOT_CALLED = "not called"


# --- execution over a batch of questions ----------------------------------------------

@dataclass(frozen=True)
class _Batch:
    """Responses of m models (columns, in call order) to n questions (rows)."""

    keys: tuple[str, ...]
    items: tuple[QuestionItem, ...]
    frame: pd.DataFrame      # ask_many output, rows in (question, model) order
    codes: np.ndarray        # normalized answer codes, -1 for no answer
    uniques: np.ndarray      # code -> normalized answer text
    truth: np.ndarray        # (n,) code of the correct answer
    conf: np.ndarray
    latency: np.ndarray
    cost: np.ndarray
    failed: np.ndarray
    timed_out: np.ndarray
    correct: np.ndarray      # (n, m) the response is right and arrived in time


def _call_order(profiles: Sequence[ModelProfile], execution: str) -> list[int]:
    if execution != "cascade":
        return list(range(len(profiles)))
    expected = [p.input_price_per_1k * _RANKING_TOKENS_IN / 1000
                + p.output_price_per_1k * p.mean_output_tokens / 1000 for p in profiles]
    return sorted(range(len(profiles)), key=lambda i: (expected[i], i))


def cascade_order(models: Sequence[str]) -> list[str]:
    """The models ordered cheapest first by expected cost per call (the cascade's order)."""
    profiles = _profiles(models)
    return [profiles[i].key for i in _call_order(profiles, "cascade")]


def _profiles(models: Sequence[str | ModelProfile]) -> list[ModelProfile]:
    if isinstance(models, str) or not isinstance(models, Sequence):
        raise ValueError(f"models must be a list of model keys, got {models!r}")
    if len(models) == 0:
        raise ValueError("models must name at least one model")
    profiles = []
    for model in models:
        if isinstance(model, ModelProfile):
            profiles.append(model)
        elif model in MODELS:
            profiles.append(MODELS[model])
        else:
            raise ValueError(f"models: unknown model {model!r}; choose from {list(MODELS)}")
    keys = [p.key for p in profiles]
    if len(set(keys)) != len(keys):
        raise ValueError(f"models must not repeat a model, got {keys}")
    return profiles


def _simulate(profiles: Sequence[ModelProfile], items: Sequence[QuestionItem],
              rng: np.random.Generator, execution: str, timeout_ms: float,
              correlation: float) -> _Batch:
    order = _call_order(profiles, execution)
    ordered = [profiles[i] for i in order]
    frame = ask_many(ordered, items, rng, correlation=correlation)
    n, m = len(items), len(ordered)
    options = [it.options for it in items for _ in range(m)]
    normalized = [normalize_answer(a, o) for a, o in zip(frame["answer"], options, strict=True)]
    truths = [normalize_answer(it.answer, it.options) for it in items]
    codes_all, uniques = pd.factorize(pd.Series(normalized + truths, dtype=object),
                                      use_na_sentinel=True)
    codes = codes_all[: n * m].reshape(n, m)
    truth = codes_all[n * m:]
    latency = frame["latency_ms"].to_numpy(float).reshape(n, m)
    failed = frame["error"].notna().to_numpy().reshape(n, m)
    timed_out = (latency > timeout_ms) & ~failed
    in_time = ~failed & ~timed_out
    return _Batch(
        keys=tuple(p.key for p in ordered), items=tuple(items), frame=frame, codes=codes,
        uniques=np.asarray(uniques, dtype=object), truth=truth,
        conf=frame["confidence"].to_numpy(float).reshape(n, m), latency=latency,
        cost=frame["cost_usd"].to_numpy(float).reshape(n, m), failed=failed,
        timed_out=timed_out, correct=in_time & (codes == truth[:, None]),
    )


@dataclass(frozen=True)
class _Outcome:
    decision: Decision
    called: np.ndarray      # (n,) number of models called (a prefix of the call order)
    latency: np.ndarray
    cost: np.ndarray


def _execute(batch: _Batch, voting: str, execution: str, weight: np.ndarray,
             timeout_ms: float, threshold: float) -> _Outcome:
    n, m = batch.codes.shape
    valid_all = ~batch.failed & ~batch.timed_out & (batch.codes >= 0)
    wait = np.minimum(batch.latency, timeout_ms)  # an overdue call is abandoned at timeout
    if execution == "parallel":
        decision = decide(batch.codes, batch.conf, weight, valid_all, voting)
        return _Outcome(decision, np.full(n, m), wait.max(axis=1), batch.cost.sum(axis=1))

    columns = np.arange(m)
    stopped = np.zeros(n, dtype=bool)
    called = np.full(n, m)
    chosen: Decision | None = None
    winner = np.full(n, -1)
    answered = np.zeros(n, dtype=bool)
    consensus = np.zeros(n)
    tie = np.zeros(n, dtype=bool)
    for k in range(1, m + 1):
        valid = valid_all & (columns[None, :] < k)
        d = decide(batch.codes, batch.conf, weight, valid, voting)
        if chosen is None:
            chosen = d
        remaining = m - k
        has = valid.sum(axis=1) > 0
        if k == m:
            done = np.ones(n, dtype=bool)
        elif execution == "sequential":
            if voting == "majority":
                done = has & (d.margin > remaining)
            elif voting == "weighted":
                done = has & (d.margin > weight[k:].sum() + 1e-12)
            elif voting == "unanimous":
                done = has & ~d.answered
            else:  # best_confidence: an unasked model could always be more confident
                done = np.zeros(n, dtype=bool)
        else:  # cascade
            rows = np.arange(n)
            backing = d.support_conf[rows, np.maximum(d.winner, 0)]
            done = has & (backing >= threshold)
        new = done & ~stopped
        winner = np.where(new, d.winner, winner)
        answered = np.where(new, d.answered, answered)
        consensus = np.where(new, d.consensus, consensus)
        tie = np.where(new, d.tie, tie)
        called = np.where(new, k, called)
        stopped |= done
    assert chosen is not None
    used = columns[None, :] < called[:, None]
    final = Decision(winner=winner, answered=answered, consensus=consensus, tie=tie,
                      margin=chosen.margin, count=chosen.count, score=chosen.score,
                      support_conf=chosen.support_conf)
    return _Outcome(final, called, np.where(used, wait, 0.0).sum(axis=1),
                    np.where(used, batch.cost, 0.0).sum(axis=1))


def _check_common(execution: str, timeout_ms: float, threshold: float,
                  correlation: float) -> tuple[str, float, float, float]:
    return (require_choice("execution", execution, EXECUTION_STRATEGIES),
            require_float("timeout_ms", timeout_ms, low=0.0, low_open=True),
            require_float("threshold", threshold, low=0.0, high=1.0),
            require_float("correlation", correlation, low=0.0, high=1.0, high_open=True))


# --- one query --------------------------------------------------------------------------

@dataclass(frozen=True)
class QueryRun:
    """One question put to the ensemble.

    ``responses`` has one row per selected model in call order: model, display_name,
    raw answer, normalized answer, correct, confidence, latency_ms (time the call took,
    capped at the timeout), start_ms and arrival_ms on the query's clock, cost_usd
    (billed; an overdue call is billed, a failed one is not), status ("answered",
    "timed out" for a call slower than the timeout, "error: <kind>" for a failed call,
    or "not called") and voted (the response counted).
    """

    question: QuestionItem
    voting: str
    execution: str
    vote: Vote
    responses: pd.DataFrame = field(repr=False)
    correct_answer: str
    latency_ms: float
    cost_usd: float
    models_called: int

    @property
    def correct(self) -> bool:
        """True when the ensemble's answer is the answer key (False for an abstention)."""
        return self.vote.answer is not None and self.vote.answer == self.correct_answer


def run_query(question: QuestionItem, models: Sequence[str | ModelProfile], voting: str,
              execution: str, rng: np.random.Generator, *,
              timeout_ms: float = DEFAULT_TIMEOUT_MS, threshold: float = DEFAULT_THRESHOLD,
              weights: Mapping[str, float] | None = None,
              correlation: float = MODEL_ERROR_CORRELATION) -> QueryRun:
    """Ask the ensemble one question: every called model's response and arrival time,
    the vote, the total cost and the latency the user waits (same engine as
    :func:`evaluate`, on a batch of one)."""
    voting = require_choice("voting", voting, VOTING_STRATEGIES)
    execution, timeout_ms, threshold, correlation = _check_common(
        execution, timeout_ms, threshold, correlation)
    if not isinstance(question, QuestionItem):
        raise ValueError(f"question must be a QuestionItem, got {type(question).__name__}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    profiles = _profiles(models)
    batch = _simulate(profiles, [question], rng, execution, timeout_ms, correlation)
    weight = weight_vector(batch.keys, weights)
    outcome = _execute(batch, voting, execution, weight, timeout_ms, threshold)
    m = len(batch.keys)
    called = int(outcome.called[0])
    wait = np.minimum(batch.latency[0], timeout_ms)
    if execution == "parallel":
        start = np.zeros(m)
    else:
        start = np.concatenate([[0.0], np.cumsum(wait)[:-1]])
    frame = batch.frame
    status = []
    for j in range(m):
        if j >= called:
            status.append(STATUS_NOT_CALLED)
        elif batch.failed[0, j]:
            status.append(STATUS_ERROR_PREFIX + str(frame["error"].iloc[j]))
        elif batch.timed_out[0, j]:
            status.append(STATUS_TIMEOUT)
        else:
            status.append(STATUS_ANSWERED)
    is_called = np.arange(m) < called
    voted = np.array([s == STATUS_ANSWERED for s in status])
    normalized = [str(batch.uniques[c]) if c >= 0 and voted[j] else None
                  for j, c in enumerate(batch.codes[0])]
    display = {p.key: p.display_name for p in profiles}
    responses = pd.DataFrame({
        "model": list(batch.keys),
        "display_name": [display[k] for k in batch.keys],
        "answer": [a if v else None for a, v in zip(frame["answer"], voted, strict=True)],
        "normalized": normalized,
        "correct": batch.correct[0] & voted,
        "confidence": np.where(voted, batch.conf[0], np.nan),
        "latency_ms": np.where(is_called, wait, np.nan),
        "start_ms": np.where(is_called, start, np.nan),
        "arrival_ms": np.where(is_called, start + wait, np.nan),
        "cost_usd": np.where(is_called, batch.cost[0], 0.0),
        "status": status,
        "voted": voted,
    })
    ballots = [{"model": k, "answer": a, "confidence": c}
               for k, a, c, v in zip(batch.keys, normalized, batch.conf[0], voted, strict=True)
               if v]
    result = vote(ballots, voting, weights=dict(zip(batch.keys, weight, strict=True)),
                  options=question.options)
    truth = normalize_answer(question.answer, question.options) or question.answer
    return QueryRun(question=question, voting=voting, execution=execution, vote=result,
                    responses=responses, correct_answer=truth,
                    latency_ms=float(outcome.latency[0]), cost_usd=float(outcome.cost[0]),
                    models_called=called)


_WORD = re.compile(r"[a-z]{4,}")


def shared_words(text: str, item: QuestionItem) -> list[str]:
    """The words of four letters or more that ``text`` shares with ``item``'s question
    and options (case-folded, sorted)."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    if not isinstance(item, QuestionItem):
        raise ValueError(f"item must be a QuestionItem, got {type(item).__name__}")
    words = set(_WORD.findall(text.casefold()))
    item_words = set(_WORD.findall(" ".join([item.question, *item.options]).casefold()))
    return sorted(words & item_words)


def stand_in_question(text: str) -> QuestionItem:
    """The medical-bank item the mock models answer in place of a typed question.

    The mock models cannot read free text, so a typed question is answered as an item of
    the medical bank, whose answer key is known: the item sharing the most words of four
    letters or more with the text (the first in bank order on a tie); when no item shares
    a word, the item picked by a SHA-256 hash of the normalized text. The same text
    always maps to the same item.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty question")
    bank = get_bank("medical")
    overlaps = [len(shared_words(text, item)) for item in bank]
    best = int(np.argmax(overlaps))
    if overlaps[best] > 0:
        return bank[best]
    digest = hashlib.sha256(" ".join(text.split()).casefold().encode("utf-8")).digest()
    return bank[int.from_bytes(digest[:8], "big") % len(bank)]


# --- batch evaluation -------------------------------------------------------------------

EVALUATION_COLUMNS = [
    "question_id", "strategy", "kind", "answer", "correct_answer", "correct", "abstained",
    "tie", "consensus", "cost_usd", "latency_ms", "models_called", "votes", "failed",
    "timed_out", "strict_majority_right",
]


def single_label(model: str) -> str:
    """The strategy label of one model answering alone."""
    return f"single:{model}"


def evaluate(models: Sequence[str | ModelProfile], voting: str | Sequence[str],
             execution: str, n_questions: int, seed: int | np.random.Generator, *,
             timeout_ms: float = DEFAULT_TIMEOUT_MS, threshold: float = DEFAULT_THRESHOLD,
             weights: Mapping[str, float] | None = None,
             correlation: float = MODEL_ERROR_CORRELATION,
             include_single_models: bool = False, category: str = "medical") -> pd.DataFrame:
    """Put ``n_questions`` random questions of ``category`` to the ensemble.

    One row per question and strategy (``voting`` may name one strategy or several; all
    share the same simulated responses, so the comparison is paired), plus one row per
    question and model when ``include_single_models`` (strategy ``single:<model>``: that
    model alone, called directly). Columns: question_id, strategy, kind ("ensemble" or
    "single"), answer, correct_answer, correct, abstained, tie, consensus, cost_usd,
    latency_ms, models_called, votes (usable responses among those called), failed and
    timed_out (among those called), strict_majority_right (more than half of all the
    ensemble's models answered correctly in time: the event the Condorcet formula of
    :func:`independent_majority_accuracy` gives the probability of, for independent
    errors).
    """
    strategies = [voting] if isinstance(voting, str) else list(voting)
    if not strategies:
        raise ValueError("voting must name at least one strategy")
    for s in strategies:
        require_choice("voting", s, VOTING_STRATEGIES)
    execution, timeout_ms, threshold, correlation = _check_common(
        execution, timeout_ms, threshold, correlation)
    n_questions = require_int("n_questions", n_questions, low=1, high=MAX_QUESTIONS)
    profiles = _profiles(models)
    rng = make_rng(seed)
    items = sample(category, n_questions, rng)
    batch = _simulate(profiles, items, rng, execution, timeout_ms, correlation)
    weight = weight_vector(batch.keys, weights)
    n, m = batch.codes.shape
    ids = np.array([it.id for it in items], dtype=object)
    truth_text = batch.uniques[batch.truth]
    strict = batch.correct.sum(axis=1) > m / 2
    in_time = ~batch.failed & ~batch.timed_out

    frames = []
    for strategy in strategies:
        out = _execute(batch, strategy, execution, weight, timeout_ms, threshold)
        d = out.decision
        rows = np.arange(n)
        code = np.where(d.answered, batch.codes[rows, np.maximum(d.winner, 0)], -1)
        used = np.arange(m)[None, :] < out.called[:, None]
        frames.append(_frame(ids, strategy, "ensemble", code, batch, truth_text, d.tie,
                             d.consensus, out.cost, out.latency, out.called,
                             (in_time & used).sum(axis=1), (batch.failed & used).sum(axis=1),
                             (batch.timed_out & used).sum(axis=1), strict))
    if include_single_models:
        wait = np.minimum(batch.latency, timeout_ms)
        for j, key in enumerate(batch.keys):
            ok = in_time[:, j]
            code = np.where(ok, batch.codes[:, j], -1)
            frames.append(_frame(ids, single_label(key), "single", code, batch, truth_text,
                                 np.zeros(n, bool), ok.astype(float), batch.cost[:, j],
                                 wait[:, j], np.ones(n, int), ok.astype(int),
                                 batch.failed[:, j].astype(int),
                                 batch.timed_out[:, j].astype(int), strict))
    return pd.concat(frames, ignore_index=True)[EVALUATION_COLUMNS]


def _frame(ids: np.ndarray, strategy: str, kind: str, code: np.ndarray, batch: _Batch,
           truth_text: np.ndarray, tie: np.ndarray, consensus: np.ndarray,
           cost: np.ndarray, latency: np.ndarray, called: np.ndarray, votes: np.ndarray,
           failed: np.ndarray, timed_out: np.ndarray, strict: np.ndarray) -> pd.DataFrame:
    answer = np.where(code >= 0, batch.uniques[np.maximum(code, 0)], None)
    return pd.DataFrame({
        "question_id": ids, "strategy": strategy, "kind": kind, "answer": answer,
        "correct_answer": truth_text, "correct": (code >= 0) & (code == batch.truth),
        "abstained": code < 0, "tie": tie, "consensus": consensus, "cost_usd": cost,
        "latency_ms": latency, "models_called": called, "votes": votes, "failed": failed,
        "timed_out": timed_out, "strict_majority_right": strict,
    })


SUMMARY_COLUMNS = [
    "strategy", "kind", "n", "correct", "accuracy", "ci_low", "ci_high", "abstention_rate",
    "accuracy_when_answered", "tie_rate", "mean_cost_usd", "p50_latency_ms",
    "p95_latency_ms", "mean_models_called",
]


def summarize(df: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Per strategy: accuracy (abstentions count as not correct) with its Wilson score
    interval (statsmodels ``proportion_confint(method="wilson")``), abstention rate,
    accuracy among answered questions, tie rate, mean cost per query, P50 and P95
    latency (linear-interpolation percentiles) and mean number of models called."""
    missing = {"strategy", "correct", "abstained", "cost_usd", "latency_ms"} - set(df.columns)
    if missing:
        raise ValueError(f"df lacks columns {sorted(missing)}")
    level = require_float("confidence", confidence, low=0.0, high=1.0, low_open=True,
                          high_open=True)
    rows = []
    for strategy, group in df.groupby("strategy", sort=False):
        n = len(group)
        k = int(group["correct"].sum())
        low, high = proportion_confint(k, n, alpha=1 - level, method="wilson")
        # the Wilson interval always holds k / n; rounding can leave it a hair outside
        low, high = min(float(low), k / n), max(float(high), k / n)
        answered = int((~group["abstained"]).sum())
        latency = group["latency_ms"].to_numpy(float)
        rows.append({
            "strategy": strategy,
            "kind": group["kind"].iloc[0] if "kind" in group else "ensemble",
            "n": n, "correct": k, "accuracy": k / n, "ci_low": float(low),
            "ci_high": float(high), "abstention_rate": 1 - answered / n,
            "accuracy_when_answered": k / answered if answered else float("nan"),
            "tie_rate": float(group["tie"].mean()) if "tie" in group else 0.0,
            "mean_cost_usd": float(group["cost_usd"].mean()),
            "p50_latency_ms": float(np.percentile(latency, 50)),
            "p95_latency_ms": float(np.percentile(latency, 95)),
            "mean_models_called": float(group["models_called"].mean())
            if "models_called" in group else float("nan"),
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def pareto_frontier(summary: pd.DataFrame) -> pd.Series:
    """True for each strategy that no other strategy beats on both accuracy and mean cost
    (at least as accurate and as cheap, and strictly better on one)."""
    missing = {"accuracy", "mean_cost_usd"} - set(summary.columns)
    if missing:
        raise ValueError(f"summary lacks columns {sorted(missing)}")
    acc = summary["accuracy"].to_numpy(float)
    cost = summary["mean_cost_usd"].to_numpy(float)
    better_eq = (acc[None, :] >= acc[:, None]) & (cost[None, :] <= cost[:, None])
    strictly = (acc[None, :] > acc[:, None]) | (cost[None, :] < cost[:, None])
    dominated = (better_eq & strictly).any(axis=1)
    return pd.Series(~dominated, index=summary.index, name="pareto")


@dataclass(frozen=True)
class EvaluationProgress:
    """A cumulative partial result of :func:`iter_evaluate`: the summary of the first
    ``done`` of ``total`` questions, and ``batch_seconds``, the mean simulated wait (s)
    of one query of the last batch (first strategy), which paces a live replay."""

    done: int
    total: int
    summary: pd.DataFrame
    batch_seconds: float

    @property
    def fraction(self) -> float:
        """Share of the questions done."""
        return self.done / self.total if self.total else 1.0


def iter_evaluate(models: Sequence[str | ModelProfile], voting: str | Sequence[str],
                  execution: str, n_questions: int, seed: int | np.random.Generator, *,
                  batch_size: int = 50, **options: Any) -> Iterator[EvaluationProgress]:
    """:func:`evaluate` played back batch by batch: yields the cumulative
    :func:`summarize` of the first 1, 2, ... batches of questions. The last item equals
    ``summarize(evaluate(...))`` with the same arguments."""
    batch_size = require_int("batch_size", batch_size, low=1)
    df = evaluate(models, voting, execution, n_questions, seed, **options)
    order = pd.unique(df["strategy"])
    per = {s: df[df["strategy"] == s].reset_index(drop=True) for s in order}
    first = per[order[0]]
    total = len(first)
    for stop in range(batch_size, total + batch_size, batch_size):
        stop = min(stop, total)
        part = pd.concat([g.iloc[:stop] for g in per.values()], ignore_index=True)
        lo = (stop - 1) // batch_size * batch_size
        seconds = float(first["latency_ms"].iloc[lo:stop].mean()) / 1000.0
        yield EvaluationProgress(stop, total, summarize(part), seconds)


# --- the Condorcet baseline -------------------------------------------------------------

def independent_majority_accuracy(accuracies: Sequence[float]) -> float:
    """The exact probability that a strict majority of independent voters is right.

    With voter i right with probability p_i, the number right follows the
    Poisson-binomial distribution (``scipy.stats.poisson_binom``); the result is
    P(X > n / 2), Condorcet's jury theorem made exact for unequal voters.
    """
    if isinstance(accuracies, str) or not isinstance(accuracies, Iterable):
        raise ValueError(f"accuracies must be a sequence of probabilities, got {accuracies!r}")
    ps = np.asarray([require_float("accuracies", p, low=0.0, high=1.0) for p in accuracies],
                    dtype=float)
    if ps.size == 0:
        raise ValueError("accuracies must hold at least one voter")
    n = ps.size
    return float(stats.poisson_binom(ps).sf(n // 2))


def effective_accuracies(models: Sequence[str | ModelProfile],
                         timeout_ms: float | None = None) -> list[float]:
    """Each model's probability of a correct answer per call: its accuracy among answered
    calls, times the chance that the call does not fail, times (with ``timeout_ms``) the
    chance that it arrives in time, P(latency <= timeout) from the exact latency CDF
    (latency is independent of correctness in the mock)."""
    out = []
    for p in _profiles(models):
        in_time = 1.0 if timeout_ms is None else float(p.latency.cdf(
            require_float("timeout_ms", timeout_ms, low=0.0, low_open=True)))
        out.append(p.accuracy * (1.0 - p.error_rate) * in_time)
    return out


@dataclass(frozen=True)
class PairedComparison:
    """Two strategies answered the same questions: how often each was right alone, and
    the exact McNemar test of equal accuracy on those discordant pairs."""

    a: str
    b: str
    only_a_right: int
    only_b_right: int
    p_value: float


def paired_comparison(df: pd.DataFrame, a: str, b: str) -> PairedComparison:
    """Exact McNemar test (statsmodels ``mcnemar(exact=True)``, a binomial test on the
    discordant pairs) of whether strategies ``a`` and ``b`` of one :func:`evaluate`
    frame are equally accurate on the same questions."""
    from statsmodels.stats.contingency_tables import mcnemar

    missing = {"strategy", "correct"} - set(df.columns)
    if missing:
        raise ValueError(f"df lacks columns {sorted(missing)}")
    left = df.loc[df["strategy"] == a, "correct"].to_numpy(bool)
    right = df.loc[df["strategy"] == b, "correct"].to_numpy(bool)
    if left.size == 0 or right.size == 0:
        raise ValueError(f"a and b must be strategies in df, got {a!r} and {b!r}")
    if left.size != right.size:
        raise ValueError("a and b must cover the same questions")
    only_a = int((left & ~right).sum())
    only_b = int((~left & right).sum())
    table = [[int((left & right).sum()), only_a], [only_b, int((~left & ~right).sum())]]
    result = mcnemar(table, exact=True)
    return PairedComparison(a, b, only_a, only_b, float(result.pvalue))
