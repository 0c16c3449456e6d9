"""Session state stays bounded: a page run many times keeps a flat session-state size.

Every page that keeps a run history is covered: each run uses a new seed (or a new
question), so each adds a distinct entry to the page's bounded history.

CRUCIBLE_STATE_RERUNS runs (80 in the everyday suite, 500 with ``make fuzz``); the size
is compared between run 60, once every bounded history is full, and the last run."""

from __future__ import annotations

import os
import pickle

import pytest

from tests.app.apptest import assert_clean, open_page

RERUNS = int(os.environ.get("CRUCIBLE_STATE_RERUNS", "80"))
FULL_AT = 60


def _size(at) -> int:  # type: ignore[no-untyped-def]
    return len(pickle.dumps(at.session_state.to_dict()))


def _seed_and_press(button: str | None, *, sliders: dict[str, int] | None = None,
                    choices: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """A run step: set ``sliders`` and segmented-control ``choices`` once, then on each
    run a new seed and a press of ``button`` (or only the seed, when the page reruns its
    scenario on any change)."""

    def step(at, run: int) -> None:  # type: ignore[no-untyped-def]
        if run == 0:
            for key, value in (sliders or {}).items():
                at.slider(key=key).set_value(value)
            for key, option in (choices or {}).items():
                at.segmented_control(key=key).set_value(option)
        at.number_input(key="seed").set_value(run)
        if button:
            at.button(key=button).click()

    return step


def _ask(at, run: int) -> None:  # type: ignore[no-untyped-def]
    at.button(key="ask").click()


@pytest.mark.parametrize(("path", "step", "history_key"), [
    ("pages/ensemble.py", _ask, "ensemble_history"),
    ("pages/hedging.py", _seed_and_press(None), "hedging_history"),
    ("pages/stats.py", _seed_and_press("run", sliders={"n": 10}), "stats_history"),
    ("pages/optimization.py", _seed_and_press("run", sliders={"trials": 5},
                                                          choices={"strategy": "random"}),
     "opt_history"),
], ids=["ensemble", "hedging", "stats", "optimization"])
def test_session_state_is_flat_over_many_runs(path: str, step,  # type: ignore[no-untyped-def]
                                              history_key: str) -> None:
    at = open_page(path, query={"speed": "Instant"})
    sizes, lengths = [], []
    for run in range(RERUNS):
        step(at, run)
        at.run()
        if run in (FULL_AT, RERUNS - 1):
            assert_clean(at)
            sizes.append(_size(at))
            lengths.append(len(at.session_state[history_key]))
    early, late = sizes
    assert late <= early * 1.10 + 4096, (early, late)
    # the runs really were recorded: the history filled up to its bound and stayed there
    assert lengths[0] == lengths[1] >= 5, lengths
