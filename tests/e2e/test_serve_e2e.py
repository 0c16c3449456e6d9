"""``crucible-serve``: two replicas behind nginx under twenty concurrent browser sessions,
each kept on one replica for its whole life, and a replica killed while sessions run.

Which replica served a request is read from nginx's access log (the upstream address and
the session's affinity key on every line)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crucible_ui.registry import PROJECT_ROOT
from tests.e2e.conftest import APP_IDLE, _free_port

SESSIONS = 20
RERUNS = 5
HISTORY = re.compile(r"Analysis history \((\d+) of")


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if found is None:
        message = "nginx not found (apt-get install nginx)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


class Served:
    """The launcher's URL, runtime directory and the replicas it reports."""

    def __init__(self, url: str, runtime: Path, process: subprocess.Popen[str]) -> None:
        self.url, self.runtime, self.process = url, runtime, process
        self.said: list[str] = []  # what the launcher printed, read as it runs
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.said.append(line.rstrip())

    def state(self) -> dict[str, object]:
        return json.loads((self.runtime / "replicas.json").read_text())  # type: ignore[no-any-return]

    def ports(self) -> list[int]:
        return [int(r["port"]) for r in self.state()["replicas"]]  # type: ignore[index, attr-defined]

    def upstreams_of(self, key: str) -> set[int]:
        """Replica ports that served requests of the session with affinity ``key``."""
        ports = set()
        for line in (self.runtime / "access.log").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and parts[2] == key and ":" in parts[1]:
                ports.add(int(parts[1].rsplit(":", 1)[1].rstrip(",")))
        return ports


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    nginx = _nginx()
    runtime = tmp_path_factory.mktemp("serve")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "crucible_cli.serve", "--replicas", "2", "--port", str(port),
         "--nginx", nginx, "--runtime-dir", str(runtime)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200 and (runtime / "replicas.json").exists():
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"crucible-serve did not start: {output}")
            time.sleep(0.5)
        yield Served(url, runtime, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    # SIGTERM stopped every replica too
    for replica in json.loads((runtime / "replicas.json").read_text())["replicas"]:
        assert not Path(f"/proc/{replica['pid']}").exists() or \
            "zombie" in Path(f"/proc/{replica['pid']}/status").read_text().lower()


def _settle(tab: object) -> None:
    tab.wait_for_timeout(300)  # type: ignore[attr-defined]
    tab.wait_for_selector(APP_IDLE, timeout=240_000)  # type: ignore[attr-defined]


def _key(context: object) -> str:
    cookies = context.cookies()  # type: ignore[attr-defined]
    return next(c["value"] for c in cookies if c["name"] == "crucible_replica")


def _history(tab: object) -> int:
    match = HISTORY.search(tab.inner_text("body"))  # type: ignore[attr-defined]
    assert match, "no analysis history on the page"
    return int(match.group(1))


def _open(browser: object, url: str, seed: int) -> tuple[object, object, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(240_000)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(f"{url}/stats?seed={seed}")
    return context, tab, errors


def _run(tab: object) -> None:
    tab.get_by_role("button", name="Run experiment").click()  # type: ignore[attr-defined]


def test_twenty_sessions_on_two_replicas_each_stay_on_one(browser: object,
                                                          served: Served) -> None:
    opened = [_open(browser, served.url, 1000 + i) for i in range(SESSIONS)]
    for _context, tab, _errors in opened:
        _settle(tab)
    for _context, tab, _errors in opened:  # every session presses Run at once
        _run(tab)
    for _context, tab, _errors in opened:
        _settle(tab)
    first = [_history(tab) for _context, tab, _errors in opened]
    for rerun in range(RERUNS):  # a new seed and Run: the history grows by one each time
        for i, (_context, tab, _errors) in enumerate(opened):
            seed = tab.get_by_role("spinbutton", name="Seed")  # type: ignore[attr-defined]
            seed.fill(str(2000 + 100 * rerun + i))
            seed.press("Enter")
        for _context, tab, _errors in opened:
            _settle(tab)
            _run(tab)
        for _context, tab, _errors in opened:
            _settle(tab)
    served_by: dict[int, int] = {}
    for i, (context, tab, errors) in enumerate(opened):
        assert not errors, errors
        assert tab.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
        # the session's state survived every rerun: it never moved to another replica
        assert _history(tab) == first[i] + RERUNS
        upstreams = served.upstreams_of(_key(context))
        assert len(upstreams) == 1, (upstreams, served.said)
        port = upstreams.pop()
        served_by[port] = served_by.get(port, 0) + 1
        context.close()  # type: ignore[attr-defined]
    assert set(served_by) == set(served.ports()), served_by


def test_a_killed_replica_is_routed_around_and_comes_back(browser: object,
                                                          served: Served) -> None:
    sessions = [_open(browser, served.url, 3000 + i) for i in range(6)]
    for _context, tab, _errors in sessions:
        _settle(tab)
    where = [served.upstreams_of(_key(context)).pop() for context, _tab, _e in sessions]
    assert len(set(where)) == 2, (where, served.said)  # six random keys: both hold some
    victim = served.state()["replicas"][0]  # type: ignore[index]
    os.kill(int(victim["pid"]), signal.SIGKILL)
    killed_at = time.monotonic()
    # sessions on the other replica keep working
    for (_context, tab, errors), port in zip(sessions, where, strict=True):
        if port != victim["port"]:
            before = _history(tab) if HISTORY.search(tab.inner_text("body")) else 0
            _run(tab)
            _settle(tab)
            assert _history(tab) >= before
            assert not errors, errors
    # a new session goes to the survivor while the victim is down
    context, tab, errors = _open(browser, served.url, 4000)
    _settle(tab)
    assert "Statistical Comparison Lab" in tab.inner_text("body")  # type: ignore[attr-defined]
    if time.monotonic() - killed_at < 1.0:
        assert served.upstreams_of(_key(context)) - {victim["port"]}
    context.close()  # type: ignore[attr-defined]
    # the launcher restarts it within 10 s and puts it back in the upstream
    while True:
        replica = served.state()["replicas"][0]  # type: ignore[index]
        if replica["in_upstream"] and replica["restarts"] >= 1:
            break
        assert time.monotonic() - killed_at < 10.0, "the killed replica did not come back"
        time.sleep(0.2)
    # and new sessions reach it again
    for attempt in range(12):
        context, tab, errors = _open(browser, served.url, 5000 + attempt)
        _settle(tab)
        ports = served.upstreams_of(_key(context))
        context.close()  # type: ignore[attr-defined]
        assert not errors, errors
        if victim["port"] in ports:
            break
    else:
        pytest.fail("no new session reached the restarted replica")
    for context, _tab, _errors in sessions:
        context.close()  # type: ignore[attr-defined]
