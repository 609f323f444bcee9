"""GDPR duties: erasure of a merchant's personal data, a merchant's data as JSON (access),
and retention (old recordings and transcripts deleted, the collected configuration kept).

Audit events are append-only for the application; erasure is the one legitimate rewrite,
done here with a Core UPDATE that replaces their data with a redacted stub."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, null, or_, select, update
from sqlalchemy.orm import Session, selectinload

from voicebot.crm.events import record_event
from voicebot.crm.merchants import merchant_document
from voicebot.crm.models import (
    Call,
    ConfigField,
    DoNotCall,
    Event,
    Merchant,
    MerchantStatus,
    StoreConfig,
    Turn,
    WebhookDelivery,
    utcnow,
)
from voicebot.crm.store_configs import config_snapshot

# Keys of event data that never hold personal data and keep the audit log readable.
_SAFE_EVENT_KEYS = ("field", "source", "scopes", "reason")


class ErasureError(ValueError):
    """The merchant does not exist or cannot be erased."""


@dataclass(frozen=True)
class ErasureReport:
    merchant_id: int
    calls: int
    turns_deleted: int
    recordings_deleted: int
    events_redacted: int
    webhook_payloads_redacted: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def recording_file(recording_path: str, recordings_dir: Path) -> Path:
    path = Path(recording_path)
    return path if path.is_absolute() else recordings_dir / path


def _delete_recording(call: Call, recordings_dir: Path) -> bool:
    if not call.recording_path:
        return False
    path = recording_file(call.recording_path, recordings_dir)
    existed = path.exists()
    path.unlink(missing_ok=True)
    call.recording_path = None
    return existed


def _delete_transcript(session: Session, call: Call) -> int:
    turn_ids = [t.id for t in call.turns]
    if turn_ids:
        # Fields keep their values; they only lose the link to the deleted turn.
        session.execute(
            update(ConfigField).where(ConfigField.turn_id.in_(turn_ids)).values(turn_id=None)
        )
    count = len(call.turns)
    call.turns.clear()
    # The dialog tracker repeats everything that was said. SQL NULL, not JSON null, so the
    # retention query's `tracker IS NOT NULL` does not pick the call again tomorrow.
    call.tracker = null()
    return count


def erase_merchant(
    session: Session, merchant_id: int, *, actor: str, recordings_dir: Path
) -> ErasureReport:
    """Remove a merchant's personal data, recordings, transcripts and configuration,
    redact it from audit events and webhook logs, and leave a 'merchant.erased' event.
    The phone number stays on the do-not-call list when it is there: honouring an
    opt-out is a legal duty that outlives erasure."""
    merchant = session.scalar(
        select(Merchant)
        .where(Merchant.id == merchant_id)
        .options(selectinload(Merchant.calls).selectinload(Call.turns))
    )
    if merchant is None:
        raise ErasureError(f"no merchant with id {merchant_id}")
    if merchant.erased_at is not None:
        raise ErasureError(
            f"merchant {merchant_id} was already erased on {merchant.erased_at:%Y-%m-%d}"
        )

    turns = recordings = 0
    for call in merchant.calls:
        recordings += _delete_recording(call, recordings_dir)
        turns += _delete_transcript(session, call)
        call.error = None
    if merchant.store_config is not None:
        session.delete(merchant.store_config)
    session.flush()

    call_ids = [c.id for c in merchant.calls]
    events_redacted = _redact_events(session, merchant_id, call_ids)
    payloads = _redact_webhook_payloads(session, merchant_id)

    for key in ("company_name", "contact_name", "phone", "email", "consent_text", "country"):
        setattr(merchant, key, None)
    merchant.external_id = f"erased-{merchant.id}"
    merchant.signup_data = {}
    merchant.status = MerchantStatus.ERASED
    merchant.next_call_at = None
    merchant.callback_requested_at = None
    merchant.erased_at = utcnow()

    report = ErasureReport(merchant_id, len(call_ids), turns, recordings, events_redacted, payloads)
    record_event(
        session,
        "merchant.erased",
        actor=actor,
        merchant_id=merchant_id,
        calls=report.calls,
        turns_deleted=report.turns_deleted,
        recordings_deleted=report.recordings_deleted,
        events_redacted=report.events_redacted,
        webhook_payloads_redacted=report.webhook_payloads_redacted,
    )
    return report


def _redact_events(session: Session, merchant_id: int, call_ids: list[int]) -> int:
    condition = Event.merchant_id == merchant_id
    if call_ids:
        condition = or_(condition, Event.call_id.in_(call_ids))
    rows = session.execute(select(Event.id, Event.data).where(condition)).all()
    for event_id, data in rows:
        kept = {k: v for k, v in (data or {}).items() if k in _SAFE_EVENT_KEYS}
        # Core UPDATE: the ORM guard forbids changing events, erasure is the one exception.
        session.execute(
            update(Event).where(Event.id == event_id).values(data={**kept, "redacted": True})
        )
    return len(rows)


def _redact_webhook_payloads(session: Session, merchant_id: int) -> int:
    count = 0
    for delivery in session.scalars(select(WebhookDelivery)):
        if (delivery.payload or {}).get("merchant_id") == merchant_id:
            delivery.payload = {"merchant_id": merchant_id, "redacted": True}
            count += 1
    return count


def export_merchant(session: Session, merchant_id: int) -> dict[str, Any]:
    """Everything stored about a merchant, as JSON-ready data (GDPR right of access)."""
    merchant = session.scalar(
        select(Merchant)
        .where(Merchant.id == merchant_id)
        .options(selectinload(Merchant.calls).selectinload(Call.turns))
    )
    if merchant is None:
        raise LookupError(f"no merchant with id {merchant_id}")
    config = session.scalar(
        select(StoreConfig)
        .where(StoreConfig.merchant_id == merchant_id)
        .options(selectinload(StoreConfig.fields).selectinload(ConfigField.history))
    )
    on_dnc = bool(
        merchant.phone
        and session.scalar(select(func.count()).where(DoNotCall.phone == merchant.phone))
    )
    events = session.scalars(
        select(Event).where(Event.merchant_id == merchant_id).order_by(Event.id)
    )
    return {
        "exported_at": utcnow().isoformat(),
        "merchant": {
            **merchant_document(merchant),
            "opted_out_at": _iso(merchant.opted_out_at),
            "on_do_not_call_list": on_dnc,
            "consent": {
                "source": merchant.consent_source,
                "at": _iso(merchant.consent_at),
                "text": merchant.consent_text,
            },
            "signup_data": merchant.signup_data,
            "created_at": _iso(merchant.created_at),
            "erased_at": _iso(merchant.erased_at),
        },
        "calls": [_call_export(call) for call in merchant.calls],
        "store_config": _config_export(config) if config else None,
        "events": [
            {
                "at": _iso(e.at),
                "kind": e.kind,
                "actor": e.actor,
                "call_id": e.call_id,
                "data": e.data,
            }
            for e in events
        ],
    }


def _call_export(call: Call) -> dict[str, Any]:
    return {
        "id": call.id,
        "status": call.status.value,
        "outcome": call.outcome.value if call.outcome else None,
        "language": call.language,
        "started_at": _iso(call.started_at),
        "ended_at": _iso(call.ended_at),
        "duration_s": call.duration_s,
        "has_recording": bool(call.recording_path),
        "turns": [
            {
                "index": t.index,
                "speaker": t.speaker.value,
                "text": t.text,
                "asr_confidence": t.asr_confidence,
                "start_ms": t.start_ms,
                "end_ms": t.end_ms,
            }
            for t in call.turns
        ],
    }


def _config_export(config: StoreConfig) -> dict[str, Any]:
    snapshot = config_snapshot(config)
    for f in config.fields:
        snapshot["fields"][f.name]["history"] = [
            {"value": h.value, "source": h.source.value, "actor": h.actor, "at": _iso(h.at)}
            for h in f.history
        ]
    return snapshot


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    calls: int
    turns_deleted: int
    recordings_deleted: int


def apply_retention(
    session: Session,
    *,
    max_age: timedelta,
    recordings_dir: Path,
    actor: str = "retention",
    now: datetime | None = None,
) -> RetentionReport:
    """Delete recordings and transcripts of calls that ended more than `max_age` ago.
    The collected configuration stays; each purged call gets an audit event."""
    cutoff = (now or utcnow()) - max_age
    ended = func.coalesce(Call.ended_at, Call.started_at, Call.created_at)
    has_turns = select(Turn.id).where(Turn.call_id == Call.id).exists()
    calls = session.scalars(
        select(Call)
        .where(ended < cutoff)
        .where(or_(Call.recording_path.is_not(None), Call.tracker.is_not(None), has_turns))
        .options(selectinload(Call.turns))
    ).all()
    turns = recordings = 0
    for call in calls:
        had_recording = _delete_recording(call, recordings_dir)
        deleted = _delete_transcript(session, call)
        recordings += had_recording
        turns += deleted
        record_event(
            session,
            "call.retention_purged",
            actor=actor,
            merchant_id=call.merchant_id,
            call_id=call.id,
            turns_deleted=deleted,
            recording_deleted=had_recording,
            cutoff=cutoff.isoformat(),
        )
    return RetentionReport(cutoff, len(calls), turns, recordings)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
