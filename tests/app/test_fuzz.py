"""Every page, every control at each extreme and in seeded random combinations: no
exception, no page-guard error. The number of random combinations per page is
CRUCIBLE_FUZZ_COMBOS: 30 in the everyday suite, 150 with ``make fuzz``."""

from __future__ import annotations

import os
import random

import pytest

from crucible_ui.registry import existing_pages
from tests.app.apptest import assert_clean, open_page
from tests.app.fuzz import extreme_moves, random_moves

PAGES = existing_pages()
COMBOS = int(os.environ.get("CRUCIBLE_FUZZ_COMBOS", "30"))
#: Live runs play back instantly under test.
INSTANT = {"speed": "Instant"}


@pytest.mark.skipif(not PAGES, reason="no dashboard pages are installed")
@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_control_at_each_extreme(spec) -> None:  # type: ignore[no-untyped-def]
    at = open_page(spec.path, query=INSTANT)
    assert_clean(at)
    done: set[str] = set()
    while True:
        pending = [m for m in extreme_moves(at) if m.description not in done]
        if not pending:
            break
        move = pending[0]
        done.add(move.description)
        move.apply(at)
        at.run()
        assert not at.exception, (move.description, [e.value for e in at.exception])
        assert_clean(at)


@pytest.mark.skipif(not PAGES, reason="no dashboard pages are installed")
@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_random_combinations_never_raise(spec) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(f"fuzz:{spec.url_path}")
    at = open_page(spec.path, query=INSTANT)
    history: list[str] = []
    for combo in range(COMBOS):
        moves = random_moves(at, rng)
        for move in moves:
            move.apply(at)
        history.append(" + ".join(m.description for m in moves))
        at.run()
        assert not at.exception, (combo, history[-3:], [e.value for e in at.exception])
        assert_clean(at)
