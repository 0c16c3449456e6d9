"""The layers of DESIGN.md import only downward: mock <- scenarios <- io <- ui <- pages.

Checked on the syntax tree of every module, so an import hidden inside a function counts
too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crucible_ui.registry import PROJECT_ROOT

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "crucible_mock": ("crucible_scenarios", "crucible_io", "crucible_ui", "crucible_cli",
                      "streamlit", "altair"),
    "crucible_scenarios": ("crucible_io", "crucible_ui", "crucible_cli", "streamlit",
                           "altair"),
    "crucible_io": ("crucible_ui", "crucible_cli", "streamlit", "altair"),
    "crucible_cli": ("streamlit", "altair", "crucible_ui"),
}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_lower_layers(package: str) -> None:
    folder = PROJECT_ROOT / package
    if not folder.is_dir():
        pytest.skip(f"{package} is not in this tree")
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): sorted(_imported_roots(path) & set(FORBIDDEN[package]))
        for path in folder.rglob("*.py")
    }
    offenders = {name: bad for name, bad in offenders.items() if bad}
    assert not offenders, offenders


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import streamlit as st\n    from altair import Chart\n")
    assert {"streamlit", "altair"} <= _imported_roots(module)


# --- cycles and private names -------------------------------------------------------------

PACKAGES = ("crucible_mock", "crucible_scenarios", "crucible_io", "crucible_ui", "crucible_cli")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    """The project's import graph (module -> the project modules it imports, anywhere in
    its body, ``if TYPE_CHECKING:`` blocks included: a cycle of names is a cycle of
    design even when it never runs) and every ``from X import _name`` of one module from
    another."""
    files = {_module_name(p, root): p for package in PACKAGES if (root / package).is_dir()
             for p in (root / package).rglob("*.py")}
    edges: dict[str, set[str]] = {name: set() for name in files}
    private: list[tuple[str, str, str]] = []
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges[name].update(a.name for a in node.names if a.name in files)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([base] if base else []))
                if not base.startswith(PACKAGES):
                    continue
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    edges[name].add(target if target in files else base)
                    if alias.name.startswith("_") and base != name:
                        private.append((name, base, alias.name))
    return {k: {t for t in v if t in files and t != k} for k, v in edges.items()}, private


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative), each a set of modules that import each other round a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_import_cycle_between_any_modules() -> None:
    edges, _ = import_graph(PROJECT_ROOT)
    assert len(edges) > 100
    assert not find_cycles(edges)


def test_no_module_imports_another_modules_private_names() -> None:
    _, private = import_graph(PROJECT_ROOT)
    assert not private, private


def test_the_checks_see_a_cycle_and_a_private_import(tmp_path: Path) -> None:
    package = tmp_path / "crucible_scenarios"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inner" / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from crucible_scenarios.b import g\n")
    (package / "b.py").write_text("from crucible_scenarios import a\n")
    (package / "inner" / "c.py").write_text("from ..a import _hidden\n")
    (package / "inner" / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from crucible_scenarios.inner.e import X\n")
    (package / "inner" / "e.py").write_text("from crucible_scenarios.inner import d\n")
    edges, private = import_graph(tmp_path)
    assert find_cycles(edges) == [["crucible_scenarios.a", "crucible_scenarios.b"],
                                  ["crucible_scenarios.inner.d", "crucible_scenarios.inner.e"]]
    assert private == [("crucible_scenarios.inner.c", "crucible_scenarios.a", "_hidden")]


def test_old_import_paths_still_work() -> None:
    from crucible_io.evals import read_eval_log, read_eval_logs
    from crucible_io.traces import read_traces
    from crucible_scenarios.advisor import suggest
    from crucible_scenarios.ensemble_logs import ensemble_from_logs
    from crucible_scenarios.evals import paired_difference
    from crucible_scenarios.hedging import export_policy, recommend_delay, simulate
    from crucible_scenarios.monitoring import average_run_length, run_all
    from crucible_scenarios.optimization import optimize
    from crucible_scenarios.spans import rollup
    from crucible_scenarios.stats_report import eval_report
    from crucible_scenarios.trace import from_json
    from crucible_scenarios.vote_scaling import vote_scaling

    assert all(callable(f) for f in (read_eval_log, read_eval_logs, read_traces, suggest,
                                     ensemble_from_logs, paired_difference, export_policy,
                                     recommend_delay, simulate, average_run_length, run_all,
                                     optimize, rollup, eval_report, from_json, vote_scaling))


def test_no_module_over_800_lines() -> None:
    long = {str(p.relative_to(PROJECT_ROOT)): n for package in PACKAGES
            for p in (PROJECT_ROOT / package).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 800}
    assert not long, long


#: Flat modules kept only so that imports written before the dashboard packages keep
#: working; they re-export and hold no code of their own.
COMPAT_MODULES = {f"crucible_scenarios.{name}" for name in (
    "advisor", "ensemble_logs", "vote_scaling", "evals", "stats_report", "hedging_plan",
    "hedging_export", "monitoring_arl", "monitoring_bernoulli", "spans")}


def test_the_kept_import_paths_only_re_export() -> None:
    for name in COMPAT_MODULES:
        path = PROJECT_ROOT / (name.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kinds = {type(node).__name__ for node in tree.body[1:]}
        assert kinds <= {"ImportFrom", "Assign"}, (name, kinds)


def test_no_project_module_imports_a_kept_import_path() -> None:
    edges, _ = import_graph(PROJECT_ROOT)
    users = {module: sorted(targets & COMPAT_MODULES) for module, targets in edges.items()
             if targets & COMPAT_MODULES and module not in COMPAT_MODULES}
    assert not users, users
