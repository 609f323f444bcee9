"""A call the drain ends is called again soon (server.drain_retry_minutes), not after the
usual wait for a partial call; a call that ended on its own keeps its own schedule."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from voicebot.config import Settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.events import events_for
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.crm.models import CallOutcome, Merchant, MerchantStatus
from voicebot.serving.drain import DRAINED_OUTCOME, drain


def all_day(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "server": settings.server.model_copy(update={"drain_timeout_s": 0}),
            "dialer": settings.dialer.model_copy(
                update={
                    "calling_hours": {"default": {"mon-sun": ["00:00-24:00"]}},
                    "skip_public_holidays": False,
                }
            ),
        }
    )


def new_call(db: Database, external_id: str) -> int:
    with db.session() as s:
        merchant, _ = upsert_merchant(
            s,
            normalise_merchant(
                {"external_id": external_id, "phone": "+48501234567", "language": "en"}
            ),
        )
        call_id = crm_calls.create_call(s, merchant.id).id
        merchant.attempts = 1
    return call_id


class FakeSession:
    """A live call that, asked to end, records ``outcome`` as the call session does."""

    language = "en"

    def __init__(self, db: Database, settings: Settings, call_id: int, outcome: CallOutcome):
        self.db, self.settings, self.call_id, self.outcome = db, settings, call_id, outcome
        self.finished = threading.Event()

    def end_politely(self, _text: str, _outcome: CallOutcome) -> None:
        with self.db.session() as s:
            crm_calls.finish_call(s, self.call_id, outcome=self.outcome, settings=self.settings)
        self.finished.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)


class FakeRegistry:
    draining = False

    def __init__(self, db: Database, sessions: list[FakeSession]) -> None:
        self.services = type("Services", (), {"db": db})()
        self.sessions = sessions

    def live(self) -> list[FakeSession]:
        return [s for s in self.sessions if not s.finished.is_set()]


def next_call(db: Database, call_id: int) -> tuple[MerchantStatus, datetime | None]:
    with db.session() as s:
        merchant: Merchant = crm_calls.get_call(s, call_id).merchant
        return merchant.status, merchant.next_call_at


def test_a_drained_call_is_retried_within_minutes(settings: Settings, db: Database) -> None:
    cfg = all_day(settings)
    assert cfg.server.drain_retry_minutes == 5
    assert cfg.dialer.retry["partial"].delays_minutes == [1440]  # the usual wait
    cut, done = new_call(db, "m-cut"), new_call(db, "m-done")
    sessions = [
        FakeSession(db, cfg, cut, DRAINED_OUTCOME),
        FakeSession(db, cfg, done, CallOutcome.HUNG_UP),  # was already saying goodbye
    ]
    started = datetime.now(UTC)
    assert drain(FakeRegistry(db, sessions), cfg, poll_s=0.01) == 2

    status, when = next_call(db, cut)
    assert status is MerchantStatus.SCHEDULED and when is not None
    assert started + timedelta(minutes=5) <= when <= datetime.now(UTC) + timedelta(minutes=5)
    with db.session() as s:
        latest = [e for e in events_for(s, call_id=cut) if e.kind == "dialer.scheduled"][-1]
        assert latest.actor == "drain" and "server shutdown" in latest.data["reason"]
        # a late status callback for the call changes nothing (already decided)
        call = crm_calls.get_call(s, cut)
        assert call.outcome is DRAINED_OUTCOME

    _status, usual = next_call(db, done)
    assert usual is not None and usual >= started + timedelta(minutes=119)  # hung_up: 120 min


def test_a_late_status_callback_keeps_the_early_retry(settings: Settings, db: Database) -> None:
    from voicebot.crm.dialer_queue import schedule_after_call

    cfg = all_day(settings)
    cut = new_call(db, "m-cut")
    drain(FakeRegistry(db, [FakeSession(db, cfg, cut, DRAINED_OUTCOME)]), cfg, poll_s=0.01)
    _status, early = next_call(db, cut)
    with db.session() as s:
        schedule_after_call(s, crm_calls.get_call(s, cut), cfg)
    assert next_call(db, cut)[1] == early
