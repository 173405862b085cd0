"""`python -m pytest_jobhooks validate` on mixed-vendor lines against the parse floor and two peers, same run.

Goals (issue 15): the CLI >= 0.5x the ``json.loads``-per-line floor on the same
file, >= 30x a loop that reuses one ``jsonschema`` validator per vendor, peak RSS
<= 100 MB on 1,000,000 lines.

The recording is generated from the documented examples in ``schemas/examples/``
(a vendor drawn uniformly, then one of its examples, with fresh job ids), one JSON
object per line. Each round runs, in turn: the CLI in a child process (wall
time, start-up included; its peak RSS from ``os.wait4``), the floor (read each
line and ``json.loads`` it), jsonschema-rs (``json.loads``, the catalog's
``detect_vendor``, then a reused ``is_valid``) and the jsonschema loop (the same
with a reused jsonschema validator); the two peers are timed on the first
``--rs-lines`` / ``--peer-lines`` lines, their rates extrapolated. Ratios are taken
per round; median and min-max shown. Usage:

    python bench/bench_recordings.py [--lines 1000000] [--peer-lines 20000] [--rs-lines 200000] [--rounds 5] [--seed 6]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _rounds import load, spread

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "schemas" / "examples"
ID_KEYS = ("jobId", "job_id", "invocation_id", "id")


def generate(path: Path, lines: int, seed: int) -> dict[str, int]:
    """Write ``lines`` valid payloads of mixed vendors; returns how many of each vendor."""
    rng = random.Random(seed)
    examples = {d.name: [json.loads(f.read_text()) for f in sorted(d.glob("*.json"))] for d in EXAMPLES.iterdir()}
    vendors = sorted(examples)
    counts = dict.fromkeys(vendors, 0)
    with path.open("w", encoding="utf-8") as out:
        for number in range(lines):
            vendor = rng.choice(vendors)
            counts[vendor] += 1
            payload = _with_ids(rng.choice(examples[vendor]), f"{number:x}{rng.randrange(16**6):06x}")
            out.write(json.dumps(payload, separators=(",", ":")) + "\n")
    return counts


def _with_ids(value: Any, suffix: str) -> Any:
    if isinstance(value, dict):
        return {
            k: f"{v}-{suffix}" if k in ID_KEYS and isinstance(v, str) else _with_ids(v, suffix)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_ids(item, suffix) for item in value]
    return value


def cli(path: Path) -> tuple[float, float]:
    """Seconds of wall time of ``python -m pytest_jobhooks validate path``, and its peak RSS in MB."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest_jobhooks", "validate", str(path)], stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"validate exited with {child.returncode}")
    return wall, usage.ru_maxrss / 1024


def loop(path: Path, limit: int, check: Callable[[Any], object] | None) -> float:
    """Seconds per line of: read a line, ``json.loads`` it, then ``check`` it (None: the parse floor)."""
    count = 0
    started = time.perf_counter()
    with path.open("rb") as lines:
        for line in lines:
            if count == limit:
                break
            payload = json.loads(line)
            if check is not None:
                check(payload)
            count += 1
    return (time.perf_counter() - started) / count


def peers() -> dict[str, Callable[[Any], object]]:
    """The peers' per-line checks: tell the vendor (the catalog's detect_vendor), ask its reused validator."""
    import jsonschema_rs

    from pytest_jobhooks.catalog import detect_vendor
    from pytest_jobhooks.catalog.schemas import load_schema
    from pytest_jobhooks.vendors import VENDORS

    rs = {n: jsonschema_rs.validator_for(load_schema(v), validate_formats=True).is_valid for n, v in VENDORS.items()}
    slow = {n: v.validator.is_valid for n, v in VENDORS.items()}

    def with_rs(payload: Any) -> object:
        vendor = detect_vendor(payload)
        return vendor is not None and rs[vendor](payload)

    def with_jsonschema(payload: Any) -> object:
        vendor = detect_vendor(payload)
        return vendor is not None and slow[vendor](payload)

    return {"jsonschema-rs": with_rs, "jsonschema": with_jsonschema}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--peer-lines", type=int, default=20_000, help="lines the jsonschema loop is timed on")
    parser.add_argument("--rs-lines", type=int, default=200_000, help="lines the jsonschema-rs loop is timed on")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    checks = peers()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jobhooks.jsonl"
        started = time.perf_counter()
        counts = generate(path, args.lines, args.seed)
        size = path.stat().st_size / 2**20
        print(f"generated {args.lines:,} payloads ({size:,.0f} MB) in {time.perf_counter() - started:.1f} s: {counts}")
        per_line: dict[str, list[float]] = {"ours": [], "floor": [], "jsonschema-rs": [], "jsonschema": []}
        rss: list[float] = []
        for _ in range(args.rounds):  # interleaved, so a busy moment of the machine hits every contender
            wall, peak = cli(path)
            per_line["ours"].append(wall / args.lines)
            rss.append(peak)
            per_line["floor"].append(loop(path, args.lines, None))
            per_line["jsonschema-rs"].append(loop(path, args.rs_lines, checks["jsonschema-rs"]))
            per_line["jsonschema"].append(loop(path, args.peer_lines, checks["jsonschema"]))
    print(f"{args.rounds} interleaved rounds; {load()}")
    print()
    print("| contender (wall) | lines/s, median (min-max) | ours vs it, median (min-max) |")
    print("| --- | --- | --- |")
    labels = {
        "ours": "`python -m pytest_jobhooks validate` (start-up included)",
        "floor": "`json.loads` per line (the floor)",
        "jsonschema-rs": f"`json.loads` + `detect_vendor` + jsonschema-rs `is_valid` (first {args.rs_lines:,} lines)",
        "jsonschema": f"`json.loads` + `detect_vendor` + reused jsonschema (first {args.peer_lines:,} lines)",
    }
    ratios: dict[str, list[float]] = {}
    for name, values in per_line.items():
        ratios[name] = [peer / ours for ours, peer in zip(per_line["ours"], values, strict=True)]
        rate = spread([1 / v for v in values], digits=0)
        versus = "-" if name == "ours" else spread(ratios[name], digits=2) + "x"
        print(f"| {labels[name]} | {rate} | {versus} |")
    print()
    floor, peer, peak = sorted(ratios["floor"])[len(rss) // 2], sorted(ratios["jsonschema"])[len(rss) // 2], max(rss)
    print(f"peak RSS of the CLI on {args.lines:,} lines: {spread(rss, digits=0)} MB (highest {peak:.0f} MB)")
    print(
        f"goals: >= 0.5x the floor: {floor:.2f}x ({'met' if floor >= 0.5 else 'NOT met'}); "
        f">= 30x jsonschema: {peer:.1f}x ({'met' if peer >= 30 else 'NOT met'}); "
        f"peak RSS <= 100 MB: {peak:.0f} MB ({'met' if peak <= 100 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
