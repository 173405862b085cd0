"""The built wheel works on its own: schemas inside it, the pytest entry point registered.

The wheel is installed into a fresh virtual environment that sees this
environment's third-party packages (pydantic, pytest, ...) but not the source tree.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECK = textwrap.dedent(
    """
    import json, sys
    from importlib.metadata import entry_points
    import pytest_jobhooks as jh
    print(json.dumps({
        "module": jh.__file__,
        "schema": str(jh.schema_path("tamr")),
        "title": jh.load_schema("telmai")["title"],
        "state": jh.job_state("gofetch", "job_id=b1&job_status=delivered").unified,
        "entry_points": [ep.value for ep in entry_points(group="pytest11") if ep.name == "jobhooks"],
    }))
    """
)


def run(*args: object) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    # No build isolation: hatchling comes from the test extra, so no download is needed here.
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", dist, ROOT)
    [wheel] = dist.glob("pytest_jobhooks-*.whl")
    env = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", env)
    python = env / "bin" / "python"
    run(*pip, "--python", python, "install", "--no-deps", wheel)
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    # Third-party dependencies come from this environment; a plain path line adds no .pth hooks,
    # so the editable install of the source tree stays invisible.
    (Path(site) / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


def test_installed_wheel_finds_its_schemas_without_the_source_tree(venv: Path, tmp_path: Path) -> None:
    out = subprocess.run(
        [venv / "bin" / "python", "-c", CHECK], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    facts = json.loads(out)
    assert facts["module"].startswith(str(venv))
    assert facts["schema"].startswith(str(venv))
    assert facts["schema"].endswith("pytest_jobhooks/schemas/tamr.schema.json")
    assert facts["title"] == "Telmai job status notification"
    assert facts["state"] == "succeeded"
    assert facts["entry_points"] == ["pytest_jobhooks.plugin"]


def test_installed_wheel_registers_the_pytest_plugin(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "test_demo.py").write_text(
        "import pytest_jobhooks as jh\n\n"
        "def test_demo(request):\n"
        "    assert request.config.pluginmanager.has_plugin('jobhooks')\n"
        f"    assert jh.__file__.startswith({str(venv)!r})\n"
    )
    result = subprocess.run(
        [venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_demo.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
