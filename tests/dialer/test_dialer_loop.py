"""The embedded loop on a fake clock: CPS spacing, failures, releases, stopping."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

from sqlalchemy import select

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.models import Call, CallStatus, Event, Merchant, MerchantStatus
from voicebot.dialer.limits import LocalRateLimiter
from voicebot.dialer.loop import Dialer, embedded_dispatch
from voicebot.dialer.placing import Placement
from voicebot.observability.metrics import DIALER_CLAIMS

from .helpers import WARSAW, FakeClock, RecordingPlacer, add_merchant, local


def tuned(settings: Settings, **values: object) -> Settings:
    return settings.model_copy(update={"dialer": settings.dialer.model_copy(update=values)})


def make_dialer(
    db: Database,
    settings: Settings,
    clock: FakeClock,
    placer: RecordingPlacer,
    stop: threading.Event | None = None,
) -> Dialer:
    limiter = LocalRateLimiter(settings.dialer.calls_per_second, clock=clock.monotonic)
    dispatch = embedded_dispatch(
        db, settings, placer, now=clock.now, limiter=limiter, sleep=clock.sleep
    )
    return Dialer(db, settings, dispatch, now=clock.now, stop=stop)


def test_calls_are_spaced_by_the_cps_limit(db: Database, settings: Settings) -> None:
    fast = tuned(settings, calls_per_second=2.0, poll_interval_s=2.0, max_concurrent_calls=10)
    clock = FakeClock(local(WARSAW, 2026, 6, 16, 10, 0))
    placer = RecordingPlacer(clock)
    with db.session() as s:
        for _ in range(6):
            add_merchant(s)
    claims_before = DIALER_CLAIMS._value.get()
    report = make_dialer(db, fast, clock, placer).tick()
    assert len(report.claimed) == 4  # 2 calls/s * 2 s per tick
    assert DIALER_CLAIMS._value.get() - claims_before == 4  # voicebot_dialer_claims_total
    assert [r.result for r in report.results] == [Placement.PLACED] * 4
    times = [when for _, when in placer.dialled]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps == [0.5, 0.5, 0.5]
    with db.session() as s:
        calls = s.scalars(select(Call).order_by(Call.id)).all()
        assert [c.status for c in calls] == [CallStatus.INITIATED] * 4
        assert all(c.twilio_call_sid.startswith("CA") for c in calls)
        assert [c.started_at for c in calls] == times


def test_a_refused_call_is_failed_and_retried(db: Database, settings: Settings) -> None:
    clock = FakeClock(local(WARSAW, 2026, 6, 16, 10, 0))
    with db.session() as s:
        bad = add_merchant(s, phone="+48600000001").id
    placer = RecordingPlacer(clock, fail_for={bad})
    report = make_dialer(db, settings, clock, placer).tick()
    assert [r.result for r in report.results] == [Placement.FAILED]
    with db.session() as s:
        call = s.scalars(select(Call)).one()
        assert call.status is CallStatus.FAILED and "21211" in call.error
        merchant = s.get(Merchant, bad)
        assert merchant.status is MerchantStatus.SCHEDULED
        assert merchant.next_call_at == clock.now() + timedelta(minutes=30)


def test_an_opt_out_between_claim_and_dial_is_honoured(db: Database, settings: Settings) -> None:
    clock = FakeClock(local(WARSAW, 2026, 6, 16, 10, 0))
    placer = RecordingPlacer(clock)
    with db.session() as s:
        merchant_id = add_merchant(s).id

    def opt_out_then_place(claim):
        with db.session() as s:
            s.get(Merchant, claim.merchant_id).opted_out = True
        return inner(claim)

    limiter = LocalRateLimiter(1.0, clock=clock.monotonic)
    inner = embedded_dispatch(
        db, settings, placer, now=clock.now, limiter=limiter, sleep=clock.sleep
    )
    report = Dialer(db, settings, opt_out_then_place, now=clock.now).tick()
    assert [(r.result, r.detail) for r in report.results] == [(Placement.RELEASED, "opted out")]
    assert placer.dialled == []
    with db.session() as s:
        assert s.scalars(select(Call)).one().status is CallStatus.CANCELED
        assert s.get(Merchant, merchant_id).attempts == 0


def test_a_stop_releases_claims_not_yet_dialled(db: Database, settings: Settings) -> None:
    clock = FakeClock(local(WARSAW, 2026, 6, 16, 10, 0))
    stop = threading.Event()

    class StopAfterFirst(RecordingPlacer):
        def __call__(self, claim):
            stop.set()  # SIGTERM arrives while the first call is being placed
            return super().__call__(claim)

    placer = StopAfterFirst(clock)
    with db.session() as s:
        for _ in range(3):
            add_merchant(s)
    fast = tuned(settings, calls_per_second=10.0, poll_interval_s=1.0)
    dialer = make_dialer(db, fast, clock, placer, stop)
    assert dialer.run() == 3
    assert len(placer.dialled) == 1
    with db.session() as s:
        statuses = sorted(c.status.value for c in s.scalars(select(Call)))
        assert statuses == ["canceled", "canceled", "initiated"]
        released = s.scalars(select(Event).where(Event.kind == "dialer.released")).all()
        assert {e.data["reason"] for e in released} == {"dialer stopped"}


def test_run_until_idle_calls_everyone_due_once(db: Database, settings: Settings) -> None:
    clock = FakeClock(local(WARSAW, 2026, 6, 16, 10, 0))
    placer = RecordingPlacer(clock)
    with db.session() as s:
        ids = {add_merchant(s).id for _ in range(7)}
    fast = tuned(settings, calls_per_second=3.0, poll_interval_s=1.0, max_concurrent_calls=50)
    assert make_dialer(db, fast, clock, placer).run(until_idle=True) == 7
    assert sorted(c.merchant_id for c, _ in placer.dialled) == sorted(ids)
