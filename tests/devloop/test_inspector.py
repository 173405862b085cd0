"""The inspector's pages without a browser: what it serves, that it records nothing, the marks it draws."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from pytest_jobhooks import CaptureServer, build, deliver, lifecycle
from pytest_jobhooks.deliveries import Delivery


def test_inspector_requests_are_not_deliveries(jobhooks_server: CaptureServer) -> None:
    page = httpx.get(jobhooks_server.inspector_url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/_jobhooks/static/inspector.js" in page.text
    assert 'id="download"' not in page.text  # no recording to offer
    assert 'data-replay="off"' in page.text  # no forward target: no replay button
    script = httpx.get(jobhooks_server.url_for("/_jobhooks/static/inspector.js"))
    assert script.status_code == 200
    assert "poll" in script.text
    assert httpx.post(jobhooks_server.url_for("/_jobhooks/api/replay/1")).status_code == 404
    assert httpx.get(jobhooks_server.url_for("/_jobhooks/nothing")).status_code == 404
    assert jobhooks_server.deliveries == []


def test_new_rows_come_after_the_count_the_page_has(jobhooks_server: CaptureServer) -> None:
    def rows(after: int) -> dict[str, object]:
        return httpx.get(jobhooks_server.url_for(f"/_jobhooks/api/rows?after={after}")).json()  # type: ignore[no-any-return]

    # Rows are numbered by arrival since the server started (earlier tests' deliveries count too).
    deliver(build("telmai", status="PREPARING", seed=1), jobhooks_server)
    first = rows(0)
    assert first["rows"].count('<tr class="row ') == 1  # type: ignore[union-attr]
    number = first["after"]
    assert isinstance(number, int)
    deliver(build("telmai", status="IN_PROGRESS", seed=1), jobhooks_server)
    second = rows(number)
    assert (second["after"], second["rows"].count('<tr class="row ')) == (number + 1, 1)  # type: ignore[union-attr]
    assert f'data-id="{number + 1}"' in second["rows"]  # type: ignore[operator]
    assert "<svg" in second["timelines"]  # type: ignore[operator]
    nothing = rows(number + 1)
    assert (nothing["rows"], nothing["timelines"]) == ("", None)


def test_illegal_moves_and_redeliveries_are_marked_on_the_timeline(jobhooks_server: CaptureServer) -> None:
    job = lifecycle("tamr", seed=2, job_id="j-illegal")
    for payload in [job[0], job[0], job[-1], job[0]]:  # a repeat, the end, then the start again
        deliver(payload, jobhooks_server)
    page = httpx.get(jobhooks_server.inspector_url).text
    assert page.count('class="tl-point tl-redelivery"') == 1
    assert page.count('class="tl-point tl-illegal"') == 1
    assert "arrived after the terminal state" in page


def test_the_replay_button_calls_back_and_the_recording_downloads(tmp_path: Path) -> None:
    replayed: list[Delivery] = []
    recording = tmp_path / "r.jsonl"
    recording.write_text('{"a": 1}\n')
    with CaptureServer(secret=None) as server:
        server.inspector.replay = lambda delivery: replayed.append(delivery) or "sent again"
        server.inspector.recording = recording
        deliver(build("gofetch", seed=1), server)
        page = httpx.get(server.inspector_url).text
        assert 'button class="replay"' in page
        assert 'href="/_jobhooks/recording"' in page
        answer = httpx.post(server.url_for("/_jobhooks/api/replay/1"))
        assert answer.json() == {"ok": True, "message": "sent again"}
        assert replayed == server.deliveries
        download = httpx.get(server.url_for("/_jobhooks/recording"))
        assert download.content == b'{"a": 1}\n'
        assert "attachment" in download.headers["content-disposition"]
        assert json.loads(httpx.get(server.url_for("/_jobhooks/api/rows")).text)["count"] == 1
