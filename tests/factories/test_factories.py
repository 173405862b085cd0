"""build, lifecycle, invalid and SeededFactory: valid, realistic, legal and deterministic under a seed."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import random
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel, ConfigDict

import pytest_jobhooks as jh
from pytest_jobhooks._json import format_rfc3339
from pytest_jobhooks.catalog.schemas import schema_path
from pytest_jobhooks.factories import (
    BASE_TIME,
    INVALID_DEFECTS,
    OMIT,
    SeededFactory,
    build,
    invalid,
    lifecycle,
    outcomes,
)
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks.vendors.factory import VendorFactory

NAMES = list(VENDORS)
CASES = [(vendor, outcome) for vendor in NAMES for outcome in outcomes(vendor)]
SEEDS = range(300)


@pytest.fixture(scope="module")
def schema_validators() -> dict[str, Draft202012Validator]:
    checker = FormatChecker()
    assert "date-time" in checker.checkers  # otherwise "format checking on" would check nothing
    return {
        name: Draft202012Validator(json.loads(schema_path(name).read_text(encoding="utf-8")), format_checker=checker)
        for name in NAMES
    }


def states_of(vendor: str, deliveries: list[dict[str, Any]]) -> list[jh.JobState]:
    return [jh.job_state(vendor, payload) for payload in deliveries]


# --- the property the issue asks for: every vendor x outcome x hundreds of seeds -----------------


@pytest.mark.parametrize(("vendor", "outcome"), CASES)
def test_every_lifecycle_is_valid_legal_and_ends_in_the_outcome(
    vendor: str, outcome: jh.UnifiedStatus, schema_validators: dict[str, Draft202012Validator]
) -> None:
    life = VENDORS[vendor].lifecycle
    validator = schema_validators[vendor]
    for seed in SEEDS:
        deliveries = lifecycle(vendor, outcome=outcome, seed=seed, validate=False)
        for payload in deliveries:
            validator.validate(payload)
        states = states_of(vendor, deliveries)
        path = [state.status for state in states]
        assert path[0] in life.initial, (seed, path)
        assert all(life.is_legal(a, b) for a, b in itertools.pairwise(path)), (seed, path)
        assert life.is_terminal(path[-1]), (seed, path)
        assert states[-1].unified == outcome, (seed, path)
        assert {state.job_id for state in states} == {states[0].job_id}
        times = [state.time for state in states if state.time is not None]
        assert times == sorted(times)


@pytest.mark.parametrize("vendor", NAMES)
def test_every_status_builds_a_valid_payload_in_that_status(
    vendor: str, schema_validators: dict[str, Draft202012Validator]
) -> None:
    spec = VENDORS[vendor]
    for status in spec.lifecycle.states:
        for outcome in spec.lifecycle.unified[status] if spec.lifecycle.is_terminal(status) else (None,):
            for seed in range(100):
                payload = build(vendor, status=status, outcome=outcome, seed=seed)
                schema_validators[vendor].validate(payload)
                state = jh.job_state(vendor, payload)
                assert state.status == status
                assert outcome is None or state.unified == outcome


def test_default_build_is_a_terminal_success_and_the_last_delivery_of_its_lifecycle() -> None:
    for vendor in NAMES:
        for seed in range(20):
            payload = build(vendor, seed=seed)
            state = jh.job_state(vendor, payload)
            assert VENDORS[vendor].lifecycle.is_terminal(state.status)
            assert state.unified == "succeeded"
            assert payload == lifecycle(vendor, seed=seed)[-1]


def test_a_status_built_alone_equals_that_delivery_of_the_lifecycle() -> None:
    for seed in range(20):
        deliveries = lifecycle("tamr", outcome="cancelled", seed=seed, stopping=True, legacy=True)
        for payload in deliveries:
            status = payload["status"]["state"]
            if status != "DONE":
                assert (
                    build("tamr", status=status, outcome="cancelled", seed=seed, stopping=True, legacy=True) == payload
                )


# --- vendor-specific consistency and realism -----------------------------------------------------


def test_telmai_deliveries_share_tenant_source_and_job_and_look_like_the_doc() -> None:
    rounds_seen = set()
    for seed in range(200):
        deliveries = lifecycle("telmai", outcome="failed" if seed % 2 else "succeeded", seed=seed)
        assert len({(p["tenant"], p["source"], p["jobId"]) for p in deliveries}) == 1
        first = deliveries[0]
        assert re.fullmatch(r"[a-z]+-[a-z]+", first["tenant"])
        assert uuid.UUID(first["source"]).version == 4
        assert re.fullmatch(r"job-\d{8}-\d{3}", first["jobId"])
        assert first["status"] == "PREPARING"
        rounds_seen.add(sum(p["status"] == "BATCH_WAIT" for p in deliveries))
    assert {0, 1, 2} <= rounds_seen  # the seed varies the path


def test_telmai_batch_wait_rounds_can_be_set() -> None:
    path = [p["status"] for p in lifecycle("telmai", seed=1, batch_wait_rounds=2)]
    assert path == ["PREPARING", "IN_PROGRESS", "BATCH_WAIT", "IN_PROGRESS", "BATCH_WAIT", "IN_PROGRESS", "FINISHED"]
    failed = [p["status"] for p in lifecycle("telmai", outcome="failed", seed=1, batch_wait_rounds=1)]
    assert failed == ["PREPARING", "IN_PROGRESS", "BATCH_WAIT", "IN_PROGRESS", "FAILED"]


def test_tamr_history_grows_with_each_delivery_and_times_increase() -> None:
    for seed in range(100):
        for outcome in outcomes("tamr"):
            deliveries = lifecycle("tamr", outcome=outcome, seed=seed, legacy=True)
            statuses = [p["status"] for p in deliveries]
            for index, payload in enumerate(deliveries):
                assert payload["statusHistory"] == [
                    {k: s[k] for k in ("state", "stateStartTime")} for s in statuses[:index]
                ]
            starts = [s["stateStartTime"] for s in statuses]
            assert starts == sorted(set(starts))
            assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in starts)
            error = statuses[-1].get("error")
            if outcome == "succeeded":
                assert error is None
            elif outcome == "cancelled":
                assert error["reason"] == "STOPPED_BY_USER"
            elif len(deliveries) == 2:
                assert error["reason"] == "PLANNING_FAILED"


def test_tamr_paths_vary_with_the_seed_and_can_be_chosen() -> None:
    failed = {
        tuple(p["status"]["state"] for p in lifecycle("tamr", outcome="failed", seed=s, legacy=True)) for s in range(60)
    }
    assert failed == {("PENDING", "DONE"), ("PENDING", "RUNNING", "DONE")}
    cancelled = {
        tuple(p["status"]["state"] for p in lifecycle("tamr", outcome="cancelled", seed=s, legacy=True))
        for s in range(60)
    }
    assert ("PENDING", "RUNNING", "STOPPING", "DONE") in cancelled
    assert len(cancelled) == 3
    planning = lifecycle("tamr", outcome="failed", seed=3, planning_failure=True, legacy=True)
    assert [p["status"]["state"] for p in planning] == ["PENDING", "DONE"]
    assert planning[-1]["status"]["error"]["reason"] == "PLANNING_FAILED"
    running = lifecycle("tamr", outcome="failed", seed=3, planning_failure=False, legacy=True)
    assert [p["status"]["state"] for p in running] == ["PENDING", "RUNNING", "DONE"]
    assert running[-1]["status"]["error"]["reason"] != "PLANNING_FAILED"
    stopping = lifecycle("tamr", outcome="cancelled", seed=3, stopping=True, legacy=True)
    assert [p["status"]["state"] for p in stopping] == ["PENDING", "RUNNING", "STOPPING", "DONE"]


def test_tamr_identifiers_and_names_fit_the_job_type() -> None:
    types = set()
    for seed in range(100):
        payload = build("tamr", seed=seed, legacy=True)
        types.add(payload["type"])
        kind = {"LOAD_SOURCE": "source", "UPDATE_WORKFLOW": "workflow", "PUBLISH_DESTINATION": "destination"}
        expected = kind.get(payload["type"], "dataProduct" if payload["type"] == "UPDATE_DATA_PRODUCT" else None)
        if expected is not None:
            assert payload[f"{expected}DisplayName"]
            assert payload[f"{expected}Id"].endswith(payload[f"{expected}DisplayName"].lower().replace(" ", "_"))
    assert len(types) == 5


def test_tensorlake_ids_times_and_usage_are_plausible() -> None:
    for seed in range(200):
        pending, done = lifecycle("tensorlake", outcome="failed" if seed % 3 == 0 else "succeeded", seed=seed)
        assert re.fullmatch(r"parse_[A-Za-z0-9]{21}", pending["job_id"])
        assert pending["job_id"] == done["job_id"]
        assert "finished_at" not in pending
        assert done["created_at"] == pending["created_at"]
        assert done["finished_at"] >= done["created_at"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", done["finished_at"])  # the doc's style
        if done["status"] == "successful":
            usage = done["usage"]
            assert usage["pages_parsed"] > 0
            assert usage["signature_detected_pages"] <= usage["pages_parsed"]
            assert usage["strikethrough_detected_pages"] <= usage["pages_parsed"]
        else:
            assert done["error"]
            assert "usage" not in done


def test_workflow_and_gofetch_payloads() -> None:
    for seed in range(100):
        (workflow,) = lifecycle("tensorlake-workflow", outcome="failed", seed=seed)
        assert "failure" in workflow["fn_status"].values()
        assert workflow["invocation_id"].startswith("invocation_")
        approaching, delivered = lifecycle("gofetch", seed=seed)
        assert approaching["job_status"] == "fetcher_approaching_dropoff"
        assert delivered["job_status"] == "delivered"
        assert uuid.UUID(approaching["job_id"]).version == 4
        assert approaching["job_id"] == delivered["job_id"]


# --- requests the vendor cannot satisfy ----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: build("telmai", status="DONE"), "telmai has no status 'DONE'; its statuses are PREPARING"),
        (lambda: build("telmai", outcome="exploded"), "unknown outcome 'exploded'"),  # type: ignore[arg-type]
        (lambda: lifecycle("gofetch", outcome="failed"), "gofetch jobs cannot end 'failed'; they end succeeded"),
        (lambda: build("telmai", status="FINISHED", outcome="failed"), "'FINISHED' means succeeded, not 'failed'"),
        (lambda: lifecycle("tamr", outcome="succeeded", planning_failure=True), "only applies to outcome='failed'"),
        (lambda: lifecycle("telmai", batch_wait_rounds=-1), "batch_wait_rounds must be an integer >= 0"),
        (lambda: lifecycle("tamr", outcome="cancelled", stopping="yes"), "stopping must be True or False"),
        (lambda: build("telmai", job_id=""), "job_id must be a non-empty string"),
        (lambda: build("telmai", start=datetime(2025, 1, 1)), "start must be a timezone-aware datetime"),
    ],
)
def test_impossible_requests_raise_factory_error(call: Any, message: str) -> None:
    with pytest.raises(jh.FactoryError, match=re.escape(message)):
        call()


def test_unknown_vendor() -> None:
    with pytest.raises(jh.UnknownVendorError, match="unknown vendor 'nope'"):
        build("nope")


# --- overrides -----------------------------------------------------------------------------------


def test_overrides_replace_top_level_and_nested_fields() -> None:
    payload = build("tamr", seed=1, jobId="job-7", status__error={"reason": "STOPPED_BY_USER", "message": "Stop."})
    state = jh.job_state("tamr", payload)
    assert (state.job_id, state.status, state.unified) == ("job-7", "DONE", "cancelled")
    first = build("tamr", seed=1, statusHistory__0__stateStartTime="2020-01-01T00:00:00.000Z")
    assert first["data"]["statusHistory"][0] == {"state": "PENDING", "stateStartTime": "2020-01-01T00:00:00.000Z"}
    assert build("telmai", seed=1, details="") == {**build("telmai", seed=1), "details": ""}
    assert "details" not in build("telmai", seed=1, details=OMIT, validate=False)


def test_an_override_that_breaks_the_payload_raises_unless_validate_is_false() -> None:
    with pytest.raises(
        jh.PayloadValidationError, match=r"\$\.data\.status\.error: error is only sent when state is DONE"
    ):
        build("tamr", status="RUNNING", seed=1, status__error={"reason": "X", "message": "m"})
    broken = build("telmai", seed=1, jobId=42, validate=False)
    assert broken["jobId"] == 42


def test_lifecycle_overrides_change_the_deliveries_that_have_the_field() -> None:
    deliveries = lifecycle("telmai", seed=2, tenant="acme", uploadTimestamp=1_700_000_000_000)
    assert {(p["tenant"], p["uploadTimestamp"]) for p in deliveries} == {("acme", 1_700_000_000_000)}
    failed = lifecycle("tamr", outcome="failed", seed=2, status__error__reason="DISK_FULL")
    assert failed[-1]["data"]["status"]["error"]["reason"] == "DISK_FULL"
    assert all("error" not in p["data"]["status"] for p in failed[:-1])
    tensorlake = lifecycle("tensorlake", outcome="failed", seed=2, error="boom")
    assert [p.get("error") for p in tensorlake] == [None, "boom"]


def test_lifecycle_validation_error_says_which_delivery() -> None:
    with pytest.raises(jh.PayloadValidationError, match=r"\(delivery 1 of 3, PENDING\)"):
        lifecycle("tamr", seed=1, planning_failure=False, status__error={"reason": "X", "message": "m"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tenat": "acme"}, "no field 'tenat' to override (fields: details, jobId,"),
        ({"tenant__name": "acme"}, "no payload has an object or list at 'tenant'"),
        ({"statusHistory__9__state": "PENDING"}, "no payload has an object or list at 'statusHistory.9'"),
        ({"uploadTimestamp": OMIT}, "cannot omit 'uploadTimestamp': no payload has it"),
        ({"details": datetime(2025, 1, 1, tzinfo=timezone.utc)}, "details: a datetime is not a JSON value"),
        ({"details": float("nan")}, "details: nan is not allowed in JSON"),
    ],
)
def test_bad_overrides_raise_factory_error(overrides: dict[str, Any], message: str) -> None:
    vendor = "tamr" if "statusHistory__9__state" in overrides else "telmai"
    with pytest.raises(jh.FactoryError, match=re.escape(message)):
        build(vendor, seed=1, **overrides)


def test_extra_sends_fields_the_vendor_does_not_document() -> None:
    payload = build("telmai", seed=1, extra={"tenat": "x", "region": ("eu", 1)})
    assert (payload["tenat"], payload["region"]) == ("x", ["eu", 1])


def test_job_id_and_start_are_shared_by_every_delivery() -> None:
    start = datetime(2026, 4, 17, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    deliveries = lifecycle("tamr", seed=4, job_id="job-1", start=start)
    assert {jh.job_state("tamr", p).job_id for p in deliveries} == {"job-1"}
    assert deliveries[0]["data"]["status"]["stateStartTime"] == "2026-04-17T07:30:00.000Z"
    assert build("telmai", seed=4, start=start)["jobId"].startswith("job-20260417-")
    created = datetime.fromisoformat(build("tensorlake", seed=4)["created_at"].replace("Z", "+00:00"))
    assert BASE_TIME <= created < BASE_TIME + timedelta(days=366)


# --- determinism ---------------------------------------------------------------------------------

_DUMP = """
import json, sys
from pytest_jobhooks.factories import INVALID_DEFECTS, build, invalid, lifecycle, outcomes
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks._json import format_rfc3339
from pytest_jobhooks.vendors.factory import VendorFactory
out = {}
for seed in (0, 12345, 2**63 + 5):
    for vendor in VENDORS:
        out[f"{vendor}/{seed}/build"] = build(vendor, seed=seed)
        for outcome in outcomes(vendor):
            out[f"{vendor}/{seed}/{outcome}"] = lifecycle(vendor, outcome=outcome, seed=seed)
        for defect in INVALID_DEFECTS[vendor]:
            out[f"{vendor}/{seed}/{defect}"] = invalid(vendor, defect, seed=seed)
