"""Altair charts of the ensemble page's eval-log and scaling sections: accuracy per
strategy with the oracle line, the pairwise diversity heatmap, and accuracy against the
number of calls. Pure builders (no Streamlit)."""

from __future__ import annotations

from typing import cast

import altair as alt
import pandas as pd

from crucible_ui.charts import PALETTE, bottom_legend, fit_title, fit_width, rows_height

DIVERSITY_MEASURES: dict[str, str] = {
    "disagreement": "disagreement (share of items exactly one is right)",
    "double_fault": "double fault (share of items both are wrong)",
    "yule_q": "Yule's Q (-1 to 1: 1 = fail together)",
    "kappa": "Cohen's kappa (agreement beyond chance)",
}


def strategy_accuracy_chart(table: pd.DataFrame, oracle: float) -> alt.LayerChart:
    """Accuracy per strategy and per model alone (bars), with its 95% Wilson interval
    (rules) and the oracle, the share of items at least one model got right, as a dashed
    line. ``table`` needs label, kind, accuracy, ci_low and ci_high."""
    data = table[["label", "kind", "accuracy", "ci_low", "ci_high"]].copy()
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=160))
    x = alt.X("accuracy:Q", title="accuracy (share of items right)",
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%"))
    color = alt.Color("kind:N", title="kind", scale=alt.Scale(
        domain=["ensemble", "single"], range=[PALETTE[0], PALETTE[1]]),
        legend=bottom_legend(columns=2))
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=x, color=color,
        tooltip=[alt.Tooltip("label:N", title="strategy"),
                 alt.Tooltip("accuracy:Q", format=".1%"),
                 alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
                 alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%")])
    errors = alt.Chart(data).mark_rule(color=PALETTE[7]).encode(
        y=y, x="ci_low:Q", x2="ci_high:Q")
    line = alt.Chart(pd.DataFrame({"oracle": [oracle]})).mark_rule(
        strokeDash=[6, 3], color=PALETTE[2], size=2).encode(
        x="oracle:Q", tooltip=[alt.Tooltip("oracle:Q", title="oracle (any model right)",
                                           format=".1%")])
    return cast(alt.LayerChart, fit_width(alt.layer(bars, errors, line).properties(
        title=fit_title("Accuracy per strategy", "(dashed: the oracle, any model right)"),
        height=rows_height(data["label"].nunique(), 26))))


def diversity_frame(pairs: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Both orientations of every pair (a symmetric matrix without the diagonal):
    model_a, model_b, value."""
    forward = pairs[["model_a", "model_b", measure]].rename(columns={measure: "value"})
    backward = forward.rename(columns={"model_a": "model_b", "model_b": "model_a"})
    return pd.concat([forward, backward], ignore_index=True)


def diversity_heatmap(pairs: pd.DataFrame, measure: str) -> alt.LayerChart:
    """A heatmap of one pairwise diversity measure (Kuncheva & Whitaker 2003) between
    every two models, with the value written in each cell."""
    title = DIVERSITY_MEASURES[measure]
    data = diversity_frame(pairs, measure)
    fmt = ".0%" if measure in ("disagreement", "double_fault") else ".2f"
    base = alt.Chart(data).encode(
        x=alt.X("model_a:N", title="model", axis=alt.Axis(labelLimit=120, labelAngle=-30)),
        y=alt.Y("model_b:N", title="model", axis=alt.Axis(labelLimit=120)))
    rect = base.mark_rect().encode(
        color=alt.Color("value:Q", title=title.split(" (")[0],
                        scale=alt.Scale(scheme="viridis"),
                        legend=bottom_legend(format=fmt)),
        tooltip=[alt.Tooltip("model_a:N", title="model"),
                 alt.Tooltip("model_b:N", title="with"),
                 alt.Tooltip("value:Q", title=title, format=fmt)])
    values = data["value"].dropna()
    middle = float((values.min() + values.max()) / 2) if len(values) else 0.0
    # viridis runs dark to light: dark text on the light upper half, light text below
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("value:Q", format=fmt),
        color=alt.condition(alt.datum.value > middle, alt.value("black"), alt.value("white")))
    return cast(alt.LayerChart, fit_width(alt.layer(rect, text).properties(
        title=fit_title("How differently the models err", title), height=260)))


def scaling_chart(curves: pd.DataFrame, best_k: int | None = None) -> alt.LayerChart:
    """Accuracy against the number of calls K, one line per curve (``curves`` has k,
    accuracy and curve), with the best K of the first curve marked by a rule."""
    x = alt.X("k:Q", title="calls per question (K)")
    lines = alt.Chart(curves).mark_line(point=True).encode(
        x=x, y=alt.Y("accuracy:Q", title="accuracy (share of questions right)",
                     scale=alt.Scale(zero=False), axis=alt.Axis(format=".0%")),
        color=alt.Color("curve:N", title="curve", legend=bottom_legend(columns=1),
                        scale=alt.Scale(range=list(PALETTE))),
        tooltip=[alt.Tooltip("curve:N"), alt.Tooltip("k:Q", title="K"),
                 alt.Tooltip("accuracy:Q", format=".2%")])
    layers: list[alt.Chart] = [lines]
    if best_k is not None:
        layers.append(alt.Chart(pd.DataFrame({"k": [best_k]})).mark_rule(
            strokeDash=[4, 4], color=PALETTE[3]).encode(
            x="k:Q", tooltip=[alt.Tooltip("k:Q", title="best K")]))
    return cast(alt.LayerChart, fit_width(alt.layer(*layers).properties(
        title=fit_title("Accuracy against the number of calls",
                        "(dashed: the best K)" if best_k is not None else ""), height=320)))
