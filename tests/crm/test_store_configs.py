import pytest

from voicebot.crm.db import Database
from voicebot.crm.events import events_for
from voicebot.crm.models import ConfigStatus, FieldSource, Merchant
from voicebot.crm.store_configs import (
    ConfigStateError,
    accept_proposal,
    approve,
    config_snapshot,
    get_config,
    mark_complete,
    reject,
    set_field,
)


@pytest.fixture
def merchant_id(any_db: Database) -> int:
    with any_db.session() as session:
        merchant = Merchant(external_id="m-1", phone="+48601234567")
        session.add(merchant)
        session.flush()
        return merchant.id


def test_fields_keep_their_history_and_provenance(any_db: Database, merchant_id: int) -> None:
    with any_db.session() as session:
        set_field(
            session, merchant_id, "product_count", 500, source=FieldSource.CALL, confidence=0.8
        )
        set_field(
            session, merchant_id, "product_count", 600, source=FieldSource.CALL, confidence=0.9
        )
        set_field(
            session, merchant_id, "payment_methods", ["blik", "card"], source=FieldSource.CALL
        )
    with any_db.session() as session:
        config = get_config(session, merchant_id)
        assert config.status is ConfigStatus.DRAFT
        assert config.as_dict() == {"payment_methods": ["blik", "card"], "product_count": 600}
        count = next(f for f in config.fields if f.name == "product_count")
        assert [h.value for h in count.history] == [500, 600]
        assert count.confidence == 0.9
        kinds = [e.kind for e in events_for(session, merchant_id=merchant_id)]
        assert kinds.count("config.field_set") == 3


def test_staff_edit_wins_over_a_later_call(any_db: Database, merchant_id: int) -> None:
    with any_db.session() as session:
        set_field(session, merchant_id, "store_name", "moda plus", source=FieldSource.CALL)
        set_field(
            session, merchant_id, "store_name", "Moda+", source=FieldSource.STAFF, actor="ewa@staff"
        )
        update = set_field(session, merchant_id, "store_name", "moda plas", source=FieldSource.CALL)
        assert not update.applied
    with any_db.session() as session:
        field = get_config(session, merchant_id).fields[0]
        assert field.value == "Moda+"
        assert field.flagged
        assert [h.value for h in field.history] == ["moda plus", "Moda+", "moda plas"]
        proposed = [e for e in events_for(session) if e.kind == "config.field_proposed"]
        assert proposed[0].data["proposed"] == "moda plas"
    with any_db.session() as session:
        accept_proposal(session, merchant_id, "store_name", actor="ewa@staff")
    with any_db.session() as session:
        field = get_config(session, merchant_id).fields[0]
        assert field.value == "moda plas"
        assert field.source is FieldSource.STAFF


def test_review_transitions_are_audited(any_db: Database, merchant_id: int) -> None:
    with any_db.session() as session:
        set_field(session, merchant_id, "store_name", "Moda", source=FieldSource.CALL)
        mark_complete(session, merchant_id)
        approve(session, merchant_id, actor="ewa@staff", note="looks right")
    with any_db.session() as session:
        config = get_config(session, merchant_id)
        snapshot = config_snapshot(config)
        assert snapshot["status"] == "approved"
        assert snapshot["reviewer"] == "ewa@staff"
        assert snapshot["fields"]["store_name"]["value"] == "Moda"
        approved = next(e for e in events_for(session) if e.kind == "config.approved")
        assert approved.data == {"before": "complete", "after": "approved", "note": "looks right"}
        # An approved configuration is not changed behind the reviewer's back by a call.
        assert not set_field(
            session, merchant_id, "store_name", "X", source=FieldSource.CALL
        ).applied
    with any_db.session() as session, pytest.raises(ConfigStateError):
        approve(session, merchant_id, actor="ewa@staff")
    with any_db.session() as session:
        reject(session, merchant_id, actor="adam@staff", note="wrong tax id")
        assert get_config(session, merchant_id).status is ConfigStatus.REJECTED


def test_status_change_without_config_is_refused(any_db: Database, merchant_id: int) -> None:
    with (
        any_db.session() as session,
        pytest.raises(ConfigStateError, match="no store configuration"),
    ):
        approve(session, merchant_id, actor="ewa@staff")
