"""One test's deliveries as recorded lines: in time order, a negative test's invalid payloads marked as such.

What ``--jobhooks-record`` writes at the end of each test. A payload is marked
``"intent": "invalid"`` (counted by ``validate`` and ``pytest --jobhooks``, never
failing them) when it is invalid and the test meant it, as far as can be told
from what the test did:

- the test sent it itself (``jobhooks_sender``): the sender never breaks a
  payload on its own, so an invalid one was built so (``invalid()``,
  ``build(..., validate=False)``, raw bytes); contract mode, not the
  recording, judges what a test sends;
- a capture server received what the test's sender sent (the same query and body);
- the capture server rejected it (bad or missing signature, a body too large or cut off);
- the test is marked ``@pytest.mark.jobhooks(contract=False)``, which says it
  sends invalid payloads on purpose.

Any other invalid payload a capture server received (from the app under test)
stays unmarked: it is what checking a recording is for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from .._json import parse_rfc3339
from ._writer import captured_record, sent_records
from .checker import RecordingChecker
from .format import RecordedDelivery

if TYPE_CHECKING:
    from ..deliveries import Delivery
    from ..sender import DeliveryReport

__all__ = ["records_of_test"]

_REJECTED_SIGNATURES = ("invalid", "missing")


def records_of_test(
    captured: Iterable[Delivery],
    sent: Iterable[DeliveryReport],
    *,
    test: str | None = None,
    on_purpose: bool = False,
) -> list[RecordedDelivery]:
    """The lines of one test's deliveries (captured, and each attempt sent), in time order.

    ``test`` is the test's node id (each line's ``"test"``); ``on_purpose``
    says the test sends invalid payloads on purpose (``contract=False``): then
    every invalid payload it captured is marked too.
    """
    invalid = _Invalid()
    records: list[RecordedDelivery] = []
    meant: set[tuple[str, bytes]] = set()
    for report in sent:
        for record in sent_records(report):
            if invalid(record):
                record = replace(record, intent="invalid")
                meant.add(_content(record))
            records.append(replace(record, test=test))
    for delivery in captured:
        record = captured_record(delivery)
        rejected = delivery.transport_error is not None or delivery.signature in _REJECTED_SIGNATURES
        if (on_purpose or rejected or _content(record) in meant) and invalid(record):
            record = replace(record, intent="invalid")
        records.append(replace(record, test=test))
    # Sorted by time (stable: a sent attempt comes before its capture when both have the same instant).
    records.sort(key=lambda record: parse_rfc3339(record.received_at))
    return records


class _Invalid:
    """Whether a record's payload is invalid, judged once per content (retries and captures repeat it)."""

    def __init__(self) -> None:
        self._checker = RecordingChecker()
        self._seen: dict[tuple[object, ...], bool] = {}

    def __call__(self, record: RecordedDelivery) -> bool:
        # Headers are part of it: a CloudEvents envelope in binary mode lives in them.
        key = (record.vendor, *_content(record), tuple(record.headers.items()))
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._checker.verdict(record.to_json()).outcome == "invalid"
        return found


def _content(record: RecordedDelivery) -> tuple[str, bytes]:
    """What a delivery carries: its query and body (a GET's payload is its query)."""
    return urlencode(sorted(record.query.items()), doseq=True), record.body_bytes()
