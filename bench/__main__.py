"""Run every ``bench/bench_*.py`` module's ``rows()`` and print one table.

Usage: ``python -m bench`` (all) or ``python -m bench mock hedging`` (some modules).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from pathlib import Path

from bench.core import Row, format_table


def main(argv: list[str]) -> int:
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    folder = Path(__file__).parent
    names = sorted(p.stem for p in folder.glob("bench_*.py"))
    if argv:
        names = [n for n in names if n.removeprefix("bench_") in argv]
    rows: list[Row] = []
    failures = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(module.rows())
        except Exception:
            failures += 1
            traceback.print_exc()
    print(format_table(rows))
    missed = [r for r in rows if r.status == "MISSED"]
    print(f"\n{len(rows)} figures, {len(missed)} missed target"
          + (f", {failures} modules failed" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
