"""Span analysis of imported traces: the span tree, the critical path, the time, token
and cost roll-up per span, breakdowns per kind or model, filters and the comparison of
two traces.

All functions are pure and vectorised with numpy over the trace's events, with no
recursion, so a 10^4-deep chain and a 10^5-span trace are handled alike. A reasoning
trace of the mock (point events) is a span trace whose spans all have zero length.

Definitions used throughout:

- a span's *parent* is its ``parent_id`` when that id is in the trace (else it is a root);
- *finish*: the recorded end, or for an open span the trace's last known time
  (:meth:`Trace.span_times`);
- an *LLM span* is a span of kind ``llm`` or one that carries token counts or a cost;
  a *leaf* LLM span has no LLM span beneath it. Tokens and cost of a span are summed over
  the leaf LLM spans of its subtree (itself included), so a generation nested in a
  generation, both carrying usage (as Vercel's AI SDK writes them), is counted once.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crucible_scenarios.trace.model import Trace
from crucible_scenarios.trace.structure import preorder, subtree_sum

ROLLUP_COLUMNS = ["span_id", "parent_id", "self_ms", "total_ms", "input_tokens",
                  "output_tokens", "cost_usd"]
GROUPINGS = ("name", "kind", "model")


def _require_trace(trace: object, name: str = "trace") -> Trace:
    if not isinstance(trace, Trace):
        raise ValueError(f"{name} must be a Trace, got {type(trace).__name__}")
    return trace


@dataclass(frozen=True)
class SpanTree:
    """The parent/child structure of a trace.

    ``roots``: ids of spans without a parent in the trace, in start order; ``children``:
    each span's children in start order; ``depth``: 0 for roots; ``order``: event indexes
    in depth-first pre-order (parents before their children, siblings by start), the row
    order of a waterfall; ``parent_index`` and ``depths``: the same as numpy arrays over
    the event order (-1 for no parent)."""

    roots: tuple[str, ...]
    children: dict[str, tuple[str, ...]]
    depth: dict[str, int]
    order: np.ndarray
    parent_index: np.ndarray
    depths: np.ndarray


def span_tree(trace: Trace) -> SpanTree:
    """Roots, children and depth of every span of ``trace`` (parent links; a parent id
    missing from the trace makes a root). Depths by pointer doubling, the pre-order by an
    explicit stack: no recursion. ``ValueError`` when the parent links form a cycle."""
    trace = _require_trace(trace)
    structure = trace.structure
    parent, depths, ids = structure.parent, structure.depths, structure.ids
    children: dict[str, list[str]] = {i: [] for i in ids}
    roots = []
    for i, p in enumerate(parent.tolist()):
        if p < 0:
            roots.append(ids[i])
        else:
            children[ids[p]].append(ids[i])
    return SpanTree(roots=tuple(roots),
                    children={k: tuple(v) for k, v in children.items()},
                    depth=dict(zip(ids, depths.tolist(), strict=True)),
                    order=preorder(parent), parent_index=parent, depths=depths)


@dataclass(frozen=True)
class CriticalSection:
    """A stretch of the critical path: the span that was doing the work from
    ``start_ms`` to ``end_ms``."""

    span_id: str
    start_ms: float
    end_ms: float


def _clipped(trace: Trace, parent: np.ndarray, levels: list[np.ndarray]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and finish of each span clipped to its (clipped) parent's interval, top down
    by level, and whether the span lies inside its parent at all (Jaeger's sanitising of
    children that overflow their parent)."""
    starts, finishes = trace.span_times()
    s = starts.copy()
    f = finishes.copy()
    inside = np.ones(parent.size, dtype=bool)
    for level in levels[1:]:
        p = parent[level]
        s[level] = np.maximum(s[level], s[p])
        f[level] = np.minimum(f[level], f[p])
        inside[level] = inside[p] & (s[level] <= f[level])
    return s, f, inside


