"""Staff accounts for the review UI: argon2 password hashes, roles, and server-side
sessions that logout, a password change or removing the account end at once. Guessing
is slowed by voicebot.crm.login_throttle, never by locking an account."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from voicebot.crm.events import record_event
from voicebot.crm.models import StaffRole, StaffSession, StaffUser, utcnow

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
# Verified when the e-mail is unknown, so the answer takes as long as for a real account.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


class StaffError(ValueError):
    """A staff account cannot be created or changed as asked."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise StaffError(f"{email!r} is not an e-mail address")
    return email


def get_staff_by_email(session: Session, email: str) -> StaffUser | None:
    return session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    )


def add_staff(
    session: Session,
    email: str,
    password: str,
    *,
    role: StaffRole = StaffRole.REVIEWER,
    name: str | None = None,
    actor: str = "cli",
) -> StaffUser:
    email = normalise_email(email)
    if get_staff_by_email(session, email) is not None:
        raise StaffError(f"a staff account for {email} already exists")
    user = StaffUser(email=email, name=name, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    record_event(session, "staff.added", actor=actor, staff=email, role=role.value)
    return user


def list_staff(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))


def set_active(session: Session, email: str, active: bool, *, actor: str = "cli") -> StaffUser:
    user = get_staff_by_email(session, email)
    if user is None:
        raise StaffError(f"no staff account for {email}")
    before = user.active
    user.active = active
    if not active:
        end_all_sessions(session, user.id)
    record_event(
        session,
        "staff.enabled" if active else "staff.disabled",
        actor=actor,
        staff=user.email,
        before=before,
        after=active,
    )
    return user


def set_password(session: Session, email: str, password: str, *, actor: str = "cli") -> StaffUser:
    """A new password ends every open session of the account."""
    user = get_staff_by_email(session, email)
    if user is None:
        raise StaffError(f"no staff account for {email}")
    user.password_hash = hash_password(password)
    ended = end_all_sessions(session, user.id)
    record_event(session, "staff.password_changed", actor=actor, staff=user.email, sessions=ended)
    return user


def remove_staff(session: Session, email: str, *, actor: str = "cli") -> None:
    """Delete the account and its sessions; the audit log keeps what it did."""
    user = get_staff_by_email(session, email)
    if user is None:
        raise StaffError(f"no staff account for {email}")
    session.execute(delete(StaffSession).where(StaffSession.staff_id == user.id))
    session.delete(user)
    record_event(session, "staff.removed", actor=actor, staff=user.email)


@dataclass(frozen=True)
class LoginAttempt:
    """The outcome of a login: the user, or None with one message for every failure."""

    user: StaffUser | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


# Unknown e-mail, wrong password, disabled account: one answer, one amount of work.
WRONG_CREDENTIALS = "wrong e-mail or password"


def check_login(
    session: Session, email: str, password: str, *, now: datetime | None = None
) -> LoginAttempt:
    """Check credentials. Every failure answers the same and costs one argon2 verification,
    so neither the words nor the time tell whether the account exists or is disabled."""
    now = now or utcnow()
    email = email.strip().lower()
    valid_text = "\x00" not in email and len(email) <= 320 and "\x00" not in password
    user = get_staff_by_email(session, email) if valid_text else None
    if user is None:
        _verify(_DUMMY_HASH, password)
        record_event(session, "staff.login_failed", actor="unknown account")
        return LoginAttempt(None, WRONG_CREDENTIALS)
    if not _verify(user.password_hash, password) or not user.active:
        record_event(session, "staff.login_failed", actor=user.email)
        return LoginAttempt(None, WRONG_CREDENTIALS)
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    record_event(session, "staff.login", actor=user.email)
    return LoginAttempt(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# -- sessions ------------------------------------------------------------------------------


def _session_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start_session(
    session: Session, user: StaffUser, lifetime: timedelta, *, now: datetime | None = None
) -> str:
    """A new server-side session; returns the token for the cookie (only its hash is kept)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            staff_id=user.id,
            token_hash=_session_hash(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def session_user(session: Session, token: str, *, now: datetime | None = None) -> StaffUser | None:
    """The active staff member whose session this is, unless it ended or expired."""
    now = now or utcnow()
    row = session.scalar(
        select(StaffSession).where(StaffSession.token_hash == _session_hash(token))
    )
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(StaffUser, row.staff_id)
    return user if user is not None and user.active else None


def end_session(session: Session, token: str) -> None:
    session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == _session_hash(token), StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_sessions(session: Session, staff_id: int) -> int:
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return cast(CursorResult[Any], result).rowcount
