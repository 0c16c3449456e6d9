"""Altair charts of the Ensemble Reliability page: the vote tally of one question, the
timeline of the models' calls, and accuracy against cost with the Pareto frontier.
Pure builders (no Streamlit), so tests read their Vega-Lite specs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import altair as alt
import numpy as np
import pandas as pd

from crucible_ui.charts import PALETTE, bottom_legend, fit_title, fit_width, rows_height

#: Roles of an answer in the tally, each with a fixed color-blind-safe color.
TALLY_ROLES: tuple[str, ...] = ("chosen, correct", "chosen, wrong", "answer key", "other")
_TALLY_COLORS = (PALETTE[2], PALETTE[3], PALETTE[0], PALETTE[7])
STATUS_COLORS: dict[str, str] = {"answered": PALETTE[0], "timed out": PALETTE[1],
                                 "error": PALETTE[3]}


def tally_frame(tally: Mapping[str, float], chosen: str | None,
                correct_answer: str | None) -> pd.DataFrame:
    """One row per answer that got votes (plus the answer key if it got none): answer,
    support, role (chosen and correct, chosen and wrong, the answer key, other)."""
    rows = dict(tally)
    if correct_answer is not None and correct_answer not in rows:
        rows[correct_answer] = 0.0
    roles = []
    for answer in rows:
        if answer == chosen:
            roles.append("chosen, correct" if answer == correct_answer else "chosen, wrong")
        elif answer == correct_answer:
            roles.append("answer key")
        else:
            roles.append("other")
    return pd.DataFrame({"answer": list(rows), "support": list(rows.values()),
                         "role": roles})


def vote_tally_chart(frame: pd.DataFrame, *, weighted: bool) -> alt.Chart:
    """Horizontal bars of the votes (or weighted score) behind each answer, colored by
    whether the ensemble chose it and whether it is the answer key."""
    measure = "weighted score (confidence x weight)" if weighted else "votes (models)"
    return fit_width(alt.Chart(frame).mark_bar().encode(
        y=alt.Y("answer:N", title="answer", sort="-x",
                axis=alt.Axis(labelLimit=150)),
        x=alt.X("support:Q", title=measure,
                axis=alt.Axis(format=".1f" if weighted else "d", tickMinStep=1)),
        color=alt.Color("role:N", title="answer", scale=alt.Scale(
            domain=list(TALLY_ROLES), range=list(_TALLY_COLORS)),
            legend=bottom_legend(columns=1)),
        tooltip=[alt.Tooltip("answer:N", title="answer"),
                 alt.Tooltip("support:Q", title=measure, format=".2f"),
                 alt.Tooltip("role:N", title="role")],
    ).properties(title="Votes per answer", height=rows_height(frame["answer"].nunique(), 34)))


def timeline_frame(responses: pd.DataFrame) -> pd.DataFrame:
    """The called models' calls as intervals: model, start_ms, arrival_ms, status group
    (answered, timed out, error), answer and latency, in call order."""
    called = responses[responses["status"] != "not called"].copy()
    group = called["status"].where(called["status"].isin(["answered", "timed out"]), "error")
    return pd.DataFrame({
        "model": called["display_name"].to_numpy(),
        "start_ms": called["start_ms"].to_numpy(float),
        "arrival_ms": called["arrival_ms"].to_numpy(float),
        "outcome": group.to_numpy(),
        "answer": called["normalized"].fillna("-").to_numpy(),
        "latency_ms": called["latency_ms"].to_numpy(float),
        "order": range(len(called)),
    })


def timeline_chart(frame: pd.DataFrame, *, timeout_ms: float) -> alt.LayerChart:
    """A Gantt chart of the calls: when each model was asked and when its answer (or
    error) arrived, with the timeout as a dashed rule."""
    bars = alt.Chart(frame).mark_bar(height=14, cornerRadius=2).encode(
        y=alt.Y("model:N", title=None, sort=alt.EncodingSortField("order")),
        x=alt.X("start_ms:Q", title="time since the question was asked (ms)"),
        x2="arrival_ms:Q",
        color=alt.Color("outcome:N", title="call", scale=alt.Scale(
            domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values())),
            legend=bottom_legend(columns=3)),
        tooltip=[alt.Tooltip("model:N", title="model"),
                 alt.Tooltip("outcome:N", title="call"),
                 alt.Tooltip("answer:N", title="answer"),
                 alt.Tooltip("start_ms:Q", title="asked at (ms)", format=",.0f"),
                 alt.Tooltip("arrival_ms:Q", title="answered at (ms)", format=",.0f"),
                 alt.Tooltip("latency_ms:Q", title="call took (ms)", format=",.0f")],
    )
    rule = alt.Chart(pd.DataFrame({"timeout_ms": [timeout_ms]})).mark_rule(
        strokeDash=[4, 4], color=PALETTE[7]).encode(
        x="timeout_ms:Q", tooltip=[alt.Tooltip("timeout_ms:Q", title="timeout (ms)",
                                                format=",.0f")])
    layers = [bars, rule] if frame["arrival_ms"].max() >= 0.6 * timeout_ms else [bars]
    return cast(alt.LayerChart, fit_width(alt.layer(*layers).properties(
        title="When each model answered", height=rows_height(frame["model"].nunique(), 24))))


def tradeoff_chart(summary: pd.DataFrame) -> alt.LayerChart:
    """Accuracy (with its 95% interval) against mean cost per query on a log axis, one
    point per strategy; the Pareto frontier (no strategy both cheaper and more accurate)
    is joined by a line. ``summary`` needs label, kind, accuracy, ci_low, ci_high,
    mean_cost_usd and pareto columns."""
    data = summary[["label", "kind", "accuracy", "ci_low", "ci_high", "mean_cost_usd",
                    "pareto", "abstention_rate", "p95_latency_ms"]].copy()
    data["frontier"] = data["pareto"].map({True: "on the Pareto frontier",
                                           False: "dominated"})
    data["label_y"] = _stacked_label_positions(data)
    x = alt.X("mean_cost_usd:Q", title="mean cost per query (USD, log scale)",
              scale=alt.Scale(type="log"), axis=alt.Axis(format="$.4f"))
    y_scale = alt.Scale(zero=False)
    base = alt.Chart(data)
    tooltip = [alt.Tooltip("label:N", title="strategy"),
               alt.Tooltip("accuracy:Q", title="accuracy", format=".1%"),
               alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
               alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%"),
               alt.Tooltip("abstention_rate:Q", title="abstentions", format=".1%"),
               alt.Tooltip("mean_cost_usd:Q", title="cost per query (USD)", format=".5f"),
               alt.Tooltip("p95_latency_ms:Q", title="P95 latency (ms)", format=",.0f")]
    errors = base.mark_rule(opacity=0.6).encode(
        x=x, y=alt.Y("ci_low:Q", title="accuracy", scale=y_scale), y2="ci_high:Q",
        color=alt.Color("kind:N", title="strategy type", scale=alt.Scale(
            domain=["ensemble", "single"], range=[PALETTE[0], PALETTE[1]])))
    frontier = base.transform_filter(alt.datum.pareto).mark_line(
        strokeDash=[6, 3], color=PALETTE[2]).encode(
        x=x, y=alt.Y("accuracy:Q", scale=y_scale), order="mean_cost_usd:Q")
    points = base.mark_point(filled=True, size=90).encode(
        x=x, y=alt.Y("accuracy:Q", title="accuracy", scale=y_scale,
                     axis=alt.Axis(format=".0%")),
        color=alt.Color("kind:N", title="strategy type", scale=alt.Scale(
            domain=["ensemble", "single"], range=[PALETTE[0], PALETTE[1]]),
            legend=bottom_legend(columns=1)),
        shape=alt.Shape("frontier:N", title="Pareto", scale=alt.Scale(
            domain=["on the Pareto frontier", "dominated"], range=["diamond", "circle"]),
            legend=bottom_legend(columns=1, symbolFillColor=PALETTE[7],
                                 symbolStrokeColor=PALETTE[7])),
        tooltip=tooltip)
    labels = base.mark_text(align="left", dx=8, fontSize=11, color=PALETTE[7]).encode(
        x=x, y=alt.Y("label_y:Q", scale=y_scale), text="label:N")
    return cast(alt.LayerChart, fit_width(alt.layer(errors, frontier, points, labels).properties(
        title=fit_title("Accuracy against cost", "(dashed: Pareto frontier)"), height=360)))


def _stacked_label_positions(data: pd.DataFrame) -> np.ndarray:
    """Label heights that do not overlap: strategies of nearly equal cost (within 10% on
    the log axis) form a cluster whose labels are listed downwards from its most accurate
    point, one line apart (a line is 6% of the accuracy range shown)."""
    acc = data["accuracy"].to_numpy(float)
    cost = np.log10(np.maximum(data["mean_cost_usd"].to_numpy(float), 1e-12))
    low = float(min(data["ci_low"].min(), acc.min()))
    high = float(max(data["ci_high"].max(), acc.max()))
    step = max(high - low, 1e-3) * 0.06
    positions = acc.copy()
    order = np.argsort(cost)
    cluster: list[int] = []
    for index in [*order.tolist(), None]:
        if index is not None and (not cluster or cost[index] - cost[cluster[0]] < 0.04):
            cluster.append(index)
            continue
        if cluster:
            ranked = sorted(cluster, key=lambda i: -acc[i])
            top = acc[ranked[0]]
            for rank, i in enumerate(ranked):
                positions[i] = min(acc[i], top - rank * step)
        cluster = [] if index is None else [index]
    return positions