sys.stdout.write(json.dumps(out))
"""


def dump(hash_seed: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.Popen([sys.executable, "-c", _DUMP], env=env, stdout=subprocess.PIPE, text=True)


def test_same_seed_gives_byte_identical_json_across_processes() -> None:
    # Different str hashing in each process: set iteration order must not leak into the output.
    processes = [dump("1"), dump("2")]
    first, second = (process.communicate(timeout=120)[0] for process in processes)
    assert [process.returncode for process in processes] == [0, 0]
    assert first == second
    namespace: dict[str, Any] = {}
    exec(_DUMP.replace("sys.stdout.write(json.dumps(out))", ""), namespace)
    assert json.dumps(namespace["out"]) == first


def test_different_seeds_give_different_ids() -> None:
    for vendor in NAMES:
        ids = [jh.job_state(vendor, build(vendor, seed=seed)).job_id for seed in range(50)]
        assert len(set(ids)) == len(ids), vendor


def test_no_seed_draws_a_fresh_one_without_touching_global_random() -> None:
    random.seed(7)
    before = random.getstate()
    ids = {build("gofetch")["job_id"] for _ in range(5)}
    lifecycle("tamr", outcome="cancelled")
    invalid("telmai", "missing:tenant")
    SeededFactory().build("tensorlake")
    dict(INVALID_DEFECTS)
    assert random.getstate() == before
    assert len(ids) == 5


def test_payloads_are_fresh_objects() -> None:
    first = lifecycle("tamr", seed=3)
    first[0]["data"]["statusHistory"].append("junk")
    first[-1]["data"]["status"]["state"] = "junk"
    assert lifecycle("tamr", seed=3) == lifecycle("tamr", seed=3)
    assert lifecycle("tamr", seed=3)[0]["data"]["statusHistory"] == []


# --- SeededFactory -------------------------------------------------------------------------------


def test_seeded_factory_replays_its_calls_and_each_call_is_a_new_job() -> None:
    def calls(factory: SeededFactory) -> Iterator[object]:
        yield factory.build("telmai")
        yield factory.lifecycle("tamr", outcome="failed")
        yield factory.invalid("gofetch", "missing:job_id")
        yield factory.build("telmai")

    first, again = list(calls(SeededFactory(99))), list(calls(SeededFactory(99)))
    assert first == again
    assert first[0]["jobId"] != first[3]["jobId"]
    assert repr(SeededFactory(99)) == "SeededFactory(seed=99)"


def test_an_explicit_seed_wins_and_does_not_shift_the_other_calls() -> None:
    factory, plain = SeededFactory(5), SeededFactory(5)
    assert factory.build("tamr", seed=11) == build("tamr", seed=11)
    assert factory.lifecycle("gofetch") == plain.lifecycle("gofetch")
    with pytest.raises(jh.ArgumentError, match=r"seed must be an int >= 0, not -3"):
        SeededFactory(-3)


# --- vendors registered by users -----------------------------------------------------------------


class TensorlakeLike(VENDORS["tensorlake"].model):  # type: ignore[name-defined,misc]
    """A model of the user's own: its vendor has no shipped schema file."""


