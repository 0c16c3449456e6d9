"""Keyboard use of every dashboard in a real browser: Tab from the top of the page
reaches every visible, enabled control of the sidebar and the main area; a focused
control shows a focus ring; a slider moves with the arrow keys; and the page's primary
action runs from Enter or Space.

One page load per dashboard. Focus is recorded in the page by a ``focusin`` listener
(tag, role, aria-label and label text of each focused element), so the Tab walk costs
only the key presses. A composite control (number input with its stepper, selectbox with
its open button, radio group, segmented control, multiselect with its tags) counts as
reached when any of its parts takes focus: inside it the arrow keys move, as the ARIA
patterns for these widgets prescribe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from crucible_ui.registry import existing_pages
from tests.e2e.conftest import assert_no_exception, open_path, wait_for_app

MAX_TABS = 200

#: Records every element that takes focus, in order, with what a screen reader names it.
RECORD_FOCUS = """() => {
  window.__kbFocused = [];
  window.__kbLog = [];
  document.addEventListener('focusin', (event) => {
    const el = event.target;
    window.__kbFocused.push(el);
    const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
    window.__kbLog.push({tag: el.tagName.toLowerCase(), role: el.getAttribute('role') || '',
                         ariaLabel: el.getAttribute('aria-label') || '', label: label.trim()});
  }, true);
}"""

#: True once focus has come back round to the first element it reached.
WRAPPED = """() => {
  const seen = window.__kbFocused;
  return seen.length > 1 && seen.indexOf(seen[0], 1) > 0;
}"""

#: Every visible, enabled interactive control of the sidebar and the main area, and
#: whether the Tab walk reached it.
CONTROLS = """() => {
  const COMPOSITE = ['stNumberInput', 'stSelectbox', 'stMultiSelect', 'stTextInput',
    'stTextArea', 'stCheckbox', 'stRadio', 'stButtonGroup', 'stFileUploader', 'stDateInput',
    'stTimeInput', 'stColorPicker', 'stChatInput'];
  const FOCUSABLE = 'button, a[href], summary, input:not([type=hidden]), textarea, select, '
    + '[role=tab], [role=slider], [role=combobox], [role=switch], [role=checkbox], '
    + '[role=radio], [tabindex]';
  const visible = (el) => el.checkVisibility({visibilityProperty: true})
    && el.getClientRects().length > 0;
  const disabled = (el) => el.disabled || el.getAttribute('aria-disabled') === 'true'
    || !!el.closest('[aria-disabled=true]');
  const reached = new Set(window.__kbFocused);
  const text = (s) => (s || '').replace(/\\s+/g, ' ').trim().slice(0, 80);
  const controls = [];
  const inComposite = new Set();
  for (const root of document.querySelectorAll('[data-testid=stSidebar], [data-testid=stMain]')) {
    const selector = COMPOSITE.map((id) => `[data-testid=${id}]`).join(',');
    for (const widget of root.querySelectorAll(selector)) {
      // a help button in the label is a control of its own
      const parts = [...widget.querySelectorAll(FOCUSABLE)]
        .filter((el) => !el.closest('[data-testid=stTooltipHoverTarget]'));
      parts.forEach((el) => inComposite.add(el));
      if (!visible(widget) || parts.every(disabled)) continue;
      const label = widget.querySelector('[data-testid=stWidgetLabel]');
      controls.push({kind: widget.dataset.testid, name: text(label && label.innerText),
                     reached: parts.some((el) => reached.has(el))});
    }
    for (const el of root.querySelectorAll(FOCUSABLE)) {
      if (inComposite.has(el) || !visible(el) || disabled(el)) continue;
      const slider = el.closest('[data-testid=stSlider]');
      const label = slider && slider.querySelector('[data-testid=stWidgetLabel]');
      controls.push({
        kind: slider ? 'stSlider' : (el.getAttribute('role') || el.tagName.toLowerCase()),
        name: text(el.getAttribute('aria-label') || (label && label.innerText) || el.innerText),
        tabindex: el.getAttribute('tabindex'), reached: reached.has(el)});
    }
  }
  return controls;
}"""

#: Whether the element, or the visible box drawn for it (a slider's thumb wraps its
#: visually hidden input), shows an outline or a box-shadow ring.
HAS_RING = """(el) => {
  let node = el;
  for (let depth = 0; node && depth < 4; depth++, node = node.parentElement) {
    const box = node.getBoundingClientRect();
    if (box.width < 4 || box.height < 4) continue;
    const style = getComputedStyle(node);
    if (style.boxShadow !== 'none') return true;
    if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) return true;
  }
  return false;
}"""


@dataclass(frozen=True)
class KeyboardCase:
    """A dashboard's keyboard checks: the slider to move with ArrowRight (its URL key and
    step), and the primary action: the button, the key that presses it, and the text its
    result shows. ``before`` lists controls (role, name) to press Space on first, for a
    button that a toggle reveals. Playback is instant (``?speed=Instant``) where the
    speed control is on the page from the start."""

    query: str
    slider: str
    key: str
    step: float
    button: str
    press: str
    result: re.Pattern[str]
    before: tuple[tuple[str, str], ...] = ()


CASES: dict[str, KeyboardCase] = {
    "ensemble": KeyboardCase("speed=Instant", "Timeout (ms)", "timeout", 500,
                             "Ask the models", "Enter", re.compile(r"Download history \(CSV\)")),
    "hedging": KeyboardCase("speed=Instant", "Fan-out k (sub-requests)", "k", 1,
                            "Play the stream live", "Space",
                            re.compile(r"^100 of 100 requests\.$")),
    "stats": KeyboardCase("speed=Instant", "Accuracy", "aacc", 0.01, "Run experiment",
                          "Enter", re.compile(r"^100 of 100 problems answered\.$")),
    "trace": KeyboardCase("speed=Instant", "Low-confidence threshold", "low", 0.05,
                          "Replay the trace", "Space", re.compile(r"^(\d+) / \1 · ")),
    "monitoring": KeyboardCase("", "Start hour today", "start", 1, "Start live replay",
                               "Enter", re.compile(r"^24 of 24 hours of today seen"),
                               before=(("switch", "Live mode: stream today hour by hour"),
                                       ("radio", "Instant"))),
    "optimization": KeyboardCase("speed=Instant", "Seeds to compare", "cmp_seeds", 1,
                                 "Run search", "Enter", re.compile(r"^Trials run: 30 of 30")),
}

PAGES = {spec.url_path: spec for spec in existing_pages()}


def walk_with_tab(page) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Press Tab from the top of the document until focus wraps round (at most
    ``MAX_TABS`` presses); returns what took focus, in order."""
    page.evaluate(RECORD_FOCUS)
    presses = 0
    while presses < MAX_TABS:
        for _ in range(10):
            page.keyboard.press("Tab")
        presses += 10
        if page.evaluate(WRAPPED):
            break
    return list(page.evaluate("() => window.__kbLog"))


