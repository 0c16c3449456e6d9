"""The per-item results of one evaluation run, whatever tool wrote them.

:class:`EvalLog` is what :func:`crucible_io.evals.read_eval_log` returns and what the
paired comparison (:mod:`crucible_scenarios.evals`) and the ensemble over real runs
(:mod:`crucible_scenarios.ensemble`) consume. It lives here, below the readers, so the
scenarios never import ``crucible_io``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: Columns every ``EvalLog.items`` frame has, in order.
ITEM_COLUMNS: tuple[str, ...] = ("item_id", "epoch", "score")
#: Columns a log may add where the tool recorded them.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "answer", "target", "confidence", "latency_s", "input_tokens", "output_tokens")
#: Prefix of metadata columns (usable as clusters).
META_PREFIX = "meta."


@dataclass(frozen=True)
class StoredAggregate:
    """The summary a tool stored beside its per-item scores (e.g. lm-eval's
    ``"acc,none"`` and ``"acc_stderr,none"``), kept to cross-check our own figures.
    ``stderr`` is None where the tool stored none (lm-eval writes ``"N/A"``)."""

    metric: str
    mean: float
    stderr: float | None = None
    n: int | None = None


@dataclass(frozen=True)
class EvalLog:
    """One run of one model on one task, as per-(item, epoch) scores.

    ``items`` has one row per (item, epoch) with columns ``item_id`` (str), ``epoch``
    (int, from 1), ``score`` (float: 0/1 or a continuous score) and, where the log has
    them, the :data:`OPTIONAL_COLUMNS` and ``meta.*`` metadata columns. ``metric`` is the
    score that was read; ``metrics``, ``filters`` and ``scorers`` list the choices the
    file offered (empty where the format has no such choice).
    """

    format: str
    task: str
    model: str
    metric: str
    items: pd.DataFrame
    source: str = ""
    metrics: tuple[str, ...] = ()
    filter: str | None = None
    filters: tuple[str, ...] = ()
    scorer: str | None = None
    scorers: tuple[str, ...] = ()
    stored: StoredAggregate | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def n_items(self) -> int:
        """Number of distinct items."""
        return int(self.items["item_id"].nunique())

    @property
    def epochs(self) -> int:
        """Largest number of epochs any item was scored in (1 for most logs)."""
        if self.items.empty:
            return 0
        return int(self.items.groupby("item_id")["epoch"].nunique().max())

    @property
    def meta_columns(self) -> list[str]:
        """The ``meta.*`` columns, usable as clusters."""
        return [c for c in self.items.columns if str(c).startswith(META_PREFIX)]

    def item_scores(self) -> pd.Series:
        """Mean score per item over its epochs, indexed by ``item_id`` (file order)."""
        grouped = self.items.groupby("item_id", sort=False)["score"].mean()
        return grouped.astype(float)

    def describe(self) -> str:
        """One line saying what was read, for pages and reports."""
        choice = self.filter or self.scorer
        chosen = f" ({choice})" if choice else ""
        epochs = f" x {self.epochs} epochs" if self.epochs > 1 else ""
        return (f"{self.format}: {self.task} / {self.model}, {self.metric}{chosen}, "
                f"{self.n_items} items{epochs}")


UNKNOWN_MODEL = "unknown model"


def _stem(source: str) -> str:
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in (".jsonl", ".json", ".eval", ".csv", ".zip"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def run_names(logs: list[EvalLog]) -> list[str]:
    """A name for each run that tells it apart from the others: its model, or the file's
    name without extension when the file records no model; where two runs would share a
    name, the task is added if their tasks differ, then the file's name, then the run's
    position (1-based)."""
    names = [log.model if log.model and log.model != UNKNOWN_MODEL else _stem(log.source)
             for log in logs]
    for extra in (lambda log: log.task, lambda log: _stem(log.source)):
        counts = {n: names.count(n) for n in names}
        for i, log in enumerate(logs):
            if counts[names[i]] > 1 and extra(log) not in names[i]:
                names[i] = f"{names[i]} ({extra(log)})"
    counts = {n: names.count(n) for n in names}
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if counts[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            names[i] = f"{name} #{seen[name]}"
    return names
