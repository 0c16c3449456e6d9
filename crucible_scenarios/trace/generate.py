"""The mock reasoner: a seeded trace of 10-15 events for a problem (hypotheses formed,
alternatives rejected with reasons, constraints checked, ambiguities flagged, confidence
updated, the answer committed) and its replay event by event."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from crucible_mock.datasets import QuestionItem, get_item
from crucible_scenarios.trace.events import MAX_EVENTS, Alternative, TraceEvent
from crucible_scenarios.trace.exports import shorten
from crucible_scenarios.trace.model import Trace
from crucible_scenarios.validation import make_rng, require_int

DEFAULT_EVENTS = (10, 15)

#: Mean time each event type takes, in milliseconds (gamma-distributed around it).
_MEAN_MS: dict[str, float] = {
    "step_started": 40.0, "pattern_applied": 300.0, "hypothesis_formed": 650.0,
    "constraint_evaluated": 350.0, "ambiguity_flagged": 450.0, "confidence_updated": 200.0,
    "alternative_rejected": 280.0, "step_completed": 60.0, "answer_committed": 120.0,
}


# --- generation --------------------------------------------------------------------------

_OPS = {"x": "multiplication", "+": "addition", "-": "subtraction", "/": "division"}
_ARITH = re.compile(r"(?<![x+\-/] )\b(\d+) ([x+\-/]) (\d+) = (\d+)\b")
_WRONG_OP = {"x": "+", "+": "x", "-": "+", "/": "x"}
_WRONG_OP_REASON = {
    "x": "adding treats the two numbers as amounts of one kind, but one of them is a rate "
         "per unit, so they multiply",
    "+": "multiplying would scale one part by the other, but they are separate amounts "
         "that add up",
    "-": "adding would grow the amount, but the problem takes this part away",
    "/": "multiplying would make the amount grow, but it is shared out, so it divides",
}
_PATTERNS = {
    "math": ("Multi-step word problem: translate each sentence into one arithmetic "
             "operation and chain the results",
             "The question gives quantities and rates and asks for one number, which "
             "calls for a chain of simple operations."),
    "medical": ("Clinical pattern recognition: match the key findings to a syndrome, "
                "then rule out the differential",
                "The vignette lists findings that, together, are typical of a small set "
                "of diagnoses."),
    "general": ("Fact recall: retrieve the fact the question asks for, then rule out "
                "look-alike options",
                "This is a knowledge question with distractors that resemble the answer."),
    "code": ("Trace the code by hand: evaluate each expression in order",
             "The snippet is short and deterministic, so running it mentally gives the "
             "exact value."),
}


def _apply(a: int, op: str, b: int) -> int | None:
    if op == "x":
        return a * b
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    return a // b if b and a % b == 0 else None


def _steps_for(item: QuestionItem) -> tuple[str, ...]:
    """The worked steps of ``item``; knowledge items without written steps get three
    that state what is asked, recall the answer and set it against the top distractor."""
    if item.solution_steps:
        return item.solution_steps
    top = item.distractors[0] if item.distractors else "the other options"
    return (f"The question asks: {item.question}",
            f"The fact that answers it is {item.answer}.",
            f"{item.answer} fits the question where {top} only resembles it.")


def _step_alternatives(item: QuestionItem, step: str, index: int,
                       rng: np.random.Generator) -> list[tuple[str, str]]:
    """Plausible wrong versions of one step with why each fails: a wrong operation for
    an arithmetic step, an arithmetic slip for other numeric steps, and the item's
    distractors (the differential) for worded steps."""
    match = _ARITH.search(step)
    if match:
        a, op, b, result = int(match[1]), match[2], int(match[3]), int(match[4])
        wrong_op = _WRONG_OP[op]
        wrong = _apply(a, wrong_op, b)
        out = []
        if wrong is not None and wrong != result:
            text = step[: match.start()] + f"{a} {wrong_op} {b} = {wrong}" + step[match.end():]
            out.append((text, f"Rejected: {_WRONG_OP_REASON[op]}."))
        slip = result + int(rng.choice([-10, -2, -1, 1, 2, 10]))
        if slip != result and slip >= 0:
            text = step[: match.start(4)] + str(slip) + step[match.end(4):]
            out.append((text, f"Rejected: recomputing {a} {op} {b} gives {result}, not {slip}."))
        return out
    numbers = list(re.finditer(r"\d+", step))
    if numbers and item.category in ("math", "code"):
        last = numbers[-1]
        value = int(last[0])
        slip = value + int(rng.choice([-2, -1, 1, 2])) if value > 2 else value + 1
        text = step[: last.start()] + str(slip) + step[last.end():]
        return [(text, f"Rejected: an off-by-one slip; counting again gives {value}.")]
    pool = list(item.distractors) or ["another reading"]
    chosen = pool[index % len(pool)]
    return [(chosen, f"Rejected: it does not account for this finding ({shorten(step, 90)}).")]


@dataclass
class _Spec:
    key: str
    type: str
    decision: str
    reasoning: str
    alternatives: list[tuple[str, str]] = field(default_factory=list)
    parent: str | None = None
    depends: list[str] = field(default_factory=list)


def _resolve_problem(problem: QuestionItem | str) -> QuestionItem:
    if isinstance(problem, QuestionItem):
        return problem
    if isinstance(problem, str):
        try:
            return get_item(problem)
        except ValueError:
            raise ValueError(f"problem {problem!r} is not a question id of the mock "
                             "datasets (e.g. 'math-001', 'med-003')") from None
    raise ValueError(f"problem must be a QuestionItem or a question id, got {problem!r}")


def minimum_events(problem: QuestionItem | str) -> int:
    """The fewest events a generated trace of ``problem`` can have: the start, the
    pattern, one hypothesis per solution step, the ambiguity and its resolution, the
    final check, the rejection of the top distractor and the committed answer."""
    return 7 + len(_steps_for(_resolve_problem(problem)))


def generate_trace(problem: QuestionItem | str, seed: int | np.random.Generator, *,
                   n_steps: int | None = None) -> Trace:
    """A coherent mock reasoning trace of ``problem`` (a dataset item or its id).

    The hypotheses follow the item's worked solution in order, so the trace really
    reaches the item's answer; each hypothesis carries rejected alternatives (a wrong
    operation or slip for arithmetic, the differential for worded steps) and the final
    answer rejects every distractor. ``n_steps`` is the number of events (at least
    :func:`minimum_events`, at most :data:`MAX_EVENTS`; by default 10-15 drawn from the
    seed); extra events wrap steps in start/complete events and add re-checks.

    Times: gamma-distributed durations per event type (shape 4), so timestamps
    (milliseconds since the start) strictly increase. Confidence follows a saturating
    recurrence ``c <- c + (1 - c) g`` with random gains, dips by a random factor at the
    ambiguity and recovers when it is resolved.
    """
    item = _resolve_problem(problem)
    rng = make_rng(seed)
    steps = _steps_for(item)
    k = len(steps)
    core = 7 + k
    if n_steps is None:
        n = int(rng.integers(max(DEFAULT_EVENTS[0], core), max(DEFAULT_EVENTS[1], core) + 1))
    else:
        n = require_int("n_steps", n_steps, low=core, high=MAX_EVENTS)
    extra = n - core
    wraps = min(k, extra // 2)
    wrapped = set(rng.choice(k, size=wraps, replace=False).tolist()) if wraps else set()
    rest = extra - 2 * wraps
    rechecks = [rest // k + (1 if i < rest % k else 0) for i in range(k)]
    ambiguous = int(rng.integers(0, k))

    specs: list[_Spec] = []
    pattern, why_pattern = _PATTERNS.get(item.category, _PATTERNS["general"])
    specs.append(_Spec("root", "step_started", f"Start solving {item.id}",
                       f"Read the problem: {item.question}"))
    specs.append(_Spec("pattern", "pattern_applied", pattern, why_pattern, parent="root"))
    previous = "pattern"
    alternatives_of: dict[int, list[tuple[str, str]]] = {}
    for i, step in enumerate(steps):
        parent = "root"
        if i in wrapped:
            specs.append(_Spec(f"start{i}", "step_started", f"Step {i + 1} of {k}",
                               f"Work out step {i + 1} using the result of the step before.",
                               parent="root", depends=[previous]))
            parent = f"start{i}"
        alts = _step_alternatives(item, step, i, rng)
        alternatives_of[i] = alts
        specs.append(_Spec(f"hyp{i}", "hypothesis_formed", step,
                           f"Step {i + 1}: this follows from "
                           + ("the problem statement." if i == 0 else f"step {i}'s result."),
                           alternatives=alts, parent=parent, depends=[previous]))
        for r in range(rechecks[i]):
            specs.append(_Spec(f"chk{i}_{r}", "constraint_evaluated",
                               f"Re-check step {i + 1} (pass {r + 1}): it still holds",
                               f"Recomputing '{shorten(step, 80)}' gives the same result.",
                               parent=parent, depends=[f"hyp{i}"]))
        if i in wrapped:
            specs.append(_Spec(f"done{i}", "step_completed", f"Step {i + 1} done",
                               f"Result kept: {shorten(step, 100)}", parent=parent,
                               depends=[f"hyp{i}"]))
        previous = f"hyp{i}"
        if i == ambiguous:
            other = alts[0][0] if alts else (item.distractors[0] if item.distractors else "")
            specs.append(_Spec(
                "amb", "ambiguity_flagged", f"Step {i + 1} could be read another way",
                f"The wording also supports '{shorten(other, 90)}'; both readings look "
                "plausible until they are checked against the rest of the problem.",
                alternatives=[(other, "Not rejected yet: kept open until the next check.")],
                parent="root", depends=[f"hyp{i}"]))
            specs.append(_Spec(
                "resolve", "confidence_updated", f"Ambiguity resolved: keep step {i + 1}",
                f"Carrying '{shorten(other, 60)}' forward contradicts what the problem "
                f"states; only '{shorten(step, 60)}' is consistent with it.",
                alternatives=[(other, "Contradicts the problem statement once carried "
                                      "forward.")],
                parent="root", depends=["amb"]))
    top = item.distractors[0] if item.distractors else "another answer"
    check = ("a whole number consistent with every step" if item.category == "math" else
             "the value the code produces" if item.category == "code" else
             "consistent with every detail of the question")
    specs.append(_Spec("check", "constraint_evaluated", f"Check: {item.answer} is {check}",
                       f"Substituting {item.answer} back into the problem leaves no "
                       "contradiction.", parent="root", depends=[previous, "resolve"]))
    specs.append(_Spec("reject", "alternative_rejected", f"Reject {top}",
                       f"{top} is the most tempting alternative, but it fails the check "
                       f"that {item.answer} passes.",
                       alternatives=[(top, _distractor_reason(item, top))], parent="root",
                       depends=["check"]))
    specs.append(_Spec("answer", "answer_committed", f"Answer: {item.answer}",
                       f"Every step leads to {item.answer} and each alternative was "
                       "ruled out.",
                       alternatives=[(d, _distractor_reason(item, d))
                                     for d in item.distractors],
                       parent="root", depends=[previous, "reject"]))
    assert len(specs) == n, (len(specs), n)
    return _materialize(item, specs, rng)


def _distractor_reason(item: QuestionItem, distractor: str) -> str:
    if item.category == "math":
        return (f"The worked steps give {item.answer}; {distractor} is what a skipped or "
                "misapplied step would give.")
    if item.category == "code":
        return f"Tracing the code gives {item.answer}, not {distractor}."
    return f"It does not explain every detail of the question the way {item.answer} does."


def _materialize(item: QuestionItem, specs: Sequence[_Spec],
                 rng: np.random.Generator) -> Trace:
    """Turn the event plan into events: ids, gamma-distributed timestamps, confidence
    trajectory and scored alternatives."""
    n = len(specs)
    width = max(2, len(str(n)))
    ids = {spec.key: f"e{i + 1:0{width}d}" for i, spec in enumerate(specs)}
    means = np.array([_MEAN_MS[spec.type] for spec in specs])
    durations = np.maximum(rng.gamma(4.0, means / 4.0), 1.0)
    stamps = np.round(np.concatenate([[0.0], np.cumsum(durations[:-1])]), 1)
    gains = rng.uniform(0.08, 0.25, size=n)
    dips = rng.uniform(0.45, 0.7, size=n)
    recover = rng.uniform(0.45, 0.65, size=n)
    confidence = np.empty(n)
    c = float(rng.uniform(0.3, 0.45))
    for i, spec in enumerate(specs):
        if spec.type == "ambiguity_flagged":
            c *= dips[i]
        elif spec.type == "confidence_updated":
            c += (1.0 - c) * recover[i]
        elif spec.type in ("step_started", "step_completed"):
            pass
        else:
            c += (1.0 - c) * gains[i]
        confidence[i] = round(min(c, 0.99), 3)
    events = []
    for i, spec in enumerate(specs):
        alts: tuple[Alternative, ...] = ()
        if spec.alternatives:
            ceiling = max(float(confidence[i]) * 0.85, 0.05)
            scores = np.sort(rng.uniform(0.02, ceiling, size=len(spec.alternatives)))[::-1]
            alts = tuple(Alternative(text, round(float(s), 3), reason)
                         for (text, reason), s in zip(spec.alternatives, scores, strict=True))
        events.append(TraceEvent(
            id=ids[spec.key], timestamp=float(stamps[i]), type=spec.type,
            decision=spec.decision, reasoning=spec.reasoning, alternatives=alts,
            confidence=float(confidence[i]),
            parent_id=ids[spec.parent] if spec.parent else None,
            depends_on=tuple(ids[d] for d in dict.fromkeys(spec.depends)),
        ))
    return Trace(problem_id=item.id, question=item.question, answer=item.answer,
                 events=tuple(events), expected_answer=item.answer,
                 title=f"{item.id} ({item.category})")


def iter_replay(trace: Trace) -> Iterator[Trace]:
    """The trace event by event: the prefixes with 1, 2, ..., n events (live replay)."""
    if not isinstance(trace, Trace):
        raise ValueError(f"trace must be a Trace, got {type(trace).__name__}")
    for i in range(1, len(trace.events) + 1):
        yield trace.prefix(i)
