"""Every real eval log in ../shared/fixtures/evals that holds per-item scores reads, and
its mean and standard error (recomputed here with numpy / scipy.stats.sem, ddof 1 over
items after averaging epochs) equal what the tool itself stored beside it. Files holding
no per-item scores give NoItemsError saying so."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from scipy import stats

from crucible_io.evals import (
    HELM,
    INSPECT_EVAL,
    INSPECT_JSON,
    LM_EVAL,
    LM_EVAL_RESULTS,
    OPENAI_EVALS,
    NoItemsError,
    detect_format,
    read_eval_log,
    read_eval_logs,
    read_lm_eval_results,
)
from tests.shared_fixtures import shared_fixture


def _mean_se(log) -> tuple[float, float, int]:
    per_item = log.items.groupby("item_id")["score"].mean().to_numpy(float)
    se = float(stats.sem(per_item)) if len(per_item) > 1 else 0.0
    return float(np.mean(per_item)), se, len(per_item)


# ------------------------------------------------------------------ lm-eval

LM_PAIRS = [
    ("asdiv_Meta-Llama-3-8B-Instruct", "samples_asdiv_2024-08-21T03-44-09.494230.jsonl",
     "results_2024-08-21T03-44-09.494230.json", "asdiv", "acc", 50),
    ("negotiationtom_Qwen3-8B",
     "samples_negotiationtom_belief_2026-07-08T18-15-33.115417.jsonl",
     "results_2026-07-08T18-15-33.115417.json", "negotiationtom_belief", "acc", 20),
    ("negotiationtom_Qwen3-8B",
     "samples_negotiationtom_desire_2026-07-08T18-15-33.115417.jsonl",
     "results_2026-07-08T18-15-33.115417.json", "negotiationtom_desire", "acc", 20),
    ("negotiationtom_Qwen3-8B",
     "samples_negotiationtom_intention_2026-07-08T18-15-33.115417.jsonl",
     "results_2026-07-08T18-15-33.115417.json", "negotiationtom_intention", "exact_match",
     20),
]


@pytest.mark.parametrize(("folder", "samples", "results", "task", "metric", "n"), LM_PAIRS)
def test_lm_eval_samples_match_stored_results(folder: str, samples: str, results: str,
                                              task: str, metric: str, n: int) -> None:
    path = shared_fixture("evals", "lm_eval", folder, samples)
    log = read_eval_log(path)
    assert log.format == LM_EVAL
    assert log.task == task and log.metric == metric and log.n_items == n
    stored = json.loads(shared_fixture("evals", "lm_eval", folder, results).read_text())
    want_mean = stored["results"][task][f"{metric},none"]
    want_se = stored["results"][task][f"{metric}_stderr,none"]
    mean, se, count = _mean_se(log)
    assert count == n
    assert mean == pytest.approx(want_mean, abs=1e-12)
    assert se == pytest.approx(want_se, rel=1e-9)
    # the results file beside it was found and read as the stored aggregate
    assert log.stored is not None and log.stored.n == n
    assert log.stored.mean == pytest.approx(want_mean)
    assert log.model.startswith(("meta-llama/", "Qwen/"))


def test_lm_eval_upload_pairs_samples_with_results() -> None:
    folder = shared_fixture("evals", "lm_eval", "negotiationtom_Qwen3-8B")
    files = sorted(folder.iterdir())
    uploads = [(p.name, p.read_bytes()) for p in files]

    class Upload:
        def __init__(self, name: str, data: bytes) -> None:
            self.name, self._data = name, data

        def getvalue(self) -> bytes:
            return self._data

    logs = read_eval_logs([Upload(n, d) for n, d in uploads])
    assert sorted(log.task for log in logs) == [
        "negotiationtom_belief", "negotiationtom_desire", "negotiationtom_intention"]
    for log in logs:
        assert log.stored is not None
        mean, se, n = _mean_se(log)
        assert mean == pytest.approx(log.stored.mean)
        assert se == pytest.approx(log.stored.stderr, rel=1e-9)
        assert n == log.stored.n


def test_intention_label_lists_are_not_metrics() -> None:
    path = shared_fixture("evals", "lm_eval", "negotiationtom_Qwen3-8B",
                          "samples_negotiationtom_intention_2026-07-08T18-15-33.115417.jsonl")
    log = read_eval_log(path)
    assert log.metrics == ("exact_match",)
    with pytest.raises(ValueError, match="micro_f1"):
        read_eval_log(path, metric="micro_f1")


def test_multiple_choice_answer_and_confidence_from_loglikelihoods() -> None:
    path = shared_fixture("evals", "lm_eval", "negotiationtom_Qwen3-8B",
                          "samples_negotiationtom_belief_2026-07-08T18-15-33.115417.jsonl")
    log = read_eval_log(path)
    lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    for line, (_, row) in zip(lines, log.items.iterrows(), strict=True):
        ll = np.array([float(pair[0]) for pair in line["filtered_resps"]])
        assert row["answer"] == str(int(np.argmax(ll)))
        from scipy.special import softmax
        assert row["confidence"] == pytest.approx(softmax(ll).max(), rel=1e-12)
        # acc is 1 exactly when the argmax is the target index
        assert row["score"] == float(row["answer"] == str(line["target"]))


@pytest.mark.parametrize("name", ["arc_easy-v0-res.json", "boolq-v0-res.json",
                                  "hellaswag-v0-res.json", "piqa-v0-res.json"])
def test_v0_results_read_and_alone_say_samples_needed(name: str) -> None:
    path = shared_fixture("evals", "lm_eval", "testdata_v0", name)
    task = name.split("-v0")[0]
    raw = json.loads(path.read_text())["results"][task]
    results = read_lm_eval_results(path)
    assert results[task]["acc"].mean == raw["acc"]
    assert results[task]["acc"].stderr == raw["acc_stderr"]
    assert detect_format(path.read_bytes(), name) == LM_EVAL_RESULTS
    with pytest.raises(NoItemsError, match="samples"):
        read_eval_log(path)


def test_arc_easy_v0_stderr_is_the_clt_formula() -> None:
    """588 correct of 2376 (the acc figure) gives lm-eval's stored stderr."""
    path = shared_fixture("evals", "lm_eval", "testdata_v0", "arc_easy-v0-res.json")
    stored = read_lm_eval_results(path)["arc_easy"]["acc"]
    scores = np.r_[np.ones(588), np.zeros(2376 - 588)]
    assert stored.mean == pytest.approx(scores.mean(), abs=1e-15)
    assert stored.stderr == pytest.approx(stats.sem(scores), rel=1e-9)


