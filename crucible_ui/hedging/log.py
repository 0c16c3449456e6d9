"""The Request Hedging page's "Your latency log" source: read the upload, say what was
read, then its percentiles with intervals, the independence check, the recommended delay,
the histogram, trade-off curve and strategies on the log, and the export snippets."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crucible_io.latency import LatencyLog, read_latency_log
from crucible_io.limits import ReadError
from crucible_scenarios.hedging import (
    EXPORT_SYSTEMS,
    compare_strategies,
    empirical_profile,
    export_notes,
    export_policy,
    independence_check,
    log_delays,
    quantile_interval,
    recommend_delay,
    simulate,
    summarize,
    tradeoff_curve,
)
from crucible_ui.charts import vega_spec
from crucible_ui.hedging.charts import log_histogram_chart
from crucible_ui.hedging.mock import strategy_table
from crucible_ui.hedging.mock_charts import histogram_chart, tradeoff_chart
from crucible_ui.text import escape_markdown
from crucible_ui.uploads import LATENCY_LOG_TYPES, MAX_UPLOAD_BYTES
from crucible_ui.widgets import download_buttons, metric_card, seed_control

UNITS = {"auto": "Detect", "ms": "milliseconds", "s": "seconds"}
GOALS = {"budget": "Extra-load budget", "target": "P99 target"}
SYSTEM_NAMES = {"grpc": "gRPC", "envoy": "Envoy", "finagle": "Finagle", "polly": "Polly (.NET)"}
SYSTEM_LANGUAGE = {"grpc": "json", "envoy": "yaml", "finagle": "scala", "polly": "csharp"}
LEVELS = (0.5, 0.95, 0.99, 0.999)
#: Requests drawn from the log for each simulated run (bootstrap resampling).
SIM_REQUESTS = 20_000
P999_MIN_REQUESTS = 1_000
FORMAT_NAMES = {"llmperf": "LLMPerf per-request results", "jmeter": "JMeter CSV results",
                "k6": "k6 CSV output", "ab": "ApacheBench gnuplot TSV", "csv": "CSV table",
                "json": "JSON records", "jsonl": "JSON Lines records"}
FORMAT_HELP = (
    "Accepted: LLMPerf `*_individual_responses.json`, JMeter `.jtl` results (CSV or XML), k6 "
    "`--out csv` output, ApacheBench `-g` TSV, or any CSV, JSON or JSON Lines file with a "
    "latency column (`latency_ms`, `duration`, `elapsed`...). Failed requests (error codes, "
    "`success=false`, HTTP status 0 or >= 400) are counted apart.")


@st.cache_data(max_entries=8, show_spinner="Reading the log…")
def read_log(data: bytes, name: str, column: str | None, unit: str | None) -> LatencyLog:
    """The upload read by :func:`crucible_io.latency.read_latency_log`, cached by bytes."""
    return read_latency_log(data, name=name, column=column, unit=unit,
                            max_bytes=MAX_UPLOAD_BYTES)


@st.cache_data(max_entries=8, show_spinner="Measuring the log…")
def describe_log(data: bytes, name: str, column: str | None,
                 unit: str | None) -> dict[str, Any]:
    """Percentiles with intervals and the independence check of one log."""
    log = read_log(data, name, column, unit)
    estimates = [quantile_interval(log.latencies_ms, q) for q in LEVELS]
    check = independence_check(log.latencies_ms) if log.succeeded >= 10 else None
    return {"estimates": estimates, "check": check,
            "histogram": vega_spec(log_histogram_chart(log.latencies_ms, estimates))}


@st.cache_data(max_entries=16, show_spinner="Planning the hedge…")
def plan(data: bytes, name: str, column: str | None, unit: str | None, goal: str,
         budget_pct: float, target_ms: float) -> Any:
    """:func:`recommend_delay` on the log's empirical profile."""
    prof = empirical_profile(read_log(data, name, column, unit).latencies_ms, name=name)
    if goal == "target":
        return recommend_delay(prof, target_ms=target_ms)
    return recommend_delay(prof, budget=budget_pct / 100.0)


