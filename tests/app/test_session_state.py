"""Session state stays bounded: a page run many times keeps a flat session-state size.

CRUCIBLE_STATE_RERUNS runs (120 in the everyday suite, 500 with ``make fuzz``); the size
is compared between run 60, once every bounded history is full, and the last run."""

from __future__ import annotations

import os
import pickle

import pytest

from tests.app.apptest import assert_clean, open_page

RERUNS = int(os.environ.get("CRUCIBLE_STATE_RERUNS", "120"))
FULL_AT = 60


def _size(at) -> int:  # type: ignore[no-untyped-def]
    return len(pickle.dumps(at.session_state.to_dict()))


@pytest.mark.parametrize(("path", "button_key"), [
    ("pages/1_Ensemble_Reliability.py", "ask"),
    ("pages/2_Request_Hedging.py", None),
])
def test_session_state_is_flat_over_many_runs(path: str, button_key: str | None) -> None:
    at = open_page(path, query={"speed": "Instant"})
    sizes = []
    for run in range(RERUNS):
        if button_key:
            at.button(key=button_key).click()
        else:  # each new setting adds a run to the page's history
            at.number_input(key="seed").set_value(run)
        at.run()
        if run in (FULL_AT, RERUNS - 1):
            assert_clean(at)
            sizes.append(_size(at))
    early, late = sizes
    assert late <= early * 1.10 + 4096, (early, late)
