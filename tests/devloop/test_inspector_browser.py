"""The live inspector in a real browser: Debian's Chromium, headless, driven by selenium.

One browser for the module. Skipped, saying why, where Chromium or its driver
is not installed (``apt-get install -y chromium chromium-driver``; ``.ci/run``
installs them). The last test saves the screenshot the README shows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_jobhooks import CaptureServer, deliver_all, lifecycle
from pytest_jobhooks.devloop.forward import Forwarder

from ._loop import App, start_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "inspector.png"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="no Chromium: apt-get install -y chromium chromium-driver (as .ci/run does) to test the inspector",
)

if TYPE_CHECKING := False:
    from selenium.webdriver.remote.webdriver import WebDriver


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="jobhooks-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    yield from start_app()


@pytest.fixture(scope="module")
def server(app: App) -> Iterator[CaptureServer]:
    # What listen --forward-to sets up, in process: the app answers, the replay button forwards again.
    forwarder = Forwarder(app.url)
    with CaptureServer(reject_status=None) as capture:
        capture.answer_with(forwarder)
        capture.inspector.replay = forwarder.replay
        yield capture


def wait(browser: WebDriver, condition: object, timeout: float = 10.0) -> object:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(condition)  # type: ignore[arg-type]


def test_the_inspector_shows_deliveries_live_expands_them_marks_redeliveries_and_replays(
    browser: WebDriver, server: CaptureServer, app: App, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.inspector_url)
    assert browser.find_elements(By.CSS_SELECTOR, "tr.row") == []

    # Sent after the page loaded: the rows appear without a reload.
    job = lifecycle("telmai", seed=5, job_id="job-browser-1")
    report = deliver_all(job, server.url_for("/hooks/telmai"), duplicates=1.0, seed=5)
    sent = len(report.attempts)
    deliver_all(lifecycle("gofetch", seed=2), server.url_for("/hooks/gofetch"), seed=2)
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "tr.row")) >= sent + 2)
    assert browser.execute_script("return performance.getEntriesByType('navigation').length") == 1

    # A row expands to its body, pretty JSON.
    first = browser.find_element(By.CSS_SELECTOR, 'tr.row[data-job="job-browser-1"]')
    details = browser.find_element(By.CSS_SELECTOR, f'tr.details[data-for="{first.get_attribute("data-id")}"]')
    assert not details.is_displayed()
    first.click()
    assert details.is_displayed()
    body = details.find_element(By.CSS_SELECTOR, "pre.body").text
    assert '"job-browser-1"' in body
    assert "\n" in body

    # The job's timeline marks the redeliveries.
    timeline = browser.find_element(By.CSS_SELECTOR, 'svg.timeline[data-job="job-browser-1"]')
    assert timeline.find_elements(By.CSS_SELECTOR, ".tl-redelivery")

    # The filter by vendor keeps GoFetch's rows only.
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, "f-vendor")).select_by_value("gofetch")
    visible = [row for row in browser.find_elements(By.CSS_SELECTOR, "tr.row") if row.is_displayed()]
    assert [row.get_attribute("data-vendor") for row in visible] == ["gofetch", "gofetch"]
    Select(browser.find_element(By.ID, "f-vendor")).select_by_value("")
    if not details.is_displayed():  # filtering it out closed it
        first.click()

    # The replay button reaches the forward target.
    arrived = len(app.received)
    details.find_element(By.CSS_SELECTOR, "button.replay").click()
    note = details.find_element(By.CSS_SELECTOR, ".replayed")
    wait(browser, lambda b: "app 200" in note.text)
    assert len(app.received) == arrived + 1
    replayed = server.deliveries[int(first.get_attribute("data-id") or 0) - 1]
    assert app.received[-1].body == replayed.body
    assert [r.body for r in app.received[:3]] == [d.body for d in server.deliveries[:3]]
    assert [d.path for d in server.deliveries if d.path.startswith(("/_jobhooks", "/favicon"))] == []

    # README's picture is refreshed on request (JOBHOOKS_SCREENSHOT=1), so a test run leaves the tree clean.
    shot = SCREENSHOT if os.environ.get("JOBHOOKS_SCREENSHOT") else tmp_path / "inspector.png"
    shot.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
