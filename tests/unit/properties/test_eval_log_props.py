"""Property-based checks of ``crucible_scenarios.eval_log``: per-item means average each
item's epochs, counts agree with the frame, and the description names what was read."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_scenarios import eval_log
from tests.unit.properties import exercises

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
scores = st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=1, max_size=4),
                  min_size=1, max_size=30)


def _log(per_item: list[list[float]]) -> eval_log.EvalLog:
    rows = [{"item_id": f"q{i}", "epoch": e + 1, "score": s}
            for i, epochs in enumerate(per_item) for e, s in enumerate(epochs)]
    return eval_log.EvalLog(format="csv", task="t<b>", model="m", metric="acc",
                            items=pd.DataFrame(rows))


@exercises(eval_log.EvalLog.item_scores, eval_log.EvalLog.describe)
@FAST
@given(per_item=scores)
def test_item_scores_average_epochs(per_item: list[list[float]]) -> None:
    log = _log(per_item)
    means = log.item_scores()
    assert list(means.index) == [f"q{i}" for i in range(len(per_item))]
    np.testing.assert_allclose(means.to_numpy(), [np.mean(e) for e in per_item])
    assert log.n_items == len(per_item)
    assert log.epochs == max(len(e) for e in per_item)
    text = log.describe()
    assert f"{len(per_item)} items" in text and "t<b> / m" in text
    assert ("epochs" in text) == (log.epochs > 1)
