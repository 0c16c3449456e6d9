"""The shared page frame: URL parameters restore widgets, bad ones warn, errors never
show a traceback."""

from __future__ import annotations

from tests.app.apptest import GUARD_MESSAGE, open_page

SCRIPT = "tests/app/scripts/bound_widgets.py"


def test_valid_parameters_set_the_widgets_without_warning() -> None:
    at = open_page(SCRIPT, query={"seed": "7", "level": "9", "mode": "slow"})
    assert not at.exception
    assert at.number_input(key="seed").value == 7
    assert at.slider(key="level").value == 9
    assert at.selectbox(key="mode").value == "slow"
    assert not at.warning


def test_a_parameter_equal_to_the_default_is_not_reported() -> None:
    at = open_page(SCRIPT, query={"level": "5"})
    assert not at.warning


def test_invalid_and_unknown_parameters_fall_back_with_a_named_warning() -> None:
    at = open_page(SCRIPT, query={"level": "99", "mode": "<script>", "junk": "x"})
    assert not at.exception
    assert at.slider(key="level").value == 5
    assert at.selectbox(key="mode").value == "fast"
    warnings = " ".join(w.value for w in at.warning)
    assert "`level`" in warnings and "`mode`" in warnings and "`junk`" in warnings
    assert "<script>" not in warnings  # shown escaped


def test_the_warning_is_shown_once_per_session() -> None:
    at = open_page(SCRIPT, query={"level": "99"})
    assert at.warning
    at.slider(key="level").set_value(3).run()
    assert not at.warning


def test_an_unexpected_error_becomes_a_message_not_a_traceback() -> None:
    at = open_page(SCRIPT)
    at.checkbox(key="fail").check().run()
    assert not at.exception
    assert any(GUARD_MESSAGE in e.value for e in at.error)