@st.cache_data(max_entries=16, show_spinner="Resampling the log…")
def simulations(data: bytes, name: str, column: str | None, unit: str | None,
                delay: float, budget_pct: float, hedges: int,
                seed: int) -> dict[str, Any]:
    """Hedging simulated on requests resampled from the log: the run at the delay, the
    trade-off curve and every strategy on the same draws."""
    prof = empirical_profile(read_log(data, name, column, unit).latencies_ms, name=name)
    budget = budget_pct if budget_pct < 100 else None
    result = simulate("fixed", SIM_REQUESTS, seed, profile=prof, delay_ms=delay,
                      budget=budget, max_hedges=hedges)
    summary = summarize(result, n_boot=100)
    curve = tradeoff_curve(log_delays(prof), SIM_REQUESTS, seed, profile=prof,
                           budget=budget, max_hedges=hedges)
    table = compare_strategies(SIM_REQUESTS, seed, n_boot=50, profile=prof, delay_ms=delay,
                               budget=budget, max_hedges=hedges)
    return {"summary": summary, "histogram": vega_spec(histogram_chart(result, summary)),
            "p99": vega_spec(tradeoff_chart(curve, current_delay_ms=delay)),
            "p999": vega_spec(tradeoff_chart(curve, current_delay_ms=delay,
                                             quantile="p999")),
            "curve": curve, "table": table, "budgeted": budget is not None}


def log_view() -> None:
    """The whole "Your latency log" source."""
    st.markdown("Upload a log of request latencies to plan a hedge on your own data. "
                + FORMAT_HELP)
    upload = st.file_uploader("Latency log", type=LATENCY_LOG_TYPES, key="log_upload")
    left, middle, right = st.columns(3)
    column = left.text_input(
        "Latency column", value="", key="log_column", max_chars=100,
        help="Leave blank to detect it by name; for k6, a metric name such as "
             "http_req_waiting; for LLMPerf, ttft_s plans on time to first token.").strip()
    unit_choice = middle.selectbox(
        "Unit of the latency column", list(UNITS), format_func=UNITS.__getitem__,
        key="log_unit", bind="query-params",
        help="Detect: from the column's name (latency_ms, elapsed, ttime are ms; _s is "
             "seconds), a unit after each value, or else the magnitude (a median under 30 "
             "reads as seconds).")
    goal = str(right.segmented_control(
        "Plan for", list(GOALS), format_func=GOALS.__getitem__, default="budget",
        required=True, key="log_goal", bind="query-params",
        help="Budget: the earliest hedge whose backups stay within the extra load. "
             "Target: the latest hedge that brings P99 within the target.") or "budget")
    budget_pct = float(left.slider(
        "Extra-load budget (% of requests)", 0.5, 50.0, 5.0, 0.5, key="log_budget",
        bind="query-params", disabled=goal != "budget",
        help="Share of requests that may send a backup. Also caps the simulated runs."))
    target_ms = float(middle.number_input(
        "P99 target (ms)", min_value=1.0, max_value=3_600_000.0, value=2000.0, step=100.0,
        key="log_target", bind="query-params", disabled=goal != "target",
        help="The P99 you want after hedging."))
    hedges = int(right.slider("Max backups per request", 1, 4, 1, key="log_hedges",
                              bind="query-params",
                              help="For the simulations and the exported policies "
                                   "(gRPC allows at most 4)."))
    seed = seed_control(key="log_seed", container=right)
    if upload is None:
        st.info("No file yet: upload a latency log to see what hedging would do to it.",
                icon=":material/upload_file:")
        return
    data, name = upload.getvalue(), str(upload.name)
    unit = None if unit_choice == "auto" else str(unit_choice)
    try:
        log = read_log(data, name, column or None, unit)
    except ReadError as exc:
        st.error(f"Cannot use this file: {exc}", icon=":material/error:")
        return
    read_section(log)
    described = describe_log(data, name, column or None, unit)
    check = described["check"]
    clustered = check is not None and not check.independent
    percentiles_section(log, described)
    independence_section(check, log.time_ordered)
    rec = plan(data, name, column or None, unit, goal, budget_pct, target_ms)
    recommendation_section(rec, goal, clustered)
    delay = rec.delay_ms if rec.feasible and math.isfinite(rec.delay_ms) else None
    sim_delay = delay if delay is not None else float(np.quantile(log.latencies_ms, 0.95))
    sims = simulations(data, name, column or None, unit, sim_delay,
                       budget_pct if goal == "budget" else 100.0, hedges, seed)
    simulated_section(sims, sim_delay, delay is None, clustered)
    export_section(delay, hedges, budget_pct / 100 if goal == "budget" else None, rec)


