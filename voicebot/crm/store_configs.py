"""Store configurations: one per merchant, a row per collected field, every value kept in
the field's history. Calls, staff and the API all write through `set_field`, so no update
silently overwrites another: a value set by staff is never replaced by a call or the API;
theirs is kept as a proposal in the history and the field is flagged for review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voicebot.crm.events import record_event
from voicebot.crm.models import (
    ConfigField,
    ConfigFieldHistory,
    ConfigStatus,
    FieldSource,
    StoreConfig,
    utcnow,
)


class ConfigStateError(ValueError):
    """The configuration is not in a state that allows this change."""


@dataclass(frozen=True)
class FieldUpdate:
    name: str
    applied: bool  # False when the value was kept as a proposal only
    before: Any
    after: Any


def get_config(session: Session, merchant_id: int) -> StoreConfig | None:
    return session.scalar(select(StoreConfig).where(StoreConfig.merchant_id == merchant_id))


def get_or_create_config(session: Session, merchant_id: int) -> StoreConfig:
    config = get_config(session, merchant_id)
    if config is None:
        config = StoreConfig(merchant_id=merchant_id, status=ConfigStatus.DRAFT, fields=[])
        session.add(config)
        session.flush()
    return config


def _protected(config: StoreConfig, field: ConfigField | None, source: FieldSource) -> bool:
    if source is FieldSource.STAFF:
        return False
    if config.status is ConfigStatus.APPROVED:
        return True
    return field is not None and field.source is FieldSource.STAFF


def set_field(
    session: Session,
    merchant_id: int,
    name: str,
    value: Any,
    *,
    source: FieldSource,
    actor: str | None = None,
    confidence: float | None = None,
    turn_id: int | None = None,
    call_id: int | None = None,
    confirmed: bool = False,
    flagged: bool = False,
) -> FieldUpdate:
    config = get_or_create_config(session, merchant_id)
    field = next((f for f in config.fields if f.name == name), None)
    before = field.value if field is not None else None
    now = utcnow()

    if _protected(config, field, source):
        if field is None:
            field = ConfigField(name=name, value=None, source=source, store_config=config)
            session.add(field)
        field.flagged = True
        field.history.append(
            ConfigFieldHistory(value=value, source=source, actor=actor, call_id=call_id, at=now)
        )
        record_event(
            session,
            "config.field_proposed",
            actor=actor or source.value,
            merchant_id=merchant_id,
            call_id=call_id,
            field=name,
            kept=before,
            proposed=value,
            source=source.value,
        )
        return FieldUpdate(name, applied=False, before=before, after=before)

    if field is None:
        field = ConfigField(name=name, store_config=config)
        session.add(field)
    changed = before != value or field.source is not source
    field.value = value
    field.source = source
    field.confidence = confidence
    field.turn_id = turn_id
    field.confirmed = confirmed
    field.flagged = flagged
    field.updated_by = actor
    field.updated_at = now
    if config.last_call_id is None or call_id is not None:
        config.last_call_id = call_id or config.last_call_id
    if changed:
        field.history.append(
            ConfigFieldHistory(value=value, source=source, actor=actor, call_id=call_id, at=now)
        )
        record_event(
            session,
            "config.field_set",
            actor=actor or source.value,
            merchant_id=merchant_id,
            call_id=call_id,
            field=name,
            before=before,
            after=value,
            source=source.value,
        )
    return FieldUpdate(name, applied=True, before=before, after=value)


def accept_proposal(session: Session, merchant_id: int, name: str, *, actor: str) -> FieldUpdate:
    """Staff take the newest value proposed by a call or the API over their own."""
    config = get_config(session, merchant_id)
    field = next((f for f in config.fields if f.name == name), None) if config else None
    proposal = (
        next((h for h in reversed(field.history) if h.source is not FieldSource.STAFF), None)
        if field
        else None
    )
    if proposal is None:
        raise ConfigStateError(f"field {name!r} has no proposed value to accept")
    return set_field(
        session,
        merchant_id,
        name,
        proposal.value,
        source=FieldSource.STAFF,
        actor=actor,
        call_id=proposal.call_id,
        confirmed=True,
    )


def _set_status(
    session: Session,
    merchant_id: int,
    status: ConfigStatus,
    *,
    actor: str,
    note: str | None = None,
    allowed_from: tuple[ConfigStatus, ...],
) -> StoreConfig:
    config = get_config(session, merchant_id)
    if config is None:
        raise ConfigStateError(f"merchant {merchant_id} has no store configuration yet")
    if config.status not in allowed_from:
        raise ConfigStateError(
            f"a {config.status.value} configuration cannot become {status.value}"
        )
    before = config.status
    config.status = status
    if status in (ConfigStatus.APPROVED, ConfigStatus.REJECTED):
        config.reviewer = actor
        config.reviewed_at = utcnow()
        config.review_note = note
    record_event(
        session,
        f"config.{status.value}",
        actor=actor,
        merchant_id=merchant_id,
        before=before.value,
        after=status.value,
        note=note,
    )
    return config


def mark_complete(session: Session, merchant_id: int, *, actor: str = "system") -> StoreConfig:
    return _set_status(
        session,
        merchant_id,
        ConfigStatus.COMPLETE,
        actor=actor,
        allowed_from=(ConfigStatus.DRAFT, ConfigStatus.COMPLETE, ConfigStatus.REJECTED),
    )


def approve(
    session: Session, merchant_id: int, *, actor: str, note: str | None = None
) -> StoreConfig:
    return _set_status(
        session,
        merchant_id,
        ConfigStatus.APPROVED,
        actor=actor,
        note=note,
        allowed_from=(ConfigStatus.DRAFT, ConfigStatus.COMPLETE, ConfigStatus.REJECTED),
    )


def reject(
    session: Session, merchant_id: int, *, actor: str, note: str | None = None
) -> StoreConfig:
    return _set_status(
        session,
        merchant_id,
        ConfigStatus.REJECTED,
        actor=actor,
        note=note,
        allowed_from=(ConfigStatus.DRAFT, ConfigStatus.COMPLETE, ConfigStatus.APPROVED),
    )


def reopen(session: Session, merchant_id: int, *, actor: str) -> StoreConfig:
    return _set_status(
        session,
        merchant_id,
        ConfigStatus.DRAFT,
        actor=actor,
        allowed_from=(ConfigStatus.APPROVED, ConfigStatus.REJECTED, ConfigStatus.COMPLETE),
    )


def config_snapshot(config: StoreConfig) -> dict[str, Any]:
    """A plain description of a configuration, for exports and the review page."""
    return {
        "merchant_id": config.merchant_id,
        "status": config.status.value,
        "reviewer": config.reviewer,
        "reviewed_at": _iso(config.reviewed_at),
        "updated_at": _iso(config.updated_at),
        "fields": {
            f.name: {
                "value": f.value,
                "confidence": f.confidence,
                "source": f.source.value,
                "confirmed": f.confirmed,
                "flagged": f.flagged,
                "turn_id": f.turn_id,
            }
            for f in config.fields
        },
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
