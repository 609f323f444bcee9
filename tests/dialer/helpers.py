"""Merchants, a controllable clock and a recording placer for the dialer tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from voicebot.crm.dialer_queue import ClaimedCall
from voicebot.crm.models import Merchant, MerchantStatus

WARSAW = "Europe/Warsaw"
LONDON = "Europe/London"
NEW_YORK = "America/New_York"
_numbers = itertools.count(100000)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def add_merchant(session: Session, **overrides: Any) -> Merchant:
    """A merchant the dialer may call: consent on record, a phone, a Warsaw time zone."""
    number = next(_numbers)
    values: dict[str, Any] = {
        "external_id": f"ext-{number}",
        "company_name": f"Shop {number}",
        "phone": f"+48600{number}",
        "country": "PL",
        "language": "pl",
        "timezone": WARSAW,
        "status": MerchantStatus.NEW,
        "consent_source": "signup-checkbox",
        "consent_at": datetime(2026, 1, 5, 10, 2, tzinfo=UTC),
        "consent_text": "I agree to an automated onboarding call",
    }
    values.update(overrides)
    merchant = Merchant(**values)
    session.add(merchant)
    session.flush()
    return merchant


@dataclass
class FakeClock:
    """Wall time and monotonic time that move only when the test (or a sleep) says so."""

    current: datetime
    monotonic_s: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.monotonic_s

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds=seconds)

    def advance(self, **delta: float) -> None:
        step = timedelta(**delta)
        self.current += step
        self.monotonic_s += step.total_seconds()


@dataclass
class RecordingPlacer:
    """Stands in for the telephony provider: remembers every dial and when it happened."""

    clock: FakeClock | None = None
    fail_for: set[int] = field(default_factory=set)
    dialled: list[tuple[ClaimedCall, datetime | None]] = field(default_factory=list)

    def __call__(self, claim: ClaimedCall) -> str:
        if claim.merchant_id in self.fail_for:
            raise RuntimeError("21211 invalid 'To' phone number")
        self.dialled.append((claim, self.clock.now() if self.clock else None))
        return f"CA{claim.call_id:032d}"
