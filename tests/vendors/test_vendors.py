"""The vendor registry, lifecycles, and registering an in-house vendor as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

import pytest_jobhooks as jh
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks.vendors.schema import companion


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
    assert "x-lifecycle" not in schema  # the lifecycle lives in the companion, so strict validators compile it
    assert companion(registered)["lifecycle"]["terminal"] == ["ERROR", "OK"]  # type: ignore[index]
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


# --- registered() and the jobhooks_register_vendor fixture -------------------------------------------------------


def test_registered_registers_for_the_block_only() -> None:
    with jh.vendors.registered(in_house()) as vendor:
        assert VENDORS["inhouse"] is vendor
    assert "inhouse" not in VENDORS


def test_registered_with_replace_puts_the_replaced_vendor_back() -> None:
    builtin = VENDORS["telmai"]
    stand_in = in_house("telmai")
    with jh.vendors.registered(stand_in, replace=True):
        assert VENDORS["telmai"] is stand_in
    assert VENDORS["telmai"] is builtin


def test_registered_refuses_a_taken_name_and_leaves_it_alone() -> None:
    builtin = VENDORS["telmai"]
    with pytest.raises(jh.VendorDefinitionError, match="already registered"), jh.vendors.registered(in_house("telmai")):
        pass  # pragma: no cover
    assert VENDORS["telmai"] is builtin


def test_registered_unregisters_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), jh.vendors.registered(in_house()):
        raise RuntimeError
    assert "inhouse" not in VENDORS


# A module defining VENDOR, an in-house vendor named 'mine', for pytester runs.
MINE = (
    "from pydantic import BaseModel\n"
    "import pytest_jobhooks as jh\n"
    "class Job(BaseModel):\n"
    "    run: str\n"
    "    phase: str\n"
    "VENDOR = jh.Vendor(name='mine', title='Mine', model=Job,\n"
    "    lifecycle=jh.Lifecycle(states=('A', 'B'), initial={'A'}, transitions={'A': {'B'}}, terminal={'B'},\n"
    "    unified={'A': 'running', 'B': 'succeeded'}),\n"
    "    delivery=jh.DeliveryStyle(), job_id=lambda m: m.run, status=lambda m: m.phase)\n"
)


def test_the_fixture_registers_for_one_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(MINE)
    pytester.makepyfile(
        "from conftest import VENDOR\n"
        "from pytest_jobhooks.vendors import VENDORS\n"
        "from pytest_jobhooks import assert_job_sequence\n"
        "def test_first(jobhooks_register_vendor):\n"
        "    assert jobhooks_register_vendor(VENDOR) is VENDOR and VENDORS['mine'] is VENDOR\n"
        "    assert_job_sequence([{'run': 'r', 'phase': 'A'}, {'run': 'r', 'phase': 'B'}], ['A', 'B'])\n"
        "def test_second():\n"
        "    assert 'mine' not in VENDORS\n"
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert "mine" not in VENDORS


def test_a_conftest_names_the_vendors_of_its_folder_for_tests_and_recording_files(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(mine_vendor=MINE)
    pytester.syspathinsert()
    inside, outside = pytester.mkdir("inside"), pytester.mkdir("outside")
    (inside / "conftest.py").write_text(
        "from mine_vendor import VENDOR\ndef pytest_jobhooks_vendors():\n    return [VENDOR]\n"
    )
    line = '{"run": "r-1", "phase": "B"}\n'
    for folder in (inside, outside):
        (folder / "rec.jobhooks.jsonl").write_text(line)
        (folder / f"test_{folder.name}.py").write_text(
            "from pytest_jobhooks.vendors import VENDORS\n"
            f"def test_sees_the_vendor():\n    assert ('mine' in VENDORS) is {folder is inside}\n"
        )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--jobhooks", "-rf")
    # Both test files pass; of the two recordings only the folder that declared the vendor's is valid.
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["FAILED outside/rec.jobhooks.jsonl::payloads*"])
    assert "mine" not in VENDORS


# --- hooks a registered vendor uses like the built-in ones ---------------------------------------------


def test_job_id_fields_name_where_an_invalid_payload_keeps_its_job() -> None:
    vendor = in_house(job_id_fields=("run",))
    reading = jh.catalog.read({"run": "r-9", "phase": "LOST", "cluster": "x"}, vendor=vendor)
    assert (reading.job_state, reading.job_id) == (None, "r-9")
    assert in_house().loose_job_id({"run": "r-9"}) is None  # no job_id field in the model, none named


def test_a_history_hook_is_asked_for_every_event_with_the_ones_before() -> None:
    seen: list[tuple[int, list[int]]] = []

    def history(event: jh.vendors.base.JobEvent, before: object) -> list[str]:
        earlier = [e.index for e in before]  # type: ignore[attr-defined]
        seen.append((event.index, earlier))
        return ["too soon"] if event.status == "OK" and not earlier else []

    with jh.vendors.registered(in_house(history=history)):
        _, problems = jh.assertions.lifecycle_violations([{"run": "r", "phase": "OK", "cluster": "c"}])
        assert problems == ["#1 inhouse job r: too soon"]
        jh.assertions.assert_valid_lifecycle(
            [{"run": "r", "phase": p, "cluster": "c"} for p in ("SUBMITTED", "RUNNING", "OK")]
        )
    assert seen[-3:] == [(1, []), (2, [1]), (3, [1, 2])]


def test_unknown_vendor_names_raise_unknown_vendor_error_everywhere() -> None:
    for call in (
        lambda: jh.catalog.read({}, vendor="nope"),
        lambda: jh.assertions.timeline([], vendor="nope"),
        lambda: jh.assertions.assert_job_sequence([], [], vendor="nope"),
        lambda: jh.assertions.lifecycle_violations([], vendor="nope"),
        lambda: jh.catalog.validate_payload("nope", {}),
    ):
        with pytest.raises(jh.UnknownVendorError):
            call()
