"""``crucible-serve``: the app as N Streamlit replicas behind nginx, for a team.

Each replica is one ``streamlit run Home.py`` on its own loopback port; nginx listens on
``--port`` and sends each browser to one replica for the whole session (a cookie of its
own, hashed; see ``deploy/nginx.conf.template``). The launcher checks every replica's
``/_stcore/health`` each second: a replica that fails it, or exits, is taken out of
nginx's upstream (a reload), restarted if it exited, and put back once it answers again.
Ctrl-C or SIGTERM stops nginx and every replica.

The runtime directory (``--runtime-dir``, a fresh temporary one by default) holds the
rendered ``nginx.conf``, nginx's logs (the access log names the replica that served each
request), one log per replica and ``replicas.json`` (port and process id of each).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
#: Seconds a replica has to answer /_stcore/health after it starts.
START_TIMEOUT = 90.0
#: Failed health checks in a row before a running replica leaves the upstream, and the
#: seconds each check waits: a replica whose cores are busy answers late, and moving its
#: browsers would cost them their sessions, so only about 20 s of silence counts (a replica
#: that exits is replaced at once).
STRIKES = 5
CHECK_TIMEOUT = 3.0
#: Streamlit's own default upload limit (MB), when the app's config sets none.
DEFAULT_UPLOAD_MB = 200


class ServeError(Exception):
    """A configuration the launcher cannot serve; the message says what to change."""


@dataclass
class Replica:
    """One app process: its index, loopback port, process and log."""

    index: int
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log: TextIO | None = None
    in_upstream: bool = False
    restarts: int = 0
    strikes: int = 0
    started: float = field(default=0.0)


def max_upload_mb(root: Path = ROOT) -> int:
    """The app's upload limit in MB: ``server.maxUploadSize`` of .streamlit/config.toml,
    else Streamlit's default (200)."""
    path = root / ".streamlit" / "config.toml"
    if not path.is_file():
        return DEFAULT_UPLOAD_MB
    with path.open("rb") as handle:
        config = tomllib.load(handle)
    value = config.get("server", {}).get("maxUploadSize", DEFAULT_UPLOAD_MB)
    return int(value)


def render_config(template: str, *, listen: str, servers: list[str], down: set[str],
                  runtime: Path | str, max_body_mb: int) -> str:
    """nginx.conf from ``template``: one upstream server per replica address
    (``host:port``; ``down`` for those out of service, unless that would be all of them),
    the listen address, the runtime directory and the body limit."""
    if not servers:
        raise ServeError("at least one replica is needed")
    lines = "\n".join(
        f"        server {server} max_fails=0"
        f"{' down' if server in down and len(down) < len(servers) else ''};"
        for server in servers)
    text = (template.replace("@UPSTREAMS@", lines).replace("@LISTEN@", listen)
            .replace("@RUNTIME@", str(runtime)).replace("@MAX_BODY@", f"{max_body_mb}m"))
    if "@" in "".join(line.split("#")[0] for line in text.splitlines()):
        raise ServeError("the nginx template has a field the launcher does not fill")
    return text


def compose_config() -> str:
    """The nginx.conf of deploy/compose.yaml: the same template, two app containers."""
    return render_config(TEMPLATE.read_text(), listen="8080",
                         servers=["app1:8501", "app2:8501"], down=set(), runtime="/tmp",
                         max_body_mb=max_upload_mb())


