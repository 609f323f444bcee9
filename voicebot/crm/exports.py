"""Queries behind the export API: store configurations with keyset (cursor) pagination
over their last change, streamed batches for CSV/NDJSON exports, and calls with turns."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from voicebot.crm.models import (
    Call,
    ConfigField,
    ConfigStatus,
    Merchant,
    StoreConfig,
    UTCDateTime,
)
from voicebot.crm.store_configs import config_snapshot
from voicebot.integers import MAX_ID, parse_int


class InvalidCursor(ValueError):
    """A cursor that this API did not hand out."""


# A configuration changes when its row changes or when any of its fields does.
_fields_changed = (
    select(func.max(ConfigField.updated_at))
    .where(ConfigField.store_config_id == StoreConfig.id)
    .scalar_subquery()
)
changed_at = type_coerce(
    case(
        (_fields_changed > StoreConfig.updated_at, _fields_changed),
        else_=StoreConfig.updated_at,
    ),
    UTCDateTime(),
)


def encode_cursor(changed_at: datetime, row_id: int) -> str:
    raw = f"{changed_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, row_id = raw.split("|")
        at = datetime.fromisoformat(stamp)
        if at.tzinfo is None:
            raise ValueError("naive")
        # 9999-12-31T23:59:59-14:00 parses but lies past datetime.max once in UTC
        at = at.astimezone(UTC)
        # the one integer parser: ASCII digits within a database id (PostgreSQL INTEGER)
        return at, parse_int(row_id, name="cursor", maximum=MAX_ID)
    except (ValueError, OverflowError, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor is not one this API handed out") from exc


@dataclass(frozen=True)
class ConfigQuery:
    status: ConfigStatus | None = None
    updated_since: datetime | None = None


def _configs(query: ConfigQuery) -> Select[StoreConfig, str, datetime]:
    stmt = (
        select(StoreConfig, Merchant.external_id, changed_at.label("changed_at"))
        .join(Merchant, StoreConfig.merchant_id == Merchant.id)
        .options(selectinload(StoreConfig.fields))
    )
    if query.status is not None:
        stmt = stmt.where(StoreConfig.status == query.status)
    if query.updated_since is not None:
        stmt = stmt.where(changed_at >= query.updated_since)
    return stmt.order_by(changed_at, StoreConfig.id)


def config_document(config: StoreConfig, external_id: str, changed_at: datetime) -> dict[str, Any]:
    document = config_snapshot(config)
    document.update(id=config.id, external_id=external_id, updated_at=changed_at.isoformat())
    return document


def list_configs(
    session: Session, query: ConfigQuery, *, limit: int, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of configurations, oldest change first, and the cursor of the next page."""
    stmt = _configs(query)
    if cursor is not None:  # an empty cursor was not handed out either
        at, row_id = decode_cursor(cursor)
        stmt = stmt.where(or_(changed_at > at, and_(changed_at == at, StoreConfig.id > row_id)))
    rows = session.execute(stmt.limit(limit + 1)).all()
    page = [config_document(c, ext, at) for c, ext, at in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last_config, _, last_at = rows[limit - 1]
        next_cursor = encode_cursor(last_at, last_config.id)
    return page, next_cursor


def iter_configs(session: Session, query: ConfigQuery, *, batch: int = 200) -> Iterator[dict]:
    """Every matching configuration, fetched in keyset batches so memory stays flat."""
    cursor = None
    while True:
        page, cursor = list_configs(session, query, limit=batch, cursor=cursor)
        yield from page
        session.expunge_all()
        if cursor is None:
            return


def field_names(session: Session, query: ConfigQuery) -> list[str]:
    ids = _configs(query).with_only_columns(StoreConfig.id).order_by(None).subquery()
    return list(
        session.scalars(
            select(ConfigField.name)
            .where(ConfigField.store_config_id.in_(select(ids.c.id)))
            .distinct()
            .order_by(ConfigField.name)
        )
    )


def get_config_document(session: Session, config_id: int) -> dict[str, Any] | None:
    row = session.execute(
        _configs(ConfigQuery()).where(StoreConfig.id == config_id).order_by(None)
    ).first()
    return config_document(*row) if row else None


def call_document(call: Call, *, with_turns: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": call.id,
        "merchant_id": call.merchant_id,
        "external_id": call.merchant.external_id,
        "status": call.status.value,
        "outcome": call.outcome.value if call.outcome else None,
        "language": call.language,
        "attempt": call.attempt,
        "started_at": _iso(call.started_at),
        "ended_at": _iso(call.ended_at),
        "duration_s": call.duration_s,
        "needs_review": call.needs_review,
        "has_recording": bool(call.recording_path),
    }
    if with_turns:
        document["turns"] = [
            {
                "index": t.index,
                "speaker": t.speaker.value,
                "text": t.text,
                "asr_confidence": t.asr_confidence,
                "intent": t.intent,
                "start_ms": t.start_ms,
                "end_ms": t.end_ms,
                "interrupted": t.interrupted,
            }
            for t in call.turns
        ]
    return document


def list_calls_after(
    session: Session, *, external_id: str | None, after_id: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    stmt = (
        select(Call)
        .join(Merchant, Call.merchant_id == Merchant.id)
        .where(Call.id > after_id)
        .options(selectinload(Call.merchant))
        .order_by(Call.id)
        .limit(limit + 1)
    )
    if external_id is not None:
        stmt = stmt.where(Merchant.external_id == external_id)
    calls = list(session.scalars(stmt))
    page = [call_document(c, with_turns=False) for c in calls[:limit]]
    return page, calls[limit - 1].id if len(calls) > limit else None


def get_call_document(session: Session, call_id: int) -> dict[str, Any] | None:
    call = session.scalar(
        select(Call)
        .where(Call.id == call_id)
        .options(selectinload(Call.turns), selectinload(Call.merchant))
    )
    return call_document(call, with_turns=True) if call else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
