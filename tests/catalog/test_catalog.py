"""validate_payload, job_state and detect_vendor through the public API."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import pytest_jobhooks as jh
from pytest_jobhooks.vendors import VENDORS

TELMAI = dict(VENDORS["telmai"].examples["FINISHED.doc"])
TAMR = copy.deepcopy(VENDORS["tamr"].examples["DONE.doc-stopped"])
TENSORLAKE = copy.deepcopy(VENDORS["tensorlake"].examples["successful.doc"])
WORKFLOW = copy.deepcopy(VENDORS["tensorlake-workflow"].examples["failure.doc"])
GOFETCH = dict(VENDORS["gofetch"].examples["fetcher_approaching_dropoff.doc"])


def problems(vendor: str, payload: object) -> list[str]:
    with pytest.raises(jh.PayloadValidationError) as info:
        jh.validate_payload(vendor, payload)
    assert info.value.vendor == vendor
    lines = [str(p) for p in info.value.errors]
    assert all(line in str(info.value) for line in lines)
    return lines


def tamr(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(TAMR)
    event.update(changes)
    return event


# --- the message format the issue promises ------------------------------------------------------


def test_enum_violation_names_path_value_and_allowed_values() -> None:
    assert problems("telmai", {**TELMAI, "status": "DONE"}) == [
        "$.status: 'DONE' is not one of ['PREPARING', 'BATCH_WAIT', 'IN_PROGRESS', 'FINISHED', 'FAILED']"
    ]


def test_every_problem_is_listed_not_just_the_first() -> None:
    lines = problems("telmai", {"status": "FINISHED", "jobId": 7})
    assert lines == [
        "$: 'details' is a required property",
        "$: 'source' is a required property",
        "$: 'tenant' is a required property",
        "$.jobId: 7 is not of type 'string'",
    ]


def test_error_is_a_value_error_with_problems_as_data() -> None:
    with pytest.raises(ValueError, match=r"not a valid gofetch payload \(1 problem\)") as info:
        jh.validate_payload("gofetch", {"job_id": "", "job_status": "delivered"})
    assert isinstance(info.value, jh.PayloadValidationError)
    assert info.value.errors == (jh.Problem("$.job_id", "'' should be non-empty"),)


def test_nothing_is_coerced() -> None:
    assert problems("telmai", {**TELMAI, "status": "finished"})[0].startswith("$.status: 'finished' is not one of")
    usage = {**TENSORLAKE["usage"], "pages_parsed": "10"}
    assert problems("tensorlake", {**TENSORLAKE, "usage": usage}) == [
        "$.usage.pages_parsed: '10' is not of type 'integer'"
    ]
    usage = {**TENSORLAKE["usage"], "pages_parsed": True}
    assert problems("tensorlake", {**TENSORLAKE, "usage": usage}) == [
        "$.usage.pages_parsed: True is not of type 'integer'"
    ]


def test_integral_floats_are_integers_as_in_json_schema() -> None:
    usage = {**TENSORLAKE["usage"], "pages_parsed": 10.0}
    assert jh.validate_payload("tensorlake", {**TENSORLAKE, "usage": usage}).usage.pages_parsed == 10  # type: ignore[attr-defined]
    usage = {**TENSORLAKE["usage"], "pages_parsed": 10.5}
    assert problems("tensorlake", {**TENSORLAKE, "usage": usage}) == [
        "$.usage.pages_parsed: 10.5 is not of type 'integer'"
    ]


def test_optional_field_of_wrong_type_names_the_allowed_types() -> None:
    assert problems("telmai", {**TELMAI, "uploadTimestamp": "1763812800000"}) == [
        "$.uploadTimestamp: '1763812800000' is not of type 'integer' or 'null'"
    ]


# --- bad input of every kind ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\xff\xfe{}", "$: body is not valid UTF-8 (byte 0xff at position 0)"),
        ("{not json", "$: not valid JSON: Expecting property name enclosed in double quotes (column 2)"),
        ("[1, 2]", "$: expected a JSON object, got an array"),
        ("12", "$: expected a JSON object, got a number"),
        (b"", "$: empty body: expected a JSON object"),
        ("  \n", "$: empty body: expected a JSON object"),
        ('{"a": NaN}', "$: not valid JSON: NaN is not allowed in JSON"),
        (None, "$: expected a JSON object, got null"),
        ([TELMAI], "$: expected a JSON object, got an array"),
        (object(), "$: expected a JSON object, got a Python object"),
        ({1: "x"}, "$: object keys must be strings"),
        ("[" * 100_000, "$: not valid JSON: nested too deeply"),
    ],
    ids=[
        "bad-utf8",
        "not-json",
        "array",
        "number",
        "empty",
        "blank",
        "nan",
        "none",
        "list",
        "object",
        "int-key",
        "deep",
    ],
)
def test_bad_input_gives_one_clear_problem(payload: object, message: str) -> None:
    assert problems("telmai", payload) == [message]


def test_json_text_and_bytes_are_accepted() -> None:
    text = json.dumps(TELMAI)
    assert jh.validate_payload("telmai", text) == jh.validate_payload("telmai", text.encode())


def test_another_vendors_status_is_rejected() -> None:
    assert problems("gofetch", {**GOFETCH, "job_status": "FINISHED"}) == [
        "$.job_status: 'FINISHED' is not one of ['fetcher_approaching_dropoff', 'delivered']"
    ]


def test_unknown_vendor_is_a_key_error_listing_the_known_ones() -> None:
    with pytest.raises(KeyError) as info:
        jh.validate_payload("stripe", {})
    assert isinstance(info.value, jh.UnknownVendorError)
    assert (
        str(info.value)
        == "unknown vendor 'stripe'; known vendors: gofetch, tamr, telmai, tensorlake, tensorlake-workflow"
    )


# --- telmai -------------------------------------------------------------------------------------------


def test_telmai_model_exposes_python_names() -> None:
    model = jh.validate_payload("telmai", {**TELMAI, "uploadTimestamp": 1763812800000})
    assert (model.job_id, model.status, model.upload_timestamp) == ("job-20260417-001", "FINISHED", 1763812800000)  # type: ignore[attr-defined]


# --- tamr -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("job_type", "identifiers"),
    [
        ("LOAD_SOURCE", {"sourceId": "s1", "sourceDisplayName": "Source"}),
        ("UPDATE_DATA_PRODUCT", {"dataProductId": "dp", "dataProductDisplayName": "DP", "workflowId": ""}),
        ("UPDATE_DATA_PRODUCT", {"dataProductId": "dp"}),  # legacy data product
        ("UPDATE_WORKFLOW", {"workflowId": "wf", "workflowDisplayName": "WF", "dataProductId": None}),
        ("PUBLISH_CONFIGURATION", {"destinationId": "d"}),  # legacy data product
        (
            "PUBLISH_CONFIGURATION",
            {
                "dataProductId": "dp",
                "dataProductDisplayName": "DP",
                "destinationId": "d",
                "destinationDisplayName": "D",
            },
        ),
        ("PUBLISH_DESTINATION", {"destinationId": "d", "destinationDisplayName": "D", "dataProductDisplayName": ""}),
    ],
)
def test_tamr_identifiers_per_job_type(job_type: str, identifiers: dict[str, Any]) -> None:
    event = {k: v for k, v in TAMR.items() if not k.startswith("source")}
    jh.validate_payload("tamr", {**event, "type": job_type, **identifiers})


def test_tamr_missing_and_stray_identifiers() -> None:
    event = {k: v for k, v in TAMR.items() if not k.startswith("source")}
    assert problems("tamr", {**event, "type": "UPDATE_WORKFLOW", "workflowId": "wf", "sourceId": "s1"}) == [
        "$: 'workflowDisplayName' is a required property",
        "$.sourceId: sourceId does not apply to UPDATE_WORKFLOW jobs: it may only be empty",
    ]
    assert problems("tamr", {**event, "type": "LOAD_SOURCE", "sourceId": "", "sourceDisplayName": "S"}) == [
        "$.sourceId: '' should be non-empty"
    ]


def test_tamr_error_only_on_done() -> None:
    status = {
        "state": "RUNNING",
        "stateStartTime": "2025-12-02T14:46:04.518Z",
        "error": {"reason": "X", "message": "m"},
    }
    assert problems("tamr", tamr(status=status)) == ["$.status.error: error is only sent when state is DONE"]


@pytest.mark.parametrize("reason", ["stopped_by_user", "STOPPED-BY-USER", "_X", "A" * 64])
def test_tamr_error_reason_is_upper_snake_case_up_to_63(reason: str) -> None:
    status = {**TAMR["status"], "error": {"reason": reason, "message": "m"}}
    [line] = problems("tamr", tamr(status=status))
    assert line.startswith("$.status.error.reason: ")


def test_tamr_state_start_time_must_be_rfc3339() -> None:
    status = {**TAMR["status"], "stateStartTime": "2025-12-02 14:46:04"}
    assert problems("tamr", tamr(status=status)) == [
        "$.status.stateStartTime: '2025-12-02 14:46:04' is not a 'date-time'"
    ]


@pytest.mark.parametrize(
    ("error", "unified"),
    [
        (None, "succeeded"),
        ({"reason": "STOPPED_BY_USER", "message": "m"}, "cancelled"),
        ({"reason": "OOM", "message": "m"}, "failed"),
    ],
)
def test_tamr_done_maps_to_unified_by_error(error: dict[str, str] | None, unified: str) -> None:
    status: dict[str, Any] = {"state": "DONE", "stateStartTime": "2025-12-02T14:46:04.518+01:00"}
    if error:
        status["error"] = error
    state = jh.job_state("tamr", tamr(status=status))
    assert (state.job_id, state.status, state.unified) == ("42", "DONE", unified)
    assert state.time is not None
    assert state.time.isoformat() == "2025-12-02T14:46:04.518000+01:00"


def test_tamr_cloudevents_envelope_is_unwrapped() -> None:
    envelope = {"specversion": "1.0", "id": "e1", "source": "/tamr", "type": "com.tamr.job", "data": TAMR}
    assert jh.validate_payload("tamr", envelope) == jh.validate_payload("tamr", TAMR)
    assert jh.detect_vendor(envelope) == "tamr"
    assert problems("tamr", {**envelope, "specversion": "0.3"}) == ["$.specversion: '1.0' was expected"]
    bad = {**envelope, "data": tamr(jobId="")}
    assert problems("tamr", bad) == ["$.data.jobId: '' should be non-empty"]


# --- tensorlake -----------------------------------------------------------------------------------------


def test_tensorlake_requirements_per_status() -> None:
    failed = {k: v for k, v in TENSORLAKE.items() if k != "usage"} | {"status": "failure"}
    assert problems("tensorlake", failed) == ["$: 'error' is a required property"]
    done = {k: v for k, v in TENSORLAKE.items() if k != "usage"}
    assert problems("tensorlake", done) == ["$: 'usage' is a required property"]
    pending = {
        "job_id": "parse_1",
        "status": "pending",
        "created_at": "2023-10-01T12:00:00Z",
        "finished_at": "2023-10-01T12:00:00Z",
    }
    assert problems("tensorlake", pending) == ["$.finished_at: a pending job has no finished_at"]


def test_tensorlake_finished_at_not_before_created_at() -> None:
    early = {**TENSORLAKE, "finished_at": "2023-10-01T11:59:59.999Z"}
    assert problems("tensorlake", early) == [
        "$: finished_at 2023-10-01T11:59:59.999Z is before created_at 2023-10-01T12:00:00Z"
    ]
    same_instant = {**TENSORLAKE, "finished_at": "2023-10-01T14:00:00+02:00"}
    jh.validate_payload("tensorlake", same_instant)


def test_tensorlake_usage_needs_all_nine_integer_counters() -> None:
    usage = {k: v for k, v in TENSORLAKE["usage"].items() if k != "ocr_input_tokens_used"}
    assert problems("tensorlake", {**TENSORLAKE, "usage": usage}) == [
        "$.usage: 'ocr_input_tokens_used' is a required property"
    ]
    negative = {**TENSORLAKE["usage"], "pages_parsed": -1}
    assert problems("tensorlake", {**TENSORLAKE, "usage": negative}) == [
        "$.usage.pages_parsed: -1 is less than the minimum of 0"
    ]


def test_tensorlake_doc_created_example_with_its_trailing_comma_is_not_json() -> None:
    doc_text = '{\n "job_id": "parse_XXX",\n "status": "pending",\n "created_at": "2023-10-01T12:00:00Z",\n}'
    assert problems("tensorlake", doc_text)[0].startswith("$: not valid JSON")
    assert jh.validate_payload("tensorlake", doc_text.replace(",\n}", "\n}")).status == "pending"  # type: ignore[attr-defined]


# --- tensorlake workflow ---------------------------------------------------------------------------------


def test_workflow_status_is_derived_from_functions() -> None:
    assert jh.job_state("tensorlake-workflow", WORKFLOW).unified == "failed"
    ok = {**WORKFLOW, "fn_status": {"fn_A": "success", "fn B": "success"}}
    state = jh.job_state("tensorlake-workflow", ok)
    assert (state.job_id, state.status, state.unified, state.time) == ("invocation_XXXX", "success", "succeeded", None)
    assert problems("tensorlake-workflow", {**WORKFLOW, "fn_status": {}}) == ["$.fn_status: {} should be non-empty"]
    assert problems("tensorlake-workflow", {**WORKFLOW, "fn_status": {"fn A": "ok"}}) == [
        "$.fn_status['fn A']: 'ok' is not one of ['success', 'failure']"
    ]


# --- gofetch ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"job_id": "b3131f1d", "job_status": "fetcher_approaching_dropoff"},
        {"job_id": ["b3131f1d"], "job_status": ["fetcher_approaching_dropoff"]},
        "job_id=b3131f1d&job_status=fetcher_approaching_dropoff",
        "?job_id=b3131f1d&job_status=fetcher_approaching_dropoff",
        b'{"job_id": "b3131f1d", "job_status": "fetcher_approaching_dropoff"}',
    ],
    ids=["mapping", "parse_qs", "query-string", "query-with-?", "post-json"],
)
def test_gofetch_query_and_json_forms(payload: object) -> None:
    state = jh.job_state("gofetch", payload)
    assert (state.job_id, state.status, state.unified) == ("b3131f1d", "fetcher_approaching_dropoff", "running")


def test_gofetch_repeated_query_parameter_is_rejected() -> None:
    assert problems("gofetch", "job_id=a&job_id=b&job_status=delivered") == [
        "$.job_id: given 2 times in the query string"
    ]


def test_query_strings_are_not_json_for_other_vendors() -> None:
    assert problems("telmai", "jobId=a&status=FINISHED")[0].startswith("$: not valid JSON")


# --- detect_vendor ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_detect_every_documented_example_as_mapping_text_and_bytes(name: str) -> None:
    for example in VENDORS[name].examples.values():
        assert jh.detect_vendor(example) == name
        assert jh.detect_vendor(json.dumps(example)) == name
        assert jh.detect_vendor(json.dumps(example).encode()) == name


def test_detect_invalid_payload_of_a_known_shape() -> None:
    assert jh.detect_vendor({**TELMAI, "status": "pending", "tenant": 3}) == "telmai"
    assert jh.detect_vendor({k: v for k, v in TELMAI.items() if k != "tenant"}) == "telmai"


def test_detect_gofetch_from_query_string() -> None:
    query = {"job_id": ["b3131f1d"], "job_status": ["delivered"]}
    assert jh.detect_vendor(None, query=query) == "gofetch"
    assert jh.detect_vendor(b"", query=query) == "gofetch"


def test_svix_headers_narrow_detection_to_signed_vendors() -> None:
    ambiguous = {"job_id": "x", "status": "pending"}
    assert jh.detect_vendor(ambiguous, headers={"Svix-Signature": "v1,abc"}) == "tensorlake"
    assert jh.detect_vendor(TELMAI, headers={"svix-signature": "v1,abc"}) is None


@pytest.mark.parametrize(
    "payload",
    [None, {}, [], "[]", "not json", b"\xff", {"error": "boom"}, {"jobId": "x", "status": "X"}, {"hello": "world"}, 3],
)
def test_detect_returns_none_when_nothing_fits(payload: object) -> None:
    assert jh.detect_vendor(payload) is None


def test_tamr_errors_come_from_the_shape_the_payload_was_meant_to_have() -> None:
    # Several problems in a plain event must not be reported as "not a CloudEvents envelope".
    lines = problems("tamr", {"jobId": "42", "type": "LOAD_SOURCE", "status": {"state": "FINISHED"}})
    assert lines == [
        "$: 'sourceDisplayName' is a required property",
        "$: 'sourceId' is a required property",
        "$: 'statusHistory' is a required property",
        "$.status: 'stateStartTime' is a required property",
        "$.status.state: 'FINISHED' is not one of ['PENDING', 'RUNNING', 'STOPPING', 'DONE']",
    ]
    envelope = {"specversion": "1.0", "id": "e1", "source": "/tamr", "type": "t", "data": {"jobId": "42"}}
    assert problems("tamr", envelope)[0] == "$.data: 'status' is a required property"
