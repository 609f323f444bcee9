"""The dialer's database side: who is due, claiming them, recording what happened.

Claims are safe with many dialers on one PostgreSQL database: due merchants are selected
``FOR UPDATE SKIP LOCKED`` (two claimers never get the same row and never wait on each
other) and the claim flips the merchant to ``in_progress`` and creates its queued call in
the same transaction. A transaction-scoped advisory lock around the count of active calls
keeps ``max_concurrent_calls`` exact across machines. SQLite serialises writers anyway
(``BEGIN IMMEDIATE``), so the same code is safe there for one machine.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, exists, func, or_, select, text, update
from sqlalchemy.orm import Session

from voicebot.calling_hours_format import CallingHoursError
from voicebot.crm.events import record_event
from voicebot.crm.models import (
    Call,
    CallOutcome,
    CallStatus,
    DoNotCall,
    Event,
    Merchant,
    MerchantStatus,
)
from voicebot.scheduling.calling_hours import is_allowed, next_allowed_time
from voicebot.scheduling.retry_policy import OUTCOME_FROM_STATUS, NextStep, decide_next_step

if TYPE_CHECKING:
    from voicebot.config import Settings

ACTIVE_CALL_STATUSES = (
    CallStatus.QUEUED,
    CallStatus.INITIATED,
    CallStatus.RINGING,
    CallStatus.IN_PROGRESS,
)
CALLABLE_STATUSES = (MerchantStatus.NEW, MerchantStatus.SCHEDULED, MerchantStatus.CALLBACK)
# Any constant shared by all dialers; "voicebot" in ASCII, so it is recognisable in pg_locks.
CLAIM_LOCK_KEY = 0x766F696365626F74
ACTOR = "dialer"
# Which dialer process claimed a call, for the audit log.
CLAIMER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class ClaimedCall:
    """A call the dialer has committed to place: the row exists, the merchant is taken."""

    call_id: int
    merchant_id: int
    phone: str
    language: str
    attempt: int


def _active_call_of_merchant():
    return exists().where(
        Call.merchant_id == Merchant.id,
        Call.status.in_(ACTIVE_CALL_STATUSES),
        Call.ended_at.is_(None),
    )


def _number_on_dnc_list():
    return exists().where(DoNotCall.phone == Merchant.phone)


def count_active_calls(session: Session) -> int:
    """Calls claimed, dialling or connected: what counts against max_concurrent_calls."""
    query = select(func.count(Call.id)).where(
        Call.status.in_(ACTIVE_CALL_STATUSES), Call.ended_at.is_(None)
    )
    return int(session.scalar(query) or 0)


def due_merchants_query(now: datetime):
    """Merchants the dialer may call now (calling hours aside), callbacks first."""
    return (
        select(Merchant)
        .where(
            Merchant.status.in_(CALLABLE_STATUSES),
            Merchant.opted_out.is_(False),
            Merchant.erased_at.is_(None),
            Merchant.consent_source.is_not(None),
            Merchant.consent_at.is_not(None),
            Merchant.phone.is_not(None),
            ~_number_on_dnc_list(),
            ~_active_call_of_merchant(),
            or_(
                Merchant.next_call_at <= now,
                Merchant.next_call_at.is_(None) & (Merchant.status == MerchantStatus.NEW),
            ),
        )
        .order_by(
            case((Merchant.status == MerchantStatus.CALLBACK, 0), else_=1),
            Merchant.next_call_at.is_not(None),  # new sign-ups with no time yet go first
            Merchant.next_call_at,
            Merchant.id,
        )
    )


def _take_claim_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK_KEY})


def claim_due_calls(
    session: Session, *, now: datetime, limit: int, settings: Settings
) -> list[ClaimedCall]:
    """Claim up to ``limit`` due merchants inside calling hours, never more than the free
    concurrent-call slots. Each claim creates a queued Call and marks the merchant
    in progress. Due merchants outside their hours get next_call_at moved to their next
    window, so they are not examined again until then. Commit the session to publish."""
    _take_claim_lock(session)
    free = settings.dialer.max_concurrent_calls - count_active_calls(session)
    wanted = min(limit, free)
    if wanted <= 0:
        return []
    # Look further than `wanted`: some candidates may be outside their calling hours.
    candidates = session.scalars(
        due_merchants_query(now)
        .limit(max(wanted * 4, 20))
        .with_for_update(skip_locked=True, of=Merchant)
    ).all()
    claims: list[ClaimedCall] = []
    for merchant in candidates:
        if len(claims) >= wanted:
            break
        try:
            allowed = is_allowed(now, merchant.timezone, merchant.country, settings)
            if not allowed:
                merchant.next_call_at = next_allowed_time(
                    now, merchant.timezone, merchant.country, settings
                )
                continue
        except CallingHoursError as exc:
            merchant.status = MerchantStatus.NEEDS_HUMAN
            merchant.next_call_at = None
            record_event(
                session, "dialer.skipped", actor=ACTOR, merchant_id=merchant.id, reason=str(exc)
            )
            continue
        claims.append(_claim(session, merchant, now))
    return claims


def _claim(session: Session, merchant: Merchant, now: datetime) -> ClaimedCall:
    merchant.attempts = (merchant.attempts or 0) + 1
    merchant.status = MerchantStatus.IN_PROGRESS
    merchant.next_call_at = None
    call = Call(
        merchant_id=merchant.id,
        attempt=merchant.attempts,
        status=CallStatus.QUEUED,
        language=merchant.language,
        started_at=None,
    )
    session.add(call)
    session.flush()
    record_event(
        session,
        "dialer.claimed",
        actor=ACTOR,
        merchant_id=merchant.id,
        call_id=call.id,
        attempt=merchant.attempts,
        at=now.isoformat(),
        by=CLAIMER,
    )
    return ClaimedCall(
        call_id=call.id,
        merchant_id=merchant.id,
        phone=merchant.phone or "",
        language=merchant.language,
        attempt=merchant.attempts,
    )


def start_placing(session: Session, call_id: int, now: datetime) -> ClaimedCall | None:
    """Move a queued call to ``initiated`` exactly once; None if it was already taken (a
    duplicate job) or cancelled. Placing happens after this commits: at most one dial."""
    result = session.execute(
        update(Call)
        .where(Call.id == call_id, Call.status == CallStatus.QUEUED)
        .values(status=CallStatus.INITIATED, started_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for UPDATE
        return None
    call = session.get(Call, call_id)
    assert call is not None
    merchant = call.merchant
    return ClaimedCall(
        call.id, merchant.id, merchant.phone or "", call.language or "pl", call.attempt
    )


def claim_still_valid(
    session: Session, call_id: int, now: datetime, settings: Settings
) -> str | None:
    """Why a queued call must not be placed any more (None: go ahead). Things change
    between claim and dial: an opt-out, an erasure, a DNC entry, or the window closing."""
    call = session.get(Call, call_id)
    if call is None:
        return "call no longer exists"
    merchant = call.merchant
    reason = refusal_reason(merchant, on_dnc_list=_on_dnc_list(session, merchant))
    if reason is None and merchant.status is not MerchantStatus.IN_PROGRESS:
        reason = f"merchant is {merchant.status.value}"
    if reason is None and not is_allowed(now, merchant.timezone, merchant.country, settings):
        reason = "outside calling hours"
    return reason


def release_claim(
    session: Session, call_id: int, now: datetime, settings: Settings, reason: str
) -> None:
    """Give back a claim that was never dialled: the call is cancelled, the attempt does not
    count, and a still-callable merchant is scheduled for the next allowed moment."""
    call = session.get(Call, call_id)
    if call is None or call.status is not CallStatus.QUEUED:
        return
    call.status = CallStatus.CANCELED
    call.ended_at = now
    call.error = f"not placed: {reason}"
    merchant = call.merchant
    merchant.attempts = max((merchant.attempts or 1) - 1, 0)
    if merchant.status is MerchantStatus.IN_PROGRESS:
        merchant.status = MerchantStatus.SCHEDULED
        merchant.next_call_at = next_allowed_time(
            now, merchant.timezone, merchant.country, settings
        )
    record_event(
        session,
        "dialer.released",
        actor=ACTOR,
        merchant_id=merchant.id,
        call_id=call.id,
        reason=reason,
    )


def mark_call_placed(session: Session, call_id: int, provider_sid: str | None) -> None:
    call = session.get(Call, call_id)
    if call is None:
        return
    if provider_sid and not call.twilio_call_sid:
        call.twilio_call_sid = provider_sid
    record_event(
        session,
        "dialer.placed",
        actor=ACTOR,
        merchant_id=call.merchant_id,
        call_id=call.id,
        sid=provider_sid,
    )


def mark_call_not_placed(
    session: Session, call_id: int, error: str, now: datetime, settings: Settings
) -> NextStep | None:
    """The provider refused the call (bad number, API down): it failed; retry per policy."""
    call = session.get(Call, call_id)
    if call is None:
        return None
    call.status = CallStatus.FAILED
    call.outcome = CallOutcome.FAILED
    call.ended_at = now
    call.error = error[:2000]
    return schedule_after_call(session, call, settings, now=now)


def effective_outcome(call: Call) -> CallOutcome:
    if call.outcome is not None:
        return call.outcome
    return OUTCOME_FROM_STATUS.get(call.status, CallOutcome.ERROR)


def schedule_after_call(
    session: Session, call: Call, settings: Settings, *, now: datetime | None = None
) -> NextStep:
    """Called by the call layer once a call has ended (outcome or final status set): sets
    the merchant's status and next_call_at from the outcome and the retry policy.
    An opt-out also puts the number on the do-not-call list. Idempotent per call."""
    merchant = call.merchant
    now = now or call.ended_at or datetime.now(UTC)
    outcome = effective_outcome(call)
    if call.ended_at is None:
        call.ended_at = now
    if _already_decided(session, call, outcome):
        return NextStep(merchant.status, merchant.next_call_at, "already scheduled")
    if merchant.erased_at is not None or merchant.status is MerchantStatus.ERASED:
        return NextStep(MerchantStatus.ERASED, None, "merchant erased")
    if merchant.opted_out or outcome is CallOutcome.OPTED_OUT:
        step = NextStep(MerchantStatus.OPTED_OUT, None, "opted out")
        _opt_out(session, merchant, now)
    else:
        step = decide_next_step(
            outcome,
            attempts=merchant.attempts or call.attempt,
            now=now,
            timezone=merchant.timezone,
            country=merchant.country,
            settings=settings,
            callback_at=merchant.callback_requested_at
            if outcome is CallOutcome.CALLBACK_REQUESTED
            else None,
        )
    merchant.status = step.status
    merchant.next_call_at = step.next_call_at
    record_event(
        session,
        "dialer.scheduled",
        actor=ACTOR,
        merchant_id=merchant.id,
        call_id=call.id,
        outcome=outcome.value,
        status=step.status.value,
        next_call_at=step.next_call_at.isoformat() if step.next_call_at else None,
        reason=step.reason,
    )
    return step


def _already_decided(session: Session, call: Call, outcome: CallOutcome) -> bool:
    """A repeated or late report for the same call changes nothing. Only a better outcome
    (the conversation's own, after a status callback's guess) may decide again, and only
    while no newer call to the merchant exists."""
    previous = session.scalars(
        select(Event)
        .where(Event.call_id == call.id, Event.kind == "dialer.scheduled")
        .order_by(Event.id.desc())
    ).first()
    if previous is None:
        return False
    if previous.data.get("outcome") == outcome.value:
        return True
    newer = session.scalar(
        select(exists().where(Call.merchant_id == call.merchant_id, Call.id > call.id))
    )
    return bool(newer)


def _on_dnc_list(session: Session, merchant: Merchant) -> bool:
    if not merchant.phone:
        return False
    return bool(session.scalar(select(exists().where(DoNotCall.phone == merchant.phone))))


def _opt_out(session: Session, merchant: Merchant, now: datetime) -> None:
    merchant.opted_out = True
    merchant.opted_out_at = merchant.opted_out_at or now
    if merchant.phone and not _on_dnc_list(session, merchant):
        session.add(DoNotCall(phone=merchant.phone, reason=f"opted out on a call ({merchant.id})"))


def release_stale_calls(session: Session, now: datetime, settings: Settings) -> int:
    """Calls still 'active' long after they should have ended (a crashed worker, a lost
    status callback) stop blocking their merchant and a concurrency slot."""
    cutoff = now - timedelta(minutes=settings.dialer.stale_call_minutes)
    stale = session.scalars(
        select(Call)
        .where(
            Call.status.in_(ACTIVE_CALL_STATUSES),
            Call.ended_at.is_(None),
            func.coalesce(Call.started_at, Call.created_at) < cutoff,
        )
        .with_for_update(skip_locked=True)
    ).all()
    for call in stale:
        if call.status is CallStatus.QUEUED:  # claimed but never dialled: not an attempt
            release_claim(session, call.id, now, settings, "claim expired before dialling")
            continue
        call.status = CallStatus.FAILED
        call.outcome = call.outcome or CallOutcome.ERROR
        call.error = call.error or "no end reported; released by the dialer"
        call.ended_at = now
        schedule_after_call(session, call, settings, now=now)
    return len(stale)


def refusal_reason(merchant: Merchant, *, on_dnc_list: bool) -> str | None:
    """Why this merchant may never be called by the bot (None: nothing forbids it)."""
    if merchant.erased_at is not None or merchant.status is MerchantStatus.ERASED:
        return "erased"
    if merchant.opted_out or merchant.status is MerchantStatus.OPTED_OUT:
        return "opted out"
    if on_dnc_list:
        return "number is on the do-not-call list"
    if not merchant.consent_source or merchant.consent_at is None:
        return "no consent on record for automated calls"
    if not merchant.phone:
        return "no phone number"
    return None


def skip_reason(merchant: Merchant, *, on_dnc_list: bool, on_call: bool) -> str | None:
    """Why the dialer will not call this merchant now or later (None: it will, when due)."""
    refusal = refusal_reason(merchant, on_dnc_list=on_dnc_list)
    if refusal is not None:
        return refusal
    if on_call or merchant.status is MerchantStatus.IN_PROGRESS:
        return "already on a call"
    if merchant.status is MerchantStatus.ONBOARDED:
        return "onboarding completed"
    if merchant.status is MerchantStatus.UNREACHABLE:
        return "unreachable: retries used up"
    if merchant.status is MerchantStatus.NEEDS_HUMAN:
        return "waiting for a person"
    return None


@dataclass(frozen=True)
class PlanRow:
    merchant: Merchant
    on_dnc_list: bool
    on_call: bool


def merchants_for_plan(session: Session) -> list[PlanRow]:
    """Every merchant with the facts the plan needs; read only."""
    rows = session.execute(
        select(
            Merchant,
            _number_on_dnc_list().label("dnc"),
            _active_call_of_merchant().label("on_call"),
        ).order_by(Merchant.id)
    ).all()
    return [PlanRow(m, bool(dnc), bool(on_call)) for m, dnc, on_call in rows]
