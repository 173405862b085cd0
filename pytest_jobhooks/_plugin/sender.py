"""pytest wiring of the sender and the fake GoFetch API: ``jobhooks_sender``, ``jobhooks_gofetch_api``, their reports.

``jobhooks_sender`` draws its seed like ``jobhooks_factory`` does (from the run
seed and the test's node id, under its own label), so a run replayed with
``--jobhooks-seed`` sends the same message ids and chaos plans. The fake API is
one server per process, reset before each test. The sender (httpx) and the
fake API (werkzeug) are imported only when a fixture is first used.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

from .seeds import fixture_seed

if TYPE_CHECKING:
    from ..fakes.gofetch import GoFetchAPI
    from ..sender import Sender

SENDER = pytest.StashKey["Sender"]()
"""On a test item's stash: the test's ``jobhooks_sender`` (its report section, contract mode and recording read it)."""


def sender_seed(config: pytest.Config, nodeid: str) -> int:
    """The seed of a test's ``jobhooks_sender``: the run seed and the node id, under the sender's own label."""
    return fixture_seed(config, nodeid, "jobhooks_sender")


@pytest.fixture
def jobhooks_sender(request: pytest.FixtureRequest) -> Iterator[Sender]:
    """Send webhooks as vendors do (:class:`~pytest_jobhooks.sender.Sender`): ``deliver`` / ``deliver_all``.

    ``jobhooks_sender.deliver(payload, to)`` sends one payload (signed, retried
    on the vendor's schedule in virtual time) to a URL, ``jobhooks_server`` or
    an in-process WSGI/ASGI app; ``deliver_all(payloads, to, duplicates=0.3,
    reorder=True)`` adds at-least-once chaos; ``await deliver_async(...)`` and
    ``await deliver_all_async(...)`` do the same on the test's event loop. An
    ASGI app's lifespan starts before the first delivery to it and is shut
    down when the test ends. Seeded from the run seed (--jobhooks-seed) and the
    test's id; ``.sent`` lists every delivery, shown in the report of a failing
    test. Under --jobhooks what it sent is checked against the vendors'
    contracts when the test ends; --jobhooks-record=DIR records it.
    """
    from ..sender import Sender

    sender = Sender(sender_seed(request.config, request.node.nodeid))
    request.node.stash[SENDER] = sender
    yield sender
    sender.close()


def sender_section(item: pytest.Item) -> tuple[str, str] | None:
    """The failure-report section of a test whose ``jobhooks_sender`` sent something: seed, deliveries, attempts."""
    sender = item.stash.get(SENDER, None)
    if sender is None or not sender.sent:
        return None
    return "jobhooks sender", sender.describe()


@pytest.fixture
def jobhooks_gofetch_credentials() -> tuple[str, str]:
    """(email, token) the ``jobhooks_gofetch_api`` fake accepts: ``tester@example.com`` and a fresh random token.

    Redefine this fixture in a ``conftest.py`` to use fixed credentials.
    """
    import secrets

    from ..fakes.gofetch import DEFAULT_EMAIL

    return DEFAULT_EMAIL, secrets.token_hex(16)


@pytest.fixture(scope="session")
def _jobhooks_gofetch_api_server(jobhooks_listen_address: tuple[str, int]) -> Iterator[GoFetchAPI]:
    from ..fakes.gofetch import GoFetchAPI

    host, _ = jobhooks_listen_address
    api = GoFetchAPI(host).start()
    yield api
    api.stop()


@pytest.fixture
def jobhooks_gofetch_api(
    _jobhooks_gofetch_api_server: GoFetchAPI, jobhooks_gofetch_credentials: tuple[str, str]
) -> GoFetchAPI:
    """A fake GoFetch API (:class:`~pytest_jobhooks.fakes.gofetch.GoFetchAPI`) on a real HTTP server.

    Implements the job status webhook endpoints under ``.url`` (ending in
    ``/public_api/v1/``); every call needs ``.headers`` (``X-User-Email`` /
    ``X-User-Token``). ``.calls`` shows what your client called,
    ``.webhook_url`` what it saved, ``.emit(job_id, job_status)`` sends GoFetch's
    GET to that URL. Reset before each test, with credentials from
    ``jobhooks_gofetch_credentials``.
    """
    email, token = jobhooks_gofetch_credentials
    return _jobhooks_gofetch_api_server.reset(email=email, token=token)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Around an async test using ``jobhooks_sender``: shut its apps' lifespans down on the test's own loop.

    The lifespan of an app delivered to with ``deliver_async`` runs on the
    test's loop (asyncio or trio), which only the test's coroutine can reach:
    the test function is wrapped so that it ends with ``await sender.aclose()``,
    whichever plugin (pytest-asyncio, anyio) then runs it.
    """
    sender = item.stash.get(SENDER, None)
    function = getattr(item, "obj", None)
    if sender is None or not inspect.iscoroutinefunction(function) or hasattr(function, "hypothesis"):
        return (yield)
    original = function

    @functools.wraps(original)
    async def closing(*args: object, **kwargs: object) -> object:
        try:
            return await original(*args, **kwargs)
        finally:
            await sender.aclose()

    item.obj = closing  # type: ignore[attr-defined]
    try:
        return (yield)
    finally:
        item.obj = original  # type: ignore[attr-defined]
