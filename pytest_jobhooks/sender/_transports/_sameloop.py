"""Catch the same-loop deadlock: a synchronous ``deliver`` to a server that runs on the caller's own event loop.

The loop cannot answer while ``deliver`` blocks it, so every attempt would
wait its whole timeout for "no answer". The running loop lists the sockets it
waits on (asyncio: its selector; trio: its epoll manager); a listening one
bound to the target's port means the receiver is on this very loop, and the
call fails at once instead. Loops that show no such list (uvloop) are not checked.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from urllib.parse import urlsplit

from ...errors import DeliveryError

__all__ = ["refuse_same_loop"]

_ANY = {"0.0.0.0", "::", ""}


def _loop_fds() -> list[int]:
    """The file descriptors the running loop of this thread waits on (none when there is no loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _trio_fds()
    selector = getattr(loop, "_selector", None)  # uvloop and other loops have none: nothing to look at
    get_map = getattr(selector, "get_map", None)
    if get_map is None:
        return []
    keys = list(get_map().values())
    return [key.fileobj if isinstance(key.fileobj, int) else key.fileobj.fileno() for key in keys]


def _trio_fds() -> list[int]:
    core = sys.modules.get("trio._core._run")  # looked up, never imported: trio is the test's choice
    if core is None:
        return []
    try:
        # trio has no public view of what it waits on; its epoll manager keeps a map by descriptor.
        registered = core.GLOBAL_RUN_CONTEXT.runner.io_manager._registered
    except AttributeError:  # not inside trio.run, or another I/O manager
        return []
    return [fd for fd in list(registered) if isinstance(fd, int)]


def _served_here(host: str, port: int) -> bool:
    for fd in _loop_fds():
        try:
            # Borrow the descriptor to read its address, then give it back untouched.
            sock = socket.socket(fileno=fd)
        except OSError:
            continue
        try:
            if sock.type != socket.SOCK_STREAM or not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                continue
            bound_host, bound_port = sock.getsockname()[:2]
        except (OSError, ValueError, TypeError):
            continue
        finally:
            sock.detach()
        if bound_port == port and (bound_host in _ANY or bound_host == host or host == "localhost"):
            return True
    return False


def refuse_same_loop(url: str) -> None:
    """Fail at once when ``url`` is served by a server on the running event loop of this thread."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return
    if _served_here(parts.hostname or "", port):
        raise DeliveryError(
            f"deliver() to {url} would deadlock: the server listening there runs on this test's own event loop, "
            "which cannot answer while a synchronous deliver() blocks it; use `await deliver_async(...)` "
            "(or `await jobhooks_sender.deliver_async(...)`) instead"
        )
