"""Each reader on small files written from the tools' schemas (tests/fixtures/evals),
checked against figures computed here independently (numpy, scipy)."""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from scipy.special import softmax

from crucible_io.evals import (
    CSV,
    FORMATS,
    HELM,
    INSPECT_EVAL,
    INSPECT_JSON,
    LM_EVAL,
    OPENAI_EVALS,
    choice_probabilities,
    detect_format,
    inspect_value_to_float,
    read_eval_log,
    read_eval_logs,
)
from crucible_io.limits import DuplicateIdError, SchemaError

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "evals"
MC = FIX / "samples_tinymc_2026-03-01T10-00-00.000001.jsonl"
GEN = FIX / "samples_tinygen_2026-03-02T11-00-00.000002.jsonl"
OLD = FIX / "samples_tinyold_2023-06-01T00-00-00.000000.jsonl"


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_formats_named(helm_run: Path) -> None:
    assert len(set(FORMATS)) == len(FORMATS) >= 6
    for path, fmt in [(MC, LM_EVAL), (FIX / "tiny_two_epochs.eval", INSPECT_EVAL),
                      (FIX / "tiny_inspect_two_scorers.json", INSPECT_JSON),
                      (helm_run / "per_instance_stats.json", HELM),
                      (FIX / "tiny_match_record.jsonl", OPENAI_EVALS),
                      (FIX / "tiny_single_run.csv", CSV)]:
        assert detect_format(path.read_bytes(), path.name) == fmt
        assert read_eval_log(path).format == fmt


def test_lm_eval_multiple_choice() -> None:
    log = read_eval_log(MC)
    lines = _lines(MC)
    assert (log.task, log.model, log.metric, log.filter) == (
        "tinymc", "tiny/model-1b", "acc", "none")
    assert log.metrics == ("acc", "acc_norm")
    for line, (_, row) in zip(lines, log.items.iterrows(), strict=True):
        ll = np.array([float(p[0]) for p in line["filtered_resps"]])
        assert row["answer"] == str(int(ll.argmax()))
        assert row["target"] == str(line["target"])
        assert row["confidence"] == pytest.approx(softmax(ll).max(), rel=1e-12)
    # the results file beside it: n, mean and stderr agree
    scores = np.array([x["acc"] for x in lines])
    assert log.stored is not None and log.stored.n == 5
    assert log.stored.mean == pytest.approx(scores.mean())
    assert log.stored.stderr == pytest.approx(stats.sem(scores))
    norm = read_eval_log(MC, metric="acc_norm")
    assert norm.items["score"].tolist() == [x["acc_norm"] for x in lines]
    with pytest.raises(SchemaError, match="acc, acc_norm"):
        read_eval_log(MC, metric="f1")


def test_choice_probabilities_against_the_formula() -> None:
    """exp(l_best) / sum_j exp(l_j), computed here in long double, for lines of several
    widths, with NaN and all -inf lines refused."""
    rng = np.random.default_rng(3)
    rows = [list(rng.normal(-20, 10, size=int(rng.integers(2, 9)))) for _ in range(60)]
    rows += [[float("nan"), -1.0], [-np.inf, -np.inf], [-np.inf, -2.0, -1.0]]
    best, conf = choice_probabilities(rows)
    for row, b, p in zip(rows[:60], best[:60], conf[:60], strict=True):
        ll = np.array(row, dtype=np.longdouble)
        assert b == int(np.argmax(ll))
        assert p == pytest.approx(float(np.exp(ll[b]) / np.exp(ll).sum()), rel=1e-12)
    assert best[60:62] == [None, None] and conf[60:62] == [None, None]
    assert best[62] == 2 and conf[62] == pytest.approx(1 / (1 + math.exp(-1)))


def test_lm_eval_generative_two_filters() -> None:
    lines = _lines(GEN)
    log = read_eval_log(GEN)
    assert log.filters == ("strict-match", "flexible-extract")
    assert log.filter == "strict-match" and log.n_items == 4
    flex = read_eval_log(GEN, filter="flexible-extract")
    want = [x["exact_match"] for x in lines if x["filter"] == "flexible-extract"]
    assert flex.items["score"].tolist() == want
    assert flex.items["answer"].tolist() == ["12", "5", "7", "4"]
    assert "confidence" not in flex.items
    with pytest.raises(SchemaError, match="strict-match, flexible-extract"):
        read_eval_log(GEN, filter="none")


