"""The capture server: a real HTTP endpoint that records every delivery, checks signatures and scripts answers.

Use it through the ``jobhooks_server`` fixture, or on its own::

    with CaptureServer() as server:
        send_webhooks_to(server.url_for("/hooks/telmai"))
        [delivery] = server.wait_for(vendor="telmai", status="FINISHED")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypedDict

from .._checks import check_count, check_number
from ..deliveries import Delivery, Response
from ..errors import ArgumentError, ServerError
from ..signing import HeaderPrefix, Timestamp
from ..signing import sign as _sign
from ._async import running_loop, wait_async
from ._httpd import DEFAULT_MAX_CONNECTIONS
from ._receiver import DEFAULT_MAX_DELIVERIES, Receiver, Settings, checked_names, settings_secret
from ._script import Body, RespondSpec, make_response
from ._waiting import Criteria, Wait, timeout_message
from .background import BackgroundServer
from .inspector import INSPECTOR_PATH, Inspector

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..wire import Request

__all__ = ["SETTINGS", "CaptureServer", "LateDelivery", "ServerSettings"]


class ServerSettings(TypedDict, total=False):
    """Settings of a :class:`CaptureServer`: keyword arguments of its constructor, :meth:`~CaptureServer.configure`
    and ``@pytest.mark.jobhooks(...)``.

    - ``secret``: the Svix signing secret deliveries are verified with; True
      (default) for a fresh ``whsec_...`` one, None or False for none.
    - ``respond``: scripted answers: a status for every request, or a list with
      one item per request, each a status or a dict of :meth:`~CaptureServer.respond`
      arguments (e.g. ``[500, 500]``: two 500s, then 200).
    - ``body_limit``: largest body accepted, in bytes (default 1 MiB); larger is answered 413.
    - ``reject_status``: the answer to an invalid or missing signature (default
      401); None answers it from the script like any other delivery.
    - ``require_signature``: True: every delivery must be signed; False: only
      signatures that are present are checked; None (default): deliveries of
      vendors that sign (Tensorlake) must be signed.
    """

    secret: str | bool | None
    respond: RespondSpec | None
    body_limit: int
    reject_status: int | None
    require_signature: bool | None


SETTINGS: tuple[str, ...] = tuple(sorted(ServerSettings.__annotations__))
"""The names :class:`ServerSettings` accepts."""


class CaptureServer(BackgroundServer):
    """A real HTTP endpoint recording every request as a :class:`~pytest_jobhooks.Delivery`.

    It accepts any method on any path, verifies Svix signatures with
    :attr:`secret`, answers from a script (:meth:`respond`; 200 by default)
    and lets a test wait for deliveries without sleeping (:meth:`wait_for`).
    Served in background threads (see :class:`~pytest_jobhooks.server.background.BackgroundServer`);
    :meth:`stop` takes milliseconds. See :class:`ServerSettings` for the
    settings; the constructor alone takes the limits:

    - ``read_timeout`` (seconds, default 5): one request, head and body, must
      arrive within it, however slowly a client sends it; else 408 (or a note
      in :attr:`rejected` when not even its head arrived).
    - ``max_connections`` (default 256): connections served at once, so at most
      that many + 8 threads; one more is answered 503 at once and counted in
      :attr:`refused` and :attr:`rejected`.
    - ``max_deliveries`` (default 100,000): deliveries held, and rejection notes;
      beyond it the oldest are forgotten (a ring), counted in :attr:`dropped`.
      A delivery takes about 4 KB and its body; :meth:`clear` gives it back.

    Requests a client pipelines on one connection are answered in order.

    A sender needs only two attributes of it, which any object may offer to
    be sent to the same way: :attr:`url` (``str``) and :attr:`secret`
    (``str`` or None: the secret to sign with).
    """

    _what = "the capture server"
    _thread_name = "jobhooks"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        read_timeout: float = 5.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        **settings: Unpack[ServerSettings],
    ) -> None:
        super().__init__(host, port, read_timeout=read_timeout, max_connections=max_connections)
        self._defaults: dict[str, object] = {"secret": True, **checked_names(settings, SETTINGS)}
        self._receiver = Receiver(Settings(), check_count("max_deliveries", max_deliveries, minimum=1))
        self._apply(self._defaults)

    def _application(self) -> Receiver:
        return self._receiver

    def _starting(self) -> None:
        # Imported here, not by the first request: a sender's timeout must not pay for it.
        from .. import catalog  # noqa: F401

        self._receiver.stopping.clear()

    def _stopping(self) -> None:
        self._receiver.stopping.set()  # cuts scripted delays short

    def _note_rejection(self, message: str) -> None:
        self._receiver.note_rejection(message)

    def _summary(self) -> str:
        return f"{len(self.deliveries)} deliveries"

    # -- settings

    @property
    def secret(self) -> str | None:
        """The Svix signing secret deliveries are verified with (``whsec_...``), or None."""
        return self._receiver.settings.secret

    def configure(self, **settings: Unpack[ServerSettings]) -> CaptureServer:
        """Change some settings (see :class:`ServerSettings`); ``respond=`` replaces the script. Returns the server."""
        self._apply(checked_names(settings, SETTINGS))
        return self

    def reset(self) -> CaptureServer:
        """Forget deliveries and scripted answers, and go back to the constructor's settings (a fresh secret)."""
        self._receiver.clear()
        self._receiver.script.clear()
        self._apply(self._defaults, base=Settings())
        return self

    def respond(
        self,
        status: int = 200,
        *,
        times: int | None = None,
        delay: float = 0.0,
        body: Body = None,
        path: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Queue an answer: ``status`` for the next ``times`` requests (None: all following ones).

        Answers are used in the order queued; requests no queued answer applies to
        get 200. ``delay`` (seconds) waits before answering, to provoke a sender's
        timeout; ``body`` may be bytes, text or JSON (a dict or list); ``path``
        limits the answer to requests for that path. Rejections (bad signature,
        body too large) do not use up queued answers.
        """
        response = make_response(status, body=body, delay=delay, headers=headers)
        self._receiver.script.add(response, times=times, path=path)

    def answer_with(self, responder: Callable[[Request], Response] | None) -> None:
        """Answer every delivery with ``responder(request)`` instead of the script (None: the script again).

        How ``listen --forward-to`` answers with its target's answer; signature rejections still come first."""
        self._receiver.responder = responder

    @property
    def inspector(self) -> Inspector:
        """The live web inspector served at :attr:`inspector_url` (set its ``replay`` and ``recording``)."""
        return self._receiver.inspector

    @property
    def inspector_url(self) -> str:
        """The URL of the live web inspector: open it in a browser to see every delivery as it arrives."""
        return super().url + INSPECTOR_PATH  # without a test's prefix: it shows the whole server

    @property
    def deliveries(self) -> list[Delivery]:
        """The deliveries recorded so far, oldest first (a snapshot: later ones are not added to it)."""
        return self._receiver.deliveries()

    @property
    def rejected(self) -> list[str]:
        """Why each request that could not be recorded (garbage request line, timeout...) was turned away."""
        return self._receiver.rejections()

    @property
    def dropped(self) -> int:
        """How many deliveries were forgotten, oldest first, to hold no more than ``max_deliveries`` (since made)."""
        return self._receiver.dropped

    def clear(self) -> None:
        """Forget the deliveries recorded so far (settings and scripted answers stay)."""
        self._receiver.clear()

    def wait_for(
        self,
        count: int = 1,
        *,
        timeout: float = 5.0,
        vendor: str | None = None,
        job_id: str | None = None,
        status: str | None = None,
        path: str | None = None,
        predicate: Callable[[Delivery], bool] | None = None,
    ) -> list[Delivery]:
        """The first ``count`` deliveries that match, as soon as they have arrived (no polling, no sleeping).

        ``status`` matches the vendor's own status or the unified one; ``predicate``
        sees the deliveries that pass the other criteria. Deliveries that arrived
        before the call count too. On timeout raises ``AssertionError`` listing
        every delivery that did arrive and why it did not match.

        It blocks its thread: called from inside a running event loop (an async
        test) that has other tasks, it fails at once rather than block them (a
        delivery they make could never arrive); use :meth:`wait_for_async` there.
        """
        __tracebackhide__ = True
        wait = self._wait(
            count, timeout, Criteria(vendor=vendor, job_id=job_id, status=status, path=path, predicate=predicate)
        )
        found = wait.look(0.0)  # what already arrived: no reason to refuse that, even on a loop
        loop = running_loop() if found is None else None
        if loop is not None and loop.other_tasks:
            raise AssertionError(self._failure(wait, loop.blocked("wait_for"), waited=False))
        while found is None:
            if wait.expired:
                raise AssertionError(self._failure(wait, loop.blocked("wait_for") if loop is not None else None))
            found = wait.look(wait.deadline)
        return found

    async def wait_for_async(
        self,
        count: int = 1,
        *,
        timeout: float = 5.0,
        vendor: str | None = None,
        job_id: str | None = None,
        status: str | None = None,
        path: str | None = None,
        predicate: Callable[[Delivery], bool] | None = None,
    ) -> list[Delivery]:
        """:meth:`wait_for` for async code: the same arguments, result and timeout message; never blocks the loop.

        Runs under asyncio and trio (pytest-asyncio, anyio's pytest plugin), so
        a delivery made by a task on the same loop (an ``httpx.AsyncClient``,
        the app under test sending its own webhook) arrives while it waits.
        """
        __tracebackhide__ = True
        wait = self._wait(
            count, timeout, Criteria(vendor=vendor, job_id=job_id, status=status, path=path, predicate=predicate)
        )
        found = await wait_async(wait)
        if found is None:
            raise AssertionError(self._failure(wait))
        return found

    def _wait(self, count: int, timeout: float, criteria: Criteria) -> Wait:
        check_count("count", count)
        check_number("timeout", timeout, inclusive=True)
        return Wait(self._receiver, count, criteria, timeout)

    def _failure(self, wait: Wait, note: str | None = None, *, waited: bool = True) -> str:
        return timeout_message(
            count=wait.count,
            criteria=wait.criteria,
            timeout=wait.timeout,
            url=self.url if self.is_running else "the stopped server",
            deliveries=self.deliveries,
            rejections=self.rejected,
            note=note,
            waited=waited,
        )

    # -- helpers

    def sign(
        self,
        body: bytes | str,
        *,
        msg_id: str | None = None,
        timestamp: Timestamp | None = None,
        prefix: HeaderPrefix = "svix",
    ) -> dict[str, str]:
        """Headers signing ``body`` with this server's :attr:`secret` (see :func:`pytest_jobhooks.signing.sign`)."""
        if self.secret is None:
            raise ServerError("this server has no secret to sign with (configure(secret=...))")
        return _sign(self.secret, body, msg_id=msg_id, timestamp=timestamp, prefix=prefix)

    # -- internals

    def _apply(self, settings: Mapping[str, object], *, base: Settings | None = None) -> None:
        changes: dict[str, object] = {}
        for name, value in settings.items():
            if name == "secret":
                changes["secret"] = settings_secret(value)
            elif name == "body_limit":
                changes["body_limit"] = check_count("body_limit", value, what="a number of bytes")
            elif name == "reject_status":
                if value is not None:
                    value = make_response(value).status  # type: ignore[arg-type]
                changes["reject_status"] = value
            elif name == "require_signature":
                if value is not None and not isinstance(value, bool):
                    raise ArgumentError(f"require_signature must be True, False or None, not {value!r}")
                changes["require_signature"] = value
        if "respond" in settings:
            self._receiver.script.load(settings["respond"])  # type: ignore[arg-type]
        # One assignment: a request in flight sees the old settings or the new ones, never a mix.
        self._receiver.settings = replace(base or self._receiver.settings, **changes)  # type: ignore[arg-type]

    # -- per-test URLs (the plugin's isolation of tests sharing one server, usable without pytest)

    @property
    def url(self) -> str:
        """The server's URL: ``http://host:port``, and the current scope's prefix after :meth:`isolate`."""
        return super().url + self.path_prefix

    @property
    def path_prefix(self) -> str:
        """The prefix :attr:`url` carries after :meth:`isolate` (``/t/7``; else ``""``) before ``delivery.path``."""
        return self._receiver.scopes.prefix

    def isolate(self, label: str) -> CaptureServer:
        """Hand out new URLs: from now :attr:`url` and :meth:`url_for` carry a prefix of their own (``/t/<n>``).

        Deliveries to them are recorded with the prefix stripped (``delivery.path``
        is the path given to ``url_for``). A delivery sent to the URLs of an
        earlier ``isolate`` arrived late: it is not one of :attr:`deliveries` nor
        seen by :meth:`wait_for`, but kept, with that call's ``label``, for
        :meth:`take_late`; it is judged with the settings in force when its
        scope ended (its secret), and answered 200 without using the script.
        URLs built by hand (no prefix) are recorded as always. Returns the server.
        """
        if not isinstance(label, str):
            raise ArgumentError(f"label must be a str, not {label!r}")
        self._receiver.scopes.open(label, self._receiver.settings)
        return self

    def end_isolation(self) -> None:
        """From now every URL handed out by :meth:`isolate` is late (the test it was for has ended)."""
        self._receiver.scopes.close(self._receiver.settings)

    def take_late(self) -> list[LateDelivery]:
        """The deliveries that arrived late (see :meth:`isolate`) since the previous call, oldest first."""
        return [LateDelivery(label, delivery) for label, delivery in self._receiver.take_late()]

    # -- what arrived after a moment (the plugin's "during this test", usable without pytest)

    def mark(self) -> object:
        """A token for "now": :meth:`since` gives what arrives after it, across :meth:`clear` and :meth:`reset`."""
        return _Mark(self, self._receiver.arrived())

    def since(self, mark: object) -> list[Delivery]:
        """The deliveries that arrived after ``mark`` (from this server's :meth:`mark`), still held, oldest first."""
        if not isinstance(mark, _Mark) or mark.server is not self:
            raise ServerError(f"since() takes a mark from this server's mark(), not {mark!r}")
        return self._receiver.arrived_since(mark.arrived)


@dataclass(frozen=True)
class LateDelivery:
    """A delivery sent to URLs :meth:`CaptureServer.isolate` handed out, arriving once they were no longer current.

    ``label`` is the one given to that ``isolate`` call (the plugin gives the
    test's node id); ``delivery`` is what arrived, its path without the prefix.
    """

    label: str
    delivery: Delivery


@dataclass(frozen=True)
class _Mark:
    """A moment in a server's arrivals: how many deliveries it had received by then."""

    server: CaptureServer
    arrived: int