@pytest.mark.parametrize("name", ["results_gpt2.json",
                                  "results_gptneo_1.3B_2025-05-30T19-32-27.772045.json"])
def test_aggregate_only_results(name: str) -> None:
    path = shared_fixture("evals", "lm_eval", "aggregate_two_models", name)
    results = read_lm_eval_results(path)
    assert len(results) == 9
    assert results["wsc"]["acc"].n == 104
    with pytest.raises(NoItemsError, match="no per-item scores"):
        read_eval_log(path)
    with pytest.raises(NoItemsError, match="samples"):
        read_eval_logs([path])


def test_negotiationtom_na_stderr_is_none() -> None:
    path = shared_fixture("evals", "lm_eval", "negotiationtom_Qwen3-8B",
                          "results_2026-07-08T18-15-33.115417.json")
    results = read_lm_eval_results(path)
    assert results["negotiationtom_intention"]["micro_f1"].stderr is None
    assert results["negotiationtom"]["acc"].n == 60


# ------------------------------------------------------------------ Inspect

INSPECT_SCORED = [
    ("analysis_test_logs", "2025-05-12T20-27-36-04-00_browser.json", 1),
    ("analysis_test_logs", "2025-05-12T20-28-13-04-00_popularity.json", 3),
    ("analysis_test_logs", "2025-05-12T20-28-26-04-00_security-guide.json", 3),
    ("examples_scanner_logs",
     "2025-09-23T08-09-58-04-00_popularity_DN2wbX2ZvACsBpjwptzBRo.eval", 100),
    ("examples_scanner_logs",
     "2025-09-23T08-09-58-04-00_security-guide_LuxZJVwvymC3S3SyoJczxB.eval", 16),
    ("log_test_eval_log", "log_read_sample.eval", 1),
    ("log_test_eval_log", "log_read_sample.json", 1),
    ("scorer_logs", "2025-02-11T15-18-04-05-00_popularity_mj7khqpMM4GBCfVQozKgzB.eval", 10),
]


def _stored_inspect(path) -> tuple[float, float]:
    if path.suffix == ".eval":
        with zipfile.ZipFile(path) as z:
            header = json.loads(z.read("header.json"))
    else:
        header = json.loads(path.read_text())
    metrics = header["results"]["scores"][0]["metrics"]
    return metrics["accuracy"]["value"], metrics["stderr"]["value"]


