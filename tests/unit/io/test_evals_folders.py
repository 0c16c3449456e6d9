"""Whole output folders: an lm-eval output folder of three models (as a folder on disk, a
folder upload and a zip of it), and two HELM runs at once (folder upload and zip): each
run's files are read together and each run says which model it is."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from crucible_io.evals import read_eval_logs
from crucible_io.evals.folders import model_from_folder
from crucible_io.limits import UnsafeArchiveError
from tests.unit.io.conftest import helm_files, zip_bytes

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "evals"
SAMPLES = FIX / "samples_tinymc_2026-03-01T10-00-00.000001.jsonl"
RESULTS = FIX / "results_2026-03-01T10-00-00.000001.json"


class Upload(io.BytesIO):
    """A file of a folder upload: Streamlit names it by its path inside the folder."""

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name = name


def _lm_eval_output() -> dict[str, bytes]:
    """lm-eval's layout: <output>/<model, '/' written '__'>/results_<date>.json beside
    samples_<task>_<date>.jsonl. Two models have their results file (model_name inside),
    the third only its samples."""
    samples = SAMPLES.read_bytes()
    results = json.loads(RESULTS.read_text())
    files: dict[str, bytes] = {}
    for folder, model in (("org__alpha-1b", "org/alpha-1b"), ("org__beta-7b", "org/beta-7b")):
        files[f"out/{folder}/{SAMPLES.name}"] = samples
        files[f"out/{folder}/{RESULTS.name}"] = json.dumps({**results, "model_name": model}
                                                           ).encode()
    files[f"out/org__gamma-3b/{SAMPLES.name}"] = samples
    return files


def _models(logs) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(log.model for log in logs)


WANT = ["org/alpha-1b", "org/beta-7b", "org/gamma-3b"]


def test_lm_eval_folder_of_three_models_on_disk(tmp_path: Path) -> None:
    for name, data in _lm_eval_output().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    logs = read_eval_logs([tmp_path / "out"])
    assert _models(logs) == WANT
    by_model = {log.model: log for log in logs}
    # each samples file was checked against its own folder's results file
    assert by_model["org/alpha-1b"].stored is not None
    assert by_model["org/gamma-3b"].stored is None
    assert any("from the folder's name" in n for n in by_model["org/gamma-3b"].notes)


def test_lm_eval_folder_upload_and_zip_of_it() -> None:
    files = _lm_eval_output()
    uploaded = read_eval_logs([Upload(name, data) for name, data in files.items()])
    assert _models(uploaded) == WANT
    assert all(log.stored is not None for log in uploaded if log.model != "org/gamma-3b")
    zipped = read_eval_logs([Upload("out.zip", zip_bytes(files))])
    assert _models(zipped) == WANT
    assert {log.n_items for log in zipped} == {log.n_items for log in uploaded}


def _helm_runs() -> dict[str, bytes]:
    runs = {"tinyqa": helm_files(FIX / "helm_tiny_run", "tiny_helm_"),
            "harm_bench": helm_files(FIX / "helm_two_groups", "two_groups_")}
    return {f"runs/{run}/{name}": data for run, files in runs.items()
            for name, data in files.items()}


def test_two_helm_runs_at_once_are_grouped_by_folder() -> None:
    files = _helm_runs()
    as_folder = [Upload(n, d) for n, d in files.items()]
    for source in (as_folder, [Upload("runs.zip", zip_bytes(files))]):
        logs = read_eval_logs(source)
        tasks = {log.task.split(":")[0]: log for log in logs}
        assert set(tasks) == {"tinyqa", "harm_bench"}
        assert tasks["tinyqa"].model == "mock/tiny-7b"
        assert tasks["harm_bench"].metric == "safety_score"
        # each run's own stats.json was used for its cross-check
        assert tasks["harm_bench"].stored is not None
        assert tasks["harm_bench"].stored.metric == "safety_score"
        assert tasks["tinyqa"].stored is not None
        assert tasks["tinyqa"].stored.metric == tasks["tinyqa"].metric


def test_folder_zip_is_read_under_the_archive_caps() -> None:
    files = _lm_eval_output()
    files["out/org__delta/samples_huge_2026-03-01T10-00-00.000001.jsonl"] = b"0" * 60_000_000
    with pytest.raises(UnsafeArchiveError):
        read_eval_logs([Upload("out.zip", zip_bytes(files))])


@pytest.mark.parametrize(("group", "model"), [
    ("out/meta-llama__Llama-2-7b-hf", "meta-llama/Llama-2-7b-hf"),
    ("out.zip/results/pretrained__EleutherAI__pythia-160m", "pretrained/EleutherAI/pythia-160m"),
    ("", None), ("runs.zip", None)])
def test_model_from_folder(group: str, model: str | None) -> None:
    assert model_from_folder(group) == model
