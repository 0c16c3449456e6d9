"""Voting over real eval runs: several models' logs of the same task, aligned by item.

:func:`ensemble_from_logs` applies the voting strategies of
:mod:`crucible_scenarios.ensemble` to the answers the logs hold (epoch 1 of each item;
later epochs feed :func:`crucible_scenarios.ensemble.scaling.item_success_shares`), adds the
oracle (at least one model right, the upper bound of any voting rule), and
:func:`summarize_logs` gives the same summary as the mock batch plus the oracle and
every model alone. :func:`diversity` measures how differently the models err
(Kuncheva & Whitaker, "Measures of diversity in classifier ensembles", Machine
Learning 51, 2003) and sets the observed majority beside Condorcet's figure for
independent voters.

An answer is right when its normalized form (:func:`normalize_answer`) equals the
normalized target; :func:`align_logs` also reports how often that agrees with the score
each log stored.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from crucible_scenarios.ensemble.simulation import (
    independent_majority_accuracy,
    single_label,
    summarize,
)
from crucible_scenarios.ensemble.voting import decide, normalize_answer
from crucible_scenarios.eval_log import EvalLog
from crucible_scenarios.stats.ab_test import compare
from crucible_scenarios.validation import require_choice

MIN_MODELS = 2
MAX_MODELS = 9
LOG_STRATEGIES: tuple[str, ...] = ("majority", "weighted", "unanimous", "best_confidence")
ORACLE = "oracle"
#: Model names readers give a log that names no model.
UNNAMED_MODELS = frozenset({"", "unknown model"})


@dataclass(frozen=True)
class AlignedAnswers:
    """Epoch-1 answers of m models on the n items every input holds, in the first input's
    item order. ``answers`` and ``normalized`` are (n, m) object arrays (None where a
    model gave no answer); ``confidence``, ``input_tokens``, ``output_tokens`` and
    ``latency_s`` are (n, m) floats, NaN where not recorded. ``dropped`` counts, per
    model, the items left out because another input lacks them; ``score_agreement`` is,
    per model with stored scores, the share of items where answer-equals-target agrees
    with the stored score (score >= 0.5)."""

    models: tuple[str, ...]
    sources: tuple[str, ...]
    task: str
    item_ids: np.ndarray
    target: np.ndarray
    answers: np.ndarray
    normalized: np.ndarray
    confidence: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    latency_s: np.ndarray
    dropped: dict[str, int]
    epochs: dict[str, int]
    score_agreement: dict[str, float] = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        """Number of aligned items."""
        return int(self.item_ids.size)

    @property
    def correct(self) -> np.ndarray:
        """(n, m) bool: each model's normalized answer equals the normalized target."""
        return np.asarray((self.normalized == self.target[:, None])
                          & pd.notna(self.normalized), dtype=bool)

    @property
    def has_confidence(self) -> list[str]:
        """The models with at least one recorded confidence."""
        return [m for j, m in enumerate(self.models)
                if np.isfinite(self.confidence[:, j]).any()]


def _norm(value: Any) -> str | None:

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return normalize_answer(str(value))


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return np.asarray(pd.to_numeric(frame[name], errors="coerce"), dtype=float)


def _from_logs(logs: Sequence[EvalLog]) -> list[dict[str, Any]]:
    per = []
    tasks = {}
    seen: dict[str, str] = {}
    for i, log in enumerate(logs):
        if not isinstance(log, EvalLog):
            raise ValueError(f"logs[{i}] is a {type(log).__name__}, not an EvalLog")
        name = log.source or f"log {i + 1}"
        # A log that names no model (an lm-eval samples file read without its results
        # file) is named by its file.
        model = log.model if log.model not in UNNAMED_MODELS else name
        if model in seen:
            raise ValueError(f"{name}: model {model!r} is repeated (also in "
                             f"{seen[model]}); each model may appear once")
        seen[model] = name
        tasks[name] = log.task
        items = log.items
        if "answer" not in items.columns or items["answer"].isna().all():
            raise ValueError(f"{name}: the log holds no answers for {log.model!r}, only "
                             "scores; voting needs each model's answer")
        first = items.sort_values("epoch", kind="stable").drop_duplicates(
            "item_id", keep="first")
        first = first.set_index(first["item_id"].astype(str))
        per.append({"model": model, "source": name, "frame": first,
                    "epochs": log.epochs})
    if len(set(tasks.values())) > 1:
        listed = "; ".join(f"{src}: {task!r}" for src, task in tasks.items())
        raise ValueError(f"the logs are of different tasks ({listed}); vote over runs of "
                         "one task")
    return per


