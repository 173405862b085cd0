"""Recording files as test items under --jobhooks: collection, failures, vendor option, drift summary, xdist."""

from __future__ import annotations

import json

import pytest

import pytest_jobhooks.recordings  # noqa: F401 - one copy for every in-process run (see conftest.py)
from pytest_jobhooks.vendors import VENDORS

TELMAI = dict(VENDORS["telmai"].examples["FINISHED.doc"])
GOFETCH = dict(VENDORS["gofetch"].examples["fetcher_approaching_dropoff.doc"])


def lines(*payloads: object) -> str:
    return "".join((p if isinstance(p, str) else json.dumps(p)) + "\n" for p in payloads)


def test_recordings_are_collected_only_in_contract_mode(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jobhooks.jsonl", good=lines(TELMAI, GOFETCH))
    pytester.makepyfile("def test_plain(): pass")
    pytester.runpytest().assert_outcomes(passed=1)
    result = pytester.runpytest("--jobhooks", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["good.jobhooks.jsonl::payloads PASSED*", "*== jobhooks recordings ==*"])
    result.stdout.fnmatch_lines(["1 recording, 2 payloads: 2 valid, 0 drift, 0 invalid"])


def test_a_bad_file_fails_listing_its_bad_lines(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jobhooks.jsonl", bad=lines(TELMAI, {**TELMAI, "jobId": ""}, "oops", {"x": 1}))
    pytester.makefile(".jobhooks.json", doc=json.dumps([GOFETCH], indent=2))
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest("--jobhooks")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ recorded payloads bad.jobhooks.jsonl _*",
            "bad.jobhooks.jsonl: 4 payloads: 1 valid, 0 drift, 3 invalid",
            "bad.jobhooks.jsonl:2: telmai: $.jobId: '' should be non-empty",
            "bad.jobhooks.jsonl:3: ?: $: not valid JSON: Expecting value (column 1)",
            "bad.jobhooks.jsonl:4: ?: $: matches no known vendor's payload (fields: x)",
            "FAILED bad.jobhooks.jsonl::payloads - bad.jobhooks.jsonl: 4 payloads*",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


def test_ini_patterns_choose_the_files(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\njobhooks = true\njobhooks_recordings =\n    recordings/*.ndjson\n")
    pytester.mkdir("recordings")
    pytester.path.joinpath("recordings", "a.ndjson").write_text(lines(TELMAI))
    pytester.makefile(".jobhooks.jsonl", ignored=lines("not collected"))
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["recordings/a.ndjson::payloads PASSED*"])


@pytest.mark.parametrize(
    ("ini", "args", "outcome"),
    [
        ("", [], {"passed": 1}),
        ("jobhooks_vendor = gofetch", [], {"failed": 1}),
        ("jobhooks_vendor = gofetch", ["--jobhooks-vendor", "telmai"], {"passed": 1}),
        ("", ["--jobhooks-vendor", "gofetch"], {"failed": 1}),
    ],
)
def test_vendor_option_and_ini(pytester: pytest.Pytester, ini: str, args: list[str], outcome: dict[str, int]) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makefile(".jobhooks.jsonl", rec=lines(TELMAI))
    pytester.runpytest("--jobhooks", *args).assert_outcomes(**outcome)


def test_unknown_vendor_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--jobhooks", "--jobhooks-vendor", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --jobhooks-vendor / jobhooks_vendor: unknown vendor 'nope'; known vendors: gofetch, tamr, telmai*"]
    )


def test_drift_is_summarised_and_fails_only_when_strict(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".jobhooks.jsonl", a=lines({**TELMAI, "region": "eu"}), b=lines(TELMAI, {**TELMAI, "region": "us"})
    )
    result = pytester.runpytest("--jobhooks")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "2 recordings, 3 payloads: 1 valid, 2 drift, 0 invalid",
            "drift: *not failing without --jobhooks-strict*",
            "  telmai: undocumented field $.region: 2 payloads, first at a.jobhooks.jsonl:1",
        ]
    )
    result = pytester.runpytest("--jobhooks", "--jobhooks-strict")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["b.jobhooks.jsonl:2: telmai: $.region: undocumented field (drift)", "drift: *failing*"]
    )


def test_bad_input_never_breaks_the_run(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jobhooks.jsonl", empty="", garbage="")
    pytester.path.joinpath("garbage.jobhooks.jsonl").write_bytes(b"\x00\xff\xfe garbage\n\x89PNG\r\n")
    pytester.makefile(".jobhooks.jsonl", zgone=lines(TELMAI))
    # Runs before the recording items (collection order): the file is gone when its item runs.
    pytester.makepyfile(
        test_a="import pathlib\ndef test_remove():\n    pathlib.Path('zgone.jobhooks.jsonl').unlink()\n"
    )
    result = pytester.runpytest("--jobhooks", "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "garbage.jobhooks.jsonl:1: ?: $: not valid UTF-8 (byte 0xff at column 2)",
            "garbage.jobhooks.jsonl:2: ?: $: not valid UTF-8 (byte 0x89 at column 1)",
            "zgone.jobhooks.jsonl: cannot read: No such file or directory (FileNotFoundError)",
            "3 recordings, 2 payloads: 0 valid, 0 drift, 2 invalid",
            "empty (no payloads, nothing checked): empty.jobhooks.jsonl",
            "unreadable: zgone.jobhooks.jsonl",
        ]
    )


def test_xdist_workers_send_their_drift_to_the_controller(pytester: pytest.Pytester) -> None:
    for name in "abcd":
        pytester.makefile(".jobhooks.jsonl", **{name: lines({**GOFETCH, "job_status": "picked_up"}, GOFETCH)})
    result = pytester.runpytest_subprocess("--jobhooks", "-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "4 recordings, 8 payloads: 4 valid, 4 drift, 0 invalid",
            "  gofetch: undocumented value $.job_status = 'picked_up': 4 payloads, first at a.jobhooks.jsonl:1",
        ]
    )
