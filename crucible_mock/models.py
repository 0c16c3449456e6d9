"""Five mock LLMs and how they answer.

Correctness follows a Gaussian latent-variable (probit) model with a shared per-question
component, so errors are correlated the way real models' are: a hard question fools
several models at once. For question q and model m,

    z_q  = sqrt(w) * Phi^-1(difficulty_q) + sqrt(1 - w) * eps_q      (shared by all models)
    u_qm = sqrt(r) * z_q + sqrt(1 - r) * e_qm                        (eps, e ~ N(0, 1))
    correct_qm  <=>  u_qm < Phi^-1(accuracy_m)

Because z_q and u_qm are standard normal, each model's marginal accuracy among answered
calls is exactly its ``accuracy`` (a failed call, with probability ``error_rate``, is never
correct); ``r`` (``correlation``) sets how often models fail together. A wrong answer is a
distractor of the question, the most tempting one more often than the rest.
Confidence is a logistic function of the latent margin plus noise: right answers tend to
be confident, but confidently wrong answers occur.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import special, stats

from crucible_mock.datasets import OPTION_LETTERS, QuestionItem
from crucible_mock.latency import PRESETS, LatencyProfile
from crucible_mock.pricing import PRICES

#: Default correlation r of the models' latent errors (see module docstring).
MODEL_ERROR_CORRELATION = 0.55
#: Share w of the shared question component that comes from the item's fixed difficulty.
ITEM_DIFFICULTY_WEIGHT = 0.5
#: Probability that a wrong answer is the question's most tempting distractor.
TRAP_PROBABILITY = 0.55
#: Spread of the noise added to the confidence logit (what blurs right from wrong).
CONFIDENCE_NOISE = 0.8
ERROR_KINDS = ("timeout", "rate_limited", "server_error")

RESPONSE_COLUMNS = [
    "question_id", "model", "answer", "correct", "confidence", "latency_ms",
    "tokens_in", "tokens_out", "cost_usd", "error",
]


@dataclass(frozen=True)
class ModelProfile:
    """A mock LLM: how accurate, fast, expensive and well calibrated it is.

    ``calibration`` is the slope of the confidence logit on the latent margin (higher:
    confidence separates right from wrong better); ``overconfidence`` its intercept.
    ``answer_style`` is how the model phrases a multiple-choice answer ("text",
    "letter", "letter_text" or "lower"), which voting has to normalize.
    """

    key: str
    display_name: str
    provider: str
    accuracy: float
    latency: LatencyProfile
    input_price_per_1k: float
    output_price_per_1k: float
    error_rate: float = 0.01
    calibration: float = 1.0
    overconfidence: float = 1.2
    mean_output_tokens: float = 180.0
    answer_style: str = "text"

    def __post_init__(self) -> None:
        if not 0.0 < self.accuracy < 1.0:
            raise ValueError(f"accuracy must lie strictly between 0 and 1, got {self.accuracy}")
        if not 0.0 <= self.error_rate < 1.0:
            raise ValueError(f"error_rate must lie in [0, 1), got {self.error_rate}")
        if self.input_price_per_1k < 0 or self.output_price_per_1k < 0:
            raise ValueError("prices must be non-negative")
        if self.answer_style not in ("text", "letter", "letter_text", "lower"):
            raise ValueError(f"unknown answer_style {self.answer_style!r}")

    def with_changes(self, **changes: object) -> ModelProfile:
        """A copy with some fields changed (e.g. an edited accuracy), validated again."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _profile(key: str, name: str, provider: str, accuracy: float, latency: LatencyProfile,
             calibration: float, out_tokens: float, style: str) -> ModelProfile:
    price = PRICES[key]
    return ModelProfile(
        key=key, display_name=name, provider=provider, accuracy=accuracy, latency=latency,
        input_price_per_1k=price.input_per_1k, output_price_per_1k=price.output_per_1k,
        calibration=calibration, mean_output_tokens=out_tokens, answer_style=style,
    )


MODELS: dict[str, ModelProfile] = {
    "gpt-4": _profile("gpt-4", "GPT-4", "OpenAI", 0.94, PRESETS["slow"].scaled(0.8),
                      1.5, 180.0, "text"),
    "claude-3": _profile("claude-3", "Claude-3", "Anthropic", 0.93, PRESETS["medium"],
                         1.6, 220.0, "letter_text"),
    "gemini-pro": _profile("gemini-pro", "Gemini-Pro", "Google", 0.90,
                           PRESETS["medium"].scaled(0.7), 1.1, 160.0, "text"),
    "llama-3": _profile("llama-3", "Llama-3", "Meta", 0.87, PRESETS["fast"],
                        0.9, 150.0, "lower"),
    "mixtral": _profile("mixtral", "Mixtral", "Mistral AI", 0.86, PRESETS["fast"].scaled(0.8),
                        0.8, 140.0, "letter"),
}


@dataclass(frozen=True)
class Response:
    """One model's answer to one question. ``answer`` is the raw text (None on error)."""

    model: str
    question_id: str
    answer: str | None
    correct: bool
    confidence: float
    latency_ms: float
    tokens_in: int
    tokens_out: int
    cost_usd: float
    error: str | None


def resolve_model(model: str | ModelProfile) -> ModelProfile:
    """The profile for a model key, or the profile itself."""
    if isinstance(model, ModelProfile):
        return model
    try:
        return MODELS[model]
    except KeyError:
        raise ValueError(f"unknown model {model!r}; choose one of {list(MODELS)}") from None