def _from_table(table: pd.DataFrame) -> list[dict[str, Any]]:
    name = str(table.attrs.get("source") or "answer table")
    if "item_id" not in table.columns or "target" not in table.columns:
        raise ValueError(f"{name}: the answer table needs item_id and target columns")
    models = [str(c).removeprefix("answer_") for c in table.columns
              if str(c).startswith("answer_")]
    if len(set(models)) != len(models):
        raise ValueError(f"{name}: the answer table repeats a model's answer column")
    ids = table["item_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"{name}: the answer table repeats item_id "
                         f"{ids[ids.duplicated()].iloc[0]!r}")
    per = []
    for model in models:
        frame = pd.DataFrame({
            "item_id": ids.to_numpy(), "answer": table[f"answer_{model}"].to_numpy(),
            "target": table["target"].to_numpy(), "epoch": 1})
        for extra in ("confidence", "input_tokens", "output_tokens", "latency_s"):
            if f"{extra}_{model}" in table.columns:
                frame[extra] = table[f"{extra}_{model}"].to_numpy()
        if frame["answer"].isna().all():
            raise ValueError(f"{name}: the answer column answer_{model} is empty")
        per.append({"model": model, "source": name,
                    "frame": frame.set_index(ids.to_numpy()), "epochs": 1})
    return per


def align_logs(logs: Sequence[EvalLog] | pd.DataFrame) -> AlignedAnswers:
    """Align 2 to 9 models' answers by item id: ``logs`` are :class:`EvalLog` runs of
    different models on one task, or a wide table with item_id, target and one
    ``answer_<model>`` column per model (optionally ``confidence_<model>``,
    ``input_tokens_<model>``, ``output_tokens_<model>``, ``latency_s_<model>``). Each
    item's epoch-1 answer is used (its first epoch if epoch 1 is missing). Raises
    ValueError naming the file and the problem: different tasks, a repeated model, no
    answers, no targets, fewer than 2 common items, fewer than 2 or more than 9 models."""
    if isinstance(logs, pd.DataFrame):
        per = _from_table(logs)
        task = str(logs.attrs.get("source") or "answer table")
    else:
        if isinstance(logs, str | bytes) or not isinstance(logs, Sequence):
            raise ValueError("logs must be a list of EvalLogs or an answer table")
        per = _from_logs(logs)
        task = logs[0].task if logs else ""
    if not MIN_MODELS <= len(per) <= MAX_MODELS:
        raise ValueError(f"voting needs {MIN_MODELS} to {MAX_MODELS} models, got {len(per)}")
    common = list(per[0]["frame"].index)
    keep = set(common)
    for p in per[1:]:
        keep &= set(p["frame"].index)
    ids = [i for i in common if i in keep]
    if len(ids) < 2:
        counts = ", ".join(f"{p['source']}: {len(p['frame'])}" for p in per)
        raise ValueError(f"the inputs share {len(ids)} item id(s) ({counts} items); voting "
                         "needs at least 2 items every model answered")
    frames = [p["frame"].loc[ids] for p in per]
    target = np.full(len(ids), None, dtype=object)
    for f in frames:
        if "target" in f.columns:
            raw = f["target"].to_numpy(dtype=object)
            fill = np.array([_norm(v) for v in raw], dtype=object)
            target = np.where(pd.isna(target), fill, target)
    if pd.isna(target).all():
        raise ValueError(f"{per[0]['source']}: no input holds the items' targets (the right "
                         "answers); voting accuracy cannot be scored")
    answers = np.column_stack([f["answer"].to_numpy(dtype=object) for f in frames])
    normalized = np.vectorize(_norm, otypes=[object])(answers)
    stacked = {name: np.column_stack([_column(f, name) for f in frames])
               for name in ("confidence", "input_tokens", "output_tokens", "latency_s")}
    models = tuple(str(p["model"]) for p in per)
    agreement = {}
    for j, f in enumerate(frames):
        if "score" in f.columns:
            score = _column(f, "score") >= 0.5
            ours = (normalized[:, j] == target) & pd.notna(normalized[:, j])
            agreement[models[j]] = float(np.mean(score == ours))
    return AlignedAnswers(
        models=models, sources=tuple(str(p["source"]) for p in per), task=task,
        item_ids=np.asarray(ids, dtype=object), target=target, answers=answers,
        normalized=normalized, confidence=np.clip(stacked["confidence"], 0.0, 1.0),
        input_tokens=stacked["input_tokens"], output_tokens=stacked["output_tokens"],
        latency_s=stacked["latency_s"],
        dropped={str(p["model"]): len(p["frame"]) - len(ids) for p in per},
        epochs={str(p["model"]): int(p["epochs"]) for p in per},
        score_agreement=agreement)


