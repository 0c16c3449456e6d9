"""``crucible-compare A B``: the paired comparison of two eval runs, for pipelines.

Reads two eval logs (lm-evaluation-harness, Inspect AI, HELM, OpenAI evals or the lab's
CSV; a path may be a run folder), pairs them by item, prints the paired report
(Markdown or JSON) and exits

* 1 when B is significantly worse than A (two-sided paired test at ``--alpha``),
* 0 otherwise,
* 2 with a one-line message on bad input (unreadable file, unknown option, no overlap).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from crucible_io.evals import read_eval_logs
from crucible_scenarios.eval_log import EvalLog
from crucible_scenarios.stats import align_runs, eval_report, paired_difference

EXIT_OK, EXIT_WORSE, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting, so every bad input
    becomes the same one-line message and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ValueError(message)


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = _Parser(prog="crucible-compare",
                description="Paired comparison of two eval runs (B - A); exits 1 when B is "
                            "significantly worse than A.")
    p.add_argument("a", help="eval log (or run folder) of the baseline run A")
    p.add_argument("b", help="eval log (or run folder) of the candidate run B")
    p.add_argument("--metric", help="score to compare (lm-eval metric, HELM stat...)")
    p.add_argument("--filter", help="lm-evaluation-harness filter, e.g. strict-match")
    p.add_argument("--scorer", help="Inspect AI scorer")
    p.add_argument("--cluster", help="metadata key to cluster the standard error on "
                                     "(with or without the 'meta.' prefix)")
    p.add_argument("--alpha", type=float, default=0.05,
                   help="significance level of the two-sided paired test (default 0.05)")
    p.add_argument("--format", choices=("md", "json"), default="md", help="report format")
    return p


def _one_run(path: str, label: str, choices: dict[str, str | None]) -> EvalLog:
    if not Path(path).exists():
        raise ValueError(f"{label}: no such file or folder: {path}")
    logs = read_eval_logs([path], **{k: v for k, v in choices.items() if v is not None})
    if len(logs) != 1:
        raise ValueError(f"{label}: {path} holds {len(logs)} runs; name one log file")
    return logs[0]


def run(argv: Sequence[str] | None = None) -> tuple[int, str]:
    """Parse ``argv``, compare, and return (exit code, text to print)."""
    args = parser().parse_args(argv)
    if not 0 < args.alpha < 1:
        raise ValueError(f"--alpha must be between 0 and 1, got {args.alpha:g}")
    choices = {"metric": args.metric, "filter": args.filter, "scorer": args.scorer}
    log_a = _one_run(args.a, "A", choices)
    log_b = _one_run(args.b, "B", choices)
    runs = align_runs(log_a, log_b)
    cluster = args.cluster
    if cluster is not None and not cluster.startswith("meta."):
        cluster = f"meta.{cluster}"
    result = paired_difference(runs, clusters=cluster, alpha=args.alpha)
    text = eval_report(result, log_a, log_b, "json" if args.format == "json" else "markdown",
                       only_a=len(runs.only_a), only_b=len(runs.only_b), cluster=cluster)
    worse = result.significant and result.difference < 0
    return (EXIT_WORSE if worse else EXIT_OK), text


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``crucible-compare``: print the report, return the exit code."""
    try:
        code, text = run(argv)
    except ValueError as exc:
        message = " ".join(str(exc).split())
        print(f"crucible-compare: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(text, end="" if text.endswith("\n") else "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
