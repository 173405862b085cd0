"""pytest-jobhooks: test job-status webhooks (Telmai, Tamr, Tensorlake, GoFetch) like pure functions.

Every public name is importable from here. They are loaded on first use, because
pytest imports this package in every run of its users' test suites and the
vendor catalog (pydantic models) is not free to import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .errors import (
    ArgumentError,
    DeliveryError,
    FactoryError,
    GoFetchAPIError,
    JobhooksError,
    PayloadValidationError,
    Problem,
    RecordingError,
    ServerError,
    SignatureError,
    UnknownVendorError,
    VendorDefinitionError,
)

if TYPE_CHECKING:
    from .assertions import assert_job_sequence, assert_valid_lifecycle, timeline
    from .catalog import detect_vendor, job_state, validate_payload
    from .catalog.schemas import load_schema, schema_path
    from .deliveries import Delivery, Response, SignatureVerdict
    from .factories import INVALID_DEFECTS, OMIT, SeededFactory, build, invalid, lifecycle, outcomes
    from .fakes.gofetch import APICall, GoFetchAPI
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
    from .recordings.replaying import ReplayedDelivery, ReplayReport, replay
    from .sender import (
        INFERRED_RETRY_SCHEDULE,
        NO_RETRIES,
        SVIX_RETRY_SCHEDULE,
        Attempt,
        BatchReport,
        DeliveryReport,
        RetrySchedule,
        Sender,
        SentRequest,
        default_retry_schedule,
        deliver,
        deliver_all,
    )
    from .server import CaptureServer, ServerSettings
    from .signing import forged_headers, new_secret, sign, verify
    from .vendors import VENDORS, get_vendor, register_vendor, unregister_vendor
    from .vendors.base import UNIFIED_STATUSES, DeliveryStyle, JobState, Lifecycle, UnifiedStatus, Vendor
    from .vendors.factory import JobHistory, VendorFactory
    from .wire import Headers, Request

__all__ = [
    "INFERRED_RETRY_SCHEDULE",
    "INVALID_DEFECTS",
    "NO_RETRIES",
    "OMIT",
    "SVIX_RETRY_SCHEDULE",
    "UNIFIED_STATUSES",
    "VENDORS",
    "APICall",
    "ArgumentError",
    "Attempt",
    "BatchReport",
    "CaptureServer",
    "Delivery",
    "DeliveryError",
    "DeliveryReport",
    "DeliveryStyle",
    "DriftEntry",
    "DriftReport",
    "FactoryError",
    "GoFetchAPI",
    "GoFetchAPIError",
    "Headers",
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
    "ReplayReport",
    "ReplayedDelivery",
    "Request",
    "Response",
    "RetrySchedule",
    "SeededFactory",
    "Sender",
    "SentRequest",
    "ServerError",
    "ServerSettings",
    "SignatureError",
    "SignatureVerdict",
    "UnifiedStatus",
    "UnknownVendorError",
    "Vendor",
    "VendorDefinitionError",
    "VendorFactory",
    "assert_job_sequence",
    "assert_valid_lifecycle",
    "build",
    "check_recording",
    "default_retry_schedule",
    "deliver",
    "deliver_all",
    "detect_vendor",
    "forged_headers",
    "get_vendor",
    "invalid",
    "job_state",
    "lifecycle",
    "load_schema",
    "new_secret",
    "outcomes",
    "parse_record",
    "read_records",
    "register_vendor",
    "replay",
    "schema_path",
    "sign",
    "timeline",
    "unregister_vendor",
    "validate_payload",
    "verify",
]

_LAZY = {
    "ReplayReport": ".recordings.replaying",
    "ReplayedDelivery": ".recordings.replaying",
    "replay": ".recordings.replaying",
    "Delivery": ".deliveries",
    "Headers": ".wire",
    "Request": ".wire",
    "Response": ".deliveries",
    "SignatureVerdict": ".deliveries",
    "APICall": ".fakes.gofetch",
    "GoFetchAPI": ".fakes.gofetch",
    "INFERRED_RETRY_SCHEDULE": ".sender",
    "NO_RETRIES": ".sender",
    "SVIX_RETRY_SCHEDULE": ".sender",
    "Attempt": ".sender",
    "BatchReport": ".sender",
    "DeliveryReport": ".sender",
    "RetrySchedule": ".sender",
    "Sender": ".sender",
    "SentRequest": ".sender",
    "default_retry_schedule": ".sender",
    "deliver": ".sender",
    "deliver_all": ".sender",
    "CaptureServer": ".server",
    "ServerSettings": ".server",
    "forged_headers": ".signing",
    "new_secret": ".signing",
    "sign": ".signing",
    "verify": ".signing",
    "UNIFIED_STATUSES": ".vendors.base",
    "DeliveryStyle": ".vendors.base",
    "JobState": ".vendors.base",
    "Lifecycle": ".vendors.base",
    "UnifiedStatus": ".vendors.base",
    "Vendor": ".vendors.base",
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
    "JobHistory": ".vendors.factory",
    "VendorFactory": ".vendors.factory",
    "job_state": ".catalog",
    "validate_payload": ".catalog",
    "load_schema": ".catalog.schemas",
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
    "schema_path": ".catalog.schemas",
    "assert_job_sequence": ".assertions",
    "assert_valid_lifecycle": ".assertions",
    "timeline": ".assertions",
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