def caveat(clustered: bool) -> None:
    """Beside every result: when slowness repeats, a backup is likely slow too."""
    if clustered:
        st.caption(":material/warning: Slowness repeats in this log: a backup sent while "
                   "the service is slow is likely slow too, so this figure, computed as "
                   "if requests were independent, overstates the gain.")


def read_section(log: LatencyLog) -> None:
    st.subheader("What was read")
    failed_share = log.failed / log.requests if log.requests else 0.0
    st.markdown(
        f"- **Format:** {FORMAT_NAMES.get(log.format, log.format)}\n"
        f"- **Requests:** {log.requests:,} ({log.succeeded:,} successful, {log.failed:,} "
        f"failed, {failed_share:.0%})\n"
        f"- **Latency column:** `{log.column}`, unit {log.describe_unit()}; change it "
        "above if that is wrong\n"
        f"- **Order:** {'by the log timestamps' if log.time_ordered else 'as in the file (no timestamps)'}"  # noqa: E501
        + ("\n- **Time to first token:** present" if log.ttft_ms is not None else ""))
    for note in log.notes:
        st.caption(note)
    if log.failed:
        st.info("Failed requests are left out of the latencies: a fast error is not a fast "
                "answer, and hedging does not turn errors into answers.",
                icon=":material/info:")


def percentiles_section(log: LatencyLog, described: dict[str, Any]) -> None:
    st.subheader("Its latency percentiles")
    estimates = described["estimates"]
    cols = st.columns(4)
    for col, est in zip(cols, estimates, strict=True):
        label = "P" + f"{est.q * 100:g}"
        if est.measurable:
            interval = f"95% interval {est.low_ms:,.0f} to {est.high_ms:,.0f} ms"
        else:
            interval = "not measurable: too few requests to bound it"
        with col:
            metric_card(f"{label} latency", f"{est.value_ms:,.0f} ms",
                        help=f"From {est.n:,} successful requests; {interval} "
                             "(distribution-free, from binomial order statistics).")
    st.caption(
        f"n = {log.succeeded:,} successful requests. Each interval comes from the order "
        "statistics alone (the count below a true percentile is binomial), so it holds "
        "whatever the distribution: "
        + "; ".join(f"P{e.q * 100:g} "
                    + (f"{e.low_ms:,.0f}-{e.high_ms:,.0f} ms" if e.measurable
                       else "unbounded") for e in estimates) + ".")
    if log.succeeded < P999_MIN_REQUESTS:
        st.warning(f"Only {log.succeeded:,} successful requests: P99.9 is not measurable "
                   f"(it needs well over {P999_MIN_REQUESTS:,}; here it is just one of the "
                   "slowest requests). Treat every P99.9 below as a rough guide.",
                   icon=":material/warning:")
    st.vega_lite_chart(described["histogram"], width="stretch")
    st.caption("How many logged requests took how long (log scale). Lines mark the "
               "percentiles; shaded bands their 95% intervals.")


def independence_section(check: Any, time_ordered: bool) -> None:
    st.subheader("Does slowness repeat?")
    st.markdown("Hedging pays when a slow request is slow for a reason that does not "
                "repeat, so its backup is likely fast. If slow requests come in runs "
                "(an overloaded replica, a slow period), the backup is slow too.")
    if check is None:
        st.info("Fewer than 10 successful requests: too few to test.")
        return
    (st.success if check.independent else st.warning)(check.message())
    if not time_ordered:
        st.caption("This log has no timestamps, so the check reads the requests in file "
                   "order; if the tool wrote them in another order (sorted by latency, "
                   "say), runs of slow requests cannot be seen.")
    low, high = check.interval
    st.caption(
        f"Lag-1 autocorrelation of log latency {check.lag1_autocorrelation:+.3f} (95% "
        f"interval {low:+.3f} to {high:+.3f}, Bartlett's 1/sqrt(n); Ljung-Box p = "
        f"{check.ljung_box_p:.3f}). A request among the slowest 10% (over "
        f"{check.slow_threshold_ms:,.0f} ms) is followed by another "
        f"{check.slow_after_slow_ratio:.2f}x as often as chance (Fisher exact p = "
        f"{check.slow_after_slow_p:.3f}).")


