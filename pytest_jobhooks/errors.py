"""The exceptions pytest-jobhooks raises, all rooted at :class:`JobhooksError`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class JobhooksError(Exception):
    """Base class of every error pytest-jobhooks raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a payload: where (a JSON path such as ``$.status.state``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class PayloadValidationError(JobhooksError, ValueError):
    """A payload is not what its vendor documents.

    ``str(error)`` lists every problem as ``JSON-path: message``, one per line;
    :attr:`errors` holds the same problems as :class:`Problem` objects and
    :attr:`vendor` names the vendor the payload was checked against.
    """

    def __init__(self, vendor: str, errors: Iterable[Problem]) -> None:
        self.vendor = vendor
        self.errors: tuple[Problem, ...] = tuple(errors)
        lines = "\n".join(f"  {problem}" for problem in self.errors)
        count = len(self.errors)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"not a valid {vendor} payload ({count} {noun}):\n{lines}")


class UnknownVendorError(JobhooksError, KeyError):
    """A vendor name that is not registered; the message lists the known ones."""

    def __init__(self, name: object, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(f"unknown vendor {name!r}; known vendors: {', '.join(self.known)}")

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes.
        return str(self.args[0])


class VendorDefinitionError(JobhooksError, ValueError):
    """A :class:`~pytest_jobhooks.Vendor` or lifecycle definition contradicts itself."""
