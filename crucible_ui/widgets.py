"""Shared Streamlit controls and cards: seed, playback speed, metric and model cards,
downloads. Pages call these so every dashboard looks and behaves alike."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any, Literal

import pandas as pd
import streamlit as st

from crucible_ui.charts import vega_spec
from crucible_ui.text import csv_safe, escape_markdown

DEFAULT_SEED = 42
MAX_SEED = 2**31 - 1

#: Playback speed: the factor applied to simulated time between live batches.
PLAYBACK_SPEEDS: dict[str, float] = {"Real time": 1.0, "10x faster": 0.1, "Instant": 0.0}


def seed_control(key: str = "seed", *, default: int = DEFAULT_SEED,
                 container: st.delta_generator.DeltaGenerator | None = None) -> int:
    """A seed number input mirrored in the URL (``?seed=``); same seed, same numbers."""
    where = container if container is not None else st
    value = where.number_input(
        "Seed", min_value=0, max_value=MAX_SEED, value=default, step=1, key=key,
        bind="query-params",
        help="Every random draw on this page comes from this seed: the same seed "
             "reproduces every number exactly.",
    )
    return int(value)


def playback_speed_control(key: str = "speed",
                           container: st.delta_generator.DeltaGenerator | None = None) -> float:
    """A playback-speed selector; returns the factor on simulated time (0 = instant)."""
    where = container if container is not None else st
    label = where.segmented_control(
        "Playback speed", options=list(PLAYBACK_SPEEDS), default="10x faster", key=key,
        required=True, bind="query-params",
        help="Real time waits as long as the simulated requests take; Instant draws the "
             "final result at once.",
    )
    return PLAYBACK_SPEEDS.get(label or "10x faster", 0.1)


def show_chart(chart: Any) -> None:
    """Draw an Altair ``chart`` at the container's width from its Vega-Lite spec
    (:func:`crucible_ui.charts.vega_spec`, which skips the repeated schema validation)."""
    st.vega_lite_chart(vega_spec(chart), width="stretch")


def metric_card(label: str, value: str, *, help: str | None = None,
                delta: str | None = None,
                delta_color: Literal["normal", "inverse", "off"] = "normal") -> None:
    """A bordered metric tile (label, big value, optional delta and explanation)."""
    st.metric(label, value, delta=delta, delta_color=delta_color, help=help, border=True)


def model_card(
    display_name: str,
    *,
    state: Literal["idle", "thinking", "answered", "error"],
    answer: str | None = None,
    confidence: float | None = None,
    latency_ms: float | None = None,
    cost_usd: float | None = None,
    error: str | None = None,
    correct: bool | None = None,
    note: str | None = None,
) -> None:
    """One model's card: a pulsing 'thinking' state until it answers, then its answer,
    confidence, latency and cost, or its error. Draw it into a placeholder to update."""
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(display_name)}**")
        if state == "idle":
            st.caption("Waiting for a question.")
        elif state == "thinking":  # Streamlit's own running status: a spinning icon
            st.status("Thinking…", state="running", expanded=False)
        elif state == "error":
            st.error(f"No answer: {escape_markdown(error or 'failed')}", icon=":material/error:")
        else:
            verdict = "" if correct is None else (" ✅" if correct else " ❌")
            st.markdown(f"{escape_markdown((answer or '').strip())}{verdict}")
            cols = st.columns(3)
            cols[0].caption(f"confidence {confidence:.0%}" if confidence is not None else "")
            cols[1].caption(f"{latency_ms:,.0f} ms" if latency_ms is not None else "")
            cols[2].caption(f"${cost_usd:.4f}" if cost_usd is not None else "")
        if note:
            st.caption(escape_markdown(note))


def table_csv(df: pd.DataFrame) -> bytes:
    """``df`` as UTF-8 CSV whose cells a spreadsheet cannot run as formulas."""
    return csv_safe(df).to_csv(index=False).encode("utf-8")


def table_json(df: pd.DataFrame) -> str:
    """``df`` as an indented JSON array of records, dates in ISO 8601."""
    return json.dumps(json.loads(df.to_json(orient="records", date_format="iso")), indent=2)


def download_buttons(df: pd.DataFrame, basename: str, *, key: str,
                     label: str = "data") -> None:
    """CSV and JSON download buttons for ``df``. The CSV neutralizes cells a spreadsheet
    would execute as formulas. Both files are built only when a button is pressed
    (Streamlit's deferred download), so a rerun does not serialize tables nobody fetches."""
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in basename) or "data"
    left, right = st.columns(2)
    left.download_button(
        f"Download {label} (CSV)", functools.partial(table_csv, df),
        file_name=f"{safe_name}.csv", mime="text/csv", key=f"{key}_csv",
        icon=":material/download:", on_click="ignore", width="stretch",
    )
    right.download_button(
        f"Download {label} (JSON)", functools.partial(table_json, df),
        file_name=f"{safe_name}.json", mime="application/json", key=f"{key}_json",
        icon=":material/download:", on_click="ignore", width="stretch",
    )


def run_name_inputs(defaults: list[str], details: list[str], key: str) -> list[str]:
    """Let the user name the runs read from their files (one text field per run, filled
    with a name that tells the runs apart). A blank field keeps the default; a name given
    twice gets " #2" added, with a note. The names are what charts, tables, reports and
    downloads call the runs."""
    digest = hashlib.sha256("\x00".join([*defaults, *details]).encode()).hexdigest()[:10]
    names: list[str] = []
    with st.expander("Name the runs", icon=":material/edit:"):
        st.caption("The names below label the runs everywhere on this page, in the reports "
                   "and in the downloads.")
        for start in range(0, len(defaults), 3):  # row by row: in order on a phone
            row = st.columns(3)
            for i in range(start, min(start + 3, len(defaults))):
                typed = row[i - start].text_input(
                    f"Run {i + 1}", value=defaults[i], key=f"{key}_{digest}_{i}",
                    max_chars=80, help=details[i])
                names.append(" ".join(typed.split()) or defaults[i])
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    if unique != names:
        st.caption("Two runs were given the same name; the later ones got a number.")
    return unique
