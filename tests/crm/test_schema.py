"""The schema on both real databases: migrations match the models, times stay aware,
the audit log is append-only."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from voicebot.crm.db import AppendOnlyError, Database
from voicebot.crm.events import events_for, record_event
from voicebot.crm.models import Base, Call, CallStatus, Merchant, Speaker, Turn


def test_migrations_produce_exactly_the_models(any_db: Database) -> None:
    with any_db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    assert any_db.current_revision() == any_db.head_revision()


def test_upgrade_twice_is_harmless(any_db: Database) -> None:
    any_db.upgrade()
    assert any_db.current_revision() == any_db.head_revision()


def test_merchant_call_turns_round_trip(any_db: Database) -> None:
    warsaw_noon = datetime(2026, 11, 23, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    with any_db.session() as session:
        merchant = Merchant(
            external_id="m-1", phone="+48601234567", signup_data={"store_name": "Moda"}
        )
        call = Call(merchant=merchant, status=CallStatus.IN_PROGRESS, started_at=warsaw_noon)
        call.turns = [
            Turn(index=0, speaker=Speaker.BOT, text="Dzień dobry", start_ms=0, end_ms=1500),
            Turn(
                index=1,
                speaker=Speaker.MERCHANT,
                text="dzień dobry",
                asr_confidence=0.91,
                asr_alternatives=[{"text": "dzień dobry", "confidence": 0.91}],
                start_ms=1800,
                end_ms=2600,
                latency_ms=420,
            ),
        ]
        session.add(merchant)
    with any_db.session() as session:
        call = session.scalars(select(Call)).one()
        assert call.started_at == warsaw_noon
        assert call.started_at.tzinfo is not None
        assert [t.text for t in call.turns] == ["Dzień dobry", "dzień dobry"]
        assert call.turns[1].asr_alternatives[0]["confidence"] == 0.91
        assert call.merchant.signup_data == {"store_name": "Moda"}
        assert call.merchant.status.value == "new"


def test_naive_datetimes_are_refused(any_db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), any_db.session() as session:
        session.add(Merchant(external_id="m-2", consent_at=datetime(2026, 1, 1)))


def test_events_are_append_only(any_db: Database) -> None:
    with any_db.session() as session:
        record_event(session, "merchant.note", actor="anna@staff", note="first")
    with pytest.raises(AppendOnlyError), any_db.session() as session:
        event = events_for(session)[0]
        event.data = {"note": "rewritten"}
    with pytest.raises(AppendOnlyError), any_db.session() as session:
        session.delete(events_for(session)[0])
    with any_db.session() as session:
        (event,) = events_for(session)
        assert event.data == {"note": "first"}
        assert event.at <= datetime.now(UTC)
