"""Voting: answers normalised to a letter or text, and the four strategies that turn several
models' answers into one (majority, confidence-weighted with log-odds weights, unanimous,
most confident), vectorised over questions with numpy."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from crucible_mock.datasets import OPTION_LETTERS
from crucible_mock.models import MODELS, ModelProfile
from crucible_scenarios.validation import require_choice, require_float

VOTING_STRATEGIES: tuple[str, ...] = ("majority", "weighted", "unanimous", "best_confidence")

_LETTER_PREFIX = re.compile(r"^\(?([A-Ha-h])\s*[).:]\s*(.*)$", re.S)


# --- normalization ------------------------------------------------------------------

def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=65_536)
def normalize_answer(raw: str | None, options: tuple[str, ...] = ()) -> str | None:
    """The canonical form of one raw answer, so differently phrased votes count together.

    Whitespace is collapsed and case ignored. With ``options`` (a multiple-choice item),
    an option letter ("B"), a lettered option ("B) Text") or the option text in any case
    all map to the option's text as written in ``options``; text that matches no option
    is kept case-folded. Without options the case-folded text is returned (leading
    "B) " prefixes are dropped). Empty or missing answers give None. The result is a fixed
    point: normalizing it again with the same options returns it unchanged.
    """
    if raw is None:
        return None
    text = " ".join(str(raw).split())
    if not text:
        return None
    folded = text.casefold()
    if options:
        by_text = {_fold(o): o for o in options}
        if folded in by_text:
            return by_text[folded]
        letters = OPTION_LETTERS[: len(options)]
        if len(text) == 1 and text.upper() in letters:
            return options[letters.index(text.upper())]
        match = _LETTER_PREFIX.match(text)
        if match:
            rest = _fold(match.group(2))
            if rest in by_text:
                return by_text[rest]
            letter = match.group(1).upper()
            if not rest and letter in letters:
                return options[letters.index(letter)]
        return folded
    # Every leading letter prefix goes ("A) B) x" -> "x"), so the canonical form is a fixed
    # point: a normalized answer normalized again (as :func:`vote` does) is unchanged.
    while (match := _LETTER_PREFIX.match(folded)) and match.group(2).strip():
        folded = _fold(match.group(2))
    return folded


# --- the voting core (vectorized over questions) --------------------------------------

@dataclass(frozen=True)
class Decision:
    winner: np.ndarray      # (n,) column index of the winning response, -1 when none
    answered: np.ndarray    # (n,) bool: the strategy gives an answer (not an abstention)
    consensus: np.ndarray   # (n,) float in [0, 1]
    tie: np.ndarray         # (n,) bool
    margin: np.ndarray      # (n,) leader minus runner-up in the strategy's own units
    count: np.ndarray       # (n, m) votes for the answer of column i
    score: np.ndarray       # (n, m) weighted score of the answer of column i
    support_conf: np.ndarray  # (n, m) largest confidence among supporters of column i


def decide(codes: np.ndarray, conf: np.ndarray, weight: np.ndarray, valid: np.ndarray,
            strategy: str) -> Decision:
    """Apply one voting strategy to every row: ``codes`` (n, m) integer answer codes,
    ``conf`` confidences, ``weight`` (m,) model weights, ``valid`` which votes count."""
    n, m = codes.shape
    conf_v = np.where(valid, conf, 0.0)
    weighted_conf = conf_v * weight[None, :]
    count = np.zeros((n, m), dtype=int)
    conf_sum = np.zeros((n, m))
    score = np.zeros((n, m))
    support_conf = np.zeros((n, m))
    for j in range(m):  # column i collects every valid response j that gave its answer
        agrees = (codes == codes[:, j:j + 1]) & valid & valid[:, j:j + 1]
        count += agrees
        conf_sum += agrees * conf_v[:, j:j + 1]
        score += agrees * weighted_conf[:, j:j + 1]
        np.maximum(support_conf, agrees * conf_v[:, j:j + 1], out=support_conf)
    n_valid = valid.sum(axis=1)
    has = n_valid > 0

    if strategy in ("majority", "unanimous"):
        primary, secondary = count.astype(float), conf_sum
    elif strategy == "weighted":
        primary, secondary = score, count.astype(float)
    else:  # best_confidence
        primary, secondary = conf_v, np.zeros_like(conf_v)
    primary = np.where(valid, primary, -np.inf)
    top = primary.max(axis=1) if m else np.full(n, -np.inf)
    is_top = valid & np.isclose(primary, top[:, None], rtol=1e-12, atol=1e-12)
    ranked = np.where(is_top, secondary, -np.inf)
    winner = np.where(has, np.argmax(ranked, axis=1) if m else 0, -1)
    rows = np.arange(n)
    w = np.maximum(winner, 0)
    winner_code = codes[rows, w] if m else np.zeros(n, dtype=int)
    other = valid & (codes != winner_code[:, None])
    tie = has & (is_top & other).any(axis=1)
    runner_up = np.where(other, primary, -np.inf).max(axis=1) if m else np.full(n, -np.inf)
    top_safe = np.where(has, top, 0.0)
    margin = np.where(np.isfinite(runner_up), top_safe - runner_up, top_safe)

    share = np.divide(count[rows, w], n_valid, out=np.zeros(n), where=has)
    if strategy == "weighted":
        total = conf_v @ weight if m else np.zeros(n)
        weighted_share = np.divide(score[rows, w], total, out=share.copy(), where=total > 0)
        consensus = np.where(has, weighted_share, 0.0)
    else:
        consensus = np.where(has, share, 0.0)
    answered = has.copy()
    if strategy == "unanimous":
        answered &= count[rows, w] == n_valid
        tie = np.zeros(n, dtype=bool)
    return Decision(winner=winner, answered=answered, consensus=np.clip(consensus, 0, 1),
                     tie=tie, margin=margin, count=count, score=score,
                     support_conf=support_conf)


def default_weights(models: Sequence[str | ModelProfile]) -> dict[str, float]:
    """Each known model's default vote weight: the log-odds of its historical accuracy,
    log(p / (1 - p)) (Nitzan-Paroush optimal weights for independent voters). Models
    not in the catalogue are left out (their weight defaults to 1)."""
    if isinstance(models, str) or not isinstance(models, Iterable):
        raise ValueError(f"models must be a list of model keys, got {models!r}")
    out: dict[str, float] = {}
    for model in models:
        profile = model if isinstance(model, ModelProfile) else MODELS.get(model)
        if profile is not None:
            p = profile.accuracy
            out[profile.key] = max(math.log(p / (1.0 - p)), 0.0)
    return out


def weight_vector(keys: Sequence[str], weights: Mapping[str, float] | None) -> np.ndarray:
    base = default_weights(keys)
    values = []
    for key in keys:
        raw = base.get(key, 1.0) if weights is None or key not in weights else weights[key]
        values.append(require_float(f"weights[{key!r}]", raw, low=0.0))
    return np.array(values, dtype=float)


# --- the public vote -------------------------------------------------------------------

@dataclass(frozen=True)
class Vote:
    """The outcome of one vote.

    ``answer`` is the normalized winning answer, or None for an abstention (unanimous
    without agreement, or no usable response). ``consensus`` in [0, 1] is the share of
    votes behind the chosen answer (the share of weighted score for ``weighted``).
    ``tally`` maps each normalized answer to its votes (weighted score for ``weighted``),
    largest first. ``tie`` is True when another answer had exactly as much support and
    the tie-break decided.
    """

    strategy: str
    answer: str | None
    consensus: float
    tally: dict[str, float]
    tie: bool
    n_votes: int

    @property
    def abstained(self) -> bool:
        """True when the strategy gave no answer."""
        return self.answer is None


def _field(response: Any, name: str, default: Any = None) -> Any:
    if isinstance(response, Mapping):
        return response.get(name, default)
    return getattr(response, name, default)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def vote(responses: Sequence[Any], strategy: str, *,
         weights: Mapping[str, float] | None = None,
         options: Sequence[str] = ()) -> Vote:
    """Combine ``responses`` into one answer with a voting strategy.

    Each response is a mapping or object with ``model``, ``answer`` (raw text or None),
    ``confidence`` and optionally ``error``; responses with an error or no answer are
    left out. Answers are normalized (:func:`normalize_answer`, using ``options`` to map
    option letters to option text). ``weights`` maps model keys to non-negative vote
    weights for ``weighted`` (default: :func:`default_weights`). Ties are broken
    deterministically: larger summed confidence (larger vote count for ``weighted``),
    then the earlier response.
    """
    require_choice("strategy", strategy, VOTING_STRATEGIES)
    if isinstance(responses, str | bytes | Mapping) or not isinstance(responses, Iterable):
        raise ValueError(f"responses must be a sequence of responses, got {responses!r}")
    opts = tuple(options)
    usable = []
    for response in responses:
        raw = _field(response, "answer")
        error = _field(response, "error")
        if _missing(raw) or not _missing(error):
            continue
        answer = normalize_answer(str(raw), opts)
        if answer is None:
            continue
        confidence = require_float("confidence", _field(response, "confidence", 1.0),
                                   low=0.0, high=1.0)
        usable.append((str(_field(response, "model", "")), answer, confidence))
    if not usable:
        return Vote(strategy, None, 0.0, {}, False, 0)
    answers = [u[1] for u in usable]
    uniques = list(dict.fromkeys(answers))
    codes = np.array([[uniques.index(a) for a in answers]])
    conf = np.array([[u[2] for u in usable]])
    weight = weight_vector([u[0] for u in usable], weights)
    decision = decide(codes, conf, weight, np.ones_like(codes, dtype=bool), strategy)
    tally_source = decision.score if strategy == "weighted" else decision.count
    tally: dict[str, float] = {}
    for i, answer in enumerate(answers):
        tally.setdefault(answer, float(tally_source[0, i]))
    tally = dict(sorted(tally.items(), key=lambda kv: -kv[1]))
    winner = int(decision.winner[0])
    chosen = answers[winner] if bool(decision.answered[0]) else None
    return Vote(strategy, chosen, float(decision.consensus[0]), tally,
                bool(decision.tie[0]), len(usable))
