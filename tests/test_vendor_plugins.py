"""In-house vendors outside pytest: ``validate --plugin MODULE`` and the ``pytest_jobhooks.vendors`` entry points.

The entry point is a tiny distribution written into a temporary folder (a
``*.dist-info`` with ``entry_points.txt``) put on ``sys.path`` of a subprocess:
no network, no installation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from pytest_jobhooks._plugin import vendors as plugin_vendors
from pytest_jobhooks.cli import main
from pytest_jobhooks.vendors import VENDORS, unregister_vendor
from pytest_jobhooks.vendors.loading import ENTRY_POINT_GROUP, load_plugin

pytest_plugins = ["pytester"]

BATCH = '''
from typing import Literal
from pydantic import BaseModel, ConfigDict, Field
import pytest_jobhooks as jh

class BatchRun(BaseModel):
    """Our scheduler's callback."""
    model_config = ConfigDict(strict=True, extra="allow")
    run: str = Field(min_length=1, description="Run id.")
    phase: Literal["SUBMITTED", "RUNNING", "OK", "ERROR"] = Field(description="Run phase.")

BATCH = jh.Vendor(
    name="batch", title="Batch scheduler", model=BatchRun,
    lifecycle=jh.Lifecycle(
        states=("SUBMITTED", "RUNNING", "OK", "ERROR"), initial={"SUBMITTED"},
        transitions={"SUBMITTED": {"RUNNING", "ERROR"}, "RUNNING": {"OK", "ERROR"}},
        terminal={"OK", "ERROR"},
        unified={"SUBMITTED": "queued", "RUNNING": "running", "OK": "succeeded", "ERROR": "failed"}),
    delivery=jh.DeliveryStyle(method="POST", encoding="json"),
    job_id=lambda m: m.run, status=lambda m: m.phase,
    examples={"OK": {"run": "r-1", "phase": "OK"}},
)
'''

LINES = [{"run": "r-1", "phase": "RUNNING"}, {"run": "r-1", "phase": "OK"}]


def write_recording(folder: Path, lines: list[dict[str, str]] = LINES) -> Path:
    path = folder / "batch.jobhooks.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def run(args: list[str], cwd: Path, *, path: Sequence[Path] = ()) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*map(str, path), *sys.path])}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``main()`` run here: plugin modules importable from ``tmp_path``, then the registry and imports undone."""
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])  # load_plugin() may add a conftest's folder
    modules = set(sys.modules)
    yield tmp_path
    if "batch" in VENDORS:
        unregister_vendor("batch")
    for name in set(sys.modules) - modules:
        del sys.modules[name]


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        status = main(["validate", *args])
    except SystemExit as exc:  # a usage error: argparse exits
        status = int(str(exc.code))
    out, err = capsys.readouterr()
    return status, out, err


def test_validate_plugin_loads_an_in_house_vendor(tmp_path: Path) -> None:
    recording = write_recording(tmp_path)
    (tmp_path / "acme_vendors.py").write_text(BATCH + "jh.register_vendor(BATCH)\n", encoding="utf-8")
    result = run(["-m", "pytest_jobhooks", "validate", str(recording)], tmp_path, path=[tmp_path])
    assert result.returncode == 1  # without the plugin the vendor is unknown
    assert "matches no known vendor's payload" in result.stdout
    args = ["-m", "pytest_jobhooks", "validate", "--plugin", "acme_vendors", "--plugin", "json", str(recording)]
    result = run(args, tmp_path, path=[tmp_path])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{recording}: 2 payloads: 2 valid, 0 drift, 0 invalid" in result.stdout


@pytest.mark.parametrize("kind", ["dotted name", "conftest.py path"])
def test_validate_plugin_takes_a_conftest_hook(in_process: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    recording = write_recording(in_process)
    folder = in_process / "acme_suite"
    folder.mkdir()
    (folder / "conftest.py").write_text(BATCH + "def pytest_jobhooks_vendors():\n    return [BATCH]\n")
    plugin = str(folder / "conftest.py") if kind == "conftest.py path" else "acme_suite.conftest"
    status, out, err = validate(capsys, "--plugin", plugin, str(recording))
    assert status == 0, out + err
    assert f"{recording}: 2 payloads: 2 valid, 0 drift, 0 invalid" in out


@pytest.mark.parametrize(
    ("plugin", "reason"),
    [
        ("no_such_module", "ModuleNotFoundError: No module named 'no_such_module'"),
        ("broken_vendors", "RuntimeError: no database"),
        ("missing/conftest.py", "ImportError: no such file: missing/conftest.py"),
    ],
)
def test_a_plugin_that_cannot_be_imported_is_a_usage_error(
    in_process: Path, capsys: pytest.CaptureFixture[str], plugin: str, reason: str
) -> None:
    recording = write_recording(in_process)
    (in_process / "broken_vendors.py").write_text("raise RuntimeError('no database')\n", encoding="utf-8")
    status, out, err = validate(capsys, "--plugin", plugin, str(recording))
    assert (status, out) == (2, "")
    assert err.startswith("usage: python -m pytest_jobhooks validate")
    assert err.endswith(f"error: --plugin: vendor plugin {plugin!r} cannot be imported: {reason}\n")


def test_load_plugin_registers_what_the_hook_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hooked_vendors.py").write_text(BATCH + "def pytest_jobhooks_vendors():\n    return [BATCH]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        [vendor] = load_plugin("hooked_vendors")
        assert VENDORS["batch"] is vendor
        assert load_plugin("hooked_vendors") == [vendor]  # loading again changes nothing
    finally:
        unregister_vendor("batch")


def dist(tmp_path: Path, target: str) -> Path:
    """A tiny distribution on disk: its module and a dist-info whose entry point names ``target``."""
    site = tmp_path / "site"
    (site / "acme_hooks").mkdir(parents=True)
    (site / "acme_hooks" / "__init__.py").write_text("")
    (site / "acme_hooks" / "vendors.py").write_text(
        BATCH + "def all_vendors():\n    return [BATCH]\n" + "jh.register_vendor(BATCH) if MODULE_REGISTERS else None\n"
    )
    info = site / "acme_hooks-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-hooks\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nbatch = {target}\n")
    return site


@pytest.mark.parametrize(
    ("target", "registers", "loader"),
    [("acme_hooks.vendors", True, "cli"), ("acme_hooks.vendors:all_vendors", False, "pytest")],
)
def test_the_entry_point_is_loaded_by_the_cli_and_by_pytest(
    tmp_path: Path, target: str, registers: bool, loader: str
) -> None:
    """A module that registers its vendors, or a callable returning them; each loader is run on one form."""
    site = dist(tmp_path, target)
    module = site / "acme_hooks" / "vendors.py"
    module.write_text(f"MODULE_REGISTERS = {registers}\n" + module.read_text())
    recording = write_recording(tmp_path)
    if loader == "cli":
        result = run(["-m", "pytest_jobhooks", "validate", str(recording)], tmp_path, path=[site])
        assert result.returncode == 0, result.stdout + result.stderr
        assert "2 payloads: 2 valid, 0 drift, 0 invalid" in result.stdout
        return
    (tmp_path / "test_batch.py").write_text(
        "import httpx\n"
        "def test_batch(jobhooks_server):\n"
        "    httpx.post(jobhooks_server.url, json={'run': 'r-2', 'phase': 'OK'})\n"
        "    [delivery] = jobhooks_server.wait_for()\n"
        "    assert (delivery.vendor, delivery.unified) == ('batch', 'succeeded')\n"
    )
    result = run(["-m", "pytest", "-p", "no:cacheprovider", "--jobhooks", "-q", str(tmp_path)], tmp_path, path=[site])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout  # the test, and the recording file collected under --jobhooks


def test_a_broken_entry_point_is_a_usage_error_in_both(tmp_path: Path) -> None:
    site = dist(tmp_path, "acme_hooks.missing")
    recording = write_recording(tmp_path)
    result = run(["-m", "pytest_jobhooks", "validate", str(recording)], tmp_path, path=[site])
    message = f"entry point 'batch' (acme_hooks.missing) of {ENTRY_POINT_GROUP} cannot be loaded: ModuleNotFoundError"
    assert (result.returncode, message in result.stderr) == (2, True), result.stderr
    result = run(["-m", "pytest", "-p", "no:cacheprovider", "-q", str(recording)], tmp_path, path=[site])
    assert result.returncode == 4  # a usage error
    assert message in result.stderr


def test_the_plugin_names_the_entry_point_group_without_importing_the_registry() -> None:
    assert plugin_vendors._ENTRY_POINT_GROUP == ENTRY_POINT_GROUP