@pytest.fixture
def examples_only() -> Iterator[str]:
    spec = dataclasses.replace(VENDORS["tensorlake"], name="tl-examples", model=TensorlakeLike, factory=None)
    jh.register_vendor(spec)
    yield spec.name
    jh.unregister_vendor(spec.name)


def test_a_vendor_without_factory_falls_back_to_its_examples(examples_only: str) -> None:
    examples = VENDORS[examples_only].examples
    assert build(examples_only, seed=1) == examples["successful.doc"]
    assert build(examples_only, status="failure", seed=1, error="boom") == {**examples["failure.doc"], "error": "boom"}
    assert INVALID_DEFECTS[examples_only] == INVALID_DEFECTS["tensorlake"]
    for defect in INVALID_DEFECTS[examples_only]:
        with pytest.raises(jh.PayloadValidationError):
            jh.validate_payload(examples_only, invalid(examples_only, defect, seed=1))
    with pytest.raises(jh.FactoryError, match=r"tl-examples has no factory .* cannot make whole lifecycles"):
        lifecycle(examples_only)
    with pytest.raises(jh.FactoryError, match=r"job_id= and start= need one"):
        build(examples_only, job_id="x")


# --- invalid -------------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", NAMES)
def test_every_defect_is_rejected_with_a_message_naming_its_field(vendor: str) -> None:
    factory = VENDORS[vendor].factory
    assert factory is not None
    for defect in INVALID_DEFECTS[vendor]:
        for seed in range(40):
            with pytest.raises(jh.PayloadValidationError) as info:
                jh.validate_payload(vendor, invalid(vendor, defect, seed=seed))
            field = defect.partition(":")[2]
            if defect == "empty":
                named = "is a required property"
            else:
                named = field or factory.status_path(build(vendor, seed=seed))[-1]
            assert named in str(info.value), (defect, str(info.value))


