"""A hypothesis property over deliver_all(plan=...) with contract mode on: quiet for a correct receiver, and
finding a planted idempotency bug."""

from __future__ import annotations

import pytest

RECEIVER = """
import json

from flask import Flask, request
from hypothesis import HealthCheck, given, settings

from pytest_jobhooks.strategies import delivery_plans, lifecycles

IDEMPOTENT = {idempotent}
app = Flask(__name__)
seen = set()
processed = {{}}


@app.post("/")
def hook():
    event = request.get_json()
    key = request.get_data()  # a redelivery repeats the exact body
    if IDEMPOTENT and key in seen:
        return "", 200  # a redelivery: already handled
    seen.add(key)
    processed[event["jobId"]] = processed.get(event["jobId"], 0) + 1
    return "", 200


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=lifecycles("telmai").flatmap(lambda life: delivery_plans(len(life)).map(lambda plan: (life, plan))))
def test_each_state_is_processed_once(jobhooks_sender, data):
    life, plan = data
    batch = jobhooks_sender.deliver_all(life, app, plan=plan)
    assert batch.ok
    assert processed[life[0]["jobId"]] == len({{json.dumps(payload) for payload in life}})
"""


@pytest.mark.parametrize("idempotent", [True, False])
def test_property_over_plans_with_contract_mode(pytester: pytest.Pytester, idempotent: bool) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_property=RECEIVER.format(idempotent=idempotent))
    result = pytester.runpytest("-p", "no:cacheprovider", "--jobhooks")
    if idempotent:
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["*jobhooks contract*", "*1 test checked, 0 failed the contract*"])
    else:
        result.assert_outcomes(failed=1)
        # Hypothesis finds a plan with a duplicate (copy=1): the receiver handled a redelivery twice.
        result.stdout.fnmatch_lines(["*E       assert * == *", "*Failing test case*", "*copy=1*"])
        result.stdout.fnmatch_lines(["*jobhooks contract*", "*0 failed the contract*"])
