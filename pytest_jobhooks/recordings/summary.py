"""Accounting across recordings: drift counted per vendor, path and value, and run totals.

Both are plain data that survive a round trip through JSON, so pytest-xdist
workers can send theirs to the controller, which merges them.
Public through :mod:`pytest_jobhooks.recordings`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, cast

from .._json import JsonObject, JsonValue

if TYPE_CHECKING:
    from .checker import RecordingReport

__all__ = ["MAX_DRIFT_KINDS", "DriftEntry", "DriftReport", "RecordingSummary"]

_Key = tuple[str, str, str, "str | None"]


@dataclass(frozen=True)
class DriftEntry:
    """One kind of drift: a vendor's undeclared field, or undocumented value at a path; how often; where first."""

    vendor: str
    kind: Literal["field", "value"]
    path: str
    value: str | None
    count: int
    first: str

    def __str__(self) -> str:
        what = f"undocumented field {self.path}" if self.kind == "field" else f"{self.path} = {self.value!r}"
        if self.kind == "value":
            what = f"undocumented value {what}"
        noun = "payload" if self.count == 1 else "payloads"
        return f"{self.vendor}: {what}: {self.count:,} {noun}, first at {self.first}"


MAX_DRIFT_KINDS = 1000
"""Distinct drift entries a report itemises; beyond that (a vendor sending random values) they are only counted."""


class DriftReport:
    """Drift counted per (vendor, kind, path pattern, value): how many payloads, and the first ``file:line``.

    "First" is the smallest (file, line), so merged reports agree whatever order
    they were filled in. At most :data:`MAX_DRIFT_KINDS` entries are kept, so
    memory stays bounded; :attr:`overflow` counts what did not fit.
    """

    def __init__(self) -> None:
        self._seen: dict[_Key, tuple[int, str, int]] = {}
        self.overflow = 0

    def add(
        self,
        vendor: str,
        kind: Literal["field", "value"],
        path: str,
        value: str | None,
        source: str,
        line: int,
        count: int = 1,
    ) -> None:
        """Count ``count`` payloads showing this drift, the first of them at ``source:line``."""
        key: _Key = (vendor, kind, path, value)
        seen = self._seen.get(key)
        if seen is None:
            if len(self._seen) >= MAX_DRIFT_KINDS:
                self.overflow += count
                return
            self._seen[key] = (count, source, line)
        else:
            self._seen[key] = (seen[0] + count, *min((seen[1], seen[2]), (source, line)))

    def merge(self, other: DriftReport) -> None:
        """Add every count of ``other`` to this report."""
        for (vendor, kind, path, value), (count, source, line) in other._seen.items():
            self.add(vendor, cast(Literal["field", "value"], kind), path, value, source, line, count)
        self.overflow += other.overflow

    def __iter__(self) -> Iterator[DriftEntry]:
        for key in sorted(self._seen, key=lambda k: (k[0], k[1], k[2], k[3] or "")):
            count, source, line = self._seen[key]
            vendor, kind, path, value = key
            yield DriftEntry(vendor, cast(Literal["field", "value"], kind), path, value, count, f"{source}:{line}")

    def __len__(self) -> int:
        return len(self._seen)

    def __bool__(self) -> bool:
        return bool(self._seen) or self.overflow > 0

    def lines(self) -> list[str]:
        """One line per entry (see :class:`DriftEntry`), then what did not fit, if anything."""
        out = [str(entry) for entry in self]
        if self.overflow:
            out.append(f"... and {self.overflow:,} more drift findings of kinds beyond the first {MAX_DRIFT_KINDS:,}")
        return out

    def to_json(self) -> list[JsonValue]:
        """The entries as JSON objects (``vendor``, ``kind``, ``path``, ``value``, ``count``, ``source``, ``line``).

        Findings that did not fit come last as ``{"overflow": N}``.
        """
        out: list[JsonValue] = []
        for (vendor, kind, path, value), (count, source, line) in sorted(self._seen.items(), key=str):
            entry: JsonObject = {"vendor": vendor, "kind": kind, "path": path, "value": value, "count": count}
            entry.update(source=source, line=line)
            out.append(entry)
        if self.overflow:
            out.append({"overflow": self.overflow})
        return out

    @classmethod
    def from_json(cls, data: list[JsonValue]) -> DriftReport:
        """A report from :meth:`to_json`'s output."""
        report = cls()
        for entry in data:
            assert isinstance(entry, dict)
            if "overflow" in entry:
                report.overflow += int(cast(int, entry["overflow"]))
                continue
            kind: Literal["field", "value"] = "value" if entry["kind"] == "value" else "field"
            value = entry["value"]
            report.add(
                str(entry["vendor"]),
                kind,
                str(entry["path"]),
                value if isinstance(value, str) else None,
                str(entry["source"]),
                int(cast(int, entry["line"])),
                int(cast(int, entry["count"])),
            )
        return report


