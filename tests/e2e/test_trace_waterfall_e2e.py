"""The Causal Trace Explorer's waterfall in a real browser: upload a Langfuse export,
click the bar of one span and read its details (kind, model, tokens).

Vega draws on a canvas, so the test asks the chart's Vega view (reached through the
React component holding it) where the wanted span's bar is drawn, and clicks there."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_app

FIXTURE = Path(__file__).parents[1] / "fixtures" / "traces" / "langfuse-nested-generations.json"
WANTED = "obs-gen-inner-2"  # ai.generateText.doGenerate, gpt-4o, 200 input tokens

#: Page coordinates of the centre of the bar whose datum has the given id, or null.
LOCATE_BAR = """
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
    if (item.datum && item.datum.id === wanted && item.mark && item.mark.marktype === 'rect') {
      found = [dx + (item.x || 0) + (item.width || 0) / 2,
               dy + (item.y || 0) + (item.height || 0) / 2];
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
  return {x: box.left + ox + found[0], y: box.top + oy + found[1], padX: px, padY: py};
}
"""


def test_upload_a_trace_and_click_a_waterfall_bar(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.app_url}/")
    wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name="Causal Trace Explorer").click()
    page.wait_for_url("**/trace**")
    wait_for_app(page)
    page.get_by_text("Upload a trace", exact=True).first.click()
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(FIXTURE))
    page.get_by_text("as langfuse", exact=False).first.wait_for(state="visible")
    wait_for_app(page)
    assert_no_exception(page)
    detail = page.locator(".st-key-span_detail")
    heading = detail.get_by_role("heading", level=4)
    heading.wait_for(state="visible")
    assert heading.inner_text() == "support-agent"  # the root is shown first

    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.scroll_into_view_if_needed()
    chart.locator("canvas, svg").first.wait_for(state="visible")
    point = None
    for _ in range(20):  # Vega may still be laying out the chart
        point = page.evaluate(LOCATE_BAR, [chart.element_handle(), WANTED])
        if point:
            break
        page.wait_for_timeout(250)
    assert point, "could not locate the span's bar in the Vega view"
    tooltip = page.locator("#vg-tooltip-element")
    x, y = point["x"], point["y"]
    for x, y in ((point["x"], point["y"]),
                 (point["x"] + point["padX"], point["y"] + point["padY"])):
        page.mouse.move(x, y)
        try:
            tooltip.wait_for(state="visible", timeout=3_000)
        except Exception:  # no tooltip at this position: try the other one
            continue
        if "doGenerate" in tooltip.inner_text():
            break
    page.mouse.click(x, y)
    wait_for_app(page)
    page.wait_for_function(
        "() => { const h = document.querySelector('.st-key-span_detail h4');"
        " return h && h.innerText.includes('doGenerate'); }", timeout=15_000)
    text = detail.inner_text()
    assert "gpt-4o" in text and "200" in text and "llm" in text, text
    assert "1,800.0 ms" in text  # its start, in ms since the trace started
    assert_no_exception(page)
    save_screenshot(page, "trace-waterfall-after-click", height=2400)
