"""Browser tests: the real app under ``streamlit run`` driven in headless Chromium.

Playwright drives the system Chromium (Debian's ``chromium`` at /usr/bin/chromium);
browsers are never downloaded. With ``CI=true`` a missing browser fails the run instead
of skipping it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crucible_ui.registry import PROJECT_ROOT

CHROMIUM = os.environ.get("CRUCIBLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
#: Browser console messages that say nothing about the app (Chromium's own noise).
BENIGN_CONSOLE = ("favicon", "net::ERR_", "Download the React DevTools")
#: On a deep link the frontend probes the page path as a base path first; those 404s are
#: how it finds the server root.
BENIGN_404_SUFFIXES = ("/_stcore/health", "/_stcore/host-config")


def is_benign(message: object) -> bool:
    """True for console errors that are browser or base-path-probing noise."""
    text = message.text  # type: ignore[attr-defined]
    url = (message.location or {}).get("url", "")  # type: ignore[attr-defined]
    return any(b in text for b in BENIGN_CONSOLE) or (
        "404" in text and url.endswith(BENIGN_404_SUFFIXES))
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def streamlit_server(name: str = "streamlit-server") -> Iterator[str]:
    """``streamlit run Home.py`` on a free loopback port, its URL once it answers
    ``/_stcore/health``; stopped on exit. The log goes to test-artifacts/<name>.log."""
    port = _free_port()
    log_path = ARTIFACTS / f"{name}.log"
    ARTIFACTS.mkdir(exist_ok=True)
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "Home.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log_path}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """The app, started once for the session."""
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium shared by the session."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, app_url: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser page; fails the test on any console error or page error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    problems: list[str] = []
    tab.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
           if msg.type == "error" and not is_benign(msg) else None)
    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    tab.app_url = app_url
    yield tab
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        save_screenshot(tab, f"failed-{request.node.name}")
    context.close()
    assert not problems, problems


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


def wait_for_app(tab: object, *, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the script (the way Streamlit's own
    browser tests do), after letting a just-triggered rerun start."""
    tab.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)  # type: ignore[attr-defined]
    tab.wait_for_timeout(400)  # type: ignore[attr-defined]
    tab.wait_for_selector(APP_IDLE, timeout=timeout_ms)  # type: ignore[attr-defined]


def open_path(tab: object, path: str = "", query: str = "") -> None:
    """Navigate to ``/<path>?<query>`` of the app under test and wait for it to settle."""
    url = f"{tab.app_url}/{path}" + (f"?{query}" if query else "")  # type: ignore[attr-defined]
    tab.goto(url)  # type: ignore[attr-defined]
    wait_for_app(tab)


def assert_no_exception(tab: object) -> None:
    """No Streamlit exception element and no page-guard error on screen."""
    assert tab.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
    assert tab.get_by_text("Something went wrong while drawing").count() == 0  # type: ignore[attr-defined]


def save_screenshot(tab: object, name: str, *, directory: Path | None = None,
                    height: int | None = None) -> Path:
    """Save a screenshot of the page; a tall viewport captures Streamlit's own scrolling
    main area (``full_page`` would not)."""
    folder = directory or ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    if height:
        width = tab.viewport_size["width"]  # type: ignore[attr-defined]
        tab.set_viewport_size({"width": width, "height": height})  # type: ignore[attr-defined]
        wait_for_app(tab)
    path = folder / f"{name}.png"
    tab.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path
