"""Console scripts: the dashboards' analyses for pipelines (see pyproject's scripts)."""