@pytest.mark.parametrize(("folder", "name", "n"), INSPECT_SCORED)
def test_inspect_logs_match_stored_metrics(folder: str, name: str, n: int) -> None:
    path = shared_fixture("evals", "inspect_ai", folder, name)
    log = read_eval_log(path)
    assert log.format == (INSPECT_EVAL if name.endswith(".eval") else INSPECT_JSON)
    assert log.n_items == n and log.epochs == 1
    want_mean, want_se = _stored_inspect(path)
    mean, se, _ = _mean_se(log)
    assert mean == pytest.approx(want_mean, abs=1e-12)
    assert se == pytest.approx(want_se, abs=1e-12)
    assert log.stored is not None and log.stored.mean == pytest.approx(want_mean)


def test_inspect_eval_set_three_models_same_items() -> None:
    folder = shared_fixture("evals", "inspect_ai", "log-sets_set")
    logs = read_eval_logs(sorted(folder.iterdir()))
    assert len(logs) == 3
    assert {log.model for log in logs} == {
        "openai/gpt-5", "anthropic/claude-sonnet-4-20250514", "google/gemini-2.5-pro"}
    ids = [set(log.items["item_id"]) for log in logs]
    assert ids[0] == ids[1] == ids[2] and len(ids[0]) == 100
    assert all(any("manifest" in note for note in log.notes) for log in logs)
    for log in logs:
        path = folder / log.source
        want_mean, want_se = _stored_inspect(path)
        mean, se, _ = _mean_se(log)
        assert (mean, se) == (pytest.approx(want_mean), pytest.approx(want_se))
        assert "meta.label_confidence" in log.meta_columns
        assert log.items["latency_s"].gt(0).all()
        assert log.items["input_tokens"].gt(0).all()


def test_inspect_eval_set_epochs() -> None:
    folder = shared_fixture("evals", "inspect_ai", "log-sets_set2")
    logs = read_eval_logs(sorted(p for p in folder.iterdir() if p.suffix == ".eval"))
    assert len(logs) == 3
    for log in logs:
        assert log.n_items == 10 and log.epochs == 5 and len(log.items) == 50
        assert sorted(log.items["epoch"].unique()) == [1, 2, 3, 4, 5]
        want_mean, want_se = _stored_inspect(folder / log.source)
        mean, se, _ = _mean_se(log)
        assert mean == pytest.approx(want_mean, abs=1e-12)
        assert se == pytest.approx(want_se, abs=1e-12)
        assert log.stored is not None and log.stored.n == 10


def test_inspect_nested_metadata_flattened() -> None:
    path = shared_fixture("evals", "inspect_ai", "analysis_test_logs",
                          "2025-05-12T20-28-13-04-00_popularity.json")
    log = read_eval_log(path)
    assert "meta.nested.foo" in log.meta_columns
    assert any("cancelled" in note for note in log.notes)
    assert sorted(log.items["score"]) == [0.0, 1.0, 1.0]


@pytest.mark.parametrize(("folder", "name", "says"), [
    ("analysis_test_logs", "2025-05-12T20-28-13-04-00_no-samples.json", "no samples"),
    ("test_eval_set", "2024-08-29T15-11-17+00-00_popularity_5EAmX6wjMFqea6WY7XHzZp.json",
     "no samples"),
    ("test_eval_set", "2024-08-29T15-11-18+00-00_popularity_5EAmX6wjMFqea6WY7XHzZp.json",
     "status 'error'"),
    ("scorer_logs", "2025-02-11T15-17-00-05-00_popularity_dPiJifoWeEQBrfWsAopzWr.eval",
     "not scored"),
    ("log-sets_set", "logs.json", "manifest"),
    ("log-sets_set", "eval-set.json", "manifest"),
])
def test_inspect_files_without_scores(folder: str, name: str, says: str) -> None:
    path = shared_fixture("evals", "inspect_ai", folder, name)
    with pytest.raises(NoItemsError, match=says) as info:
        read_eval_log(path)
    assert name in str(info.value)


# ------------------------------------------------------------------ HELM

@pytest.mark.parametrize("run", ["bbq_v4_openai_gpt-4o-2024-05-13",
                                 "bbq_v4_anthropic_claude-3-5-sonnet-20240620"])
