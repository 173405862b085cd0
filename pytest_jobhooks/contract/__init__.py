"""Contract mode (``--jobhooks``): what one test captured and sent, checked against the vendor catalog; the totals.

:func:`check_test` judges a test's deliveries stream by stream: each capture
server's deliveries in arrival order, and the sender's payloads per target and
vendor in the order the test gave them (a ``deliver_all`` that reorders or
duplicates on purpose is judged by its input). A payload a vendor recognises
must not be invalid, and each job is judged at least once, as a careful
receiver would (the rule: :mod:`pytest_jobhooks.catalog.judgement`, shared with
the assertions and the recordings): a repeat of any earlier delivery of the job
(same payload or message id) is a redelivery and passes wherever it arrives,
even after the terminal state; a state never seen before must be a legal move
from the job's current state. A test may look at part of a job only, so
unfinished jobs pass. Drift (fields and enum values the vendor does not
document, an open-status vendor's unknown status) is counted and summarised,
and fails a test only when ``strict`` (``--jobhooks-strict``).

Not judged, only counted: deliveries no vendor recognises (a test posting
``{"hello": "x"}`` is not simulating a vendor), and deliveries a capture
server rejected (bad signature, body too large...: a test's deliberate
negative cases). :class:`ContractSummary` adds up every test's counts per
vendor, as JSON for pytest-xdist workers to hand to the controller.

Only the standard library is imported here at start-up: the plugin loads this
module in every contract-mode run, and the catalog is imported by the first check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import groupby
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..assertions import Observation
    from ..catalog.drift import Finding
    from ..deliveries import Delivery
    from ..recordings.summary import DriftReport
    from ..sender import BatchReport, DeliveryReport

__all__ = [
    "OPT_OUT",
    "CapturedStream",
    "ContractCheck",
    "ContractSummary",
    "Mode",
    "VendorCounts",
    "check_test",
]

Mode = Literal["full", "schema"]
"""What contract mode checks: payloads and lifecycles (``"full"``), or payloads only (``"schema"``)."""

OPT_OUT = "@pytest.mark.jobhooks(contract=False)"
_REJECTED_SIGNATURES = ("invalid", "missing")


@dataclass(frozen=True)
class CapturedStream:
    """The deliveries one capture server received during a test, in arrival order."""

    label: str
    url: str | None
    deliveries: Sequence[Delivery]


@dataclass
class VendorCounts:
    """One vendor's counts: deliveries captured and sent, jobs, invalid payloads, illegal moves, drift, redeliveries.

    ``redelivered`` counts repeats and late states (passing at least once).
    """

    captured: int = 0
    sent: int = 0
    jobs: int = 0
    invalid: int = 0
    illegal: int = 0
    drift: int = 0
    redelivered: int = 0

    def add(self, other: VendorCounts) -> None:
        """Add ``other``'s counts to these."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


_COUNTS = tuple(item.name for item in fields(VendorCounts))


