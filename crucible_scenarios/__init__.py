"""The framework: pure, typed, seeded functions that take plain values and return
dataclasses or DataFrames. Nothing here imports Streamlit or Altair."""
