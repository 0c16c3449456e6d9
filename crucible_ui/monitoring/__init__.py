"""Sections of the Production Monitoring page: its data sources (simulated, an hourly CSV,
a per-request log) and its panels (detector odds, advice, tests, charts)."""
