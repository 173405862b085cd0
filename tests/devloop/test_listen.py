"""End to end: ``listen --forward-to --record`` in front of a Flask app, ``trigger`` for every vendor, ``replay``.

Every command runs as a real subprocess; the app is served by werkzeug on
127.0.0.1. Output lines are waited for, never slept on.
"""

from __future__ import annotations

import json
import re
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_jobhooks import VENDORS, build, read_records
from pytest_jobhooks.cli import main
from pytest_jobhooks.recordings import RecordedDelivery
from pytest_jobhooks.signing import new_secret

from ._loop import App, Running, run, start_app

SECRET = new_secret()
SIGNING_HEADERS = ("svix-id", "svix-timestamp", "svix-signature", "webhook-id", "webhook-signature", "content-type")


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    yield from start_app()


@pytest.fixture
def listening(app: App, tmp_path: Path) -> Iterator[tuple[Running, str]]:
    app.reset()
    command = Running("listen", "--forward-to", app.url, "--record", str(tmp_path), "--secret", SECRET)
    try:
        line = command.wait_for_line("listening on")
        yield command, re.search(r"listening on\s+(\S+)", line).group(1)  # type: ignore[union-attr]
    finally:
        command.stop()


def interrupt(command: Running) -> int:
    command.process.send_signal(signal.SIGINT)
    return command.finish()


def recorded(directory: Path) -> list[RecordedDelivery]:
    records = [record for _, record in read_records(directory / "listen.jobhooks.jsonl")]
    assert all(isinstance(record, RecordedDelivery) for record in records)
    return records  # type: ignore[return-value]


def test_every_vendor_through_listen_reaches_the_app_byte_for_byte(
    app: App, listening: tuple[Running, str], tmp_path: Path
) -> None:
    command, url = listening
    attempts = {}
    for seed, vendor in enumerate(VENDORS, start=1):
        # A query string of our own, but not on GoFetch's GET (its query is the payload; more would be drift).
        query = "" if vendor == "gofetch" else "?via=listen"
        result = run("trigger", vendor, "--to", f"{url}/hooks/{vendor}{query}", "--seed", str(seed),
                     "--secret", SECRET, "--duplicates", "0.3")  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        attempts[vendor] = len(re.findall(r"attempt \d+ ", result.stdout))
        assert attempts[vendor] >= 1
    total = sum(attempts.values())
    for _ in range(total):
        command.wait_for_line(" -> 200  app 200 in ")
    assert interrupt(command) == 0

    # What the app got is what listen received, in order, byte for byte.
    records = recorded(tmp_path)
    assert len(app.received) == len(records) == total
    for got, record in zip(app.received, records, strict=True):
        sent = record.request
        assert (got.method, got.body) == (sent.method, sent.body)
        assert got.target == sent.target
        headers = {name.lower(): value for name, value in got.headers}
        for name in SIGNING_HEADERS:
            assert headers.get(name) == sent.headers.get(name)
    assert {record.vendor for record in records} == set(VENDORS)

    # One line per delivery, a summary per vendor that matches.
    delivery_lines = [line for line in command.lines if " app 200 in " in line]
    assert len(delivery_lines) == total
    assert not [line for line in delivery_lines if "signature invalid" in line or "signature missing" in line]
    summary = [line for line in command.lines if line.startswith("  ")]
    expected = [f"  {v}: {n} deliveries, 1 job(s), 0 invalid, 0 drift, 0 illegal move(s)" for v, n in attempts.items()]
    assert sorted(summary) == sorted(expected)
    assert f"stopped: {total} deliveries" in command.lines

    validated = run("validate", str(tmp_path / "listen.jobhooks.jsonl"))
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_an_app_500_reaches_the_sender_and_drives_a_retry_then_replay(
    app: App, listening: tuple[Running, str], tmp_path: Path
) -> None:
    command, url = listening
    app.reset(fail=1)
    result = run("trigger", "tensorlake", "--to", f"{url}/hooks/tl", "--seed", "7", "--secret", SECRET)
    assert result.returncode == 0, result.stdout
    first, second = [line for line in result.stdout.splitlines() if line.startswith("#0 ")]
    assert "attempt 1" in first
    assert "-> 500" in first
    assert "attempt 2" in second
    assert "-> 200" in second
    command.wait_for_line("-> 500  app 500 in ")
    sent = len(app.received)
    for _ in range(sent - 1):
        command.wait_for_line("app 200 in")
    # The retry is the same delivery again; Svix sends the later messages meanwhile (no ordering between them).
    bodies = [got.body for got in app.received]
    assert bodies.count(bodies[0]) == 2
    assert bodies[1] != bodies[0]
    assert interrupt(command) == 0
    assert "redelivery of #1 (same message id)" in "\n".join(command.lines)

    # Replay the recording straight at the app: the same bodies arrive again, freshly signed.
    before = [got.body for got in app.received]
    replayed = run("replay", str(tmp_path / "listen.jobhooks.jsonl"), "--to", app.url, "--secret", SECRET)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert [got.body for got in app.received[sent:]] == before
    assert len(re.findall(r"^line \d+ ", replayed.stdout, re.M)) == sent


def test_replay_fails_with_1_when_the_app_refuses(app: App, tmp_path: Path) -> None:
    recording = tmp_path / "one.jsonl"
    recording.write_text(json.dumps(build("telmai", seed=1)) + "\n")
    app.reset(fail=1)
    replayed = run("replay", str(recording), "--to", app.url)
    assert replayed.returncode == 1, replayed.stdout
    assert "-> 500" in replayed.stdout
    assert "1 of 1 not delivered" in replayed.stdout


def test_listen_answers_respond_status_and_checks_each_vendor_with_its_secret() -> None:
    other = new_secret()
    command = Running("listen", "--respond", "202", "--secret", f"tensorlake={SECRET}")
    try:
        url = re.search(r"listening on\s+(\S+)", command.wait_for_line("listening on")).group(1)  # type: ignore[union-attr]
        # trigger in process this time (the command's own code; only listen needs a process of its own)
        assert main(["trigger", "tensorlake", "--to", url, "--seed", "1", "--secret", SECRET]) == 0
        line = command.wait_for_line("tensorlake")
        assert "signature valid" in line
        assert "-> 202" in line
        main(["trigger", "tensorlake", "--to", url, "--seed", "2", "--secret", other])
        while "signature invalid" not in (line := command.wait_for_line("tensorlake")):
            assert "signature valid" in line  # the rest of the first job
        assert interrupt(command) == 0
    finally:
        command.stop()


def test_trigger_exits_1_when_a_delivery_never_gets_a_2xx(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as unused:  # a port nobody listens on: every attempt is refused
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert main(["trigger", "telmai", "--to", f"http://127.0.0.1:{port}/hooks", "--seed", "1"]) == 1
    out = capsys.readouterr().out
    assert "no answer" in out
    assert "not delivered" in out


@pytest.mark.parametrize(
    "args",
    [
        ["listen", "--port", "http"],
        ["listen", "--forward-to", "localhost:3000"],
        ["listen", "--secret", "nope"],
        ["listen", "--secret", "acme=whsec_aGVsbG8="],
        ["listen", "--respond", "99"],
        ["trigger", "acme", "--to", "http://127.0.0.1:9"],
        ["trigger", "telmai"],
        ["trigger", "telmai", "--to", "http://127.0.0.1:9", "--duplicates", "2"],
        ["replay", "x.jsonl"],
    ],
)
def test_bad_arguments_are_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:  # in process: argparse's usage error, as the command line gets it
        main(args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err
    assert "error:" in err
