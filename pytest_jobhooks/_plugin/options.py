"""The ``jobhooks`` option group, the switches several features share, and the one way a setting is read.

Every setting has a command-line option and an ini twin; :func:`setting`
reads it, the command line winning, and turns a bad value into
``pytest.UsageError`` (``--jobhooks-port must be a port number from 0 to 65535, not 'http'``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

__all__ = ["GROUP", "contract_mode", "flag", "setting", "strict_mode"]

GROUP = "jobhooks"
"""The option group every feature adds its options to."""

T = TypeVar("T")


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


def setting(config: pytest.Config, name: str, parse: Callable[[str], T], default: T) -> T:
    """The setting ``name`` (the ini name, also the option's ``dest``): the command line over the ini file.

    A blank ini value means ``default``; anything else goes through ``parse``,
    which raises ``ValueError("<what it takes>")`` for a bad value: that becomes
    ``pytest.UsageError("<option> must be <what it takes>, not <value>")``.
    """
    given: object = config.getoption(name)
    source = "--" + name.replace("_", "-")
    if given is None:
        given, source = config.getini(name), f"{name} (ini)"
        if isinstance(given, str) and not given.strip():
            return default
    if isinstance(given, bool):  # a store_true switch, or an ini value of type "bool"
        return given  # type: ignore[return-value]
    try:
        return parse(str(given))
    except ValueError as exc:
        raise pytest.UsageError(f"{source} must be {exc}, not {given!r}") from None


def flag(config: pytest.Config, name: str) -> bool:
    """A boolean switch such as ``jobhooks_strict``: the command line wins over the ini file."""
    return setting(config, name, bool, False)


def contract_mode(config: pytest.Config) -> bool:
    """Whether ``--jobhooks`` (or ini ``jobhooks = true``) is on."""
    return flag(config, "jobhooks")


def strict_mode(config: pytest.Config) -> bool:
    """Whether ``--jobhooks-strict`` (or ini ``jobhooks_strict = true``) is on."""
    return flag(config, "jobhooks_strict")
