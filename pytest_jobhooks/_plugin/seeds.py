"""pytest wiring of the run seed: ``--jobhooks-seed`` / ini ``jobhooks_seed``, the header line, per-test seeds.

One seed per run (given, else drawn from the OS), shown in the header; the
seed of each seeded fixture (``jobhooks_factory``, ``jobhooks_sender``) is
derived from it, the test's node id and the fixture's label, so a test gets
the same draws whatever else runs, in whatever order, on whichever xdist
worker (the controller hands its run seed to every worker).
"""

from __future__ import annotations

import pytest

from .._checks import check_seed
from .._seeds import derive_seed, fresh_seed
from ..errors import ArgumentError
from ._xdist import from_controller, send_to_workers
from .options import GROUP, setting

__all__ = ["OPTION", "fixture_seed", "replay_hint", "run_seed"]

OPTION = "--jobhooks-seed"
"""The option that replays a run."""

_INI = "jobhooks_seed"
_RUN_SEED = pytest.StashKey[int]()
# Run seeds are kept short enough to read and type; per-test seeds are derived at full width.
_RUN_SEED_BITS = 32


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--jobhooks-seed`` and its ini twin ``jobhooks_seed``."""
    group = parser.getgroup(GROUP)
    group.addoption(
        OPTION,
        dest=_INI,
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
    return f"jobhooks: {replay_hint(config)}"


def run_seed(config: pytest.Config) -> int:
    """The run's seed."""
    return config.stash[_RUN_SEED]


def fixture_seed(config: pytest.Config, nodeid: str, label: str = "") -> int:
    """The seed of one seeded fixture of one test: the run seed, the node id and the fixture's ``label``."""
    return derive_seed(run_seed(config), f"{nodeid}::{label}" if label else nodeid)


def replay_hint(config: pytest.Config) -> str:
    """``seed=N (replay with --jobhooks-seed=N)``."""
    seed = run_seed(config)
    return f"seed={seed} (replay with {OPTION}={seed})"


def _parse_seed(text: str) -> int | None:
    try:
        return check_seed(int(text))
    except (ValueError, ArgumentError):
        raise ValueError("an int >= 0") from None
