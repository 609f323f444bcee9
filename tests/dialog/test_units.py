"""Domain, responses, mappings, NLU, tracker, policies and validation, each on small inputs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from rasa_sdk.interfaces import Tracker as SdkTracker

from voicebot.dialog import Agent, DialogError
from voicebot.dialog.domain import load_domain
from voicebot.dialog.nlu import load_nlu_files, parse_annotated
from voicebot.dialog.nlu.model import NLUModel
from voicebot.dialog.responses import render
from voicebot.dialog.validate import validate_project

from .conftest import write

DOMAIN = """
version: "3.1"
intents: [greet, inform, affirm, deny, who_are_you]
entities: [city, number]
slots:
  language:
    type: categorical
    values: [pl, en]
    mappings: [{type: custom}]
  city:
    type: text
    mappings:
      - type: from_entity
        entity: city
        not_intent: deny
  confirmed:
    type: bool
    mappings:
      - type: from_intent
        intent: affirm
        value: true
        conditions: [{active_loop: trip_form, requested_slot: confirmed}]
  note:
    type: text
    mappings:
      - type: from_text
        conditions: [{active_loop: trip_form, requested_slot: note}]
forms:
  trip_form:
    required_slots: [city, confirmed, note]
"""
RESPONSES = """
responses:
  utter_greet:
    - condition: [{type: slot, name: language, value: pl}]
      text: "Dzień dobry, {name}!"
    - condition: [{type: slot, name: language, value: en}]
      text: "Good morning, {name}!"
    - text: "Hello"
  utter_ask_city: [{text: "Which city?"}]
  utter_ask_confirmed: [{text: "Going to {city}, right?"}]
  utter_ask_note: [{text: "Anything else?"}]
  utter_who: [{text: "I am a virtual assistant."}]
  utter_done: [{text: "Booked {city}."}]
  utter_bye: [{text: "Bye."}]
actions: [action_ignored]
session_config: {session_expiration_time: 0, carry_over_slots_to_new_session: false}
"""
RULES = """
version: "3.1"
rules:
  - rule: open the call
    conversation_start: true
    steps:
      - action: utter_greet
  - rule: start the form
    steps:
      - intent: inform
      - action: trip_form
      - active_loop: trip_form
  - rule: who inside the form, then back
    condition: [{active_loop: trip_form}]
    steps:
      - intent: who_are_you
      - action: utter_who
      - action: trip_form
      - active_loop: trip_form
  - rule: submit
    condition: [{active_loop: trip_form}]
    steps:
      - action: trip_form
      - active_loop: null
      - action: utter_done
      - action: action_hangup
"""
NLU = """
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hello
      - hi there
      - good morning
  - intent: inform
    examples: |
      - I want to go to [Kraków](city)
      - to [Warsaw]{"entity": "city", "value": "Warszawa"}
      - [Gdańsk](city) please
      - a trip to [Poznań](city)
      - I am going to [Wrocław](city)
  - intent: affirm
    examples: |
      - yes
      - yes please
      - correct
      - sure
  - intent: deny
    examples: |
      - no
      - no thanks
      - not to [Łódź](city)
  - intent: who_are_you
    examples: |
      - who are you
      - are you a robot
      - am I talking to a machine
  - synonym: Warszawa
    examples: |
      - warsaw
      - waw
  - regex: number
    examples: |
      - \\b\\d{2,4}\\b
  - lookup: city
    examples: |
      - Szczecin
      - Lublin
