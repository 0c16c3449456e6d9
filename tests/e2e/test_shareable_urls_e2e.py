"""Shareable URLs in a real browser: a crafted link restores every setting it names, and
a link with garbage in it gives a warning naming each parameter it could not use while
the page keeps working with its defaults.

Every dashboard binds its view-defining widgets to the URL (``bind="query-params"``; the
parameter is the widget's key, the value what the widget displays, so an option with a
label travels as its label). The page guard (``crucible_ui.layout.guarded``) reports the
parameters the widgets rejected and the ones no widget knows. Each case is one page load;
the widgets are read back from the DOM, as a visitor would see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from crucible_ui.registry import existing_pages
from tests.e2e.conftest import APP_IDLE, assert_no_exception, open_path, wait_for_app

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"

#: The element each kind of control renders as.
TEST_IDS = {
    "number": "stNumberInput", "slider": "stSlider", "select": "stSelectbox",
    "radio": "stRadio", "segmented": "stButtonGroup", "toggle": "stCheckbox",
    "text": "stTextInput", "textarea": "stTextArea", "multiselect": "stMultiSelect",
}

#: What a control displays: the field's value, the slider thumbs' labels, the checked
#: option, the toggle's state or the chosen tags.
READ_CONTROL = """(w, kind) => {
  const texts = (nodes) => [...nodes].map(n => n.innerText.trim()).join(', ');
  switch (kind) {
    case 'number': case 'text': case 'select': return w.querySelector('input').value;
    case 'textarea': return w.querySelector('textarea').value;
    case 'slider': return texts(w.querySelectorAll('[data-testid=stSliderThumbValue]'));
    case 'radio': return texts([...w.querySelectorAll('[data-testid=stRadioOption]')]
                                 .filter(o => o.querySelector('input').checked));
    case 'segmented': return texts(w.querySelectorAll('button[aria-checked=true]'));
    case 'toggle': return w.querySelector('input').checked ? 'on' : 'off';
    case 'multiselect': return [...w.querySelectorAll('[aria-label="Selected values"] [data-tag]')]
                                 .map(t => t.getAttribute('aria-label')).join(', ');
  }
  throw new Error('unknown control kind ' + kind);
}"""


@dataclass(frozen=True)
class Shown:
    """A control, found by its label (the ``nth`` of that label), and what it displays."""

    kind: str
    label: str
    value: str
    nth: int = 0


@dataclass(frozen=True)
class Crafted:
    """A link setting non-default values, and what the controls must then display."""

    params: tuple[tuple[str, str], ...]
    shown: tuple[Shown, ...]


@dataclass(frozen=True)
class Garbage:
    """A link with values no control can take (and parameters none knows), the
    controls that must fall back to their defaults, and the primary button that shows
    the page still works."""

    params: tuple[tuple[str, str], ...]
    defaults: tuple[Shown, ...]
    unknown: tuple[str, ...]
    action: tuple[str, str]


CRAFTED: dict[str, Crafted] = {
    "ensemble": Crafted(
        (("seed", "7"), ("q", "med-003"), ("vote", "Weighted vote"),
         ("exec", "Cascade (cheapest first)"), ("thr", "0.9"), ("timeout", "12000"),
         ("corr", "0.3"), ("n", "400"), ("speed", "Instant")),
        (Shown("number", "Seed", "7"), Shown("select", "Medical question", "med-003"),
         Shown("select", "Voting strategy", "Weighted vote"),
         Shown("select", "Execution strategy", "Cascade (cheapest first)"),
         Shown("slider", "Cascade confidence threshold", "0.90"),
         Shown("slider", "Timeout (ms)", "12000"),
         Shown("slider", "Error correlation between models", "0.30"),
         Shown("slider", "Questions in the batch", "400"),
         Shown("segmented", "Playback speed", "Instant"),
         Shown("radio", "Question", "Medical set"))),
    "hedging": Crafted(
        (("seed", "7"), ("strategy", "Running percentile"), ("delay", "1500"),
         ("pct", "90.5"), ("n", "500"), ("k", "25"), ("slow", "0.2"),
         ("slowdown", "true"), ("speed", "Instant")),
        (Shown("number", "Seed", "7"), Shown("select", "Hedging strategy", "Running percentile"),
         Shown("slider", "Hedge delay (ms)", "1500"), Shown("number", "Hedge percentile", "90.5"),
         Shown("number", "Requests", "500"), Shown("slider", "Fan-out k (sub-requests)", "25"),
         Shown("slider", "Slow-tail share", "0.20"), Shown("toggle", "Slow down halfway", "on"),
         Shown("segmented", "Playback speed", "Instant"))),
    "stats": Crafted(
        (("seed", "9"), ("alpha", "0.01"), ("alt", "greater"), ("metric", "latency"),
         ("am", "gpt-4"), ("aacc", "0.8"), ("alat", "1200"), ("n", "300"),
         ("speed", "Instant")),
        (Shown("number", "Seed", "9"), Shown("select", "Significance level (alpha)", "0.01"),
         Shown("select", "Alternative hypothesis (B vs A)", "greater"),
         Shown("segmented", "Metric", "latency"), Shown("select", "Built on", "gpt-4"),
         Shown("slider", "Accuracy", "0.80"), Shown("number", "Mean latency (ms)", "1200"),
         Shown("select", "Built on", "gemini-pro", nth=1),
         Shown("slider", "Problems", "300"), Shown("segmented", "Playback speed", "Instant"))),
    "trace": Crafted(
        (("seed", "5"), ("q", "math-002"), ("len", "12"), ("find", "step"),
         ("types", "hypothesis_formed"), ("types", "answer_committed"),
         ("conf", "0.2"), ("conf", "0.8"), ("low", "0.3"), ("ev", "e05"),
         ("speed", "Instant")),
        (Shown("number", "Seed", "5"), Shown("select", "Problem", "math-002"),
         Shown("select", "Events", "12"), Shown("text", "Search the trace", "step"),
         Shown("multiselect", "Event types", "hypothesis_formed, answer_committed"),
         Shown("slider", "Confidence range", "0.20, 0.80"),
         Shown("slider", "Low-confidence threshold", "0.30"), Shown("select", "Event", "e05"),
         Shown("radio", "Trace source", "Mock problem"),
         Shown("segmented", "Playback speed", "Instant"))),
    "monitoring": Crafted(
        (("seed", "11"), ("kind", "Gradual"), ("what", "Latency"), ("size", "20"),
         ("start", "14"), ("det", "EWMA"), ("win", "6"), ("both", "true"), ("lam", "0.3"),
         ("L", "2.5"), ("on", "accuracy"), ("on", "error rate"), ("scope", "All 31 days")),
        (Shown("number", "Seed", "11"), Shown("segmented", "Degradation", "Gradual"),
         Shown("select", "Degraded metric", "Latency"), Shown("slider", "Degradation size", "20"),
         Shown("slider", "Start hour today", "14:00"), Shown("segmented", "Detector", "EWMA"),
         Shown("segmented", "Window (hours per observation)", "6"),
         Shown("toggle", "Also alert on improvements (two-sided)", "on"),
         Shown("slider", "lambda (weight of the newest)", "0.30"),
         Shown("slider", "L (limit width, sd)", "2.50"),
         Shown("multiselect", "Alert on", "accuracy, error rate"),
         Shown("radio", "Monitor", "All 31 days"), Shown("radio", "Data", "Simulated"))),
    "optimization": Crafted(
        (("space", "temperature real 0 1\nfew_shot integer 0 5"), ("acq", "LCB"),
         ("trials", "50"), ("seed", "3"), ("speed", "Instant"), ("cmp_seeds", "7")),
        (Shown("textarea", "Search space (one dimension per line)",
               "temperature real 0 1\nfew_shot integer 0 5"),
         Shown("segmented", "Strategy", "Bayesian"),
         Shown("select", "Acquisition function", "LCB"), Shown("slider", "Trials (budget)", "50"),
         Shown("number", "Seed", "3"), Shown("segmented", "Playback speed", "Instant"),
         Shown("slider", "Seeds to compare", "7"))),
}

GARBAGE: dict[str, Garbage] = {
    "ensemble": Garbage(
        (("seed", "-1"), ("timeout", "abc"), ("vote", SCRIPT), ("exec", "Nope"),
         ("corr", "5"), ("bogus", "x")),
        (Shown("number", "Seed", "42"), Shown("slider", "Timeout (ms)", "8000"),
         Shown("select", "Voting strategy", "Majority vote"),
         Shown("select", "Execution strategy", "Parallel"),
         Shown("slider", "Error correlation between models", "0.55")),
        ("bogus",), ("button", "Ask the models")),
    "hedging": Garbage(
        (("seed", "abc"), ("delay", "99999"), ("strategy", SCRIPT), ("pct", "500"),
         ("slowdown", "maybe"), ("n", "-3"), ("zzz", IMG)),
        (Shown("number", "Seed", "42"), Shown("slider", "Hedge delay (ms)", "1000"),
         Shown("select", "Hedging strategy", "Fixed delay"),
         Shown("number", "Hedge percentile", "95.0"),
         Shown("toggle", "Slow down halfway", "off"), Shown("number", "Requests", "100")),
        ("zzz",), ("button", "Play the stream live")),
    "stats": Garbage(
        (("seed", "seven"), ("alpha", "0.2"), ("alt", SCRIPT), ("aacc", "2"), ("n", "abc"),
         ("metric", IMG), ("zz", "1")),
        (Shown("number", "Seed", "42"), Shown("select", "Significance level (alpha)", "0.05"),
         Shown("select", "Alternative hypothesis (B vs A)", "two-sided"),
         Shown("slider", "Accuracy", "0.87"), Shown("slider", "Problems", "100"),
         Shown("segmented", "Metric", "accuracy")),
        ("zz",), ("button", "Run experiment")),
    "trace": Garbage(
        (("seed", "abc"), ("q", SCRIPT), ("len", "99"), ("low", "7"), ("conf", "abc"),
         ("unknown", "1")),
        (Shown("number", "Seed", "42"), Shown("select", "Problem", "med-001"),
         Shown("select", "Events", "auto"), Shown("slider", "Low-confidence threshold", "0.50"),
         Shown("slider", "Confidence range", "0.00, 1.00")),
        ("unknown",), ("button", "Replay the trace")),
    "monitoring": Garbage(
        (("seed", "99999999999"), ("kind", SCRIPT), ("size", "500"), ("det", "nope"),
         ("win", "7"), ("start", "-1"), ("x", "1")),
        (Shown("number", "Seed", "42"), Shown("segmented", "Degradation", "Abrupt"),
         Shown("slider", "Degradation size", "3"), Shown("segmented", "Detector", "CUSUM"),
         Shown("segmented", "Window (hours per observation)", "1"),
         Shown("slider", "Start hour today", "8:00")),
        ("x",), ("switch", "Live mode: stream today hour by hour")),
    "optimization": Garbage(
        (("seed", "abc"), ("strategy", SCRIPT), ("trials", "1000"), ("acq", IMG),
         ("y", "2")),
        (Shown("number", "Seed", "42"), Shown("segmented", "Strategy", "Bayesian"),
         Shown("slider", "Trials (budget)", "30"),
         Shown("select", "Acquisition function", "EI")),
        ("y",), ("button", "Run search")),
}

PAGES = {spec.url_path: spec for spec in existing_pages()}


def control(page, shown: Shown):  # type: ignore[no-untyped-def]
    """The control labelled ``shown.label`` (its ``nth`` occurrence), once rendered."""
    label = page.get_by_test_id("stWidgetLabel").get_by_text(shown.label, exact=True)
    widget = page.get_by_test_id(TEST_IDS[shown.kind]).filter(has=label).nth(shown.nth)
    widget.wait_for(state="attached")
    return widget


def displayed(page, shown: Shown) -> str:  # type: ignore[no-untyped-def]
    """What the control displays, read from the DOM."""
    return str(control(page, shown).evaluate(READ_CONTROL, shown.kind))


def open_watched(page, url_path: str, params: tuple[tuple[str, str], ...]) -> list[str]:  # type: ignore[no-untyped-def]
    """Open the page with ``params`` as its query string; returns the list that collects
    any JavaScript dialog (which would mean URL text ran as script)."""
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    open_path(page, url_path, urlencode(params))
    return dialogs


def url_warnings(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts of the guard's warnings about URL parameters."""
    alerts = page.get_by_test_id("stAlert").filter(has_text="URL parameter")
    texts = alerts.get_by_test_id("stMarkdownContainer").all_inner_texts()
    return [" ".join(text.split()) for text in texts]