def test_defects_listed_for_telmai() -> None:
    fields = ("tenant", "source", "jobId", "status", "details")
    assert INVALID_DEFECTS["telmai"] == (
        "empty",
        *(f"missing:{name}" for name in fields),
        *(f"wrong-type:{name}" for name in fields),
        "unknown-status",
        "foreign-status",
    )
    assert "missing:usage" in INVALID_DEFECTS["tensorlake"]  # required on success, the default status
    assert "missing:sourceId" not in INVALID_DEFECTS["tamr"]  # only some job types have it
    assert list(INVALID_DEFECTS) == NAMES
    assert "nope" not in INVALID_DEFECTS
    with pytest.raises(KeyError):
        INVALID_DEFECTS["nope"]


def test_status_defects_use_other_vendors_statuses_or_none_at_all() -> None:
    everyone = {state for spec in VENDORS.values() for state in spec.lifecycle.states}
    for seed in range(30):
        foreign = invalid("tamr", "foreign-status", seed=seed)["data"]["status"]["state"]
        assert foreign in everyone - set(VENDORS["tamr"].lifecycle.states)
        unknown = invalid("telmai", "unknown-status", seed=seed)["status"]
        assert unknown not in everyone
        assert unknown.isupper()
    assert invalid("tensorlake", "unknown-status", seed=1)["status"].islower()  # in the vendor's own case


