"""Staff accounts for the review UI: argon2 password hashes, roles, and a lockout after
repeated failed logins so a password cannot be guessed online."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voicebot.crm.events import record_event
from voicebot.crm.models import StaffRole, StaffUser, utcnow

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
    if active:
        user.failed_logins, user.locked_until = 0, None
    record_event(
        session,
        "staff.enabled" if active else "staff.disabled",
        actor=actor,
        staff=user.email,
        before=before,
        after=active,
    )
    return user


@dataclass(frozen=True)
class LoginAttempt:
    """The outcome of a login; returned, not raised, so the caller commits the failure count."""

    user: StaffUser | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


WRONG_CREDENTIALS = "wrong e-mail or password"
LOCKED = "too many failed logins: the account is locked for a while"


def check_login(
    session: Session,
    email: str,
    password: str,
    *,
    max_failures: int,
    lockout: timedelta,
    now: datetime | None = None,
) -> LoginAttempt:
    """Check credentials, count failures, and lock the account for `lockout` after
    `max_failures` in a row. Commit the session whatever the outcome."""
    now = now or utcnow()
    user = get_staff_by_email(session, email)
    if user is None:
        _verify(_DUMMY_HASH, password)
        return LoginAttempt(None, WRONG_CREDENTIALS)
    if user.locked_until is not None and user.locked_until > now:
        record_event(session, "staff.login_refused", actor=user.email, reason="locked")
        return LoginAttempt(None, LOCKED)
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        record_event(session, "staff.login_failed", actor=user.email, failures=user.failed_logins)
        if user.failed_logins < max_failures:
            return LoginAttempt(None, WRONG_CREDENTIALS)
        user.locked_until = now + lockout
        user.failed_logins = 0
        record_event(session, "staff.locked", actor=user.email, until=user.locked_until.isoformat())
        return LoginAttempt(None, LOCKED)
    if not user.active:
        return LoginAttempt(None, "this account is disabled")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    record_event(session, "staff.login", actor=user.email)
    return LoginAttempt(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
