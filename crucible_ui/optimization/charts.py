"""Altair builders for the advisor: partial dependence curves and heatmap, importance
bars, the convergence of the best posterior mean, the suggestions with their uncertainty.
Pure functions (no Streamlit)."""

from __future__ import annotations

from typing import Any, cast

import altair as alt
import pandas as pd

from crucible_scenarios.optimization import SearchSpace
from crucible_ui.charts import PALETTE, bottom_legend, fit_title, fit_width


def _title(name: str) -> str:
    return name.replace("_", " ")


def partial_dependence_chart(pd1: pd.DataFrame, name: str, space: SearchSpace, *,
                             trials: pd.DataFrame | None = None,
                             score_title: str = "score") -> alt.LayerChart:
    """The surrogate's predicted score averaged over the other parameters, along one
    parameter (a line, or points for a categorical one), with the trials as a rug of
    ticks at the bottom."""
    dim = space[name]
    kind = "N" if dim.kind == "categorical" else "Q"
    scale = alt.Scale(type="log") if dim.log else alt.Scale(zero=False)
    x = alt.X(f"{name}:{kind}", title=_title(name),
              **({} if kind == "N" else {"scale": scale}))
    y = alt.Y("score:Q", title=f"predicted {score_title} (averaged)",
              scale=alt.Scale(zero=False))
    base = alt.Chart(pd1)
    mark = base.mark_point(filled=True, size=80, color=PALETTE[0]) if kind == "N" else \
        base.mark_line(color=PALETTE[0], strokeWidth=2.5)
    layers: list[Any] = [mark.encode(x=x, y=y, tooltip=[
        alt.Tooltip(f"{name}:{kind}", title=_title(name)),
        alt.Tooltip("score:Q", title="predicted (averaged)", format=".4~g")])]
    if trials is not None and len(trials) and kind == "Q":
        layers.append(alt.Chart(trials[[name]]).mark_tick(
            color=PALETTE[1], opacity=0.7, thickness=2).encode(
            x=alt.X(f"{name}:Q", scale=scale), y=alt.value(0)))  # type: ignore[arg-type]
    return cast(alt.LayerChart, fit_width(alt.layer(*layers).properties(
        title=fit_title(f"Partial dependence on {_title(name)}"), height=220)))


def partial_dependence_heatmap(pd2: pd.DataFrame, x: str, y: str, space: SearchSpace, *,
                               score_title: str = "score") -> alt.Chart:
    """The 2-D partial dependence as colored cells (viridis)."""
    enc: dict[str, Any] = {}
    for channel, name in (("x", x), ("y", y)):
        dim = space[name]
        encoder = alt.X if channel == "x" else alt.Y
        if dim.kind == "categorical":
            enc[channel] = encoder(f"{name}:N", title=_title(name))
        else:
            enc[channel] = encoder(f"{name}:O", title=_title(name), sort="ascending",
                                   axis=alt.Axis(format=".3~g", labelOverlap=True))
    return fit_width(alt.Chart(pd2).mark_rect().encode(
        **enc,
        color=alt.Color("score:Q", title=f"predicted {score_title}",
                        scale=alt.Scale(scheme="viridis"),
                        legend=bottom_legend(format=".3~g")),
        tooltip=[alt.Tooltip(f"{x}", title=_title(x)), alt.Tooltip(f"{y}", title=_title(y)),
                 alt.Tooltip("score:Q", title="predicted (averaged)", format=".4~g")],
    ).properties(title=fit_title(f"Partial dependence on {_title(x)} and {_title(y)}"),
                 height=320))


def importance_chart(shares: pd.DataFrame) -> alt.Chart:
    """Each parameter's share of the surrogate's variance (first-order Sobol indices,
    normalized), as horizontal bars."""
    return fit_width(alt.Chart(shares).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("share:Q", title="share of the explained variance",
                axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("dimension:N", title=None, sort="-x"),
        tooltip=[alt.Tooltip("dimension:N", title="parameter"),
                 alt.Tooltip("share:Q", format=".1%", title="share"),
                 alt.Tooltip("first_order:Q", format=".3f",
                             title="first-order Sobol index")],
    ).properties(title=fit_title("Which parameters matter"), height=40 + 28 * len(shares)))


def advisor_convergence_chart(curve: pd.DataFrame, *,
                              score_title: str = "score") -> alt.Chart:
    """The best observed score so far and the best posterior mean among the trials so
    far, over the number of trials."""
    long = curve.melt(id_vars="trial", value_vars=["best_observed", "best_posterior_mean"],
                      var_name="series", value_name="value")
    long["series"] = long["series"].map({"best_observed": "best observed score",
                                         "best_posterior_mean": "best posterior mean"})
    return fit_width(alt.Chart(long).mark_line(point=True, interpolate="step-after").encode(
        x=alt.X("trial:Q", title="trials so far", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", title=score_title, scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(range=list(PALETTE[:2])),
                        legend=bottom_legend()),
        tooltip=[alt.Tooltip("trial:Q"), alt.Tooltip("series:N"),
                 alt.Tooltip("value:Q", format=".4~g")],
    ).properties(title=fit_title("Best so far: observed vs the model's estimate"),
                 height=260))


def recommendation_chart(table: pd.DataFrame) -> alt.LayerChart:
    """The true expected accuracy of each strategy's recommended configuration on the
    mock: median over seeds (point) with the 25th-75th percentile (bar)."""
    base = alt.Chart(table)
    y = alt.Y("label:N", title=None)
    rule = base.mark_rule(strokeWidth=3, color=PALETTE[0]).encode(
        x=alt.X("q25:Q", title="true expected accuracy", axis=alt.Axis(format=".0%"),
                scale=alt.Scale(zero=False)), x2="q75:Q", y=y)
    point = base.mark_point(filled=True, size=90, color=PALETTE[1]).encode(
        x="median:Q", y=y, tooltip=[alt.Tooltip("label:N", title="strategy, pick"),
                                    alt.Tooltip("median:Q", format=".1%"),
                                    alt.Tooltip("q25:Q", format=".1%"),
                                    alt.Tooltip("q75:Q", format=".1%")])
    return cast(alt.LayerChart, fit_width(alt.layer(rule, point).properties(
        title=fit_title("True accuracy of the configuration each strategy picks",
                        "(median over seeds, bar: middle half)"),
        height=40 + 30 * len(table))))
