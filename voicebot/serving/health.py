"""/healthz says the process answers (liveness); /readyz says it should be given calls: the
database answers, its schema is current, the models are loaded and it is not draining."""

from __future__ import annotations

import contextlib
from pathlib import Path

from flask import Blueprint, Flask, current_app
from sqlalchemy import text

from voicebot.crm.db import Database

bp = Blueprint("health", __name__)


_heads: dict[str, str | None] = {}


def _head_revision(db: Database) -> str | None:
    """The newest migration (the scripts do not change while we run: read once)."""
    if db.url not in _heads:
        _heads[db.url] = db.head_revision()
    return _heads[db.url]


def missing_sqlite_file(db: Database) -> Path | None:
    """The file of a SQLite database that does not exist (connecting would create it
    empty), or None: another database, in memory, or the file is there."""
    url = db.engine.url
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return None
    path = Path(name)
    return None if path.exists() else path.resolve()


def database_problem(db: Database) -> str | None:
    """Why this database cannot serve calls, or None when it can. Never creates a SQLite
    file that is not there."""
    missing = missing_sqlite_file(db)
    if missing is not None:
        return (
            f"the database file {missing} does not exist: check database.url,"
            " or create it with `voicebot db upgrade`"
        )
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = db.current_revision(), _head_revision(db)
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"the database does not answer ({reason})"
    if current is None:
        return "the database has no schema: run `voicebot db upgrade`"
    if current != head:
        return f"the database schema is at {current}, not {head}: run `voicebot db upgrade`"
    return None


def readiness_problems(app: Flask) -> list[str]:
    problems = []
    registry = app.extensions.get("voicebot_calls")
    if registry is not None and registry.draining:
        problems.append("draining: shutting down, no new calls")
    problem = database_problem(app.config["VOICEBOT_DB"])
    if problem:
        problems.append(problem)
    if registry is not None and not registry.services.loaded:
        problems.append("models not loaded yet")
    return problems


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, object], int]:
    problems = readiness_problems(current_app._get_current_object())  # type: ignore[attr-defined]
    if problems:
        return {"status": "not ready", "problems": problems}, 503
    return {"status": "ready"}, 200


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    # read the migration scripts now, not on the load balancer's first probe (/readyz
    # reports any problem)
    with contextlib.suppress(Exception):
        _head_revision(app.config["VOICEBOT_DB"])
