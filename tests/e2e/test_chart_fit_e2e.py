"""Every chart on every dashboard fits its place on a 390 px phone and a 1400 px desktop
screen: the drawn SVG stays inside its Streamlit element container (sideways and in
height, so it neither spills past the edge nor runs over the next element) and inside the
viewport; no chart title, legend or axis is cut off where the SVG or an ancestor clips it;
and no title or legend label is shortened with an ellipsis.

Vega draws into an SVG that clips whatever lies outside it, while the bounding box of an
SVG group still covers the full extent of its content; comparing the two finds a title or
a legend that runs past the edge. A failing case leaves a screenshot, scrolled to the
first chart that does not fit, in test-artifacts/chart-fit.
"""

from __future__ import annotations

from typing import Any

import pytest

from crucible_ui.registry import existing_pages
from tests.e2e.conftest import (
    APP_IDLE,
    ARTIFACTS,
    assert_no_exception,
    open_path,
    save_screenshot,
    wait_for_app,
)

PAGES = existing_pages()
WIDTHS = (390, 1400)
#: Sub-pixel rounding and anti-aliased strokes.
TOLERANCE_PX = 2
ELLIPSIS = "\u2026"
CHART = '[data-testid="stVegaLiteChart"]'
#: Pages whose charts appear only after a button press: the query that opens them and
#: the buttons to press, in order (instant playback and a small budget keep the run
#: short). The strategy comparison is left out: it takes long, and its builder
#: (``line_with_band``) also draws the Stats Lab's running accuracy, checked here.
REVEAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "optimization": ("speed=Instant&trials=12", ("Run search",)),
}

#: True once every visible chart has drawn a non-empty SVG (or canvas).
ALL_DRAWN = """() => {
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.getClientRects().length > 0);
  return charts.length > 0 && charts.every(c => {
    const drawn = c.querySelector('svg.marks, canvas.marks');
    return drawn && drawn.getBoundingClientRect().width > 0;
  });
}"""

#: The boxes of every visible chart: its element container, the drawn SVG, the part of the
#: SVG left visible (the SVG clipped by every ancestor up to the container that hides its
#: overflow, such as a chart element given a fixed height), and each title, legend and
#: axis inside it, in client coordinates. A part's box is the union of its
#: drawn leaves; across a line of text it spans the font size (what Vega lays out and the
#: glyphs fill) rather than the browser's taller line box, whose empty leading would
#: otherwise count as clipped at the SVG's edge.
MEASURE = r"""() => {
  const box = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                     width: r.right - r.left, height: r.bottom - r.top});
  const leafBox = el => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 && r.height <= 0) return null;
    if (el.tagName.toLowerCase() !== 'text') return box(r);
    const size = parseFloat(getComputedStyle(el).fontSize) || 0;
    const turn = /rotate\((-?\d+)/.exec(el.getAttribute('transform') || '');
    const angle = turn ? Math.abs(Number(turn[1])) % 180 : 0;
    if (angle === 90 && r.width > size) {
      const cut = (r.width - size) / 2;
      return box({left: r.left + cut, right: r.right - cut, top: r.top, bottom: r.bottom});
    }
    if (angle === 0 && r.height > size) {
      const cut = (r.height - size) / 2;
      return box({left: r.left, right: r.right, top: r.top + cut, bottom: r.bottom - cut});
    }
    return box(r);
  };
  const partBox = g => {
    let out = null;
    g.querySelectorAll('text, path, rect, line, circle, image').forEach(el => {
      const b = leafBox(el);
      if (!b) return;
      out = out === null ? b : box({left: Math.min(out.left, b.left),
        right: Math.max(out.right, b.right), top: Math.min(out.top, b.top),
        bottom: Math.max(out.bottom, b.bottom)});
    });
    return out;
  };
  const out = [];
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.getClientRects().length > 0);
  charts.forEach((chart, index) => {
    const container = chart.closest('[data-testid="stElementContainer"]');
    const drawn = chart.querySelector('svg.marks, canvas.marks');
    let shown = drawn ? box(drawn.getBoundingClientRect()) : null;
    for (let el = drawn && drawn.parentElement; shown && el; el = el.parentElement) {
      const style = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      const clips = v => v !== 'visible';
      shown = box({
        left: clips(style.overflowX) ? Math.max(shown.left, r.left) : shown.left,
        right: clips(style.overflowX) ? Math.min(shown.right, r.right) : shown.right,
        top: clips(style.overflowY) ? Math.max(shown.top, r.top) : shown.top,
        bottom: clips(style.overflowY) ? Math.min(shown.bottom, r.bottom) : shown.bottom});
      if (el === container) break;
    }
    const parts = [];
    if (drawn && drawn.tagName.toLowerCase() === 'svg') {
      const pick = (selector, kind) => drawn.querySelectorAll(selector).forEach(g => {
        const b = partBox(g);
        if (b) parts.push({kind, text: (g.textContent || '').trim().slice(0, 60), box: b});
      });
      pick('g.mark-group.role-title', 'title');
      pick('g.mark-group.role-legend', 'legend');
      pick('g.mark-group.role-axis', 'axis');
    }
    const texts = selector => drawn ? [...drawn.querySelectorAll(selector)]
      .map(t => t.textContent) : [];
    const titles = texts('g.role-title-text text');
    const legendLabels = texts('g.role-legend-label text');
    out.push({
      index,
      title: titles.length ? titles[0] : '',
      titles,
      legendLabels,
      renderer: drawn ? drawn.tagName.toLowerCase() : 'none',
      container: box(container.getBoundingClientRect()),
      drawn: drawn ? box(drawn.getBoundingClientRect()) : null,
      shown,
      parts,
    });
  });
  return {viewport: document.documentElement.clientWidth, charts: out};
}"""


