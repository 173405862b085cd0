"""``python -m pytest_jobhooks``: commands for use outside pytest."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .devloop import COMMANDS as DEVLOOP_COMMANDS
from .devloop import add_commands
from .devloop import run as run_devloop
from .devloop.progress import read_with_progress

if TYPE_CHECKING:
    from .recordings import LineVerdict

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 check failed, 2 usage or I/O error)."""
    parser = argparse.ArgumentParser(prog="python -m pytest_jobhooks")
    commands = parser.add_subparsers(dest="command", required=True)
    schemas = commands.add_parser("schemas", help="write the JSON Schemas and documented examples")
    schemas.add_argument("--dir", type=Path, default=Path("schemas"), help="target folder (default: ./schemas)")
    schemas.add_argument("--check", action="store_true", help="only report files that differ; exit 1 if any")
    validate = commands.add_parser(
        "validate",
        help="check recorded payloads (JSON Lines, JSON, '-' for stdin); exit 1 if any is invalid",
        description=(
            "Check every payload of each recording against the vendor catalog. A line is a bare payload or a "
            "recorded delivery. Exit 0 when all are valid (drift too, unless --strict; lines marked invalid on "
            "purpose are counted, not judged), 1 when a payload is invalid, 2 on a usage or I/O error. A PATH is "
            "a regular file (a FIFO or device is refused, exit 2), a folder (its *.jobhooks.jsonl and "
            "*.jobhooks.json files, subfolders too), or - to read standard input. Vendors of installed "
            "pytest_jobhooks.vendors entry points are known, and those of each --plugin."
        ),
    )
    validate.add_argument(
        "paths", nargs="+", metavar="PATH", help="a .jsonl / .json recording, a folder of them, or - for stdin"
    )
    validate.add_argument("--vendor", metavar="V", help="read every payload as this vendor's (default: detect)")
    validate.add_argument("--format", choices=("text", "json"), default="text", help="text, or JSON Lines")
    validate.add_argument("--strict", action="store_true", help="drift (undocumented fields and values) fails too")
    validate.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE (dotted name, or a .py file such as conftest.py) for the vendors it registers "
        "(register_vendor, or a pytest_jobhooks_vendors() function); repeatable",
    )
    add_commands(commands)
    args = parser.parse_args(argv)
    if args.command in DEVLOOP_COMMANDS:
        return run_devloop(args, parser)
    if args.command == "validate":
        problem = _load_vendors(args.plugin)
        if problem is not None:
            validate.error(problem)  # the usage, the message, exit 2 (SystemExit, as for any usage error)
        return _validate(args.paths, vendor=args.vendor, output=args.format, strict=args.strict)
    return _schemas(args.dir, check=args.check)


def _schemas(directory: Path, *, check: bool) -> int:
    from .catalog.schemas import generated_files

    stale = []
    for relative, text in generated_files():
        target = directory / relative
        try:
            current = target.read_text(encoding="utf-8") if target.exists() else None
        except OSError as exc:
            print(f"error: cannot read {target}: {exc}", file=sys.stderr)
            return 2
        if current == text:
            continue
        stale.append(target)
        if not check:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            except OSError as exc:
                print(f"error: cannot write {target}: {exc}", file=sys.stderr)
                return 2
    verb = "out of date" if check else "written"
    for target in stale:
        print(f"{verb}: {target}")
    if check and stale:
        print("run `python -m pytest_jobhooks schemas` to regenerate", file=sys.stderr)
        return 1
    return 0


def _load_vendors(plugins: Sequence[str]) -> str | None:
    """Register the vendors of installed entry points and of each ``--plugin``; what went wrong, if anything."""
    from .errors import VendorDefinitionError
    from .vendors.loading import load_entry_points, load_plugin

    try:
        load_entry_points()
        for plugin in plugins:
            load_plugin(plugin)
    except VendorDefinitionError as exc:
        return f"--plugin: {exc}" if "vendor plugin" in str(exc) else str(exc)
    return None


def _validate(paths: Sequence[str], *, vendor: str | None, output: str, strict: bool) -> int:
    from .errors import UnknownVendorError
    from .recordings import RecordingChecker, RecordingReport, RecordingSummary
    from .recordings.ordering import RECORDING_PATTERNS

    try:
        checker = RecordingChecker(vendor, strict=strict, max_listed=0)
    except UnknownVendorError as exc:
        print(f"error: --vendor: {exc}", file=sys.stderr)
        return 2
    summary = RecordingSummary()
    as_json = output == "json"
    on_bad = _print_json_line if as_json else _print_text_line
    try:
        for path, found in _recordings(paths):
            if found:
                with read_with_progress(path) as source:  # a bar on a terminal, for large files only
                    report = checker.check(source, name=None if source is path else path, on_bad=on_bad)
            else:
                error = f"a folder holding no recordings ({', '.join(RECORDING_PATTERNS)})"
                report = RecordingReport(path, strict=strict, error=error)
            summary.add(report)
            if as_json:
                _emit({"type": "file", **{k: v for k, v in report.to_json().items() if k != "listed"}})
            elif report.error is not None:
                print(f"error: {report.summary()}", file=sys.stderr)
            else:
                print(report.summary())
        status = 2 if summary.unreadable else 1 if summary.failed else 0
        if as_json:
            _emit({"type": "summary", **summary.to_json(), "exit": status})
        else:
            for line in summary.lines(strict=strict, switch="--strict"):
                print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


def _recordings(paths: Sequence[str]) -> list[tuple[str, bool]]:
    """Each path to check: a file as given, a folder's recordings; False for a folder that holds none."""
    from .recordings.ordering import recording_files

    out: list[tuple[str, bool]] = []
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            out.append((path, True))
            continue
        found = recording_files(path)
        out.extend([(str(file), True) for file in found] or [(path, False)])
    return out


def _print_text_line(verdict: LineVerdict) -> None:
    for message in verdict.messages():
        print(message)


def _print_json_line(verdict: LineVerdict) -> None:
    _emit(
        {
            "type": "line",
            "source": verdict.source,
            "line": verdict.line,
            "vendor": verdict.vendor,
            "outcome": verdict.outcome,
            "problems": [{"path": p.path, "message": p.message} for p in verdict.problems],
            "drift": [{"kind": d.kind, "path": d.path, "pattern": d.pattern, "value": d.value} for d in verdict.drift],
        }
    )


def _emit(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False))
