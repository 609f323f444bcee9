"""`store_config_from_tracker` on hand-built lists of standard Rasa event dicts (the tracker
JSON the call layer stores), independent of the engine that produced them."""

from typing import Any

import pytest

from voicebot.actions.common import CONFIG_FIELDS
from voicebot.actions.store_config import store_config_from_tracker

ANSWERS: dict[str, Any] = {
    "contact_name": "Anna Nowak",
    "store_name": "Moda Plus",
    "industry": "fashion",
    "product_count": 500,
    "sales_channels": ["marketplace"],
    "migrate_products": True,
    "has_domain": True,
    "domain": "modaplus.pl",
    "payment_methods": ["card", "blik"],
    "shipping_methods": ["parcel_locker"],
    "tax_id": "5260250274",
    "contact_email": "anna@modaplus.pl",
    "launch_date": "2025-03-01",
}


def user(text: str, turn: int | None = None, confidence: float | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if turn is not None:
        metadata["turn_index"] = turn
    if confidence is not None:
        metadata["asr_confidence"] = confidence
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": "inform", "confidence": 0.9}, "entities": []},
        "metadata": metadata,
    }


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text}


def session_start() -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
    ]


def full_call(**overrides: Any) -> list[dict[str, Any]]:
    """Every field answered in its own user turn (turn i+1, confidence 0.8 + i/100)."""
    answers = {**ANSWERS, **overrides}
    events = session_start()
    for i, name in enumerate(CONFIG_FIELDS):
        events += [
            bot(f"utter_ask_{name}"),
            user(str(answers[name]), turn=i + 1, confidence=0.8 + i / 100),
            slot(name, answers[name]),
        ]
    events += [
        slot("tax_id_confirmed", True),
        slot("contact_email_confirmed", True),
        slot("call_outcome", "completed"),
    ]
    return events


def test_values_confidences_and_turns_come_from_the_user_message_that_filled_them() -> None:
    result = store_config_from_tracker({"events": full_call()})
    for i, name in enumerate(CONFIG_FIELDS):
        field = result.fields[name]
        assert field.value == ANSWERS[name]
        assert field.turn_index == i + 1
        assert field.confidence == pytest.approx(0.8 + i / 100)
        assert field.confirmed and not field.flagged and not field.prefilled
    assert result.complete
    assert result.outcome == "completed"
    assert result.skipped == []
    assert result.as_dict()["fields"]["tax_id"]["value"] == "5260250274"


def test_confidence_and_turn_are_also_read_from_parse_data_metadata() -> None:
    message = {
        "event": "user",
        "text": "moda plus",
        "parse_data": {"intent": {"name": "inform"}, "metadata": {"confidence": 0.42}},
        "metadata": {"turn_index": 7},
    }
    events = [*session_start(), message, slot("store_name", "Moda Plus")]
    field = store_config_from_tracker({"events": events}).fields["store_name"]
    assert (field.value, field.confidence, field.turn_index) == ("Moda Plus", 0.42, 7)


def test_a_corrected_answer_takes_the_turn_and_confidence_of_the_correction() -> None:
    events = [
        *session_start(),
        user("piecset", turn=4, confidence=0.51),
        slot("product_count", 500),
        user("nie piec tysiecy", turn=5, confidence=0.93),
        slot("product_count", 5000),
    ]
    field = store_config_from_tracker({"events": events}).fields["product_count"]
    assert (field.value, field.turn_index, field.confidence) == (5000, 5, 0.93)


def test_unconfirmed_tax_id_and_email_are_flagged() -> None:
    events = [e for e in full_call() if e.get("name") not in {"tax_id_confirmed"}]
    events.append(slot("contact_email_confirmed", False))
    result = store_config_from_tracker({"events": events})
    for name in ("tax_id", "contact_email"):
        assert result.fields[name].value == ANSWERS[name]
        assert not result.fields[name].confirmed
        assert result.fields[name].flagged
    assert result.fields["store_name"].confirmed  # no confirmation step: a value is enough


def test_skipped_field_is_flagged_and_the_config_incomplete() -> None:
    events = [e for e in full_call() if e.get("name") != "tax_id"]
    events.append(slot("skipped_fields", ["tax_id"]))
    result = store_config_from_tracker({"events": events})
    assert result.skipped == ["tax_id"]
    assert result.fields["tax_id"].value is None
    assert result.fields["tax_id"].flagged
    assert not result.complete


def test_approximate_product_count_is_flagged_but_kept() -> None:
    events = [*full_call(), slot("product_count_approximate", True)]
    result = store_config_from_tracker({"events": events})
    assert result.fields["product_count"].value == 500
    assert result.fields["product_count"].flagged
    assert not result.fields["industry"].flagged


