"""Webhook sending: the approved configuration is POSTed to every configured URL, signed
with HMAC-SHA256, retried with exponential backoff; every attempt is logged through
voicebot.crm.webhook_log.

Signature: header `X-Voicebot-Signature: t=<unix time>,v1=<hex>` where hex is
HMAC-SHA256(secret, "<unix time>." + raw body). Receivers recompute it and reject old
timestamps, which stops replays."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from typing import Any

import requests

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.models import utcnow
from voicebot.crm.webhook_log import due_deliveries, next_attempt_at, record_attempt

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Voicebot-Signature"
# One sender at a time per process, so two threads never send the same delivery twice.
_send_lock = threading.Lock()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(secret: str, header: str, body: bytes, *, max_age_s: int = 300) -> bool:
    """What a receiver does; used by the tests and handy for integrators."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > max_age_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


class WebhookSender:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.api = settings.api
        if settings.api.webhook_secret is None:
            raise ValueError("VOICEBOT_API_WEBHOOK_SECRET is not set, so webhooks cannot be signed")
        self._secret = settings.api.webhook_secret.get_secret_value()

    def _send_one(self, delivery_id: int, url: str, event: str, payload: dict[str, Any]) -> None:
        body = _body(payload)
        headers = {
            "Content-Type": "application/json",
            "X-Voicebot-Event": event,
            "X-Voicebot-Delivery": str(delivery_id),
            SIGNATURE_HEADER: sign(self._secret, int(time.time()), body),
        }
        status, error = None, None
        try:
            response = requests.post(
                url, data=body, headers=headers, timeout=self.api.webhook_timeout_s
            )
            status = response.status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        with self.db.session() as session:
            record_attempt(
                session,
                delivery_id,
                status_code=status,
                error=error,
                max_attempts=self.api.webhook_max_attempts,
                backoff_s=self.api.webhook_backoff_s,
            )
        log.info("webhook %s to %s: %s", event, url, status or error)

    def deliver_due(self) -> int:
        """Send every delivery that is due now; returns how many attempts were made."""
        with _send_lock:
            with self.db.session() as session:
                due = [(d.id, d.url, d.event, d.payload) for d in due_deliveries(session)]
            for item in due:
                self._send_one(*item)
            return len(due)

    def run_until_idle(self, *, max_wait_s: float = 3600) -> None:
        """Deliver, sleep until the next retry is due, repeat until nothing is pending."""
        deadline = time.monotonic() + max_wait_s
        while time.monotonic() < deadline:
            self.deliver_due()
            with self.db.session() as session:
                upcoming = next_attempt_at(session)
            if upcoming is None:
                return
            time.sleep(min(max(0.0, (upcoming - utcnow()).total_seconds()), 60.0))

    def start_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_until_idle, name="webhooks", daemon=True)
        thread.start()
        return thread


def resume_pending_webhooks(db: Database, settings: Settings) -> threading.Thread | None:
    """At server start: deliveries still pending from before a restart are sent (and
    retried) in the background. Approvals made while serving start their own sender."""
    if not settings.api.webhook_urls:
        return None
    try:
        return WebhookSender(db, settings).start_background()
    except ValueError as exc:  # no signing secret: the deliveries stay queued
        log.error("webhooks not sent: %s", exc)
        return None
