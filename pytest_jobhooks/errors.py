"""The exceptions pytest-jobhooks raises, all rooted at :class:`JobhooksError`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ArgumentError",
    "DeliveryError",
    "FactoryError",
    "GoFetchAPIError",
    "JobhooksError",
    "PayloadValidationError",
    "Problem",
    "RecordingError",
    "ServerError",
    "SignatureError",
    "UnknownVendorError",
    "VendorDefinitionError",
]


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


class FactoryError(JobhooksError, ValueError):
    """A factory was asked for something the vendor cannot produce (unknown status, outcome, defect...)."""


class SignatureError(JobhooksError, ValueError):
    """A webhook signature is missing, malformed, stale, from the future or does not match.

    A verdict on a delivery, never a complaint about an argument (that is
    :class:`ArgumentError`). :attr:`reason` is a short machine-readable cause
    (``missing-header``, ``malformed``, ``stale``, ``future``, ``mismatch``); the message explains it.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class ArgumentError(JobhooksError, ValueError):
    """An argument of a public function is not one it takes; the message names it and what it takes.

    Raised by every entry point for the same argument with the same message
    (a seed, a timeout, a port...), before anything is done.
    """


class ServerError(JobhooksError, RuntimeError):
    """A background server (the capture server, a fake vendor API) could not start, is not running, or
    cannot do what was asked in its current state (bad arguments are :class:`ArgumentError`)."""


class RecordingError(JobhooksError, ValueError):
    """A recording or one of its lines cannot be read: not JSON, not a well-formed delivery, an unreadable file.

    :attr:`problems` says what is wrong where (``JSON-path: message``) when a line was read.
    """

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        self.problems = problems
        super().__init__(message)


class DeliveryError(JobhooksError, ValueError):
    """A delivery cannot be made as asked: an unusable target, payload, vendor, style or argument.

    Raised before anything is sent. What goes wrong *while* sending (a timeout,
    a refused connection, a 500) is no error: the report records it.
    """


class GoFetchAPIError(ServerError):
    """The fake GoFetch API cannot do what was asked (start, stop, emit without a saved URL...).

    A :class:`ServerError`, like every background server's lifecycle error: catch that one for any of them.
    """
