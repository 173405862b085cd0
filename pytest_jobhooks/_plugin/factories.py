"""pytest wiring of the factories: the ``jobhooks_factory`` fixture and its section of a failure report.

Each test's factory seed is derived from the run seed (:mod:`.seeds`) and the
test's node id. The library is imported only when the fixture is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .seeds import fixture_seed, replay_hint

if TYPE_CHECKING:
    from ..factories import SeededFactory

_TEST_SEED = pytest.StashKey[int]()


@pytest.fixture
def jobhooks_factory(request: pytest.FixtureRequest) -> SeededFactory:
    """Payload factories (build, lifecycle, invalid) bound to this test's seed.

    The seed is derived from the run seed (shown in the header; set it with
    --jobhooks-seed=N or ini jobhooks_seed) and the test's node id, and is shown
    in the report of a failing test, so a failure replays exactly. Each call
    makes a new job; pass seed= to a call to pin it.
    """
    from ..factories import SeededFactory

    seed = fixture_seed(request.config, request.node.nodeid)
    request.node.stash[_TEST_SEED] = seed
    return SeededFactory(seed)


def seed_section(item: pytest.Item) -> tuple[str, str] | None:
    """The failure-report section of a test that used ``jobhooks_factory``: the seeds that replay it."""
    seed = item.stash.get(_TEST_SEED, None)
    if seed is None:
        return None
    return "jobhooks", f"jobhooks: {replay_hint(item.config)}; this test's factory: SeededFactory(seed={seed})"
