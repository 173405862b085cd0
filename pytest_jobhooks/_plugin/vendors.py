"""pytest wiring of the vendor registry: ``jobhooks_register_vendor`` registers a vendor for one test.

The vendor stays registered until the test's reports are made (after its
fixtures are torn down), so the capture server, the assertions, contract mode
and the recordings written at teardown all know it; then the registry is as it
was. The registry (and pydantic) is imported only when the fixture is used.
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
    """After the test's last report: unregister what ``jobhooks_register_vendor`` registered (last first)."""
    try:
        yield
    finally:
        stack = item.stash.get(_UNDO, None)
        if stack is not None:
            del item.stash[_UNDO]
            stack.close()