def test_wrong_types_are_what_buggy_senders_write() -> None:
    assert isinstance(
        invalid("tamr", "wrong-type:jobId", seed=1)["data"]["jobId"], int
    )  # a numeric id sent as a number
    assert json.loads(invalid("tamr", "wrong-type:status", seed=1)["data"]["status"])["state"] == "DONE"  # JSON as text
    usage = invalid("tensorlake", "wrong-type:usage.pages_parsed", seed=1)["usage"]["pages_parsed"]
    assert usage == str(build("tensorlake", seed=1)["usage"]["pages_parsed"])


def test_any_field_path_can_be_broken_and_the_result_is_checked() -> None:
    assert "state" not in invalid("tamr", "missing:status.state", seed=2)["data"]["status"]
    assert invalid("tensorlake", "missing:error", status="failure", seed=2)["status"] == "failure"
    data_product = next(seed for seed in range(50) if build("tamr", seed=seed)["data"]["type"] == "UPDATE_DATA_PRODUCT")
    with pytest.raises(jh.FactoryError, match="leaves a valid tamr payload"):
        invalid("tamr", "missing:dataProductDisplayName", seed=data_product)  # legacy data products omit it
    with pytest.raises(jh.FactoryError, match="cannot omit 'nothing': no payload has it"):
        invalid("telmai", "missing:nothing")
    with pytest.raises(jh.FactoryError, match=r"unknown defect 'broken'; telmai defects: empty, missing:tenant"):
        invalid("telmai", "broken")


