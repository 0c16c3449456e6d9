"""Every public function of ``crucible_scenarios`` is exercised by a property test."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import crucible_scenarios
from tests.unit.properties import EXERCISED

PROPERTY_MODULES = [
    f"tests.unit.properties.{info.name}"
    for info in pkgutil.iter_modules(__import__("tests.unit.properties").unit.properties.__path__)
    if info.name.startswith("test_") and info.name != "test_inventory"
]


def public_functions() -> set[str]:
    """``module.function`` for every public module-level function of the package, and
    ``module.Class.method`` for every public method of its public classes."""
    names = set()
    for info in pkgutil.iter_modules(crucible_scenarios.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"crucible_scenarios.{info.name}")
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value):
                names.add(f"{info.name}.{name}")
            elif inspect.isclass(value):
                for method, member in vars(value).items():
                    callable_member = (inspect.isfunction(member)
                                       or isinstance(member, staticmethod | classmethod))
                    if callable_member and not method.startswith("_"):
                        names.add(f"{info.name}.{name}.{method}")
    return names


def _load_property_tests() -> None:
    for name in PROPERTY_MODULES:
        importlib.import_module(name)


def test_every_public_function_has_a_property_test() -> None:
    _load_property_tests()
    missing = sorted(public_functions() - set(EXERCISED))
    assert not missing, f"public functions no property test exercises: {missing}"


def test_each_named_function_is_called_by_its_test() -> None:
    _load_property_tests()
    for qualified, tests in EXERCISED.items():
        function = qualified.rsplit(".", 1)[-1]
        for test in tests:
            source = inspect.getsource(inspect.unwrap(test))
            assert f"{function}(" in source or f"{function}," in source, (
                f"{test.__name__} says it exercises {qualified} but never calls it")
