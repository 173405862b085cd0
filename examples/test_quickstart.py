"""The first test to write (the README's quickstart): one whole job, sent over HTTP to a capture server, checked."""

from __future__ import annotations

from pytest_jobhooks import CaptureServer, SeededFactory, assert_job_sequence, assert_valid_lifecycle, deliver


def test_a_telmai_job_arrives_whole_and_in_order(
    jobhooks_server: CaptureServer, jobhooks_factory: SeededFactory
) -> None:
    job = jobhooks_factory.lifecycle("telmai", batch_wait_rounds=0)  # every delivery of one job, valid and realistic

    for payload in job:  # your own code would send these: point it at jobhooks_server.url_for(...)
        report = deliver(payload, jobhooks_server.url_for("/hooks/telmai"))  # POSTed as Telmai posts it
        assert report.ok, report.describe()

    [finished] = jobhooks_server.wait_for(vendor="telmai", status="succeeded")
    assert finished.job_id == job[0]["jobId"]
    assert_job_sequence(jobhooks_server, ["PREPARING", "IN_PROGRESS", "FINISHED"])
    assert_valid_lifecycle(jobhooks_server)
