"""Slowing down password guessing, shared by every server process (the state is in the
database, not in one process's memory).

Failures are counted per key: the client address, the account name typed, or a browser
that has logged in to that account before (a device cookie, as OWASP suggests). A few
failures are free; after that each failure doubles the wait before the key may try again,
up to a cap. Keys hold hashes only. Unknown account names are counted exactly like real
ones, so the throttle tells nothing about which accounts exist."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from voicebot.crm.models import LoginThrottle, utcnow

# Failures older than this no longer count.
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ThrottleRule:
    free_failures: int  # failures before the next try must wait
    first_wait_s: float  # the wait after the first failure beyond those; doubled after each
    max_wait_s: float  # the longest wait


def throttle_key(kind: str, value: str) -> str:
    """'address', 'account' or 'device' and a SHA-256 of the value: no address or e-mail is
    stored, and any input (NUL bytes, 10,000 characters) fits the column."""
    return f"{kind}:{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()}"


def seconds_to_wait(session: Session, keys: list[str], *, now: datetime | None = None) -> float:
    """How long the caller must wait before trying again: 0 when every key may try now."""
    now = now or utcnow()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    waits = [(r.blocked_until - now).total_seconds() for r in rows if r.blocked_until]
    return max([0.0, *waits])


def record_failure(
    session: Session, rules: dict[str, ThrottleRule], *, now: datetime | None = None
) -> None:
    """One failed login for each key (mapped to the rule it follows)."""
    now = now or utcnow()
    for key, rule in rules.items():
        row = _locked_row(session, key, now)
        if now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        beyond = row.failures - rule.free_failures
        if beyond >= 0:
            wait = min(rule.first_wait_s * 2 ** min(beyond, 30), rule.max_wait_s)
            row.blocked_until = now + timedelta(seconds=wait)


def forget(session: Session, keys: list[str]) -> None:
    """A successful login clears the keys it used."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


def _locked_row(session: Session, key: str, now: datetime) -> LoginThrottle:
    """The key's row, created if new and locked for this transaction, so two processes
    counting the same key at once both count."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, last_failure_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
