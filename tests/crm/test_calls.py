"""CRM queries of a call, on SQLite and PostgreSQL: status ordering, turns, finishing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from voicebot.crm import calls as crm_calls
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.crm.models import CallOutcome, Speaker


def new_call(db) -> int:
    with db.session() as s:
        merchant, _ = upsert_merchant(
            s, normalise_merchant({"external_id": "m1", "phone": "+48501234567"})
        )
        call = crm_calls.create_call(s, merchant.id)
        crm_calls.attach_call_sid(s, call.id, "CA1")
        return call.id


def test_status_moves_forward_only(any_db, settings) -> None:
    new_call(any_db)
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with any_db.session() as s:
        seen = [
            crm_calls.apply_status(s, "CA1", "ringing", timestamp=t0).reason,
            crm_calls.apply_status(s, "CA1", "ringing", timestamp=t0).reason,
            crm_calls.apply_status(s, "CA1", "initiated", timestamp=t0).reason,
            crm_calls.apply_status(
                s, "CA1", "in-progress", timestamp=t0 - timedelta(seconds=1)
            ).reason,
            crm_calls.apply_status(
                s, "CA1", "in-progress", timestamp=t0 + timedelta(seconds=3)
            ).reason,
            crm_calls.apply_status(s, "CA1", "teleported").reason,
        ]
    assert seen == ["applied", "duplicate", "backwards", "stale", "applied", "unknown-status"]


def test_turns_and_finish_keep_everything(any_db, settings) -> None:
    call_id = new_call(any_db)
    with any_db.session() as s:
        bot = crm_calls.add_turn(
            s, call_id, index=0, speaker=Speaker.BOT, text="Hello", start_ms=0, end_ms=900
        )
        crm_calls.add_turn(
            s,
            call_id,
            index=1,
            speaker=Speaker.MERCHANT,
            text="hi",
            asr_confidence=0.8,
            alternatives=[["hi", 0.8], ["high", 0.1]],
            words=[{"word": "hi"}],
            start_ms=1000,
            end_ms=1300,
        )
        crm_calls.update_turn(s, bot.id, interrupted=True, end_ms=500)
        crm_calls.save_tracker(s, call_id, {"events": []})
        crm_calls.finish_call(s, call_id, outcome=CallOutcome.OPTED_OUT, settings=settings)
    with any_db.session() as s:
        call = crm_calls.get_call(s, call_id)
        turns = crm_calls.turns_for(s, call_id)
        assert [t.text for t in turns] == ["Hello", "hi"]
        assert turns[0].interrupted and turns[0].end_ms == 500
        assert turns[1].asr_alternatives == [["hi", 0.8], ["high", 0.1]]
        assert call.outcome is CallOutcome.OPTED_OUT and call.ended_at is not None
        assert call.merchant.opted_out  # the dialer's scheduling honours the opt-out