def log_odds_weights(accuracy: Sequence[float] | np.ndarray, n_options: int,
                     n_items: int) -> np.ndarray:
    """Optimal weights of independent voters choosing among ``n_options`` answers,
    w = log((K - 1) p / (1 - p)) (Nitzan & Paroush 1982; Ben-Yashar & Paroush 2001 for
    K options), with p each model's measured accuracy clipped to
    [1 / (2n), 1 - 1 / (2n)] so that a perfect or useless model keeps a finite weight,
    and w floored at 0 (a model no better than chance gets no say)."""
    k = max(int(n_options), 2)
    p = np.clip(np.asarray(accuracy, dtype=float), 0.5 / n_items, 1 - 0.5 / n_items)
    return np.maximum(np.log((k - 1) * p / (1 - p)), 0.0)


def _costs(aligned: AlignedAnswers,
           prices: Mapping[str, Sequence[float]] | None) -> np.ndarray:
    n, m = aligned.answers.shape
    cost = np.full((n, m), np.nan)
    if not prices:
        return cost
    for j, model in enumerate(aligned.models):
        if model not in prices:
            continue
        pair = tuple(prices[model])
        if len(pair) != 2 or not all(math.isfinite(float(x)) and float(x) >= 0 for x in pair):
            raise ValueError(f"prices[{model!r}] must be (input, output) USD per 1k tokens")
        cost[:, j] = (aligned.input_tokens[:, j] / 1000 * float(pair[0])
                      + aligned.output_tokens[:, j] / 1000 * float(pair[1]))
    return cost