def bad_value_warning(key: str, values: list[str]) -> str:
    """The warning the guard must show for a rejected value (values up to 40 characters
    are quoted whole)."""
    return f"URL parameter {key} = “{', '.join(values)}” is not a valid value here; showing"


def test_every_page_has_url_cases() -> None:
    """Each registered dashboard has a crafted and a garbage link below."""
    assert set(PAGES) == set(CRAFTED) == set(GARBAGE)


@pytest.mark.parametrize("url_path", sorted(CRAFTED))
def test_a_crafted_link_restores_the_controls(page, url_path: str) -> None:  # type: ignore[no-untyped-def]
    case = CRAFTED[url_path]
    dialogs = open_watched(page, url_path, case.params)
    assert page.get_by_role("heading", name=PAGES[url_path].title).first.is_visible()
    got = {(s.label, s.nth): displayed(page, s) for s in case.shown}
    assert got == {(s.label, s.nth): s.value for s in case.shown}
    assert url_warnings(page) == []
    # the URL keeps every setting, and so does the link the page offers to copy
    assert sorted(parse_qsl(urlsplit(page.url).query)) == sorted(case.params)
    page.get_by_test_id("stPopoverButton").filter(has_text="Copy link to this view").click()
    link = page.get_by_test_id("stPopoverBody").locator("code").first
    link.wait_for(state="visible")
    assert sorted(parse_qsl(urlsplit(link.inner_text().strip()).query)) == sorted(case.params)
    page.wait_for_selector(APP_IDLE)
    assert_no_exception(page)
    assert dialogs == []


