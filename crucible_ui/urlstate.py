"""URL state: warn about URL parameters the page could not use, and build the link that
reproduces the current view.

Widgets mirror themselves in the URL through ``bind="query-params"``; Streamlit silently
drops a bound parameter whose value the widget cannot take. :func:`check_url_params`
turns that silence into a visible warning naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import streamlit as st

from crucible_ui.registry import PAGES
from crucible_ui.text import escape_markdown

#: Parameters Streamlit itself reads (embedding options); never reported as unknown.
STREAMLIT_PARAMS = frozenset({"embed", "embed_options"})
LOCAL_BASE_URL = "http://localhost:8501"


def snapshot_query_params() -> dict[str, list[str]]:
    """Every URL parameter with all its values, as the page run started."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _shown(values: list[str]) -> str:
    text = ", ".join(values) if len(values) != 1 else values[0]
    return escape_markdown(text[:40] + ("…" if len(text) > 40 else ""))


def _matches(value: object, raw: list[str]) -> bool:
    """True when the widget value is what the URL asked for (Streamlit drops a bound
    parameter from the URL when it equals the widget's default)."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value] == raw
    if len(raw) != 1:
        return False
    if isinstance(value, bool):
        return raw[0].lower() == str(value).lower()
    if isinstance(value, float):
        try:
            return float(raw[0]) == value
        except ValueError:
            return False
    return str(value) == raw[0]


def invalid_params(snapshot: Mapping[str, list[str]]) -> list[str]:
    """Messages for the parameters of ``snapshot`` the page did not take: unknown names,
    and values a bound widget rejected (it then shows its default)."""
    messages = []
    for key, raw in snapshot.items():
        if key in STREAMLIT_PARAMS:
            continue
        if key not in st.session_state:
            messages.append(f"Unknown URL parameter `{_code(key)}` was ignored.")
            continue
        current = st.query_params.get_all(key)
        value = st.session_state[key]
        if current == raw or _matches(value, raw):
            continue
        messages.append(
            f"URL parameter `{_code(key)}` = “{_shown(raw)}” is not a valid value "
            f"here; showing {escape_markdown(str(value))} instead.")
    return messages


def page_url_path(script: str) -> str | None:
    """The registered URL path of the page script ``script`` (None when unregistered)."""
    name = Path(script).name
    for spec in PAGES:
        if Path(spec.path).name == name:
            return spec.url_path
    return None


def _code(text: str) -> str:
    """``text`` for a Markdown code span, where backslash escapes show literally: only a
    backtick could end the span, so it is the one character replaced."""
    return text[:40].replace("`", "'")


def share_link(url_path: str, params: Mapping[str, list[str]] | None = None) -> str:
    """The absolute link to ``url_path`` with the current URL parameters."""
    parts = urlsplit(st.context.url or LOCAL_BASE_URL)
    # st.context.url already holds the current page's path; keep only the app's base.
    path = parts.path.rstrip("/")
    if path == f"/{url_path}" or path.endswith(f"/{url_path}"):
        path = path[: -len(url_path) - 1]
    base = f"{parts.scheme}://{parts.netloc}{path}"
    query = urlencode(
        [(k, v) for k, values in (params if params is not None else snapshot_query_params())
         .items() for v in values])
    return f"{base}/{url_path}" + (f"?{query}" if query else "")


def share_link_control(url_path: str) -> None:
    """A sidebar popover with the link that reproduces this view, ready to copy."""
    with st.sidebar.popover("Copy link to this view", icon=":material/link:", width="stretch"):
        st.caption("This link restores every setting on this page, seed included. "
                   "Copy it with the button at the right of the box.")
        st.code(share_link(url_path), language=None, wrap_lines=True)