def ensemble_from_logs(logs: Sequence[EvalLog] | pd.DataFrame | AlignedAnswers,
                       voting: str | Sequence[str], *,
                       weights: Mapping[str, float] | None = None,
                       prices: Mapping[str, Sequence[float]] | None = None,
                       n_options: int | None = None) -> pd.DataFrame:
    """Vote over the models' epoch-1 answers, item by item (see :func:`align_logs`).

    One row per item and strategy (``voting`` names one or several of majority,
    weighted, unanimous, best_confidence) with columns item_id, strategy, kind
    ("ensemble"), target, ``answer_<model>`` per model, voted, correct, abstained,
    oracle (at least one model right), tie, consensus, cost_usd (sum of the models'
    token costs from ``prices``, (input, output) USD per 1k tokens; NaN where unknown),
    latency_ms (the slowest model, NaN where unknown), models_called and, per model,
    ``correct_<model>``, ``cost_usd_<model>`` and ``latency_ms_<model>``.
    Weighted voting uses ``weights`` or the log-odds weights of the models' measured
    accuracies (:func:`log_odds_weights`) with ``n_options`` answer options (default:
    the number of distinct targets, at least 2).
    best_confidence needs the models' confidences and raises ValueError without them.
    """

    aligned = logs if isinstance(logs, AlignedAnswers) else align_logs(logs)
    strategies = [voting] if isinstance(voting, str) else list(voting)
    if not strategies:
        raise ValueError("voting must name at least one strategy")
    for s in strategies:
        require_choice("voting", s, LOG_STRATEGIES)
    n, m = aligned.answers.shape
    if "best_confidence" in strategies:
        lacking = [mo for mo in aligned.models if mo not in aligned.has_confidence]
        if lacking:
            raise ValueError(
                f"most-confident voting needs each model's confidence; none is recorded "
                f"for {', '.join(lacking)}")
    codes_all, found = pd.factorize(
        pd.Series(list(aligned.normalized.ravel()) + list(aligned.target), dtype=object),
        use_na_sentinel=True)
    codes = codes_all[: n * m].reshape(n, m)
    truth = codes_all[n * m:]
    uniques = np.asarray(found, dtype=object)
    valid = codes >= 0
    model_correct = valid & (codes == truth[:, None]) & (truth[:, None] >= 0)
    accuracy = model_correct.mean(axis=0)
    k_options = n_options if n_options is not None else max(
        int(pd.Series(aligned.target).nunique()), 2)
    weight = log_odds_weights(accuracy, k_options, n)
    if weights is not None:
        for j, model in enumerate(aligned.models):
            if model in weights:
                w = float(weights[model])
                if not math.isfinite(w) or w < 0:
                    raise ValueError(f"weights[{model!r}] must be a non-negative number")
                weight[j] = w
    conf = np.where(np.isfinite(aligned.confidence), aligned.confidence, 0.0)
    ones = np.ones((n, m))
    tie_conf = conf if aligned.has_confidence else ones
    cost = _costs(aligned, prices)
    total_cost = np.where(np.isnan(cost).all(axis=1), np.nan, np.nansum(cost, axis=1))
    latency = aligned.latency_s * 1000.0
    wait = np.where(np.isnan(latency).all(axis=1), np.nan,
                    np.nanmax(np.where(np.isnan(latency), -np.inf, latency), axis=1))
    oracle = model_correct.any(axis=1)
    base: dict[str, Any] = {"item_id": aligned.item_ids, "target": aligned.target}
    for j, model in enumerate(aligned.models):
        base[f"answer_{model}"] = aligned.answers[:, j]
    frames = []
    rows = np.arange(n)
    for strategy in strategies:
        if strategy == "weighted":
            d = decide(codes, ones, weight, valid, strategy)
        elif strategy == "best_confidence":
            d = decide(codes, conf, np.ones(m), valid, strategy)
        else:
            d = decide(codes, tie_conf, np.ones(m), valid, strategy)
        code = np.where(d.answered, codes[rows, np.maximum(d.winner, 0)], -1)
        frame = pd.DataFrame({
            **base, "strategy": strategy, "kind": "ensemble",
            "voted": [uniques[c] if c >= 0 else None for c in code],
            "correct": (code >= 0) & (code == truth), "abstained": code < 0,
            "oracle": oracle, "tie": d.tie, "consensus": d.consensus,
            "cost_usd": total_cost, "latency_ms": wait, "models_called": m,
        })
        for j, model in enumerate(aligned.models):
            frame[f"correct_{model}"] = model_correct[:, j]
            frame[f"cost_usd_{model}"] = cost[:, j]
            frame[f"latency_ms_{model}"] = latency[:, j]
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["models"] = list(aligned.models)
    out.attrs["weights"] = dict(zip(aligned.models, weight.tolist(), strict=True))
    out.attrs["accuracy"] = dict(zip(aligned.models, accuracy.tolist(), strict=True))
    out.attrs["n_options"] = int(k_options)
    return out


