"""crucible-compare: exit codes 0 (no worse), 1 (B significantly worse), 2 (bad input)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crucible_cli.compare import main
from tests.shared_fixtures import shared_fixture

ROOT = Path(__file__).resolve().parents[2]
SET = "log-sets_set"
GPT = "2025-09-15T15-02-26-04-00_popularity_L8g2GLGDDfsiXvdJ8LyZNJ.eval"
GEMINI = "2025-09-15T15-02-26-04-00_popularity_eF3BogZE3jzpiWBjjDWbik.eval"


def _log(name: str) -> str:
    return str(shared_fixture("evals", "inspect_ai", SET, name))


def test_exit_0_when_b_is_better_and_json_report(capsys):
    assert main([_log(GPT), _log(GEMINI), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["result"]["n"] == 100
    assert payload["result"]["difference"] == pytest.approx(0.14)
    assert payload["sources"][1]["model"] == "google/gemini-2.5-pro"


def test_exit_1_when_b_is_significantly_worse(capsys):
    assert main([_log(GEMINI), _log(GPT)]) == 1
    out = capsys.readouterr().out
    assert "significantly worse" in out and "| Difference (B - A) | -0.14" in out


def test_exit_0_when_worse_but_not_significant_at_stricter_alpha(capsys):
    # 14 points worse with paired SE 0.0377: z = -3.72, p = 0.0002, not below alpha 0.0001
    assert main([_log(GEMINI), _log(GPT), "--alpha", "0.0001"]) == 0


def test_exit_2_on_bad_input(tmp_path, capsys):
    bad = tmp_path / "broken.json"
    bad.write_text('{"samples": [', encoding="utf-8")
    assert main([str(bad), _log(GPT)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crucible-compare: error:") and err.count("\n") == 1
    assert main([str(tmp_path / "missing.eval"), _log(GPT)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main([_log(GPT)]) == 2  # argparse: B missing
    assert main([_log(GPT), _log(GEMINI), "--format", "pdf"]) == 2
    assert main([_log(GPT), _log(GEMINI), "--alpha", "2"]) == 2
    assert main([_log(GPT), _log(GEMINI), "--cluster", "nope"]) == 2
    assert "no metadata column" in capsys.readouterr().err


def test_module_runs_as_a_script():
    done = subprocess.run([sys.executable, "-m", "crucible_cli.compare", _log(GEMINI),
                           _log(GPT), "--format", "md"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert "# Paired comparison of two eval runs" in done.stdout