@pytest.mark.parametrize("url_path", sorted(GARBAGE))
def test_a_garbage_link_warns_and_the_page_works(page, url_path: str) -> None:  # type: ignore[no-untyped-def]
    case = GARBAGE[url_path]
    dialogs = open_watched(page, url_path, case.params)
    assert page.get_by_role("heading", name=PAGES[url_path].title).first.is_visible()
    warnings = url_warnings(page)
    values: dict[str, list[str]] = {}
    for key, value in case.params:
        values.setdefault(key, []).append(value)
    for key, raw in values.items():
        expected = (f"Unknown URL parameter {key} was ignored." if key in case.unknown
                    else bad_value_warning(key, raw))
        assert sum(w.startswith(expected) for w in warnings) == 1, (expected, warnings)
    assert len(warnings) == len(values)
    for shown in case.defaults:
        assert displayed(page, shown) == shown.value, shown
    # markup from the URL is shown as text: nothing ran and nothing was injected
    assert any(SCRIPT in w for w in warnings)
    assert page.locator("script", has_text="alert(").count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert dialogs == []
    # the rest of the page works: its primary control is there and enabled
    role, name = case.action
    assert page.get_by_test_id("stMain").get_by_role(role, name=name).first.is_enabled()
    assert_no_exception(page)


