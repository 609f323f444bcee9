"""Who the dialer calls, on SQLite and PostgreSQL: eligibility, hours, limits, outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialer.helpers import NEW_YORK, WARSAW, add_merchant, local
from sqlalchemy import select

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.dialer_queue import (
    claim_due_calls,
    count_active_calls,
    release_stale_calls,
    schedule_after_call,
)
from voicebot.crm.models import (
    Call,
    CallOutcome,
    CallStatus,
    DoNotCall,
    Event,
    Merchant,
    MerchantStatus,
)

TUESDAY_10 = local(WARSAW, 2026, 6, 16, 10, 0)


def claim(db: Database, settings: Settings, now: datetime, limit: int = 50) -> list[int]:
    with db.session() as session:
        return [
            c.merchant_id for c in claim_due_calls(session, now=now, limit=limit, settings=settings)
        ]


def end_call(
    db: Database,
    settings: Settings,
    merchant_id: int,
    outcome: CallOutcome | None,
    now: datetime,
    status: CallStatus = CallStatus.COMPLETED,
) -> Merchant:
    with db.session() as session:
        call = session.scalars(
            select(Call).where(Call.merchant_id == merchant_id).order_by(Call.id.desc())
        ).first()
        call.status, call.outcome, call.ended_at = status, outcome, now
        schedule_after_call(session, call, settings, now=now)
        return session.get(Merchant, merchant_id)


def test_only_merchants_the_rules_allow_are_claimed(any_db: Database, settings: Settings) -> None:
    with any_db.session() as s:
        ok = add_merchant(s).id
        due_retry = add_merchant(
            s, status=MerchantStatus.SCHEDULED, next_call_at=TUESDAY_10 - timedelta(minutes=1)
        ).id
        add_merchant(
            s, status=MerchantStatus.SCHEDULED, next_call_at=TUESDAY_10 + timedelta(hours=1)
        )
        add_merchant(s, opted_out=True)
        add_merchant(s, erased_at=datetime(2026, 6, 1, tzinfo=UTC))
        add_merchant(s, consent_source=None, consent_at=None)
        add_merchant(s, status=MerchantStatus.ONBOARDED)
        add_merchant(s, status=MerchantStatus.NEEDS_HUMAN)
        add_merchant(s, phone=None)
        dnc = add_merchant(s)
        s.add(DoNotCall(phone=dnc.phone, reason="asked by letter"))
        on_call = add_merchant(s)
        s.add(Call(merchant_id=on_call.id, status=CallStatus.IN_PROGRESS))
    assert sorted(claim(any_db, settings, TUESDAY_10)) == sorted([ok, due_retry])
    assert claim(any_db, settings, TUESDAY_10) == []  # claimed merchants are now on a call
    with any_db.session() as s:
        merchant = s.get(Merchant, ok)
        assert merchant.status is MerchantStatus.IN_PROGRESS and merchant.attempts == 1
        call = s.scalars(select(Call).where(Call.merchant_id == ok)).one()
        assert call.status is CallStatus.QUEUED and call.attempt == 1
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.merchant_id == ok))]
        assert "dialer.claimed" in kinds


def test_merchants_outside_their_hours_wait_for_their_window(
    any_db: Database, settings: Settings
) -> None:
    now = datetime(2026, 6, 16, 9, 0, tzinfo=UTC)  # 11:00 Warsaw, 05:00 New York
    with any_db.session() as s:
        warsaw = add_merchant(s).id
        new_york = add_merchant(s, timezone=NEW_YORK, country="US", phone="+12125550100").id
    assert claim(any_db, settings, now) == [warsaw]
    with any_db.session() as s:
        moved = s.get(Merchant, new_york)
        assert moved.status is MerchantStatus.NEW
        assert moved.next_call_at == datetime(2026, 6, 16, 13, 0, tzinfo=UTC)  # 09:00 in New York
    assert claim(any_db, settings, now + timedelta(hours=3)) == []
    assert claim(any_db, settings, datetime(2026, 6, 16, 13, 0, tzinfo=UTC)) == [new_york]


def test_callbacks_come_first_at_the_time_asked(any_db: Database, settings: Settings) -> None:
    with any_db.session() as s:
        new = add_merchant(s).id
        callback = add_merchant(
            s, status=MerchantStatus.CALLBACK, next_call_at=TUESDAY_10 + timedelta(minutes=30)
        ).id
    assert claim(any_db, settings, TUESDAY_10, limit=1) == [new]
    assert claim(any_db, settings, TUESDAY_10 + timedelta(minutes=29)) == []
    assert claim(any_db, settings, TUESDAY_10 + timedelta(minutes=30)) == [callback]


def test_concurrent_call_limit(any_db: Database, settings: Settings) -> None:
    capped = settings.model_copy(
        update={"dialer": settings.dialer.model_copy(update={"max_concurrent_calls": 2})}
    )
    with any_db.session() as s:
        ids = [add_merchant(s).id for _ in range(5)]
    first = claim(any_db, capped, TUESDAY_10)
    assert first == ids[:2]
    assert claim(any_db, capped, TUESDAY_10) == []
    with any_db.session() as s:
        assert count_active_calls(s) == 2
    end_call(any_db, capped, first[0], CallOutcome.COMPLETED, TUESDAY_10 + timedelta(minutes=4))
    assert claim(any_db, capped, TUESDAY_10 + timedelta(minutes=5)) == [ids[2]]


def test_busy_retries_then_unreachable(any_db: Database, settings: Settings) -> None:
    with any_db.session() as s:
        merchant_id = add_merchant(s).id
    now = TUESDAY_10
    for attempt in range(1, 7):
        assert claim(any_db, settings, now) == [merchant_id], attempt
        merchant = end_call(
            any_db, settings, merchant_id, None, now + timedelta(seconds=30), status=CallStatus.BUSY
        )
        if attempt < 6:
            assert merchant.status is MerchantStatus.SCHEDULED
            assert claim(any_db, settings, merchant.next_call_at - timedelta(seconds=1)) == []
            now = merchant.next_call_at
    assert merchant.status is MerchantStatus.UNREACHABLE and merchant.next_call_at is None
    with any_db.session() as s:
        calls = s.scalars(select(Call).where(Call.merchant_id == merchant_id)).all()
        assert [c.attempt for c in calls] == [1, 2, 3, 4, 5, 6]


def test_callback_asked_outside_hours_is_moved(any_db: Database, settings: Settings) -> None:
    with any_db.session() as s:
        merchant_id = add_merchant(s).id
    assert claim(any_db, settings, TUESDAY_10) == [merchant_id]
    with any_db.session() as s:
        s.get(Merchant, merchant_id).callback_requested_at = local(WARSAW, 2026, 6, 16, 21, 0)
    merchant = end_call(
        any_db,
        settings,
        merchant_id,
        CallOutcome.CALLBACK_REQUESTED,
        TUESDAY_10 + timedelta(minutes=2),
    )
    assert merchant.status is MerchantStatus.CALLBACK
    assert merchant.next_call_at == local(WARSAW, 2026, 6, 17, 9, 0)


def test_opt_out_puts_the_number_on_the_do_not_call_list(
    any_db: Database, settings: Settings
) -> None:
    with any_db.session() as s:
        merchant = add_merchant(s)
        merchant_id, phone = merchant.id, merchant.phone
        twin = add_merchant(s, phone=phone, external_id="same-number").id
    assert claim(any_db, settings, TUESDAY_10, limit=1) == [merchant_id]
    merchant = end_call(any_db, settings, merchant_id, CallOutcome.OPTED_OUT, TUESDAY_10)
    assert merchant.status is MerchantStatus.OPTED_OUT and merchant.opted_out
    # The same status callback twice changes nothing and adds no second DNC row.
    with any_db.session() as s:
        call = s.scalars(select(Call).where(Call.merchant_id == merchant_id)).one()
        schedule_after_call(s, call, settings, now=TUESDAY_10 + timedelta(minutes=1))
    with any_db.session() as s:
        assert s.scalars(select(DoNotCall.phone)).all() == [phone]
    # Another merchant record with the same number is never called either.
    assert twin not in claim(any_db, settings, TUESDAY_10 + timedelta(hours=1))


def test_human_request_and_completion_stop_the_calls(any_db: Database, settings: Settings) -> None:
    with any_db.session() as s:
        human, done = add_merchant(s).id, add_merchant(s).id
    assert claim(any_db, settings, TUESDAY_10) == [human, done]
    assert (
        end_call(any_db, settings, human, CallOutcome.HUMAN_REQUESTED, TUESDAY_10).status
        is MerchantStatus.NEEDS_HUMAN
    )
    assert (
        end_call(any_db, settings, done, CallOutcome.COMPLETED, TUESDAY_10).status
        is MerchantStatus.ONBOARDED
    )
    assert claim(any_db, settings, TUESDAY_10 + timedelta(days=1)) == []


def test_stale_calls_are_released(any_db: Database, settings: Settings) -> None:
    with any_db.session() as s:
        dialled, never = add_merchant(s).id, add_merchant(s).id
    assert claim(any_db, settings, TUESDAY_10) == [dialled, never]
    with any_db.session() as s:
        call = s.scalars(select(Call).where(Call.merchant_id == dialled)).one()
        call.status, call.started_at = CallStatus.IN_PROGRESS, TUESDAY_10
        s.scalars(select(Call).where(Call.merchant_id == never)).one().created_at = TUESDAY_10
    later = TUESDAY_10 + timedelta(minutes=settings.dialer.stale_call_minutes + 1)
    with any_db.session() as s:
        assert release_stale_calls(s, later, settings) == 2
    with any_db.session() as s:
        lost = s.get(Merchant, dialled)
        assert lost.status is MerchantStatus.SCHEDULED  # an error: retried like a failure
        assert lost.next_call_at == later + timedelta(minutes=30)
        unplaced = s.get(Merchant, never)
        assert unplaced.attempts == 0  # never dialled: not an attempt
        assert unplaced.next_call_at == later
        assert count_active_calls(s) == 0


def test_a_better_outcome_reported_later_decides_again(
    any_db: Database, settings: Settings
) -> None:
    with any_db.session() as s:
        merchant_id = add_merchant(s).id
    assert claim(any_db, settings, TUESDAY_10) == [merchant_id]
    # The status callback guessed "hung up"; then the conversation reports the real outcome.
    guessed = end_call(any_db, settings, merchant_id, CallOutcome.HUNG_UP, TUESDAY_10)
    assert guessed.next_call_at == TUESDAY_10 + timedelta(minutes=120)
    real = end_call(any_db, settings, merchant_id, CallOutcome.COMPLETED, TUESDAY_10)
    assert (real.status, real.next_call_at) == (MerchantStatus.ONBOARDED, None)
    with any_db.session() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.merchant_id == merchant_id))]
        assert kinds.count("dialer.scheduled") == 2