def phrase_answer(item: QuestionItem, choice: str, style: str) -> str:
    """How a model with ``style`` phrases ``choice`` (an option or an open answer)."""
    if not item.is_multiple_choice:
        return f" {choice} " if style == "lower" else choice
    letter = OPTION_LETTERS[item.options.index(choice)] if choice in item.options else "?"
    if style == "letter":
        return letter
    if style == "letter_text":
        return f"{letter}) {choice}"
    if style == "lower":
        return f"{choice.lower()} "
    return choice


def ask_many(
    models: Sequence[str | ModelProfile],
    questions: Sequence[QuestionItem],
    rng: np.random.Generator,
    *,
    correlation: float = MODEL_ERROR_CORRELATION,
) -> pd.DataFrame:
    """Every model answers every question once; one row per (question, model).

    Vectorized over questions x models with the latent-variable model of this module;
    ``correlation=0`` makes the models' errors independent. Columns: question_id, model,
    answer, correct, confidence, latency_ms, tokens_in, tokens_out, cost_usd, error.
    """
    if not 0.0 <= correlation < 1.0:
        raise ValueError(f"correlation must lie in [0, 1), got {correlation}")
    profiles = [resolve_model(m) for m in models]
    n_q, n_m = len(questions), len(profiles)
    if n_q == 0 or n_m == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RESPONSE_COLUMNS})

    difficulty = np.array([q.difficulty for q in questions])
    item_z = stats.norm.ppf(np.clip(difficulty, 1e-6, 1 - 1e-6))
    shared = (np.sqrt(ITEM_DIFFICULTY_WEIGHT) * item_z
              + np.sqrt(1 - ITEM_DIFFICULTY_WEIGHT) * rng.standard_normal(n_q))
    latent = (np.sqrt(correlation) * shared[:, None]
              + np.sqrt(1 - correlation) * rng.standard_normal((n_q, n_m)))
    threshold = stats.norm.ppf([p.accuracy for p in profiles])[None, :]
    correct = latent < threshold

    calibration = np.array([p.calibration for p in profiles])[None, :]
    overconfidence = np.array([p.overconfidence for p in profiles])[None, :]
    logit = (overconfidence + calibration * (threshold - latent)
             + CONFIDENCE_NOISE * rng.standard_normal((n_q, n_m)))
    confidence = special.expit(logit)

    failed = rng.random((n_q, n_m)) < np.array([p.error_rate for p in profiles])[None, :]
    error_kind = rng.integers(0, len(ERROR_KINDS), size=(n_q, n_m))
    trap = rng.random((n_q, n_m)) < TRAP_PROBABILITY
    pick = rng.random((n_q, n_m))
    latency = np.column_stack([p.latency.sample(n_q, rng) for p in profiles])

    tokens_in = np.array([40 + (len(q.question) + sum(len(o) for o in q.options)) // 4
                          for q in questions])[:, None] * np.ones((1, n_m), dtype=int)
    mean_out = np.array([p.mean_output_tokens for p in profiles])[None, :]
    tokens_out = np.maximum(5, np.round(mean_out * rng.lognormal(0.0, 0.35, (n_q, n_m))))
    tokens_out = np.where(failed, 0, tokens_out).astype(int)
    price_in = np.array([p.input_price_per_1k for p in profiles])[None, :]
    price_out = np.array([p.output_price_per_1k for p in profiles])[None, :]
    cost = np.where(failed, 0.0, tokens_in / 1000 * price_in + tokens_out / 1000 * price_out)

    correct &= ~failed
    answers: list[str | None] = []
    errors: list[str | None] = []
    for qi, item in enumerate(questions):
        n_distractors = len(item.distractors)
        for mi, profile in enumerate(profiles):
            if failed[qi, mi]:
                answers.append(None)
                errors.append(ERROR_KINDS[int(error_kind[qi, mi])])
                continue
            errors.append(None)
            if correct[qi, mi] or n_distractors == 0:
                choice = item.answer
            elif trap[qi, mi]:
                choice = item.distractors[0]
            else:
                choice = item.distractors[min(int(pick[qi, mi] * n_distractors),
                                              n_distractors - 1)]
            answers.append(phrase_answer(item, choice, profile.answer_style))

    return pd.DataFrame({
        "question_id": np.repeat([q.id for q in questions], n_m),
        "model": np.tile([p.key for p in profiles], n_q),
        "answer": pd.Series(answers, dtype=object),
        "correct": correct.ravel(),
        "confidence": np.where(failed, 0.0, confidence).ravel(),
        "latency_ms": latency.ravel(),
        "tokens_in": tokens_in.ravel().astype(int),
        "tokens_out": tokens_out.ravel(),
        "cost_usd": cost.ravel(),
        "error": pd.Series(errors, dtype=object),
    })


def ask(model: str | ModelProfile, question: QuestionItem, rng: np.random.Generator) -> Response:
    """One model answers one question (the single-row case of :func:`ask_many`)."""
    row = ask_many([model], [question], rng).iloc[0]
    return Response(
        model=str(row["model"]), question_id=str(row["question_id"]),
        answer=None if row["answer"] is None else str(row["answer"]),
        correct=bool(row["correct"]), confidence=float(row["confidence"]),
        latency_ms=float(row["latency_ms"]), tokens_in=int(row["tokens_in"]),
        tokens_out=int(row["tokens_out"]), cost_usd=float(row["cost_usd"]),
        error=None if row["error"] is None else str(row["error"]),
    )
