"""The arrays of a span tree, built once per trace and cached on it: each span's parent
index (a hash lookup), depth by pointer doubling (no recursion), levels, own token usage
and the leaf-LLM mask that keeps nested generations from being counted twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crucible_scenarios.trace.events import TraceEvent


@dataclass(frozen=True)
class SpanStructure:
    """Arrays over a trace's events, built once per trace (cached on the Trace)."""

    ids: list[str]
    parent: np.ndarray
    depths: np.ndarray
    levels: list[np.ndarray]
    usage: np.ndarray
    leaf_llm: np.ndarray


def compute_structure(events: Sequence[TraceEvent]) -> SpanStructure:
    """Parent indexes (a hash lookup of every parent id among the ids; the first event
    wins for a repeated id), depths, levels, own usage and the leaf-LLM mask."""
    n = len(events)
    ids = [e.id for e in events]
    index = pd.Index(ids, dtype=object)
    if index.is_unique:  # a C hash lookup of every parent id among the ids
        parent = index.get_indexer(pd.Index([e.parent_id for e in events], dtype=object)
                                   ).astype(np.int64)
    else:  # a repeated id: the first event with it is the parent
        position = dict(zip(reversed(ids), range(n - 1, -1, -1), strict=True))
        get = position.get
        parent = np.array([-1 if e.parent_id is None else get(e.parent_id, -1)
                           for e in events], dtype=np.int64)
    depths = _depths(parent)
    levels = _levels(depths)
    usage = _own_usage(events)
    llm = _llm_mask(events)
    below = subtree_sum(llm.astype(float), parent, levels)
    return SpanStructure(ids, parent, depths, levels, usage, llm & (below == 1.0))


def _depths(parent: np.ndarray) -> np.ndarray:
    """Depth of every node by pointer doubling (Wyllie's list ranking): each round adds
    the distance to the current jump target and doubles the jump, so ``log2(depth)``
    rounds suffice. Raises ``ValueError`` on a parent cycle."""
    n = parent.size
    dist = (parent >= 0).astype(np.int64)
    jump = parent.copy()
    for _ in range(max(1, int(np.ceil(np.log2(max(n, 2))))) + 2):
        active = np.flatnonzero(jump >= 0)
        if active.size == 0:
            return dist
        targets = jump[active]
        dist[active] += dist[targets]
        jump[active] = jump[targets]
    if (jump >= 0).any():
        raise ValueError("the parent links form a cycle; a span tree needs acyclic parents")
    return dist


def _levels(depths: np.ndarray) -> list[np.ndarray]:
    """Event indexes grouped by depth, shallowest first."""
    if depths.size == 0:
        return []
    order = np.argsort(depths, kind="stable")
    bounds = np.searchsorted(depths[order], np.arange(int(depths.max()) + 2))
    return [order[bounds[d]:bounds[d + 1]] for d in range(int(depths.max()) + 1)]


def preorder(parent: np.ndarray) -> np.ndarray:
    """Depth-first pre-order with an explicit stack (children in event order)."""
    n = parent.size
    kids: list[list[int]] = [[] for _ in range(n)]
    roots: list[int] = []
    for i, p in enumerate(parent.tolist()):
        (roots if p < 0 else kids[p]).append(i)
    out = np.empty(n, dtype=np.int64)
    k = 0
    stack = roots[::-1]
    while stack:
        node = stack.pop()
        out[k] = node
        k += 1
        stack.extend(reversed(kids[node]))
    return out[:k]


def subtree_sum(values: np.ndarray, parent: np.ndarray, levels: list[np.ndarray]
                 ) -> np.ndarray:
    """Sum of ``values`` (rows: events) over each subtree, deepest level first."""
    acc = values.astype(float, copy=True)
    for level in reversed(levels[1:]):
        np.add.at(acc, parent[level], acc[level])
    return acc


def _llm_mask(events: Sequence[TraceEvent]) -> np.ndarray:
    return np.fromiter((e.kind == "llm" or e.input_tokens is not None
                        or e.output_tokens is not None or e.cost_usd is not None
                        for e in events), dtype=bool, count=len(events))


def _own_usage(events: Sequence[TraceEvent]) -> np.ndarray:
    """Columns: input, output tokens, cost, and whether each is known (1/0)."""
    n = len(events)
    out = np.zeros((n, 6))
    if n == 0:
        return out
    # None becomes NaN in a float array
    values = np.column_stack([
        np.array([e.input_tokens for e in events], dtype=float),
        np.array([e.output_tokens for e in events], dtype=float),
        np.array([e.cost_usd for e in events], dtype=float)])
    known = ~np.isnan(values)
    out[:, :3] = np.where(known, values, 0.0)
    out[:, 3:] = known
    return out
