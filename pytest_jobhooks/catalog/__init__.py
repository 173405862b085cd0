"""Ask the catalog about a payload: is it valid, which vendor sent it, where is the job; :func:`read` says it all."""

from __future__ import annotations

from ..vendors._validation import schema_problems
from .payloads import detect_vendor, is_valid, job_state, to_json_object, validate_payload
from .reading import Outcome, Reading, read, read_if_signing

__all__ = [
    "Outcome",
    "Reading",
    "detect_vendor",
    "is_valid",
    "job_state",
    "read",
    "read_if_signing",
    "schema_problems",
    "to_json_object",
    "validate_payload",
]
