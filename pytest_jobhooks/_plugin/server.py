"""pytest wiring of the capture server: ``--jobhooks-host`` / ``--jobhooks-port``, the ``jobhooks`` marker, fixtures.

One server per process (so per pytest-xdist worker), started on first use and
stopped at the end of the session; ``jobhooks_server`` resets it before each
test. Nothing heavy is imported until a fixture needs the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from .late import begin_test, watch
from .options import GROUP, setting

if TYPE_CHECKING:
    from ..server import CaptureServer

DEFAULT_HOST = "127.0.0.1"
TEST_SERVER = pytest.StashKey["CaptureServer"]()
"""On a test item's stash: the ``jobhooks_server`` the test used (contract mode and recording read it)."""
EXTRA_SERVERS = pytest.StashKey[list["CaptureServer"]]()
"""On the config's stash: the servers tests made with ``make_jobhooks_server`` (contract mode and recording)."""
CONTRACT = "contract"
"""The ``jobhooks`` marker's keyword for contract mode, which is not a server setting."""
RECORD = "record"
"""The ``jobhooks`` marker's keyword for ``--jobhooks-record`` (``record=False``: not recorded); not for the server."""
_ADDRESS = pytest.StashKey[tuple[str, int]]()
_MARKER = (
    "jobhooks(secret=..., respond=..., body_limit=..., reject_status=..., require_signature=..., contract=True): "
    "configure the jobhooks_server capture server for this test (see CaptureServer.configure); "
    "contract=False turns off --jobhooks checks of what the test captured and sent, contract='schema' "
    "checks payloads but not lifecycles; record=False leaves the test out of --jobhooks-record"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--jobhooks-host`` / ``--jobhooks-port`` and their ini twins ``jobhooks_host`` / ``jobhooks_port``."""
    group = parser.getgroup(GROUP)
    group.addoption(
        "--jobhooks-host",
        dest="jobhooks_host",
        default=None,
        help=f"host the jobhooks_server capture server listens on (default {DEFAULT_HOST}; ini: jobhooks_host)",
    )
    group.addoption(
        "--jobhooks-port",
        dest="jobhooks_port",
        default=None,
        help="port the jobhooks_server capture server listens on (default 0: any free port; ini: jobhooks_port)",
    )
    parser.addini("jobhooks_host", f"host the jobhooks_server capture server listens on (default {DEFAULT_HOST})")
    parser.addini("jobhooks_port", "port the jobhooks_server capture server listens on (default 0: any free port)")


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``jobhooks`` marker and check the listen address options (bad values: ``UsageError``)."""
    config.addinivalue_line("markers", _MARKER)
    config.stash[_ADDRESS] = _listen_address(config)


def _listen_address(config: pytest.Config) -> tuple[str, int]:
    host = setting(config, "jobhooks_host", str.strip, DEFAULT_HOST) or DEFAULT_HOST
    return host, setting(config, "jobhooks_port", _port, 0)


def _port(text: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 5 or int(text) > 65535:  # isdigit() takes "²"
        raise ValueError("a port number from 0 to 65535")
    return int(text)


@pytest.fixture(scope="session")
def jobhooks_listen_address(pytestconfig: pytest.Config) -> tuple[str, int]:
    """(host, port) of the ``jobhooks_server`` capture server.

    From ``--jobhooks-host`` / ``--jobhooks-port`` or the ini options
    ``jobhooks_host`` / ``jobhooks_port``; default ``127.0.0.1`` and a free
    port. Redefine this fixture in a ``conftest.py`` to choose them in code.
    """
    return pytestconfig.stash[_ADDRESS]


@pytest.fixture(scope="session")
def make_jobhooks_server(
    pytestconfig: pytest.Config, jobhooks_listen_address: tuple[str, int]
) -> Iterator[Callable[..., CaptureServer]]:
    """Factory of extra capture servers, for tests that need more than one endpoint.

    ``make_jobhooks_server(**settings)`` returns a started
    :class:`~pytest_jobhooks.CaptureServer` on the jobhooks host and a free port
    (``host=``, ``port=``, ``read_timeout=`` and every ``ServerSettings`` keyword
    are accepted). Servers are stopped at the end of the session, or earlier
    with ``server.stop()`` / ``with make_jobhooks_server() as server:``. Under
    --jobhooks (and --jobhooks-record) what a server received during a test
    is checked (and recorded) when that test ends.
    """
    from ..server import CaptureServer

    default_host, _ = jobhooks_listen_address
    servers: list[CaptureServer] = []
    watched = pytestconfig.stash.setdefault(EXTRA_SERVERS, [])

    def make(host: str = default_host, port: int = 0, **settings: object) -> CaptureServer:
        server = CaptureServer(host, port, **settings)  # type: ignore[arg-type]
        servers.append(server)
        watched.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def _jobhooks_shared_server(
    pytestconfig: pytest.Config,
    make_jobhooks_server: Callable[..., CaptureServer],
    jobhooks_listen_address: tuple[str, int],
) -> CaptureServer:
    host, port = jobhooks_listen_address
    server = make_jobhooks_server(host=host, port=port)
    # Not an extra server: jobhooks_server hands it over per test (TEST_SERVER), only to the tests that use it.
    watched = pytestconfig.stash.get(EXTRA_SERVERS, [])
    if server in watched:
        watched.remove(server)
    watch(pytestconfig, server)
    return server


@pytest.fixture
def jobhooks_server(request: pytest.FixtureRequest, _jobhooks_shared_server: CaptureServer) -> Iterator[CaptureServer]:
    """A capture server (:class:`~pytest_jobhooks.CaptureServer`): a real HTTP endpoint recording every delivery.

    Point the sender at ``jobhooks_server.url`` (or ``.url_for("/path")``),
    then ``jobhooks_server.wait_for(vendor=..., status=...)``. Cleared before
    each test, with a fresh signing secret (``.secret``); configure it with
    ``@pytest.mark.jobhooks(secret=..., respond=..., body_limit=...)``. Under
    --jobhooks what it received is checked against the vendors' contracts when
    the test ends; --jobhooks-record=DIR records it.

    Its ``url`` and ``url_for()`` are this test's own (they start with
    ``/t/<n>``, stripped from ``delivery.path``): a delivery sent to them that
    arrives after the test ended is shown to no later test, but reported for
    this one (see "jobhooks late deliveries" in the summary).
    """
    server = _jobhooks_shared_server.reset()
    request.node.stash[TEST_SERVER] = server
    settings = _marker_settings(request.node)
    begin_test(request.node, server, opted_out=settings.pop(CONTRACT, None) is False)
    if settings:
        from ..errors import ArgumentError

        try:
            server.configure(**settings)  # type: ignore[arg-type]
        except ArgumentError as exc:
            raise pytest.UsageError(f"@pytest.mark.jobhooks: {exc}") from None
    yield server
    server.end_isolation()


def _marker_settings(node: pytest.Item) -> dict[str, object]:
    """The settings of every ``jobhooks`` marker on the test (``contract`` too), the closest one winning."""
    settings: dict[str, object] = {}
    for marker in reversed(list(node.iter_markers("jobhooks"))):
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.jobhooks takes keyword arguments only, got {marker.args!r}")
        settings.update(marker.kwargs)
    settings.pop(RECORD, None)  # read by the recorder (_plugin/recordings.py), not a server setting
    return settings
