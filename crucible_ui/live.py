"""The live batch runner: draws cumulative partial results into placeholders as each
simulated batch completes, with a progress bar and a stop path."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")

#: Longest pause between two batches, whatever the playback speed, so a page never stalls.
MAX_PAUSE_S = 1.5


def run_live(
    batches: Iterable[T],
    draw: Callable[[T], None],
    *,
    progress: Callable[[T], float],
    speed: float,
    key: str,
    label: str = "Simulating",
    batch_seconds: Callable[[T], float] | None = None,
    stop_label: str = "Stop",
) -> T | None:
    """Consume ``batches`` (cumulative partial results), calling ``draw`` after each.

    ``progress`` maps a partial to [0, 1] for the progress bar. Between batches the runner
    pauses ``speed`` x the batch's simulated duration (``batch_seconds``; 0.25 s when not
    given), capped at :data:`MAX_PAUSE_S`; ``speed == 0`` (instant) skips straight to the
    last batch and draws only that one. A Stop button ends the run early: Streamlit stops a
    script when a widget changes, so the last drawn partial is kept in
    ``st.session_state[key]`` for the rerun to show. Returns the last partial.
    """
    last: T | None = None
    if speed <= 0:
        with st.spinner(label + "…"):
            for last in batches:  # noqa: B007 - only the final cumulative result is drawn
                pass
        if last is not None:
            draw(last)
            st.session_state[key] = last
        return last

    stop_col, bar_col = st.columns([1, 5], vertical_alignment="center")
    stop_col.button(stop_label, key=f"{key}__stop", icon=":material/stop_circle:",
                    help="Stop the live run; the results so far stay on the page.")
    bar = bar_col.progress(0.0, text=label + "…")
    for partial in batches:
        last = partial
        draw(partial)
        st.session_state[key] = partial
        fraction = min(max(float(progress(partial)), 0.0), 1.0)
        bar.progress(fraction, text=f"{label}… {fraction:.0%}")
        seconds = batch_seconds(partial) if batch_seconds else 0.25
        pause = min(max(seconds, 0.0) * speed, MAX_PAUSE_S)
        if pause > 0 and fraction < 1.0:
            time.sleep(pause)
    bar.progress(1.0, text=f"{label}: done")
    return last
