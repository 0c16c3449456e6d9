"""The Causal Trace Explorer in a real browser: open the page, click an event on the
timeline chart and see its detail panel with the alternatives it rejected.

Vega draws the timeline on a canvas, so there is no DOM node per point. The test asks
the chart's own Vega view (reached through the React component that holds it) where the
point of the wanted event is drawn, clicks the page at those coordinates, and checks the
click went through Streamlit's selection to the detail panel."""

from __future__ import annotations

from crucible_mock.datasets import get_item
from crucible_scenarios.trace import generate_trace
from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_app

#: Deep-link parameters: a fixed problem and seed (the default seed is 42).
PROBLEM = "math-001"
SEED = 42

#: Finds the Vega view behind a chart element and returns the page coordinates of the
#: point whose datum has the given id (or null when it cannot be found).
LOCATE_POINT = """
([root, wanted]) => {
  const isView = (c) => c && typeof c === 'object' && typeof c.scenegraph === 'function'
      && typeof c.signal === 'function' && typeof c.origin === 'function';
  let view = null;
  for (let node = root; node && !view; node = node.parentElement) {
    const key = Object.keys(node).find((k) => k.startsWith('__reactFiber$'));
    if (!key) continue;
    for (let fiber = node[key]; fiber && !view; fiber = fiber.return) {
      let hook = fiber.memoizedState;
      for (let i = 0; hook && typeof hook === 'object' && i < 100 && !view; i++) {
        const value = hook.memoizedState;
        for (const c of [value, value && value.current]) if (isView(c)) view = c;
        if (!('next' in hook)) break;
        hook = hook.next;
      }
    }
  }
  if (!view) return null;
  let found = null;
  const walk = (item, dx, dy) => {
    if (found || !item) return;
    if (item.datum && item.datum.id === wanted && item.mark && item.mark.marktype === 'symbol') {
      found = [dx + (item.x || 0), dy + (item.y || 0)];
      return;
    }
    const nx = item.mark && item.mark.marktype === 'group' ? dx + (item.x || 0) : dx;
    const ny = item.mark && item.mark.marktype === 'group' ? dy + (item.y || 0) : dy;
    for (const child of item.items || []) walk(child, nx, ny);
  };
  walk(view.scenegraph().root, 0, 0);
  if (!found) return null;
  const canvas = view.container().querySelector('canvas, svg');
  const box = canvas.getBoundingClientRect();
  const [ox, oy] = view.origin();
  const pad = view.padding() || {};
  const px = typeof pad === 'number' ? pad : (pad.left || 0);
  const py = typeof pad === 'number' ? pad : (pad.top || 0);
  return {x: box.left + ox + found[0], y: box.top + oy + found[1],
          padX: px, padY: py};
}
"""


def open_trace(page) -> None:  # type: ignore[no-untyped-def]
    """Open the page through the app's navigation, then load the fixed problem."""
    page.goto(f"{page.app_url}/")
    wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name="Causal Trace Explorer").click()
    page.wait_for_url("**/trace**")
    wait_for_app(page)
    page.locator(".st-key-q").get_by_test_id("stSelectbox").click()
    page.keyboard.type(PROBLEM)
    page.get_by_role("option", name=PROBLEM, exact=False).first.click()
    wait_for_app(page)


def test_click_an_event_on_the_timeline_opens_its_alternatives(page) -> None:  # type: ignore[no-untyped-def]
    open_trace(page)
    assert page.get_by_role("heading", name="Causal Trace Explorer").first.is_visible()
    assert_no_exception(page)
    trace = generate_trace(PROBLEM, SEED)
    target = trace.events[-1]  # the committed answer, with every distractor rejected
    assert target.alternatives and f"ev={target.id}" not in page.url
    detail = page.locator(".st-key-trace_detail")
    assert detail.get_by_text(target.alternatives[0].text, exact=True).count() == 0

    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.wait_for(state="visible")
    chart.scroll_into_view_if_needed()
    chart.locator("canvas, svg").first.wait_for(state="visible")
    point = None
    for _ in range(20):  # Vega may still be laying out the chart
        point = page.evaluate(LOCATE_POINT, [chart.element_handle(), target.id])
        if point:
            break
        page.wait_for_timeout(250)
    assert point, "could not locate the event's point in the Vega view"
    height = page.viewport_size["height"]
    if not 0 < point["y"] < height:  # a tall timeline: bring the point into the viewport
        page.mouse.move(point["x"], height / 2)
        page.mouse.wheel(0, point["y"] - height / 2)
        page.wait_for_timeout(500)
        point = page.evaluate(LOCATE_POINT, [chart.element_handle(), target.id])
        assert point and 0 < point["y"] < height, point

    # Vega's origin may or may not include the explicit padding, by autosize mode: try
    # both positions; the tooltip tells which one is on the wanted event.
    tooltip = page.locator("#vg-tooltip-element")
    for x, y in ((point["x"], point["y"]),
                 (point["x"] + point["padX"], point["y"] + point["padY"])):
        page.mouse.move(x, y)
        try:
            tooltip.wait_for(state="visible", timeout=3_000)
        except Exception:  # no tooltip at this position: try the other one
            continue
        if target.id in tooltip.inner_text():
            break
    assert target.id in tooltip.inner_text()  # the pointer is on the wanted event
    page.mouse.click(x, y)
    wait_for_app(page)

    heading = detail.get_by_role("heading", level=4)
    heading.wait_for(state="visible")
    assert heading.inner_text().startswith(f"{target.id} · answer committed")
    for alt in target.alternatives:
        assert detail.get_by_text(alt.text, exact=True).first.is_visible()
    assert detail.get_by_text(f"Answer: {get_item(PROBLEM).answer}").first.is_visible()
    page.wait_for_url(f"**ev={target.id}**")  # the click also moved the event picker
    assert_no_exception(page)
    charts = page.get_by_test_id("stVegaLiteChart")
    assert charts.count() >= 2
    save_screenshot(page, "trace-after-click", height=2400)


def test_live_replay_plays_every_event(page) -> None:  # type: ignore[no-untyped-def]
    open_trace(page)
    n = len(generate_trace(PROBLEM, SEED).events)
    page.get_by_role("button", name="Replay the trace").click()
    page.get_by_text(f"{n} / {n}", exact=False).first.wait_for(state="visible")
    wait_for_app(page)
    assert page.get_by_text("Replaying: done").first.is_visible()
    assert_no_exception(page)
