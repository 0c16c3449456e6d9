"""Default run names: the model, else the file's name; repeated names told apart by task,
then file, then position; always distinct."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from crucible_scenarios.eval_log import UNKNOWN_MODEL, run_names
from tests.unit.properties import exercises


def _log(model: str, source: str, task: str = "mmlu") -> SimpleNamespace:
    return SimpleNamespace(model=model, source=source, task=task)


def test_model_when_recorded_else_the_file_name() -> None:
    logs = [_log("gpt-4o", "a.eval"), _log(UNKNOWN_MODEL, "samples_gsm8k_2024.jsonl")]
    assert run_names(logs) == ["gpt-4o", "samples_gsm8k_2024"]  # type: ignore[arg-type]


def test_repeats_told_apart_by_task_then_file_then_position() -> None:
    logs = [_log("m", "x.eval", "mmlu"), _log("m", "y.eval", "gsm8k")]
    assert run_names(logs) == ["m (mmlu)", "m (gsm8k)"]  # type: ignore[arg-type]
    logs = [_log("m", "x.eval"), _log("m", "y.eval")]
    assert run_names(logs) == ["m (mmlu) (x)", "m (mmlu) (y)"]  # type: ignore[arg-type]
    logs = [_log("m", "x.eval"), _log("m", "x.eval")]
    assert run_names(logs) == ["m (mmlu) (x) #1", "m (mmlu) (x) #2"]  # type: ignore[arg-type]


@exercises(run_names)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", UNKNOWN_MODEL]),
                          st.sampled_from(["f.json", "g.eval", "dir/f.json"]),
                          st.sampled_from(["t", "u"])), min_size=1, max_size=8))
def test_names_are_always_distinct(runs: list[tuple[str, str, str]]) -> None:
    names = run_names([_log(*r) for r in runs])  # type: ignore[misc]
    assert len(set(names)) == len(names) == len(runs)
