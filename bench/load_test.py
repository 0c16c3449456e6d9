"""Load test: concurrent browser sessions against one local ``streamlit run`` server.

Each session opens every dashboard (live playback set to Instant through the URL) and
runs its heaviest interaction: the page's primary "Run" button when it has one,
otherwise a full reload. Reports per-interaction P50/P95 time, errors, the server's CPU
time per page visit, and its resident memory before, at peak and after the sessions
close.

Streamlit keeps a disconnected session's state for ``server.disconnectedSessionTTL``
seconds so a dropped browser can reconnect, and reaps expired sessions only when its
session store is next written. The server here runs with a short TTL; after the sessions
close the test waits past it and opens one probe session, so "after" measures memory once
the sessions are really gone rather than while the server is deliberately holding them.
Loopback only; bounded in sessions and time.
Usage: ``python -m bench.load_test [--sessions 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.core import Row, format_table
from crucible_ui.registry import PROJECT_ROOT, existing_pages
from tests.e2e.conftest import APP_IDLE, CHROMIUM, CHROMIUM_ARGS, _free_port

TIME_LIMIT_S = 900
#: Seconds the server keeps a disconnected session (Streamlit's default is 120).
SESSION_TTL_S = 10
RSS_SETTLE_S = 5


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes ``pids`` so far (``/proc/<pid>/stat``)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _rss_mb(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


async def _settle(tab: object) -> None:
    await tab.wait_for_timeout(400)  # type: ignore[attr-defined]
    await tab.wait_for_selector(APP_IDLE, timeout=120_000)  # type: ignore[attr-defined]


async def _session(browser: object, url: str, timings: dict[str, list[float]],
                   errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = await context.new_page()
    # twenty tabs loading the frontend at once on two cores take longer than the 30 s default
    tab.set_default_navigation_timeout(120_000)
    tab.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    try:
        for spec in existing_pages():
            await tab.goto(f"{url}/{spec.url_path}?speed=Instant")
            await _settle(tab)
            run = tab.get_by_role("button", name="Run", exact=False)
            start = time.perf_counter()
            if await run.count() > 0:
                await run.first.click()
            else:
                await tab.reload()
            await _settle(tab)
            timings.setdefault(spec.url_path, []).append(time.perf_counter() - start)
            if await tab.locator('[data-testid="stException"]').count():
                errors.append(f"exception on {spec.url_path}")
    except Exception as exc:  # a failed session is a reported error, not a crash
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await context.close()


async def _probe(playwright: object, url: str) -> None:
    """Open and close one short session (its disconnect writes the session store)."""
    browser = await playwright.chromium.launch(  # type: ignore[attr-defined]
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    tab = await browser.new_page()
    await tab.goto(url)
    await _settle(tab)
    await browser.close()


async def _run(sessions: int, url: str, pid: list[int]) -> tuple[list[Row], list[str]]:
    from playwright.async_api import async_playwright

    timings: dict[str, list[float]] = {}
    errors: list[str] = []
    async with async_playwright() as playwright:
        # One short session first: the imports and caches of a first visit are not timed.
        await _probe(playwright, url)
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        rss_start = _rss_mb(pid)
        peak = rss_start

        async def watch() -> None:
            nonlocal peak
            while True:
                peak = max(peak, _rss_mb(pid))
                await asyncio.sleep(0.5)

        watcher = asyncio.create_task(watch())
        cpu_start = _cpu_seconds(pid)
        wall_start = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(_session(browser, url, timings, errors) for _ in range(sessions))),
            timeout=TIME_LIMIT_S)
        cpu_used = _cpu_seconds(pid) - cpu_start
        wall = time.perf_counter() - wall_start
        watcher.cancel()
        await browser.close()
        rss_closed = _rss_mb(pid)
        await asyncio.sleep(SESSION_TTL_S + RSS_SETTLE_S)
        # A new session's store write reaps the expired ones.
        await _probe(playwright, url)
        await asyncio.sleep(RSS_SETTLE_S)
    rss_end = _rss_mb(pid)
    visits = 2 * sum(len(values) for values in timings.values())
    rows = []
    for page, values in timings.items():
        rows.append(Row(page, f"interaction P50 ({len(values)} sessions)",
                        statistics.median(values), "s"))
        rows.append(Row(page, "interaction P95", float(np.percentile(values, 95)), "s", 2.0))
    rows.append(Row("server", "RSS before sessions", rss_start, "MB"))
    rows.append(Row("server", "RSS peak", peak, "MB"))
    rows.append(Row("server", "RSS just after sessions closed (kept for reconnect)",
                    rss_closed, "MB"))
    rows.append(Row("server", f"RSS after sessions expired (TTL {SESSION_TTL_S} s), vs before",
                    rss_end / rss_start, "x", 1.10))
    if visits:
        rows.append(Row("server", f"CPU time per page load or interaction ({visits})",
                        cpu_used / visits, "s"))
        rows.append(Row("server", "CPU time of the whole run / wall time",
                        cpu_used / wall, "cores"))
        rows.append(Row("server", "page loads and interactions per second", visits / wall,
                        "/s"))
    rows.append(Row("server", "errors", float(len(errors)), "", 0.0))
    return rows, errors


def _serve(replicas: int, runtime: Path) -> tuple[subprocess.Popen[bytes], str, list[int]]:
    """``crucible-serve`` with ``replicas`` behind nginx: the process, URL, replica pids."""
    import json
    import urllib.request

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "crucible_cli.serve", "--replicas", str(replicas), "--port",
         str(port), "--runtime-dir", str(runtime)],
        cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            if (runtime / "replicas.json").exists():
                break
        except OSError:
            time.sleep(0.5)
    state = json.loads((runtime / "replicas.json").read_text())
    return server, url, [int(r["pid"]) for r in state["replicas"]]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--replicas", type=int, default=0,
                        help="serve through crucible-serve with this many replicas behind "
                             "nginx (0: one plain streamlit process)")
    args = parser.parse_args(argv)
    if args.replicas > 0:
        import tempfile

        runtime = Path(tempfile.mkdtemp(prefix="crucible-load-"))
        server, url, pids = _serve(args.replicas, runtime)
        where = f"{args.replicas} replica(s) behind nginx"
    else:
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "Home.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none",
             "--server.disconnectedSessionTTL", str(SESSION_TTL_S)],
            cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url, pids, where = f"http://127.0.0.1:{port}", [server.pid], "one server"
    try:
        import urllib.request

        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        # Warm every page once so the first session does not pay the imports alone.
        rows, errors = asyncio.run(_run(1, url, pids))
        gc.collect()
        rows, errors = asyncio.run(_run(args.sessions, url, pids))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{args.sessions} concurrent browser sessions against {where}\n")
    print(format_table(rows))
    for error in errors[:20]:
        print("error:", error)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
