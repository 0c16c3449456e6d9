"""Presentation helpers shared by the pages: Altair chart builders, cards, controls,
downloads, the live batch runner and validation of uploads and parameters."""
