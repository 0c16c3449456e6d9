"""The Statistical Comparison Lab page through AppTest: default render, every control at
its extremes, a live run, uploads good and bad, URL state."""

from __future__ import annotations

import pytest

from tests.app.apptest import assert_clean, open_page

PAGE = "pages/stats.py"


def _upload(at, content: str):  # type: ignore[no-untyped-def]
    at.file_uploader(key="upload").set_value(("results.csv", content.encode(), "text/csv"))
    return at.run()


def test_default_render_shows_results_and_verdict() -> None:
    at = open_page(PAGE)
    assert_clean(at)
    values = [m.value for m in at.metric]
    assert len(values) == 4 and values[0].endswith("%") and values[1].endswith("%")
    assert any("Model B" in str(i.value) for i in [*at.info, *at.success])
    labels = [b.label for b in at.get("download_button")]
    for needle in ("Report (md)", "Report (tex)", "Report (html)", "Report (json)",
                   "Download per-problem results (CSV)"):
        assert needle in labels


@pytest.mark.parametrize("metric", ["accuracy", "latency", "cost"])
def test_each_metric(metric: str) -> None:
    at = open_page(PAGE, query={"metric": metric, "n": "50"})
    assert_clean(at)
    text = " ".join(str(m.value) for m in at.markdown)
    expected = {"accuracy": "McNemar", "latency": "test", "cost": "test"}[metric]
    assert expected in text


def test_controls_at_their_extremes_and_a_live_run() -> None:
    at = open_page(PAGE)
    at.slider(key="n").set_value(10).run()
    assert_clean(at)
    assert any("Settings changed" in str(i.value) for i in at.info)
    at.segmented_control(key="speed").set_value("Instant").run()
    at.button(key="run").click().run()
    assert_clean(at)
    assert not any("Settings changed" in str(i.value) for i in at.info)
    for prefix in ("a", "b"):
        at.slider(key=f"{prefix}acc").set_value(0.99).run()
        at.number_input(key=f"{prefix}cost").set_value(0.1).run()
        at.number_input(key=f"{prefix}lat").set_value(10_000).run()
        assert_clean(at)
    at.slider(key="n").set_value(1000).run()
    at.button(key="run").click().run()
    assert_clean(at)
    for prefix in ("a", "b"):
        at.slider(key=f"{prefix}acc").set_value(0.5).run()
        at.number_input(key=f"{prefix}cost").set_value(0.0001).run()
        at.number_input(key=f"{prefix}lat").set_value(50).run()
    at.number_input(key="seed").set_value(2**31 - 1).run()
    at.slider(key="n").set_value(10).run()
    at.button(key="run").click().run()
    assert_clean(at)
    for model in ("gpt-4", "claude-3", "gemini-pro", "llama-3", "mixtral"):
        at.selectbox(key="am").set_value(model).run()
        at.selectbox(key="bm").set_value(model).run()
    at.button(key="run").click().run()
    assert_clean(at)
    for alpha in (0.01, 0.05, 0.10):
        for alt in ("two-sided", "greater", "less"):
            at.selectbox(key="alpha").set_value(alpha)
            at.selectbox(key="alt").set_value(alt).run()
            assert_clean(at)
    for metric in ("latency", "cost", "accuracy"):
        at.segmented_control(key="metric").set_value(metric).run()
        assert_clean(at)
    at.number_input(key="seed").set_value(0).run()
    assert_clean(at)
    history = [e for e in at.expander if "Analysis history" in str(e.label)]
    assert history


def test_degenerate_experiment_states_it() -> None:
    # identical models and settings: on 10 problems the models often agree everywhere
    at = open_page(PAGE, query={"n": "10", "aacc": "0.99", "bacc": "0.99", "bm": "llama-3",
                                "bcost": "0.002", "blat": "800"})
    assert_clean(at)
    statements = [str(w.value) for w in at.warning]
    verdicts = [str(i.value) for i in [*at.info, *at.success]]
    assert statements or verdicts


GOOD_WIDE = "item,model_a,model_b\n" + "".join(
    f"q{i},{int(i % 7 != 0)},{int(i % 11 != 0)}\n" for i in range(60))
GOOD_LONG = "group,value\n" + "".join(f"{g},{v}\n" for g in ("x", "y", "z")
                                      for v in (1.0, 2.5, 3.1, 4.2, 2.2, 5.0))


def test_upload_good_files() -> None:
    at = open_page(PAGE, query={"src": "upload"})
    assert_clean(at)
    assert any("No file yet" in str(i.value) for i in at.info)
    at = _upload(at, GOOD_WIDE)
    assert_clean(at)
    assert not at.error
    assert any("McNemar" in str(m.value) for m in at.markdown)
    labels = [b.label for b in at.get("download_button")]
    assert "Report (md)" in labels
    at = _upload(at, GOOD_LONG)
    assert_clean(at)
    assert not at.error
    assert any("ANOVA" in str(m.value) or "Kruskal" in str(m.value) for m in at.markdown)


@pytest.mark.parametrize(("content", "message"), [
    ("", "The file is empty."),
    ("a,b,c\n1,2,3\n", "found 3 value column(s)"),
    ("model_a,model_b\n1,0\nyes,1\n", "Row 3, column 'model_a'"),
    ("model_a,model_b\n1,0\n1,\n", "Row 3, column 'model_b' is empty"),
    ("group,value\nx,1\nx,0\n", "only one group"),
    ("item,group,value\n1,x,1\n2,x,0\n1,y,1\n3,y,0\n", "Mismatched pairs"),
    ("group,score\nx,1\n", "Missing column 'value'"),
])
def test_upload_bad_files_show_precise_messages(content: str, message: str) -> None:
    at = open_page(PAGE, query={"src": "upload"})
    at = _upload(at, content)
    assert_clean(at)
    errors = [str(e.value) for e in at.error]
    assert any(message in e for e in errors), errors
    # the rest of the page still works
    assert at.title and at.title[0].value == "Statistical Comparison Lab"


def test_url_state_reproduces_the_view() -> None:
    at = open_page(PAGE, query={"n": "40", "seed": "7", "metric": "latency", "alpha": "0.01"})
    assert_clean(at)
    assert at.slider(key="n").value == 40
    assert at.number_input(key="seed").value == 7
    assert at.segmented_control(key="metric").value == "latency"


def test_upload_without_variation_states_it_instead_of_testing() -> None:
    at = open_page(PAGE, query={"src": "upload"})
    at = _upload(at, "cost_a,cost_b\n" + "0.002,0.002\n" * 12)
    assert_clean(at)
    assert not at.error
    assert any("No variation" in str(w.value) and "no test needed" in str(w.value)
               for w in at.warning)
    assert [m.value for m in at.metric][2] == "n/a"


def test_upload_continuous_pairs_runs_the_paired_analysis() -> None:
    rows = "".join(f"{100 + i * 3 % 17},{95 + i * 5 % 13}\n" for i in range(40))
    at = open_page(PAGE, query={"src": "upload"})
    at = _upload(at, "latency_a,latency_b\n" + rows)
    assert_clean(at)
    assert not at.error
    text = " ".join(str(m.value) for m in at.markdown)
    assert "paired t-test" in text or "Wilcoxon signed-rank test" in text
