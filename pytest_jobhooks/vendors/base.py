"""What a vendor is: its payload model, lifecycle, delivery style and how to read a job's state."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, get_args

from pydantic import BaseModel

from .._json import JsonObject, JsonValue, parse_rfc3339
from ..errors import VendorDefinitionError
from ._cloudevents import ContentMode, HeaderPairs, check_headers, encode_body
from .schema import schema_of

if TYPE_CHECKING:
    from jsonschema.protocols import Validator
    from pydantic import TypeAdapter

    from .factory import VendorFactory

__all__ = [
    "UNIFIED_STATUSES",
    "AnyVendor",
    "BeyondSchema",
    "ContentMode",
    "DeliveryStyle",
    "HeaderPairs",
    "HistoryCheck",
    "JobEvent",
    "JobState",
    "JsonObject",
    "JsonValue",
    "Lifecycle",
    "UnifiedStatus",
    "Vendor",
    "schema_states_all",
]

UnifiedStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
"""The vendor-agnostic vocabulary every native status maps to."""

UNIFIED_STATUSES: tuple[UnifiedStatus, ...] = get_args(UnifiedStatus)
"""All unified statuses, in lifecycle order."""

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class JobState:
    """Where one delivery says a job is: id, native status, unified status and (if sent) when."""

    vendor: str
    job_id: str
    status: str
    unified: UnifiedStatus
    time: datetime | None = None


@dataclass(frozen=True, eq=False)
class Lifecycle:
    """A job's states, the legal moves between them, and what each state means in unified terms.

    ``transitions`` maps a state to the states that may follow it; ``unified``
    maps a state to one unified status, or to several when the payload decides
    (Tamr's DONE is succeeded, failed or cancelled depending on its error).
    ``note`` says what of this lifecycle is inferred rather than documented.
    """

    states: tuple[str, ...]
    initial: frozenset[str]
    transitions: Mapping[str, frozenset[str]]
    terminal: frozenset[str]
    unified: Mapping[str, tuple[UnifiedStatus, ...]]
    note: str = ""

    def __init__(
        self,
        *,
        states: Iterable[str],
        initial: Iterable[str],
        transitions: Mapping[str, Iterable[str]],
        terminal: Iterable[str],
        unified: Mapping[str, UnifiedStatus | Iterable[UnifiedStatus]],
        note: str = "",
    ) -> None:
        states = tuple(states)
        known = set(states)
        moves = {state: frozenset(transitions.get(state, ())) for state in states}
        meaning = {state: (value,) if isinstance(value, str) else tuple(value) for state, value in unified.items()}
        problems = [f"{s!r} is used but not among the states" for s in {*transitions, *unified} - known]
        problems += [
            f"move {a!r} -> {b!r} leads to an unknown state" for a, bs in moves.items() for b in bs if b not in known
        ]
        problems += [f"{s!r} is not among the states" for s in {*initial, *terminal} - known]
        problems += [f"terminal state {s!r} has moves out of it" for s in terminal if moves.get(s)]
        problems += [f"state {s!r} has no unified status" for s in states if not meaning.get(s)]
        problems += [
            f"{s!r} maps to {u!r}, not one of {', '.join(UNIFIED_STATUSES)}"
            for s, us in meaning.items()
            for u in us
            if u not in UNIFIED_STATUSES
        ]
        if not states:
            problems.append("a lifecycle needs at least one state")
        if problems:
            raise VendorDefinitionError("invalid lifecycle: " + "; ".join(sorted(problems)))
        object.__setattr__(self, "states", states)
        object.__setattr__(self, "initial", frozenset(initial))
        object.__setattr__(self, "transitions", MappingProxyType(moves))
        object.__setattr__(self, "terminal", frozenset(terminal))
        object.__setattr__(self, "unified", MappingProxyType(meaning))
        object.__setattr__(self, "note", note)

    def is_legal(self, before: str, after: str) -> bool:
        """Whether a job may move from ``before`` straight to ``after``."""
        return after in self.transitions.get(before, frozenset())

    def is_terminal(self, state: str) -> bool:
        """Whether ``state`` ends the job."""
        return state in self.terminal


@dataclass(frozen=True)
class DeliveryStyle:
    """How a vendor delivers a webhook: HTTP method, where the payload goes, how it is signed.

    ``encoding`` is ``"json"`` (a JSON body) or ``"query"`` (URL query parameters);
    ``signing`` is ``"svix"`` or None. ``retries`` is what the vendor documents about
    redelivering a failed webhook: ``"svix"`` (Svix's schedule), ``"undocumented"``
    (it retries but does not say when) or None (no retries documented).
    ``alternatives`` lists other documented forms; ``name`` is what ``style=`` calls
    this one (besides its method and encoding). ``cloudevents`` says the payload is a
    CloudEvents 1.0 event and in which :data:`ContentMode` it is sent (None: not an event).
    ``headers`` are extra headers the vendor sends with every delivery (set them with
    :meth:`with_headers`); ``credential_headers`` names the headers in which the vendor
    sends a credential the user configured (Tamr's authorization header): recordings
    redact them like ``Authorization``.
    """

    method: Literal["POST", "GET"] = "POST"
    encoding: Literal["json", "query"] = "json"
    signing: Literal["svix"] | None = None
    retries: Literal["svix", "undocumented"] | None = None
    note: str = ""
    alternatives: tuple[DeliveryStyle, ...] = ()
    name: str = ""
    cloudevents: ContentMode | None = None
    headers: HeaderPairs = ()
    credential_headers: tuple[str, ...] = ()

    def accepts_query(self) -> bool:
        """Whether this style, or one of its alternatives, carries the payload in a query string."""
        return any(style.encoding == "query" for style in (self, *self.alternatives))

    def with_headers(self, headers: Mapping[str, str]) -> DeliveryStyle:
        """This style (and its alternatives) sending ``headers`` too: ``style.with_headers({"Authorization": ...})``.

        What the vendor would send once you configured it (Tamr sends the authorization
        header you give it); pass the result as ``style=``. A header given again replaces the earlier value.
        """
        added = check_headers(headers)
        names = {name.lower() for name, _ in added}
        kept = tuple((name, value) for name, value in self.headers if name.lower() not in names)
        alternatives = tuple(alt.with_headers(headers) for alt in self.alternatives)
        return replace(self, headers=kept + added, alternatives=alternatives)

    def encode(self, body: bytes) -> tuple[HeaderPairs, bytes]:
        """The headers and body a JSON ``body`` is sent with in this style (``Content-Type``, ``ce-*``...)."""
        return encode_body(self.cloudevents, body)


class JobEvent(Protocol):
    """One delivery of a job as a :attr:`Vendor.history` check sees it (the assertions' observations are)."""

    @property
    def index(self) -> int:
        """Its place in arrival order, from 1."""

    @property
    def status(self) -> str | None:
        """The native status it reports (None if invalid)."""

    @property
    def payload(self) -> JsonObject | None:
        """The payload as sent."""


HistoryCheck = Callable[["JobEvent", Sequence["JobEvent"]], Iterable[str]]
"""``check(event, before)``: what is wrong with ``event`` given the job's events that came ``before`` it."""


BeyondSchema = Callable[[JsonObject], bool]
"""``rules(payload)``: whether a payload its JSON Schema accepts keeps the model's rules the schema cannot state."""


def schema_states_all(payload: JsonObject) -> bool:
    """A :data:`BeyondSchema` for a vendor whose JSON Schema states every rule of its model: always True."""
    return True


def _is_date_time(instance: object) -> bool:
    # A format applies to strings only; parse_rfc3339 raises ValueError for any other.
    if isinstance(instance, str):
        parse_rfc3339(instance)
    return True


def _no_time(model: BaseModel) -> datetime | None:
    return None


@dataclass(frozen=True, eq=False)
class Vendor(Generic[M]):
    """Everything pytest-jobhooks knows about one vendor's job webhooks.

    Built-in vendors live in ``pytest_jobhooks/vendors/<name>.py``; register your
    own with :func:`~pytest_jobhooks.register_vendor`. ``job_id``, ``status`` and
    ``time`` read a validated model; ``unified`` turns it into a unified status
    when the lifecycle's mapping alone cannot (default: the mapping). ``examples``
    holds the vendor's documented example payloads by name (``<state>.<variant>``).
    ``schema_type`` is what the JSON Schema is generated from when it differs
    from ``model`` (Tamr also accepts a CloudEvents envelope) and ``unwrap``
    turns such a payload into the model's shape. ``factory`` makes realistic
    payloads and lifecycles for :mod:`pytest_jobhooks.factories` (without one,
    those fall back to ``examples``). ``job_id_fields`` names where the job id
    sits in the (unwrapped) payload, to tell which job an invalid payload belongs
    to (default: the model's ``job_id`` field). ``history`` checks what one
    delivery says about the job's past against the deliveries seen before it
    (Tamr's ``statusHistory``). ``open_statuses`` says the vendor's list of
    statuses is open (its doc says others exist): an undocumented status is then
    drift, not an invalid payload nor a lifecycle failure. ``beyond_schema``
    checks, on a payload the compiled JSON Schema accepts, the rules of the model
    the schema cannot state (Tensorlake's ``finished_at`` not before ``created_at``;
    :func:`schema_states_all` when there are none): with it, recordings take the
    valid-or-not verdict from the compiled schema and this check alone, without
    the model. None (the default): the model decides every payload.
    """

    name: str
    title: str
    model: type[M]
    lifecycle: Lifecycle
    delivery: DeliveryStyle
    job_id: Callable[[M], str]
    status: Callable[[M], str]
    time: Callable[[M], datetime | None] = _no_time
    unified: Callable[[M], UnifiedStatus] | None = None
    examples: Mapping[str, JsonObject] = field(default_factory=dict)
    docs: str = ""
    schema_type: object = None
    unwrap: Callable[[JsonObject], JsonObject] | None = None
    factory: VendorFactory | None = None
    job_id_fields: tuple[str, ...] = ()
    history: HistoryCheck | None = None
    open_statuses: bool = False
    beyond_schema: BeyondSchema | None = None

    def state_of(self, model: M) -> JobState:
        """The :class:`JobState` a validated payload describes."""
        status = self.status(model)
        unified = self.unified(model) if self.unified is not None else self.lifecycle.unified[status][0]
        return JobState(self.name, self.job_id(model), status, unified, self.time(model))

    def shape(self, payload: JsonObject) -> JsonValue:
        """``payload`` in the model's shape (``unwrap`` applied, e.g. out of a CloudEvents envelope).

        Never raises: when ``unwrap`` does not expect this payload, it comes back as it is.
        """
        if self.unwrap is None:
            return payload
        try:
            return self.unwrap(payload)
        except Exception:  # a user's unwrap may not expect an invalid payload: leave it to validation
            return payload

    def loose_job_id(self, payload: JsonObject | None) -> str | None:
        """The job id an invalid payload still carries in one of ``job_id_fields`` (a non-empty string), or None."""
        shape = self.shape(payload) if payload else None
        if not isinstance(shape, dict):
            return None
        for key in self._id_fields:
            value = shape.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    @cached_property
    def _id_fields(self) -> tuple[str, ...]:
        if self.job_id_fields:
            return self.job_id_fields
        info = self.model.model_fields.get("job_id")
        return (info.alias or "job_id",) if info is not None else ()

    @cached_property
    def fields(self) -> frozenset[str]:
        """The top-level JSON field names the model documents (used to recognise payloads)."""
        return frozenset(info.alias or name for name, info in self.model.model_fields.items())

    @cached_property
    def adapter(self) -> TypeAdapter[object]:
        """A pydantic adapter for everything the schema accepts (the model, or ``schema_type``)."""
        from pydantic import TypeAdapter

        target: Any = self.schema_type if self.schema_type is not None else self.model
        return TypeAdapter(target)

    @cached_property
    def validator(self) -> Validator:
        """A jsonschema validator for this vendor's schema, built once (format checks on)."""
        from jsonschema import Draft202012Validator, FormatChecker

        checker = FormatChecker()
        # jsonschema's own date-time check refuses leap seconds and year 0000, which RFC 3339 allows.
        checker.checks("date-time", raises=ValueError)(_is_date_time)
        validator: Validator = Draft202012Validator(schema_of(self), format_checker=checker)
        return validator


AnyVendor = Vendor[Any]
"""A vendor of any payload model (what the registry holds)."""
