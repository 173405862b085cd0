"""The one pytest-xdist hand-off: settings go from the controller to each worker, totals come back.

A feature says what it hands over in its ``pytest_configure``:
:func:`send_to_workers` (the run seed, the recording directory) and
:func:`collect_from_workers` (contract and recording totals: how a worker
reports them, how the controller merges them). Values cross as JSON.
Without pytest-xdist none of these hooks run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from .._json import JsonObject, JsonValue

__all__ = ["collect_from_workers", "from_controller", "send_to_workers", "worker_id"]


@dataclass
class _Handoff:
    to_workers: dict[str, JsonValue] = field(default_factory=dict)
    from_workers: dict[str, tuple[Callable[[], JsonObject | None], Callable[[JsonObject], None]]] = field(
        default_factory=dict
    )


_HANDOFF = pytest.StashKey[_Handoff]()


def _handoff(config: pytest.Config) -> _Handoff:
    return config.stash.setdefault(_HANDOFF, _Handoff())


def from_controller(config: pytest.Config, key: str) -> JsonValue | None:
    """On a worker, what the controller sent under ``key`` (None elsewhere, or when it sent nothing)."""
    workerinput = getattr(config, "workerinput", None)
    return workerinput.get(key) if workerinput is not None else None


def send_to_workers(config: pytest.Config, key: str, value: JsonValue) -> None:
    """On the controller, hand ``value`` to every worker (read there with :func:`from_controller`)."""
    _handoff(config).to_workers[key] = value


def collect_from_workers(
    config: pytest.Config, key: str, report: Callable[[], JsonObject | None], merge: Callable[[JsonObject], None]
) -> None:
    """Each worker sends ``report()`` (None: nothing) when its session ends; the controller ``merge``-s it."""
    _handoff(config).from_workers[key] = (report, merge)


def worker_id(config: pytest.Config) -> str:
    """This worker's id (``gw0``), or ``main`` without pytest-xdist."""
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput.get("workerid", "main")) if workerinput is not None else "main"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """Hand the controller's settings to a worker that is starting."""
    config: pytest.Config = node.config  # type: ignore[attr-defined]
    node.workerinput.update(_handoff(config).to_workers)  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a worker, hand each feature's totals to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is None:
        return
    for key, (report, _) in _handoff(session.config).from_workers.items():
        data = report()
        if data is not None:
            workeroutput[key] = data


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """On the controller, merge a finished worker's totals into each feature's."""
    config: pytest.Config = node.config  # type: ignore[attr-defined]
    output = getattr(node, "workeroutput", {})
    for key, (_, merge) in _handoff(config).from_workers.items():
        data = output.get(key)
        if data is not None:
            merge(data)
