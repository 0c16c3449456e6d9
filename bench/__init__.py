"""Benchmarks: speed and memory figures printed as one table (``make bench``)."""
