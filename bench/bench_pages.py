"""Page rerun times through AppTest: a default render and a widget change, per page.

A page's benchmark module (``bench/bench_<url_path>.py``) may define
``change_widget(at, i)`` to move a representative control on rerun ``i``; without one,
the page is rerun unchanged.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from bench.core import Row
from crucible_ui.registry import existing_pages

RERUNS = 20
RERUN_TARGET_S = 0.100


def _interaction(url_path: str) -> Callable[[AppTest, int], None] | None:
    try:
        module = importlib.import_module(f"bench.bench_{url_path}")
    except ModuleNotFoundError:
        return None
    return getattr(module, "change_widget", None)


def rows() -> list[Row]:
    import streamlit as st

    out: list[Row] = []
    for spec in existing_pages():
        st.cache_data.clear()
        renders = []
        for _ in range(3):
            at = AppTest.from_file(str(spec.file), default_timeout=120)
            start = time.perf_counter()
            at.run()
            renders.append(time.perf_counter() - start)
        change = _interaction(spec.url_path)
        reruns = []
        for i in range(RERUNS):
            if change is not None:
                change(at, i)
            start = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - start)
        failed = " (exception on page)" if at.exception else ""
        out.append(Row(spec.url_path, "page default render (AppTest)" + failed,
                       statistics.median(renders), "s"))
        out.append(Row(spec.url_path,
                       f"page rerun after {'a widget change' if change else 'no change'}, "
                       f"{RERUNS} reruns" + failed,
                       statistics.median(reruns), "s", RERUN_TARGET_S))
    return out
