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
