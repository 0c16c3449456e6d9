"""Page frame shared by every dashboard: heading, plain-language introduction and a
guard that turns an unexpected error into a message instead of a traceback."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import streamlit as st

LOG = logging.getLogger("crucible")


def page_intro(title: str, question: str, explanation: str) -> None:
    """The page heading, the question it answers and a few plain sentences on the idea."""
    st.title(title)
    st.markdown(f"**{question}**")
    st.markdown(explanation)


def guarded(main: Callable[[], None]) -> Callable[[], None]:
    """Run a page's ``main`` so any unexpected exception shows as a short ``st.error``
    (the details go to the server log) and never as a traceback on screen."""

    @functools.wraps(main)
    def wrapper() -> None:
        try:
            main()
        except Exception as exc:  # the page must never show a traceback
            LOG.exception("page %s failed", main.__module__)
            st.error(
                f"Something went wrong while drawing this page ({type(exc).__name__}). "
                "Change a setting or reload; the details are in the server log.",
                icon=":material/error:",
            )

    return wrapper