def critical_path(trace: Trace) -> list[CriticalSection]:
    """The critical path: the sections of spans that set the end-to-end time, in time
    order, by Jaeger's backward walk (``computeCriticalPath`` of the Jaeger UI). From the
    root, take its last-finishing child; the parent owns the stretch from that child's
    end to the parent's end; descend into the child; when a span has no child finishing
    before the current cut-off it owns the stretch from its start to the cut-off and the
    walk returns to its parent with the cut-off moved to that span's start, looking for a
    child that finished (strictly) before it. Children are first clipped to their
    parent's interval and those wholly outside it are ignored. Several roots are walked
    the same way under a virtual parent spanning them all. Iterative, no recursion."""
    trace = _require_trace(trace)
    n = len(trace.events)
    if n == 0:
        return []
    structure = trace.structure
    parent = structure.parent
    s, f, inside = _clipped(trace, parent, structure.levels)
    # children of each node (virtual root n) sorted by finish, as flat arrays
    par = np.where(parent >= 0, parent, n)
    keep = np.flatnonzero(inside)
    order = keep[np.lexsort((f[keep], par[keep]))]
    owner = par[order]
    bounds = np.searchsorted(owner, np.arange(n + 2))
    s_all = np.append(s, s.min())
    f_all = np.append(f, f.max())
    ids = structure.ids
    sections: list[CriticalSection] = []
    node, cutoff = n, None
    up = np.append(par, -1)
    while True:
        lo, hi = int(bounds[node]), int(bounds[node + 1])
        kids_f = f[order[lo:hi]]
        if cutoff is None:
            k = hi - lo - 1
        else:
            k = bisect.bisect_left(kids_f.tolist(), cutoff) - 1 if hi > lo else -1
        end = f_all[node] if cutoff is None else cutoff
        if hi > lo and k >= 0:
            child = int(order[lo + k])
            if node < n and f[child] != end:
                sections.append(CriticalSection(ids[node], float(f[child]), float(end)))
            node, cutoff = child, None
            continue
        if node < n:
            sections.append(CriticalSection(ids[node], float(s_all[node]), float(end)))
        if node == n:
            break
        node, cutoff = int(up[node]), float(s_all[node])
    sections.reverse()
    return sections


def critical_ids(trace: Trace) -> set[str]:
    """Ids of the spans that own a stretch of :func:`critical_path`."""
    return {section.span_id for section in critical_path(trace)}


def _union_covered(parent: np.ndarray, s: np.ndarray, f: np.ndarray, n: int) -> np.ndarray:
    """Length of the union of each span's children's (clipped) intervals: sort children
    by (parent, start), keep a running maximum of ends within each parent and count only
    what extends past it (the sweep-line union of intervals)."""
    kids = np.flatnonzero(parent >= 0)
    covered = np.zeros(n)
    if kids.size == 0:
        return covered
    p = parent[kids]
    cs = np.maximum(s[kids], s[p])
    cf = np.minimum(f[kids], f[p])
    ok = cf > cs
    kids, p, cs, cf = kids[ok], p[ok], cs[ok], cf[ok]
    if kids.size == 0:
        return covered
    order = np.lexsort((cs, p))
    p, cs, cf = p[order], cs[order], cf[order]
    reach = pd.Series(cf).groupby(p).cummax().to_numpy()
    prev = np.empty_like(reach)
    prev[0] = -np.inf
    prev[1:] = reach[:-1]
    first = np.ones(p.size, dtype=bool)
    first[1:] = p[1:] != p[:-1]
    prev[first] = -np.inf
    gain = np.maximum(0.0, cf - np.maximum(cs, prev))
    return np.bincount(p, weights=gain, minlength=n)


