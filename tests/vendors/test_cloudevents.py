"""Tamr sends CloudEvents: checked against the official ``cloudevents`` SDK in both content modes, both ways."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http, to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from pytest_jobhooks.catalog import read
from pytest_jobhooks.errors import ArgumentError
from pytest_jobhooks.factories import build, lifecycle
from pytest_jobhooks.recordings import check_recording
from pytest_jobhooks.recordings._writer import captured_record, line_of
from pytest_jobhooks.sender import deliver, deliver_all
from pytest_jobhooks.server import CaptureServer
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks.vendors.tamr import EVENT_SOURCE, EVENT_TYPE

TAMR = VENDORS["tamr"]


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    with CaptureServer() as capture:
        yield capture


def sdk_event(message_headers: Any, body: bytes) -> Any:
    """What the official SDK makes of a request (it auto-detects the content mode from ce-* headers)."""
    return from_http(HTTPMessage(headers=dict(message_headers), body=body), JSONFormat())


@pytest.mark.parametrize("style", ["structured", "binary"])
def test_the_sdk_parses_every_tamr_delivery_the_sender_makes(server: CaptureServer, style: str) -> None:
    payloads = [*lifecycle("tamr", outcome="cancelled", seed=3, stopping=True), build("tamr", seed=4)]
    batch = deliver_all(payloads, server, seed=1, style=None if style == "structured" else style)
    assert batch.ok
    deliveries = server.wait_for(len(payloads))
    ids = set()
    for payload, delivery in zip(payloads, deliveries, strict=True):
        event = sdk_event(delivery.headers.raw(), delivery.body)
        assert event.get_specversion() == "1.0"
        assert (event.get_id(), event.get_source(), event.get_type()) == (payload["id"], EVENT_SOURCE, EVENT_TYPE)
        assert event.get_data() == payload["data"]
        status = payload["data"]["status"]
        assert event.get_time() == TAMR.state_of(TAMR.model.model_validate(payload["data"])).time
        assert payload["time"] == status["stateStartTime"]  # time = when the job entered the state
        assert event.get_datacontenttype() == "application/json"
        # What the capture server makes of it: the same attributes, a valid Tamr delivery.
        assert delivery.errors == []
        assert delivery.job_id == payload["data"]["jobId"]
        assert delivery.cloudevent == {k: v for k, v in payload.items() if k != "data"}
        if style == "structured":
            assert delivery.headers["Content-Type"] == "application/cloudevents+json"
        else:
            assert delivery.headers["ce-id"] == payload["id"]
            assert json.loads(delivery.body) == payload["data"]
        ids.add(event.get_id())
    assert len(ids) == len(payloads)  # an id per event


def test_the_legacy_style_sends_the_bare_job_event(server: CaptureServer) -> None:
    payload = build("tamr", seed=5)
    assert deliver(payload, server, style="legacy").ok
    [delivery] = server.wait_for()
    assert json.loads(delivery.body) == payload["data"]
    assert delivery.headers["Content-Type"] == "application/json"
    assert delivery.cloudevent is None
    assert delivery.errors == []
    assert build("tamr", seed=5, legacy=True) == payload["data"]  # the factory's named legacy form


@pytest.mark.parametrize("mode", ["structured", "binary"])
def test_the_capture_server_accepts_sdk_made_events(server: CaptureServer, mode: str) -> None:
    job = build("tamr", seed=6)["data"]
    attributes = {"type": "com.tamr.job", "source": "https://tamr.example/jobs", "subject": job["jobId"]}
    event = CloudEvent({**attributes, "datacontenttype": "application/json", "tenantid": "acme"}, data=job)
    message = (to_structured if mode == "structured" else to_binary)(event, JSONFormat())
    httpx.post(server.url, content=message.body, headers=message.headers, timeout=5.0)
    [delivery] = server.wait_for()
    assert delivery.errors == []
    assert delivery.job_id == job["jobId"]
    assert delivery.cloudevent is not None
    assert delivery.cloudevent["id"] == event.get_id()
    assert delivery.cloudevent["tenantid"] == "acme"


GOOD = {
    "specversion": "1.0",
    "id": "e-1",
    "source": "/webhooks/v1alpha1/jobEvents",
    "type": EVENT_TYPE,
    "time": "2025-12-02T14:46:04.518Z",
}
# Each broken attribute, and the name the problem must give: CloudEvents 1.0's rules.
BROKEN = [
    ("specversion", "0.3"),
    ("id", None),  # missing
    ("id", ""),
    ("source", None),
    ("source", ""),
    ("source", "not a uri reference"),
    ("type", ""),
    ("time", "yesterday"),
    ("subject", ""),
    ("dataschema", ""),
    ("dataschema", "schemas/tamr.json"),  # a relative reference, not a URI
    ("datacontenttype", ""),
    ("tenant-id", "acme"),  # an extension name with a character outside a-z0-9
    ("averyveryverylongname", "x"),  # 21 characters
]


def _broken(attribute: str, value: str | None) -> dict[str, str]:
    attributes = {**GOOD, attribute: value}
    return {k: v for k, v in attributes.items() if v is not None}


@pytest.mark.parametrize("mode", ["structured", "binary"])
@pytest.mark.parametrize(("attribute", "value"), BROKEN, ids=[f"{a}={v!r}" for a, v in BROKEN])
def test_each_broken_attribute_is_rejected_with_its_name(
    server: CaptureServer, mode: str, attribute: str, value: str | None
) -> None:
    job = build("tamr", seed=7)["data"]
    attributes = _broken(attribute, value)
    if mode == "structured":
        body = json.dumps({**attributes, "data": job}).encode()
        headers = {"Content-Type": "application/cloudevents+json"}
    else:
        if attribute == "datacontenttype":
            pytest.skip("in binary mode datacontenttype is the Content-Type header, which an empty value drops")
        body = json.dumps(job).encode()
        headers = {"Content-Type": "application/json", **{f"ce-{k}": v for k, v in attributes.items()}}
    httpx.post(server.url, content=body, headers=headers, timeout=5.0)
    [delivery] = server.wait_for()
    assert delivery.vendor == "tamr"
    assert delivery.job_state is None
    assert any(attribute in str(problem) for problem in delivery.problems), delivery.errors
    if value is None:
        assert delivery.errors == [f"$: '{attribute}' is a required property"]  # missing, not a wrong type


def test_an_envelope_sent_as_plain_json_is_not_structured_mode(server: CaptureServer) -> None:
    payload = build("tamr", seed=8)
    httpx.post(server.url, content=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    [delivery] = server.wait_for()
    assert delivery.job_state is None
    assert delivery.errors[0].startswith("$: a CloudEvents envelope sent as application/json: structured mode needs")
    assert read(payload).valid  # the envelope itself is fine: only how it was sent is not


def test_tamr_sends_the_authorization_header_configured_for_it(server: CaptureServer) -> None:
    payload = build("tamr", seed=9)
    configured = TAMR.delivery.with_headers({"X-API-KEY": "k-123"})
    assert configured.alternatives[0].headers == (("X-API-KEY", "k-123"),)  # binary mode sends it too
    assert deliver(payload, server, style=configured).ok
    assert deliver(payload, server, style=configured.alternatives[0], headers={"X-API-KEY": "k-456"}).ok
    first, second = server.wait_for(2)
    assert first.headers["X-API-KEY"] == "k-123"
    assert second.headers["X-API-KEY"] == "k-456"  # headers= wins over the style's
    assert second.headers["ce-id"] == payload["id"]
    # Recordings redact the header a vendor sends a credential in, like Authorization.
    assert captured_record(first).headers["X-API-KEY"] == "[redacted]"
    with pytest.raises(ArgumentError, match="headers"):
        TAMR.delivery.with_headers({"X-API-KEY": "a\r\nb"})


def test_recordings_judge_a_binary_mode_event_by_its_attributes(server: CaptureServer, tmp_path: Path) -> None:
    payload = build("tamr", seed=10)
    assert deliver(payload, server, style="binary").ok
    [sent] = server.wait_for()
    good = json.loads(line_of(captured_record(sent)))
    bad = {**good, "headers": {**good["headers"], "ce-time": "yesterday"}}
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    report = check_recording(path)
    assert (report.valid, report.invalid) == (1, 1)
    assert any("$.time" in message for verdict in report.listed for message in verdict.messages())
