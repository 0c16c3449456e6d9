"""A trace as Markdown, a Mermaid flowchart and a standalone HTML page, reasoning traces
and span traces alike; every text a trace carries is escaped for its target."""

from __future__ import annotations

import html
import json
import re
from typing import Protocol

import numpy as np

from crucible_scenarios.trace.events import EVENT_TYPES, TraceEvent, TraceStatistics
from crucible_scenarios.trace.structure import SpanStructure


class ExportableTrace(Protocol):
    """What the exports read of a :class:`crucible_scenarios.trace.Trace` (which imports
    this module, so the exports name its shape instead of importing it)."""

    @property
    def problem_id(self) -> str: ...

    @property
    def question(self) -> str: ...

    @property
    def answer(self) -> str: ...

    @property
    def events(self) -> tuple[TraceEvent, ...]: ...

    @property
    def model(self) -> str: ...

    @property
    def expected_answer(self) -> str | None: ...

    @property
    def title(self) -> str: ...

    @property
    def trace_id(self) -> str: ...

    @property
    def source_format(self) -> str: ...

    @property
    def notes(self) -> tuple[str, ...]: ...


    @property
    def is_spans(self) -> bool: ...

    @property
    def structure(self) -> SpanStructure: ...

    def span_times(self) -> tuple[np.ndarray, np.ndarray]: ...

    def statistics(self) -> TraceStatistics: ...


# --- span exports ----------------------------------------------------------------------

_KIND_COLORS: dict[str, str] = {
    "llm": "#0072B2", "tool": "#E69F00", "retriever": "#009E73", "chain": "#999999",
    "agent": "#CC79A7", "embedding": "#56B4E9", "reranker": "#F0E442",
    "guardrail": "#D55E00", "evaluator": "#882255", "span": "#BBBBBB", "event": "#444444",
}
_MAX_INDENT = 24


def _span_depths(trace: ExportableTrace) -> list[int]:
    try:
        return [int(d) for d in trace.structure.depths.tolist()]
    except ValueError:  # parent cycle: show flat
        return [0] * len(trace.events)


def _span_summary(trace: ExportableTrace) -> tuple[float, list[str], int, int, float]:
    starts, finishes = trace.span_times()
    duration = float(finishes.max() - starts.min()) if trace.events else 0.0
    models = sorted({e.model for e in trace.events if e.model})
    table = trace.structure
    leaf = table.leaf_llm
    usage = table.usage
    return (duration, models, int(usage[leaf, 0].sum()), int(usage[leaf, 1].sum()),
            float(usage[leaf, 2].sum()))


def _usage_text(e: TraceEvent) -> str:
    parts = []
    if e.model:
        parts.append(f"model {e.model}")
    if e.input_tokens is not None or e.output_tokens is not None:
        parts.append(f"{e.input_tokens or 0} in / {e.output_tokens or 0} out tokens")
    if e.cost_usd is not None:
        parts.append(f"${e.cost_usd:.6f}")
    return ", ".join(parts)


def _spans_markdown(trace: ExportableTrace) -> str:
    duration, models, tokens_in, tokens_out, cost = _span_summary(trace)
    starts, finishes = trace.span_times()
    lines = [f"# Trace: {_md(trace.title or trace.problem_id)}", "",
             f"**Format:** {_md(trace.source_format)} · **trace id:** {_md(trace.trace_id)} · "
             f"{len(trace.events)} spans · {duration:.1f} ms", "",
             f"**Models:** {_md(', '.join(models) or 'none')} · {tokens_in} input and "
             f"{tokens_out} output tokens (leaf LLM spans) · ${cost:.6f}", ""]
    for note in trace.notes:
        lines.append(f"> Note: {_md(note)}")
    if trace.notes:
        lines.append("")
    for e, depth, start, finish in zip(trace.events, _span_depths(trace), starts, finishes,
                                       strict=True):
        pad = "  " * min(depth, _MAX_INDENT)
        usage = _usage_text(e)
        state = "open" if e.is_open else e.status
        lines.append(f"{pad}- **{_md(e.name or e.decision)}** ({_md(e.kind)}, {_md(state)}) "
                     f"{start:.1f}-{finish:.1f} ms, {finish - start:.1f} ms"
                     + (f"; {_md(usage)}" if usage else "") + f" · id {_md(e.id)}")
        if e.status_message:
            lines.append(f"{pad}  - status: {_md(shorten(e.status_message, 300))}")
        if e.input_text:
            lines.append(f"{pad}  - input: {_md(shorten(e.input_text, 300))}")
        if e.output_text:
            lines.append(f"{pad}  - output: {_md(shorten(e.output_text, 300))}")
    return "\n".join(lines).rstrip() + "\n"