def test_a_warning_names_a_parameter_with_an_underscore_as_written(page) -> None:  # type: ignore[no-untyped-def]
    open_path(page, "optimization", "cmp_seeds=0&my_flag=1")
    warnings = url_warnings(page)
    assert any(w.startswith(bad_value_warning("cmp_seeds", ["0"])) for w in warnings), warnings
    assert "Unknown URL parameter my_flag was ignored." in warnings
    assert_no_exception(page)


def test_the_copy_link_points_at_the_page_it_was_copied_from(page) -> None:  # type: ignore[no-untyped-def]
    params = (("seed", "7"), ("k", "25"))
    open_path(page, "hedging", urlencode(params))
    page.get_by_test_id("stPopoverButton").filter(has_text="Copy link to this view").click()
    link = page.get_by_test_id("stPopoverBody").locator("code").first
    link.wait_for(state="visible")
    parts = urlsplit(link.inner_text().strip())
    assert parts.path == "/hedging"
    assert sorted(parse_qsl(parts.query)) == sorted(params)
    # the link opens the same view in a fresh session
    other = page.context.new_page()
    other.goto(link.inner_text().strip())
    wait_for_app(other)
    seed = other.get_by_test_id("stNumberInput").filter(has_text="Seed").locator("input")
    # a busy server may paint the page before its first run has applied the URL
    expect(seed).to_have_value("7", timeout=30_000)
    other.close()