def test_invalid_is_deterministic_under_a_seed() -> None:
    for defect in INVALID_DEFECTS["tamr"]:
        assert invalid("tamr", defect, seed=8) == invalid("tamr", defect, seed=8)


# --- a vendor of one's own: a model, a lifecycle and a factory, nothing else to touch ------------


class AcmeEvent(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    id: str
    state: Literal["queued", "running", "ok", "error"]
    at: str


ACME_FACTORY = VendorFactory(
    job=lambda rng, job_id, start: {"id": job_id or f"acme-{rng.randrange(10**9)}"},
    payload=lambda rng, history: {**history.job, "state": history.state, "at": format_rfc3339(history.time, "ms")},
    status_path=lambda payload: ("state",),
)


def acme(factory: VendorFactory) -> jh.Vendor[AcmeEvent]:
    return jh.Vendor(
        name="acme-batch",
        title="Acme batch",
        model=AcmeEvent,
        lifecycle=jh.Lifecycle(
            states=("queued", "running", "ok", "error"),
            initial={"queued"},
            transitions={"queued": {"running", "error"}, "running": {"ok", "error"}},
            terminal={"ok", "error"},
            unified={"queued": "queued", "running": "running", "ok": "succeeded", "error": "failed"},
        ),
        delivery=jh.DeliveryStyle(),
        job_id=lambda event: event.id,
        status=lambda event: event.state,
        factory=factory,
    )


@pytest.fixture
def registered() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        jh.unregister_vendor(name)


def test_a_registered_vendor_with_a_factory_gets_everything(registered: list[str]) -> None:
    registered.append(jh.register_vendor(acme(ACME_FACTORY)).name)
    assert [p["state"] for p in lifecycle("acme-batch", seed=1)] == ["queued", "running", "ok"]  # shortest legal path
    assert [p["state"] for p in lifecycle("acme-batch", outcome="failed", seed=1)] == ["queued", "error"]
    assert build("acme-batch", status="running", seed=1, job_id="a-1") == {
        "id": "a-1",
        "state": "running",
        "at": lifecycle("acme-batch", seed=1)[1]["at"],
    }
    assert INVALID_DEFECTS["acme-batch"][:4] == ("empty", "missing:id", "missing:state", "missing:at")
    for defect in INVALID_DEFECTS["acme-batch"]:
        with pytest.raises(jh.PayloadValidationError):
            jh.validate_payload("acme-batch", invalid("acme-batch", defect, seed=3))


def test_a_factory_that_plans_an_illegal_path_is_a_definition_error(registered: list[str]) -> None:
    broken = dataclasses.replace(ACME_FACTORY, plan=lambda rng, outcome, options: ["running", "queued"])
    registered.append(jh.register_vendor(acme(broken)).name)
    with pytest.raises(jh.VendorDefinitionError, match=r"illegal path \[running -> queued\]: does not start in"):
        lifecycle("acme-batch", seed=1)


@pytest.mark.parametrize("bad", [-1, True, 1.5, "7"])
@pytest.mark.parametrize(
    "call",
    [
        lambda seed: build("telmai", seed=seed),
        lambda seed: lifecycle("telmai", seed=seed),
        lambda seed: invalid("telmai", "missing:jobId", seed=seed),
        lambda seed: SeededFactory(seed),
        lambda seed: jh.Sender(seed),
        lambda seed: jh.deliver_all([], "http://127.0.0.1:9/", seed=seed),
    ],
)
def test_every_seed_is_checked_once_with_one_message(call: Callable[[object], object], bad: object) -> None:
    with pytest.raises(jh.ArgumentError, match=rf"^seed must be an int >= 0, not {re.escape(repr(bad))}$"):
        call(bad)
