"""Sections of the Statistical Comparison Lab page, one module per data source."""
