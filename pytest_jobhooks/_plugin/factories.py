"""pytest wiring of the factories: the run seed, the ``jobhooks_factory`` fixture, the header and failure reports.

One seed per run (``--jobhooks-seed`` / ini ``jobhooks_seed``, else drawn from
the OS); each test's factory seed is derived from it and the test's node id, so
a test gets the same payloads whatever else runs, in whatever order, on
whichever xdist worker. The library is imported only when the fixture is used.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

from .._seeds import derive_seed, fresh_seed
from .options import GROUP

if TYPE_CHECKING:
    from pluggy import Result

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
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and _INI in workerinput:
        config.stash[_RUN_SEED] = int(workerinput[_INI])
        return
    given: str | None = config.getoption("jobhooks_seed")
    source = _OPTION
    if given is None:
        given, source = str(config.getini(_INI)).strip() or None, f"ini {_INI}"
    config.stash[_RUN_SEED] = fresh_seed(_RUN_SEED_BITS) if given is None else _parse_seed(given, source)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """Hand the run seed to each xdist worker, so workers and controller agree."""
    config: pytest.Config = node.config  # type: ignore[attr-defined]
    node.workerinput[_INI] = config.stash[_RUN_SEED]  # type: ignore[attr-defined]


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    """Add the seeds to the report of a failing test that used ``jobhooks_factory``."""
    outcome = yield
    report = outcome.get_result()
    test_seed = item.stash.get(_TEST_SEED, None)
    if report.failed and test_seed is not None:
        run_seed = item.config.stash[_RUN_SEED]
        report.sections.append(
            (
                "jobhooks",
                f"jobhooks: seed={run_seed} (replay with {_OPTION}={run_seed}); "
                f"this test's factory: SeededFactory(seed={test_seed})",
            )
        )


def _parse_seed(text: str, source: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if seed < 0:
        raise pytest.UsageError(f"{source} expects an integer >= 0, got {text!r}")
    return seed
