"""X-Twilio-Signature checks. Twilio signs the URL it requested (plus the POST parameters);
behind a proxy the URL Flask sees differs, so the URL is rebuilt from the public base URL
setting and the request's path and query."""

from __future__ import annotations

import logging

from flask import Request
from twilio.request_validator import RequestValidator

from voicebot.config import Settings

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Twilio-Signature"


def public_url(settings: Settings, request: Request, *, websocket: bool = False) -> str:
    base = settings.server.public_base_url
    if websocket:
        base = (
            "wss://" + base[len("https://") :]
            if base.startswith("https://")
            else ("ws://" + base[len("http://") :])
        )
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def stream_url(settings: Settings) -> str:
    """The media-stream WebSocket URL Twilio connects to."""
    base = settings.server.public_base_url
    scheme, rest = base.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/twilio/stream"


def request_is_signed(settings: Settings, request: Request, *, websocket: bool = False) -> bool:
    """True when the request carries a valid signature (or checks are switched off)."""
    if not settings.twilio.validate_signatures:
        return True
    token = settings.twilio.auth_token
    signature = request.headers.get(SIGNATURE_HEADER, "")
    url = public_url(settings, request, websocket=websocket)
    if token is None:
        log.error("twilio.auth_token is not set (VOICEBOT_TWILIO_AUTH_TOKEN): refusing %s", url)
        return False
    if not signature:
        log.warning("refused %s %s: no %s header", request.method, url, SIGNATURE_HEADER)
        return False
    params = {} if websocket else request.form.to_dict(flat=True)
    if RequestValidator(token.get_secret_value()).validate(url, params, signature):
        return True
    log.warning("refused %s %s: %s does not match", request.method, url, SIGNATURE_HEADER)
    return False


def sign(auth_token: str, url: str, params: dict[str, str] | None = None) -> str:
    """The signature Twilio would send for a request (used by the simulator)."""
    return RequestValidator(auth_token).compute_signature(url, params or {})
