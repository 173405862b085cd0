"""``python -m pytest_jobhooks``: the validate command (exit codes, text and JSON output, stdin) and schemas."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pytest_jobhooks.cli import main
from pytest_jobhooks.vendors import VENDORS

TELMAI = dict(VENDORS["telmai"].examples["FINISHED.doc"])
GOFETCH = dict(VENDORS["gofetch"].examples["fetcher_approaching_dropoff.doc"])


def write(path: Path, *payloads: object) -> Path:
    path.write_text("".join((p if isinstance(p, str) else json.dumps(p)) + "\n" for p in payloads))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    status = main(["validate", *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_valid_recordings_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "a.jsonl", TELMAI, GOFETCH)
    b = tmp_path / "b.json"
    b.write_text(json.dumps([TELMAI], indent=2))
    status, out, err = run(capsys, str(a), str(b))
    assert status == 0
    assert not err
    assert out == [
        f"{a}: 2 payloads: 2 valid, 0 drift, 0 invalid",
        f"{b}: 1 payload: 1 valid, 0 drift, 0 invalid",
        "2 recordings, 3 payloads: 3 valid, 0 drift, 0 invalid",
    ]


def test_invalid_payloads_exit_1_listing_every_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "a.jsonl", TELMAI, *([{**TELMAI, "jobId": ""}] * 60))
    status, out, _ = run(capsys, str(path))
    assert status == 1
    assert out[0] == f"{path}:2: telmai: $.jobId: '' should be non-empty"
    assert len([line for line in out if "should be non-empty" in line]) == 60
    assert out[-2:] == [
        f"{path}: 61 payloads: 1 valid, 0 drift, 60 invalid",
        "1 recording, 61 payloads: 1 valid, 0 drift, 60 invalid",
    ]


def test_drift_passes_unless_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "a.jsonl", {**GOFETCH, "job_status": "picked_up"})
    status, out, _ = run(capsys, str(path))
    assert status == 0
    assert out[-2:] == [
        "drift: fields and values the vendor docs do not mention (not failing without --strict):",
        f"  gofetch: undocumented value $.job_status = 'picked_up': 1 payload, first at {path}:1",
    ]
    status, out, _ = run(capsys, str(path), "--strict")
    assert status == 1
    assert out[0] == f"{path}:1: gofetch: $.job_status: undocumented value 'picked_up' (drift)"


def test_vendor_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "a.jsonl", TELMAI)
    assert run(capsys, str(path), "--vendor", "telmai")[0] == 0
    status, out, _ = run(capsys, str(path), "--vendor", "gofetch")
    assert status == 1
    assert out[0].startswith(f"{path}:1: gofetch: $: 'job_id' is a required property")


def test_unknown_vendor_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, str(write(tmp_path / "a.jsonl", TELMAI)), "--vendor", "nope")
    assert (status, out) == (2, [])
    assert err == f"error: --vendor: unknown vendor 'nope'; known vendors: {', '.join(sorted(VENDORS))}\n"


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["validate"], ["validate", "x", "--format", "xml"]):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_unreadable_file_exits_2_after_checking_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path / "a.jsonl", {**TELMAI, "jobId": ""})
    status, out, err = run(capsys, str(tmp_path / "missing.jsonl"), str(good), str(tmp_path))
    assert status == 2
    assert err.splitlines() == [
        f"error: {tmp_path / 'missing.jsonl'}: cannot read: No such file or directory (FileNotFoundError)",
        f"error: {tmp_path}: cannot read: a folder holding no recordings (*.jobhooks.jsonl, *.jobhooks.json)",
    ]
    assert f"{good}: 1 payload: 0 valid, 0 drift, 1 invalid" in out


def test_a_folder_checks_every_recording_in_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "gw1").mkdir()
    first = write(tmp_path / "gw0.jobhooks.jsonl", TELMAI)
    second = write(tmp_path / "gw1" / "more.jobhooks.json", {**TELMAI, "jobId": ""})
    write(tmp_path / "notes.jsonl", "not a recording: not checked")
    status, out, _ = run(capsys, str(tmp_path))
    assert status == 1
    assert out[:4] == [
        f"{first}: 1 payload: 1 valid, 0 drift, 0 invalid",  # in path order, subfolders too
        f"{second}:1: telmai: $.jobId: '' should be non-empty",
        f"{second}: 1 payload: 0 valid, 0 drift, 1 invalid",
        "2 recordings, 2 payloads: 1 valid, 0 drift, 1 invalid",
    ]


def test_stdin_and_json_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = "\n".join(json.dumps(p) for p in (TELMAI, {**GOFETCH, "job_status": "picked_up", "x": 1}, "nope")) + "\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    status, out, _ = run(capsys, "-", "--format", "json")
    assert status == 1
    records = [json.loads(line) for line in out]
    assert [r["type"] for r in records] == ["line", "file", "summary"]
    assert records[0] == {
        "type": "line",
        "source": "<stdin>",
        "line": 3,
        "vendor": None,
        "outcome": "invalid",
        "problems": [{"path": "$", "message": "expected a JSON object, got a string"}],
        "drift": [],
    }
    assert records[1]["drifted"] == 1
    assert records[1]["invalid"] == 1
    assert records[2]["exit"] == 1
    assert [(d["kind"], d["path"]) for d in records[2]["drift"]] == [("field", "$.x"), ("value", "$.job_status")]


def test_module_entry_point_reads_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_jobhooks", "validate", "-"],
        input=json.dumps(GOFETCH) + "\n\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "<stdin>: 1 payload: 1 valid, 0 drift, 0 invalid"


def test_schemas_command_still_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "--dir", str(tmp_path)]) == 0
    assert f"written: {tmp_path / 'telmai.schema.json'}" in capsys.readouterr().out
    assert main(["schemas", "--check", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_at_once_and_read_as_a_stream_through_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14, defect 15: ``validate FIFO`` blocked for ever in open() when no writer came."""
    fifo = tmp_path / "live.jsonl"
    os.mkfifo(fifo)
    got: list[int] = []
    worker = threading.Thread(target=lambda: got.append(main(["validate", str(fifo)])), daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # blocked opening the FIFO: a writer that comes and goes lets it return
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=5)
    assert got == [2]
    _, err = capsys.readouterr()
    assert f"error: {fifo}: cannot read: a FIFO, not a regular file" in err
    assert 'pipe it to standard input ("-")' in err

    # The way to check a stream: the FIFO as standard input, fed by a writer thread while it is read.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # returns at once, so the writer's open does too
    writer = os.open(fifo, os.O_WRONLY)
    os.set_blocking(reader, True)

    def feed() -> None:
        with os.fdopen(writer, "wb") as stream:
            for payload in (TELMAI, GOFETCH):
                stream.write(json.dumps(payload).encode() + b"\n")
                stream.flush()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    with os.fdopen(reader, "rb") as stream:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(stream))
        status, out, _ = run(capsys, "-")
    feeder.join(timeout=5)
    assert status == 0
    assert out[0] == "<stdin>: 2 payloads: 2 valid, 0 drift, 0 invalid"