def _spans_mermaid(trace: ExportableTrace) -> str:
    index: dict[str, int] = {}
    for i, event in enumerate(trace.events):
        index.setdefault(event.id, i)
    starts, finishes = trace.span_times()
    lines = ["flowchart TD"]
    for i, event in enumerate(trace.events):
        label = (_mermaid_text(shorten(event.name or event.decision, 60)) + "<br/>"
                 + _mermaid_text(f"{event.kind} · {finishes[i] - starts[i]:.1f} ms"))
        css = "k_error" if event.status == "error" else _kind_class(event.kind)
        lines.append(f'    n{i}["{label}"]:::{css}')
    for i, event in enumerate(trace.events):
        if event.parent_id in index and index[event.parent_id] != i:
            lines.append(f"    n{index[event.parent_id]} --> n{i}")
        for dep in dict.fromkeys(event.depends_on):
            if dep in index and dep != event.parent_id and index[dep] != i:
                lines.append(f"    n{index[dep]} -.-> n{i}")
    for kind, colour in _KIND_COLORS.items():
        lines.append(f"    classDef {_kind_class(kind)} fill:{colour},stroke:#333,color:#000")
    lines.append("    classDef k_other fill:#DDDDDD,stroke:#333,color:#000")
    lines.append("    classDef k_error fill:#FFDDDD,stroke:#D00,stroke-width:3px,color:#000")
    return "\n".join(lines) + "\n"


def _kind_class(kind: str) -> str:
    return f"k_{kind}" if kind in _KIND_COLORS else "k_other"


def _spans_html(trace: ExportableTrace) -> str:
    e = html.escape
    duration, models, tokens_in, tokens_out, cost = _span_summary(trace)
    starts, finishes = trace.span_times()
    t0 = float(starts.min()) if trace.events else 0.0
    scale = 100.0 / duration if duration > 0 else 0.0
    rows = []
    for ev, depth, start, finish in zip(trace.events, _span_depths(trace), starts, finishes,
                                        strict=True):
        left = (start - t0) * scale
        width = max((finish - start) * scale, 0.3)
        colour = _KIND_COLORS.get(ev.kind, "#DDDDDD")
        texts = "".join(
            f"<details><summary>{label}</summary><pre>{e(value)}</pre></details>"
            for label, value in (("status message", ev.status_message),
                                 ("input", ev.input_text), ("output", ev.output_text))
            if value)
        if ev.attributes:
            texts += ("<details><summary>attributes</summary><pre>"
                      + e(json.dumps(ev.attributes, indent=1, ensure_ascii=False,
                                     default=str)) + "</pre></details>")
        if ev.span_events:
            texts += ("<details><summary>events</summary><ul>" + "".join(
                f"<li>{se.time_ms:.1f} ms: {e(se.name)}</li>" for se in ev.span_events)
                + "</ul></details>")
        state = "open" if ev.is_open else ev.status
        rows.append(
            f"<tr class=\"{'err' if ev.status == 'error' else ''}\">"
            f"<td style=\"padding-left:{0.4 + 0.8 * min(depth, _MAX_INDENT):.1f}rem\">"
            f"<b>{e(ev.name or ev.decision)}</b><br><span class=id>{e(ev.id)}</span>{texts}"
            f"</td><td>{e(ev.kind)}</td><td>{e(state)}</td>"
            f"<td class=num>{start:.1f}</td><td class=num>{finish - start:.1f}</td>"
            f"<td>{e(_usage_text(ev))}</td><td class=wf><div style=\"margin-left:"
            f"{left:.2f}%;width:{min(width, 100.0 - left + 0.3):.2f}%;background:{colour}\">"
            "</div></td></tr>")
    notes = "".join(f"<li>{e(note)}</li>" for note in trace.notes)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Trace: {e(trace.title or trace.problem_id)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:1.5rem;line-height:1.4;color:#111;"
        "background:#fff}table{border-collapse:collapse;width:100%}td,th{border-bottom:"
        "1px solid #ddd;padding:.3rem;vertical-align:top;text-align:left}.num{text-align:"
        "right;font-variant-numeric:tabular-nums}.id{color:#666;font-size:.8em}"
        ".wf{width:30%;min-width:8rem}.wf div{height:.8rem;border-radius:2px}"
        ".err td:first-child{border-left:4px solid #D00}pre{white-space:pre-wrap;"
        "max-height:20rem;overflow:auto}@media (prefers-color-scheme:dark){body{color:#eee;"
        "background:#111}td,th{border-color:#333}.id{color:#aaa}}</style></head><body>"
        f"<h1>Trace: {e(trace.title or trace.problem_id)}</h1>"
        f"<p>Format {e(trace.source_format)} &middot; trace id {e(trace.trace_id)} &middot; "
        f"{len(trace.events)} spans &middot; {duration:.1f} ms &middot; models "
        f"{e(', '.join(models) or 'none')} &middot; {tokens_in} input and {tokens_out} "
        f"output tokens (leaf LLM spans) &middot; ${cost:.6f}</p>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "<table><thead><tr><th>span</th><th>kind</th><th>status</th><th>start (ms)</th>"
        "<th>duration (ms)</th><th>model, tokens, cost</th><th>waterfall</th></tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table></body></html>\n")


