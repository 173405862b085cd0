"""What loading the plugin adds to a user's `pytest --collect-only` (goal: <= 30 ms).

Runs pytest on a small generated suite, alternately with the plugin and with
``-p no:jobhooks``, and prints the medians and their difference: once with
Python's bytecode cache (as on a developer's machine) and once without it
(``PYTHONDONTWRITEBYTECODE=1``, as in some CI containers, where every module is
compiled, and pytest's assertion rewriting of plugin modules redone, on every run). Usage:

    python bench/bench_import.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


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
    args = parser.parse_args()
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
