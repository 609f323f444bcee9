"""Fixtures for the export API: an app on a real SQLite or PostgreSQL database, tokens
created through the CRM, and a live server on a loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fixtures.settings import with_overrides
from werkzeug.serving import make_server

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.tokens import create_token


def make_app(settings: Settings, db: Database):
    from voicebot.app import create_app

    app = create_app(settings, db)
    app.config["TESTING"] = True
    return app


def token_for(db: Database, *scopes: str) -> str:
    with db.session() as s:
        _, plain = create_token(s, "test", list(scopes))
    return plain


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return with_overrides(settings, api={"rate_limit_per_minute": 10_000})


@pytest.fixture
def client(api_settings: Settings, any_db: Database):
    return make_app(api_settings, any_db).test_client()


@pytest.fixture
def live_url(api_settings: Settings, db: Database) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, make_app(api_settings, db), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
