"""crucible-serve's configuration: the rendered nginx config passes ``nginx -t``, and a
configuration it cannot serve gets a clear message and exit code 2."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from crucible_cli import serve


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("nginx not found (apt-get install nginx)")
        pytest.skip("nginx not found (apt-get install nginx)")
    return found


def _render(tmp_path: Path, ports: list[int], down: set[int] | None = None) -> str:
    return serve.render_config(serve.TEMPLATE.read_text(), listen="127.0.0.1:18080",
                               servers=[f"127.0.0.1:{p}" for p in ports],
                               down={f"127.0.0.1:{p}" for p in down or set()},
                               runtime=tmp_path, max_body_mb=serve.max_upload_mb())


def test_rendered_config_has_one_server_per_replica_and_the_app_upload_limit(
        tmp_path: Path) -> None:
    text = _render(tmp_path, [9001, 9002, 9003], down={9002})
    assert "server 127.0.0.1:9001 max_fails=0;" in text
    assert "server 127.0.0.1:9002 max_fails=0 down;" in text
    assert "server 127.0.0.1:9003 max_fails=0;" in text
    assert "hash $affinity consistent;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_read_timeout 86400s;" in text
    # the body limit is the app's own: server.maxUploadSize of .streamlit/config.toml
    assert f"client_max_body_size {serve.max_upload_mb()}m;" in text
    assert serve.max_upload_mb() == 20
    assert "@" not in "".join(line.split("#")[0] for line in text.splitlines())
    # with every replica down none is marked down: nginx would refuse to route at all
    assert " down;" not in _render(tmp_path, [9001], down={9001})


def test_rendered_config_passes_nginx_own_check(tmp_path: Path) -> None:
    nginx = _nginx()
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / name).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(_render(tmp_path, [9001, 9002]))
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e",
                            str(tmp_path / "error.log")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "syntax is ok" in check.stderr


def test_zero_replicas_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        serve.main(["--replicas", "0"])
    assert exit_info.value.code == 2
    assert "--replicas must be at least 1, got 0" in capsys.readouterr().err


def test_missing_nginx_says_how_to_get_it(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert serve.main(["--nginx", "/nonexistent/nginx"]) == 2
    assert "nginx not found at /nonexistent/nginx" in capsys.readouterr().err
    monkeypatch.setattr(serve.shutil, "which", lambda _name: None)
    monkeypatch.setattr(serve, "find_nginx", serve.find_nginx)
    real_is_file = Path.is_file
    monkeypatch.setattr(Path, "is_file",
                        lambda self: False if str(self).endswith("nginx") else real_is_file(self))
    assert serve.main([]) == 2
    assert "apt-get install nginx" in capsys.readouterr().err


def test_port_in_use_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    nginx = _nginx()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert serve.main(["--port", str(port), "--nginx", nginx]) == 2
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err


def test_bad_port_number_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        serve.main(["--port", "70000"])
    assert "--port must be between 1 and 65535" in capsys.readouterr().err


def test_compose_files_match_the_template() -> None:
    """deploy/nginx.compose.conf is the template rendered for deploy/compose.yaml's two
    app services (regenerate: python -c "from crucible_cli.serve import compose_config;
    print(compose_config(), end='')" > deploy/nginx.compose.conf)."""
    assert (serve.ROOT / "deploy" / "nginx.compose.conf").read_text() == serve.compose_config()
    compose = (serve.ROOT / "deploy" / "compose.yaml").read_text()
    for needle in ("app1:", "app2:", "proxy:", "/_stcore/health", "nginx.compose.conf",
                   '"8080:8080"', "service_healthy"):
        assert needle in compose
    try:
        import yaml
    except ImportError:
        return
    spec = yaml.safe_load(compose)
    assert set(spec["services"]) == {"app1", "app2", "proxy"}
    assert spec["services"]["app1"]["healthcheck"]["test"][0] == "CMD"
