"""Fixtures for the review UI: staff accounts and fixture calls with real recordings."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.review.builder import FixtureCall, build_call

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