def model_correctness(frame: pd.DataFrame) -> pd.DataFrame:
    """One bool column per model (named by the model): its answer was right, one row per
    item (the first strategy's rows of an :func:`ensemble_from_logs` frame)."""
    first = frame[frame["strategy"] == frame["strategy"].iloc[0]]
    models = frame.attrs.get("models") or [
        str(c).removeprefix("answer_") for c in frame.columns if str(c).startswith("answer_")]
    cols = [f"correct_{m}" for m in models]
    return pd.DataFrame({c.removeprefix("correct_"): first[c].to_numpy(bool) for c in cols})


def summarize_logs(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`crucible_scenarios.ensemble.summarize` of the strategies in an
    :func:`ensemble_from_logs` frame, plus every model alone (strategy
    ``single:<model>``, kind "single") and the oracle (kind "oracle")."""

    first = frame[frame["strategy"] == frame["strategy"].iloc[0]]
    parts = [frame]
    models = list(model_correctness(frame).columns)
    for model in models:
        answered = first[f"answer_{model}"].map(_norm).notna().to_numpy()
        parts.append(pd.DataFrame({
            "strategy": single_label(model), "kind": "single",
            "correct": first[f"correct_{model}"].to_numpy(bool), "abstained": ~answered,
            "cost_usd": first[f"cost_usd_{model}"].to_numpy(float),
            "latency_ms": first[f"latency_ms_{model}"].to_numpy(float),
            "models_called": 1}))
    parts.append(pd.DataFrame({
        "strategy": ORACLE, "kind": ORACLE, "correct": first["oracle"].to_numpy(bool),
        "abstained": False, "cost_usd": first["cost_usd"].to_numpy(float),
        "latency_ms": first["latency_ms"].to_numpy(float),
        "models_called": first["models_called"].to_numpy()}))
    keep = ["strategy", "kind", "correct", "abstained", "cost_usd", "latency_ms",
            "models_called", "tie"]
    whole = pd.concat([p[[c for c in keep if c in p.columns]] for p in parts],
                      ignore_index=True)
    whole["tie"] = whole["tie"].fillna(False).astype(bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN latency: percentile NaN
        return summarize(whole)


@dataclass(frozen=True)
class BestComparison:
    """The most accurate strategy against the most accurate single model on the same
    items: accuracies, discordant counts and the exact McNemar p-value (None when no
    item separates them)."""

    strategy: str
    model: str
    strategy_accuracy: float
    model_accuracy: float
    only_strategy_right: int
    only_model_right: int
    p_value: float | None
    verdict: str


def best_versus_single(frame: pd.DataFrame) -> BestComparison:
    """The best strategy of an :func:`ensemble_from_logs` frame against the best single
    model, with the exact McNemar test of :func:`crucible_scenarios.stats.ab_test`
    (paired binary outcomes)."""

    strategies = list(pd.unique(frame["strategy"]))
    acc = {s: float(frame.loc[frame["strategy"] == s, "correct"].mean()) for s in strategies}
    best_s = max(strategies, key=lambda s: (acc[s], -strategies.index(s)))
    correct = model_correctness(frame)
    model_acc = correct.mean()
    best_m = str(model_acc.idxmax())
    a = correct[best_m].to_numpy(bool)
    b = frame.loc[frame["strategy"] == best_s, "correct"].to_numpy(bool)
    result = compare(a.astype(float), b.astype(float), paired=True, kind="binary",
                     n_boot=0, power_analysis=False, label_a=best_m, label_b=best_s,
                     metric="accuracy")
    return BestComparison(best_s, best_m, acc[best_s], float(model_acc[best_m]),
                          int((b & ~a).sum()), int((a & ~b).sum()), result.p_value,
                          result.verdict)


def diversity(correct: pd.DataFrame) -> pd.DataFrame:
    """Pairwise diversity of classifiers from their correctness on the same items
    (Kuncheva & Whitaker 2003). ``correct`` has one bool column per model. For each pair
    with counts N11 (both right), N10, N01, N00 (both wrong) of N items: disagreement
    (N01 + N10) / N, Yule's Q (N11 N00 - N01 N10) / (N11 N00 + N01 N10) (NaN when the
    denominator is 0), double fault N00 / N and Cohen's kappa of the two correctness
    vectors (``sklearn.metrics.cohen_kappa_score``; NaN when both are constant).

    ``attrs`` holds ``condorcet``, the exact probability that a strict majority of
    independent voters at the observed accuracies is right (Poisson-binomial), and
    ``observed_majority``, the share of items a strict majority of the models got right.
    """
    from sklearn.metrics import cohen_kappa_score


    if not isinstance(correct, pd.DataFrame) or correct.shape[1] < 2 or len(correct) == 0:
        raise ValueError("correct must be a DataFrame with one column per model (at least 2) "
                         "and at least one item")
    values = correct.astype(bool).to_numpy()
    names = [str(c) for c in correct.columns]
    n = values.shape[0]
    rows = []
    for i, k in combinations(range(len(names)), 2):
        a, b = values[:, i], values[:, k]
        n11, n10 = int((a & b).sum()), int((a & ~b).sum())
        n01, n00 = int((~a & b).sum()), int((~a & ~b).sum())
        den = n11 * n00 + n01 * n10
        if a.min() == a.max() and b.min() == b.max():
            kappa = float("nan")
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                kappa = float(cohen_kappa_score(a, b))
        rows.append({
            "model_a": names[i], "model_b": names[k], "n": n, "both_right": n11,
            "a_only": n10, "b_only": n01, "both_wrong": n00,
            "disagreement": (n01 + n10) / n,
            "yule_q": (n11 * n00 - n01 * n10) / den if den else float("nan"),
            "double_fault": n00 / n, "kappa": kappa})
    out = pd.DataFrame(rows)
    accuracies = values.mean(axis=0)
    out.attrs["accuracies"] = dict(zip(names, accuracies.tolist(), strict=True))
    out.attrs["condorcet"] = independent_majority_accuracy(accuracies.tolist())
    out.attrs["observed_majority"] = float(np.mean(values.sum(axis=1) > values.shape[1] / 2))
    return out


def disagreements(frame: pd.DataFrame, strategy: str, *, only_differs: bool = False
                  ) -> pd.DataFrame:
    """Per item for one strategy: target, each model's answer, the vote, whether it was
    right, the best single model's answer and whether the vote differs from it; only the
    items where the models do not all agree (and, with ``only_differs``, where the vote
    and the best model differ)."""
    part = frame[frame["strategy"] == strategy]
    if part.empty:
        raise ValueError(f"strategy {strategy!r} is not in the frame")
    correct = model_correctness(frame)
    best = str(correct.mean().idxmax())
    models = list(correct.columns)
    norm = pd.DataFrame({m: part[f"answer_{m}"].map(_norm).to_numpy() for m in models})
    distinct = norm.apply(lambda r: r.dropna().nunique(), axis=1).to_numpy()
    best_answer = norm[best].to_numpy(dtype=object)
    voted = part["voted"].to_numpy(dtype=object)
    differs = np.array([v != b for v, b in zip(voted, best_answer, strict=True)])
    table = pd.DataFrame({"item_id": part["item_id"].to_numpy(),
                          "target": part["target"].to_numpy()})
    for m in models:
        table[f"answer_{m}"] = part[f"answer_{m}"].to_numpy()
    table["voted"] = voted
    table["vote_correct"] = part["correct"].to_numpy(bool)
    table[f"best_model ({best})"] = best_answer
    table["vote_differs_from_best"] = differs
    keep = (distinct > 1) | norm.isna().any(axis=1).to_numpy()
    if only_differs:
        keep &= differs
    return table[keep].reset_index(drop=True)
