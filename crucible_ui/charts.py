"""Altair chart builders shared by several pages. Each is a pure function that returns
an ``alt.Chart`` (or layer); none calls Streamlit, so tests inspect the Vega-Lite spec.

Charts leave colors of text and axes to the Streamlit theme (light or dark); categorical
colors come from :data:`PALETTE`, the Okabe-Ito palette that stays distinguishable under
the common forms of color blindness.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd

#: Okabe & Ito (2008) color-blind-safe palette (black swapped for grey for dark themes).
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999",
)


#: Size to the container's width only: "fit" squeezes title, axes and a bottom legend into
#: the chart height and flattens the plot. "contains: padding" makes the padding part of
#: that width, so the drawing (plot, axes, legends and padding) is exactly as wide as the
#: container.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")

#: Room around the drawing. Streamlit leaves the left, top and right padding at zero, where
#: the rotated y-axis title and the chart title touch the edge; 20 px at the bottom is
#: Streamlit's own default, kept for the bottom legend. An object, not a number: Streamlit
#: sets ``padding.bottom`` on it when missing.
PADDING: dict[str, int] = {"left": 6, "top": 6, "right": 8, "bottom": 20}

#: Longest title line, in characters. Streamlit caps a title at the container width less
#: 40 px (about 318 px on a 390 px phone) and cuts the rest with an ellipsis; 38 characters
#: of the 16 px bold title font stay well inside that.
TITLE_CHARS = 38

#: Width (px) a bottom legend may take on a phone: the container (about 358 px on a 390 px
#: screen) less the y axis, which the legend is aligned with.
LEGEND_WIDTH = 260
#: Room a legend entry needs besides its label (px): symbol, label and column padding.
LEGEND_ENTRY_PX = 24


def vega_spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite specification of an Altair ``chart``, without Altair's JSON-schema
    validation pass. Every chart builder's output is validated against the Vega-Lite
    schema by the unit tests; repeating that check on every page run took about a quarter
    of the run's time (``make bench`` measures both)."""
    return cast(dict[str, Any], chart.to_dict(validate=False))


def fit_title(*pieces: str, max_chars: int = TITLE_CHARS) -> str | list[str]:
    """A chart title that fits a phone-wide chart without being cut: each piece starts a
    new line and wraps at word boundaries into lines of at most ``max_chars`` characters;
    a single short piece stays a plain one-line title. A single long piece puts a trailing
    parenthetical (the reading key, e.g. "(dashed: threshold)") on a line of its own.
    No word is dropped."""
    texts = [" ".join(piece.split()) for piece in pieces if piece.strip()]
    if len(texts) == 1 and len(texts[0]) <= max_chars:
        return texts[0]
    if len(texts) == 1:
        head, bracket, tail = texts[0].partition(" (")
        if bracket and tail.endswith(")"):
            texts = [head, "(" + tail]
    return [line for text in texts
            for line in textwrap.wrap(text, max_chars, break_on_hyphens=False)]


