"""The Ensemble Reliability page in parts: the mock-models view, the view of uploaded
eval logs, the "How many calls?" section, and their charts."""
