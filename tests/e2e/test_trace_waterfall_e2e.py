"""The Causal Trace Explorer on an uploaded span trace, in a real browser: upload a
Langfuse export, click a bar of the waterfall and read that span's details, then pick
another span from the list and read its input and output.

Vega draws the waterfall on a canvas, so there is no DOM node per bar. The test asks the
chart's own Vega view (reached through the React component that holds it) where the bar
of the wanted span is drawn and clicks the page there, as the mock-trace browser test
does for timeline points."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_app
from tests.e2e.test_trace_e2e import LOCATE_POINT

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "traces"
           / "langfuse-nested-generations.json")

#: The timeline locator finds symbols; the waterfall's bars are rect marks.
LOCATE_BAR = LOCATE_POINT.replace("item.mark.marktype === 'symbol'",
                                  "item.mark.marktype === 'rect'").replace(
    "found = [dx + (item.x || 0), dy + (item.y || 0)];",
    "found = [dx + (item.x || 0) + Math.max(item.width || 0, 2) / 2, "
    "dy + (item.y || 0) + (item.height || 0) / 2];")


def upload_trace(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.app_url}/trace?src=Upload+a+trace")
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(FIXTURE))
    page.get_by_role("heading", name="Waterfall").first.wait_for(state="visible",
                                                                  timeout=120_000)
    wait_for_app(page)


def test_click_a_waterfall_bar_and_read_the_span(page) -> None:  # type: ignore[no-untyped-def]
    upload_trace(page)
    assert_no_exception(page)
    assert page.get_by_text("langfuse", exact=False).first.is_visible()
    detail = page.locator(".st-key-span_detail")
    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.wait_for(state="visible")
    chart.scroll_into_view_if_needed()
    chart.locator("canvas, svg").first.wait_for(state="visible")
    target = "obs-tool"
    bar = None
    for _ in range(20):  # Vega may still be laying out the chart
        bar = page.evaluate(LOCATE_BAR, [chart.element_handle(), target])
        if bar:
            break
        page.wait_for_timeout(250)
    assert bar, "could not locate the span's bar in the Vega view"
    tooltip = page.locator("#vg-tooltip-element")
    x, y = bar["x"], bar["y"]
    for x, y in ((bar["x"], bar["y"]), (bar["x"] + bar["padX"], bar["y"] + bar["padY"])):
        page.mouse.move(x, y)
        try:
            tooltip.wait_for(state="visible", timeout=3_000)
        except Exception:  # no tooltip at this position: try the other one
            continue
        if "lookup_order" in tooltip.inner_text():
            break
    assert "lookup_order" in tooltip.inner_text()
    page.mouse.click(x, y)
    wait_for_app(page)
    heading = detail.get_by_role("heading", level=4)
    heading.wait_for(state="visible")
    page.wait_for_function(
        "() => { const h = document.querySelector('.st-key-span_detail h4');"
        " return h && h.innerText.includes('lookup_order'); }", timeout=30_000)
    text = detail.inner_text()
    assert "tool" in text and "100.0 ms" in text
    assert '"order"' in text and "packed" in text  # the tool's input and output
    assert_no_exception(page)
    save_screenshot(page, "trace-waterfall-after-click", height=2400)


def test_pick_a_generation_from_the_list(page) -> None:  # type: ignore[no-untyped-def]
    upload_trace(page)
    page.locator(".st-key-span").get_by_test_id("stSelectbox").click()
    page.keyboard.type("obs-gen-outer")
    page.get_by_role("option", name="obs-gen-outer", exact=False).first.click()
    wait_for_app(page)
    detail = page.locator(".st-key-span_detail")
    page.wait_for_function(
        "() => { const h = document.querySelector('.st-key-span_detail h4');"
        " return h && h.innerText.includes('ai.generateText'); }", timeout=30_000)
    text = detail.inner_text()
    assert "gpt-4o" in text
    assert "300 in / 60 out" in text  # its own usage and the sum over its leaves
    assert "Where is my order?" in text and "It ships tomorrow." in text
    assert_no_exception(page)
