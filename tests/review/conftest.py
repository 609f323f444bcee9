"""Fixtures for the review UI: staff accounts and fixture calls with real recordings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures.review.builder import FixtureCall, build_call
from fixtures.settings import with_overrides

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.models import StaffRole
from voicebot.crm.staff import add_staff

REVIEWER = ("rita@example.com", "correct horse battery")
ADMIN = ("adam@example.com", "admin staple battery")


@pytest.fixture
def recordings_dir(settings: Settings) -> Path:
    return settings.call.recordings_dir


@pytest.fixture
def staff(db: Database) -> None:
    with db.session() as session:
        add_staff(session, *REVIEWER, role=StaffRole.REVIEWER, name="Rita Reviewer")
        add_staff(session, *ADMIN, role=StaffRole.ADMIN, name="Adam Admin")


@pytest.fixture
def recorded_call(db: Database, recordings_dir: Path) -> FixtureCall:
    return build_call(db, recordings_dir)


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    # Plain http on loopback in tests, so the session cookie cannot be Secure here.
    return with_overrides(
        settings,
        web={
            "session_cookie_secure": False,
            "login_free_failures_per_account": 3,
            "login_free_failures_per_address": 5,
            "login_first_wait_s": 30.0,
        },
    )


@pytest.fixture
def app(web_settings: Settings, db: Database, staff: None):
    from voicebot.app import create_app

    application = create_app(web_settings, db)
    application.config["TESTING"] = True
    return application


CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def login(client, email: str, password: str):
    page = client.get("/review/login")
    return client.post(
        "/review/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
    )
