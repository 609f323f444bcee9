"""A question left for staff after its asks ran out reaches the CRM: the field is written
empty, flagged, pointing at the turn with the merchant's last words for it, and the call's
configuration is complete. Real dialog, real SQLite."""

from __future__ import annotations

from pathlib import Path

from voicebot.call.call_record import CallRecord, MerchantUtterance, tracker_json
from voicebot.call.services import CallServices
from voicebot.config import Settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.crm.store_configs import get_config
from voicebot.dialog import Agent

ROOT = Path(__file__).resolve().parents[2]
KNOWN = {
    "contact_name": "Mary Jones",
    "store_name": "Urban Threads",
    "industry": "fashion",
    "launch_date": "2027-03-01",
    "sales_channels": ["none"],
    "has_domain": False,
    "payment_methods": ["card"],
    "shipping_methods": ["courier"],
    "tax_id": "5260250274",
    "tax_id_confirmed": True,
    "contact_email": "mary@urbanthreads.com",
    "contact_email_confirmed": True,
}


def test_a_given_up_field_is_flagged_in_the_crm_with_the_merchants_words(
    settings: Settings, db: Database
) -> None:
    with db.session() as s:
        merchant, _ = upsert_merchant(
            s, normalise_merchant({"external_id": "m1", "phone": "+12025550147"})
        )
        call_id, merchant_id = crm_calls.create_call(s, merchant.id).id, merchant.id
    record = CallRecord(db, call_id)  # every database write of a call
    record.merchant_id = merchant_id
    services = CallServices(settings, db)
    conv = Agent.load(ROOT).new_conversation(
        "crm", language="en", slots={**KNOWN, "earlier_call_fields": list(KNOWN)}
    )
    conv.start()
    answers = [
        "yes",
        "after the harvest festival",
        "what?",
        "when the fitters are done",
        "right after the vineyard tour",
    ]
    turn_ids = []
    for index, text in enumerate(answers):
        turn_ids.append(record.merchant_turn(index, MerchantUtterance(text, 0.9, 0, 0, [], [])))
        conv.handle(text, confidence=0.9, metadata={"turn_index": index})
    tracker = tracker_json(conv.tracker)
    config = services.store_config(tracker)
    with db.session() as s:
        record.save_progress(s, tracker, config)
    assert conv.ended and conv.tracker.slots["call_outcome"] == "completed"
    with db.session() as s:
        fields = {f.name: f for f in get_config(s, merchant_id).fields}
        count = fields["product_count"]
        assert count.value is None and count.flagged
        assert count.turn_id == turn_ids[4]  # the last words for it
        assert fields["store_name"].value == "Urban Threads"
    assert config.complete
