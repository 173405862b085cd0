"""pytest wiring of the factories: the run seed, the ``jobhooks_factory`` fixture, the header and failure reports.

One seed per run (``--jobhooks-seed`` / ini ``jobhooks_seed``, else drawn from
the OS); each test's factory seed is derived from it and the test's node id, so
a test gets the same payloads whatever else runs, in whatever order, on
whichever xdist worker. The library is imported only when the fixture is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .._checks import check_seed
from .._seeds import derive_seed, fresh_seed
from ..errors import ArgumentError
from ._xdist import from_controller, send_to_workers
from .options import GROUP, setting

if TYPE_CHECKING:
    from ..factories import SeededFactory

_OPTION = "--jobhooks-seed"
_INI = "jobhooks_seed"
_RUN_SEED = pytest.StashKey[int]()
_TEST_SEED = pytest.StashKey[int]()
# Run seeds are kept short enough to read and type; per-test seeds are derived at full width.
_RUN_SEED_BITS = 32


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--jobhooks-seed`` and its ini twin ``jobhooks_seed``."""
    group = parser.getgroup(GROUP)
    group.addoption(
        _OPTION,
        dest="jobhooks_seed",
        metavar="N",
        default=None,
        help="seed of the jobhooks_factory fixture, to replay a run (default: ini jobhooks_seed, else random)",
    )
    parser.addini(_INI, help="seed of the jobhooks_factory fixture (default: a random seed per run)", default="")


def pytest_configure(config: pytest.Config) -> None:
    """Settle the run's seed: the controller's under xdist, else the option, the ini value or a fresh one."""
    handed = from_controller(config, _INI)
    if isinstance(handed, int):
        seed = handed
    else:
        given = setting(config, _INI, _parse_seed, None)
        seed = fresh_seed(_RUN_SEED_BITS) if given is None else given
    config.stash[_RUN_SEED] = seed
    send_to_workers(config, _INI, seed)


def pytest_report_header(config: pytest.Config) -> str:
    """Show the run seed and how to replay it."""
    seed = config.stash[_RUN_SEED]
    return f"jobhooks: seed={seed} (replay with {_OPTION}={seed})"


@pytest.fixture
def jobhooks_factory(request: pytest.FixtureRequest) -> SeededFactory:
    """Payload factories (build, lifecycle, invalid) bound to this test's seed.

    The seed is derived from the run seed (shown in the header; set it with
    --jobhooks-seed=N or ini jobhooks_seed) and the test's node id, and is shown
    in the report of a failing test, so a failure replays exactly. Each call
    makes a new job; pass seed= to a call to pin it.
    """
    from ..factories import SeededFactory

    seed = derive_seed(request.config.stash[_RUN_SEED], request.node.nodeid)
    request.node.stash[_TEST_SEED] = seed
    return SeededFactory(seed)


def seed_section(item: pytest.Item) -> tuple[str, str] | None:
    """The failure-report section of a test that used ``jobhooks_factory``: the seeds that replay it."""
    test_seed = item.stash.get(_TEST_SEED, None)
    if test_seed is None:
        return None
    run_seed = item.config.stash[_RUN_SEED]
    return (
        "jobhooks",
        f"jobhooks: seed={run_seed} (replay with {_OPTION}={run_seed}); "
        f"this test's factory: SeededFactory(seed={test_seed})",
    )


def _parse_seed(text: str) -> int | None:
    try:
        return check_seed(int(text))
    except (ValueError, ArgumentError):
        raise ValueError("an int >= 0") from None
