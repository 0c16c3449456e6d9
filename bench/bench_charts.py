"""Chart specification cost: every chart a default render of each page draws, turned into
Vega-Lite with Altair's schema validation (``chart.to_dict()``) and without it
(:func:`crucible_ui.charts.vega_spec`, what the pages use), side by side in one run.

The charts are collected by running each page once through AppTest with ``vega_spec``
wrapped to record its argument, so the set is exactly what the pages draw.
"""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

import crucible_ui.charts
import crucible_ui.ensemble.mock_results
import crucible_ui.widgets
from bench.core import Row, median_seconds
from crucible_ui.charts import vega_spec
from crucible_ui.registry import existing_pages

#: Modules that bind ``vega_spec`` at import; page scripts import it afresh on each run.
_BINDINGS = (crucible_ui.charts, crucible_ui.widgets, crucible_ui.ensemble.mock_results)


def page_charts() -> list[Any]:
    """The Altair charts drawn by a default render of every page, in drawing order."""
    import streamlit as st

    drawn: list[Any] = []

    def recording(chart: Any) -> dict[str, Any]:
        drawn.append(chart)
        return vega_spec(chart)

    for module in _BINDINGS:
        module.vega_spec = recording  # type: ignore[attr-defined]
    try:
        for spec in existing_pages():
            st.cache_data.clear()
            AppTest.from_file(str(spec.file), default_timeout=120).run()
    finally:
        for module in _BINDINGS:
            module.vega_spec = vega_spec  # type: ignore[attr-defined]
    return drawn


def rows() -> list[Row]:
    charts = page_charts()
    validated = median_seconds(lambda: [c.to_dict() for c in charts], repeat=5)
    unvalidated = median_seconds(lambda: [vega_spec(c) for c in charts], repeat=5)
    area = "charts"
    return [
        Row(area, f"Vega-Lite specs of all {len(charts)} default-render charts, validated",
            validated, "s"),
        Row(area, "same charts, unvalidated (as the pages draw them)", unvalidated, "s"),
        Row(area, "speed-up from skipping validation (same run)", validated / unvalidated,
            "x", 1.0, higher_is_better=True),
    ]
