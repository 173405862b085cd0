"""``--jobhooks-report=FILE.html``: one static page over every delivery captured and sent in the run, by test."""

from __future__ import annotations

import re

import pytest

from pytest_jobhooks import lifecycle

TESTS = """
from pytest_jobhooks import lifecycle

def test_sends_a_job(jobhooks_server, jobhooks_sender):
    job = lifecycle("telmai", seed=3, job_id="job-report-1")
    jobhooks_sender.deliver_all(job, jobhooks_server.url_for("/hooks"), duplicates=1.0, seed=3)

def test_captures_only(jobhooks_server):
    import httpx
    httpx.post(jobhooks_server.url_for("/raw"), content=b"\\xff\\xfe not json")

def test_nothing():
    pass
"""


def sections(page: str) -> dict[str, int]:
    """Each section's heading and how many delivery rows it holds."""
    found = {}
    for part in page.split('<section class="deliveries">')[1:]:
        heading = re.search(r"<h2>(.*?)</h2>", part)
        assert heading is not None
        found[heading.group(1)] = part.count('<tr class="row ')
    return found


INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


@pytest.mark.parametrize("workers", [[], ["-p", "xdist", "-n", "2"]], ids=["serial", "xdist"])
def test_the_report_holds_every_delivery_by_test(pytester: pytest.Pytester, workers: list[str]) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_hooks=TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--jobhooks-report=out/report.html", *workers)
    result.assert_outcomes(passed=3)
    page = (pytester.path / "out" / "report.html").read_text(encoding="utf-8")
    telmai = len(lifecycle("telmai", seed=3)) * 2  # every payload sent twice
    assert sections(page) == {
        "test_hooks.py::test_captures_only": 1,
        "test_hooks.py::test_sends_a_job": telmai * 2,  # each send captured, and each attempt sent
    }
    assert "tl-redelivery" in page  # the duplicates are marked on the job's timeline
    assert "not UTF-8" in page  # a body that is not text is shown as bytes
    script = page.split("<script>")[1].split("</script>")[0]
    assert "fetch(" in script  # the script is inline...
    assert "http" not in script  # ...and fetches nothing from the network
    result.stdout.fnmatch_lines([f"jobhooks report: *report.html ({telmai * 2 + 1} deliveries, 2 test(s))"])


def test_an_unwritable_report_fails_the_run(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_one="def test_one(jobhooks_server):\n    pass\n")
    (pytester.path / "taken").write_text("a file, not a folder")
    result = pytester.runpytest("-p", "no:cacheprovider", "--jobhooks-report=taken/report.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["jobhooks report: cannot write *taken/report.html*"])
