"""The Twilio edge: TwiML webhooks, the Media Streams protocol, status and answering-machine
callbacks, signature checks and the REST client."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from voicebot.telephony.twilio_routes import register as register_webhooks

    register_webhooks(app)
