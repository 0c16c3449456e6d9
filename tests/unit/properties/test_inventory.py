"""Every public function of ``crucible_scenarios`` is exercised by a property test.

The public functions are those a user imports from the package's top level: every name in
the ``__all__`` of a dashboard's package (``crucible_scenarios.hedging``, ...) or of a
top-level module (every public name defined in a top-level module without ``__all__``),
and the public methods of the public classes among them. The modules inside a dashboard's
package share helpers with each other that their package does not export; those are not
counted. Modules kept only as import paths re-export names defined elsewhere, so they add
nothing of their own."""

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


def _exported(module: object) -> dict[str, object]:
    names = getattr(module, "__all__", None)
    if names is None:
        return {n: v for n, v in vars(module).items()
                if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__}
    return {n: getattr(module, n) for n in names}


def public_functions() -> set[str]:
    """``module.function`` for every exported function of the package, and
    ``module.Class.method`` for every public method of its exported classes, named by the
    module that defines them (its path below ``crucible_scenarios``)."""
    names = set()
    for info in pkgutil.iter_modules(crucible_scenarios.__path__, "crucible_scenarios."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for value in _exported(module).values():
            home = getattr(value, "__module__", None)
            if not isinstance(home, str) or not home.startswith("crucible_scenarios."):
                continue
            where = home.removeprefix("crucible_scenarios.")
            if inspect.isfunction(value):
                names.add(f"{where}.{value.__qualname__}")
            elif inspect.isclass(value):
                for method, member in vars(value).items():
                    callable_member = (inspect.isfunction(member)
                                       or isinstance(member, staticmethod | classmethod))
                    if callable_member and not method.startswith("_"):
                        names.add(f"{where}.{value.__qualname__}.{method}")
    return names


def _load_property_tests() -> None:
    for name in PROPERTY_MODULES:
        importlib.import_module(name)


def test_the_inventory_sees_every_package() -> None:
    found = {name.split(".")[0] for name in public_functions()}
    assert {"ensemble", "hedging", "monitoring", "optimization", "stats", "trace",
            "validation"} <= found


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
