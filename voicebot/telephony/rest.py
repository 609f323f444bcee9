"""Placing and changing calls through Twilio's REST API (the twilio client), with the API
address from settings so a local stand-in (the simulator) can receive the requests."""

from __future__ import annotations

import logging
from typing import Any

from twilio.rest import Client

from voicebot.config import Settings

log = logging.getLogger(__name__)
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


def rest_client(settings: Settings) -> Client:
    token = settings.twilio.auth_token
    if token is None:
        raise RuntimeError("twilio.auth_token is not set: export VOICEBOT_TWILIO_AUTH_TOKEN")
    client = Client(settings.twilio.account_sid, token.get_secret_value())
    client.api.base_url = settings.twilio.api_base_url.rstrip("/")
    return client


def webhook_url(settings: Settings, path: str, call_id: int) -> str:
    return f"{settings.server.public_base_url}{path}?call_id={call_id}"


def dial(settings: Settings, call_id: int, phone: str, *, client: Client | None = None) -> str:
    """Ask Twilio to call ``phone``; returns the CallSid. Raises on any refusal."""
    client = client or rest_client(settings)
    call = client.calls.create(
        to=phone,
        from_=settings.twilio.from_number,
        url=webhook_url(settings, "/twilio/voice", call_id),
        method="POST",
        status_callback=webhook_url(settings, "/twilio/status", call_id),
        status_callback_event=STATUS_EVENTS,
        status_callback_method="POST",
        timeout=settings.twilio.ring_timeout_s,
        machine_detection=settings.twilio.machine_detection,
        async_amd="true",  # the library sends the value as given: a string, not a bool
        async_amd_status_callback=webhook_url(settings, "/twilio/amd", call_id),
        async_amd_status_callback_method="POST",
    )
    log.info("call %s: Twilio accepted it as %s", call_id, call.sid)
    return str(call.sid)


def replace_twiml(settings: Settings, call_sid: str, twiml: str, *, client: Any = None) -> None:
    """Redirect a live call to new instructions (voicemail after the beep)."""
    client = client or rest_client(settings)
    client.calls(call_sid).update(twiml=twiml)


class TwilioCallPlacer:
    """The dialer's CallPlacer: dials a claimed call through Twilio."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Client | None = None

    def __call__(self, claim: Any) -> str | None:
        if self._client is None:
            self._client = rest_client(self.settings)
        return dial(self.settings, claim.call_id, claim.phone, client=self._client)
