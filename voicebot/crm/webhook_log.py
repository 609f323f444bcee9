"""The webhook delivery log: one row per (event, URL), attempts counted, the next attempt
scheduled with exponential backoff. Sending (HTTP, signatures) lives in
voicebot.outbound_webhooks.sender."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voicebot.crm.models import Merchant, StoreConfig, WebhookDelivery, utcnow
from voicebot.crm.store_configs import config_snapshot

CONFIG_APPROVED = "config.approved"


def approval_payload(config: StoreConfig, merchant: Merchant) -> dict[str, Any]:
    return {
        "event": CONFIG_APPROVED,
        "merchant_id": merchant.id,
        "external_id": merchant.external_id,
        "store_config_id": config.id,
        "config": config_snapshot(config),
    }


def enqueue(
    session: Session, event: str, payload: dict[str, Any], urls: list[str]
) -> list[WebhookDelivery]:
    now = utcnow()
    deliveries = [
        WebhookDelivery(url=url, event=event, payload=payload, attempts=0, next_attempt_at=now)
        for url in urls
    ]
    session.add_all(deliveries)
    session.flush()
    return deliveries


def due_deliveries(
    session: Session, *, now: datetime | None = None, limit: int = 50
) -> list[WebhookDelivery]:
    now = now or utcnow()
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )


def next_attempt_at(session: Session) -> datetime | None:
    """When the earliest pending delivery is due, or None when nothing is pending."""
    return session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at)).where(
            WebhookDelivery.delivered_at.is_(None), WebhookDelivery.next_attempt_at.is_not(None)
        )
    )


def record_attempt(
    session: Session,
    delivery_id: int,
    *,
    status_code: int | None,
    error: str | None,
    max_attempts: int,
    backoff_s: float,
    now: datetime | None = None,
) -> WebhookDelivery:
    """Log one attempt; a 2xx answer delivers, anything else schedules a retry with the
    delay doubled each time, until `max_attempts` (then next_attempt_at is cleared)."""
    now = now or utcnow()
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise LookupError(f"no webhook delivery {delivery_id}")
    delivery.attempts += 1
    delivery.status_code = status_code
    if status_code is not None and 200 <= status_code < 300:
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = None
    else:
        delivery.last_error = error or f"HTTP {status_code}"
        if delivery.attempts >= max_attempts:
            delivery.next_attempt_at = None  # given up; visible in the log
        else:
            delay = backoff_s * 2 ** (delivery.attempts - 1)
            delivery.next_attempt_at = now + timedelta(seconds=delay)
    return delivery


def list_deliveries(session: Session, *, limit: int = 100) -> list[WebhookDelivery]:
    return list(
        session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit))
    )


def requeue_given_up(session: Session, ids: list[int] | None = None) -> int:
    """Queue deliveries that ran out of attempts again (after the receiver's outage is over),
    with a fresh set of attempts; returns how many."""
    query = select(WebhookDelivery).where(
        WebhookDelivery.delivered_at.is_(None), WebhookDelivery.next_attempt_at.is_(None)
    )
    if ids is not None:
        query = query.where(WebhookDelivery.id.in_(ids))
    deliveries = list(session.scalars(query))
    now = utcnow()
    for delivery in deliveries:
        delivery.attempts = 0
        delivery.next_attempt_at = now
    return len(deliveries)


def delivery_state(delivery: WebhookDelivery) -> str:
    if delivery.delivered_at is not None:
        return "delivered"
    return "pending" if delivery.next_attempt_at is not None else "given up"


def delivery_counts(session: Session) -> dict[str, int]:
    """How many deliveries are delivered, pending and given up."""
    delivered = WebhookDelivery.delivered_at.is_not(None)
    pending = WebhookDelivery.delivered_at.is_(None) & WebhookDelivery.next_attempt_at.is_not(None)
    row = session.execute(
        select(
            func.count().filter(delivered),
            func.count().filter(pending),
            func.count(),
        ).select_from(WebhookDelivery)
    ).one()
    return {"delivered": row[0], "pending": row[1], "given up": row[2] - row[0] - row[1]}
