"""The vendor registry, lifecycles, and registering an in-house vendor as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

import pytest_jobhooks as jh
from pytest_jobhooks.vendors import VENDORS


class InHouseJob(BaseModel):
    """Our batch scheduler's callback."""

    model_config = ConfigDict(strict=True, extra="allow")
    run: str = Field(min_length=1, description="Run id.")
    phase: Literal["SUBMITTED", "RUNNING", "OK", "ERROR"] = Field(description="Run phase.")
    cluster: str = Field(description="Where it ran.")


def in_house(name: str = "inhouse", **changes: object) -> jh.Vendor[InHouseJob]:
    fields: dict[str, object] = {
        "name": name,
        "title": "In-house scheduler",
        "model": InHouseJob,
        "lifecycle": jh.Lifecycle(
            states=("SUBMITTED", "RUNNING", "OK", "ERROR"),
            initial={"SUBMITTED"},
            transitions={"SUBMITTED": {"RUNNING", "ERROR"}, "RUNNING": {"OK", "ERROR"}},
            terminal={"OK", "ERROR"},
            unified={"SUBMITTED": "queued", "RUNNING": "running", "OK": "succeeded", "ERROR": "failed"},
        ),
        "delivery": jh.DeliveryStyle(method="POST", encoding="json"),
        "job_id": lambda m: m.run,
        "status": lambda m: m.phase,
        "examples": {"OK": {"run": "r-1", "phase": "OK", "cluster": "eu-1"}},
    }
    fields.update(changes)
    return jh.Vendor(**fields)  # type: ignore[arg-type]


@pytest.fixture
def registered() -> Iterator[jh.Vendor[InHouseJob]]:
    vendor = jh.register_vendor(in_house())
    yield vendor
    jh.unregister_vendor("inhouse")


def test_builtin_vendor_names() -> None:
    assert sorted(VENDORS) == ["gofetch", "tamr", "telmai", "tensorlake", "tensorlake-workflow"]
    assert jh.VENDORS is VENDORS


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        VENDORS["x"] = VENDORS["telmai"]  # type: ignore[index]


def test_registered_vendor_works_everywhere(registered: jh.Vendor[InHouseJob]) -> None:
    payload = {"run": "r-7", "phase": "RUNNING", "cluster": "eu-1"}
    assert jh.get_vendor("inhouse") is registered
    assert jh.detect_vendor(payload) == "inhouse"
    assert jh.job_state("inhouse", payload) == jh.JobState("inhouse", "r-7", "RUNNING", "running", None)
    with pytest.raises(jh.PayloadValidationError) as info:
        jh.validate_payload("inhouse", {**payload, "phase": "DONE"})
    assert str(info.value.errors[0]) == "$.phase: 'DONE' is not one of ['SUBMITTED', 'RUNNING', 'OK', 'ERROR']"
    schema = jh.load_schema("inhouse")
    assert schema["$id"] == "urn:pytest-jobhooks:schemas:inhouse"
    assert schema["x-lifecycle"]["terminal"] == ["ERROR", "OK"]  # type: ignore[index]
    with pytest.raises(jh.JobhooksError, match="registered at runtime and has no schema file"):
        jh.schema_path("inhouse")


def test_vendor_object_can_be_used_without_registering() -> None:
    vendor = in_house("unregistered")
    assert jh.job_state(vendor, {"run": "r", "phase": "OK", "cluster": "c"}).unified == "succeeded"
    assert "unregistered" not in VENDORS


def test_a_copy_of_a_builtin_vendor_gets_a_generated_schema() -> None:
    import dataclasses

    copy = jh.register_vendor(dataclasses.replace(VENDORS["telmai"], name="telmai-eu"))
    try:
        assert jh.load_schema("telmai-eu")["$id"] == "urn:pytest-jobhooks:schemas:telmai-eu"
        with pytest.raises(jh.JobhooksError, match="has no schema file"):
            jh.schema_path(copy)
    finally:
        jh.unregister_vendor("telmai-eu")


def test_unregistered_name_is_unknown_afterwards() -> None:
    jh.register_vendor(in_house("temporary"))
    jh.unregister_vendor("temporary")
    with pytest.raises(jh.UnknownVendorError):
        jh.get_vendor("temporary")
    with pytest.raises(jh.UnknownVendorError):
        jh.unregister_vendor("temporary")


