"""pytest wiring of the vendor registry: vendors registered for one folder or one test.

A ``conftest.py`` names the vendors of its folder with the hook
``pytest_jobhooks_vendors()``; they are registered while each item under that
folder runs, test functions and collected recording files alike. Inside a test,
the ``jobhooks_register_vendor`` fixture registers one for that test. Either way
the vendor stays registered until the item's reports are made (after its
fixtures are torn down), so the capture server, the assertions, contract mode
and the recordings written at teardown all know it; then the registry is as it
was. Vendors installed through the ``pytest_jobhooks.vendors`` entry points
(see :mod:`pytest_jobhooks.vendors.loading`) are registered at configure, for
the whole run. The registry (and pydantic) is imported only when a vendor is
declared or installed.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..vendors import RegisterVendor
    from ..vendors.base import AnyVendor

_UNDO = pytest.StashKey[ExitStack]()
# vendors.loading.ENTRY_POINT_GROUP (a test checks): importing that module would load pydantic at every start.
_ENTRY_POINT_GROUP = "pytest_jobhooks.vendors"


class VendorHooks:
    """The hook a ``conftest.py`` implements to name the vendors of its folder."""

    @pytest.hookspec
    def pytest_jobhooks_vendors(self) -> list[AnyVendor]:  # type: ignore[empty-body]
        """The vendors to register while each test and recording file under this ``conftest.py`` runs.

        ``def pytest_jobhooks_vendors(): return [MY_VENDOR]``: only items of the
        conftest's folder see them (pytest asks only the conftests that apply to an
        item), and the registry is restored after each item. A vendor of the same
        name registered elsewhere is stood in for, then put back.
        """


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Declare ``pytest_jobhooks_vendors`` for conftest files to implement."""
    pluginmanager.add_hookspecs(VendorHooks)


def pytest_configure(config: pytest.Config) -> None:
    """Register the vendors of installed ``pytest_jobhooks.vendors`` entry points (a broken one: ``UsageError``)."""
    from importlib.metadata import entry_points

    if not entry_points(group=_ENTRY_POINT_GROUP):
        return  # the common case costs no import of the registry
    from ..errors import VendorDefinitionError
    from ..vendors.loading import load_entry_points

    try:
        load_entry_points()
    except VendorDefinitionError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture
def jobhooks_register_vendor(request: pytest.FixtureRequest) -> RegisterVendor:
    """Register vendors for this test only: ``jobhooks_register_vendor(MY_VENDOR)``.

    ``replace=True`` stands in for a vendor of the same name.

    Undone once the test's reports are made, whatever the outcome; see
    :func:`pytest_jobhooks.vendors.registered` to do the same without pytest.
    """
    item = request.node

    def register(vendor: AnyVendor, *, replace: bool = False) -> AnyVendor:
        from ..vendors import registered

        stack: ExitStack = item.stash.setdefault(_UNDO, ExitStack())
        added: AnyVendor = stack.enter_context(registered(vendor, replace=replace))
        return added

    return register


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    """Register the vendors the item's folder declares; after its last report, undo every registration."""
    declared = [vendor for group in item.ihook.pytest_jobhooks_vendors() for vendor in group]
    if declared:
        from ..vendors import VENDORS, registered

        registrations = item.stash.setdefault(_UNDO, ExitStack())
        for vendor in declared:
            if VENDORS.get(vendor.name) is not vendor:
                registrations.enter_context(registered(vendor, replace=True))
    try:
        yield
    finally:
        stack = item.stash.get(_UNDO, None)
        if stack is not None:
            del item.stash[_UNDO]
            stack.close()
