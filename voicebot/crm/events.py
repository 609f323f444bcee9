"""The audit log: append-only events with who, what, and before/after data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voicebot.crm.models import Event


def record_event(
    session: Session,
    kind: str,
    *,
    actor: str = "system",
    merchant_id: int | None = None,
    call_id: int | None = None,
    **data: Any,
) -> Event:
    event = Event(kind=kind, actor=actor, merchant_id=merchant_id, call_id=call_id, data=data)
    session.add(event)
    return event


def events_for(
    session: Session, *, merchant_id: int | None = None, call_id: int | None = None
) -> list[Event]:
    query = select(Event).order_by(Event.id)
    if merchant_id is not None:
        query = query.where(Event.merchant_id == merchant_id)
    if call_id is not None:
        query = query.where(Event.call_id == call_id)
    return list(session.scalars(query))