def rollup(trace: Trace) -> pd.DataFrame:
    """One row per span, in event order: ``span_id``, ``parent_id``, ``total_ms`` (its
    duration, finish minus start), ``self_ms`` (the duration minus the union of its
    children's intervals clipped to it: time spent in the span itself), and
    ``input_tokens``, ``output_tokens``, ``cost_usd`` summed over the leaf LLM spans of its
    subtree (itself included when it is one; missing when none of them records it).
    Vectorised: subtree sums level by level, the union by a sorted sweep."""
    trace = _require_trace(trace)
    n = len(trace.events)
    structure = trace.structure
    parent, levels, ids = structure.parent, structure.levels, structure.ids
    starts, finishes = trace.span_times()
    total = finishes - starts
    covered = _union_covered(parent, starts, finishes, n)
    usage = np.where(structure.leaf_llm[:, None], structure.usage, 0.0)
    sums = subtree_sum(usage, parent, levels) if n else usage
    frame = pd.DataFrame({
        "span_id": pd.Series(ids, dtype=object),
        "parent_id": pd.Series(np.where(parent >= 0, np.array(ids, dtype=object)[parent],
                                        None), dtype=object),
        "self_ms": np.maximum(total - covered, 0.0),
        "total_ms": total,
        "input_tokens": pd.array(np.where(sums[:, 3] > 0, sums[:, 0], np.nan),
                                 dtype="Float64").astype("Int64"),
        "output_tokens": pd.array(np.where(sums[:, 4] > 0, sums[:, 1], np.nan),
                                  dtype="Float64").astype("Int64"),
        "cost_usd": np.where(sums[:, 5] > 0, sums[:, 2], np.nan),
    }, columns=ROLLUP_COLUMNS)
    return frame


def _span_frame(trace: Trace) -> pd.DataFrame:
    """Per span: rollup timing plus name, kind, model, status and its own usage when it
    is a leaf LLM span (so sums over any grouping count each leaf once)."""
    table = rollup(trace)
    leaf = trace.structure.leaf_llm
    usage = trace.structure.usage
    table["name"] = [e.name or e.decision for e in trace.events]
    table["kind"] = [e.kind for e in trace.events]
    table["model"] = [e.model or "" for e in trace.events]
    table["status"] = [e.status for e in trace.events]
    table["leaf_input_tokens"] = np.where(leaf, usage[:, 0], 0.0)
    table["leaf_output_tokens"] = np.where(leaf, usage[:, 1], 0.0)
    table["leaf_cost_usd"] = np.where(leaf, usage[:, 2], 0.0)
    table["errors"] = (table["status"] == "error").astype(int)
    return table


def breakdown(trace: Trace, by: str = "kind") -> pd.DataFrame:
    """Time, tokens and cost per span ``name``, ``kind`` or ``model``: number of spans,
    errors, summed self time (so nested spans are not counted twice), summed durations,
    and tokens and cost of the leaf LLM spans in the group; largest self time first."""
    trace = _require_trace(trace)
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {list(GROUPINGS)}, got {by!r}")
    table = _span_frame(trace)
    grouped = table.groupby(by, sort=False).agg(
        spans=("span_id", "size"), errors=("errors", "sum"), self_ms=("self_ms", "sum"),
        total_ms=("total_ms", "sum"), input_tokens=("leaf_input_tokens", "sum"),
        output_tokens=("leaf_output_tokens", "sum"), cost_usd=("leaf_cost_usd", "sum"))
    grouped = grouped.reset_index().rename(columns={by: "key"})
    for column in ("input_tokens", "output_tokens"):
        grouped[column] = grouped[column].astype("int64")
    return grouped.sort_values(["self_ms", "key"], ascending=[False, True],
                               ignore_index=True)


@dataclass(frozen=True)
class TraceComparison:
    """Two traces side by side per span name, kind or model: ``table`` has the key, and
    for each trace (suffix ``_a`` / ``_b``) spans, self time, tokens and cost, plus the
    differences b - a; ``only_in_a`` / ``only_in_b`` count spans whose key does not occur
    in the other trace."""

    by: str
    table: pd.DataFrame
    only_in_a: int
    only_in_b: int


def compare_traces(a: Trace, b: Trace, by: str = "name") -> TraceComparison:
    """Per span ``name`` (or ``kind``, ``model``): spans, self time, tokens and cost of
    trace ``a`` and trace ``b`` side by side (an outer join of :func:`breakdown`), the
    change b - a of self time, tokens and cost, and the number of spans in each trace
    whose key the other trace lacks."""
    a = _require_trace(a, "a")
    b = _require_trace(b, "b")
    left = breakdown(a, by)
    right = breakdown(b, by)
    table = left.merge(right, on="key", how="outer", suffixes=("_a", "_b"))
    numeric = [c for c in table.columns if c != "key"]
    table[numeric] = table[numeric].fillna(0)
    for column in ("spans", "errors", "input_tokens", "output_tokens"):
        for side in ("_a", "_b"):
            table[column + side] = table[column + side].astype("int64")
    for column in ("self_ms", "input_tokens", "output_tokens", "cost_usd"):
        table[f"{column}_change"] = table[f"{column}_b"] - table[f"{column}_a"]
    only_a = int(table.loc[table["spans_b"] == 0, "spans_a"].sum())
    only_b = int(table.loc[table["spans_a"] == 0, "spans_b"].sum())
    table = table.sort_values(["self_ms_change", "key"], key=None, ascending=[False, True],
                              ignore_index=True)
    return TraceComparison(by=by, table=table, only_in_a=only_a, only_in_b=only_b)