def port_free(host: str, port: int) -> bool:
    """Whether ``port`` on ``host`` can be bound now."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(port: int, timeout: float = 1.0) -> bool:
    """Whether the replica on ``port`` answers ``/_stcore/health`` with 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                    timeout=timeout) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def find_nginx(given: str | None) -> str:
    """The nginx executable: ``given``, else nginx on PATH or in /usr/sbin."""
    candidates = [given] if given else [shutil.which("nginx"), "/usr/sbin/nginx"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    if given:
        raise ServeError(f"nginx not found at {given}")
    raise ServeError("nginx not found: install it (Debian or Ubuntu: sudo apt-get install "
                     "nginx; macOS: brew install nginx) or pass --nginx PATH")


class Launcher:
    """Starts, supervises and stops the replicas and nginx."""

    def __init__(self, replicas: int, host: str, port: int, nginx: str, runtime: Path,
                 out: TextIO = sys.stdout) -> None:
        self.host, self.port, self.nginx, self.runtime, self.out = (
            host, port, nginx, runtime, out)
        self.replicas = [Replica(i, free_port(), runtime / f"replica-{i}.log")
                         for i in range(replicas)]
        self.template = TEMPLATE.read_text()
        self.conf = runtime / "nginx.conf"
        self.proxy: subprocess.Popen[bytes] | None = None
        self.stopping = False

    # ------------------------------------------------------------------ pieces
    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _start_replica(self, replica: Replica) -> None:
        replica.log = replica.log_path.open("a")
        env = {**os.environ, "CRUCIBLE_REPLICA": str(replica.index)}
        replica.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "Home.py",
             "--server.port", str(replica.port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=replica.log, stderr=subprocess.STDOUT)
        replica.started = time.monotonic()

    def _write_state(self) -> None:
        state = {"url": self.url, "replicas": [
            {"index": r.index, "port": r.port, "pid": r.process.pid if r.process else None,
             "in_upstream": r.in_upstream, "restarts": r.restarts} for r in self.replicas]}
        target = self.runtime / "replicas.json"
        target.with_suffix(".tmp").write_text(json.dumps(state, indent=2))
        target.with_suffix(".tmp").replace(target)

    def _render(self) -> None:
        down = {f"127.0.0.1:{r.port}" for r in self.replicas if not r.in_upstream}
        self.conf.write_text(render_config(
            self.template, listen=f"{self.host}:{self.port}",
            servers=[f"127.0.0.1:{r.port}" for r in self.replicas], down=down,
            runtime=self.runtime, max_body_mb=max_upload_mb()))

    def _nginx(self, *args: str) -> list[str]:
        return [self.nginx, "-p", str(self.runtime), "-c", str(self.conf),
                "-e", str(self.runtime / "error.log"), *args]

    def _reload(self) -> None:
        self._render()
        self._write_state()
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.send_signal(signal.SIGHUP)

    @property
    def url(self) -> str:
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    # ------------------------------------------------------------------ life
    def start(self) -> None:
        """Start every replica, wait until each answers, then start nginx."""
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.runtime / name).mkdir(parents=True, exist_ok=True)
        for replica in self.replicas:
            self._start_replica(replica)
        deadline = time.monotonic() + START_TIMEOUT
        for replica in self.replicas:
            while not healthy(replica.port):
                assert replica.process is not None
                if replica.process.poll() is not None or time.monotonic() > deadline:
                    raise ServeError(f"replica {replica.index} did not start; see "
                                     f"{replica.log_path}")
                time.sleep(0.25)
            replica.in_upstream = True
        self._render()
        check = subprocess.run(self._nginx("-t", "-q"), capture_output=True, text=True)
        if check.returncode != 0:
            raise ServeError(f"nginx refused the configuration {self.conf}: "
                             f"{(check.stderr or check.stdout).strip()}")
        self.proxy = subprocess.Popen(self._nginx(), stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        if self.proxy.poll() is not None:
            raise ServeError(f"nginx stopped at once; see {self.runtime / 'error.log'}")
        self._write_state()
        self._say(f"Crucible Examples on {self.url} ({len(self.replicas)} "
                  f"replica{'s' if len(self.replicas) > 1 else ''}; logs in {self.runtime})")

    def check(self) -> None:
        """One round of supervision: restart replicas that exited, take those that fail
        their health check out of the upstream and put recovered ones back."""
        changed = False
        for replica in self.replicas:
            assert replica.process is not None
            if replica.process.poll() is not None:
                if replica.in_upstream:
                    replica.in_upstream, changed = False, True
                replica.restarts += 1
                self._say(f"replica {replica.index} exited "
                          f"(code {replica.process.returncode}); restarting it")
                if replica.log is not None:
                    replica.log.close()
                self._start_replica(replica)
                continue
            answered = healthy(replica.port, timeout=CHECK_TIMEOUT)
            replica.strikes = 0 if answered else replica.strikes + 1
            ok = answered or (replica.in_upstream and replica.strikes < STRIKES)
            if ok != replica.in_upstream:
                replica.in_upstream, changed = ok, True
                self._say(f"replica {replica.index} is {'back' if ok else 'not answering'}")
        if changed:
            self._reload()
        if self.proxy is not None and self.proxy.poll() is not None:
            raise ServeError(f"nginx exited; see {self.runtime / 'error.log'}")

    def stop(self) -> None:
        """Stop nginx and every replica (SIGTERM, then SIGKILL after 10 s)."""
        self.stopping = True
        processes = [p for p in [self.proxy, *(r.process for r in self.replicas)] if p]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
        for replica in self.replicas:
            if replica.log is not None:
                replica.log.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crucible-serve",
        description="Serve Crucible Examples as N Streamlit replicas behind nginx, each "
                    "browser session kept on one replica.")
    parser.add_argument("--replicas", type=int, default=2,
                        help="app processes to start (default 2; about one per core)")
    parser.add_argument("--port", type=int, default=8080, help="port nginx listens on")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address nginx listens on (0.0.0.0 for every interface)")
    parser.add_argument("--nginx", default=None, help="path of the nginx executable")
    parser.add_argument("--runtime-dir", type=Path, default=None,
                        help="where the config, logs and replicas.json go (default: a "
                             "new temporary directory)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the launcher until Ctrl-C or SIGTERM; 2 on a configuration it cannot serve."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error(f"--replicas must be at least 1, got {args.replicas}")
    if not 1 <= args.port <= 65535:
        parser.error(f"--port must be between 1 and 65535, got {args.port}")
    try:
        nginx = find_nginx(args.nginx)
        if not port_free(args.host, args.port):
            raise ServeError(f"port {args.port} on {args.host} is in use; stop what holds "
                             f"it or choose another with --port")
        runtime = args.runtime_dir or Path(tempfile.mkdtemp(prefix="crucible-serve-"))
        runtime = runtime.resolve()
        runtime.mkdir(parents=True, exist_ok=True)
        launcher = Launcher(args.replicas, args.host, args.port, nginx, runtime)
    except ServeError as exc:
        print(f"crucible-serve: {exc}", file=sys.stderr)
        return 2

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        launcher.start()
        while True:
            time.sleep(1.0)
            launcher.check()
    except KeyboardInterrupt:
        return 0
    except ServeError as exc:
        print(f"crucible-serve: {exc}", file=sys.stderr)
        return 2
    finally:
        launcher.stop()


if __name__ == "__main__":
    raise SystemExit(main())