def test_lm_eval_old_format() -> None:
    log = read_eval_log(OLD)
    assert log.filter == "none" and log.metric == "acc"
    assert log.items["score"].tolist() == [0, 1, 1, 0, 1, 1]
    assert any("older" in note for note in log.notes)
    assert log.items["answer"].tolist() == ["0"] * 6  # the first choice wins every line


def test_lm_eval_non_finite_values_are_counted_and_left_out() -> None:
    """lm-eval writes its lines with ``json.dumps``, which spells non-finite floats
    ``Infinity`` and ``NaN``; here line 1 holds Infinity and line 4 NaN. The metric is
    still offered (decided from every line), the two samples are left out of the mean
    and the note says so, naming the lines."""
    path = FIX / "samples_tinyratio_2026-03-04T09-00-00.000000.jsonl"
    log = read_eval_log(path, metric="log_ratio")
    assert log.metrics == ("log_ratio", "exact_match")
    assert log.n_items == 4
    assert log.item_scores().mean() == pytest.approx(np.mean([-0.4, 1.2, -1.5, 0.7]))
    assert any("2 of 6 samples have a non-finite 'log_ratio'" in n and "lines 1, 4" in n
               for n in log.notes)
    assert read_eval_log(path).metric == "exact_match"  # the finite metric keeps all six
    assert read_eval_log(path).n_items == 6 and not read_eval_log(path).notes
    # a finite first line does not hide a later Infinity
    lines = path.read_text().splitlines()
    swapped = "\n".join([lines[1], lines[0], *lines[2:]]).encode()
    again = read_eval_log(swapped, metric="log_ratio")
    assert again.n_items == 4 and math.isfinite(again.item_scores().mean())
    # numeric strings spelled the same way count too; a metric never finite is refused
    text = path.read_text().replace("Infinity", '"Infinity"').replace("NaN", '"NaN"')
    assert read_eval_log(text.encode(), metric="log_ratio").n_items == 4
    only = "\n".join(json.dumps({**json.loads(x), "log_ratio": math.inf}) for x in lines)
    with pytest.raises(SchemaError, match="no metric 'log_ratio'"):
        read_eval_log(only.encode(), metric="log_ratio")


def test_lm_eval_duplicates() -> None:
    lines = MC.read_text().splitlines()
    repeated = "\n".join([*lines, lines[0]]).encode()
    log = read_eval_log(repeated, fmt="lm_eval")
    assert log.n_items == 5 and any("repeated" in n for n in log.notes)
    clash = json.loads(lines[0])
    clash["acc"] = 1.0 - clash["acc"]
    bad = "\n".join([*lines, json.dumps(clash)]).encode()
    with pytest.raises(DuplicateIdError, match="line 6") as info:
        read_eval_log(bad)
    assert info.value.field == "doc_id"


def test_lm_eval_missing_and_wrong_score() -> None:
    lines = _lines(MC)
    del lines[2]["acc"]
    with pytest.raises(SchemaError, match=r"line 3.*'acc'.*missing score"):
        read_eval_log("\n".join(json.dumps(x) for x in lines).encode())
    lines = _lines(MC)
    lines[1]["acc"] = "yes"
    with pytest.raises(SchemaError, match="line 2"):
        read_eval_log("\n".join(json.dumps(x) for x in lines).encode())


def test_read_eval_logs_pairs_results_upload() -> None:
    results = FIX / "results_2026-03-01T10-00-00.000001.json"
    logs = read_eval_logs([io.BytesIO(MC.read_bytes()), results.read_bytes()])
    assert len(logs) == 1  # bytes without a name: paired because the task is present
    files = []
    for p in (MC, results, GEN):
        buffer = io.BytesIO(p.read_bytes())
        buffer.name = p.name
        files.append(buffer)
    logs = read_eval_logs(files)
    assert [log.task for log in logs] == ["tinymc", "tinygen"]
    assert logs[0].stored is not None and logs[0].stored.n == 5
    assert logs[0].model == "tiny/model-1b"
    assert logs[1].stored is None


# ------------------------------------------------------------------ Inspect

