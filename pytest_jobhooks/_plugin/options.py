"""The ``jobhooks`` option group, and the switches several features share."""

from __future__ import annotations

import pytest

GROUP = "jobhooks"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Create the ``jobhooks`` option group and the shared ``--jobhooks`` / ``--jobhooks-strict`` switches."""
    group = parser.getgroup(GROUP, "job-status webhook testing (pytest-jobhooks)")
    group.addoption(
        "--jobhooks",
        action="store_true",
        default=None,
        help="contract mode: check every captured or sent delivery, collect recorded payload files (ini: jobhooks)",
    )
    parser.addini("jobhooks", type="bool", default=False, help="turn on contract mode (as --jobhooks)")
    group.addoption(
        "--jobhooks-strict",
        action="store_true",
        default=None,
        help="also fail on drift: fields and values the vendor docs do not mention (ini: jobhooks_strict)",
    )
    parser.addini("jobhooks_strict", type="bool", default=False, help="fail on drift (as --jobhooks-strict)")


def flag(config: pytest.Config, name: str) -> bool:
    """A boolean setting: the command line wins over the ini file (``name`` as in the ini: ``jobhooks_strict``)."""
    value = config.getoption(name)
    if value is not None:
        return bool(value)
    return bool(config.getini(name))


def contract_mode(config: pytest.Config) -> bool:
    """Whether ``--jobhooks`` (or ini ``jobhooks = true``) is on."""
    return flag(config, "jobhooks")


def strict_mode(config: pytest.Config) -> bool:
    """Whether ``--jobhooks-strict`` (or ini ``jobhooks_strict = true``) is on."""
    return flag(config, "jobhooks_strict")
