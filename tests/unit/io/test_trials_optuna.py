"""optuna's own files read as trials: the journal against optuna's own replay of it, the
``trials_dataframe()`` CSV and the CLI's JSON against the journal, a minimized and a
two-objective study written by optuna in the test, and hostile journals."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crucible_io.limits import MalformedError, SchemaError
from crucible_io.trials import read_trials

optuna = pytest.importorskip("optuna")

FOLDER = Path(__file__).resolve().parents[2] / "fixtures" / "trials" / "optuna"
JOURNAL = FOLDER / "prompt_study.log"


def _optuna_study(path: Path):  # type: ignore[no-untyped-def]
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    storage = JournalStorage(JournalFileBackend(str(path)))
    name = storage.get_all_studies()[-1].study_name
    return optuna.load_study(study_name=name, storage=storage)


def _frame(trials) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return trials.frame.sort_index(axis=1).reset_index(drop=True)


def test_journal_agrees_with_optunas_own_replay(tmp_path: Path) -> None:
    copy = tmp_path / JOURNAL.name  # optuna opens its journal for writing
    copy.write_bytes(JOURNAL.read_bytes())
    study = _optuna_study(copy)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    trials = read_trials(JOURNAL)
    assert trials.source_format == "optuna journal" and trials.maximize
    assert len(trials.frame) == len(done) == 20
    for row, trial in zip(trials.frame.to_dict("records"), done, strict=True):
        assert row["score"] == trial.value
        assert row["n_queries"] == trial.user_attrs["n_queries"]
        assert {k: row[k] for k in trial.params} == trial.params
    # the space is optuna's own distributions
    for name, dist in done[0].distributions.items():
        dim = trials.space[name]
        if isinstance(dist, optuna.distributions.CategoricalDistribution):
            assert dim.categories == tuple(dist.choices)
        else:
            assert (dim.low, dim.high, dim.log) == (dist.low, dist.high, dist.log)
            assert dim.kind == ("integer" if isinstance(
                dist, optuna.distributions.IntDistribution) else "real")
    others = {t.state.name for t in study.trials} - {"COMPLETE"}
    note = next(p for p in trials.problems if p.startswith("Left out"))
    assert "1 FAIL" in note and "3 PRUNED" in note and others == {"FAIL", "PRUNED"}


def test_trials_dataframe_csv_and_cli_json_read_the_same_trials() -> None:
    journal = _frame(read_trials(JOURNAL))
    for name, fmt in (("prompt_study.csv", "optuna CSV"),
                      ("prompt_study_trials.json", "optuna JSON")):
        trials = read_trials(FOLDER / name)
        assert trials.source_format == fmt
        pd.testing.assert_frame_equal(_frame(trials), journal, check_dtype=False)
        assert trials.space["style"].kind == "categorical"
        assert any("do not record the study's direction" in p for p in trials.problems)
        assert not read_trials(FOLDER / name, maximize=False).maximize  # the user's answer


def test_flattened_cli_json_and_dataframe_records() -> None:
    records = json.loads((FOLDER / "prompt_study_trials.json").read_text())
    flat = [{**{k: v for k, v in r.items() if k not in ("params", "user_attrs")},
             **{f"params_{k}": v for k, v in r["params"].items()},
             **{f"user_attrs_{k}": v for k, v in r["user_attrs"].items()}} for r in records]
    trials = read_trials(json.dumps(flat).encode(), name="flat.json")
    pd.testing.assert_frame_equal(_frame(trials), _frame(read_trials(JOURNAL)),
                                  check_dtype=False)


def test_minimized_and_two_objective_studies_written_by_optuna(tmp_path: Path) -> None:
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = tmp_path / "loss.log"
    storage = JournalStorage(JournalFileBackend(str(path)))
    study = optuna.create_study(study_name="old", storage=storage)
    study.optimize(lambda t: t.suggest_float("lr", 1e-4, 1e-1, log=True), n_trials=3)
    optuna.delete_study(study_name="old", storage=storage)
    study = optuna.create_study(study_name="loss", storage=storage, direction="minimize",
                                sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(lambda t: (t.suggest_float("lr", 1e-4, 1e-1, log=True) - 0.01) ** 2
                   + t.suggest_categorical("batch", [16, 32, 64]) / 1e3, n_trials=6)
    trials = read_trials(path)
    assert not trials.maximize and len(trials.frame) == 6
    assert trials.space["lr"].log and trials.space["batch"].categories == ("16", "32", "64")
    # the journal holds each value as JSON text: with optuna 4.0 (the lowest allowed) the
    # value it reports and the one the text reads back to differ in the last digit
    assert trials.frame["score"].tolist() == pytest.approx([t.value for t in study.trials],
                                                          rel=1e-14)
    two = optuna.create_study(directions=["maximize", "minimize"],
                              sampler=optuna.samplers.RandomSampler(seed=2))
    two.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)),
                 n_trials=4)
    csv = two.trials_dataframe().to_csv().encode()
    both = read_trials(csv, name="two.csv")
    assert both.frame["score"].tolist() == pytest.approx([t.values[0] for t in two.trials],
                                                         rel=1e-14)
    assert any("first (values_0)" in p for p in both.problems)


@pytest.mark.parametrize(("edit", "error", "match", "line"), [
    (lambda lines: [*lines[:3], "{not json", *lines[3:]], MalformedError, "invalid JSON", 4),
    (lambda lines: [*lines, json.dumps({"op_code": 6, "trial_id": 999, "state": 1,
                                         "values": [1.0]})],
     SchemaError, "has not created", None),
    (lambda lines: [*lines[:2], json.dumps({"op_code": 5, "trial_id": 0, "param_name": "x",
                                             "param_value_internal": 1, "distribution":
                                             json.dumps({"name": "Mystery",
                                                         "attributes": {}})}), *lines[2:]],
     SchemaError, "unknown optuna distribution", 3),
    (lambda lines: [*lines[:2], json.dumps({"op_code": 6, "trial_id": 0, "state": "done"}),
                    *lines[2:]], SchemaError, "not optuna's", 3),
])
def test_hostile_journal_lines_are_named(edit, error: type, match: str,  # type: ignore[no-untyped-def]
                                         line: int | None) -> None:
    lines = JOURNAL.read_text().splitlines()
    data = "\n".join(edit(lines)).encode()
    with pytest.raises(error, match=match) as info:
        read_trials(data, name="study.log")
    if line is not None:
        assert info.value.line == line
