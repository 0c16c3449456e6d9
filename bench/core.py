"""Measuring helpers and the result table shared by every benchmark module.

Figures are medians over repeated runs (the machines are shared and noisy); ratios are
measured side by side in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One figure: what was measured, its median, and the target it must meet.

    ``target`` is an upper bound unless ``higher_is_better``; None means informative only.
    """

    area: str
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def status(self) -> str:
        if self.target is None:
            return "info"
        ok = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return "ok" if ok else "MISSED"


def median_seconds(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs after ``warmup`` discarded runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _format(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"
    if unit in ("/s", "rows/s", "samples/s"):
        return f"{value:,.0f} {unit}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:,.3g} {unit}".strip()


def format_table(rows: list[Row]) -> str:
    """A fixed-width text table: area, measurement, median, target, status."""
    header = ("area", "measurement", "median", "target", "status")
    body = []
    for row in rows:
        if row.target is None:
            target = "-"
        else:
            target = (">= " if row.higher_is_better else "<= ") + _format(row.target, row.unit)
        body.append((row.area, row.name + (f" ({row.note})" if row.note else ""),
                     _format(row.value, row.unit), target, row.status))
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)
