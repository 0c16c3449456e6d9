"""What the Causal Trace Explorer draws, computed without Streamlit: reading an uploaded
trace with a precise message for every way it can be unusable, the exports, the event
table and the text of the detail panel. The page caches these results, so they live in
an importable module (``st.cache_data`` pickles them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crucible_scenarios.trace import Trace, TraceFormatError, trace_from_dict
from crucible_ui.text import escape_markdown
from crucible_ui.trace.reasoning_charts import TYPE_LABELS
from crucible_ui.uploads import UploadError, read_json_upload

#: Most points a chart embeds; longer (uploaded) traces are thinned evenly for drawing.
MAX_CHART_POINTS = 2_000


@dataclass(frozen=True)
class UploadResult:
    """An uploaded trace, or why it cannot be used; ``problems`` are consistency issues
    (dangling links, cycles, time going backwards) that still allow exploring it."""

    trace: Trace | None
    error: str | None
    problems: tuple[str, ...] = ()


def read_trace_upload(data: bytes) -> UploadResult:
    """Parse an uploaded trace JSON (the format ``Trace.to_json`` writes).

    Empty, oversized, non-UTF-8 and malformed JSON are reported by
    :func:`crucible_ui.uploads.read_json_upload`; a document that is not a trace names the
    first bad field; duplicate event ids are refused (events could not be told apart);
    other inconsistencies come back as ``problems``.
    """
    try:
        doc = read_json_upload(data)
        trace = trace_from_dict(doc)
    except (UploadError, TraceFormatError) as exc:
        return UploadResult(None, str(exc))
    except RecursionError:
        return UploadResult(None, "The file nests JSON arrays or objects too deeply to be "
                                  "a trace.")
    problems = trace.validate()
    duplicates = [p for p in problems if "more than once" in p]
    if duplicates:
        return UploadResult(None, duplicates[0] + " Every event needs its own id.")
    return UploadResult(trace, None, tuple(problems))


def exports(trace: Trace) -> dict[str, str]:
    """The four downloads: JSON, Markdown, Mermaid and standalone HTML."""
    return {"json": trace.to_json(), "md": trace.to_markdown(), "mmd": trace.to_mermaid(),
            "html": trace.to_html()}


def event_table(trace: Trace, mask: np.ndarray) -> pd.DataFrame:
    """The events kept by ``mask``: id, time (s), type, decision, reasoning, confidence,
    number of alternatives and the ids it builds on."""
    kept = [e for e, keep in zip(trace.events, mask, strict=True) if keep]
    return pd.DataFrame({
        "event": [e.id for e in kept],
        "time (s)": [round(e.timestamp / 1000.0, 3) for e in kept],
        "type": [TYPE_LABELS.get(e.type, e.type) for e in kept],
        "decision": [e.decision for e in kept],
        "reasoning": [e.reasoning for e in kept],
        "confidence": [e.confidence for e in kept],
        "alternatives": [len(e.alternatives) for e in kept],
        "builds on": [", ".join(e.causes()) for e in kept],
    })


def thin_mask(mask: np.ndarray, limit: int = MAX_CHART_POINTS,
              keep: np.ndarray | None = None) -> np.ndarray:
    """``mask`` reduced to at most about ``limit`` evenly spaced kept events (plus those
    flagged in ``keep``), so a chart of a long trace stays small."""
    index = np.flatnonzero(mask)
    if index.size <= limit:
        return mask
    step = int(np.ceil(index.size / limit))
    out = np.zeros_like(mask)
    out[index[::step]] = True
    if keep is not None:
        out |= keep & mask
    return out


def event_label(trace: Trace, event_id: str) -> str:
    """``e05 · hypothesis formed · Notebooks cost ...`` for the event picker."""
    event = trace.event(event_id)
    text = " ".join(event.decision.split())
    text = text if len(text) <= 60 else text[:59] + "…"
    return f"{event.id} · {TYPE_LABELS.get(event.type, event.type)} · {text}"


def detail_markdown(trace: Trace, event_id: str) -> tuple[str, str, list[str], str, str]:
    """The detail panel of one event as escaped Markdown: heading, decision and
    reasoning, one line per rejected alternative, what it builds on, what builds on it."""
    event = trace.event(event_id)
    heading = (f"{escape_markdown(event.id)} · {TYPE_LABELS.get(event.type, event.type)} · "
               f"at {event.timestamp / 1000:.2f} s · confidence {event.confidence:.0%}")
    body = (f"**Decision:** {escape_markdown(event.decision)}\n\n"
            f"**Reasoning:** {escape_markdown(event.reasoning)}")
    alternatives = [
        f"**{escape_markdown(a.text)}** (score {a.score:.2f}) — "
        f"{escape_markdown(a.reason_rejected or 'no reason given')}"
        for a in sorted(event.alternatives, key=lambda a: -a.score)]

    def listing(events: list) -> str:  # type: ignore[type-arg]
        return "; ".join(escape_markdown(event_label(trace, e.id)) for e in events) or "none"

    missing = [c for c in event.causes() if c not in set(trace.ids)]
    parents = listing(trace.parents(event_id)) + (
        f" (missing: {escape_markdown(', '.join(missing))})" if missing else "")
    return heading, body, alternatives, parents, listing(trace.children(event_id))