def test_helm_run_matches_stats_json(run: str) -> None:
    folder = shared_fixture("evals", "helm", run)
    log = read_eval_log(folder)
    assert log.format == HELM and log.n_items == 100 and log.metric == "exact_match"
    assert log.model == json.loads((folder / "run_spec.json").read_text())[
        "adapter_spec"]["model"]
    assert log.task.startswith("bbq:")
    stored = [s for s in json.loads((folder / "stats.json").read_text())
              if s["name"]["name"] == "exact_match" and "perturbation" not in s["name"]]
    mean, se, _ = _mean_se(log)
    assert mean == pytest.approx(stored[0]["mean"], abs=1e-12)
    per = json.loads((folder / "per_instance_stats.json").read_text())
    values = [next(s["mean"] for s in inst["stats"] if s["name"]["name"] == "exact_match")
              for inst in per]
    assert se == pytest.approx(stats.sem(values), rel=1e-12)
    assert log.stored is not None and log.stored.mean == stored[0]["mean"]
    assert log.stored.n == 100  # stats.json's num_instances
    assert log.items["latency_s"].gt(0).all()
    # answers and targets from scenario_state.json agree with exact_match
    agree = (log.items["answer"] == log.items["target"]).astype(float)
    assert (agree == log.items["score"]).mean() == 1.0


def test_helm_uploaded_alone_says_model_unknown() -> None:
    path = shared_fixture("evals", "helm", "bbq_v4_openai_gpt-4o-2024-05-13",
                          "per_instance_stats.json")
    log = read_eval_log(path.read_bytes())
    assert log.model == "unknown model"
    assert any("model unknown" in note for note in log.notes)
    named = read_eval_log(path.read_bytes(), model="gpt-4o", metric="quasi_exact_match")
    assert named.model == "gpt-4o" and named.metric == "quasi_exact_match"


def test_helm_two_runs_share_instances() -> None:
    a = read_eval_log(shared_fixture("evals", "helm", "bbq_v4_openai_gpt-4o-2024-05-13"))
    b = read_eval_log(shared_fixture("evals", "helm",
                                     "bbq_v4_anthropic_claude-3-5-sonnet-20240620"))
    assert set(a.items["item_id"]) == set(b.items["item_id"])


@pytest.mark.parametrize("name", ["stats.json", "run_spec.json", "scenario_state.json"])
def test_helm_side_files_alone(name: str) -> None:
    path = shared_fixture("evals", "helm", "bbq_v4_openai_gpt-4o-2024-05-13", name)
    with pytest.raises(NoItemsError, match="per_instance_stats"):
        read_eval_log(path)


# ------------------------------------------------------------------ OpenAI evals

def test_openai_match_log_matches_final_report() -> None:
    path = shared_fixture("evals", "openai_evals",
                          "230417220821DPM75QNS_auto_gpt_completion_fn_test-match.jsonl")
    log = read_eval_log(path)
    assert log.format == OPENAI_EVALS
    assert log.task == "test-match.s1.simple-v0" and log.model == "auto_gpt_completion_fn"
    report = next(json.loads(x)["final_report"] for x in path.read_text().splitlines()
                  if "final_report" in x)
    mean, se, n = _mean_se(log)
    assert n == 3 and mean == pytest.approx(report["accuracy"])
    assert se == pytest.approx(stats.sem([0, 1, 0]))
    assert log.stored is not None and log.stored.mean == report["accuracy"]


@pytest.mark.parametrize(("name", "says"), [
    ("oriprompt.log", "final_report"),
    ("gpt-4-cot_semantic_role_recognition.jsonl", "32 'sampling'"),
])
def test_openai_logs_without_match_events(name: str, says: str) -> None:
    path = shared_fixture("evals", "openai_evals", name)
    with pytest.raises(NoItemsError, match="no 'match' events") as info:
        read_eval_log(path)
    assert says in str(info.value)


def test_inspect_epoch_means_equal_the_logs_reductions() -> None:
    """Inspect's own mean reducer (reductions.json) gives each item the mean of its
    epochs' scores; ours agree item by item."""
    folder = shared_fixture("evals", "inspect_ai", "log-sets_set2")
    for path in sorted(folder.glob("*.eval")):
        with zipfile.ZipFile(path) as z:
            reductions = json.loads(z.read("reductions.json"))
        (match,) = [r for r in reductions if r["scorer"] == "match"]
        want = {str(s["sample_id"]): float(s["value"]) for s in match["samples"]}
        ours = read_eval_log(path).item_scores().to_dict()
        assert ours == pytest.approx(want, abs=1e-12)
