"""``python -m pytest_jobhooks``: commands for use outside pytest."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 check failed, 2 usage or I/O error)."""
    parser = argparse.ArgumentParser(prog="python -m pytest_jobhooks")
    commands = parser.add_subparsers(dest="command", required=True)
    schemas = commands.add_parser("schemas", help="write the JSON Schemas and documented examples")
    schemas.add_argument("--dir", type=Path, default=Path("schemas"), help="target folder (default: ./schemas)")
    schemas.add_argument("--check", action="store_true", help="only report files that differ; exit 1 if any")
    args = parser.parse_args(argv)
    return _schemas(args.dir, check=args.check)


def _schemas(directory: Path, *, check: bool) -> int:
    from .schemas import generated_files

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