def focus_by_keyboard(page, locator) -> None:  # type: ignore[no-untyped-def]
    """Give ``locator`` focus the way a keyboard user does (Shift+Tab, then Tab), so the
    browser shows its keyboard focus style."""
    locator.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert locator.evaluate("el => el === document.activeElement")


def assert_ring(page, target, *, shown: bool) -> None:  # type: ignore[no-untyped-def]
    """Wait (briefly) until ``target`` shows a focus ring, or until it shows none; the
    widgets restyle a frame after focus moves."""
    check = f"el => ({HAS_RING})(el) === {'true' if shown else 'false'}"
    page.wait_for_function(check, arg=target.element_handle(), timeout=5_000)


def slider_thumb(page, label: str):  # type: ignore[no-untyped-def]
    """The (first) thumb of the slider labelled ``label``."""
    title = page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stSlider").filter(has=title).locator("input[type=range]").first


def test_every_page_has_a_keyboard_case() -> None:
    assert set(CASES) == set(PAGES)


@pytest.mark.parametrize("url_path", sorted(CASES))
def test_the_page_works_from_the_keyboard(page, url_path: str) -> None:  # type: ignore[no-untyped-def]
    case = CASES[url_path]
    open_path(page, url_path, case.query)
    assert page.get_by_role("heading", name=PAGES[url_path].title).first.is_visible()
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')")

    # 1. Tab reaches every control
    log = walk_with_tab(page)
    assert len(log) >= 10, log
    controls = page.evaluate(CONTROLS)
    kinds = {c["kind"] for c in controls}
    assert {"stNumberInput", "stSlider", "button", "a"} <= kinds, kinds
    missed = [c for c in controls if not c["reached"]]
    order = [" ".join(v for v in step.values() if v) for step in log]
    assert not missed, f"not reachable with Tab: {missed}; the Tab order was {order}"

    # 2. a focused control shows a ring, and only while focused
    button = page.get_by_test_id("stMain").get_by_role("button", name=case.button)
    thumb = slider_thumb(page, case.slider)
    for target in ([thumb] if case.before else [button, thumb]):
        target.scroll_into_view_if_needed()
        focus_by_keyboard(page, target)
        assert_ring(page, target, shown=True)
        target.evaluate("el => el.blur()")
        assert_ring(page, target, shown=False)

    # 3. ArrowRight moves a slider by one step; the page reruns clean and the URL follows
    focus_by_keyboard(page, thumb)
    before = float(thumb.evaluate("el => el.valueAsNumber"))
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    after = float(slider_thumb(page, case.slider).evaluate("el => el.valueAsNumber"))
    assert after == pytest.approx(before + case.step)
    assert f"{case.key}=" in page.url
    assert_no_exception(page)

    # 4. the primary action runs from the keyboard
    main = page.get_by_test_id("stMain")
    for role, name in case.before:
        control = main.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
        control.focus()
        page.keyboard.press("Space")
        wait_for_app(page)
        assert control.is_checked(), name
    if case.before:
        button = main.get_by_role("button", name=case.button)
        focus_by_keyboard(page, button)
        assert_ring(page, button, shown=True)
    assert page.get_by_text(case.result).count() == 0
    focus_by_keyboard(page, button)
    page.keyboard.press(case.press)
    page.get_by_text(case.result).first.wait_for(state="visible", timeout=90_000)
    wait_for_app(page)
    assert_no_exception(page)
