"""Rows written by the bulk path are stored exactly as the ORM stores them, on SQLite and
PostgreSQL: same text for datetimes and JSON, same defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from voicebot.crm.db import Database
from voicebot.crm.importer import import_merchants
from voicebot.crm.merchants import normalise_merchant, upsert_merchant

RECORD = {
    "company_name": "Moda Sp. z o.o.",
    "contact_name": "Anna Nowak",
    "phone": "601 234 567",
    "email": "anna@moda.pl",
    "consent_source": "signup",
    "consent_at": "2026-11-20T10:02:00.5+01:00",
    "store_name": "Moda Plus",
}
SKIPPED = {"id", "external_id", "created_at", "updated_at"}


def raw_rows(db: Database) -> dict[str, dict]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM merchants")).mappings().all()
    return {row["external_id"]: {k: v for k, v in row.items() if k not in SKIPPED} for row in rows}


def test_bulk_import_stores_what_the_orm_stores(any_db: Database, tmp_path: Path) -> None:
    with any_db.session() as s:
        upsert_merchant(s, normalise_merchant({**RECORD, "external_id": "orm"}))
    path = tmp_path / "one.csv"
    header = ["external_id", *RECORD]
    values = ["bulk", *(f'"{v}"' for v in RECORD.values())]
    path.write_text(",".join(header) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    started = datetime.now(UTC)
    assert import_merchants(any_db, path).created == 1
    rows = raw_rows(any_db)
    assert rows["bulk"] == rows["orm"]
    with any_db.session() as s:
        from voicebot.crm.merchants import get_by_external_id

        bulk = get_by_external_id(s, "bulk")
        assert bulk.created_at >= started.replace(microsecond=0) and bulk.updated_at
        assert bulk.signup_data == {"store_name": "Moda Plus", "contact_email": "anna@moda.pl"}
