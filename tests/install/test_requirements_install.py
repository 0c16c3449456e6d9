"""What Streamlit Community Cloud does: a copy of the repository alone (no ../shared
beside it), ``pip install -r requirements.txt`` from wheels into a fresh venv, then
``streamlit run Home.py``, which must answer ``/_stcore/health`` and serve a dashboard."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from crucible_ui.registry import PROJECT_ROOT
from tests.e2e.conftest import _free_port


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, check=True,
                             capture_output=True, text=True).stdout
    return [name for name in listing.split("\0") if name]


def test_requirements_install_from_wheels_and_the_app_answers(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for name in _tracked_files():
        source = PROJECT_ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--only-binary=:all:", "-r", "requirements.txt"],
        cwd=repo, capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    port = _free_port()
    server = subprocess.Popen(
        [str(python), "-m", "streamlit", "run", "Home.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    assert reply.status == 200
                    assert reply.read() == b"ok"
                    break
            except OSError:
                assert server.poll() is None, "streamlit exited"
                assert time.monotonic() < deadline, "no answer on /_stcore/health"
                time.sleep(0.5)
        with urllib.request.urlopen(f"{url}/stats", timeout=10) as reply:
            assert reply.status == 200
            assert b"<div id=\"root\">" in reply.read()
    finally:
        server.terminate()
        server.wait(timeout=20)
