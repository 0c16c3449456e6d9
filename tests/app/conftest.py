"""Fixtures shared by every test layer."""

from __future__ import annotations

import pytest
import streamlit as st


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> None:
    """st.cache_data is process-wide: clear it so AppTest runs cannot leak into each other."""
    st.cache_data.clear()
    st.cache_resource.clear()
