"""Token prices and cost helpers."""

from __future__ import annotations

import pytest

from crucible_mock.pricing import (
    PRICES,
    ensemble_cost,
    hedged_request_cost,
    price_of,
    query_cost,
)


def test_query_cost_is_tokens_over_1000_times_price() -> None:
    assert float(query_cost("gpt-4", 1000, 1000)) == pytest.approx(0.03 + 0.06)
    assert float(query_cost("mixtral", 500, 250)) == pytest.approx(0.5 * 0.0006 + 0.25 * 0.0006)


def test_ensemble_cost_sums_members() -> None:
    total = ensemble_cost(list(PRICES), 200, 100)
    assert total == pytest.approx(sum(float(query_cost(m, 200, 100)) for m in PRICES))


def test_hedged_cost_adds_partial_output_per_extra_call() -> None:
    one = float(hedged_request_cost(1, "gpt-4", 600, 150))
    two = float(hedged_request_cost(2, "gpt-4", 600, 150, cancelled_output_fraction=0.5))
    assert two - one == pytest.approx(0.6 * 0.03 + 0.075 * 0.06)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="unknown model"):
        price_of("gpt-9")
    with pytest.raises(ValueError, match="non-negative"):
        query_cost("gpt-4", -1, 0)
    with pytest.raises(ValueError, match="at least one"):
        hedged_request_cost(0)