def recommendation_section(rec: Any, goal: str, clustered: bool) -> None:
    st.subheader("Recommended hedge")
    if not rec.feasible:
        st.warning(f"No hedge delay meets this: {rec.reason}.", icon=":material/warning:")
        return
    if not math.isfinite(rec.delay_ms):
        st.success(f"No hedge needed: {rec.reason}.")
        return
    cols = st.columns(4)
    with cols[0]:
        metric_card("Hedge after", f"{rec.delay_ms:,.0f} ms",
                    help="Send one backup when the first request has not answered by then.")
    with cols[1]:
        metric_card("P99 with hedging", f"{rec.p99_ms:,.0f} ms",
                    delta=f"{100 * (rec.p99_ms / rec.baseline_p99_ms - 1):+.1f}% vs "
                          f"{rec.baseline_p99_ms:,.0f} ms", delta_color="inverse",
                    help="Exact for requests drawn independently from the log: "
                         "P(T > t) = S(t) S(t - d).")
    with cols[2]:
        metric_card("P99.9 with hedging", f"{rec.p999_ms:,.0f} ms",
                    delta=f"{100 * (rec.p999_ms / rec.baseline_p999_ms - 1):+.1f}% vs "
                          f"{rec.baseline_p999_ms:,.0f} ms", delta_color="inverse")
    with cols[3]:
        metric_card("Extra requests", f"{rec.extra_requests:.1%}",
                    help="S(d): the share of requests still unanswered at the delay.")
    why = ("the earliest delay whose backups stay within the budget" if goal == "budget"
           else "the latest delay that brings P99 within the target")
    st.caption(f"The delay is {why}; later delays cost less load, earlier ones cut more "
               "tail.")
    caveat(clustered)


def simulated_section(sims: dict[str, Any], delay: float, fallback: bool,
                      clustered: bool) -> None:
    st.subheader("Hedging replayed on your log")
    st.markdown(
        f"{SIM_REQUESTS:,} requests drawn at random from the log (bootstrap resampling), "
        f"hedged after {delay:,.0f} ms"
        + (" (the log's P95, since no recommendation applies)" if fallback else "")
        + ": the same simulation as for the mock chatbot, on your latencies.")
    st.vega_lite_chart(sims["histogram"], width="stretch")
    st.caption("Histogram of the resampled requests without (orange) and with (blue) "
               "hedging; vertical lines mark P50, P95, P99 and P99.9.")
    caveat(clustered)
    st.markdown("**Where to hedge: tail latency against extra load.** Each point is one "
                "hedge delay from the log's P50 to its P99.9; the line is exact from the "
                "log's distribution, the diamonds are simulated.")
    left, right = st.columns(2)
    left.vega_lite_chart(sims["p99"], width="stretch")
    right.vega_lite_chart(sims["p999"], width="stretch")
    if sims["budgeted"]:
        st.caption("The exact curve ignores the budget; the simulated points respect it, "
                   "so delays earlier than the budget allows stay at the budget's load.")
    caveat(clustered)
    download_buttons(sims["curve"], "hedging_log_tradeoff", key="dl_log_trade",
                     label="trade-off curve")
    st.markdown("**All strategies on the same resampled requests**")
    table: pd.DataFrame = sims["table"]
    strategy_table(table, ("p50_ms", "p99_ms", "p999_ms", "p99_reduction_pct",
                           "extra_requests_pct", "median_delay_ms"))
    caveat(clustered)
    download_buttons(table, "hedging_log_strategies", key="dl_log_cmp", label="comparison")


def export_section(delay: float | None, hedges: int, budget: float | None,
                   rec: Any) -> None:
    st.subheader("Configuration to paste")
    if delay is None:
        st.info("Nothing to export: " + (rec.reason or "no hedge applies") + ".")
        return
    delay = float(round(delay)) if delay >= 10 else float(f"{delay:.3g}")
    st.markdown(f"The recommended hedge ({delay:,.0f} ms, up to {hedges} backup"
                f"{'s' if hedges > 1 else ''}) for four clients, each ready to paste: use "
                "the copy button at the top right. The Envoy, Finagle and Polly snippets "
                "start with comments on what they do and what that system cannot "
                "express; gRPC's service config is JSON, which has no comments, so its "
                "notes are below it.")
    tabs = st.tabs([SYSTEM_NAMES[s] for s in EXPORT_SYSTEMS])
    for tab, system in zip(tabs, EXPORT_SYSTEMS, strict=True):
        with tab:
            text = export_policy(delay, max_hedges=hedges, budget=budget, system=system)
            st.code(text, language=SYSTEM_LANGUAGE[system])
            if system == "grpc":
                notes = export_notes(delay, max_hedges=hedges, budget=budget, system=system)
                st.markdown("\n".join(f"- {escape_markdown(note)}" for note in notes))
