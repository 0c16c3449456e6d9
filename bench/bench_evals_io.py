"""Eval-log reading speed: a 10^4-line lm-evaluation-harness samples file read into an
EvalLog, against ``json.loads`` on its lines (the parsing floor), side by side."""

from __future__ import annotations

import gc
import json
import tempfile
from pathlib import Path

import numpy as np

from bench.core import Row, median_seconds
from crucible_io.evals import read_eval_log

N_LINES = 10_000


def _write_samples(path: Path, *, multiple_choice: bool, seed: int) -> None:
    """Lines shaped like lm-eval's ``--log_samples`` output (doc, arguments, resps,
    filtered_resps, filter, metrics, hashes, per-document metric values)."""
    rng = np.random.default_rng(seed)
    prompt = "Question: " + "lorem ipsum dolor sit amet " * 20 + "\nAnswer:"
    with path.open("w") as handle:
        if multiple_choice:
            for i in range(N_LINES):
                ll = rng.normal(-8, 3, size=4)
                target = int(rng.integers(0, 4))
                line = {
                    "doc_id": i, "doc": {"question": f"q{i}", "choices": list("abcd"),
                                         "answer": target},
                    "target": target,
                    "arguments": {f"gen_args_{k}": {"arg_0": prompt, "arg_1": f" {c}"}
                                  for k, c in enumerate("abcd")},
                    "resps": [[[str(v), "False"]] for v in ll],
                    "filtered_resps": [[str(v), "False"] for v in ll],
                    "filter": "none", "metrics": ["acc", "acc_norm"],
                    "doc_hash": "a" * 64, "prompt_hash": "b" * 64, "target_hash": "c" * 64,
                    "acc": float(int(np.argmax(ll)) == target),
                    "acc_norm": float(rng.random() < 0.5)}
                handle.write(json.dumps(line) + "\n")
        else:
            for i in range(N_LINES // 2):
                for filt in ("strict-match", "flexible-extract"):
                    answer = str(int(rng.integers(0, 50)))
                    line = {
                        "doc_id": i, "doc": {"question": f"q{i}", "answer": "7"},
                        "target": "7",
                        "arguments": {"gen_args_0": {"arg_0": prompt,
                                                     "arg_1": {"until": ["\n"]}}},
                        "resps": [[f"The answer is {answer}"]], "filtered_resps": [answer],
                        "filter": filt, "metrics": ["exact_match"],
                        "doc_hash": "a" * 64, "prompt_hash": "b" * 64,
                        "target_hash": "c" * 64, "exact_match": float(answer == "7")}
                    handle.write(json.dumps(line) + "\n")


def _floor(path: Path) -> list[object]:
    text = path.read_bytes().decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def _floor_no_gc(path: Path) -> list[object]:
    gc.disable()
    try:
        return _floor(path)
    finally:
        gc.enable()


def rows() -> list[Row]:
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, mc in (("multiple choice", True), ("generative, two filters", False)):
            path = Path(tmp) / f"samples_bench{int(mc)}_2026-01-01T00-00-00.000000.jsonl"
            _write_samples(path, multiple_choice=mc, seed=7)
            assert read_eval_log(path).n_items == (N_LINES if mc else N_LINES // 2)
            floor = reader = 0.0
            ratios = []
            for _ in range(5):  # interleaved so both see the same machine load
                floor = median_seconds(lambda p=path: _floor(p), repeat=1, warmup=0)
                reader = median_seconds(lambda p=path: read_eval_log(p), repeat=1, warmup=0)
                ratios.append(reader / floor)
            ratio = float(np.median(ratios))
            bare = median_seconds(lambda p=path: _floor_no_gc(p), repeat=5)
            read = median_seconds(lambda p=path: read_eval_log(p), repeat=5)
            out.append(Row("evals_io", f"read lm-eval samples, 10^4 lines, {kind}", reader,
                           "s"))
            out.append(Row("evals_io", f"  json.loads on the same lines, {kind}", floor, "s"))
            out.append(Row("evals_io", f"  reader / json.loads, {kind} (median of 5 pairs)",
                           ratio, "x", 1.5))
            out.append(Row("evals_io", f"  reader / json.loads with GC paused too, {kind}",
                           read / bare, "x",
                           note="the reader pauses cyclic GC while parsing; this is the "
                                "overhead beyond that"))
    return out
