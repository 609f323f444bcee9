"""Approving a store configuration: one workflow for every caller (the review UI today).

Approve the configuration, mark the merchant's calls reviewed and queue the
``config.approved`` notification in one transaction, then start sending. A sender that
cannot start (no signing secret) leaves the deliveries queued and logged; the caller is told
why, so it can say so."""

from __future__ import annotations

from dataclasses import dataclass

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.models import Merchant, StoreConfig
from voicebot.crm.review_queries import mark_calls_reviewed
from voicebot.crm.store_configs import approve
from voicebot.crm.webhook_log import CONFIG_APPROVED, approval_payload, enqueue
from voicebot.outbound_webhooks.sender import WebhookSender


@dataclass(frozen=True)
class Approval:
    config_id: int
    notifications_queued: int
    # Why queued notifications could not be sent now; None when sending started or none queued.
    sending_problem: str | None = None


def approve_configuration(
    db: Database, settings: Settings, merchant_id: int, *, actor: str, note: str | None = None
) -> Approval:
    """Raises ``ConfigStateError`` (nothing changed) when the configuration cannot be approved."""
    urls = settings.api.webhook_urls
    with db.session() as session:
        config: StoreConfig = approve(session, merchant_id, actor=actor, note=note)
        mark_calls_reviewed(session, merchant_id)
        queued = 0
        if urls:
            merchant = session.get(Merchant, merchant_id)
            queued = len(
                enqueue(session, CONFIG_APPROVED, approval_payload(config, merchant), urls)
            )
        config_id = config.id
    if not queued:
        return Approval(config_id, 0)
    try:
        WebhookSender(db, settings).start_background()
    except ValueError as exc:  # misconfigured: the deliveries stay queued and logged
        return Approval(config_id, queued, sending_problem=str(exc))
    return Approval(config_id, queued)