def _outside(inner: dict[str, float], outer: dict[str, float], *,
             vertical: bool = True) -> list[str]:
    """The sides on which ``inner`` sticks out of ``outer`` by more than the tolerance."""
    sides = []
    if inner["left"] < outer["left"] - TOLERANCE_PX:
        sides.append(f"left by {outer['left'] - inner['left']:.0f}px")
    if inner["right"] > outer["right"] + TOLERANCE_PX:
        sides.append(f"right by {inner['right'] - outer['right']:.0f}px")
    if vertical and inner["top"] < outer["top"] - TOLERANCE_PX:
        sides.append(f"top by {outer['top'] - inner['top']:.0f}px")
    if vertical and inner["bottom"] > outer["bottom"] + TOLERANCE_PX:
        sides.append(f"bottom by {inner['bottom'] - outer['bottom']:.0f}px")
    return sides


def fit_problems(measured: dict[str, Any]) -> list[tuple[int, str]]:
    """Every way a measured chart does not fit, as (chart index, description)."""
    problems: list[tuple[int, str]] = []
    viewport = {"left": 0.0, "right": float(measured["viewport"]), "top": 0.0, "bottom": 0.0}
    for chart in measured["charts"]:
        name = f"chart {chart['index']} '{chart['title']}'"
        drawn = chart["drawn"]
        if drawn is None or drawn["width"] <= 0:
            problems.append((chart["index"], f"{name} drew nothing"))
            continue
        # Taller than its container, the drawing runs over what follows it on the page.
        for side in _outside(drawn, chart["container"]):
            problems.append((chart["index"], f"{name}: drawing overflows its container {side}"))
        for side in _outside(drawn, viewport, vertical=False):
            problems.append((chart["index"], f"{name}: drawing overflows the viewport {side}"))
        # Vega shortens a title or legend label that exceeds its ``limit`` with an
        # ellipsis: it fits, but the reader loses its end.
        for kind, key in (("title", "titles"), ("legend label", "legendLabels")):
            for line in chart.get(key, []):
                if line.rstrip().endswith(ELLIPSIS):
                    problems.append((chart["index"], f"{name}: {kind} cut short to '{line}'"))
        # Content outside the SVG's own box, or outside an ancestor that hides overflow, is
        # clipped; the container bounds it sideways.
        shown = chart.get("shown") or drawn
        for part in chart["parts"]:
            for outer, where in ((shown, "chart"), (chart["container"], "container")):
                for side in _outside(part["box"], outer, vertical=where == "chart"):
                    problems.append((chart["index"], f"{name}: {part['kind']} "
                                     f"'{part['text']}' clipped at the {where} {side}"))
    return problems