@dataclass
class ContractCheck:
    """What checking one test's deliveries found: the problems, shown per stream, the counts and the drift.

    ``drift`` holds, per drifting payload, its vendor, its place (``#index`` in its stream) and its findings.
    """

    problems: int = 0
    sections: list[str] = field(default_factory=list)
    vendors: dict[str, VendorCounts] = field(default_factory=dict)
    unrecognised: int = 0
    rejected: int = 0
    drift: list[tuple[str, int, tuple[Finding, ...]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return self.problems == 0

    def message(self) -> str:
        """The failure message: how many problems, how to opt out, then each stream's problems and timeline."""
        noun = "problem" if self.problems == 1 else "problems"
        head = f"jobhooks contract: {self.problems} {noun} in what this test captured or sent"
        hint = f"(to skip these checks for a test, mark it {OPT_OUT}; to check payloads only, contract='schema')"
        return "\n\n".join([f"{head}\n{hint}", *self.sections])

    def counts(self, vendor: str) -> VendorCounts:
        """The counts of ``vendor`` (created empty)."""
        return self.vendors.setdefault(vendor, VendorCounts())


def check_test(
    captured: Sequence[CapturedStream],
    sent: Sequence[DeliveryReport],
    batches: Sequence[BatchReport],
    *,
    mode: Mode,
    strict: bool = False,
) -> ContractCheck:
    """Check everything one test's capture servers received and its sender sent (see the module's docstring).

    ``strict`` makes drift a problem.
    """
    from ..assertions import lifecycle_violations, schema_violations

    check = ContractCheck()
    jobs: set[tuple[str, str]] = set()
    # A server fed by a deliver_all that reorders on purpose receives an order nobody should judge.
    shuffled = {report.target for batch in batches if batch.reordered for report in batch.deliveries}
    for stream in captured:
        judged: list[Delivery] = []
        for delivery in stream.deliveries:
            if delivery.transport_error is not None or delivery.signature in _REJECTED_SIGNATURES:
                check.rejected += 1
            elif delivery.vendor is None:
                check.unrecognised += 1
            else:
                judged.append(delivery)
                check.counts(delivery.vendor).captured += 1
        if not judged:
            continue
        if mode == "full" and not any(_same_server(target, stream.url) for target in shuffled):
            observations, problems = lifecycle_violations(judged, complete=False, allow_duplicates=True, strict=strict)
        else:
            observations, problems = schema_violations(judged, strict=strict)
        _judge(check, jobs, observations, problems, f"{stream.label}: {_count(len(judged), 'delivery')} received")
    for (target, vendor), payloads in _sent_streams(sent, batches, check).items():
        # Sent to a capture server of this test: its check above judged these very payloads, as they arrived.
        if any(_same_server(target, stream.url) for stream in captured) and (mode != "full" or target not in shuffled):
            continue
        if mode == "full":
            observations, problems = lifecycle_violations(
                payloads, vendor=vendor, complete=False, allow_duplicates=True, strict=strict
            )
        else:
            observations, problems = schema_violations(payloads, vendor=vendor, strict=strict)
        heading = f"jobhooks_sender -> {target}: {_count(len(payloads), vendor + ' payload')} sent"
        _judge(check, jobs, observations, problems, heading)
    for vendor, _job in jobs:
        check.counts(vendor).jobs += 1
    return check


def _count(number: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {noun if number == 1 else plural}"


def _same_server(target: str, url: str | None) -> bool:
    return url is not None and (target == url or target.startswith(url + "/"))


def _sent_streams(
    sent: Sequence[DeliveryReport], batches: Sequence[BatchReport], check: ContractCheck
) -> dict[tuple[str, str], list[object]]:
    """Each target's and vendor's payloads in the order the test gave them: one per payload, copies left out."""
    batch_of = {id(report): number for number, batch in enumerate(batches) for report in batch.deliveries}
    streams: dict[tuple[str, str], list[object]] = {}
    # The sends of one deliver_all are contiguous in Sender.sent: sorted by input index, chaos is undone.
    for _, group in groupby(sent, key=lambda report: batch_of.get(id(report), -1 - id(report))):
        for report in sorted(group, key=lambda report: report.index):
            if report.vendor is None:  # only a replayed line no vendor sends has none: never in Sender.sent
                continue
            check.counts(report.vendor).sent += 1
            if report.copy == 0:
                streams.setdefault((report.target, report.vendor), []).append(report.payload)
    return streams


def _judge(
    check: ContractCheck,
    jobs: set[tuple[str, str]],
    observations: list[Observation],
    problems: list[str],
    heading: str,
) -> None:
    from ..assertions import timeline

    for obs in observations:
        if obs.vendor is None:
            continue
        if obs.job_id is not None:
            jobs.add((obs.vendor, obs.job_id))
        counts = check.counts(obs.vendor)
        if obs.outcome == "invalid":
            counts.invalid += 1
        elif obs.problems:
            counts.illegal += 1
        if obs.outcome == "drift":
            counts.drift += 1
            check.drift.append((obs.vendor, obs.index, obs.drift))
        if obs.arrival in ("redelivery", "late"):
            counts.redelivered += 1
    if problems:
        check.problems += len(problems)
        listing = "\n".join(f"  {line}" for line in problems)
        check.sections.append(f"{heading}:\n{listing}\ntimeline:\n{timeline(observations)}")


@dataclass
class ContractSummary:
    """The run's totals: per vendor, unrecognised and rejected deliveries, tests, recorded lines."""

    vendors: dict[str, VendorCounts] = field(default_factory=dict)
    unrecognised: int = 0
    rejected: int = 0
    tests: int = 0
    failed: int = 0
    opted_out: int = 0
    recorded_captured: int = 0
    recorded_sent: int = 0
    recordings: list[str] = field(default_factory=list)
    drift: DriftReport | None = None
    """Drift per vendor, kind, path and value ("first at": a test's node id and the delivery's ``#index``), once any."""

    def add(self, check: ContractCheck, test: str = "?") -> None:
        """Count one checked test (``test`` names it in the drift summary)."""
        self.tests += 1
        self.failed += not check.ok
        self.unrecognised += check.unrecognised
        self.rejected += check.rejected
        for vendor, counts in check.vendors.items():
            self.vendors.setdefault(vendor, VendorCounts()).add(counts)
        for vendor, index, findings in check.drift:
            for finding in {(f.kind, f.pattern, f.value): f for f in findings}.values():
                self.drifts().add(vendor, finding.kind, finding.pattern, finding.value, test, index)

    def drifts(self) -> DriftReport:
        """The drift report, created on first use (it lives in the recordings package: imported only then)."""
        if self.drift is None:
            from ..recordings.summary import DriftReport

            self.drift = DriftReport()
        return self.drift

    def note_recording(self, path: str, captured: int, sent: int) -> None:
        """Count lines written to the recording at ``path``."""
        self.recorded_captured += captured
        self.recorded_sent += sent
        if (captured or sent) and path not in self.recordings:
            self.recordings.append(path)

    def merge(self, other: ContractSummary) -> None:
        """Add another process's totals (a pytest-xdist worker's) to these."""
        for vendor, counts in other.vendors.items():
            self.vendors.setdefault(vendor, VendorCounts()).add(counts)
        for name in _TOTALS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.recordings += [path for path in other.recordings if path not in self.recordings]
        if other.drift:
            self.drifts().merge(other.drift)

    def to_json(self) -> dict[str, object]:
        """The totals as JSON-serialisable data (what a worker sends through ``workeroutput``)."""
        data: dict[str, object] = {name: getattr(self, name) for name in _TOTALS}
        data["vendors"] = {name: [getattr(counts, key) for key in _COUNTS] for name, counts in self.vendors.items()}
        data["recordings"] = list(self.recordings)
        data["drift"] = self.drift.to_json() if self.drift else []
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ContractSummary:
        """Totals read back from :meth:`to_json`."""
        vendors: Mapping[str, Sequence[int]] = data.get("vendors", {})  # type: ignore[assignment]
        recordings: Sequence[str] = data.get("recordings", [])  # type: ignore[assignment]
        drift = data.get("drift")
        summary = cls(
            vendors={vendor: VendorCounts(*values) for vendor, values in vendors.items()},
            recordings=list(recordings),
        )
        if isinstance(drift, list) and drift:
            from ..recordings.summary import DriftReport

            summary.drift = DriftReport.from_json(drift)
        for name in _TOTALS:
            setattr(summary, name, int(data.get(name, 0)))  # type: ignore[call-overload]
        return summary

    def lines(self, *, contract: bool, recording: str | None, strict: bool = False) -> list[str]:
        """The terminal summary: per-vendor table, totals and drift (contract mode), then what went to ``recording``."""
        out: list[str] = []
        if contract:
            out += self._table()
            out += self._totals()
            if self.drift:
                effect = "failing: --jobhooks-strict" if strict else "not failing without --jobhooks-strict"
                out.append(f"drift: fields and values the vendor docs do not mention ({effect}):")
                out += [f"  {line}" for line in self.drift.lines()]
        if recording is not None:
            recorded = self.recorded_captured + self.recorded_sent
            where = ", ".join(self.recordings) or f"nothing to write to {recording}"
            out.append(
                f"recorded {_count(recorded, 'delivery')} ({self.recorded_captured} captured, "
                f"{self.recorded_sent} sent attempts): {where}"
            )
        return out

    def _table(self) -> list[str]:
        if not self.vendors:
            return ["no deliveries of a known vendor captured by a jobhooks capture server or sent by jobhooks_sender"]
        header = ("vendor", "captured", "sent", "jobs", "invalid", "illegal moves", "drift", "redelivered")
        rows: list[tuple[str, ...]] = [header]
        total = VendorCounts()
        for vendor in sorted(self.vendors):
            counts = self.vendors[vendor]
            total.add(counts)
            rows.append((vendor, *(str(getattr(counts, name)) for name in _COUNTS)))
        if len(self.vendors) > 1:
            rows.append(("total", *(str(getattr(total, name)) for name in _COUNTS)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        return [
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
            for row in rows
        ]

    def _totals(self) -> list[str]:
        out: list[str] = []
        if self.unrecognised:
            out.append(f"unrecognised deliveries (no known vendor's payload; not checked): {self.unrecognised}")
        if self.rejected:
            out.append(f"rejected by a capture server (bad signature, body too large...; not checked): {self.rejected}")
        tests = f"{self.tests} {'test' if self.tests == 1 else 'tests'} checked, {self.failed} failed the contract"
        if self.opted_out:
            tests += f"; {self.opted_out} opted out ({OPT_OUT})"
        out.append(tests)
        return out


_TOTALS = ("unrecognised", "rejected", "tests", "failed", "opted_out", "recorded_captured", "recorded_sent")
