"""The factories' pytest wiring: --jobhooks-seed and its ini twin, the header, the fixture, failure reports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

# pytester's in-process runs forget the modules a run imported. Importing here, once, what every
# run would import again (the library, jsonschema, and hypothesis, which its pytest plugin imports
# at the end of a run) saves a second or more per run.
import hypothesis  # noqa: F401
import jsonschema  # noqa: F401
import pytest

import pytest_jobhooks.factories  # noqa: F401

# Each test writes what its factory made to OUT/<test name>.json, so runs can be compared.
RECORDING_TESTS = """
import json
from pathlib import Path

OUT = Path({out!r})


def record(name, factory):
    OUT.mkdir(exist_ok=True)
    # validate=False: validating is tested elsewhere, and it would cost each xdist worker a jsonschema import.
    made = [
        factory.build("telmai", validate=False),
        factory.lifecycle("tamr", outcome="cancelled", validate=False),
        factory.build("telmai", validate=False),
    ]
    (OUT / f"{{name}}.json").write_text(json.dumps({{"seed": factory.seed, "made": made}}))


def test_a(jobhooks_factory):
    record("a", jobhooks_factory)


def test_b(jobhooks_factory):
    record("b", jobhooks_factory)
"""


def recorded(out: Path) -> dict[str, object]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(out.glob("*.json"))}


@pytest.fixture
def out(pytester: pytest.Pytester) -> Path:
    path = pytester.path / "out"
    pytester.makepyfile(test_recording=RECORDING_TESTS.format(out=str(path)))
    return path


def header_seed(result: pytest.RunResult) -> int:
    for line in result.outlines:
        match = re.fullmatch(r"jobhooks: seed=(\d+) \(replay with --jobhooks-seed=(\d+)\)", line)
        if match:
            assert match.group(1) == match.group(2)
            return int(match.group(1))
    raise AssertionError("no jobhooks seed in the header:\n" + "\n".join(result.outlines[:10]))


def test_header_shows_the_seed_from_the_command_line(pytester: pytest.Pytester, out: Path) -> None:
    result = pytester.runpytest("--jobhooks-seed=123")
    result.stdout.fnmatch_lines(["jobhooks: seed=123 (replay with --jobhooks-seed=123)"])
    result.assert_outcomes(passed=2)


def test_ini_seed_is_used_and_the_command_line_wins(pytester: pytest.Pytester, out: Path) -> None:
    pytester.makeini("[pytest]\njobhooks_seed = 77\n")
    assert header_seed(pytester.runpytest()) == 77
    from_ini = recorded(out)
    assert header_seed(pytester.runpytest("--jobhooks-seed=78")) == 78
    assert recorded(out) != from_ini
    assert header_seed(pytester.runpytest("--jobhooks-seed=77")) == 77
    assert recorded(out) == from_ini


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (["--jobhooks-seed=abc"], "", "--jobhooks-seed must be an int >= 0, not 'abc'"),
        (["--jobhooks-seed=-4"], "", "--jobhooks-seed must be an int >= 0, not '-4'"),
        ([], "jobhooks_seed = 1.5", "jobhooks_seed (ini) must be an int >= 0, not '1.5'"),
    ],
)
def test_bad_seed_is_a_usage_error(pytester: pytest.Pytester, args: list[str], ini: str, message: str) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_a_random_seed_in_the_header_replays_the_run_exactly(pytester: pytest.Pytester, out: Path) -> None:
    seed = header_seed(pytester.runpytest())
    first = recorded(out)
    other = header_seed(pytester.runpytest())
    assert recorded(out) != first or other == seed  # a new random seed makes new payloads
    header_seed(pytester.runpytest(f"--jobhooks-seed={seed}"))
    assert recorded(out) == first


def test_each_test_gets_its_own_seed_whatever_else_runs_and_in_any_order(pytester: pytest.Pytester, out: Path) -> None:
    pytester.runpytest("--jobhooks-seed=5").assert_outcomes(passed=2)
    both = recorded(out)
    assert both["a"] != both["b"]
    made = both["a"]["made"]  # type: ignore[index]
    assert made[0] != made[2]  # two calls in one test make two jobs
    pytester.runpytest("--jobhooks-seed=5", "-k", "test_b").assert_outcomes(passed=1, deselected=1)
    assert recorded(out)["b"] == both["b"]


def test_xdist_workers_use_the_controllers_random_seed(pytester: pytest.Pytester, out: Path) -> None:
    distributed = pytester.runpytest("-p", "xdist", "-n", "2")
    distributed.assert_outcomes(passed=2)
    seed, by_workers = header_seed(distributed), recorded(out)
    pytester.runpytest(f"--jobhooks-seed={seed}").assert_outcomes(passed=2)
    assert recorded(out) == by_workers


def test_a_failing_test_that_used_the_factory_reports_the_seeds(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def payload(jobhooks_factory):
            return jobhooks_factory.build("gofetch")

        def test_direct(jobhooks_factory):
            print("factory", jobhooks_factory.seed)
            assert jobhooks_factory.build("telmai")["status"] == "FAILED"

        def test_through_a_fixture(payload):
            assert payload["job_status"] == "cancelled"

        def test_without_factory():
            assert False

        def test_passing(jobhooks_factory):
            jobhooks_factory.build("tamr")
        """
    )
    result = pytester.runpytest("--jobhooks-seed=31", "-rA")
    result.assert_outcomes(passed=1, failed=3)
    text = result.stdout.str()
    test_seed = re.search(r"factory (\d+)", text)
    assert test_seed is not None
    result.stdout.fnmatch_lines(
        [
            "*_ test_direct _*",
            "*- jobhooks -*",
            f"jobhooks: seed=31 (replay with --jobhooks-seed=31); this test's factory: "
            f"SeededFactory(seed={test_seed.group(1)})",
            "*_ test_through_a_fixture _*",
            "*- jobhooks -*",
            "jobhooks: seed=31 (replay with --jobhooks-seed=31); *",
            "*_ test_without_factory _*",
        ]
    )
    assert text.count("this test's factory") == 2  # not for the test without it, nor the passing one


def test_explicit_seed_wins_over_the_tests_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_jobhooks.factories import build, lifecycle

        def test_explicit(jobhooks_factory):
            assert jobhooks_factory.build("tamr", seed=5) == build("tamr", seed=5)
            assert jobhooks_factory.lifecycle("telmai", seed=6) == lifecycle("telmai", seed=6)
            assert jobhooks_factory.build("tamr") != build("tamr", seed=5)
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_fixture_is_documented(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(["jobhooks_factory*", "*Payload factories (build, lifecycle, invalid)*"])


def test_option_is_listed_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--jobhooks-seed=N*", "*jobhooks_seed*"])


def test_the_wiring_imports_nothing_heavy() -> None:
    code = (
        "import sys, json, pytest_jobhooks._plugin.factories;"
        "heavy = ['pydantic', 'jsonschema', 'hypothesis', 'pytest_jobhooks.factories'];"
        "print(json.dumps([name for name in heavy if name in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
