"""Shared fixtures: settings in a temporary directory and real databases (SQLite and a
throw-away PostgreSQL database on the local server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from voicebot.config import Settings, load_settings
from voicebot.crm.db import Database

PG_ADMIN_URL = os.environ.get(
    "VOICEBOT_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Defaults with every writable path inside the test's own directory."""
    return load_settings(
        environ={
            "VOICEBOT_CONFIG": str(tmp_path / "absent.yml"),
            "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'voicebot.db'}",
            "VOICEBOT_PATHS_DATA_DIR": str(tmp_path / "var"),
            "VOICEBOT_CALL_RECORDINGS_DIR": str(tmp_path / "var" / "recordings"),
            "VOICEBOT_TTS_CACHE_DIR": str(tmp_path / "var" / "tts-cache"),
            "VOICEBOT_TWILIO_AUTH_TOKEN": "test-auth-token-0123456789abcdef",
            "VOICEBOT_WEB_SECRET_KEY": "test-secret-key",
        }
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """A fresh SQLite database brought to the current schema by the migrations."""
    database = Database(settings.database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database, dropped after the test."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"voicebot_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the test command starts PostgreSQL; say so if it is not there
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Database]:
    """The same test against SQLite and against the real PostgreSQL server."""
    if request.param == "sqlite":
        yield request.getfixturevalue("db")
    else:
        yield request.getfixturevalue("pg_db")
