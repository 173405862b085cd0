"""The vendor registry: built-in vendors (one module each) plus those users register.

Adding a built-in vendor: write ``vendors/<module>.py`` defining ``VENDOR`` and
add its module name to ``_BUILTIN``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import import_module
from types import MappingProxyType

from ..errors import UnknownVendorError, VendorDefinitionError
from .base import AnyVendor, Vendor

_BUILTIN = (
    "telmai",
    "tamr",
    "tensorlake",
    "tensorlake_workflow",
    "gofetch",
)

_registry: dict[str, AnyVendor] = {}

VENDORS: Mapping[str, AnyVendor] = MappingProxyType(_registry)
"""Every registered vendor by name (read-only; use :func:`register_vendor` to add one)."""

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def register_vendor(vendor: AnyVendor, *, replace: bool = False) -> AnyVendor:
    """Add ``vendor`` to :data:`VENDORS` so every part of pytest-jobhooks knows it; returns it.

    Its documented examples must validate. A name already taken raises
    :class:`~pytest_jobhooks.errors.VendorDefinitionError` unless ``replace=True``.
    """
    if not isinstance(vendor, Vendor):
        raise VendorDefinitionError(f"register_vendor() takes a Vendor, not {type(vendor).__name__}")
    if not _NAME.fullmatch(vendor.name):
        raise VendorDefinitionError(f"vendor name {vendor.name!r} must be lowercase letters, digits, '-', '_' or '.'")
    if vendor.name in _registry and not replace:
        raise VendorDefinitionError(f"vendor {vendor.name!r} is already registered (pass replace=True)")
    _check_examples(vendor)
    _registry[vendor.name] = vendor
    return vendor


def unregister_vendor(name: str) -> AnyVendor:
    """Remove a vendor from :data:`VENDORS` (e.g. at the end of a test that registered it); returns it."""
    try:
        return _registry.pop(name)
    except KeyError:
        raise UnknownVendorError(name, sorted(_registry)) from None


def get_vendor(vendor: str | AnyVendor) -> AnyVendor:
    """The registered :class:`Vendor` of that name (a ``Vendor`` is returned as is)."""
    if isinstance(vendor, Vendor):
        return vendor
    try:
        return _registry[vendor]
    except (KeyError, TypeError):
        raise UnknownVendorError(vendor, sorted(_registry)) from None


def is_builtin(vendor: AnyVendor) -> bool:
    """Whether ``vendor`` is one of the built-in vendor objects (which ship a schema file)."""
    return any(vendor is builtin for builtin in _BUILTIN_VENDORS)


def _check_examples(vendor: AnyVendor) -> None:
    from ..catalog import validate_payload
    from ..errors import PayloadValidationError

    for name, example in vendor.examples.items():
        try:
            validate_payload(vendor, example)
        except PayloadValidationError as exc:
            raise VendorDefinitionError(f"{vendor.name} example {name!r} is invalid: {exc}") from None


_BUILTIN_VENDORS: tuple[AnyVendor, ...] = tuple(import_module(f"{__name__}.{m}").VENDOR for m in _BUILTIN)
_registry.update((vendor.name, vendor) for vendor in _BUILTIN_VENDORS)
