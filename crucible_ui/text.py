"""Text safety for what reaches the screen or a file: Markdown escaping and
spreadsheet formula neutralization (no Streamlit calls)."""

from __future__ import annotations

import re

import pandas as pd

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown (and inline HTML / LaTeX / emoji-shortcode) special
    character backslash-escaped, so user or model text renders literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def neutralize_formula(value: object) -> object:
    """Prefix a string that a spreadsheet would run as a formula with a quote (OWASP CSV
    injection guidance); numbers and other strings pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names cannot act as formulas."""
    safe = df.copy()
    safe.columns = [str(neutralize_formula(str(c))) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralize_formula)
    return safe