def test_name_clash_needs_replace(registered: jh.Vendor[InHouseJob]) -> None:
    with pytest.raises(jh.VendorDefinitionError, match="already registered"):
        jh.register_vendor(in_house())
    replacement = in_house(title="Replaced")
    assert jh.register_vendor(replacement, replace=True) is jh.get_vendor("inhouse")


@pytest.mark.parametrize("name", ["", "In House", "-x", "ünï"])
def test_bad_vendor_names_are_refused(name: str) -> None:
    with pytest.raises(jh.VendorDefinitionError, match="must be lowercase"):
        jh.register_vendor(in_house(name))


def test_invalid_example_is_refused_at_registration() -> None:
    with pytest.raises(jh.VendorDefinitionError, match=r"(?s)example .bad. is invalid.*\$\.phase: .ok. is not one of"):
        jh.register_vendor(in_house(examples={"bad": {"run": "r", "phase": "ok", "cluster": "c"}}))
    assert "inhouse" not in VENDORS


def test_register_refuses_non_vendors() -> None:
    with pytest.raises(jh.VendorDefinitionError, match="takes a Vendor, not dict"):
        jh.register_vendor({"name": "x"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"terminal": {"OK", "NOPE"}}, "'NOPE' is not among the states"),
        ({"transitions": {"OK": {"RUNNING"}}}, "terminal state 'OK' has moves out of it"),
        ({"transitions": {"RUNNING": {"LOST"}}}, "move 'RUNNING' -> 'LOST' leads to an unknown state"),
        ({"unified": {"RUNNING": "running"}}, "state 'OK' has no unified status"),
        ({"unified": {"OK": "done"}}, "'OK' maps to 'done', not one of queued, running"),
        ({"states": ()}, "a lifecycle needs at least one state"),
    ],
)
def test_lifecycle_contradictions_are_refused(changes: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "states": ("RUNNING", "OK"),
        "initial": {"RUNNING"},
        "transitions": {"RUNNING": {"OK"}},
        "terminal": {"OK"},
        "unified": {"RUNNING": "running", "OK": "succeeded"},
    }
    with pytest.raises(jh.VendorDefinitionError, match=message):
        jh.Lifecycle(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_builtin_lifecycles_are_consistent(name: str) -> None:
    life = VENDORS[name].lifecycle
    assert life.terminal
    assert life.initial
    for state in life.states:
        reachable_end = state in life.terminal or any(life.is_legal(state, nxt) for nxt in life.states)
        assert reachable_end, f"{state} is a dead end"
        assert all(not life.is_legal(state, nxt) for nxt in life.states) or not life.is_terminal(state)


@pytest.mark.parametrize(
    ("vendor", "before", "after", "legal"),
    [
        ("telmai", "PREPARING", "IN_PROGRESS", True),
        ("telmai", "IN_PROGRESS", "BATCH_WAIT", True),
        ("telmai", "FINISHED", "IN_PROGRESS", False),
        ("telmai", "PREPARING", "FINISHED", False),
        ("tamr", "PENDING", "DONE", True),
        ("tamr", "PENDING", "STOPPING", False),
        ("tamr", "RUNNING", "PENDING", False),
        ("tensorlake", "pending", "successful", True),
        ("tensorlake", "failure", "successful", False),
        ("gofetch", "delivered", "fetcher_approaching_dropoff", False),
    ],
)
def test_legal_moves(vendor: str, before: str, after: str, legal: bool) -> None:
    assert VENDORS[vendor].lifecycle.is_legal(before, after) is legal


def test_delivery_styles_as_documented() -> None:
    styles = {name: (v.delivery.method, v.delivery.encoding, v.delivery.signing) for name, v in VENDORS.items()}
    assert styles == {
        "telmai": ("POST", "json", None),
        "tamr": ("POST", "json", None),
        "tensorlake": ("POST", "json", "svix"),
        "tensorlake-workflow": ("POST", "json", "svix"),
        "gofetch": ("GET", "query", None),
    }
    assert [alt.method for alt in VENDORS["gofetch"].delivery.alternatives] == ["POST"]