def test_inspect_eval_two_epochs_metadata() -> None:
    path = FIX / "tiny_two_epochs.eval"
    log = read_eval_log(path)
    assert log.epochs == 2 and log.n_items == 4 and len(log.items) == 8
    assert set(log.meta_columns) == {"meta.difficulty", "meta.source.book",
                                     "meta.source.pages"}
    assert log.items["meta.source.pages"].iloc[0] == "[1, 2]"
    per_item = log.item_scores()
    assert per_item.to_dict() == {"s0": 1.0, "s1": 0.5, "s2": 0.0, "s3": 0.75}
    assert log.stored is not None
    assert log.stored.mean == pytest.approx(per_item.mean())
    assert log.stored.stderr == pytest.approx(stats.sem(per_item.to_numpy()))
    assert log.items["input_tokens"].tolist()[:2] == [10.0, 10.0]
    assert log.items["latency_s"].gt(0).all()


def test_inspect_eval_with_zstandard_members() -> None:
    """A log Inspect 0.3.285 wrote itself (``write_log.py`` beside it): every member is
    Zstandard-compressed (zip method 93, Inspect's default since 0.3.206). The mock model
    answers "Default output from mockllm/model"; ``includes()`` scores a sample correct
    when its target is a substring of that answer."""
    folder = FIX / "inspect_zstd"
    path = next(folder.glob("*.eval"))
    with zipfile.ZipFile(path) as z:  # the fixture really is Zstandard inside
        assert {info.compress_type for info in z.infolist()} == {93}
    log = read_eval_log(path)
    assert log.format == INSPECT_EVAL and log.scorer == "includes"
    assert log.model == "mockllm/model"
    answer = "Default output from mockllm/model"
    targets = ["mockllm", "Default", "nothing", "output", "absent", "model", "missing", "from"]
    want = {f"q{i}": float(t in answer) for i, t in enumerate(targets, start=1)}
    assert log.item_scores().to_dict() == want
    assert log.stored is not None and log.stored.n == 8
    assert log.stored.mean == pytest.approx(np.mean(list(want.values())))
    assert log.stored.stderr == pytest.approx(stats.sem(list(want.values())))


def test_inspect_json_scorers_and_dict_values() -> None:
    path = FIX / "tiny_inspect_two_scorers.json"
    log = read_eval_log(path)
    assert log.scorers == ("match", "rubric") and log.scorer == "match"
    assert log.items["score"].tolist() == [1.0, 0.0, 0.5, 1.0, 0.0]
    assert log.stored is not None
    assert log.stored.stderr == pytest.approx(stats.sem([1.0, 0.0, 0.5, 1.0, 0.0]))
    rubric = read_eval_log(path, scorer="rubric")
    assert rubric.metrics == ("accuracy", "fluency") and rubric.metric == "accuracy"
    assert rubric.items["score"].tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    fluency = read_eval_log(path, scorer="rubric", metric="fluency")
    assert fluency.items["score"].tolist() == [1 - i / 8 for i in range(5)]
    with pytest.raises(SchemaError, match="match, rubric"):
        read_eval_log(path, scorer="nope")


@pytest.mark.parametrize(("value", "want"), [
    ("C", 1.0), ("I", 0.0), ("P", 0.5), ("N", 0.0), (True, 1.0), (False, 0.0), (3, 3.0),
    (0.25, 0.25), ("yes", 1.0), ("False", 0.0), ("0.75", 0.75)])
def test_value_to_float(value: object, want: float) -> None:
    assert inspect_value_to_float(value, file="f") == want


def test_value_to_float_refuses_text() -> None:
    with pytest.raises(SchemaError, match="'maybe'"):
        inspect_value_to_float("maybe", file="f")


