"""Result panels of the Statistical Comparison Lab shared by its simulated and CSV
sources: metric cards, the chosen test and why, effect sizes, the what-if power curve and
the report downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from crucible_scenarios.stats import Comparison, power_curve, report
from crucible_ui.charts import vega_spec
from crucible_ui.stats.charts import power_curve_chart, power_grid
from crucible_ui.text import escape_markdown
from crucible_ui.widgets import metric_card


def comparison_reports(result: Comparison) -> dict[str, str]:
    """The comparison's Markdown, LaTeX, HTML and JSON reports."""
    return {fmt: report(result, fmt, title="Statistical comparison report")
            for fmt in ("markdown", "latex", "html", "json")}


@st.cache_data(show_spinner=False, max_entries=64)
def what_if_spec(effect: float, n: int, required: int | None, kind: str, alpha: float,
                 alternative: str, paired: bool) -> dict:
    """The Vega-Lite spec of the power curve over n at the observed effect."""
    curve = power_curve(effect, power_grid(n, required), kind=kind, alpha=alpha,
                        paired=paired, alternative=alternative)
    return vega_spec(power_curve_chart(curve, n_observed=n, n_required=required))


def _fmt_value(value: float, unit: str) -> str:
    if unit == "points":
        return f"{value:.1%}"
    if unit == "USD":
        return f"${value:.5f}"
    if unit == "ms":
        return f"{value:,.0f} ms"
    return f"{value:.4g}"


def _fmt_diff(value: float, unit: str) -> str:
    if unit == "points":
        return f"{value * 100:+.1f} pts"
    if unit == "USD":
        return f"{value:+.5f} USD"
    if unit == "ms":
        return f"{value:+,.0f} ms"
    return f"{value:+.4g}"


def show_comparison(result: Comparison, reports: dict[str, str], basename: str) -> None:
    """Metric cards, test and reason, effect sizes, power and the report downloads."""
    unit = result.unit
    conf = f"{1 - result.alpha:.0%}"
    cols = st.columns(4)
    with cols[0]:
        metric_card(escape_markdown(result.label_a), _fmt_value(result.estimate_a, unit),
                    help="Accuracy (share correct) or mean of the chosen metric.")
    with cols[1]:
        metric_card(escape_markdown(result.label_b), _fmt_value(result.estimate_b, unit),
                    delta=_fmt_diff(result.difference, unit), delta_color="off",
                    help="The delta is B minus A.")
    with cols[2]:
        metric_card("p-value", "n/a" if result.p_value is None else f"{result.p_value:.3g}",
                    help="Probability of a difference at least this large if the models "
                         "were truly equal.")
    with cols[3]:
        metric_card("Power at observed effect",
                    "n/a" if result.power is None else f"{result.power:.0%}",
                    help="Chance this experiment size detects an effect as large as the one "
                         "observed.")
    if result.degenerate:
        st.warning(result.degenerate, icon=":material/info:")
    else:
        verdict = escape_markdown(result.verdict)
        if result.significant and result.meaningful:
            st.success(verdict, icon=":material/check_circle:")
        else:
            st.info(verdict, icon=":material/help:")
        st.markdown(f"**Test:** {escape_markdown(result.test or '')}. "
                    f"{escape_markdown(result.reason)}")
        rows = []
        if result.effect is not None:
            rows.append(result.effect)
        rows += list(result.other_effects)
        table = pd.DataFrame([{
            "effect size": e.name, "value": e.value,
            f"{conf} CI low": e.lower, f"{conf} CI high": e.upper} for e in rows])
        diff_ci = result.difference_ci or (np.nan, np.nan)
        extra = pd.DataFrame([{"effect size": f"difference B - A ({result.difference_ci_method})",
                               "value": result.difference, f"{conf} CI low": diff_ci[0],
                               f"{conf} CI high": diff_ci[1]}])
        if result.bootstrap_ci is not None:
            extra = pd.concat([extra, pd.DataFrame([{
                "effect size": f"difference B - A (BCa bootstrap, {result.n_boot:,})",
                "value": result.difference, f"{conf} CI low": result.bootstrap_ci[0],
                f"{conf} CI high": result.bootstrap_ci[1]}])])
        st.caption("Effect sizes: how large the difference is, with its confidence interval.")
        st.dataframe(pd.concat([extra, table], ignore_index=True), hide_index=True,
                     width="stretch")
        stat = ("" if result.statistic is None else
                f"{result.statistic_name} = {result.statistic:.4g}"
                + ("" if result.df is None else f", df = {result.df:.4g}"))
        need = ("no finite n (no observed effect)" if result.required_n is None
                else f"{result.required_n:,} {'pairs' if result.paired else 'per group'}")
        st.markdown(f"{escape_markdown(stat)} · n for 80% power at this effect: "
                    f"**{escape_markdown(need)}**")
        for note in result.notes:
            st.caption(escape_markdown(note))
    st.subheader("Report")
    with st.expander("Report preview", expanded=False):
        st.markdown(reports["markdown"])
    cols = st.columns(4)
    for col, (fmt, ext, mime) in zip(cols, [("markdown", "md", "text/markdown"),
                                            ("latex", "tex", "application/x-tex"),
                                            ("html", "html", "text/html"),
                                            ("json", "json", "application/json")], strict=True):
        col.download_button(f"Report ({ext})", reports[fmt], file_name=f"{basename}.{ext}",
                            mime=mime, key=f"rep_{fmt}", icon=":material/download:",
                            on_click="ignore", width="stretch")


def show_power(result: Comparison, kind: str) -> None:
    """The what-if power curve."""
    if result.power_effect is None or result.degenerate or result.power_effect == 0:
        return
    st.vega_lite_chart(what_if_spec(float(result.power_effect), result.n_a, result.required_n,
                                    kind, result.alpha, result.alternative, result.paired),
                       width="stretch")
    st.caption("How the chance of detecting the observed effect grows with the number of "
               "items: the orange line is your experiment, the green one the size that "
               "reaches 80% power.")
