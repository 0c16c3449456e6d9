"""The Request Hedging page's mock-world sections: the support chatbot's simulated
stream, before/after, trade-off, fan-out and run history, moved here whole from the page
script so the page stays a short list of sections."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crucible_scenarios.hedging import (
    ADAPTIVE_BATCH,
    DEFAULT_DELAY_MS,
    DEFAULT_WINDOW,
    MAX_HEDGES,
    STRATEGIES,
    HedgingProgress,
    compare_strategies,
    fanout_curve,
    fanout_latency_quantile,
    iter_simulate,
    resolve_profile,
    simulate,
    simulate_fanout,
    summarize,
    tradeoff_curve,
)
from crucible_ui.charts import vega_spec
from crucible_ui.hedging.mock_charts import (
    before_after_chart,
    before_after_frame,
    fanout_chart,
    histogram_chart,
    stream_chart,
    stream_frame,
)
from crucible_ui.hedging.mock_charts import tradeoff_chart as build_tradeoff_chart
from crucible_ui.live import run_live
from crucible_ui.widgets import (
    download_buttons,
    metric_card,
    playback_speed_control,
    seed_control,
    show_chart,
    table_csv,
    table_json,
)

STRATEGY_NAMES = {
    "none": "No hedging",
    "fixed": "Fixed delay",
    "percentile": "Running percentile",
    "adaptive": "Adaptive (Thompson sampling)",
}
PAGE_MAX_REQUESTS = 100_000
INPUT_MAX_REQUESTS = 10_000_000
LIVE_MAX_REQUESTS = 5_000
TRADEOFF_DELAYS = (150, 250, 400, 600, 800, 1000, 1300, 1700, 2200, 3000, 4000, 6000)
TRADEOFF_MIN_REQUESTS = 20_000
FANOUT_KS = (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100)
FANOUT_USER_REQUESTS = 2_000
#: Arrival rate of the simulated stream when played live in real time.
REQUESTS_PER_SECOND = 50.0
#: Extra share of slow requests after the mid-run slow-down.
SLOWDOWN_EXTRA = 0.3
HISTORY_KEY = "hedging_history"
HISTORY_LIMIT = 20


@dataclass(frozen=True)
class Settings:
    """What the controls say."""

    strategy: str
    delay: float
    percentile: float
    budget: float
    hedges: int
    slow: float
    slowdown: bool
    k: int
    n: int
    seed: int
    speed: float

    def kwargs(self) -> dict[str, Any]:
        return {"delay_ms": self.delay, "percentile": self.percentile,
                "budget": self.budget, "max_hedges": self.hedges, "slow_fraction": self.slow,
                "shift": shift_of(self.n, self.slow, self.slowdown)}


def shift_of(n: int, slow: float, slowdown: bool) -> tuple[int, float] | None:
    """The mid-run slow-down: from request n/2 on, SLOWDOWN_EXTRA more slow requests."""
    return (n // 2, min(1.0, slow + SLOWDOWN_EXTRA)) if slowdown else None


# --- cached computations --------------------------------------------------------------

@st.cache_data(max_entries=16, show_spinner="Simulating the requests…")
def main_view(strategy: str, n: int, seed: int, delay: float, percentile: float,
              budget: float, hedges: int, slow: float, slowdown: bool) -> dict[str, Any]:
    """The simulated stream, its summary, chart specs and per-request table."""
    result = simulate(strategy, n, seed, delay_ms=delay, percentile=percentile,
                      budget=budget, max_hedges=hedges, slow_fraction=slow,
                      shift=shift_of(n, slow, slowdown))
    summary = summarize(result, n_boot=200)
    return {
        "summary": summary,
        "stream": vega_spec(stream_chart(stream_frame(result))),
        "histogram": vega_spec(histogram_chart(result, summary)),
        "bars": vega_spec(before_after_chart(before_after_frame(summary))),
        "requests": result.frame(),
    }


@st.cache_data(max_entries=16, show_spinner="Running every strategy on the same requests…")
def comparison_view(n: int, seed: int, delay: float, percentile: float, budget: float,
                    hedges: int, slow: float, slowdown: bool) -> pd.DataFrame:
    """Every strategy on the same primary draws."""
    return compare_strategies(n, seed, n_boot=100, delay_ms=delay, percentile=percentile,
                              budget=budget, max_hedges=hedges, slow_fraction=slow,
                              shift=shift_of(n, slow, slowdown))


@st.cache_data(max_entries=16, show_spinner="Sweeping hedge delays…")
def tradeoff_view(n: int, seed: int, budget: float, hedges: int, slow: float,
                  delay: float) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Simulated and exact tail latency across fixed delays, and its charts."""
    curve = tradeoff_curve(TRADEOFF_DELAYS, max(n, TRADEOFF_MIN_REQUESTS), seed,
                           budget=budget, max_hedges=hedges, slow_fraction=slow)
    return (curve, vega_spec(build_tradeoff_chart(curve, current_delay_ms=delay)),
            vega_spec(build_tradeoff_chart(curve, current_delay_ms=delay, quantile="p999")))