def _eval_zip(members: dict[str, object]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, obj in members.items():
            z.writestr(name, obj if isinstance(obj, bytes) else json.dumps(obj))
    return buffer.getvalue()


def _tiny_members() -> dict[str, object]:
    with zipfile.ZipFile(FIX / "tiny_two_epochs.eval") as z:
        return {n: z.read(n) for n in z.namelist()}


def test_inspect_eval_member_outside_samples_ignored() -> None:
    members = _tiny_members()
    fake = json.loads(members["samples/s0_epoch_1.json"])
    fake["id"], fake["scores"]["match"]["value"] = "s9", "C"
    members["extra/s9_epoch_1.json"] = json.dumps(fake).encode()
    log = read_eval_log(_eval_zip(members), fmt="inspect_eval")
    assert "s9" not in set(log.items["item_id"])
    assert any("outside samples/" in n for n in log.notes)


def test_inspect_eval_path_like_member_ignored() -> None:
    members = _tiny_members()
    members["../samples/s9_epoch_1.json"] = members["samples/s0_epoch_1.json"]
    log = read_eval_log(_eval_zip(members))
    assert log.n_items == 4 and any("unsafe name" in n for n in log.notes)


def test_inspect_duplicate_sample() -> None:
    members = _tiny_members()
    members["samples/s0_epoch_1_copy.json"] = members["samples/s0_epoch_1.json"]
    with pytest.raises(DuplicateIdError, match="'s0', epoch 1"):
        read_eval_log(_eval_zip(members))


def test_inspect_missing_score_names_member() -> None:
    members = _tiny_members()
    sample = json.loads(members["samples/s1_epoch_2.json"])
    sample["scores"] = {"other": {"value": "C"}}
    members["samples/s1_epoch_2.json"] = json.dumps(sample).encode()
    with pytest.raises(SchemaError, match=r"samples/s1_epoch_2\.json.*missing score"):
        read_eval_log(_eval_zip(members))


def test_inspect_json_wrong_type() -> None:
    doc = json.loads((FIX / "tiny_inspect_two_scorers.json").read_text())
    doc["samples"][3]["epoch"] = "two"
    with pytest.raises(SchemaError, match=r"samples\[3\]\.epoch"):
        read_eval_log(json.dumps(doc).encode())


# ------------------------------------------------------------------ HELM

def test_helm_run_folder(helm_run: Path) -> None:
    folder = helm_run
    log = read_eval_log(folder)
    assert (log.model, log.task) == ("mock/tiny-7b", "tinyqa:subject=all,method="
                                     "multiple_choice_joint")
    assert log.n_items == 6  # the perturbed copy of id100 left out
    assert any("perturbed" in n for n in log.notes)
    assert log.items["score"].tolist() == [1, 0, 1, 1, 0, 1]
    assert log.stored is not None and log.stored.mean == pytest.approx(4 / 6)
    assert (log.items["answer"] == log.items["target"]).astype(float).tolist() == \
        log.items["score"].tolist()
    assert log.items["latency_s"].tolist() == pytest.approx([0.2 + i / 100 for i in range(6)])
    assert read_eval_log(folder, metric="quasi_exact_match").items["score"].sum() == 5


def test_helm_entries_of_one_instance_per_metric_group_merge(two_groups_run: Path) -> None:
    """HELM v4 writes one entry per metric group for annotator-scored scenarios: the
    entries of an instance are merged; the safety score is the default metric (not a
    token count), and its mean agrees with the stats.json beside it."""
    folder = two_groups_run
    log = read_eval_log(folder / "per_instance_stats.json")
    per = json.loads((folder / "per_instance_stats.json").read_text())
    assert len(per) == 8 and log.n_items == 4
    assert log.metric == "safety_score" and log.model == "mock/tiny-7b"
    assert log.task == "harm_bench"
    assert log.metrics[-1] in ("num_output_tokens", "num_prompt_tokens",
                               "inference_runtime", "finish_reason_stop")
    assert log.item_scores().to_dict() == {"id7": 1.0, "id12": 0.5, "id31": 1.0, "id44": 0.0}
    assert log.items.set_index("item_id")["output_tokens"].to_dict() == {
        "id7": 64, "id12": 212, "id31": 31, "id44": 180}
    stored = {s["name"]["name"]: s["mean"]
              for s in json.loads((folder / "stats.json").read_text())}
    assert log.stored is not None and log.stored.mean == stored["safety_score"]
    assert log.item_scores().mean() == pytest.approx(stored["safety_score"])
    assert any("4 more entries" in note for note in log.notes)
    gpt = read_eval_log(folder / "per_instance_stats.json", metric="safety_gpt_score")
    assert gpt.item_scores().mean() == pytest.approx(stored["safety_gpt_score"])


def test_helm_zip_of_run_folder(helm_run: Path) -> None:
    folder = helm_run
    data = _eval_zip({f"run/{p.name}": p.read_bytes() for p in folder.iterdir()})
    log = read_eval_log(data)
    assert log.format == HELM and log.model == "mock/tiny-7b" and log.stored is not None


def test_helm_files_uploaded_together(helm_run: Path) -> None:
    folder = helm_run
    uploads = []
    for p in sorted(folder.iterdir()):
        buffer = io.BytesIO(p.read_bytes())
        buffer.name = p.name
        uploads.append(buffer)
    (log,) = read_eval_logs(uploads)
    assert log.model == "mock/tiny-7b" and log.stored is not None


# ------------------------------------------------------------------ OpenAI evals, CSV

def test_openai_record_log() -> None:
    log = read_eval_log(FIX / "tiny_match_record.jsonl")
    assert (log.task, log.model) == ("tiny-match.dev.v0", "mock-model")
    assert log.items["score"].tolist() == [1, 0, 1, 1]
    assert log.stored is not None and log.stored.mean == 0.75


def test_openai_missing_correct() -> None:
    lines = (FIX / "tiny_match_record.jsonl").read_text().splitlines()
    event = json.loads(lines[2])
    del event["data"]["correct"]
    lines[2] = json.dumps(event)
    with pytest.raises(SchemaError, match=r"line 3, field 'data\.correct': missing score"):
        read_eval_log("\n".join(lines).encode())


def test_csv_single_run() -> None:
    log = read_eval_log(FIX / "tiny_single_run.csv")
    assert log.epochs == 2 and log.n_items == 3
    assert log.meta_columns == ["meta.subject"]
    assert log.item_scores().to_dict() == {"q1": 0.5, "q2": 1.0, "q3": 0.0}
    mean = log.item_scores().mean()
    assert mean == pytest.approx(0.5) and math.isfinite(stats.sem(log.item_scores()))


def test_csv_errors() -> None:
    with pytest.raises(SchemaError, match=r"line 3.*'score'"):
        read_eval_log(b"item_id,score\nq1,1\nq2,abc\n", fmt="csv")
    with pytest.raises(DuplicateIdError, match="'q1', epoch 1"):
        read_eval_log(b"id,correct\nq1,true\nq1,false\n", fmt="csv")
    with pytest.raises(SchemaError, match="score or correct"):
        read_eval_log(b"item,model_a,model_b\nq1,1,0\n", fmt="csv")


def test_lm_eval_samples_as_one_json_array() -> None:
    lines = _lines(MC)
    log = read_eval_log(json.dumps(lines).encode())
    assert log.format == LM_EVAL
    assert log.items["score"].tolist() == [x["acc"] for x in lines]
    broken = [*lines[:2], [1, 2]]
    with pytest.raises(SchemaError, match=r"field '\[2\]'"):
        read_eval_log(json.dumps(broken).encode())


def test_lm_eval_choice_text_target_becomes_index() -> None:
    lines = _lines(MC)
    for line in lines:
        line["target"] = line["doc"]["choices"][line["target"]]
    log = read_eval_log("\n".join(json.dumps(x) for x in lines).encode())
    assert log.items["target"].tolist() == [str(t) for t in (1, 1, 2, 0, 2)]
    agree = (log.items["answer"] == log.items["target"]).astype(float)
    assert agree.tolist() == log.items["score"].tolist()


def test_inspect_null_score_value() -> None:
    doc = json.loads((FIX / "tiny_inspect_two_scorers.json").read_text())
    doc["samples"][1]["scores"]["match"]["value"] = None
    with pytest.raises(SchemaError, match="missing score"):
        read_eval_log(json.dumps(doc).encode())
    doc["samples"][1]["error"] = {"message": "timeout"}
    log = read_eval_log(json.dumps(doc).encode())
    assert log.n_items == 4 and any("error" in n for n in log.notes)


def test_cross_check_notes() -> None:
    log = read_eval_log(MC)
    assert any(n.startswith("cross-check") and "agrees" in n for n in log.notes)
    results = FIX / "results_2026-03-01T10-00-00.000001.json"
    doc = json.loads(results.read_text())
    doc["results"]["tinymc"]["acc,none"] = 0.9
    other = io.BytesIO(json.dumps(doc).encode())
    other.name = results.name
    sample = io.BytesIO(MC.read_bytes())
    sample.name = MC.name
    (log,) = read_eval_logs([sample, other])
    assert any("differs" in n for n in log.notes)


def test_read_eval_logs_folders(helm_run: Path) -> None:
    helm, mc = read_eval_logs([helm_run, MC])
    assert helm.format == HELM and helm.model == "mock/tiny-7b"
    assert mc.stored is not None and mc.model == "tiny/model-1b"


def test_upload_objects_with_a_name() -> None:
    class Upload:  # the part of Streamlit's UploadedFile a reader uses
        def __init__(self, path: Path) -> None:
            self.name, self._data = path.name, path.read_bytes()

        def getvalue(self) -> bytes:
            return self._data

    log = read_eval_log(Upload(FIX / "tiny_two_epochs.eval"))
    assert log.source == "tiny_two_epochs.eval" and log.format == INSPECT_EVAL
    log = read_eval_log(Upload(MC))
    assert log.task == "tinymc" and log.stored is None  # no results file beside an upload
