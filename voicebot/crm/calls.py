"""Calls and their turns: created when the dialer places a call, moved forward by Twilio's
status callbacks (idempotently: retries and late callbacks never move a call backwards),
filled turn by turn while the merchant talks, and finished with an outcome.

Every write here is small and committed by the caller's unit of work at once, so a crash
or a hang-up leaves everything said so far in the database."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from voicebot.config import Settings
from voicebot.crm.dialer_queue import schedule_after_call
from voicebot.crm.events import record_event
from voicebot.crm.models import (
    Call,
    CallOutcome,
    CallStatus,
    Merchant,
    MerchantStatus,
    Speaker,
    Turn,
    utcnow,
)
from voicebot.integers import parse_id

log = logging.getLogger(__name__)

# A call only ever moves to a higher rank; the final statuses share the top rank.
STATUS_RANK = {
    CallStatus.QUEUED: 0,
    CallStatus.INITIATED: 1,
    CallStatus.RINGING: 2,
    CallStatus.IN_PROGRESS: 3,
    CallStatus.COMPLETED: 4,
    CallStatus.BUSY: 4,
    CallStatus.NO_ANSWER: 4,
    CallStatus.FAILED: 4,
    CallStatus.CANCELED: 4,
}
FINAL_STATUSES = frozenset(s for s, rank in STATUS_RANK.items() if rank == 4)
# The outcome a call gets from its final status when no conversation set a better one.
OUTCOME_FOR_STATUS = {
    CallStatus.BUSY: CallOutcome.BUSY,
    CallStatus.NO_ANSWER: CallOutcome.NO_ANSWER,
    CallStatus.FAILED: CallOutcome.FAILED,
    CallStatus.CANCELED: CallOutcome.FAILED,
    CallStatus.COMPLETED: CallOutcome.HUNG_UP,
}


class UnknownCall(LookupError):
    """No call with that id or Twilio CallSid."""


class StreamRefused(PermissionError):
    """A media stream's `start` that does not belong to a live call; the text says why."""


@dataclass(frozen=True)
class StatusResult:
    applied: bool
    reason: str  # "applied", "duplicate", "stale", "backwards", "unknown-status"
    status: CallStatus


def create_call(session: Session, merchant_id: int, *, language: str | None = None) -> Call:
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise UnknownCall(f"merchant {merchant_id} does not exist")
    previous = session.scalar(select(func.count(Call.id)).where(Call.merchant_id == merchant_id))
    call = Call(
        merchant_id=merchant_id,
        attempt=(previous or 0) + 1,
        status=CallStatus.QUEUED,
        language=language or merchant.language,
    )
    session.add(call)
    merchant.attempts = (merchant.attempts or 0) + 1
    if merchant.status in (MerchantStatus.NEW, MerchantStatus.SCHEDULED, MerchantStatus.CALLBACK):
        merchant.status = MerchantStatus.IN_PROGRESS
    session.flush()
    record_event(session, "call.created", merchant_id=merchant_id, call_id=call.id)
    return call


def get_call(session: Session, call_id: int) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise UnknownCall(f"call {call_id} does not exist")
    return call


def find_call(session: Session, reference: str | int | None) -> Call | None:
    """A call by database id (as given in the stream's parameters) or by Twilio CallSid."""
    if reference is None or reference == "":
        return None
    if isinstance(reference, int):
        call_id = parse_id(reference)
        return session.get(Call, call_id) if call_id is not None else None
    if reference.isascii() and reference.isdigit():  # an id, or too large to be one
        call_id = parse_id(reference)
        return session.get(Call, call_id) if call_id is not None else None
    return session.scalar(select(Call).where(Call.twilio_call_sid == reference))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_stream_token(session: Session, call: Call) -> str | None:
    """A fresh secret for the call's one media stream; only its hash is kept. None when the
    call already has one: a replayed voice webhook must not mint a second key."""
    if call.stream_token_hash is not None:
        return None
    token = secrets.token_urlsafe(32)
    call.stream_token_hash = _token_hash(token)
    return token