_COUNTS = ("files", "payloads", "valid", "drifted", "invalid", "negative", "failed")


@dataclass
class RecordingSummary:
    """Totals over many recordings (one pytest run, one CLI call), with their merged drift."""

    files: int = 0
    payloads: int = 0
    valid: int = 0
    drifted: int = 0
    invalid: int = 0
    negative: int = 0
    """Payloads marked invalid on purpose (``"intent": "invalid"``): counted, not judged."""
    failed: int = 0
    empty: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    drift: DriftReport = field(default_factory=DriftReport)

    def add(self, report: RecordingReport) -> None:
        """Count one recording's report."""
        self.files += 1
        self.payloads += report.payloads
        self.valid += report.valid
        self.drifted += report.drifted
        self.invalid += report.invalid
        self.negative += report.negative
        self.failed += not report.ok
        if report.error is not None:
            self.unreadable.append(report.source)
        elif report.empty:
            self.empty.append(report.source)
        self.drift.merge(report.drift)

    def merge(self, other: RecordingSummary) -> None:
        """Add another summary (e.g. a pytest-xdist worker's) to this one."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.empty += other.empty
        self.unreadable += other.unreadable
        self.drift.merge(other.drift)

    def lines(self, *, strict: bool, switch: str = "strict mode") -> list[str]:
        """The summary for people: totals, empty and unreadable recordings, then the drift report.

        ``switch`` names what makes drift fail (``--jobhooks-strict``, ``--strict``).
        """
        files = f"{self.files:,} recording{'s' if self.files != 1 else ''}"
        counts = f"{self.valid:,} valid, {self.drifted:,} drift, {self.invalid:,} invalid"
        if self.negative:
            counts += f", {self.negative:,} invalid on purpose (not judged)"
        out = [f"{files}, {self.payloads:,} payloads: {counts}"]
        if self.empty:
            out.append(f"empty (no payloads, nothing checked): {', '.join(sorted(self.empty))}")
        if self.unreadable:
            out.append(f"unreadable: {', '.join(sorted(self.unreadable))}")
        if self.drift:
            effect = f"failing: {switch}" if strict else f"not failing without {switch}"
            out.append(f"drift: fields and values the vendor docs do not mention ({effect}):")
            out.extend(f"  {line}" for line in self.drift.lines())
        return out

    def to_json(self) -> JsonObject:
        """The summary as JSON (counts, file lists, drift entries)."""
        out: JsonObject = {name: getattr(self, name) for name in ("files", "payloads", "valid", "drifted")}
        out.update(
            invalid=self.invalid,
            negative=self.negative,
            failed=self.failed,
            empty=list(self.empty),
            unreadable=list(self.unreadable),
        )
        out["drift"] = self.drift.to_json()
        return out

    @classmethod
    def from_json(cls, data: JsonObject) -> RecordingSummary:
        """A summary from :meth:`to_json`'s output."""
        drift = data.get("drift")
        summary = cls(drift=DriftReport.from_json(drift if isinstance(drift, list) else []))
        for name in _COUNTS:
            setattr(summary, name, int(cast(int, data.get(name, 0))))
        summary.empty = [str(s) for s in cast(list[str], data.get("empty", []))]
        summary.unreadable = [str(s) for s in cast(list[str], data.get("unreadable", []))]
        return summary
