"""The mock A/B experiment: two models built on mock profiles answer the same GSM8K-style
problems (paired outcomes: correct, latency, cost), batch by batch, with the running
accuracy and its Wilson band."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import (
    proportion_confint,
)

from crucible_mock.datasets import get_bank
from crucible_mock.models import MODEL_ERROR_CORRELATION, MODELS, ModelProfile, ask_many
from crucible_scenarios.validation import make_rng, require_choice, require_float, require_int

#: Spread of the log-normal output-token factor in ``crucible_mock.models.ask_many``.
_TOKEN_SIGMA = 0.35
MAX_PROBLEMS = 100_000

EXPERIMENT_COLUMNS = [
    "problem", "question_id", "a_correct", "b_correct", "a_latency_ms", "b_latency_ms",
    "a_cost_usd", "b_cost_usd",
]


# --- the experiment ---------------------------------------------------------------------

@dataclass(frozen=True)
class ExperimentModel:
    """One arm of the experiment: a mock model (``base``, one of ``crucible_mock.MODELS``,
    which sets the latency shape and calibration) with its accuracy, mean cost per query
    (USD) and mean latency (ms) set to the given figures."""

    name: str
    base: str
    accuracy: float
    cost_per_query: float
    mean_latency_ms: float

    def __post_init__(self) -> None:
        require_choice("base", self.base, MODELS)
        require_float("accuracy", self.accuracy, low=0.0, high=1.0, low_open=True,
                      high_open=True)
        require_float("cost_per_query", self.cost_per_query, low=0.0)
        require_float("mean_latency_ms", self.mean_latency_ms, low=0.0, low_open=True)

    def profile(self) -> ModelProfile:
        """The mock profile: the base model with this accuracy, no failed calls (so the
        accuracy is exact), its latency distribution scaled so that its mean is
        ``mean_latency_ms``, and both token prices scaled so that the expected cost of a
        math query is ``cost_per_query``."""
        base = MODELS[self.base]
        latency = base.latency.scaled(self.mean_latency_ms / base.latency.mean())
        expected_out = base.mean_output_tokens * math.exp(_TOKEN_SIGMA**2 / 2)
        unit_cost = (_mean_math_tokens_in() * base.input_price_per_1k
                     + expected_out * base.output_price_per_1k) / 1000
        factor = self.cost_per_query / unit_cost
        return base.with_changes(
            display_name=self.name, accuracy=self.accuracy, error_rate=0.0, latency=latency,
            input_price_per_1k=base.input_price_per_1k * factor,
            output_price_per_1k=base.output_price_per_1k * factor)


MODEL_A = ExperimentModel("Model A", "llama-3", 0.87, 0.002, 800.0)
MODEL_B = ExperimentModel("Model B", "gemini-pro", 0.91, 0.005, 600.0)


@cache
def _mean_math_tokens_in() -> float:
    """Mean prompt tokens of a math-bank problem, as ``ask_many`` counts them."""
    return float(np.mean([40 + (len(q.question) + sum(len(o) for o in q.options)) // 4
                          for q in get_bank("math")]))


def iter_experiment(
    model_a: ExperimentModel,
    model_b: ExperimentModel,
    n_problems: int,
    seed: int | np.random.Generator,
    *,
    batch_size: int = 25,
    correlation: float = MODEL_ERROR_CORRELATION,
) -> Iterator[pd.DataFrame]:
    """Run the paired experiment batch by batch, yielding the cumulative per-problem table
    after each batch (see :func:`run_experiment` for the columns).

    Problems are drawn uniformly from the math bank (without replacement while ``n_problems``
    fits in it); both models answer every problem in one ``ask_many`` call per batch, with
    correlated errors (``correlation``, the mock world's latent error correlation).
    """
    for name, model in (("model_a", model_a), ("model_b", model_b)):
        if not isinstance(model, ExperimentModel):
            raise ValueError(f"{name} must be an ExperimentModel, got {type(model).__name__}")
    n = require_int("n_problems", n_problems, low=1, high=MAX_PROBLEMS)
    size = require_int("batch_size", batch_size, low=1)
    corr = require_float("correlation", correlation, low=0.0, high=1.0, high_open=True)
    rng = make_rng(seed)
    profiles = [model_a.profile(), model_b.profile()]
    keys = ("model_a", "model_b")
    profiles = [p.with_changes(key=k) for p, k in zip(profiles, keys, strict=True)]
    bank = get_bank("math")
    order = rng.choice(len(bank), size=n, replace=n > len(bank))
    frames: list[pd.DataFrame] = []
    for start in range(0, n, size):
        items = [bank[int(i)] for i in order[start:start + size]]
        answers = ask_many(profiles, items, rng, correlation=corr)
        wide = {key: answers[answers["model"] == key].reset_index(drop=True) for key in keys}
        frames.append(pd.DataFrame({
            "problem": np.arange(start + 1, start + len(items) + 1),
            "question_id": wide["model_a"]["question_id"].to_numpy(),
            "a_correct": wide["model_a"]["correct"].to_numpy(dtype=bool),
            "b_correct": wide["model_b"]["correct"].to_numpy(dtype=bool),
            "a_latency_ms": wide["model_a"]["latency_ms"].to_numpy(dtype=float),
            "b_latency_ms": wide["model_b"]["latency_ms"].to_numpy(dtype=float),
            "a_cost_usd": wide["model_a"]["cost_usd"].to_numpy(dtype=float),
            "b_cost_usd": wide["model_b"]["cost_usd"].to_numpy(dtype=float),
        }))
        yield pd.concat(frames, ignore_index=True)


def run_experiment(
    model_a: ExperimentModel,
    model_b: ExperimentModel,
    n_problems: int,
    seed: int | np.random.Generator,
    *,
    batch_size: int = 25,
    correlation: float = MODEL_ERROR_CORRELATION,
) -> pd.DataFrame:
    """Both models answer the same ``n_problems`` math problems (a paired design).

    One row per problem: problem (1-based), question_id, a_correct, b_correct,
    a_latency_ms, b_latency_ms, a_cost_usd, b_cost_usd. Identical to the last table of
    :func:`iter_experiment` with the same arguments.
    """
    parts = iter_experiment(model_a, model_b, n_problems, seed, batch_size=batch_size,
                            correlation=correlation)
    table = pd.DataFrame(columns=EXPERIMENT_COLUMNS)
    for partial in parts:
        table = partial
    return table


def running_accuracy(df: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Cumulative accuracy of each model after every problem with its Wilson score
    interval: columns problem, model ("A"/"B"), accuracy, lower, upper."""
    alpha = require_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    missing = {"a_correct", "b_correct"} - set(df.columns)
    if missing:
        raise ValueError(f"df lacks columns {sorted(missing)}")
    n = np.arange(1, len(df) + 1)
    frames = []
    for arm in ("a", "b"):
        hits = np.cumsum(df[f"{arm}_correct"].to_numpy(dtype=int))
        lower, upper = proportion_confint(hits, n, alpha=alpha, method="wilson")
        accuracy = hits / n
        # the Wilson interval always holds hits / n; rounding can leave it a hair outside
        frames.append(pd.DataFrame({"problem": n, "model": arm.upper(), "accuracy": accuracy,
                                    "lower": np.minimum(lower, accuracy),
                                    "upper": np.maximum(upper, accuracy)}))
    return pd.concat(frames, ignore_index=True)
