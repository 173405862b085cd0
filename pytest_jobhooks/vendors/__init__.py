"""The vendor registry: built-in vendors (one module each) plus those users register.

Adding a built-in vendor: write ``vendors/<module>.py`` defining ``VENDOR`` and
add its module name to :data:`~pytest_jobhooks.vendors.schema.BUILTIN`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import import_module
from types import MappingProxyType
from typing import Protocol

from ..errors import PayloadValidationError, UnknownVendorError, VendorDefinitionError
from ._validation import validated
from .base import AnyVendor, Vendor
from .schema import BUILTIN, is_builtin

__all__ = [
    "VENDORS",
    "RegisterVendor",
    "credential_headers",
    "get_vendor",
    "is_builtin",
    "register_vendor",
    "registered",
    "unregister_vendor",
]

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


@contextmanager
def registered(vendor: AnyVendor, *, replace: bool = False) -> Iterator[AnyVendor]:
    """Register ``vendor`` for the ``with`` block: on exit it is unregistered again.

    With ``replace=True`` it may take the place of a vendor of the same name,
    which is put back on exit. Raises as :func:`register_vendor` does.
    """
    previous = _registry.get(vendor.name) if isinstance(vendor, Vendor) else None
    register_vendor(vendor, replace=replace)
    try:
        yield vendor
    finally:
        if _registry.get(vendor.name) is vendor:
            if previous is not None:
                _registry[vendor.name] = previous
            else:
                del _registry[vendor.name]


def credential_headers() -> frozenset[str]:
    """The header names (lowercase) in which a registered vendor sends a credential the user configured.

    Every :attr:`DeliveryStyle.credential_headers <pytest_jobhooks.vendors.base.DeliveryStyle.credential_headers>`
    of every registered vendor and its alternative styles: recordings redact them.
    """
    return frozenset(
        name.lower()
        for spec in _registry.values()
        for style in (spec.delivery, *spec.delivery.alternatives)
        for name in style.credential_headers
    )


class RegisterVendor(Protocol):
    """What the ``jobhooks_register_vendor`` fixture gives: calling it with a vendor registers and returns it."""

    def __call__(self, vendor: AnyVendor, *, replace: bool = False) -> AnyVendor:
        """Register ``vendor`` for the test (``replace=True`` stands in for a vendor of the same name)."""


def _check_examples(vendor: AnyVendor) -> None:
    for name, example in vendor.examples.items():
        verdict = validated(vendor, dict(example))
        if isinstance(verdict, tuple):
            exc = PayloadValidationError(vendor.name, verdict)
            raise VendorDefinitionError(f"{vendor.name} example {name!r} is invalid: {exc}") from None


_registry.update((vendor.name, vendor) for vendor in (import_module(f"{__name__}.{m}").VENDOR for m in BUILTIN))
