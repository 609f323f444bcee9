"""Counts for operations (the /metrics endpoint): read-only, cheap, one query each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from voicebot.crm.dialer_queue import due_merchants_query
from voicebot.crm.models import WebhookDelivery, utcnow


def webhook_deliveries_by_state(session: Session) -> dict[str, int]:
    """delivered, pending (another attempt is scheduled) and failed (attempts used up)."""
    state = case(
        (WebhookDelivery.delivered_at.is_not(None), "delivered"),
        (WebhookDelivery.next_attempt_at.is_not(None), "pending"),
        else_="failed",
    )
    counts = {"delivered": 0, "pending": 0, "failed": 0}
    for name, count in session.execute(select(state, func.count()).group_by(state)):
        counts[name] = count
    return counts


def dialer_queue_depth(session: Session, now: datetime | None = None) -> int:
    """Merchants the dialer could call now (calling hours aside)."""
    due = due_merchants_query(now or utcnow()).order_by(None).subquery()
    return int(session.scalar(select(func.count()).select_from(due)) or 0)