def claim_stream(
    session: Session,
    call_id: int,
    *,
    call_sid: str,
    account_sid: str,
    token: str,
    expected_account: str,
) -> Call:
    """Bind a media stream to its call, or raise StreamRefused without changing anything.
    The start must name our account and the call's own CallSid, carry the token the call's
    TwiML handed out, and find the call live and not yet streaming."""
    call = session.get(Call, call_id)
    if call is None:
        raise StreamRefused(f"no call {call_id}")
    if not hmac.compare_digest(account_sid.encode(), expected_account.encode()):
        raise StreamRefused(f"account {account_sid!r} is not ours")
    if not call.twilio_call_sid or not hmac.compare_digest(
        call_sid.encode(), call.twilio_call_sid.encode()
    ):
        raise StreamRefused(f"CallSid {call_sid!r} is not call {call_id}'s")
    if call.stream_token_hash is None or not hmac.compare_digest(
        _token_hash(token), call.stream_token_hash
    ):
        raise StreamRefused(f"the stream token does not match call {call_id}'s")
    if call.ended_at is not None or call.outcome is not None or call.status in FINAL_STATUSES:
        raise StreamRefused(f"call {call_id} is over")
    # One stream per call, also when two starts race in different processes.
    claimed = session.execute(
        update(Call)
        .where(Call.id == call_id, Call.stream_started_at.is_(None))
        .values(stream_started_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise StreamRefused(f"call {call_id} is already streaming")
    return call


def attach_call_sid(session: Session, call_id: int, call_sid: str) -> Call:
    call = get_call(session, call_id)
    call.twilio_call_sid = call_sid
    if STATUS_RANK[call.status] < STATUS_RANK[CallStatus.INITIATED]:
        call.status = CallStatus.INITIATED
    call.started_at = call.started_at or utcnow()
    return call


def fail_call(session: Session, call_id: int, error: str) -> Call:
    """The call could not be placed at all (the REST request failed)."""
    call = get_call(session, call_id)
    call.status = CallStatus.FAILED
    call.outcome = CallOutcome.FAILED
    call.error = error
    call.ended_at = utcnow()
    record_event(session, "call.failed", merchant_id=call.merchant_id, call_id=call.id, error=error)
    return call


def apply_status(
    session: Session,
    call_sid: str,
    status: str,
    *,
    timestamp: datetime | None = None,
    sequence: int | None = None,
    duration_s: int | None = None,
    settings: Settings | None = None,
) -> StatusResult:
    """One status callback. Applied only when it moves the call forward and is not older than
    the last one applied; duplicates and late arrivals are reported, never applied."""
    call = session.scalar(select(Call).where(Call.twilio_call_sid == call_sid))
    if call is None:
        raise UnknownCall(f"no call with CallSid {call_sid}")
    try:
        new = CallStatus(status)
    except ValueError:
        return StatusResult(False, "unknown-status", call.status)
    current = call.status
    if new is current:
        return StatusResult(False, "duplicate", current)
    if STATUS_RANK[new] <= STATUS_RANK[current]:
        return StatusResult(False, "backwards", current)
    last = call.status_updated_at
    if timestamp is not None and last is not None and timestamp < last:
        return StatusResult(False, "stale", current)

    call.status = new
    if timestamp is not None:
        call.status_updated_at = timestamp
    now = utcnow()
    if new is CallStatus.IN_PROGRESS:
        call.answered_at = call.answered_at or timestamp or now
    if new in FINAL_STATUSES:
        call.ended_at = call.ended_at or timestamp or now
        if duration_s is not None:
            call.duration_s = duration_s
        # An answered call is finished by its conversation, which knows the real outcome;
        # a call that never got that far is finished here.
        if call.answered_at is None or call.outcome is not None:
            call.outcome = call.outcome or OUTCOME_FOR_STATUS[new]
            if settings is not None:
                schedule_after_call(session, call, settings)
    record_event(
        session,
        "call.status",
        merchant_id=call.merchant_id,
        call_id=call.id,
        before=current.value,
        after=new.value,
        sequence=sequence,
        duration_s=duration_s,
    )
    return StatusResult(True, "applied", new)


def record_answered_by(session: Session, call_sid: str, answered_by: str) -> Call:
    call = session.scalar(select(Call).where(Call.twilio_call_sid == call_sid))
    if call is None:
        raise UnknownCall(f"no call with CallSid {call_sid}")
    call.answered_by = answered_by
    record_event(
        session,
        "call.answered_by",
        merchant_id=call.merchant_id,
        call_id=call.id,
        answered_by=answered_by,
    )
    return call


def mark_stream_started(session: Session, call_id: int, *, stream_sid: str | None) -> Call:
    """The media stream is up: the merchant answered and the conversation begins."""
    call = get_call(session, call_id)
    if STATUS_RANK[call.status] < STATUS_RANK[CallStatus.IN_PROGRESS]:
        call.status = CallStatus.IN_PROGRESS
    now = utcnow()
    call.answered_at = call.answered_at or now
    call.started_at = call.started_at or now
    record_event(
        session,
        "call.stream_started",
        merchant_id=call.merchant_id,
        call_id=call.id,
        stream_sid=stream_sid,
    )
    return call


def next_turn_index(session: Session, call_id: int) -> int:
    last = session.scalar(select(func.max(Turn.index)).where(Turn.call_id == call_id))
    return 0 if last is None else last + 1


def add_turn(
    session: Session,
    call_id: int,
    *,
    index: int,
    speaker: Speaker,
    text: str,
    asr_confidence: float | None = None,
    alternatives: list[Any] | None = None,
    words: list[Any] | None = None,
    intent: str | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
    latency_ms: int | None = None,
) -> Turn:
    turn = Turn(
        call_id=call_id,
        index=index,
        speaker=speaker,
        text=text,
        asr_confidence=asr_confidence,
        asr_alternatives=alternatives,
        words=words,
        intent=intent,
        start_ms=start_ms,
        end_ms=end_ms,
        latency_ms=latency_ms,
    )
    session.add(turn)
    session.flush()
    return turn


_TURN_UPDATABLE = {"end_ms", "latency_ms", "interrupted", "intent", "start_ms"}


def update_turn(session: Session, turn_id: int, **changes: Any) -> Turn:
    """Facts known only later: when the bot's audio really ended, whether it was cut off."""
    unknown = set(changes) - _TURN_UPDATABLE
    if unknown:
        raise ValueError(f"turn fields that cannot be updated: {sorted(unknown)}")
    turn = session.get(Turn, turn_id)
    if turn is None:
        raise UnknownCall(f"turn {turn_id} does not exist")
    for key, value in changes.items():
        setattr(turn, key, value)
    return turn


def save_tracker(session: Session, call_id: int, tracker: dict[str, Any]) -> None:
    get_call(session, call_id).tracker = tracker


def set_recording(session: Session, call_id: int, path: str) -> None:
    get_call(session, call_id).recording_path = path


def finish_call(
    session: Session,
    call_id: int,
    *,
    outcome: CallOutcome,
    error: str | None = None,
    needs_review: bool = True,
    settings: Settings | None = None,
) -> Call:
    """The conversation is over. A voicemail or an earlier conversation outcome is kept over
    the generic one a status callback guessed (hung_up)."""
    call = get_call(session, call_id)
    before = call.outcome
    if before is None or before in (CallOutcome.HUNG_UP, CallOutcome.PARTIAL):
        call.outcome = outcome
    call.ended_at = call.ended_at or utcnow()
    call.needs_review = call.needs_review or needs_review
    if error:
        call.error = error
    record_event(
        session,
        "call.finished",
        merchant_id=call.merchant_id,
        call_id=call.id,
        outcome=call.outcome.value if call.outcome else None,
        error=error,
    )
    if settings is not None:
        schedule_after_call(session, call, settings)  # the dialer decides what happens next
    return call


def set_outcome(session: Session, call_id: int, outcome: CallOutcome) -> Call:
    """An outcome decided outside the conversation (a voicemail left by the AMD handler)."""
    call = get_call(session, call_id)
    call.outcome = outcome
    record_event(
        session,
        "call.outcome",
        merchant_id=call.merchant_id,
        call_id=call.id,
        outcome=outcome.value,
    )
    return call


def record_voicemail_failure(session: Session, call_id: int, error: str) -> Call:
    """The voicemail could not be left (Twilio's API unreachable): kept on the call so staff
    see it; the voicemail outcome stays, so the dialer calls again when the call ends."""
    call = get_call(session, call_id)
    call.error = f"voicemail not left: {error}"
    record_event(
        session,
        "call.voicemail_failed",
        merchant_id=call.merchant_id,
        call_id=call.id,
        error=error,
    )
    return call


def turns_for(session: Session, call_id: int) -> list[Turn]:
    return list(session.scalars(select(Turn).where(Turn.call_id == call_id).order_by(Turn.index)))


def calls_for(session: Session, merchant_id: int) -> list[Call]:
    return list(
        session.scalars(select(Call).where(Call.merchant_id == merchant_id).order_by(Call.id))
    )
