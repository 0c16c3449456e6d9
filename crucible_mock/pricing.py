"""Token prices of the mock models and cost helpers (US dollars).

Prices are per 1,000 tokens, in the range public LLM APIs charged in 2024, so the
relative cost of a frontier model against an open-weights one is realistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TokenPrice:
    """Price of one model's tokens in USD per 1,000 input and per 1,000 output tokens."""

    input_per_1k: float
    output_per_1k: float


PRICES: dict[str, TokenPrice] = {
    "gpt-4": TokenPrice(input_per_1k=0.0300, output_per_1k=0.0600),
    "claude-3": TokenPrice(input_per_1k=0.0150, output_per_1k=0.0750),
    "gemini-pro": TokenPrice(input_per_1k=0.0005, output_per_1k=0.0015),
    "llama-3": TokenPrice(input_per_1k=0.0009, output_per_1k=0.0009),
    "mixtral": TokenPrice(input_per_1k=0.0006, output_per_1k=0.0006),
}

#: Typical prompt and answer sizes of a customer-support chat turn, used for hedging costs.
SUPPORT_TOKENS_IN = 600
SUPPORT_TOKENS_OUT = 150


def price_of(model: str) -> TokenPrice:
    """The :class:`TokenPrice` of ``model``; raises ``ValueError`` for an unknown model."""
    try:
        return PRICES[model]
    except KeyError:
        raise ValueError(f"unknown model {model!r}; choose one of {sorted(PRICES)}") from None


def query_cost(
    model: str, tokens_in: np.ndarray | float, tokens_out: np.ndarray | float
) -> np.ndarray:
    """Cost in USD of queries with the given token counts: tokens / 1000 x price."""
    price = price_of(model)
    tin = np.asarray(tokens_in, dtype=float)
    tout = np.asarray(tokens_out, dtype=float)
    if np.any(tin < 0) or np.any(tout < 0):
        raise ValueError("token counts must be non-negative")
    return tin / 1000.0 * price.input_per_1k + tout / 1000.0 * price.output_per_1k


def ensemble_cost(models: list[str], tokens_in: float, tokens_out: float) -> float:
    """Cost in USD of asking every model in ``models`` the same question once."""
    return float(sum(float(query_cost(m, tokens_in, tokens_out)) for m in models))


def hedged_request_cost(
    requests_sent: np.ndarray | float,
    model: str = "gpt-4",
    tokens_in: float = SUPPORT_TOKENS_IN,
    tokens_out: float = SUPPORT_TOKENS_OUT,
    *,
    cancelled_output_fraction: float = 0.5,
) -> np.ndarray:
    """Cost in USD of user requests that sent ``requests_sent`` model calls each.

    The first call is paid in full. Each extra (hedge) call pays its full input and, since
    the loser is cancelled part-way through generation, on average
    ``cancelled_output_fraction`` of its output tokens.
    """
    sent = np.asarray(requests_sent, dtype=float)
    if np.any(sent < 1):
        raise ValueError("every request sends at least one call")
    if not 0.0 <= cancelled_output_fraction <= 1.0:
        raise ValueError("cancelled_output_fraction must lie in [0, 1]")
    full = query_cost(model, tokens_in, tokens_out)
    extra = query_cost(model, tokens_in, tokens_out * cancelled_output_fraction)
    return full + (sent - 1.0) * extra
