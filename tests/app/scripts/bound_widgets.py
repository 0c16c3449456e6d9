"""A minimal page with URL-bound widgets, for testing the shared page frame."""

import streamlit as st

from crucible_ui.layout import guarded, page_intro
from crucible_ui.widgets import seed_control


@guarded
def main() -> None:
    page_intro("Bound widgets", "Do URL parameters reach the widgets?", "A test page.")
    seed = seed_control()
    level = st.slider("Level", 0, 10, 5, key="level", bind="query-params")
    mode = st.selectbox("Mode", ["fast", "slow"], key="mode", bind="query-params")
    st.write(f"values: {seed} {level} {mode}")
    if st.checkbox("Fail", key="fail"):
        raise RuntimeError("boom")


main()