# --- text helpers ------------------------------------------------------------------------

_TYPE_COLORS: dict[str, str] = {
    "step_started": "#999999", "pattern_applied": "#CC79A7", "hypothesis_formed": "#0072B2",
    "constraint_evaluated": "#009E73", "ambiguity_flagged": "#E69F00",
    "confidence_updated": "#56B4E9", "alternative_rejected": "#D55E00",
    "step_completed": "#999999", "answer_committed": "#F0E442",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&])")
_MERMAID_SAFE = re.compile(r"[A-Za-z0-9_ ,.:;!?'()/+=%\-]")


def _md(text: str) -> str:
    """Backslash-escape Markdown and inline-HTML specials; newlines become spaces."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _mermaid_text(text: str) -> str:
    """Every character outside a plain set becomes a Mermaid entity code (``#60;``), so
    quotes, brackets and markup in a label cannot break or inject into the chart; runs of
    white space become one space."""
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};"
                   for ch in " ".join(str(text).split()))


def _css_class(event_type: str) -> str:
    return "t_" + re.sub(r"[^a-z_]", "_", event_type.lower())[:40] if event_type else "t_"


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unit(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def _pct(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.0%}"


def trace_markdown(trace: ExportableTrace) -> str:
    """The Markdown report of :meth:`Trace.to_markdown`."""
    if trace.is_spans:
        return _spans_markdown(trace)
    stats = trace.statistics()
    lines = [
        f"# Reasoning trace: {_md(trace.title or trace.problem_id)}", "",
        f"**Problem** ({_md(trace.problem_id)}): {_md(trace.question)}", "",
        f"**Answer committed:** {_md(trace.answer)}",
    ]
    if trace.expected_answer is not None:
        lines.append(f"**Expected answer:** {_md(trace.expected_answer)}")
    lines += [
        "", f"**Model:** {_md(trace.model)} · {stats.n_events} events · "
        f"{stats.duration_ms / 1000:.2f} s · mean confidence {stats.mean_confidence:.0%} · "
        f"lowest {stats.min_confidence:.0%} · {stats.n_alternatives} alternatives "
        "considered", "",
    ]
    for event in trace.events:
        lines.append(f"## {_md(event.id)} · {_md(event.type)} · "
                     f"{event.timestamp / 1000:.3f} s · confidence {event.confidence:.0%}")
        lines += ["", f"**Decision:** {_md(event.decision)}", "",
                  f"**Reasoning:** {_md(event.reasoning)}", ""]
        causes = [c for c in event.causes()]
        if causes:
            lines += ["**Builds on:** " + ", ".join(_md(c) for c in causes), ""]
        if event.alternatives:
            lines.append("**Alternatives rejected:**")
            lines.append("")
            for alt in event.alternatives:
                lines.append(f"- {_md(alt.text)} (score {alt.score:.2f}): "
                             f"{_md(alt.reason_rejected)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def trace_mermaid(trace: ExportableTrace) -> str:
    """The Mermaid flowchart of :meth:`Trace.to_mermaid`."""
    if trace.is_spans:
        return _spans_mermaid(trace)
    index: dict[str, int] = {}
    for i, event in enumerate(trace.events):
        index.setdefault(event.id, i)
    lines = ["flowchart TD"]
    for i, event in enumerate(trace.events):
        # Each part is escaped on its own so a "<br/>" typed into a decision stays text.
        label = (_mermaid_text(f"{event.id} · {event.type}") + "<br/>"
                 + _mermaid_text(shorten(event.decision, 60)))
        lines.append(f'    n{i}["{label}"]:::{_css_class(event.type)}')
    for i, event in enumerate(trace.events):
        if event.parent_id in index and index[event.parent_id] != i:
            lines.append(f"    n{index[event.parent_id]} --> n{i}")
        for dep in dict.fromkeys(event.depends_on):
            if dep in index and dep != event.parent_id and index[dep] != i:
                lines.append(f"    n{index[dep]} -.-> n{i}")
    for name in EVENT_TYPES:
        lines.append(f"    classDef {_css_class(name)} fill:{_TYPE_COLORS[name]},"
                     "stroke:#333,color:#000")
    return "\n".join(lines) + "\n"


def trace_html(trace: ExportableTrace) -> str:
    """The standalone HTML page of :meth:`Trace.to_html`."""
    if trace.is_spans:
        return _spans_html(trace)
    stats = trace.statistics()
    e = html.escape
    rows = []
    for event in trace.events:
        alts = "".join(
            f"<li><b>{e(a.text)}</b> <span class=score>score {a.score:.2f}</span>: "
            f"{e(a.reason_rejected)}</li>" for a in event.alternatives)
        causes = ", ".join(e(c) for c in event.causes()) or "&mdash;"
        rows.append(
            f"<tr class=\"{_css_class(event.type)}\"><td>{e(event.id)}</td>"
            f"<td>{event.timestamp / 1000:.3f}</td><td>{e(event.type)}</td>"
            f"<td><b>{e(event.decision)}</b><br><span class=why>{e(event.reasoning)}"
            f"</span>{'<ul>' + alts + '</ul>' if alts else ''}</td>"
            f"<td><div class=bar><div style=\"width:{100 * _unit(event.confidence):.1f}%\">"
            f"</div></div>{event.confidence:.0%}</td><td>{causes}</td></tr>")
    expected = ("" if trace.expected_answer is None else
                f"<p><b>Expected answer:</b> {e(trace.expected_answer)}</p>")
    type_css = "".join(f".{_css_class(t)} td:nth-child(3){{border-left:6px solid "
                       f"{_TYPE_COLORS[t]}}}" for t in EVENT_TYPES)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Reasoning trace: {e(trace.title or trace.problem_id)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:1.5rem;line-height:1.4;"
        "color:#111;background:#fff}table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ddd;padding:.4rem;vertical-align:top;"
        "text-align:left}.why{color:#444}.score{color:#666;font-size:.9em}"
        ".bar{width:5rem;height:.5rem;background:#eee}.bar div{height:100%;"
        "background:#0072B2}@media (prefers-color-scheme:dark){body{color:#eee;"
        "background:#111}.why{color:#bbb}td,th{border-color:#333}}"
        f"{type_css}</style></head><body>"
        f"<h1>Reasoning trace: {e(trace.title or trace.problem_id)}</h1>"
        f"<p><b>Problem</b> ({e(trace.problem_id)}): {e(trace.question)}</p>"
        f"<p><b>Answer committed:</b> {e(trace.answer)}</p>{expected}"
        f"<p>Model {e(trace.model)} &middot; {stats.n_events} events &middot; "
        f"{stats.duration_ms / 1000:.2f} s &middot; mean confidence "
        f"{_pct(stats.mean_confidence)} &middot; lowest {_pct(stats.min_confidence)} "
        f"&middot; {stats.n_alternatives} alternatives considered</p>"
        f"{_sparkline(trace)}"
        "<table><thead><tr><th>id</th><th>time (s)</th><th>type</th>"
        "<th>decision, reasoning and rejected alternatives</th><th>confidence</th>"
        "<th>builds on</th></tr></thead><tbody>" + "".join(rows) +
        "</tbody></table></body></html>\n")


def _sparkline(trace: ExportableTrace) -> str:
    if len(trace.events) < 2:
        return ""
    t = np.array([ev.timestamp for ev in trace.events], dtype=float)
    span = float(t[-1] - t[0]) or 1.0
    x = 10 + 580 * (t - t[0]) / span
    confidence = np.array([event.confidence for event in trace.events], dtype=float)
    y = 70 - 60 * np.clip(confidence, 0.0, 1.0)
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
    return ("<svg role=\"img\" aria-label=\"confidence over time\" viewBox=\"0 0 600 80\" "
            "width=\"100%\" height=\"80\"><polyline fill=\"none\" stroke=\"#0072B2\" "
            f"stroke-width=\"2\" points=\"{points}\"/></svg>")