def bottom_legend(*, columns: int = 2, **options: Any) -> alt.Legend:
    """A legend under the plot whose entries wrap into ``columns`` columns (1 = a vertical
    list), with the title above them and each label capped at its share of
    :data:`LEGEND_WIDTH`, so it stays inside a phone-wide chart; ``options`` are further
    ``alt.Legend`` settings."""
    limit = max(LEGEND_WIDTH // max(columns, 1) - LEGEND_ENTRY_PX, 48)
    settings: dict[str, Any] = {"orient": "bottom", "direction": "vertical" if columns == 1
                                else "horizontal", "columns": columns, "titleOrient": "top",
                                "labelLimit": limit}
    settings.update(options)
    return alt.Legend(**settings)


def rows_height(rows: int, step: int) -> int:
    """The height (px) of a plot of ``rows`` bands ``step`` px apart: what
    ``alt.Step(step)`` gives, as a number. Vega-Lite warns "Dropping fit-y because spec
    has discrete height" for a step height even when the chart fits its width only
    (vega/vega-lite#8579), so the charts give the height itself."""
    return step * max(int(rows), 1)


def fit_width(chart: Any) -> Any:
    """``chart`` sized to its container's width (title, axes, legends and padding
    included) with its own height kept; for a vertical concatenation every panel takes the
    container's width."""
    if isinstance(chart, alt.VConcatChart):
        return chart.properties(autosize=FIT_WIDTH, padding=PADDING)
    return chart.properties(width="container", autosize=FIT_WIDTH, padding=PADDING)


def _color(field: str | None, title: str | None = None,
           domain: Sequence[str] | None = None) -> Any:
    if field is None:
        return alt.Undefined
    scale = alt.Scale(range=list(PALETTE)) if domain is None else alt.Scale(
        domain=list(domain), range=list(PALETTE[: len(domain)]))
    return alt.Color(f"{field}:N", title=title or field, scale=scale, legend=bottom_legend())


def bar_with_error_bars(
    df: pd.DataFrame,
    *,
    category: str,
    value: str,
    lower: str,
    upper: str,
    title: str,
    value_title: str,
    category_title: str | None = None,
    color: str | None = None,
    value_format: str = ".1%",
    height: int | None = None,
) -> alt.LayerChart:
    """Horizontal bars of ``value`` per ``category`` with an interval [lower, upper]
    drawn as an error bar (e.g. a Wilson confidence interval); ``height`` in px, by
    default 20 px a bar (Vega-Lite's own step, given as a number: see
    :func:`rows_height`)."""
    base = alt.Chart(df).encode(
        y=alt.Y(f"{category}:N", title=category_title or category, sort=None),
        tooltip=[
            alt.Tooltip(f"{category}:N", title=category_title or category),
            alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
            alt.Tooltip(f"{lower}:Q", title="lower bound", format=value_format),
            alt.Tooltip(f"{upper}:Q", title="upper bound", format=value_format),
        ],
    )
    bars = base.mark_bar(opacity=0.85).encode(
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
        color=_color(color) if color else alt.value(PALETTE[0]),
    )
    errors = base.mark_errorbar(ticks=True, thickness=2).encode(
        x=alt.X(f"{lower}:Q", title=value_title), x2=f"{upper}:Q",
    )
    return cast(alt.LayerChart, fit_width(alt.layer(bars, errors).properties(
        title=fit_title(title), height=height or rows_height(df[category].nunique(), 20))))


def histogram_frame(
    series: Mapping[str, np.ndarray], *, bins: int = 40, log: bool = False,
    density: bool = False,
) -> pd.DataFrame:
    """Bin several samples on one shared set of edges (log-spaced when ``log``).

    Returns one row per (series, bin): series, bin_start, bin_end, count, share. Binning
    here, not in Vega-Lite, keeps the chart's embedded data small for large samples.
    """
    finite = [np.asarray(v, dtype=float)[np.isfinite(v)] for v in series.values()]
    pooled = np.concatenate(finite) if finite else np.array([])
    if log:
        pooled = pooled[pooled > 0]
    if pooled.size == 0:
        return pd.DataFrame(columns=["series", "bin_start", "bin_end", "count", "share"])
    lo, hi = float(pooled.min()), float(pooled.max())
    if hi <= lo:
        hi = lo + (abs(lo) * 0.01 or 1.0)
    edges = np.geomspace(lo, hi, bins + 1) if log else np.linspace(lo, hi, bins + 1)
    frames = []
    for name, values in zip(series.keys(), finite, strict=True):
        counts, _ = np.histogram(values, bins=edges)
        total = max(int(values.size), 1)
        frames.append(pd.DataFrame({
            "series": name, "bin_start": edges[:-1], "bin_end": edges[1:],
            "count": counts, "share": counts / total,
        }))
    frame = pd.concat(frames, ignore_index=True)
    return frame if not density else frame.assign(count=frame["share"])


def histogram(
    frame: pd.DataFrame,
    *,
    title: str,
    x_title: str,
    y_title: str = "share of requests",
    log_x: bool = False,
    y_field: str = "share",
    y_format: str = ".1%",
    series_title: str = "series",
    domain: Sequence[str] | None = None,
) -> alt.Chart:
    """Overlaid histograms from :func:`histogram_frame` (one color per series)."""
    x_scale = alt.Scale(type="log") if log_x else alt.Scale()
    return fit_width(alt.Chart(frame).mark_bar(opacity=0.55, binSpacing=0).encode(
        x=alt.X("bin_start:Q", title=x_title, scale=x_scale),
        x2="bin_end:Q",
        y=alt.Y(f"{y_field}:Q", title=y_title, stack=None, axis=alt.Axis(format=y_format)),
        y2=alt.datum(0),
        color=_color("series", series_title, domain),
        tooltip=[
            alt.Tooltip("series:N", title=series_title),
            alt.Tooltip("bin_start:Q", title="from", format=",.0f"),
            alt.Tooltip("bin_end:Q", title="to", format=",.0f"),
            alt.Tooltip("count:Q", title="count", format=","),
            alt.Tooltip("share:Q", title="share", format=".2%"),
        ],
    ).properties(title=fit_title(title)))


def line_with_band(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    lower: str,
    upper: str,
    title: str,
    x_title: str,
    y_title: str,
    color: str | None = None,
    y_format: str = ".1%",
    x_type: str = "Q",
    zero: bool = False,
) -> alt.LayerChart:
    """A line of ``y`` over ``x`` with a shaded band [lower, upper] (e.g. a running
    estimate and its confidence interval), one line per ``color`` group."""
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:{x_type}", title=x_title),
        color=_color(color) if color else alt.value(PALETTE[0]),
    )
    tooltip = [alt.Tooltip(f"{x}:{x_type}", title=x_title),
               alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
               alt.Tooltip(f"{lower}:Q", title="lower", format=y_format),
               alt.Tooltip(f"{upper}:Q", title="upper", format=y_format)]
    if color:
        tooltip.insert(0, alt.Tooltip(f"{color}:N"))
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y(f"{lower}:Q", title=y_title, axis=alt.Axis(format=y_format),
                scale=alt.Scale(zero=zero)),
        y2=f"{upper}:Q",
    )
    line = base.mark_line(point=False).encode(
        y=alt.Y(f"{y}:Q", title=y_title), tooltip=tooltip,
    )
    return cast(alt.LayerChart, fit_width(alt.layer(band, line).properties(
        title=fit_title(title))))


def heatmap(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    title: str,
    x_title: str,
    y_title: str,
    value_title: str,
    value_format: str = ".1%",
    scheme: str = "viridis",
    x_type: str = "O",
    y_type: str = "O",
) -> alt.Chart:
    """A rect heatmap of ``value`` over (x, y) with a perceptually uniform, color-blind
    safe color scheme (viridis by default)."""
    return fit_width(alt.Chart(df).mark_rect().encode(
        x=alt.X(f"{x}:{x_type}", title=x_title),
        y=alt.Y(f"{y}:{y_type}", title=y_title, sort="descending" if y_type == "O" else None),
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme=cast(Any, scheme)),
                        legend=bottom_legend(format=value_format)),
        tooltip=[alt.Tooltip(f"{x}:{x_type}", title=x_title),
                 alt.Tooltip(f"{y}:{y_type}", title=y_title),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=value_format)],
    ).properties(title=fit_title(title)))
