"""Hypothesis strategies: valid payloads, legal lifecycles, chaotic deliveries, meaningful shrinking."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import pytest_jobhooks as jh
from pytest_jobhooks import factories
from pytest_jobhooks.sender import DeliveryPlan
from pytest_jobhooks.strategies import ChaoticDeliveries, deliveries_with_chaos, delivery_plans, lifecycles, payloads
from pytest_jobhooks.vendors import VENDORS


def chaos_of(*args: Any, **kwargs: Any) -> Any:
    """``deliveries_with_chaos`` (deprecated in the docs; no warning yet, examples/ still use it)."""
    return deliveries_with_chaos(*args, **kwargs)


NAMES = list(VENDORS)
FAST = settings(max_examples=40, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NO_SHRINK = settings(database=None, phases=[Phase.generate])


def assert_legal(vendor: str, deliveries: list[dict[str, object]]) -> list[jh.JobState]:
    life = VENDORS[vendor].lifecycle
    states = [jh.job_state(vendor, payload) for payload in deliveries]
    path = [state.status for state in states]
    assert path[0] in life.initial
    assert all(life.is_legal(a, b) for a, b in itertools.pairwise(path))
    assert life.is_terminal(path[-1])
    return states


@pytest.mark.parametrize("vendor", NAMES)
@FAST
@given(data=st.data())
def test_payloads_are_valid_in_any_status(vendor: str, data: st.DataObject) -> None:
    payload = data.draw(payloads(vendor))
    assert jh.job_state(vendor, payload).status in VENDORS[vendor].lifecycle.states


@FAST
@given(payload=payloads("tamr", status="STOPPING"))
def test_payloads_keep_the_requested_status(payload: dict[str, object]) -> None:
    assert jh.job_state("tamr", payload).status == "STOPPING"


def test_payloads_cover_every_status_and_every_meaning_of_a_terminal_one() -> None:
    for outcome in ("succeeded", "failed", "cancelled"):
        done = find(payloads("tamr"), lambda p, o=outcome: jh.job_state("tamr", p).unified == o, settings=NO_SHRINK)  # type: ignore[misc]
        assert jh.job_state("tamr", done).status == "DONE"
    batch_wait = find(payloads("telmai"), lambda p: p["status"] == "BATCH_WAIT", settings=NO_SHRINK)
    assert batch_wait["status"] == "BATCH_WAIT"


@pytest.mark.parametrize("vendor", NAMES)
@FAST
@given(data=st.data())
def test_lifecycles_are_legal_and_end_in_a_reachable_outcome(vendor: str, data: st.DataObject) -> None:
    states = assert_legal(vendor, data.draw(lifecycles(vendor)))
    assert states[-1].unified in factories.outcomes(vendor)


@FAST
@given(deliveries=lifecycles("tamr", outcome="cancelled"))
def test_lifecycles_end_in_the_requested_outcome(deliveries: list[dict[str, object]]) -> None:
    assert assert_legal("tamr", deliveries)[-1].unified == "cancelled"


@FAST
@given(chaos=chaos_of("telmai", max_duplicates=4))
def test_chaos_delivers_every_delivery_at_least_once(chaos: ChaoticDeliveries) -> None:
    assert sorted(set(chaos.order)) == list(range(len(chaos.lifecycle)))
    assert len(chaos.deliveries) <= len(chaos.lifecycle) + 4
    assert chaos.deliveries == [chaos.lifecycle[index] for index in chaos.order]
    assert chaos.final == chaos.lifecycle[-1]
    assert_legal("telmai", chaos.lifecycle)


@FAST
@given(chaos=chaos_of("gofetch", reorder=False))
def test_chaos_without_reordering_only_repeats(chaos: ChaoticDeliveries) -> None:
    assert list(chaos.order) == sorted(chaos.order)


def test_chaos_really_duplicates_and_reorders() -> None:
    # find() raises NoSuchExample if the strategy never does it; shrinking keeps the example small.
    reordered = find(chaos_of("gofetch"), lambda c: list(c.order) != sorted(c.order))
    assert len(reordered.order) <= len(reordered.lifecycle) + 1
    duplicated = find(chaos_of("gofetch", reorder=False), lambda c: len(c.order) > len(set(c.order)))
    assert len(duplicated.deliveries) == len(duplicated.lifecycle) + 1


def test_deliveries_are_independent_copies() -> None:
    chaos = find(chaos_of("gofetch", reorder=False), lambda c: len(c.order) == 3)
    chaos.deliveries[0]["job_status"] = "changed"
    assert chaos.lifecycle[chaos.order[0]]["job_status"] != "changed"
    assert chaos.deliveries[1]["job_status"] != "changed"


def test_shrinking_goes_to_seed_zero_and_the_first_status() -> None:
    # Shrinking is meaningful: the minimal example is the simplest job the factories make.
    assert find(payloads("telmai"), lambda p: True) == factories.build("telmai", status="PREPARING", seed=0)
    simplest = factories.lifecycle("tamr", outcome="succeeded", seed=0)
    assert find(lifecycles("tamr", fresh_ids=False), lambda life: True) == simplest
    # With fresh ids (the default) only the job id differs from the simplest job.
    fresh = find(lifecycles("tamr"), lambda life: True)

    def masked(event: dict[str, Any]) -> dict[str, Any]:  # a CloudEvent: its id and its job's id are the fresh parts
        return {**event, "id": None, "data": {**event["data"], "jobId": None}}

    assert [masked(payload) for payload in fresh] == [masked(payload) for payload in simplest]


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: payloads("telmai", status="DONE"), jh.FactoryError),
        (lambda: lifecycles("gofetch", outcome="failed"), jh.FactoryError),
        (lambda: chaos_of("telmai", max_duplicates=-1), jh.FactoryError),
        (lambda: payloads("nope"), jh.UnknownVendorError),
    ],
)
def test_bad_arguments_fail_when_the_strategy_is_made(make: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        make()  # type: ignore[operator]


def test_only_this_module_imports_hypothesis() -> None:
    code = (
        "import sys, json, pytest_jobhooks, pytest_jobhooks.factories;"
        "before = 'hypothesis' in sys.modules;"
        "import pytest_jobhooks.strategies;"
        "print(json.dumps([before, 'hypothesis' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [False, True]


@given(life=lifecycles("telmai"), other=lifecycles("telmai"))
def test_every_example_gets_a_fresh_job_id(life: list[dict[str, Any]], other: list[dict[str, Any]]) -> None:
    assert life[0]["jobId"] != other[0]["jobId"]
    assert {payload["jobId"] for payload in life} == {life[0]["jobId"]}


def test_job_ids_never_repeat_across_examples() -> None:
    seen: list[str] = []

    @settings(max_examples=30, database=None)
    @given(life=lifecycles("gofetch"))
    def collect(life: list[dict[str, Any]]) -> None:
        seen.append(str(life[0]["job_id"]))

    collect()
    assert len(seen) == len(set(seen))


@given(plan=delivery_plans(3))
def test_plans_send_every_payload_at_least_once(plan: DeliveryPlan) -> None:
    assert set(plan.order) == {0, 1, 2}
    plan.check(3)


def test_plans_shrink_to_the_plain_in_order_plan() -> None:
    assert find(delivery_plans(3), lambda plan: True) == DeliveryPlan.in_order(3)
    lost = find(delivery_plans(3), lambda plan: any(send.lost for send in plan.sends))
    assert lost == DeliveryPlan([0, 1, 2], lost={2: 1})


def test_chaos_as_a_plan() -> None:
    chaos = chaos_of("gofetch", reorder=False)
    example = find(chaos, lambda c: len(c.order) > len(set(c.order)))
    assert example.plan.order == list(example.order)
