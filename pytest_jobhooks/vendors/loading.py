"""Loading in-house vendors from outside: modules named on the command line, and the entry points of a group.

Both pytest (at configure) and ``python -m pytest_jobhooks`` load every entry
point of the group :data:`ENTRY_POINT_GROUP`, so a package that ships vendors
is known everywhere once installed::

    [project.entry-points."pytest_jobhooks.vendors"]
    acme = "acme_hooks.vendors"               # a module: importing it calls register_vendor()
    billing = "acme_hooks.vendors:all_vendors"  # a callable returning the vendors to register

What an entry point (or a ``--plugin`` module) gives is registered as follows:
a module is imported (it registers its vendors itself, with
:func:`~pytest_jobhooks.register_vendor`), and if it defines a
``pytest_jobhooks_vendors()`` function (the ``conftest.py`` hook) the vendors
it returns are registered too; a callable is called and what it returns (one
:class:`~pytest_jobhooks.Vendor` or several) is registered; a ``Vendor`` is
registered as it is. A vendor already registered as that very object is left
as it is. Anything that fails raises
:class:`~pytest_jobhooks.errors.VendorDefinitionError` naming the plugin.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from ..errors import VendorDefinitionError
from . import VENDORS, register_vendor
from .base import AnyVendor, Vendor

__all__ = ["ENTRY_POINT_GROUP", "load_entry_points", "load_plugin", "vendor_entry_points"]

ENTRY_POINT_GROUP = "pytest_jobhooks.vendors"
"""The entry-point group of vendor plugins: each names a module or a callable returning vendors."""

HOOK = "pytest_jobhooks_vendors"
"""The function a plugin module (or a ``conftest.py``) may define to return its vendors."""


def vendor_entry_points() -> list[str]:
    """The entry points of :data:`ENTRY_POINT_GROUP` installed, as ``name = value`` (cheap: nothing is imported)."""
    return [f"{point.name} = {point.value}" for point in entry_points(group=ENTRY_POINT_GROUP)]


def load_entry_points() -> list[AnyVendor]:
    """Load every installed entry point of :data:`ENTRY_POINT_GROUP`; returns the vendors they gave (in order)."""
    added: list[AnyVendor] = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        where = f"entry point {point.name!r} ({point.value}) of {ENTRY_POINT_GROUP}"
        try:
            loaded = point.load()
        except Exception as exc:  # whatever a plugin raises, say which plugin it was
            raise VendorDefinitionError(f"{where} cannot be loaded: {type(exc).__name__}: {exc}") from exc
        added += _register(loaded, where)
    return added


def load_plugin(name: str) -> list[AnyVendor]:
    """Import a vendor plugin module by dotted name, or a ``.py`` file by path; returns the vendors its hook gave.

    The module's own ``register_vendor()`` calls register what they register;
    its ``pytest_jobhooks_vendors()`` function, if any, is called and what it
    returns is registered. A module that cannot be imported raises
    :class:`~pytest_jobhooks.errors.VendorDefinitionError`.
    """
    where = f"vendor plugin {name!r}"
    try:
        module = _import_path(name) if name.endswith(".py") else importlib.import_module(name)
    except Exception as exc:  # an ImportError, or anything the module raised while importing
        raise VendorDefinitionError(f"{where} cannot be imported: {type(exc).__name__}: {exc}") from exc
    return _register(module, where)


def _import_path(name: str) -> ModuleType:
    path = Path(name)
    if not path.is_file():
        raise ImportError(f"no such file: {name}")
    # Its folder on sys.path, as pytest's rootdir-relative conftest imports have it: its own imports work.
    sys.path.insert(0, str(path.resolve().parent))
    spec = importlib.util.spec_from_file_location(f"_jobhooks_plugin_{path.stem}", path)
    if spec is None or spec.loader is None:  # not a file Python can import
        raise ImportError(f"cannot import {name} as a module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _register(loaded: object, where: str) -> list[AnyVendor]:
    if isinstance(loaded, ModuleType):
        hook = getattr(loaded, HOOK, None)
        if hook is None:
            return []
        loaded = hook
    if callable(loaded) and not isinstance(loaded, Vendor):
        try:
            loaded = loaded()
        except Exception as exc:  # say which plugin failed
            raise VendorDefinitionError(f"{where} failed: {type(exc).__name__}: {exc}") from exc
    vendors = [loaded] if isinstance(loaded, Vendor) else loaded
    if not isinstance(vendors, Iterable) or isinstance(vendors, (str, bytes)):
        raise VendorDefinitionError(f"{where} gave {type(loaded).__name__}, not a Vendor or a list of vendors")
    added: list[AnyVendor] = []
    for vendor in vendors:
        if not isinstance(vendor, Vendor):
            raise VendorDefinitionError(f"{where} gave {type(vendor).__name__} among its vendors, not a Vendor")
        if VENDORS.get(vendor.name) is not vendor:
            try:
                register_vendor(vendor)
            except VendorDefinitionError as exc:
                raise VendorDefinitionError(f"{where}: {exc}") from None
        added.append(vendor)
    return added
