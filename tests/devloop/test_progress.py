"""``validate`` over a large recording draws a progress bar on a terminal, and none when its output is piped."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_jobhooks import lifecycle
from pytest_jobhooks.devloop.progress import LARGE

BAR = "━"  # what rich draws a bar with


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "large.jsonl"
    lines = [json.dumps(payload) for payload in lifecycle("telmai", seed=1)]
    text = "\n".join(lines) + "\n"
    path.write_text(text * (LARGE // len(text) + 1), encoding="utf-8")
    return path


def test_a_terminal_gets_a_progress_bar(large: Path) -> None:
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_jobhooks", "validate", str(large)], stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(30) == 0
    text = output.decode("utf-8", "replace")
    assert BAR in text
    assert "large.jsonl" in text


def test_piped_output_gets_no_progress_bar(large: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_jobhooks", "validate", str(large)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert BAR not in result.stdout + result.stderr
    assert "large.jsonl" in result.stdout  # the report itself is unchanged
