"""Fixtures for the jobwatch examples: the apps under test, their store and secret, a live server, our own vendor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from flask import Flask
from jobwatch import fastapi_app, flask_app
from jobwatch.notify import Notifier
from jobwatch.store import JobStore
from jobwatch_vendor import JOBWATCH

from pytest_jobhooks import CaptureServer, new_secret
from pytest_jobhooks.vendors.base import AnyVendor

HERE = Path(__file__).parent


def pytest_jobhooks_vendors() -> list[AnyVendor]:
    """jobwatch's own webhook is a vendor pytest-jobhooks knows, for every test and recording of this folder.

    Registered per item rather than for the whole session, so that other tests
    run in the same process (``pytest tests examples``) see only the built-in
    vendors; it stays registered until each item's reports are made, so the
    capture server, the assertions, ``--jobhooks`` and the recordings
    (``recordings/jobwatch-staging.jobhooks.jsonl`` too) all see it.
    """
    return [JOBWATCH]


@pytest.fixture
def webhook_secret() -> str:
    """The ``whsec_...`` secret Tensorlake signs with (what its dashboard shows): a fresh one per test."""
    return new_secret()


@pytest.fixture
def store() -> JobStore:
    """The job store the app under test writes to."""
    return JobStore()


AppFactory = Callable[..., Any]
"""``create_app(*, secret, store=None, notifier=None)`` of either framework."""


@pytest.fixture(params=["flask", "fastapi"])
def create_app(request: pytest.FixtureRequest) -> AppFactory:
    """jobwatch's app factory, once for Flask (WSGI) and once for FastAPI (ASGI): tests using it run on both."""
    factories: dict[str, AppFactory] = {"flask": flask_app.create_app, "fastapi": fastapi_app.create_app}
    return factories[request.param]


@pytest.fixture
def receiver(create_app: AppFactory, webhook_secret: str, store: JobStore) -> Flask | FastAPI:
    """jobwatch under test (on Flask, then on FastAPI), writing to ``store``, with no subscriber to notify."""
    return create_app(secret=webhook_secret, store=store)


@pytest.fixture
def live_receiver(webhook_secret: str, store: JobStore, jobhooks_serve: Callable[..., str]) -> str:
    """jobwatch on Flask, served over real HTTP on 127.0.0.1 for callers that need a URL (GoFetch); its base URL."""
    return jobhooks_serve(flask_app.create_app(secret=webhook_secret, store=store))  # stopped at teardown


@pytest.fixture
def notifier(jobhooks_server: CaptureServer) -> Iterator[Notifier]:
    """jobwatch's notifier with the capture server as its subscriber (signing with the server's secret)."""
    secret = jobhooks_server.secret
    assert secret is not None
    sender = Notifier(jobhooks_server.url_for("/hooks/jobwatch"), secret=secret)
    yield sender
    sender.close()
