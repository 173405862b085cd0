"""Waiting for deliveries from async code: without blocking the event loop, and noticing when a sync wait would.

The capture server records deliveries in its own threads; an async wait is
woken from there through the loop's thread-safe "call soon" (asyncio's
``call_soon_threadsafe``, trio's token ``run_sync_soon``), then waits with
anyio, so it runs under pytest-asyncio and anyio's plugin (asyncio or trio)
alike. A blocking wait called on a running loop stops every task of that loop:
:func:`running_loop` says which loop it is and how many other tasks it holds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..deliveries import Delivery
from ..errors import ServerError
from ._waiting import Wait


@dataclass(frozen=True)
class RunningLoop:
    """The event loop running in this thread: its library and how many of its other tasks a blocking call stops."""

    library: str
    other_tasks: int

    def blocked(self, what: str) -> str:
        """Why ``what`` (a blocking call) cannot work here, pointing to its async twin."""
        twin = "Use `await server.wait_for_async(...)` (same arguments) instead."
        if not self.other_tasks:
            return (
                f"{what} blocked the running {self.library} event loop it was called from for the whole wait: "
                f"nothing on that loop (a client sending the webhook, the app under test) could run, so a "
                f"delivery made there could not arrive. {twin}"
            )
        tasks = f"{self.other_tasks} other task{'s' if self.other_tasks != 1 else ''}"
        return (
            f"{what} was called from inside a running {self.library} event loop and would block it: its {tasks} "
            f"(a client sending the webhook, the app under test) could not run meanwhile, so a delivery they "
            f"make could not arrive; it failed at once instead. {twin}"
        )


def running_loop() -> RunningLoop | None:
    """The asyncio or trio loop running in this thread, if any (neither library is imported here to find out)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            current = asyncio.current_task(loop)
            others = [task for task in asyncio.all_tasks(loop) if task is not current]
            return RunningLoop("asyncio", len(others))
    trio = sys.modules.get("trio")
    if trio is not None and trio.lowlevel.in_trio_task():
        return RunningLoop("trio", _other_trio_tasks(trio))
    return None


def _other_trio_tasks(trio: Any) -> int:
    # Every task under the root but this one and its ancestors (they only wait for it).
    current = trio.lowlevel.current_task()
    waiting_for_it = set()
    task = current
    while task is not None:
        waiting_for_it.add(task)
        nursery = task.parent_nursery
        task = nursery.parent_task if nursery is not None else None
    count, stack = 0, [trio.lowlevel.current_root_task()]
    while stack:
        task = stack.pop()
        if task is None:
            continue
        count += task not in waiting_for_it
        stack.extend(child for nursery in task.child_nurseries for child in nursery.child_tasks)
    return count


def _call_soon_threadsafe() -> Callable[[Callable[[], object]], object]:
    """How another thread schedules a callback on the running loop (asyncio or trio)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            return asyncio.get_running_loop().call_soon_threadsafe  # type: ignore[no-any-return]
        except RuntimeError:
            pass
    trio = sys.modules.get("trio")  # running, so imported: no need to import it here
    if trio is None or not trio.lowlevel.in_trio_task():
        raise ServerError("wait_for_async must be awaited in a running asyncio or trio event loop")
    return trio.lowlevel.current_trio_token().run_sync_soon  # type: ignore[no-any-return]


async def wait_async(wait: Wait) -> list[Delivery] | None:
    """Run ``wait`` without blocking the loop: the matches, or None once it expired."""
    import anyio

    call_soon = _call_soon_threadsafe()
    event = anyio.Event()

    def wake() -> None:  # in the server's thread: the event is set on the loop's own thread
        call_soon(lambda: event.set())

    wait.receiver.add_waker(wake)
    try:
        while True:
            event = anyio.Event()  # before looking: an arrival after the look sets this one
            found = wait.look(0.0)
            if found is not None or wait.expired:
                return found
            with anyio.move_on_after(max(0.0, wait.deadline - time.monotonic())):
                await event.wait()
    finally:
        wait.receiver.remove_waker(wake)
