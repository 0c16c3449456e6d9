"""The import path ``crucible_scenarios.hedging_export``, kept for existing code; the code lives in
:mod:`crucible_scenarios.hedging.export`."""

from crucible_scenarios.hedging.export import (
    ENVOY_MAX_RETRIES,
    EXPORT_SYSTEMS,
    GRPC_MAX_ATTEMPTS,
    GRPC_MAX_TOKENS,
    GRPC_TOKEN_RATIO,
    POLLY_MAX_HEDGED_ATTEMPTS,
    duration_string,
    export_notes,
    export_policy,
)

__all__ = [
    "ENVOY_MAX_RETRIES",
    "EXPORT_SYSTEMS",
    "GRPC_MAX_ATTEMPTS",
    "GRPC_MAX_TOKENS",
    "GRPC_TOKEN_RATIO",
    "POLLY_MAX_HEDGED_ATTEMPTS",
    "duration_string",
    "export_notes",
    "export_policy",
]
