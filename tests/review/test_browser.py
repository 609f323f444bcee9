"""The review UI in a real headless Chromium (Debian's package, driven by Playwright):
log in, open a call, play the recording from a turn, edit a field, approve."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from voicebot.crm.models import Call, ConfigStatus, StoreConfig

from .conftest import REVIEWER

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser_page():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        yield page
        browser.close()


def test_review_a_call_in_chromium(live_server, browser_page, db, recorded_call):
    page = browser_page
    media_statuses: list[int] = []
    page.on(
        "response",
        lambda r: media_statuses.append(r.status) if r.url.endswith("/recording") else None,
    )

    page.goto(f"{live_server}/review/calls")
    assert "/review/login" in page.url  # pages need a login
    page.fill("input[name=email]", REVIEWER[0])
    page.fill("input[name=password]", REVIEWER[1])
    page.click("button[type=submit]")
    page.wait_for_selector("#calls")

    page.click("#calls tbody a >> nth=0")
    page.wait_for_selector("#transcript")
    assert page.locator("#outcome").inner_text() == "completed"
    # Low-confidence words are marked, confident ones are not.
    assert page.locator(".word.low", has_text="doniczkowe").count() == 1
    assert page.locator(".word:not(.low)", has_text="Basi").count() == 1

    # Play from the fourth turn: the player seeks there and that turn lights up.
    turn = page.locator("#turn-3")
    start = float(turn.get_attribute("data-start"))
    wait_for_js(page, "document.getElementById('player').readyState >= 1")
    turn.click()
    wait_for_js(
        page,
        "(() => { const p = document.getElementById('player');"
        f" return !p.paused && p.currentTime > {start + 0.2}; }})()",
        timeout=15,
    )
    page.wait_for_selector("#turn-3.playing", timeout=5000)
    duration = page.evaluate("document.getElementById('player').duration")
    assert duration == pytest.approx(recorded_call_duration(recorded_call.recording), abs=0.1)
    page.screenshot(path=str(SCREENSHOTS / "call-playing.png"), full_page=False)
    page.evaluate("document.getElementById('player').pause()")
    assert 206 in media_statuses  # the audio element fetched byte ranges

    # Correct the tax id, then approve.
    page.fill("#field-tax_id input[name=value]", "5260001246 (checked)")
    page.click("#field-tax_id button[type=submit]")
    page.wait_for_selector(".flash-ok")
    assert page.input_value("#field-tax_id input[name=value]") == "5260001246 (checked)"
    page.click("#approve")
    page.wait_for_selector("#config-status.status-approved")
    assert "approved" in page.locator("#audit").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "call-approved.png"), full_page=True)

    with db.session() as s:
        config = s.scalar(select(StoreConfig))
        assert config.status is ConfigStatus.APPROVED
        assert config.as_dict()["tax_id"] == "5260001246 (checked)"

    page.goto(f"{live_server}/review/")
    page.wait_for_selector("svg.chart")
    # "today" is the staff's day (web.display_timezone): the call, started an hour ago, is
    # yesterday's between midnight and one in Warsaw
    warsaw = ZoneInfo("Europe/Warsaw")
    with db.session() as s:
        started = s.get(Call, recorded_call.call_id).started_at
    today = started.astimezone(warsaw).date() == datetime.now(warsaw).date()
    assert page.locator("[data-figure=calls-today]").inner_text() == str(int(today))
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)


def wait_for_js(page, expression: str, timeout: float = 30) -> None:
    """Poll from the test side: Playwright's wait_for_function evaluates its predicate with
    eval inside the page, which the review pages' Content-Security-Policy rightly forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true in {timeout} s: {expression}"
        time.sleep(0.05)


def recorded_call_duration(path: Path) -> float:
    import wave

    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()
