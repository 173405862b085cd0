"""What the capture server records: each request as a :class:`Delivery`, and the :class:`Response` it sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .catalog.reading import Reading, read
from .errors import Problem
from .wire import OnRequest, Request

if TYPE_CHECKING:
    from .vendors.base import JobState, JsonObject, JsonValue, UnifiedStatus

__all__ = ["Delivery", "Response", "SignatureVerdict"]

SignatureVerdict = Literal["valid", "invalid", "missing"]
"""How a delivery's signature fared: it matched, it did not (see ``signature_reason``), or there was none."""


@dataclass(frozen=True)
class Response:
    """An answer of the capture server: status, body, extra headers, and how long it waited before sending."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True, eq=False, repr=False)
class Delivery(OnRequest):
    """One request the capture server received, as recorded, and what the catalog makes of it.

    ``request`` is the :class:`~pytest_jobhooks.wire.Request` as received; its
    ``method``, ``path`` (percent-decoded), ``query_string``, ``headers``
    (case-insensitive), ``body`` (raw bytes) and ``received_at`` (UTC) read
    through. Recorded with it: the ``response`` sent (None if none could be), and the ``signature`` verdict:
    ``"valid"``, ``"invalid"``, ``"missing"``, or None when the server has no
    secret, the delivery was not expected to be signed or its body could not be
    read whole; ``signature_reason``
    (``mismatch``, ``stale``, ``missing-header``...) and ``signature_message``
    say why. ``transport_error`` says why the body could not be read whole
    (too large, cut off, stalled), else None.

    Worked out on first read (the server stays fast): ``query``, ``json``,
    ``payload``, ``vendor``, ``job_state``, ``job_id``, ``status``, ``unified``,
    ``cloudevent``, ``problems`` and ``errors``. Bad input never raises: it shows up in ``errors``.
    """

    request: Request
    response: Response | None
    signature: SignatureVerdict | None = None
    signature_reason: str | None = None
    signature_message: str | None = None
    transport_error: str | None = None
    _reading: Reading | None = field(default=None, compare=False)

    @property
    def reading(self) -> Reading:
        """What the catalog makes of the delivery (:func:`pytest_jobhooks.catalog.read`), worked out once."""
        reading = self._reading
        if reading is None:
            if self.transport_error is not None:
                reading = Reading(None, None, (Problem("$", self.transport_error),))
            else:
                reading = read(self.request)
            object.__setattr__(self, "_reading", reading)
        return reading

    @property
    def query(self) -> dict[str, str]:
        """The query parameters, each with its first value (``query_string`` holds them all)."""
        return self.request.query

    @property
    def json(self) -> JsonValue | None:
        """The body parsed as JSON, or None when it is empty or not JSON (see ``errors``)."""
        return self.reading.json

    @property
    def payload(self) -> JsonObject | None:
        """The JSON object the delivery carries: the body, or for a body-less delivery its query parameters."""
        return self.reading.payload

    @property
    def vendor(self) -> str | None:
        """The vendor the delivery looks like it came from, or None."""
        return self.reading.vendor

    @property
    def job_state(self) -> JobState | None:
        """The job's state as the vendor's catalog entry reads it, or None unless the payload is valid."""
        return self.reading.job_state

    @property
    def job_id(self) -> str | None:
        """The job id of a valid payload, or None."""
        state = self.job_state
        return state.job_id if state is not None else None

    @property
    def status(self) -> str | None:
        """The vendor's own status (``FINISHED``, ``successful``...) of a valid payload, or None."""
        state = self.job_state
        return state.status if state is not None else None

    @property
    def unified(self) -> UnifiedStatus | None:
        """The unified status (``queued``, ``running``, ``succeeded``, ``failed``, ``cancelled``), or None."""
        state = self.job_state
        return state.unified if state is not None else None

    @property
    def cloudevent(self) -> dict[str, JsonValue] | None:
        """The CloudEvents attributes the delivery carries (structured body or binary ``ce-*`` headers), or None.

        ``delivery.cloudevent["id"]``, ``["source"]``, ``["type"]``, ``["time"]``...: everything
        but ``data`` (which ``payload["data"]`` holds), as sent, valid or not.
        """
        return self.reading.cloudevent

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Everything wrong with the payload (read, parse or schema problems); empty when it is valid."""
        return self.reading.problems

    @property
    def errors(self) -> list[str]:
        """``problems`` as ``$.path: message`` strings; ``[]`` when the payload is valid."""
        return [str(problem) for problem in self.problems]

    def __repr__(self) -> str:
        answer = self.response.status if self.response is not None else "no response"
        return f"<Delivery {self.method} {self.path} -> {answer}, {len(self.body)} bytes>"

    def describe(self) -> str:
        """One line for failure messages: method, path, vendor, job, status and answer."""
        parts = [self.method, self.path + (f"?{self.query_string}" if self.query_string else "")]
        if self.vendor is None:
            parts.append("(no vendor)")
        else:
            parts.append(self.vendor)
        state = self.job_state
        if state is not None:
            parts.append(f"job {state.job_id!r} {state.status} ({state.unified})")
        elif self.problems:
            parts.append(
                f"[{self.problems[0]}]" + (f" +{len(self.problems) - 1} more" if len(self.problems) > 1 else "")
            )
        if self.signature is not None:
            parts.append(
                f"signature {self.signature}" + (f" ({self.signature_reason})" if self.signature_reason else "")
            )
        parts.append(f"-> {self.response.status}" if self.response is not None else "-> no response")
        return " ".join(parts)
