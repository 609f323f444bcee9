"""API tokens for the platform: shown once when created, stored only as a SHA-256 hash,
each with the scopes it may use, revocable at any time."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voicebot.crm.events import record_event
from voicebot.crm.models import ApiToken, utcnow

SCOPES = {
    "export": "read and export store configurations",
    "calls:read": "read calls and their transcripts",
    "merchants:write": "create and update merchants",
    "erase": "erase a merchant's personal data",
}
TOKEN_PREFIX = "vbt_"
# last_used_at is written at most this often, so busy tokens do not write on every request.
_TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be created or revoked as asked."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session, name: str, scopes: list[str], *, actor: str = "cli"
) -> tuple[ApiToken, str]:
    """A new token row and the plain token, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise TokenError("a token needs a name")
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown or not scopes:
        problem = f"unknown scope {', '.join(unknown)}" if unknown else "a token needs a scope"
        raise TokenError(f"{problem} (known: {', '.join(sorted(SCOPES))})")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name, prefix=plain[:12], token_hash=hash_token(plain), scopes=sorted(set(scopes))
    )
    session.add(token)
    session.flush()
    record_event(session, "api_token.created", actor=actor, token_id=token.id, scopes=token.scopes)
    return token, plain


def find_token(session: Session, plain: str) -> ApiToken | None:
    """The live token for this text, or None (unknown or revoked)."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        token.last_used_at = now
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_token(session: Session, token_id: int, *, actor: str = "cli") -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenError(f"no API token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(session, "api_token.revoked", actor=actor, token_id=token.id)
    return token
