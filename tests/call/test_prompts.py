"""The prompts a call will need before it needs them: the usual opening and the next question."""

from __future__ import annotations

import pytest

from voicebot.call.prompts import next_questions, usual_opening


@pytest.fixture(scope="module")
def agent():
    from voicebot.config import DialogSettings
    from voicebot.dialog import Agent

    return Agent.from_settings(DialogSettings())


def test_usual_opening_is_the_greeting_with_the_name_and_the_sign_up_read_back(agent) -> None:
    slots = {
        "contact_name": "Anna Nowak",
        "store_name": "Gadget Corner",
        "prefilled_fields": ["store_name"],
        "not_a_slot_of_the_dialog": "ignored",
    }
    english = usual_opening(agent, slots, "en")
    assert english[0].startswith("Hello Anna Nowak.")
    assert any("Gadget Corner" in text and "sign-up" in text for text in english)
    polish = usual_opening(agent, slots, "pl")
    assert polish[0].startswith("Dzień dobry, Anna Nowak.")


def test_next_question_is_the_forms_next_empty_slot_in_the_call_language(agent) -> None:
    domain = agent.domain
    order = domain.forms["onboarding_form"].required_slots
    asked, after = order[2], order[3]  # store_name, then industry
    english = next_questions(domain, {"requested_slot": asked}, "en")
    polish = next_questions(domain, {"requested_slot": asked}, "pl")
    expected_en = domain.responses[f"utter_ask_{after}"]
    assert english and all(any(t == v.get("text") for v in expected_en) for t in english), english
    assert polish and polish != english
    # a slot already known is skipped: the form will not ask it
    skipping = next_questions(domain, {"requested_slot": asked, after: "fashion"}, "en")
    assert skipping == next_questions(domain, {"requested_slot": after}, "en")
    assert next_questions(domain, {"requested_slot": None}, "en") == []