def test_fit_problems_flags_a_clipped_title_and_passes_a_fitting_chart() -> None:
    """The checker itself: a title 30 px past the SVG's right edge, a drawing wider than
    the screen, an axis hidden under a chart element of fixed height and a title or legend
    label shortened with an ellipsis are reported; a chart whose parts all lie inside is
    not."""
    def box(left: float, right: float, top: float = 0, bottom: float = 100) -> dict[str, float]:
        return {"left": left, "right": right, "top": top, "bottom": bottom,
                "width": right - left, "height": bottom - top}

    fitting = {"index": 0, "title": "t", "renderer": "svg", "container": box(0, 300),
               "drawn": box(0, 300), "shown": box(0, 300), "parts": [
                   {"kind": "title", "text": "t", "box": box(10, 290, 0, 20)}]}
    clipped = dict(fitting, parts=[{"kind": "title", "text": "t", "box": box(10, 330, 0, 20)}])
    assert fit_problems({"viewport": 390, "charts": [fitting]}) == []
    found = fit_problems({"viewport": 390, "charts": [clipped]})
    assert found and "title 't' clipped at the chart right by 30px" in found[0][1]
    wide = dict(fitting, container=box(0, 500), drawn=box(0, 500), parts=[])
    assert any("viewport right by 110px" in p for _, p in
               fit_problems({"viewport": 390, "charts": [wide]}))
    # an x axis below a chart element cut to a fixed height is hidden
    tall = dict(fitting, drawn=box(0, 300, 0, 160), parts=[])
    assert any("container bottom by 60px" in p for _, p in
               fit_problems({"viewport": 390, "charts": [tall]}))
    cut = dict(fitting, shown=box(0, 300, 0, 80),
               parts=[{"kind": "axis", "text": "x", "box": box(10, 290, 85, 99)}])
    assert any("axis 'x' clipped at the chart bottom by 19px" in p for _, p in
               fit_problems({"viewport": 390, "charts": [cut]}))
    shortened = dict(fitting, titles=["Accuracy per strategy (bars: 95% Wil\u2026"])
    assert any("title cut short" in p for _, p in
               fit_problems({"viewport": 390, "charts": [shortened]}))
    label = dict(fitting, legendLabels=["no hedge", "hedge fired, prim\u2026"])
    assert any("legend label cut short" in p for _, p in
               fit_problems({"viewport": 390, "charts": [label]}))


@pytest.mark.skipif(not PAGES, reason="no dashboard pages are installed")
@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}px" for w in WIDTHS])
@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_chart_fits_its_container(browser, app_url, spec, width) -> None:  # type: ignore[no-untyped-def]
    """Open the page at ``width`` and check every visible chart's boxes."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.app_url = app_url
    try:
        query, buttons = REVEAL.get(spec.url_path, ("", ()))
        open_path(tab, spec.url_path, query)
        for name in buttons:
            tab.get_by_test_id("stMain").get_by_role("button", name=name).click()
            wait_for_app(tab)
        assert_no_exception(tab)
        # Streamlit loads its chart component lazily, after the script has finished.
        tab.wait_for_selector(CHART, state="attached", timeout=60_000)
        tab.wait_for_function(ALL_DRAWN, timeout=60_000)
        # Container-width charts redraw once Streamlit reports their width; measure only
        # after two readings a moment apart agree.
        measured = tab.evaluate(MEASURE)
        for _ in range(10):
            tab.wait_for_timeout(400)
            tab.wait_for_selector(APP_IDLE)
            again = tab.evaluate(MEASURE)
            if again == measured:
                break
            measured = again
        problems = fit_problems(measured)
        if problems:
            first = problems[0][0]
            tab.locator(f"{CHART} >> visible=true").nth(first).scroll_into_view_if_needed()
            save_screenshot(tab, f"{spec.url_path}-{width}", directory=ARTIFACTS / "chart-fit")
        assert not problems, "\n".join(p for _, p in problems)
    finally:
        context.close()
