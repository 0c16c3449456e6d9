"""Real exports from the shared fixtures uploaded to the Causal Trace Explorer through
AppTest: each reads without an exception, the page says the format and span count the
reader found, files with several traces offer a pick, and choosing another trace or a
span keeps the page clean."""

from __future__ import annotations

import re

import pytest

from crucible_io.traces import read_traces
from tests.app.apptest import assert_clean, open_page
from tests.shared_fixtures import shared_fixture

PAGE = "pages/trace.py"
INSTANT = {"speed": "Instant"}
#: One real file per tool, plus the multi-trace Jaeger file.
REAL = ["otlp-proto-example-trace.json", "agentevals-k8s-jaeger.json",
        "agentevals-tempo_export_with_batches.json", "agent-prism-quo_tav_agent.json",
        "langfuse-vercel-aisdk-2025-11-17.trace.json", "langsmith-py_wrap_openai.json",
        "jaeger-memory-otel_traces_01.json"]


def _text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(e.value) for e in (*at.error, *at.warning, *at.info, *at.success)]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts)).replace("**", "")


@pytest.mark.parametrize("name", REAL)
def test_real_export_uploads_and_says_what_it_read(name: str) -> None:
    path = shared_fixture("traces", name)
    traces = read_traces(path)
    at = open_page(PAGE, query=INSTANT)
    at.radio(key="src").set_value("Upload a trace").run()
    at.file_uploader(key="upload").set_value((name, path.read_bytes(),
                                              "application/json")).run()
    assert_clean(at)
    assert not at.error
    text = _text(at)
    assert f"as {traces[0].source_format}" in text, text[:400]
    assert f"{len(traces):,} trace(s)" in text
    assert f"this one has {len(traces[0].events):,} spans" in text
    if len(traces) > 1:
        at.selectbox(key="trace_pick").set_value(len(traces) - 1).run()
        assert_clean(at)
        assert f"this one has {len(traces[-1].events):,} spans" in _text(at)
        chosen = traces[-1]
    else:
        chosen = traces[0]
    last = chosen.events[-1].id
    at.selectbox(key="span").set_value(last).run()
    assert_clean(at)
    assert chosen.events[-1].id in _text(at)
