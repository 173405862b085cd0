"""The shared switches: command line and ini, the command line winning."""

from __future__ import annotations

import pytest

PROBE = """
from pytest_jobhooks._plugin.options import contract_mode, strict_mode

def test_modes(request):
    print("MODES", contract_mode(request.config), strict_mode(request.config))
"""


@pytest.mark.parametrize(
    ("ini", "args", "expected"),
    [
        ("", [], "MODES False False"),
        ("", ["--jobhooks"], "MODES True False"),
        ("", ["--jobhooks", "--jobhooks-strict"], "MODES True True"),
        ("jobhooks = true\njobhooks_strict = 1\n", [], "MODES True True"),
    ],
)
def test_contract_and_strict_switches(pytester: pytest.Pytester, ini: str, args: list[str], expected: str) -> None:
    pytester.makeini(f"[pytest]\n{ini}")
    pytester.makepyfile(PROBE)
    result = pytester.runpytest("-s", *args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*{expected}*"])


def test_options_are_listed_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*job-status webhook testing (pytest-jobhooks)*", "*--jobhooks *contract mode*"])
