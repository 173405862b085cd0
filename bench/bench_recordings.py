"""Checking a recording of 1,000,000 payloads: pytest-jobhooks against a plain jsonschema loop, same run.

Goals: >= 100,000 payloads/s on one core, >= 10x a loop that reuses one
``jsonschema`` validator per vendor, peak RSS <= 100 MB.

The recording is generated from the documented examples in
``schemas/examples/`` (a vendor drawn uniformly, then one of its examples,
with fresh job ids), one JSON object per line. Each contender runs in its own
process, so its peak RSS (``ru_maxrss``) is its own; rates are payloads per
second of CPU time (one core: nothing here runs threads), wall time shown too,
best of ``--rounds`` interleaved runs (this machine is shared: the best run is
the least disturbed one).
The jsonschema loop is timed on the first ``--peer-lines`` lines and
extrapolated: at its speed the whole file would take minutes. Usage:

    python bench/bench_recordings.py [--lines 1000000] [--peer-lines 50000] [--rounds 3] [--seed 6]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def contender(name: str, path: Path, limit: int) -> dict[str, Any]:
    """Run one contender in this process; returns its counts and costs (imports and set-up not timed)."""
    from pytest_jobhooks.catalog import detect_vendor
    from pytest_jobhooks.catalog.schemas import load_schema
    from pytest_jobhooks.recordings import check_recording
    from pytest_jobhooks.vendors import VENDORS

    if name == "jsonschema":
        checks = {n: v.validator.is_valid for n, v in VENDORS.items()}
    elif name == "jsonschema-rs":
        import jsonschema_rs  # type: ignore[import-not-found, unused-ignore]

        checks = {
            n: jsonschema_rs.validator_for(load_schema(v), validate_formats=True).is_valid for n, v in VENDORS.items()
        }
    wall, cpu = time.perf_counter(), time.process_time()
    if name == "pytest-jobhooks":
        report = check_recording(path)
        result: dict[str, Any] = {"payloads": report.payloads, "valid": report.valid, "drift": report.drifted}
        result.update(bad=report.invalid, drift_entries=[str(entry) for entry in report.drift])
    else:
        # The peer: parse, tell the vendor (the catalog's detect_vendor), ask its reused validator.
        payloads = bad = 0
        with path.open("rb") as lines:
            for line in lines:
                if payloads == limit:
                    break
                payload = json.loads(line)
                vendor = detect_vendor(payload)
                payloads += 1
                bad += vendor is None or not checks[vendor](payload)
        result = {"payloads": payloads, "valid": payloads - bad, "drift": None, "bad": bad}
    result["cpu"] = time.process_time() - cpu
    result["wall"] = time.perf_counter() - wall
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run(name: str, path: Path, limit: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--contender", name, "--file", str(path), "--peer-lines", str(limit)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--peer-lines", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each contender; the fastest counts")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        print(json.dumps(contender(args.contender, args.file, args.peer_lines)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jobhooks.jsonl"
        start = time.perf_counter()
        counts = generate(path, args.lines, args.seed)
        size = path.stat().st_size / 2**20
        print(f"generated {args.lines:,} payloads ({size:,.0f} MB) in {time.perf_counter() - start:.1f} s: {counts}")
        names = ["pytest-jobhooks", "jsonschema"]
        try:
            import jsonschema_rs  # type: ignore[import-not-found, unused-ignore]  # noqa: F401

            names.append("jsonschema-rs")
        except ImportError:
            pass
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for _ in range(args.rounds):  # interleaved, so a busy moment of the machine hits every contender
            for name in names:
                runs[name].append(run(name, path, args.lines if name == "pytest-jobhooks" else args.peer_lines))
    results = {name: min(rs, key=lambda r: r["cpu"]) for name, rs in runs.items()}
    for name, r in results.items():
        r["rss_mb"] = max(x["rss_mb"] for x in runs[name])
    peer = results["jsonschema"]["payloads"] / results["jsonschema"]["cpu"]
    print(f"best of {args.rounds} interleaved runs each; peak RSS is the highest of the runs")
    print()
    print(
        "| contender | payloads checked | verdicts (valid / drift / invalid) "
        "| payloads/s (CPU) | payloads/s (wall) | peak RSS | vs jsonschema |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, r in results.items():
        rate = r["payloads"] / r["cpu"]
        label = {
            "pytest-jobhooks": "`check_recording` (streaming; verdict, drift)",
            "jsonschema": "jsonschema loop, one validator per vendor (`is_valid`)",
            "jsonschema-rs": "jsonschema-rs loop (`is_valid`; reference only, not used)",
        }[name]
        timed = f"{r['payloads']:,}" + (f" of {args.lines:,} (rate extrapolated)" if r["payloads"] < args.lines else "")
        drift = "n/a" if r["drift"] is None else f"{r['drift']:,}"
        verdicts = f"{r['valid']:,} / {drift} / {r['bad']:,}"
        print(
            f"| {label} | {timed} | {verdicts} | {rate:,.0f} | {r['payloads'] / r['wall']:,.0f} "
            f"| {r['rss_mb']:.0f} MB | {rate / peer:.1f}x |"
        )
    ours = results["pytest-jobhooks"]
    rate = ours["payloads"] / ours["cpu"]
    print()
    for entry in ours["drift_entries"]:
        print(f"drift in the documented examples: {entry}")
    print(
        f"goals: >= 100,000 payloads/s: {rate:,.0f} ({'met' if rate >= 100_000 else 'NOT met'}); "
        f">= 10x jsonschema: {rate / peer:.1f}x ({'met' if rate / peer >= 10 else 'NOT met'}); "
        f"peak RSS <= 100 MB: {ours['rss_mb']:.0f} MB ({'met' if ours['rss_mb'] <= 100 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
