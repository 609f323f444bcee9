"""Who a login attempt is throttled as (voicebot.crm.login_throttle): the client address and
the account name typed, or, for a browser that logged in to that account before, only its
device cookie. An attacker elsewhere can then slow an account down, but never lock out the
staff member's own browser (OWASP: "Slow down online guessing attacks with device cookies")."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from voicebot.config import WebSettings
from voicebot.crm.login_throttle import ThrottleRule, throttle_key

DEVICE_COOKIE = "voicebot_device"
_SALT = "voicebot-staff-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def _account(email: str) -> str:
    return throttle_key("account", email.strip().lower())


def trusted_device(email: str, web: WebSettings) -> str | None:
    """The device nonce when this browser's cookie was issued for this very account."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(
            raw, max_age=int(timedelta(days=web.device_cookie_days).total_seconds())
        )
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("account") != _account(email):
        return None
    nonce = data.get("nonce")
    return nonce if isinstance(nonce, str) else None


def throttle_rules(email: str, web: WebSettings) -> dict[str, ThrottleRule]:
    account_rule = ThrottleRule(
        web.login_free_failures_per_account, web.login_first_wait_s, web.login_max_wait_account_s
    )
    nonce = trusted_device(email, web)
    if nonce is not None:
        return {throttle_key("device", nonce): account_rule}
    address_rule = ThrottleRule(
        web.login_free_failures_per_address, web.login_first_wait_s, web.login_max_wait_address_s
    )
    return {
        throttle_key("address", request.remote_addr or "unknown"): address_rule,
        _account(email): account_rule,
    }


def remember_device(response: Response, email: str, web: WebSettings) -> None:
    """After a successful login: this browser is now trusted for this account."""
    nonce = trusted_device(email, web) or secrets.token_urlsafe(24)
    value = _serializer().dumps({"account": _account(email), "nonce": nonce})
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=int(timedelta(days=web.device_cookie_days).total_seconds()),
        secure=web.session_cookie_secure,
        httponly=True,
        samesite="Lax",
        path="/review",
    )
