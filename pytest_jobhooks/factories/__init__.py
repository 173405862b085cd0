"""Factories: valid payloads, whole job lifecycles and payloads broken on purpose, for every vendor.

Everything is deterministic under a seed: the same seed gives byte-identical
payloads in every process. Randomness comes only from ``random.Random``
instances derived from the seed (never the global ``random``), and times from
a fixed base instant plus drawn offsets (never the clock). ``seed=None`` draws a
fresh seed from the operating system. What is particular to a vendor (its ids,
names, messages, realistic paths) lives in its module's factory
(``Vendor(factory=...)``); a vendor registered without one gets its documented
examples from :func:`build` and :func:`invalid`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .._checks import check_seed
from .._json import JsonObject
from .._seeds import Seeded, fresh_seed
from ..vendors import get_vendor
from ..vendors.base import AnyVendor, UnifiedStatus
from ._defects import DefectTable, break_payload
from ._jobs import BASE_TIME, check_valid, generate
from ._jobs import outcomes as _outcomes
from ._overrides import OMIT, apply_overrides

__all__ = ["BASE_TIME", "INVALID_DEFECTS", "OMIT", "SeededFactory", "build", "invalid", "lifecycle", "outcomes"]

INVALID_DEFECTS: Mapping[str, tuple[str, ...]] = DefectTable()
"""Vendor name -> the named defects :func:`invalid` makes for it, each sure to fail validation.

