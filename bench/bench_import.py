"""What loading the plugin adds to a user's `pytest --collect-only` (goal: <= 30 ms).

Runs pytest on a small generated suite, alternately with the plugin and with
``-p no:jobhooks``, and prints the medians and their difference. Usage:

    python bench/bench_import.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_suite(root: Path, files: int = 20, tests: int = 10) -> None:
    for i in range(files):
        body = "\n".join(f"def test_{i}_{j}():\n    assert {j} == {j}\n" for j in range(tests))
        (root / f"test_generated_{i}.py").write_text(body)


def collect(root: Path, *extra: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_suite(root)
        (root / "pytest.ini").write_text("[pytest]\n")
        collect(root)  # warm the bytecode caches
        with_plugin, without = [], []
        for _ in range(args.runs):
            with_plugin.append(collect(root))
            without.append(collect(root, "-p", "no:jobhooks"))
    a, b = statistics.median(with_plugin), statistics.median(without)
    print("| pytest --collect-only, 200 tests | median |")
    print("| --- | --- |")
    print(f"| with pytest-jobhooks | {a * 1000:.1f} ms |")
    print(f"| with -p no:jobhooks | {b * 1000:.1f} ms |")
    print(f"| added by the plugin | {(a - b) * 1000:+.1f} ms (goal <= 30 ms); ratio {a / b:.3f} |")


if __name__ == "__main__":
    main()