@st.cache_data(max_entries=16, show_spinner=False)
def fanout_view(k: int, seed: int, delay: float, budget: float, hedges: int,
                slow: float) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Exact fan-out curve over k, simulated points at the chosen k, and the chart."""
    curve = fanout_curve(FANOUT_KS, delay_ms=delay, max_hedges=hedges, slow_fraction=slow)
    sim = simulate_fanout(k, FANOUT_USER_REQUESTS, seed, delay_ms=delay, budget=budget,
                          max_hedges=hedges, slow_fraction=slow)
    rows = []
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        rows.append({"k": k, "quantile": name, "hedging": "none",
                     "latency_ms": float(np.quantile(sim.baseline_ms, q))})
        rows.append({"k": k, "quantile": name, "hedging": "hedged",
                     "latency_ms": float(np.quantile(sim.hedged_ms, q))})
    points = pd.DataFrame(rows)
    points.attrs["extra_requests_pct"] = sim.extra_requests_pct
    prof = resolve_profile("support", slow)
    points.attrs["one_p99_ms"] = fanout_latency_quantile(prof, 1, 0.99)
    points.attrs["exact_p50_ms"] = fanout_latency_quantile(prof, k, 0.5)
    return curve, points, vega_spec(fanout_chart(curve, points))


# --- controls -------------------------------------------------------------------------

def controls() -> Settings:
    st.subheader("Settings")
    left, middle, right = st.columns(3)
    strategy = left.selectbox(
        "Hedging strategy", STRATEGIES, format_func=STRATEGY_NAMES.__getitem__, index=1,
        key="strategy", bind="query-params",
        help="Fixed: hedge after the delay below. Running percentile: hedge at the chosen "
             "percentile of the previous 1,000 requests' latencies. Adaptive: a bandit "
             "(Thompson sampling) learns which percentile (P50 to P99) to hedge at, "
             "trading missed 2 s answers against extra requests.")
    delay = middle.slider(
        "Hedge delay (ms)", 0, 6000, int(DEFAULT_DELAY_MS), 50, key="delay",
        bind="query-params",
        help="Fixed strategy: send the backup after this long. Percentile and adaptive "
             "strategies use it until the first 1,000 requests have been observed. The "
             "fan-out section hedges each sub-request after this delay.")
    percentile = right.number_input(
        "Hedge percentile", 0.0, 100.0, 95.0, 0.5, key="pct", bind="query-params",
        format="%.1f",
        help="Running-percentile strategy (shown above when chosen, and in the strategy "
             "table): hedge when a request is slower than this percentile of recent "
             "latencies (strictly between 0 and 100).")
    budget = left.slider(
        "Hedge budget (% of requests)", 0.0, 100.0, 100.0, 0.5, key="budget",
        bind="query-params",
        help="At most this share of requests may send a backup (a token bucket refilled "
             "every 100 requests). When everything is slow, hedging switches itself off "
             "instead of doubling the load. 100% means no limit.")
    hedges = middle.slider(
        "Max backups per request", 1, MAX_HEDGES, 1, key="hedges", bind="query-params",
        help="Backup j is sent at j x the delay if no answer has arrived yet.")
    slow = right.slider(
        "Slow-tail share", 0.0, 1.0, 0.10, 0.01, key="slow", bind="query-params",
        help="Share of requests drawn from the slow component of the latency mix "
             "(10% for the support chatbot). Raise it to see what happens when the "
             "whole service slows down.")
    slowdown = right.toggle(
        "Slow down halfway", value=False, key="slowdown", bind="query-params",
        help=f"From the middle of the stream on, {SLOWDOWN_EXTRA:.0%} more requests are "
             "slow: watch the running-percentile and adaptive strategies move their delay "
             "(after a window of 1,000 requests) while a fixed delay hedges far more. "
             "Applies to the stream and the strategy table.")
    n = left.number_input(
        "Requests", 1, INPUT_MAX_REQUESTS, 100, 100, key="n", bind="query-params",
        help=f"Simulated requests: up to {LIVE_MAX_REQUESTS:,} can be replayed as a live "
             f"stream; larger runs (up to {PAGE_MAX_REQUESTS:,}) are computed in one batch.")
    k = middle.slider(
        "Fan-out k (sub-requests)", 1, 100, 10, key="k", bind="query-params",
        help="A user request that waits for k parallel sub-requests (fan-out section).")
    with right:
        seed = seed_control()
        speed = playback_speed_control()

    delay_value = float(delay)
    if delay_value <= 0:
        st.error("The hedge delay must be above 0 ms: a backup sent at once is just a "
                 f"duplicate request. Using {DEFAULT_DELAY_MS:,.0f} ms instead.")
        delay_value = DEFAULT_DELAY_MS
    pct_value = float(percentile)
    if not 0.0 < pct_value < 100.0:
        st.error(f"The hedge percentile must lie strictly between 0 and 100 (got "
                 f"{pct_value:g}): P0 would hedge every request and P100 none. Using 95.")
        pct_value = 95.0
    n_value = int(n)
    if n_value > PAGE_MAX_REQUESTS:
        st.warning(f"{n_value:,} requests is more than this page simulates; capped at "
                   f"{PAGE_MAX_REQUESTS:,}.")
        n_value = PAGE_MAX_REQUESTS
    if n_value == 1:
        st.warning("With a single request every percentile is that request's latency and "
                   "no interval can be computed; simulate more requests to see a tail.")
    if float(budget) == 0.0 and strategy != "none":
        st.warning("The hedge budget is 0%: no request may send a backup, so hedging never "
                   "fires and the results equal no hedging.")
    return Settings(strategy=str(strategy), delay=delay_value, percentile=pct_value,
                    budget=float(budget), hedges=int(hedges), slow=float(slow),
                    slowdown=bool(slowdown), k=int(k), n=n_value, seed=seed, speed=speed)


# --- sections -------------------------------------------------------------------------

def metrics_row(summary: Any, hedged: bool) -> None:
    cols = st.columns(4)
    p99, base99 = summary.quantiles["p99"], summary.baseline_quantiles["p99"]
    p999, base999 = summary.quantiles["p999"], summary.baseline_quantiles["p999"]
    low, high = summary.p99_reduction_ci
    interval = (f"95% bootstrap interval of the reduction: {low:.1f}% to {high:.1f}%."
                if np.isfinite(low) else "Too few requests for an interval.")
    with cols[0]:
        metric_card("P99 latency", f"{p99:,.0f} ms",
                    delta=f"{-summary.p99_reduction_pct:+.1f}% vs {base99:,.0f} ms",
                    delta_color="inverse",
                    help="99% of requests answered within this time, against the same "
                         f"requests without hedging. {interval}")
    with cols[1]:
        metric_card("P99.9 latency", f"{p999:,.0f} ms",
                    delta=f"{-summary.p999_reduction_pct:+.1f}% vs {base999:,.0f} ms",
                    delta_color="inverse",
                    help="99.9% of requests answered within this time, against the same "
                         "requests without hedging.")
    with cols[2]:
        metric_card("Extra requests", f"{summary.extra_requests_pct:.1f}%",
                    help="Backup requests sent, as a share of user requests "
                         f"(hedge rate {summary.hedge_rate:.1%}; the backup won "
                         f"{summary.hedge_win_rate:.0%} of hedges).")
    with cols[3]:
        metric_card("Cost overhead", f"{summary.cost_overhead_pct:.1f}%",
                    help="Extra token spend (gpt-4 prices, 600 tokens in, 150 out): each "
                         "backup pays its full prompt and, being cancelled part-way, half "
                         "its answer on average.")
    if hedged:
        st.caption(interval + (f" Median hedge delay {summary.median_delay_ms:,.0f} ms."
                               if np.isfinite(summary.median_delay_ms) else ""))


def draw_progress(part: HedgingProgress, slots: list[Any]) -> None:
    """One cumulative partial of the live stream."""
    with slots[0].container():
        st.caption(f"{part.done:,} of {part.total:,} requests.")
        show_chart(stream_chart(stream_frame(part.result)))
    with slots[1].container():
        show_chart(histogram_chart(part.result, part.summary))
    with slots[2].container():
        metrics_row(part.summary, part.result.strategy != "none")


def stream_section(s: Settings) -> dict[str, Any]:
    st.subheader("The request stream")
    st.markdown(
        "Each dot is one request at the latency the user waited. Grey: answered before "
        "the delay, no hedge. Orange: a backup was sent but the first request still won. "
        "Green: the backup answered first; the green line shows how long the user would "
        "have waited without it. The dashed line is the hedge delay.")
    live_allowed = s.n <= LIVE_MAX_REQUESTS
    live = st.button("Play the stream live", key="play", icon=":material/play_arrow:",
                     disabled=not live_allowed,
                     help="Replay the requests in batches; the charts redraw as each batch "
                          "completes, at the playback speed chosen above."
                     if live_allowed else
                     f"Live replay is for up to {LIVE_MAX_REQUESTS:,} requests.")
    slots: list[Any] = [st.empty(), st.empty(), st.empty()]
    view = main_view(s.strategy, s.n, s.seed, s.delay, s.percentile, s.budget, s.hedges,
                     s.slow, s.slowdown)
    if live:
        batch = max(s.n // 20, 5)
        parts = iter_simulate(s.strategy, s.n, s.seed, batch_size=batch, **s.kwargs())
        run_live(parts, lambda p: draw_progress(p, slots), progress=lambda p: p.done / p.total,
                 speed=s.speed, key="hedging_live", label="Sending requests",
                 batch_seconds=lambda p: batch / REQUESTS_PER_SECOND)
    else:
        with slots[0].container():
            st.caption(f"The last {min(s.n, 200):,} of {s.n:,} requests.")
            st.vega_lite_chart(view["stream"], width="stretch")
        with slots[1].container():
            st.vega_lite_chart(view["histogram"], width="stretch")
        with slots[2].container():
            metrics_row(view["summary"], s.strategy != "none")
    st.caption("Histogram: how many requests took how long (log scale, so each bar covers "
               "the same ratio of times), for the same requests without hedging (orange) and "
               "with it (blue); where they overlap the bars look grey. Vertical lines mark P50, "
               "P95, P99 and P99.9.")
    return view


def before_after_section(s: Settings, view: dict[str, Any]) -> None:
    st.subheader("Before and after")
    left, right = st.columns([2, 3])
    with left:
        st.vega_lite_chart(view["bars"], width="stretch")
        st.caption("The slowest 1% (P99) and 0.1% (P99.9) of the same requests, without "
                   "and with hedging.")
    with right:
        st.markdown("**All strategies on the same requests**")
        table = comparison_view(s.n, s.seed, s.delay, s.percentile, s.budget, s.hedges,
                                s.slow, s.slowdown)
        strategy_table(table, ("p50_ms", "p99_ms", "p999_ms", "p99_reduction_pct",
                               "p99_reduction_ci_low", "p99_reduction_ci_high",
                               "extra_requests_pct", "cost_overhead_pct", "median_delay_ms"))
        st.caption("Every strategy sees the same primary latencies, so the differences are "
                   "the strategies', not luck. The interval is a paired bootstrap.")
        if s.n <= DEFAULT_WINDOW:
            st.info(f"The running-percentile strategy hedges at the warm-up delay "
                    f"({s.delay:,.0f} ms) until {DEFAULT_WINDOW:,} requests have been "
                    f"observed, and the adaptive one for its first {ADAPTIVE_BATCH} "
                    "requests, so with this few requests they mostly match the fixed delay. "
                    "Simulate more requests to see them learn.")
        download_buttons(table, "hedging_strategies", key="dl_cmp", label="comparison")


def tradeoff_section(s: Settings) -> None:
    st.subheader("Where to hedge: tail latency against extra load")
    st.markdown(
        "Each point is one fixed hedge delay between 150 ms and 6 s: late hedges sit on "
        "the left (little extra load), early ones on the right. Hedging earlier costs more "
        "requests; past the "
        "**knee** each extra percent of load buys little. The line is exact, computed from "
        "the latency distribution (P(hedged latency > t) = S(t) x S(t - delay)); the "
        "diamonds are simulated. The red ring is the delay nearest yours.")
    curve, p99_spec, p999_spec = tradeoff_view(s.n, s.seed, s.budget, s.hedges, s.slow,
                                               s.delay)
    left, right = st.columns(2)
    left.vega_lite_chart(p99_spec, width="stretch")
    right.vega_lite_chart(p999_spec, width="stretch")
    st.caption(f"Simulated with {max(s.n, TRADEOFF_MIN_REQUESTS):,} requests per delay "
               "(at least 20,000 so the P99.9 is meaningful)."
               + (" The exact curve ignores the budget; the simulated points respect it."
                  if s.budget < 100 else ""))
    download_buttons(curve, "hedging_tradeoff", key="dl_trade", label="trade-off curve")


def fanout_section(s: Settings) -> None:
    st.subheader("Fan-out: waiting for many sub-requests")
    st.markdown(
        "A user request that waits for k parallel sub-requests is as slow as the slowest "
        "one. If each sub-request is slow 1% of the time, a request of 100 sub-requests is "
        "slow 63% of the time: **one request's P99 becomes the median of many**. Hedging "
        "each sub-request cuts the tail each one contributes, and restores much of it. "
        "Lines are exact (P(max <= t) = F(t)^k); points are simulated at your k.")
    curve, points, spec = fanout_view(s.k, s.seed, s.delay, s.budget, s.hedges, s.slow)
    st.vega_lite_chart(spec, width="stretch")
    one_p99 = points.attrs["one_p99_ms"]
    many_p50 = points.attrs["exact_p50_ms"]
    pick = points.set_index(["quantile", "hedging"])["latency_ms"]
    cols = st.columns(3)
    with cols[0]:
        metric_card(f"Median with k = {s.k}", f"{pick[('p50', 'none')]:,.0f} ms",
                    help=f"Simulated, {FANOUT_USER_REQUESTS:,} user requests. Exact: "
                         f"{many_p50:,.0f} ms; one request's P99 is {one_p99:,.0f} ms.")
    with cols[1]:
        metric_card("Median, sub-requests hedged", f"{pick[('p50', 'hedged')]:,.0f} ms",
                    help=f"Each sub-request hedged after {s.delay:,.0f} ms.")
    with cols[2]:
        metric_card("Extra sub-requests", f"{points.attrs['extra_requests_pct']:.1f}%",
                    help="Backup sub-requests as a share of all sub-requests.")
    download_buttons(curve, "hedging_fanout", key="dl_fan", label="fan-out curve")


def history_section(s: Settings, summary: Any) -> None:
    history: list[dict[str, Any]] = st.session_state.setdefault(HISTORY_KEY, [])
    row = {"strategy": s.strategy, "requests": s.n, "seed": s.seed, "delay_ms": s.delay,
           "percentile": s.percentile, "budget_pct": s.budget, "max_backups": s.hedges,
           "slow_share": s.slow, "slowdown_halfway": s.slowdown,
           "p99_ms": summary.quantiles["p99"],
           "baseline_p99_ms": summary.baseline_quantiles["p99"],
           "p99_reduction_pct": summary.p99_reduction_pct,
           "extra_requests_pct": summary.extra_requests_pct}
    settings = list(row)[:9]
    if not history or {k: history[-1].get(k) for k in settings} != {
            k: row[k] for k in settings}:
        history.append(row)
        del history[:-HISTORY_LIMIT]
    with st.expander(f"Your runs this session ({len(history)}, last {HISTORY_LIMIT} kept)"):
        frame = pd.DataFrame(history)
        st.dataframe(frame, hide_index=True, width="stretch")
        download_buttons(frame, "hedging_history", key="dl_hist", label="run history")


def explanation_section() -> None:
    with st.expander("Why hedging works, and why the delay should sit near a high "
                     "percentile", expanded=False):
        st.markdown(
            "- **Hedging.** Most slow requests are slow for reasons that do not repeat "
            "(a busy replica, a cold cache, a long queue). A second copy of the request "
            "is very likely to be fast, so taking the first answer cuts the tail.\n"
            "- **Where to put the delay.** Hedging after the P95 latency sends a backup for "
            "only about 5% of requests, so the extra load stays small, yet those are "
            "exactly the requests that make up the tail. Hedging at the median would "
            "double half the traffic for little more gain; hedging at P99.9 would come "
            "too late to help P99.\n"
            "- **Budget.** If the whole service slows down, every request would hedge and "
            "the extra load would make things worse; a budget caps the share of requests "
            "that may hedge.\n"
            "- **Tail amplification.** A request that fans out to many sub-requests waits "
            "for the slowest, so rare slowness of one becomes common slowness of the "
            "whole.\n\n"
            "The idea comes from Dean and Barroso, *The Tail at Scale* (Communications of "
            "the ACM, 2013). Their measurement, on Google's BigTable (P99.9 from 1,800 ms "
            "to 74 ms for about 2% more requests with hedges after the P95 delay), is of a "
            "different system with a much sharper tail; the figures on this page are "
            "simulated for the support chatbot's latency profile, not tuned to theirs.")


def mock_view() -> None:
    """Every section of the mock source, in page order."""
    s = controls()
    view = stream_section(s)
    before_after_section(s, view)
    tradeoff_section(s)
    fanout_section(s)
    history_section(s, view["summary"])
    explanation_section()
    st.subheader("Data")
    left, right = st.columns(2)
    left.download_button(
        "Download per-request results (CSV)", functools.partial(table_csv, view["requests"]),
        file_name="hedging_requests.csv", mime="text/csv", key="dl_req_csv",
        icon=":material/download:", on_click="ignore", width="stretch")
    right.download_button(
        "Download per-request results (JSON)",
        functools.partial(table_json, view["requests"]),
        file_name="hedging_requests.json", mime="application/json", key="dl_req_json",
        icon=":material/download:", on_click="ignore", width="stretch")


#: How the strategy comparison's columns are headed and formatted, on both sources.
STRATEGY_COLUMNS: dict[str, tuple[str, str]] = {
    "p50_ms": ("P50 (ms)", "%.0f"), "p99_ms": ("P99 (ms)", "%.0f"),
    "p999_ms": ("P99.9 (ms)", "%.0f"), "p99_reduction_pct": ("P99 cut (%)", "%.1f"),
    "p99_reduction_ci_low": ("95% CI low", "%.1f"),
    "p99_reduction_ci_high": ("95% CI high", "%.1f"),
    "extra_requests_pct": ("extra requests (%)", "%.1f"),
    "cost_overhead_pct": ("cost overhead (%)", "%.1f"),
    "median_delay_ms": ("median delay (ms)", "%.0f"),
}


def strategy_table(table: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """The comparison of every strategy: one row each, named, with ``columns`` headed and
    formatted as :data:`STRATEGY_COLUMNS` says."""
    shown = table[["strategy", *columns]].copy()
    shown["strategy"] = shown["strategy"].map(STRATEGY_NAMES)
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(STRATEGY_COLUMNS[c][0], format=STRATEGY_COLUMNS[c][1])
        for c in columns})