``empty``, ``missing:<field>`` and ``wrong-type:<field>`` for the fields every
default payload needs, ``unknown-status`` (a status nobody documents) and
``foreign-status`` (another vendor's status). Computed on first use.
"""


def outcomes(vendor: str | AnyVendor) -> tuple[UnifiedStatus, ...]:
    """The unified outcomes a job of ``vendor`` can end in (``succeeded``, ``failed``, ``cancelled``...)."""
    return _outcomes(get_vendor(vendor))


def build(
    vendor: str | AnyVendor,
    *,
    status: str | None = None,
    outcome: UnifiedStatus | None = None,
    seed: int | None = None,
    job_id: str | None = None,
    start: datetime | None = None,
    validate: bool = True,
    extra: Mapping[str, object] | None = None,
    **overrides: object,
) -> JsonObject:
    """One valid payload of ``vendor`` in native ``status`` (default: a terminal success).

    ``outcome`` picks what a terminal status means when it can mean several
    (``build("tamr", outcome="cancelled")``). ``overrides`` replace fields:
    ``tenant="acme"``, nested with ``__`` (``status__error={...}``), removed with
    :data:`OMIT`; ``extra`` adds fields the vendor does not document. Vendor
    options shape the job's path (Tamr's ``planning_failure=True``). A result that
    is not valid raises :class:`~pytest_jobhooks.PayloadValidationError` unless
    ``validate=False``. The payload equals the last delivery of
    :func:`lifecycle` with the same seed, outcome and options.
    """
    spec = get_vendor(vendor)
    options, changes = _split(spec, overrides)
    payloads, states = generate(
        spec, seed=_seed(seed), status=status, outcome=outcome, options=options, job_id=job_id, start=start
    )
    apply_overrides(payloads, changes, fields=spec.fields, extra=extra)
    if validate:
        check_valid(spec, payloads, states)
    return payloads[0]


def lifecycle(
    vendor: str | AnyVendor,
    *,
    outcome: UnifiedStatus = "succeeded",
    seed: int | None = None,
    job_id: str | None = None,
    start: datetime | None = None,
    validate: bool = True,
    extra: Mapping[str, object] | None = None,
    **overrides: object,
) -> list[JsonObject]:
    """Every delivery one job of ``vendor`` produces, in order, ending in the unified ``outcome``.

    All deliveries share the job's id (``job_id``, drawn if not given) and its
    other identifiers; times start at ``start`` (default: drawn after
    :data:`BASE_TIME`) and increase. Vendor options shape the path (Telmai's
    ``batch_wait_rounds=2``, Tamr's ``planning_failure`` and ``stopping``), drawn
    from the seed when not given. Each override changes every delivery that has
    the field (``tenant=`` all of them, ``status__error__reason=`` only Tamr's
    last); a field no delivery has is added to all. See :func:`build` for the rest.
    """
    spec = get_vendor(vendor)
    options, changes = _split(spec, overrides)
    payloads, states = generate(
        spec, seed=_seed(seed), outcome=outcome, options=options, job_id=job_id, start=start, whole=True
    )
    apply_overrides(payloads, changes, fields=spec.fields, extra=extra)
    if validate:
        check_valid(spec, payloads, states)
    return payloads


def invalid(vendor: str | AnyVendor, defect: str, *, status: str | None = None, seed: int | None = None) -> JsonObject:
    """A payload of ``vendor`` with one named defect, for testing that receivers reject bad payloads.

    ``defect`` is one of :data:`INVALID_DEFECTS` ``[vendor]`` (``empty``,
    ``missing:jobId``, ``wrong-type:status``, ``unknown-status``,
    ``foreign-status``), or ``missing:``/``wrong-type:`` with any field path
    (``missing:status.state``). The defect is applied to the payload
    :func:`build` gives for that seed and status; the result always fails
    :func:`~pytest_jobhooks.validate_payload` (FactoryError if it would not).
    """
    spec = get_vendor(vendor)
    return break_payload(spec, defect, seed=_seed(seed), status=status)


class SeededFactory(Seeded):
    """:func:`build`, :func:`lifecycle` and :func:`invalid` bound to one seed (what ``jobhooks_factory`` gives).

    Each call without an explicit ``seed`` uses the next seed drawn from
    :attr:`seed`, so two calls make two different jobs, yet a factory made with
    the same seed repeats every call exactly. An explicit ``seed=`` wins and
    does not consume a draw: adding one such call leaves the others as they were.
    """

    def __repr__(self) -> str:
        return f"SeededFactory(seed={self.seed})"

    def build(
        self,
        vendor: str | AnyVendor,
        *,
        status: str | None = None,
        outcome: UnifiedStatus | None = None,
        seed: int | None = None,
        job_id: str | None = None,
        start: datetime | None = None,
        validate: bool = True,
        extra: Mapping[str, object] | None = None,
        **overrides: object,
    ) -> JsonObject:
        """:func:`build` with this factory's next seed (unless ``seed=`` is given)."""
        return build(
            vendor,
            status=status,
            outcome=outcome,
            seed=self.pick_seed(seed),
            job_id=job_id,
            start=start,
            validate=validate,
            extra=extra,
            **overrides,
        )

    def lifecycle(
        self,
        vendor: str | AnyVendor,
        *,
        outcome: UnifiedStatus = "succeeded",
        seed: int | None = None,
        job_id: str | None = None,
        start: datetime | None = None,
        validate: bool = True,
        extra: Mapping[str, object] | None = None,
        **overrides: object,
    ) -> list[JsonObject]:
        """:func:`lifecycle` with this factory's next seed (unless ``seed=`` is given)."""
        return lifecycle(
            vendor,
            outcome=outcome,
            seed=self.pick_seed(seed),
            job_id=job_id,
            start=start,
            validate=validate,
            extra=extra,
            **overrides,
        )

    def invalid(
        self, vendor: str | AnyVendor, defect: str, *, status: str | None = None, seed: int | None = None
    ) -> JsonObject:
        """:func:`invalid` with this factory's next seed (unless ``seed=`` is given)."""
        return invalid(vendor, defect, status=status, seed=self.pick_seed(seed))


def _seed(seed: int | None) -> int:
    return fresh_seed() if seed is None else check_seed(seed)


def _split(spec: AnyVendor, overrides: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """Separate the vendor's path options from field overrides."""
    names = spec.factory.options if spec.factory is not None else {}
    options = {key: value for key, value in overrides.items() if key in names}
    fields = {key: value for key, value in overrides.items() if key not in names}
    return options, fields
