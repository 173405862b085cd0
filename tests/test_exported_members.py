"""The public surface is exactly ``__all__``, every name resolves and documents itself, imports stay cheap."""

from __future__ import annotations

import inspect
import json
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


@pytest.mark.parametrize("name", pytest_jobhooks.__all__)
def test_every_public_name_resolves_and_has_a_docstring(name: str) -> None:
    value = getattr(pytest_jobhooks, name)
    if inspect.isclass(value) or inspect.isfunction(value):
        assert inspect.getdoc(value), f"{name} has no docstring"
        assert not value.__module__.split(".")[-1].startswith("_") or name in {
            "DeliveryStyle",
            "JobHistory",
            "JobState",
            "Lifecycle",
            "Vendor",
            "VendorFactory",
        }


def test_public_names_match_dir() -> None:
    # "@py_builtins" and the like are added by pytest's assertion rewriting of plugin modules.
    public = {
        name
        for name in dir(pytest_jobhooks)
        if not name.startswith(("_", "@")) and not inspect.ismodule(getattr(pytest_jobhooks, name))
    }
    assert public - {"annotations", "import_module", "TYPE_CHECKING"} <= set(pytest_jobhooks.__all__)


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
    import pkgutil

    modules = {info.name for info in pkgutil.iter_modules(pytest_jobhooks.__path__)}
    assert modules.isdisjoint(pytest_jobhooks.__all__)
