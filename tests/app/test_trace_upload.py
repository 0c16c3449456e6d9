"""Span-trace uploads on the Causal Trace Explorer through AppTest: every project
fixture format reads and draws without an exception and says what it read; a file that
is no trace gets a message naming the problem and the page keeps working; a second
upload is compared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crucible_io.traces import read_traces
from tests.app.apptest import assert_clean, open_page

PAGE = "pages/trace.py"
INSTANT = {"speed": "Instant"}
FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "traces").glob("*.json*"))


def _upload(at, name: str, data: bytes, key: str = "upload"):  # type: ignore[no-untyped-def]
    at.radio(key="src").set_value("Upload a trace").run()
    at.file_uploader(key=key).set_value((name, data, "application/json")).run()
    return at


def _text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(e.value) for e in (*at.error, *at.warning, *at.info, *at.success)]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def test_there_is_a_fixture_per_format() -> None:
    formats = {read_traces(path)[0].source_format for path in FIXTURES}
    assert {"otlp-json", "otlp-jsonl", "jaeger", "langfuse", "phoenix",
            "langsmith"} <= formats


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_each_fixture_uploads_and_draws(path: Path) -> None:
    at = _upload(open_page(PAGE, query=INSTANT), path.name, path.read_bytes())
    assert_clean(at)
    trace = read_traces(path)[0]
    text = _text(at)
    assert f"as {trace.source_format}" in text.replace("**", ""), text
    spans = next(m.value for m in at.metric if m.label == "Spans")
    assert spans == f"{len(trace.events):,}"
    assert not at.error


def test_bad_span_file_gives_the_readers_message() -> None:
    at = _upload(open_page(PAGE, query=INSTANT), "bad.json", b'{"resourceSpans": 3}')
    assert_clean(at)
    errors = [re.sub(r"\\(.)", r"\1", str(e.value)) for e in at.error]
    assert errors and "resourceSpans" in errors[0]
    # the error alone: no mock trace, and no mock controls
    assert not at.metric and not [s for s in at.selectbox if s.key in ("q", "len")]


def test_filters_and_a_second_trace_compare() -> None:
    first = next(p for p in FIXTURES if "langfuse" in p.name)
    second = next(p for p in FIXTURES if "openinference" in p.name)
    at = _upload(open_page(PAGE, query=INSTANT), first.name, first.read_bytes())
    at.text_input(key="sfind").set_value("zzz-no-such-span").run()
    assert_clean(at)
    assert "No span matches" in _text(at)
    at.text_input(key="sfind").set_value("").run()
    at.file_uploader(key="upload_b").set_value(
        (second.name, second.read_bytes(), "application/json")).run()
    assert_clean(at)
    assert "only in a" in _text(at)


def test_a_file_with_several_traces_lets_the_user_pick_one() -> None:
    path = next(p for p in FIXTURES if p.suffix == ".jsonl")
    traces = read_traces(path)
    assert len(traces) >= 2
    at = _upload(open_page(PAGE, query=INSTANT), path.name, path.read_bytes())
    at.selectbox(key="trace_pick").set_value(1).run()
    assert_clean(at)
    spans = next(m.value for m in at.metric if m.label == "Spans")
    assert spans == f"{len(traces[1].events):,}"
    assert at.selectbox(key="span").options[0].endswith(f"{traces[1].events[0].id})")


@pytest.mark.parametrize("name", ["agent-prism-smol_deep_research_agent.json",
                                  "langfuse-vercel-aisdk-2025-11-17.trace.json",
                                  "agentevals-tempo_export_with_batches.json"])
def test_real_exports_upload_and_draw(name: str) -> None:
    from tests.shared_fixtures import shared_fixture

    path = shared_fixture("traces", name)
    trace = read_traces(path)[0]
    at = _upload(open_page(PAGE, query=INSTANT), path.name, path.read_bytes())
    assert_clean(at)
    assert not at.error
    spans = next(m.value for m in at.metric if m.label == "Spans")
    assert spans == f"{len(trace.events):,}"
