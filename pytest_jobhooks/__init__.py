"""pytest-jobhooks: test job-status webhooks (Telmai, Tamr, Tensorlake, GoFetch) like pure functions.

The names a test writes are importable from here; results a test only receives
(``Attempt``, ``LineVerdict``...) and power-user constants live in their
feature module, which is reachable as an attribute too
(``pytest_jobhooks.sender.SVIX_RETRY_SCHEDULE``, ``pytest_jobhooks.fakes.gofetch``).
Everything is loaded on first use: pytest imports this package in every run of
its users' test suites, and the vendor catalog (pydantic models) is not free to import.
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
    from . import (
        assertions as assertions,
    )
    from . import (
        catalog as catalog,
    )
    from . import (
        cli as cli,
    )
    from . import (
        contract as contract,
    )
    from . import (
        deliveries as deliveries,
    )
    from . import (
        factories as factories,
    )
    from . import (
        fakes as fakes,
    )
    from . import (
        recordings as recordings,
    )
    from . import (
        sender as sender,
    )
    from . import (
        server as server,
    )
    from . import (
        signing as signing,
    )
    from . import (
        strategies as strategies,
    )
    from . import (
        vendors as vendors,
    )
    from . import (
        wire as wire,
    )
    from .assertions import assert_job_sequence, assert_valid_lifecycle, timeline
    from .catalog import detect_vendor, job_state, read, validate_payload
    from .catalog.schemas import load_schema, schema_path
    from .deliveries import Delivery
    from .factories import INVALID_DEFECTS, OMIT, SeededFactory, build, invalid, lifecycle
    from .recordings import RecordedDelivery, check_recording, read_records
    from .recordings.replaying import replay
    from .sender import (
        BatchReport,
        DeliveryReport,
        RetrySchedule,
        Sender,
        deliver,
        deliver_all,
        deliver_all_async,
        deliver_async,
    )
    from .server import CaptureServer
    from .signing import forged_headers, new_secret, sign, verify
    from .vendors import VENDORS, get_vendor, register_vendor, registered, unregister_vendor
    from .vendors.base import UNIFIED_STATUSES, DeliveryStyle, JobState, Lifecycle, UnifiedStatus, Vendor
    from .wire import Headers, Request

__all__ = [
    "INVALID_DEFECTS",
    "OMIT",
    "UNIFIED_STATUSES",
    "VENDORS",
    "ArgumentError",
    "BatchReport",
    "CaptureServer",
    "Delivery",
    "DeliveryError",
    "DeliveryReport",
    "DeliveryStyle",
    "FactoryError",
    "GoFetchAPIError",
    "Headers",
    "JobState",
    "JobhooksError",
    "Lifecycle",
    "PayloadValidationError",
    "Problem",
    "RecordedDelivery",
    "RecordingError",
    "Request",
    "RetrySchedule",
    "SeededFactory",
    "Sender",
    "ServerError",
    "SignatureError",
    "UnifiedStatus",
    "UnknownVendorError",
    "Vendor",
    "VendorDefinitionError",
    "assert_job_sequence",
    "assert_valid_lifecycle",
    "build",
    "check_recording",
    "deliver",
    "deliver_all",
    "deliver_all_async",
    "deliver_async",
    "detect_vendor",
    "forged_headers",
    "get_vendor",
    "invalid",
    "job_state",
    "lifecycle",
    "load_schema",
    "new_secret",
    "read",
    "read_records",
    "register_vendor",
    "registered",
    "replay",
    "schema_path",
    "sign",
    "timeline",
    "unregister_vendor",
    "validate_payload",
    "verify",
]

# Where each lazily loaded public name is defined, grouped by module (the errors above are loaded eagerly).
_EXPORTS: dict[str, tuple[str, ...]] = {
    ".assertions": ("assert_job_sequence", "assert_valid_lifecycle", "timeline"),
    ".catalog": ("detect_vendor", "job_state", "read", "validate_payload"),
    ".catalog.schemas": ("load_schema", "schema_path"),
    ".deliveries": ("Delivery",),
    ".factories": ("INVALID_DEFECTS", "OMIT", "SeededFactory", "build", "invalid", "lifecycle"),
    ".recordings": ("RecordedDelivery", "check_recording", "read_records"),
    ".recordings.replaying": ("replay",),
    ".sender": (
        "BatchReport",
        "DeliveryReport",
        "RetrySchedule",
        "Sender",
        "deliver",
        "deliver_all",
        "deliver_all_async",
        "deliver_async",
    ),
    ".server": ("CaptureServer",),
    ".signing": ("forged_headers", "new_secret", "sign", "verify"),
    ".vendors": ("VENDORS", "get_vendor", "register_vendor", "registered", "unregister_vendor"),
    ".vendors.base": ("UNIFIED_STATUSES", "DeliveryStyle", "JobState", "Lifecycle", "UnifiedStatus", "Vendor"),
    ".wire": ("Headers", "Request"),
}
_LAZY = {name: module for module, names in _EXPORTS.items() for name in names}

# Feature modules reachable as attributes (``pytest_jobhooks.factories.build``), imported on first access.
_SUBMODULES = frozenset(
    {
        "assertions",
        "catalog",
        "cli",
        "contract",
        "deliveries",
        "errors",
        "factories",
        "fakes",
        "recordings",
        "sender",
        "server",
        "signing",
        "strategies",
        "vendors",
        "wire",
    }
)


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(import_module(module, __name__), name)
    elif name in _SUBMODULES:
        value = import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
