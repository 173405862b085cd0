"""What loading the plugin adds to a user's `pytest --collect-only` (goal: <= 30 ms), and the catalog's first use.

First use (goal: <= 50 ms): in fresh processes, interleaved, the time of
``from pytest_jobhooks import deliver``, then of the first ``catalog.read(payload)``
of one vendor (its models and validators built then), against a peer: a bare
``import pydantic``, then one model defined and validated once.

Runs pytest on a small generated suite, alternately with the plugin and with
``-p no:jobhooks``, and prints the medians and their difference: once with
Python's bytecode cache (as on a developer's machine) and once without it
(``PYTHONDONTWRITEBYTECODE=1``, as in some CI containers, where every module is
compiled, and pytest's assertion rewriting of plugin modules redone, on every run). Usage:

    python bench/bench_import.py [--runs 15] [--first-use-rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _rounds import load, spread

OURS = """
import json, time
started = time.perf_counter()
from pytest_jobhooks import deliver
imported = time.perf_counter()
from pytest_jobhooks.catalog import read
reading = read({"job_id": "parse_1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"})
assert reading.valid
print(json.dumps([imported - started, time.perf_counter() - imported]))
"""

PEER = """
import json, time
started = time.perf_counter()
import pydantic
imported = time.perf_counter()
class Event(pydantic.BaseModel):
    job_id: str
    status: str
    created_at: str
Event.model_validate({"job_id": "parse_1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"})
print(json.dumps([imported - started, time.perf_counter() - imported]))
"""


def first_use(code: str) -> list[float]:
    """Seconds of [the import, the first use after it] in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    values: list[float] = json.loads(out)
    return values


def first_use_table(rounds: int) -> None:
    ours: list[list[float]] = []
    peer: list[list[float]] = []
    for _ in range(rounds):  # interleaved: load on the machine falls on both alike
        ours.append(first_use(OURS))
        peer.append(first_use(PEER))
    print(f"first use, fresh processes, {rounds} interleaved rounds, median (min-max); {load()}")
    print()
    print("| what (wall) | ms | peer (same run) | ms |")
    print("| --- | --- | --- | --- |")
    print(
        f"| `from pytest_jobhooks import deliver` | {spread([o[0] for o in ours], 1000, 1)} "
        f"| `import pydantic` | {spread([p[0] for p in peer], 1000, 1)} |"
    )
    print(
        f"| then the first `catalog.read(payload)` (goal <= 50 ms) | {spread([o[1] for o in ours], 1000, 1)} "
        f"| then one model defined and validated | {spread([p[1] for p in peer], 1000, 1)} |"
    )
    print()


def make_suite(root: Path, files: int = 20, tests: int = 10) -> None:
    for i in range(files):
        body = "\n".join(f"def test_{i}_{j}():\n    assert {j} == {j}\n" for j in range(tests))
        (root / f"test_generated_{i}.py").write_text(body)


def collect(root: Path, *extra: str, cache: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if not cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the pytest process: far steadier than wall time on a shared machine.
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--first-use-rounds", type=int, default=7)
    args = parser.parse_args()
    first_use_table(args.first_use_rounds)
    print("| collect-only, 200 tests (CPU) | with pytest-jobhooks | with -p no:jobhooks | added (goal <= 30 ms) |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_suite(root)
        (root / "pytest.ini").write_text("[pytest]\n")
        for cache in (True, False):
            collect(root, cache=cache)  # warm the caches there are
            with_plugin, without = [], []
            for _ in range(args.runs):
                with_plugin.append(collect(root, cache=cache))
                without.append(collect(root, "-p", "no:jobhooks", cache=cache))
            a, b = statistics.median(with_plugin), statistics.median(without)
            label = "bytecode cache on" if cache else "no bytecode cache (PYTHONDONTWRITEBYTECODE=1)"
            print(f"| {label} | {a * 1000:.1f} ms | {b * 1000:.1f} ms | {(a - b) * 1000:+.1f} ms (x{a / b:.3f}) |")


if __name__ == "__main__":
    main()