def test_slots_set_before_the_first_user_message_are_prefilled() -> None:
    events = [
        slot("contact_name", "Anna Nowak"),
        slot("contact_email", "anna@modaplus.pl"),
        *session_start(),
        user("tak zgadza sie", turn=1, confidence=0.9),
        slot("prefill_confirmed", True),
        user("moda plus", turn=2, confidence=0.7),
        slot("store_name", "Moda Plus"),
    ]
    result = store_config_from_tracker({"events": events})
    name, email, store = (result.fields[n] for n in ("contact_name", "contact_email", "store_name"))
    assert name.prefilled and name.value == "Anna Nowak" and name.confirmed
    assert name.turn_index is None and name.confidence is None
    assert email.prefilled and email.confirmed and not email.flagged
    assert not store.prefilled and store.turn_index == 2


def test_prefilled_fields_listed_in_a_slot_and_then_changed_by_the_merchant() -> None:
    events = [
        *session_start(),
        slot("prefilled_fields", ["store_name", "industry"]),
        slot("store_name", "Moda"),
        slot("industry", "fashion"),
        user("sklep nazywa sie moda plus", turn=3, confidence=0.88),
        slot("store_name", "Moda Plus"),
    ]
    result = store_config_from_tracker({"events": events})
    industry = result.fields["industry"]
    assert industry.prefilled and industry.value == "fashion"
    assert industry.turn_index is None and industry.confidence is None
    assert not result.fields["store_name"].prefilled  # the merchant's own answer now
    assert result.fields["store_name"].value == "Moda Plus"
    assert result.fields["store_name"].turn_index == 3


def test_prefilled_but_unconfirmed_tax_id_is_flagged() -> None:
    events = [slot("tax_id", "5260250274"), *session_start(), user("halo", turn=1)]
    field = store_config_from_tracker({"events": events}).fields["tax_id"]
    assert field.prefilled and not field.confirmed and field.flagged


def test_fields_that_do_not_apply_are_not_needed_for_completeness() -> None:
    events = [
        e
        for e in full_call(has_domain=False, sales_channels=["none"])
        if e.get("name") not in {"domain", "migrate_products"}
    ]
    result = store_config_from_tracker({"events": events})
    assert result.fields["domain"].value is None
    assert result.fields["migrate_products"].value is None
    assert result.complete


def test_a_missing_needed_field_makes_it_incomplete() -> None:
    events = [e for e in full_call() if e.get("name") != "domain"]  # has_domain is True
    assert not store_config_from_tracker({"events": events}).complete


def test_callback_outcome_and_flags() -> None:
    events = [
        *session_start(),
        user("nie teraz zadzwon jutro o dziesiatej", turn=1, confidence=0.77),
        slot("callback_time", "2025-03-02T10:00:00+01:00"),
        slot("call_outcome", "callback"),
        slot("human_requested", True),
    ]
    result = store_config_from_tracker({"events": events})
    assert result.outcome == "callback"
    assert result.callback_time == "2025-03-02T10:00:00+01:00"
    assert result.human_requested and not result.opted_out
    assert not result.complete
    assert all(f.value is None for f in result.fields.values())


def test_opt_out() -> None:
    events = [
        *session_start(),
        user("prosze wiecej nie dzwonic", turn=1),
        slot("opted_out", True),
        slot("call_outcome", "opted_out"),
    ]
    result = store_config_from_tracker({"events": events})
    assert result.opted_out and result.outcome == "opted_out"


def test_restart_forgets_what_came_before() -> None:
    events = [*full_call(), {"event": "restart"}, *session_start(), user("halo", turn=20)]
    result = store_config_from_tracker({"events": events})
    assert all(f.value is None for f in result.fields.values())
    assert result.outcome is None and not result.complete


def test_tracker_without_events_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="events"):
        store_config_from_tracker({"sender_id": "call-1"})


def test_a_value_heard_with_low_confidence_is_flagged_unless_it_was_read_back() -> None:
    events = [
        *session_start(),
        user("jelony odrót", turn=3, confidence=0.3),
        slot("store_name", "Jelony Odrót"),
        user("moda", turn=4, confidence=0.45),
        slot("industry", "fashion"),
        user("pięć dwa sześć zero", turn=5, confidence=0.2),
        slot("tax_id", "5260250274"),
        slot("tax_id_confirmed", True),  # read back and confirmed: the merchant checked it
    ]
    fields = store_config_from_tracker({"events": events}).fields
    assert fields["store_name"].flagged and fields["store_name"].value == "Jelony Odrót"
    assert not fields["industry"].flagged
    assert not fields["tax_id"].flagged and fields["tax_id"].confirmed