"""


@pytest.fixture
def trip_project(tmp_path: Path) -> Path:
    root = tmp_path / "trip"
    # the domain split across a directory, as Rasa allows
    write(root / "domain" / "core.yml", DOMAIN)
    write(root / "domain" / "responses.yml", RESPONSES)
    write(root / "data" / "rules.yml", RULES)
    write(root / "nlu_data" / "en.yml", NLU)
    return root


def test_domain_directory_is_merged(trip_project: Path) -> None:
    domain = load_domain(trip_project / "domain")
    assert domain.forms["trip_form"].required_slots == ["city", "confirmed", "note"]
    assert domain.slots["language"].values == ["pl", "en"]
    assert {"utter_greet", "utter_done"} <= set(domain.responses)
    assert "action_hangup" in domain.action_names
    assert domain.session_config.expiration_minutes == 0
    as_sdk = domain.as_rasa_dict()
    assert as_sdk["forms"]["trip_form"]["required_slots"] == ["city", "confirmed", "note"]


def test_conditional_responses_and_interpolation(trip_project: Path) -> None:
    domain = load_domain(trip_project / "domain")
    rng = random.Random(1)
    pl = render(domain, "utter_greet", {"language": "pl", "name": "Jan"}, rng)
    en = render(domain, "utter_greet", {"language": "en", "name": "Ann"}, rng)
    other = render(domain, "utter_greet", {"language": "cs"}, rng)
    assert (pl["text"], en["text"], other["text"]) == (
        "Dzień dobry, Jan!",
        "Good morning, Ann!",
        "Hello",
    )
    assert render(domain, "utter_greet", {"language": "en"}, rng, {"name": "Bo"})["text"] == (
        "Good morning, Bo!"
    )


def test_nlu_annotations_synonyms_regex_lookup(trip_project: Path) -> None:
    text, entities = parse_annotated(
        'from [Berlin]{"entity": "city", "role": "from"} to [Rome](city) or [Roma](city:Rome)'
    )
    assert text == "from Berlin to Rome or Roma"
    assert [
        (e["entity"], e["value"], e.get("role"), text[e["start"] : e["end"]]) for e in entities
    ] == [
        ("city", "Berlin", "from", "Berlin"),
        ("city", "Rome", None, "Rome"),
        ("city", "Rome", None, "Roma"),
    ]
    model = NLUModel(
        load_nlu_files([trip_project / "nlu_data" / "en.yml"]), "en", 0.45, ["city", "number"]
    )
    parsed = model.parse(
        "I want to go to waw", confidence=0.8, alternatives=["I want to go to war"]
    )
    assert parsed["intent"]["name"] == "inform"
    city = next(e for e in parsed["entities"] if e["entity"] == "city")
    assert city["value"] == "Warszawa" and city["processors"] == ["EntitySynonymMapper"]
    assert parsed["metadata"]["asr_confidence"] == 0.8
    assert parsed["metadata"]["asr_alternatives"] == ["I want to go to war"]
    looked_up = model.parse("a trip to Lublin")["entities"]
    assert [(e["entity"], e["value"]) for e in looked_up] == [("city", "Lublin")]
    # an inflected form of a known value is still found, with lower confidence
    inflected = model.parse("I am going to Krakowa")["entities"][0]
    assert inflected["value"] == "Krakowa" and inflected["confidence_entity"] < 1.0
    assert [(e["entity"], e["value"]) for e in model.parse("room 1204")["entities"]] == [
        ("number", "1204")
    ]
    shortcut = model.parse('/inform{"city": "Oslo"}')
    assert shortcut["intent"] == {"name": "inform", "confidence": 1.0}
    assert shortcut["entities"][0]["value"] == "Oslo"
    gibberish = model.parse("qwzx blorp")
    assert gibberish["intent"]["name"] == "nlu_fallback"
    assert gibberish["intent_ranking"][1]["name"] != "nlu_fallback"


def test_form_rules_interruption_and_hangup(trip_project: Path) -> None:
    agent = Agent.load(trip_project)
    conv = agent.new_conversation("trip-1", language="en", slots={"language": "en"})
    start = conv.start()
    # conversation_start rule with an action first: the bot speaks first
    assert [m.text for m in start.messages] == ["Good morning, {name}!"]
    turn = conv.handle("I want to go to Kraków")
    assert [m.text for m in turn.messages] == ["Going to Kraków, right?"]
    assert turn.expecting == {
        "active_loop": "trip_form",
        "requested_slot": "confirmed",
        "language": "en",
        "last_response": "utter_ask_confirmed",
    }
    # a question the form cannot use: the rule answers and the form asks again
    turn = conv.handle("are you a robot")
    assert [m.text for m in turn.messages] == [
        "I am a virtual assistant.",
        "Going to Kraków, right?",
    ]
    assert any(e["event"] == "action_execution_rejected" for e in turn.events)
    turn = conv.handle("yes")
    assert conv.tracker.get_slot("confirmed") is True
    assert turn.expecting["requested_slot"] == "note"
    turn = conv.handle("window seat please")  # from_text, only when requested
    assert conv.tracker.get_slot("note") == "window seat please"
    assert [m.text for m in turn.messages] == ["Booked Kraków."]
    assert turn.ended and conv.ended and turn.expecting is None
    with pytest.raises(DialogError):
        conv.handle("hello?")


def test_tracker_json_round_trip_and_sdk_payload(trip_project: Path) -> None:
    agent = Agent.load(trip_project)
    conv = agent.new_conversation("trip-2", language="en", slots={"language": "en"})
    conv.start()
    conv.handle("I want to go to Gdańsk", confidence=0.7, metadata={"call_sid": "CA1"})
    stored = json.loads(json.dumps(conv.tracker.to_json()))
    restored = agent.restore(stored)
    assert restored.tracker.slots == conv.tracker.slots
    assert restored.tracker.active_loop_name == "trip_form"
    assert restored.language == "en"
    turn = restored.handle("yes")
    assert restored.tracker.get_slot("confirmed") is True
    assert turn.expecting["requested_slot"] == "note"
    sdk = SdkTracker.from_dict(restored.tracker.current_state())
    assert sdk.get_slot("city") == "Gdańsk" and sdk.active_loop == {"name": "trip_form"}
    assert sdk.latest_message["intent"]["name"] == "affirm"
    first_user = next(e for e in stored["events"] if e["event"] == "user")
    assert first_user["metadata"] == {"call_sid": "CA1"}
    assert first_user["parse_data"]["metadata"]["asr_confidence"] == 0.7
    with pytest.raises(DialogError):
        agent.restore({"events": []})


def test_unknown_language_is_a_clear_error(trip_project: Path) -> None:
    agent = Agent.load(trip_project)
    with pytest.raises(DialogError, match="no NLU data for language 'pl'"):
        agent.new_conversation("x", language="pl")


def test_validate_reports_file_and_line(trip_project: Path) -> None:
    assert [i for i in validate_project(trip_project) if i.level == "error"] == []
    rules = trip_project / "data" / "rules.yml"
    rules.write_text(
        rules.read_text() + "  - rule: broken\n    steps:\n      - intent: "
        "fly_away\n      - action: utter_nowhere\n"
    )
    core = trip_project / "domain" / "core.yml"
    core.write_text(
        core.read_text().replace("[city, confirmed, note]", "[city, confirmed, note, seats]")
    )
    errors = [str(i) for i in validate_project(trip_project) if i.level == "error"]
    lines = rules.read_text().splitlines()
    intent_line = next(n for n, row in enumerate(lines, 1) if "fly_away" in row)
    assert f"{rules}:{intent_line}: error: rule 'broken' uses unknown intent 'fly_away'" in errors
    assert (
        f"{rules}:{intent_line + 1}: error: rule 'broken' uses response 'utter_nowhere' "
        "which is not defined in the domain"
    ) in errors
    form_line = next(
        n for n, row in enumerate(core.read_text().splitlines(), 1) if row.strip() == "trip_form:"
    )
    assert (
        f"{core}:{form_line}: error: form 'trip_form' requires slot 'seats' which is not in slots"
    ) in errors


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("przelew", "przelewem", True),
        ("paczkomat", "paczkomatów", True),
        ("kurier", "kurierem", True),
        ("elektronika", "elektroniką", True),
        ("przelew", "przełączyć", False),  # "put me through" is not a bank transfer
        ("automat", "automotive", False),
        ("blik", "blikiem", False),  # short words match only exactly
    ],
)
def test_inflected_forms_match_but_other_words_do_not(a: str, b: str, same: bool) -> None:
    from voicebot.dialog.nlu.model import _similar

    assert _similar(a, b) is same
