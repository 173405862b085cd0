"""The public surface is exactly ``__all__``, every name resolves and documents itself, imports stay cheap."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys

import pytest

import pytest_jobhooks

HEAVY = ["pydantic", "jsonschema", "svix", "httpx", "werkzeug", "hypothesis"]


def test_all_is_sorted_and_unique() -> None:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions, each alphabetical.
    def key(name: str) -> tuple[bool, bool, str]:
        return (not name.isupper(), not name[0].isupper(), name)

    assert pytest_jobhooks.__all__ == sorted(set(pytest_jobhooks.__all__), key=key)


def public_modules() -> list[str]:
    """Every module of the package with no underscore-prefixed part in its dotted name."""
    found = []
    for info in pkgutil.walk_packages(pytest_jobhooks.__path__, "pytest_jobhooks."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            found.append(info.name)
    return sorted(found)


@pytest.mark.parametrize("name", pytest_jobhooks.__all__)
def test_every_public_name_resolves_and_has_a_docstring(name: str) -> None:
    value = getattr(pytest_jobhooks, name)
    if inspect.isclass(value) or inspect.isfunction(value):
        assert inspect.getdoc(value), f"{name} has no docstring"
        # Public types live in public modules: no exemption list, no rewritten __module__.
        module = value.__module__
        assert not any(part.startswith("_") for part in module.split(".")), f"{name} is defined in {module}"
        assert getattr(importlib.import_module(module), value.__name__) is value


def test_the_top_level_surface_stays_small() -> None:
    assert len(pytest_jobhooks.__all__) <= 60


@pytest.mark.parametrize("module", [m for m in public_modules() if m != "pytest_jobhooks.strategies"])
def test_every_public_module_declares_what_it_exports(module: str) -> None:
    loaded = importlib.import_module(module)
    exported = getattr(loaded, "__all__", None)
    assert isinstance(exported, list), f"{module} has no __all__"
    for name in exported:
        assert hasattr(loaded, name), f"{module}.__all__ names {name!r}, which it does not define"


def test_strategies_declares_what_it_exports() -> None:
    pytest.importorskip("hypothesis")
    strategies = importlib.import_module("pytest_jobhooks.strategies")
    assert all(hasattr(strategies, name) for name in strategies.__all__)


def test_feature_modules_are_attributes_loaded_on_first_use() -> None:
    code = (
        "import sys, json, pytest_jobhooks as pj;"
        "before = 'pytest_jobhooks.factories' in sys.modules;"
        "payload = pj.factories.build('telmai', seed=1);"
        "print(json.dumps([before, pj.factories is sys.modules['pytest_jobhooks.factories'], payload['tenant'] != '',"
        " pj.sender.SVIX_RETRY_SCHEDULE.max_attempts, pj.fakes.GoFetchAPI.__module__]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [False, True, True, 8, "pytest_jobhooks.fakes.gofetch"]
    assert {"factories", "sender", "strategies", "wire"} <= set(dir(pytest_jobhooks))


def test_public_names_match_dir() -> None:
    # "@py_builtins" and the like are added by pytest's assertion rewriting of plugin modules.
    public = {
        name
        for name in dir(pytest_jobhooks)
        if not name.startswith(("_", "@")) and not inspect.ismodule(getattr(pytest_jobhooks, name))
    }
    modules = {name for name in dir(pytest_jobhooks) if inspect.ismodule(getattr(pytest_jobhooks, name, None))}
    assert public - {"annotations", "import_module", "TYPE_CHECKING"} - modules <= set(pytest_jobhooks.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        pytest_jobhooks.nope  # noqa: B018


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, json, pytest_jobhooks.plugin, pytest_jobhooks;"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


def test_no_public_name_is_shadowed_by_a_submodule() -> None:
    # Importing pytest_jobhooks.x binds the package attribute x to the module: a public
    # function of the same name would then be unreachable as `from pytest_jobhooks import x`.
    modules = {info.name for info in pkgutil.iter_modules(pytest_jobhooks.__path__)}
    assert modules.isdisjoint(pytest_jobhooks.__all__)
