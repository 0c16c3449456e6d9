"""What every hedging computation checks first: the latency profile (the mock's named
profile or any latency distribution, such as a log's empirical one), the hedge delay and
budget, and the names of the summary quantiles."""

from __future__ import annotations

from crucible_mock.latency import LatencyDistribution, LatencyProfile, get_profile
from crucible_scenarios.validation import require_float

MAX_HEDGES = 5
DEFAULT_DELAY_MS = 1000.0


def resolve_profile(profile: str | LatencyDistribution,
                    slow_fraction: float | None = None) -> LatencyDistribution:
    """The latency profile by name (or as given), with its slow-tail share replaced.

    Besides the mock's :class:`LatencyProfile`, any :class:`LatencyDistribution` (such as
    the empirical distribution of a latency log, ``hedging.empirical_profile``) is
    accepted as given; it has no slow-tail share to replace."""
    base = get_profile(profile) if isinstance(profile, str) else profile
    if not isinstance(base, LatencyDistribution) or isinstance(base, type):
        raise ValueError(f"profile must be a profile name or LatencyProfile, got {profile!r}")
    if slow_fraction is None:
        return base
    if not isinstance(base, LatencyProfile):
        raise ValueError("slow_fraction applies to the mock's mixture profiles only; "
                         f"{base.name!r} is a measured distribution")
    return base.with_slow_fraction(
        require_float("slow_fraction", slow_fraction, low=0.0, high=1.0))


def check_budget(budget: float | None) -> float | None:
    """The hedge budget in percent of requests (0-100), or None for no budget."""
    if budget is None:
        return None
    return require_float("budget", budget, low=0.0, high=100.0)


def check_delay(delay_ms: float | None) -> float:
    """The hedge delay in ms (positive); None means the default delay."""
    if delay_ms is None:
        return DEFAULT_DELAY_MS
    return require_float("delay_ms", delay_ms, low=0.0, low_open=True)


def quantile_name(q: float) -> str:
    """The column name of a quantile: 0.99 -> ``p99``, 0.999 -> ``p999``."""
    return "p" + f"{q * 100:g}".replace(".", "")
