"""Webhooks on approval, against a real HTTP receiver on loopback: signed with HMAC-SHA256,
retried with backoff after failures, every attempt logged."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fixtures.review.builder import build_call
from fixtures.settings import with_overrides
from pydantic import SecretStr
from sqlalchemy import select

from voicebot.crm.models import Merchant, WebhookDelivery
from voicebot.crm.store_configs import approve
from voicebot.crm.webhook_log import CONFIG_APPROVED, approval_payload, enqueue
from voicebot.outbound_webhooks.sender import SIGNATURE_HEADER, WebhookSender, verify_signature

SECRET = "whsec-test-0123456789"


class Receiver:
    """A real HTTP server that fails the first `failures` requests with 503."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = 503 if len(receiver.received) <= receiver.failures else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/voicebot"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_settings(settings):
    def make(urls, attempts=5):
        return with_overrides(
            settings,
            api={
                "webhook_urls": urls,
                "webhook_secret": SecretStr(SECRET),
                "webhook_backoff_s": 0.05,
                "webhook_max_attempts": attempts,
                "webhook_timeout_s": 2.0,
            },
        )

    return make


def _approve_and_enqueue(db, urls):
    made = build_call(db, None)
    with db.session() as s:
        config = approve(s, made.merchant_id, actor="rita@example.com")
        enqueue(
            s, CONFIG_APPROVED, approval_payload(config, s.get(Merchant, made.merchant_id)), urls
        )
    return made


def test_signed_delivery_retried_with_backoff_and_logged(db, webhook_settings):
    with Receiver(failures=2) as receiver:
        made = _approve_and_enqueue(db, [receiver.url])
        started = time.monotonic()
        WebhookSender(db, webhook_settings([receiver.url])).run_until_idle(max_wait_s=10)
        elapsed = time.monotonic() - started
    assert len(receiver.received) == 3
    assert elapsed >= 0.05 + 0.1  # waited 0.05 s, then 0.1 s between the attempts
    headers, body = receiver.received[-1]
    assert verify_signature(SECRET, headers[SIGNATURE_HEADER], body)
    assert not verify_signature("another secret", headers[SIGNATURE_HEADER], body)
    assert not verify_signature(SECRET, headers[SIGNATURE_HEADER], body + b" ")
    payload = json.loads(body)
    assert payload["event"] == "config.approved" and payload["external_id"] == "m-1001"
    assert payload["config"]["fields"]["tax_id"]["value"] == "5260001246"
    with db.session() as s:
        delivery = s.scalar(select(WebhookDelivery))
    assert delivery.attempts == 3 and delivery.status_code == 204
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    assert delivery.payload["merchant_id"] == made.merchant_id


def test_delivery_gives_up_after_max_attempts(db, webhook_settings):
    with Receiver(failures=100) as receiver:
        _approve_and_enqueue(db, [receiver.url, "http://127.0.0.1:9/closed"])
        WebhookSender(db, webhook_settings([receiver.url], attempts=3)).run_until_idle(
            max_wait_s=10
        )
    assert len(receiver.received) == 3
    with db.session() as s:
        deliveries = list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
    assert [(d.attempts, d.delivered_at, d.next_attempt_at) for d in deliveries] == [
        (3, None, None),
        (3, None, None),
    ]
    assert deliveries[0].last_error == "HTTP 503"
    assert "ConnectionError" in deliveries[1].last_error


def test_approval_in_the_review_ui_posts_the_webhook(db, webhook_settings):
    import re

    from voicebot.app import create_app
    from voicebot.crm.staff import add_staff

    with Receiver(failures=0) as receiver:
        made = build_call(db, None)
        with db.session() as s:
            add_staff(s, "rita@example.com", "correct horse battery")
        app_settings = webhook_settings([receiver.url])
        app_settings = with_overrides(app_settings, web={"session_cookie_secure": False})
        client = create_app(app_settings, db).test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/review/login").text)
        client.post(
            "/review/login",
            data={
                "email": "rita@example.com",
                "password": "correct horse battery",
                "csrf_token": token.group(1),
            },
        )
        # Login starts a fresh session, so forms after it carry a new CSRF token.
        page = client.get(f"/review/calls/{made.call_id}").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        answer = client.post(
            f"/review/merchants/{made.merchant_id}/approve", data={"csrf_token": token.group(1)}
        )
        assert answer.status_code == 302
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert headers["X-Voicebot-Event"] == "config.approved"
    assert verify_signature(SECRET, headers[SIGNATURE_HEADER], body)
    assert json.loads(body)["config"]["reviewer"] == "rita@example.com"


def test_webhook_commands_resend_after_the_receiver_was_down(db, settings, tmp_path):
    """`webhooks deliver` gives up on a receiver that stays down; once it is back,
    `webhooks retry --all` and another `deliver` get the approval through."""
    from click.testing import CliRunner

    from voicebot.cli import cli

    config = tmp_path / "config.yml"
    config.write_text("{}\n")
    env = {
        "VOICEBOT_CONFIG": str(config),
        "VOICEBOT_DATABASE_URL": settings.database_url,
        "VOICEBOT_API_WEBHOOK_BACKOFF_S": "0.01",
        "VOICEBOT_API_WEBHOOK_MAX_ATTEMPTS": "2",
    }

    def run(*args: str, **extra_env: str):
        return CliRunner().invoke(cli, list(args), env={**env, **extra_env})

    with Receiver(failures=2) as receiver:
        made = _approve_and_enqueue(db, [receiver.url])
        unsigned = run("webhooks", "deliver")
        assert unsigned.exit_code == 1 and "VOICEBOT_API_WEBHOOK_SECRET" in unsigned.output
        assert receiver.received == []  # nothing goes out unsigned

        signed = {"VOICEBOT_API_WEBHOOK_SECRET": SECRET}
        down = run("webhooks", "deliver", "--wait", "--max-wait", "10", **signed)
        assert down.exit_code == 0, down.output
        assert down.output.strip() == "0 delivered, 0 pending, 1 given up"
        listed = run("webhooks", "list").output
        assert "given up" in listed and "HTTP 503" in listed and "attempts 2" in listed

        assert run("webhooks", "retry").exit_code == 1  # names nothing: refused
        assert run("webhooks", "retry", "--all").output.strip() == "1 deliveries queued again"
        back = run("webhooks", "deliver", **signed)
        assert back.output.strip() == "1 delivered, 0 pending, 0 given up"
    assert len(receiver.received) == 3
    headers, body = receiver.received[-1]
    assert verify_signature(SECRET, headers[SIGNATURE_HEADER], body)
    assert json.loads(body)["merchant_id"] == made.merchant_id
    assert run("webhooks", "retry", "--all").output.strip() == "0 deliveries queued again"


def test_deliveries_pending_at_a_restart_are_resumed_when_the_server_starts(
    db, settings, webhook_settings
):
    from voicebot.outbound_webhooks.sender import resume_pending_webhooks

    with Receiver(failures=0) as receiver:
        _approve_and_enqueue(db, [receiver.url])  # queued, then the process stopped
        assert resume_pending_webhooks(db, settings) is None  # no webhooks configured
        unsigned = with_overrides(settings, api={"webhook_urls": [receiver.url]})
        assert resume_pending_webhooks(db, unsigned) is None  # no secret: nothing sent
        assert receiver.received == []
        sender = resume_pending_webhooks(db, webhook_settings([receiver.url]))
        assert sender is not None
        sender.join(timeout=10)
    assert len(receiver.received) == 1
    with db.session() as s:
        assert s.scalar(select(WebhookDelivery)).delivered_at is not None
