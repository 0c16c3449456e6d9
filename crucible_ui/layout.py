"""Page frame shared by every dashboard: heading, plain-language introduction and a
guard that turns an unexpected error into a message instead of a traceback."""

from __future__ import annotations

import functools
import logging
import runpy
from collections.abc import Callable

import streamlit as st

from crucible_ui.registry import PROJECT_ROOT
from crucible_ui.urlstate import (
    invalid_params,
    page_url_path,
    share_link_control,
    snapshot_query_params,
)

LOG = logging.getLogger("crucible")


def page_intro(title: str, question: str, explanation: str) -> None:
    """The page heading, the question it answers and a few plain sentences on the idea."""
    st.title(title)
    st.markdown(f"**{question}**")
    st.markdown(explanation)


def through_entrypoint() -> bool:
    """Run ``Home.py`` in place of a page that Streamlit started on its own; True if so.

    Until some script run has called ``st.navigation``, Streamlit treats an app with a
    ``pages/`` folder as a version-1 multipage app: a link straight to ``/stats`` on a
    freshly started server runs ``pages/stats.py`` by itself, with an automatic sidebar of
    file names and without the entrypoint's page settings and navigation. Running the
    entrypoint here calls ``st.navigation`` (which switches the server to the entrypoint's
    navigation for good) and draws the linked page through it; the rest of this run stops.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if not PagesManager.uses_pages_directory:
        return False
    entrypoint = PROJECT_ROOT / "Home.py"
    if not entrypoint.is_file():
        return False
    runpy.run_path(str(entrypoint), run_name="__main__")
    st.stop()
    return True  # not reached: st.stop() ends the run


def guarded(main: Callable[[], None]) -> Callable[[], None]:
    """Run a page's ``main`` so any unexpected exception shows as a short ``st.error``
    (the details go to the server log) and never as a traceback on screen.

    On a session's first run of the page it also warns, at the top, about URL parameters
    the page could not use; and it adds the "Copy link to this view" control. A page run
    without the entrypoint (see :func:`through_entrypoint`) runs the entrypoint instead.
    """
    script = main.__code__.co_filename

    @functools.wraps(main)
    def wrapper() -> None:
        if through_entrypoint():
            return
        checked_flag = f"_url_checked:{script}"
        snapshot = None if st.session_state.get(checked_flag) else snapshot_query_params()
        warnings = st.container()
        try:
            main()
            if snapshot:
                for message in invalid_params(snapshot):
                    warnings.warning(message, icon=":material/link_off:")
            st.session_state[checked_flag] = True
            url_path = page_url_path(script)
            if url_path:
                share_link_control(url_path)
        except Exception as exc:  # the page must never show a traceback
            LOG.exception("page %s failed", main.__module__)
            st.error(
                f"Something went wrong while drawing this page ({type(exc).__name__}). "
                "Change a setting or reload; the details are in the server log.",
                icon=":material/error:",
            )

    return wrapper
