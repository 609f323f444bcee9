"""Erasure, GDPR export and retention against SQLite and PostgreSQL, with real recordings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fixtures.review.builder import build_call
from sqlalchemy import select

from voicebot.crm.db import AppendOnlyError
from voicebot.crm.events import record_event
from voicebot.crm.models import (
    Call,
    DoNotCall,
    Event,
    Merchant,
    MerchantStatus,
    Turn,
    WebhookDelivery,
)
from voicebot.crm.privacy import ErasureError, apply_retention, erase_merchant, export_merchant
from voicebot.crm.store_configs import get_config
from voicebot.crm.webhook_log import enqueue


def test_erasure_removes_personal_data_and_leaves_an_anonymous_record(any_db, settings):
    rec_dir = settings.call.recordings_dir
    made = build_call(any_db, rec_dir)
    other = build_call(any_db, None, external_id="m-other", phone="+48601000999")
    with any_db.session() as s:
        s.add(DoNotCall(phone="+48601234567", reason="opted out"))
        record_event(s, "call.note", merchant_id=made.merchant_id, text="Barbara Nowak said hi")
        enqueue(
            s, "config.approved", {"merchant_id": made.merchant_id, "tax_id": "x"}, ["http://a"]
        )
    with any_db.session() as s:
        report = erase_merchant(
            s, made.merchant_id, actor="dpo@example.com", recordings_dir=rec_dir
        )
    assert (report.calls, report.turns_deleted, report.recordings_deleted) == (1, 7, 1)
    assert not made.recording.exists()

    with any_db.session() as s:
        merchant = s.get(Merchant, made.merchant_id)
        assert merchant.status is MerchantStatus.ERASED and merchant.erased_at is not None
        assert (merchant.company_name, merchant.phone, merchant.email) == (None, None, None)
        assert merchant.external_id == f"erased-{merchant.id}" and merchant.signup_data == {}
        assert s.scalar(select(Turn).join(Call).where(Call.merchant_id == merchant.id)) is None
        assert get_config(s, merchant.id) is None
        events = list(s.scalars(select(Event).where(Event.merchant_id == merchant.id)))
        dumped = repr([e.data for e in events])
        assert "Barbara" not in dumped and "Kwiaty" not in dumped and "5260001246" not in dumped
        last = events[-1]
        assert last.kind == "merchant.erased" and last.actor == "dpo@example.com"
        assert s.scalar(select(WebhookDelivery)).payload == {
            "merchant_id": made.merchant_id,
            "redacted": True,
        }
        # The do-not-call entry outlives the erasure; the other merchant is untouched.
        assert s.scalar(select(DoNotCall.phone)) == "+48601234567"
        assert s.get(Merchant, other.merchant_id).company_name == "Kwiaty Basi sp. z o.o."
        assert len(get_config(s, other.merchant_id).fields) == 3
        # Events stay append-only for everyone else.
        events[0].data = {"changed": True}
        with pytest.raises(AppendOnlyError):
            s.flush()
        s.rollback()
    with pytest.raises(ErasureError), any_db.session() as s:
        erase_merchant(s, made.merchant_id, actor="dpo", recordings_dir=rec_dir)


def test_export_gives_everything_about_one_merchant(any_db):
    made = build_call(any_db, None)
    with any_db.session() as s:
        data = export_merchant(s, made.merchant_id)
    assert data["merchant"]["phone"] == "+48601234567"
    assert data["merchant"]["consent"]["source"] == "signup-form"
    assert len(data["calls"]) == 1 and len(data["calls"][0]["turns"]) == 7
    assert data["store_config"]["fields"]["tax_id"]["history"][0]["value"] == "5260001246"
    assert {e["kind"] for e in data["events"]} >= {"config.field_set"}


def test_retention_deletes_old_recordings_and_transcripts_keeps_configuration(any_db, settings):
    rec_dir = settings.call.recordings_dir
    now = datetime.now(UTC)
    old = build_call(any_db, rec_dir, started_at=now - timedelta(days=400))
    new = build_call(
        any_db,
        rec_dir,
        external_id="m-new",
        phone="+48601000777",
        started_at=now - timedelta(days=2),
    )
    with any_db.session() as s:
        s.get(Call, old.call_id).tracker = {"slots": {"tax_id": "5260001246"}}
    with any_db.session() as s:
        report = apply_retention(s, max_age=timedelta(days=365), recordings_dir=rec_dir)
    assert (report.calls, report.turns_deleted, report.recordings_deleted) == (1, 7, 1)
    assert not old.recording.exists() and new.recording.exists()
    with any_db.session() as s:
        old_call = s.get(Call, old.call_id)
        assert old_call.turns == [] and old_call.recording_path is None and old_call.tracker is None
        assert len(s.get(Call, new.call_id).turns) == 7
        kept = get_config(s, old.merchant_id).as_dict()
        assert kept == {"industry": "flowers", "store_name": "Kwiaty Basi", "tax_id": "5260001246"}
        old_fields = get_config(s, old.merchant_id).fields
        assert [f.turn_id for f in old_fields] == [None, None, None]  # link gone, value kept
        purged = s.scalar(select(Event).where(Event.kind == "call.retention_purged"))
        assert purged.call_id == old.call_id
    # A second run finds nothing left to delete.
    with any_db.session() as s:
        assert apply_retention(s, max_age=timedelta(days=365), recordings_dir=rec_dir).calls == 0
