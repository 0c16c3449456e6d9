"""The Ensemble Reliability page through AppTest: default render, every control at its
extremes, bad input with precise messages, history and URL state."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from crucible_mock import MODELS
from tests.app.apptest import assert_clean, open_page
from tests.app.fuzz import button_moves, extreme_moves

PAGE = "pages/ensemble.py"
INSTANT = {"speed": "Instant"}
NAMES = [m.display_name for m in MODELS.values()]


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info,
                                           *at.warning, *at.error])


def test_default_render_shows_five_cards_the_vote_and_the_comparison() -> None:
    at = open_page(PAGE, query=INSTANT)
    assert_clean(at)
    body = texts(at)
    for name in NAMES:
        assert f"**{name.replace('-', chr(92) + '-')}**" in body
    labels = [m.label for m in at.metric]
    assert "Ensemble answer :green-badge[correct]" in body or ":red-badge[wrong]" in body
    assert "**Cost** $" in body and "**models called** 5 of 5" in body
    assert body.count("confidence ") >= 1 and "✅" in body
    assert "Independent errors (Condorcet)" in labels
    assert "for the best single model" in body
    assert "Correct answer:" in body
    assert len(at.dataframe) == 1  # the strategy table; no history yet
    assert not at.error


def _middle_question(description: str) -> bool:
    """Skip the questions between the first two and the last (they behave alike)."""
    return description.startswith("selectbox 'q'") and not any(
        f"'med-{i:03d}'" in description for i in (1, 2, 24))


def test_every_control_at_its_extremes_and_every_button() -> None:
    at = open_page(PAGE, query=INSTANT)
    done: set[str] = set()
    while True:
        pending = [m for m in extreme_moves(at) + button_moves(at)
                   if m.description not in done and not _middle_question(m.description)]
        if not pending:
            break
        move = pending[0]
        done.add(move.description)
        move.apply(at)
        at.run()
        assert_clean(at)
    assert len(done) > 30


def test_no_model_selected_shows_a_precise_error() -> None:
    at = open_page(PAGE, query=INSTANT)
    at.multiselect(key="models").set_value([]).run()
    assert_clean(at)
    assert any("Select at least one model" in e.value for e in at.error)
    assert at.title[0].value == "Ensemble Reliability"


def test_empty_and_whitespace_questions_are_refused_with_a_message() -> None:
    at = open_page(PAGE, query=INSTANT)
    at.radio(key="src").set_value("Type a question").run()
    assert_clean(at)
    assert any("Type a question first" in e.value for e in at.error)
    at.text_input(key="text").input("    ").run()
    assert any("Type a question first" in e.value for e in at.error)
    # The batch comparison still works below.
    assert any("for the best single model" in m.value for m in at.markdown)


def test_typed_question_is_answered_as_a_stated_stand_in() -> None:
    at = open_page(PAGE, query=INSTANT)
    at.radio(key="src").set_value("Type a question").run()
    at.text_input(key="text").input("Why does my patient have a rash?").run()
    assert_clean(at)
    info = " ".join(i.value for i in at.info)
    assert "cannot read typed text" in info and "med-" in info
    assert "closest in wording" in info and "rash" in info
    at.text_input(key="text").input("x" * 5000).run()
    assert_clean(at)
    assert any("5,000 characters" in w.value and "2,000" in w.value for w in at.warning)


def test_unanimous_with_one_model_explains_itself() -> None:
    at = open_page(PAGE, query={**INSTANT, "vote": "Unanimous vote"})
    at.multiselect(key="models").set_value(["gpt-4"]).run()
    assert_clean(at)
    info = " ".join(i.value for i in at.info)
    assert "Unanimous voting with one model" in info
    assert "With one model every voting strategy" in info


def test_asking_records_a_bounded_downloadable_history() -> None:
    at = open_page(PAGE, query=INSTANT)
    for seed in (1, 2, 3):
        at.number_input(key="seed").set_value(seed)
        at.button(key="ask").click().run()
    assert_clean(at)
    history = at.session_state["ensemble_history"]
    assert [row["seed"] for row in history] == [1, 2, 3]
    assert len(at.dataframe) == 2
    at.session_state["ensemble_history"] = history * 30
    at.button(key="ask").click().run()
    assert len(at.session_state["ensemble_history"]) == 50


def test_live_batch_at_instant_speed_draws_the_final_result() -> None:
    at = open_page(PAGE, query={**INSTANT, "n": "100"})
    at.button(key="batch").click().run()
    assert_clean(at)
    assert any("100 questions so far" in c.value for c in at.caption)


def test_url_parameters_set_the_view() -> None:
    at = open_page(PAGE, query={**INSTANT, "vote": "Weighted vote",
                                "exec": "Cascade (cheapest first)",
                                "q": "med-005", "seed": "9", "thr": "0.7"})
    assert_clean(at)
    assert at.selectbox(key="vote").value == "weighted"
    assert at.selectbox(key="exec").value == "cascade"
    assert at.selectbox(key="q").value == "med-005"
    assert at.slider(key="thr").value == 0.7
    assert not at.slider(key="thr").disabled
    assert not at.warning


def test_every_model_failing_gives_an_abstention_with_a_message() -> None:
    at = open_page(PAGE, query={**INSTANT, "timeout": "500"})
    at.multiselect(key="models").set_value(["gpt-4"]).run()
    assert_clean(at)
    statuses = " ".join(c.value for c in at.caption)
    # GPT-4's latency is almost always above 500 ms; this seed gives a timeout.
    assert "after 500 ms" in statuses
    assert any("No model gave an answer" in w.value for w in at.warning)
    assert any(":gray-badge[abstained]" in m.value for m in at.markdown)