def filter_spans(trace: Trace, text: str | None = None, kinds: Iterable[str] | None = None,
                 statuses: Iterable[str] | None = None,
                 min_duration_ms: float | None = None) -> np.ndarray:
    """Boolean mask over the events: every white-space separated term of ``text`` occurs
    (case-insensitive) in some text field (name, id, texts, model, attribute keys and
    values, span event names), the kind is in ``kinds``, the status in ``statuses``, and
    the duration is at least ``min_duration_ms``. ``None`` leaves a criterion out."""
    trace = _require_trace(trace)
    n = len(trace.events)
    mask = np.ones(n, dtype=bool)
    if text is not None and not isinstance(text, str):
        raise ValueError(f"text must be a string or None, got {type(text).__name__}")
    for name, wanted in (("kinds", kinds), ("statuses", statuses)):
        if wanted is None:
            continue
        if isinstance(wanted, str):
            raise ValueError(f"{name} must be a collection of strings, not one string")
        try:
            values = np.array([str(w) for w in wanted], dtype=object)
        except TypeError:
            raise ValueError(f"{name} must be a collection of strings, got "
                             f"{type(wanted).__name__}") from None
        field_name = "kind" if name == "kinds" else "status"
        column = np.array([getattr(e, field_name) for e in trace.events], dtype=object)
        mask &= np.isin(column, values)
    if min_duration_ms is not None:
        if isinstance(min_duration_ms, bool) or not isinstance(min_duration_ms, int | float) \
                or not np.isfinite(min_duration_ms):
            raise ValueError(f"min_duration_ms must be a finite number, got "
                             f"{min_duration_ms!r}")
        starts, finishes = trace.span_times()
        mask &= (finishes - starts) >= float(min_duration_ms)
    terms = (text or "").casefold().split()
    if terms:
        hay = _haystack(trace)
        for i in np.flatnonzero(mask):
            mask[i] = all(term in hay[i] for term in terms)
    return mask


def _haystack(trace: Trace) -> list[str]:
    return ["\n".join(e.text_fields()).casefold() for e in trace.events]


def span_details(trace: Trace, span_id: str) -> dict[str, Any]:
    """Everything about one span for a details view: timing (start, finish, duration,
    self time, open), kind, status and message, model, tokens and cost (its own and
    rolled up), parent, number of children, and whether it is on the critical path."""
    trace = _require_trace(trace)
    event = trace.event(span_id)
    index = trace.ids.index(span_id)
    starts, finishes = trace.span_times()
    table = rollup(trace)
    row = table.iloc[index]

    def _value(value: Any) -> Any:
        return None if pd.isna(value) else value.item() if hasattr(value, "item") else value

    return {
        "id": event.id, "name": event.name or event.decision, "kind": event.kind,
        "status": event.status, "status_message": event.status_message,
        "start_ms": float(starts[index]), "finish_ms": float(finishes[index]),
        "duration_ms": float(finishes[index] - starts[index]),
        "self_ms": float(row["self_ms"]), "open": event.is_open,
        "model": event.model, "input_tokens": event.input_tokens,
        "output_tokens": event.output_tokens, "cost_usd": event.cost_usd,
        "rolled_up_input_tokens": _value(row["input_tokens"]),
        "rolled_up_output_tokens": _value(row["output_tokens"]),
        "rolled_up_cost_usd": _value(row["cost_usd"]),
        "parent_id": row["parent_id"],
        "children": int((table["parent_id"] == span_id).sum()),
        "on_critical_path": span_id in critical_ids(trace),
    }
