"""Crucible Examples: the entrypoint and router of the multipage app."""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from crucible_ui.registry import PageSpec, existing_pages

st.set_page_config(
    page_title="Crucible Examples",
    page_icon="🔥",  # an emoji needs no icon font fetched from the internet
    layout="wide",
    initial_sidebar_state="auto",
)

DASHBOARDS: list[tuple[PageSpec, StreamlitPage]] = [
    (spec, st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path))
    for spec in existing_pages()
]


def home() -> None:
    """The landing page: the pitch and one card per dashboard."""
    st.title("Crucible Examples")
    st.markdown(
        "Hands-on dashboards of **LLM reliability engineering**. Five mock models "
        "(GPT-4, Claude-3, Gemini-Pro, Llama-3 and Mixtral) answer questions with "
        "realistic accuracy, latency, cost and correlated mistakes, so you can *see* why "
        "an ensemble votes the way it does, how much hedging really cuts tail latency, "
        "whether model B truly beats model A, and when a production metric has really "
        "degraded. The models are simulated; the algorithms and the statistics are real, "
        "and every number comes from a seed you can change and share."
    )
    if not DASHBOARDS:
        st.info("No dashboards are installed yet.")
        return
    # one row of three cards at a time: on a phone the columns stack, and the cards then
    # read in the sidebar's order
    for start in range(0, len(DASHBOARDS), 3):
        row = st.columns(3)
        for column, (spec, page) in zip(row, DASHBOARDS[start:start + 3], strict=False):
            with column.container(border=True, height="stretch"):
                st.subheader(spec.title, anchor=False)
                st.markdown(spec.question)
                st.page_link(page, label=f"Open {spec.title}",
                             icon=":material/arrow_forward:")


navigation = st.navigation(
    {
        "Overview": [st.Page(home, title="Home", icon=":material/home:", default=True)],
        "Dashboards": [page for _spec, page in DASHBOARDS],
    }
)

with st.sidebar:
    with st.expander("About", icon=":material/info:"):
        st.markdown(
            "Simulated LLMs, real algorithms and statistics (numpy, scipy, statsmodels, "
            "scikit-optimize). No API keys are needed. Run on your own machine or server, "
            "the app sends nothing elsewhere: files you upload stay in its memory and "
            "Streamlit's usage statistics are off. On Streamlit Community Cloud the app "
            "and your uploads are on Streamlit's servers, which collect usage statistics."
        )
    st.caption(
        "Each dashboard has a **seed**: the same seed reproduces every number, and the "
        "page URL carries it, so a link shows others exactly what you saw."
    )

navigation.run()
