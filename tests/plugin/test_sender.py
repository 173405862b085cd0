"""The sender's and the GoFetch fake's pytest wiring: fixtures, per-test seeds, reset between tests, failure reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# pytester's in-process runs forget the modules a run imported: import once here what every run needs.
import pytest_jobhooks.fakes.gofetch
import pytest_jobhooks.sender  # noqa: F401

ORDERS = """
import json
from pathlib import Path

from pytest_jobhooks.factories import lifecycle

OUT = Path({out!r})
PAYLOADS = lifecycle("telmai", seed=1, batch_wait_rounds=3)


def record(name, sender, server):
    OUT.mkdir(exist_ok=True)
    batches = [sender.deliver_all(PAYLOADS, server, duplicates=0.5, reorder=True) for _ in range(2)]
    single = sender.deliver(lifecycle("tensorlake", seed=1)[0], server)
    data = {{"seed": sender.seed, "orders": [b.order for b in batches], "msg_id": single.msg_id}}
    (OUT / f"{{name}}.json").write_text(json.dumps(data))
    assert len(sender.sent) == sum(len(b.deliveries) for b in batches) + 1


def test_a(jobhooks_sender, jobhooks_server):
    record("a", jobhooks_sender, jobhooks_server)


def test_b(jobhooks_sender, jobhooks_server):
    record("b", jobhooks_sender, jobhooks_server)
"""


def recorded(out: Path) -> dict[str, dict[str, object]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(out.glob("*.json"))}


def run_orders(pytester: pytest.Pytester, out: Path, *args: str) -> dict[str, dict[str, object]]:
    for path in out.glob("*.json"):
        path.unlink()
    result = pytester.runpytest("-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=2)
    return recorded(out)


def test_sender_is_seeded_per_test_from_the_run_seed(pytester: pytest.Pytester) -> None:
    out = pytester.path / "out"
    pytester.makepyfile(test_orders=ORDERS.format(out=str(out)))
    first = run_orders(pytester, out, "--jobhooks-seed=5")
    again = run_orders(pytester, out, "--jobhooks-seed=5")
    other = run_orders(pytester, out, "--jobhooks-seed=6")
    only_b = run_orders(pytester, out, "--jobhooks-seed=5", "-k", "test_b or test_a", "-p", "no:randomly")
    assert first == again == only_b
    assert first["a"]["seed"] != first["b"]["seed"]
    assert first["a"]["seed"] != other["a"]["seed"]
    assert first["a"]["msg_id"] == again["a"]["msg_id"] != first["b"]["msg_id"]


def test_sender_seed_is_not_the_factory_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_seeds(jobhooks_sender, jobhooks_factory):
            assert jobhooks_sender.seed != jobhooks_factory.seed
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_failing_test_reports_what_was_sent(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_receiver_rejects(jobhooks_sender, jobhooks_server):
            jobhooks_server.respond(500)
            payload = {"tenant": "acme", "source": "s", "jobId": "job-9", "status": "FAILED", "details": "d"}
            report = jobhooks_sender.deliver(payload, jobhooks_server.url_for("/hooks"), retry=[1])
            assert report.ok


        def test_sends_nothing_and_fails(jobhooks_sender):
            assert False
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--jobhooks-seed=3")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*- jobhooks sender -*",
            "jobhooks_sender: seed=*, 1 delivery(ies) sent",
            "telmai payload #0 -> http://127.0.0.1:*/hooks: gave up after 2 of 2 attempt(s) (custom: immediately, then 1s)",
            "  #1 +0s POST */hooks -> 500",
            "  #2 +1s POST */hooks -> 500",
        ]
    )
    assert result.stdout.str().count("jobhooks sender") == 1  # nothing to show for the test that sent nothing


def test_gofetch_api_is_reset_before_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        TOKENS = []


        def test_registers(jobhooks_gofetch_api):
            api = jobhooks_gofetch_api
            TOKENS.append(api.token)
            response = httpx.put(api.url + "webhooks/job_status", json={"url": "https://me.example/hook"}, headers=api.headers)
            assert response.status_code == 200
            assert api.webhook_url == "https://me.example/hook"


        def test_starts_clean(jobhooks_gofetch_api):
            api = jobhooks_gofetch_api
            assert (api.webhook_url, api.calls, api.sent, api.jobs) == (None, [], [], None)
            assert api.email == "tester@example.com"
            assert api.token != TOKENS[0]
            assert api.url.endswith("/public_api/v1/")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_gofetch_credentials_can_be_fixed_in_a_conftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def jobhooks_gofetch_credentials():
            return "ops@acme.example", "s3cret"
        """
    )
    pytester.makepyfile(
        """
        import httpx


        def test_client_with_fixed_credentials(jobhooks_gofetch_api, jobhooks_server):
            api = jobhooks_gofetch_api
            headers = {"X-User-Email": "ops@acme.example", "X-User-Token": "s3cret"}
            httpx.put(api.url + "webhooks/job_status", json={"url": jobhooks_server.url}, headers=headers)
            test = httpx.post(
                api.url + "webhooks/job_status/test", json={"job_id": "b3131f1d", "job_status": "delivered"}, headers=headers
            )
            assert test.status_code == 200
            [delivery] = jobhooks_server.wait_for(vendor="gofetch")
            assert delivery.query == {"job_id": "b3131f1d", "job_status": "delivered"}
            assert [call.status for call in api.calls] == [200, 200]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_fixtures_document_themselves(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", "--fixtures")
    result.stdout.fnmatch_lines(
        [
            "jobhooks_sender -- *",
            "    Send webhooks as vendors do*",
            "jobhooks_gofetch_credentials -- *",
            "    (email, token) the ``jobhooks_gofetch_api`` fake accepts*",
            "jobhooks_gofetch_api -- *",
            "    A fake GoFetch API*",
        ],
        consecutive=False,
    )
