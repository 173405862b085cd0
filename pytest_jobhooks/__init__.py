"""pytest-jobhooks: test job-status webhooks (Telmai, Tamr, Tensorlake, GoFetch) like pure functions.

Every public name is importable from here. They are loaded on first use, because
pytest imports this package in every run of its users' test suites and the
vendor catalog (pydantic models) is not free to import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .errors import (
    CaptureServerError,
    FactoryError,
    JobhooksError,
    PayloadValidationError,
    Problem,
    RecordingError,
    SignatureError,
    UnknownVendorError,
    VendorDefinitionError,
)

if TYPE_CHECKING:
    from .catalog import detect_vendor, job_state, validate_payload
    from .factories import INVALID_DEFECTS, OMIT, SeededFactory, build, invalid, lifecycle, outcomes
    from .recordings import (
        DriftEntry,
        DriftReport,
        LineVerdict,
        RecordedDelivery,
        RecordingChecker,
        RecordingReport,
        RecordingSummary,
        check_recording,
        parse_record,
        read_records,
    )
    from .schemas import load_schema, schema_path
    from .sequences import assert_job_sequence, assert_valid_lifecycle, timeline
    from .vendors import VENDORS, get_vendor, register_vendor, unregister_vendor
    from .vendors._factory import JobHistory, VendorFactory
    from .vendors._vendor import UNIFIED_STATUSES, DeliveryStyle, JobState, Lifecycle, UnifiedStatus, Vendor

__all__ = [
    "INVALID_DEFECTS",
    "OMIT",
    "UNIFIED_STATUSES",
    "VENDORS",
    "CaptureServerError",
    "DeliveryStyle",
    "DriftEntry",
    "DriftReport",
    "FactoryError",
    "JobHistory",
    "JobState",
    "JobhooksError",
    "Lifecycle",
    "LineVerdict",
    "PayloadValidationError",
    "Problem",
    "RecordedDelivery",
    "RecordingChecker",
    "RecordingError",
    "RecordingReport",
    "RecordingSummary",
    "SeededFactory",
    "SignatureError",
    "UnifiedStatus",
    "UnknownVendorError",
    "Vendor",
    "VendorDefinitionError",
    "VendorFactory",
    "assert_job_sequence",
    "assert_valid_lifecycle",
    "build",
    "check_recording",
    "detect_vendor",
    "get_vendor",
    "invalid",
    "job_state",
    "lifecycle",
    "load_schema",
    "outcomes",
    "parse_record",
    "read_records",
    "register_vendor",
    "schema_path",
    "timeline",
    "unregister_vendor",
    "validate_payload",
]

_LAZY = {
    "UNIFIED_STATUSES": ".vendors._vendor",
    "DeliveryStyle": ".vendors._vendor",
    "JobState": ".vendors._vendor",
    "Lifecycle": ".vendors._vendor",
    "UnifiedStatus": ".vendors._vendor",
    "Vendor": ".vendors._vendor",
    "VENDORS": ".vendors",
    "get_vendor": ".vendors",
    "register_vendor": ".vendors",
    "unregister_vendor": ".vendors",
    "detect_vendor": ".catalog",
    "INVALID_DEFECTS": ".factories",
    "OMIT": ".factories",
    "SeededFactory": ".factories",
    "build": ".factories",
    "invalid": ".factories",
    "lifecycle": ".factories",
    "outcomes": ".factories",
    "JobHistory": ".vendors._factory",
    "VendorFactory": ".vendors._factory",
    "job_state": ".catalog",
    "validate_payload": ".catalog",
    "load_schema": ".schemas",
    "DriftEntry": ".recordings",
    "DriftReport": ".recordings",
    "LineVerdict": ".recordings",
    "RecordedDelivery": ".recordings",
    "RecordingChecker": ".recordings",
    "RecordingReport": ".recordings",
    "RecordingSummary": ".recordings",
    "check_recording": ".recordings",
    "parse_record": ".recordings",
    "read_records": ".recordings",
    "schema_path": ".schemas",
    "assert_job_sequence": ".sequences",
    "assert_valid_lifecycle": ".sequences",
    "timeline": ".sequences",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
