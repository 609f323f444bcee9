"""Dialog flow without loops (issue 19): an answer the NLU hears as a correction, a wait or
an "I don't know" is taken as the answer to the question being asked; a wait cannot repeat
forever; whatever brings a question back, it is asked at most MAX_ASKS times, then left for
staff and the form goes on; outside a form the last words are said again a bounded number
of times. Real engine, both languages; where a test is about the flow and not about the
NLU, the intent is pinned (the NLU's reading of a sentence may change with its data)."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from voicebot.actions.asking import MAX_ASKS
from voicebot.actions.common import unexplained_words
from voicebot.actions.conversation import MAX_WAITS, ActionRepeatLast, answer_instead
from voicebot.actions.store_config import store_config_from_tracker
from voicebot.dialog import Agent

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-23T09:30:00+01:00"
YES = {"en": "yes", "pl": "tak"}
# the intent the NLU is made to give for a text (the flow under test, not the classifier)
PINNED: dict[str, tuple[str, float]] = {}


@pytest.fixture(scope="module")
def agent() -> Agent:
    agent = Agent.load(ROOT)
    for lang in agent.languages:
        model = agent.nlu(lang)
        parse = model.parse

        def pinned(text: str, *args: Any, _parse: Any = parse, **kwargs: Any) -> dict[str, Any]:
            result = _parse(text, *args, **kwargs)
            if text in PINNED:
                name, confidence = PINNED[text]
                result = {
                    **result,
                    "intent": {"name": name, "confidence": confidence},
                    "intent_ranking": [{"name": name, "confidence": confidence}],
                }
            return result

        model.parse = pinned  # type: ignore[method-assign]
    return agent


@pytest.fixture(autouse=True)
def _clear_pins() -> Any:
    yield
    PINNED.clear()


def pin(intent: str, *texts: str, confidence: float = 0.9) -> None:
    for text in texts:
        PINNED[text] = (intent, confidence)


def talk(agent: Agent, lang: str, slots: dict[str, Any], texts: list[str]):
    conv = agent.new_conversation("flow", language=lang, slots={"call_started_at": NOW, **slots})
    turns = [list(conv.start().messages)]
    for index, text in enumerate(texts):
        if conv.ended:
            break
        turns.append(
            list(conv.handle(text, confidence=0.9, metadata={"turn_index": index}).messages)
        )
    return conv, turns


def asks(turns: list[list[Any]]) -> Counter[str]:
    return Counter(m.metadata.get("ask") for turn in turns for m in turn if m.metadata.get("ask"))


def said(turns: list[list[Any]]) -> list[str]:
    return [m.text for turn in turns for m in turn]


# -- an answer heard as something else ----------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [("en", "It's Adaeze Okafor.", "Adaeze Okafor"), ("pl", "To jest Marta Lis.", "Marta Lis")],
)
def test_a_name_heard_as_a_correction_before_anything_was_answered_is_the_name(
    agent: Agent, lang: str, text: str, name: str
) -> None:
    pin("correct", text, confidence=0.8)
    conv, turns = talk(agent, lang, {}, [YES[lang], text])
    assert conv.tracker.slots["contact_name"] == name
    assert turns[-1][-1].metadata["ask"] == "store_name"
    # taken over another intent: flagged for staff beside the words
    assert "contact_name" in (conv.tracker.slots.get("guessed_fields") or [])


@pytest.mark.parametrize(
    ("lang", "text", "store"),
    [
        ("en", "It's Copper Kettle Crafts.", "Copper Kettle Crafts"),
        ("pl", "To Pod Lipą.", "Pod Lipą"),
    ],
)
def test_a_store_name_heard_as_a_correction_does_not_reopen_the_name(
    agent: Agent, lang: str, text: str, store: str
) -> None:
    pin("correct", text, confidence=0.8)
    conv, _ = talk(agent, lang, {}, [YES[lang], "Jan Nowak", text])
    assert conv.tracker.slots["contact_name"] == "Jan Nowak"
    assert conv.tracker.slots["store_name"] == store


@pytest.mark.parametrize(("lang", "text"), [("en", "you spelled it wrong"), ("pl", "źle zapisane")])
def test_a_correction_with_nothing_to_correct_cannot_loop(
    agent: Agent, lang: str, text: str
) -> None:
    pin("correct", text, confidence=0.95)
    conv, turns = talk(agent, lang, {}, [YES[lang], *[text] * MAX_ASKS])
    assert asks(turns)["contact_name"] == MAX_ASKS
    assert conv.tracker.slots["given_up_fields"] == ["contact_name"]
    assert turns[-1][-1].metadata["ask"] == "store_name"  # the form went on
    # one apology a turn: the question left for staff is not also "not understood"
    assert len(turns[-1]) == 2


@pytest.mark.parametrize(
    ("lang", "text", "store"),
    [
        ("en", "Hold On Tight Climbing", "Hold On Tight Climbing"),
        ("pl", "Kwiaciarnia Jedna Chwila", "Kwiaciarnia Jedna Chwila"),
    ],
)
def test_a_name_heard_as_a_wait_is_taken_when_said_again(
    agent: Agent, lang: str, text: str, store: str
) -> None:
    pin("wait", text)
    conv, turns = talk(agent, lang, {"contact_name": "Jan Nowak"}, [YES[lang], text, text])
    # the first time the bot waits (it could be one); said again, it is the answer
    assert turns[2][-1].response == "utter_wait"
    assert conv.tracker.slots["store_name"] == store
    assert turns[3][-1].metadata["ask"] == "industry"


@pytest.mark.parametrize(("lang", "text"), [("en", "hold on"), ("pl", "chwileczkę")])
def test_a_wait_cannot_repeat_forever(agent: Agent, lang: str, text: str) -> None:
    pin("wait", text, confidence=0.98)
    conv, turns = talk(agent, lang, {"contact_name": "Jan Nowak"}, [YES[lang], *[text] * 12])
    waits = [m for turn in turns for m in turn if m.response == "utter_wait"]
    # per question two waits, then it comes back and counts as an ask; after two questions
    # left in a row, a consultant calls back
    assert len(waits) == 2 * MAX_WAITS
    assert asks(turns)["store_name"] == MAX_ASKS == asks(turns)["industry"]
    assert conv.tracker.slots["given_up_fields"] == ["store_name"]
    assert conv.ended and conv.tracker.slots["call_outcome"] == "not_understood"


@pytest.mark.parametrize(
    ("lang", "text", "number"),
    [("en", "two hundred and forty, hang on", 240), ("pl", "chwila, sto dwadzieścia", 120)],
)
def test_a_number_heard_as_a_wait_is_taken_at_once(
    agent: Agent, lang: str, text: str, number: int
) -> None:
    pin("wait", text)
    slots = {"contact_name": "Jan Nowak", "store_name": "Moda", "industry": "fashion"}
    conv, _ = talk(agent, lang, {**slots, "earlier_call_fields": list(slots)}, [YES[lang], text])
    assert conv.tracker.slots["product_count"] == number


@pytest.mark.parametrize(
    ("lang", "hedge", "store"),
    [
        ("en", "I'm not sure, maybe Copper Kettle Crafts", "Copper Kettle Crafts"),
        ("pl", "nie wiem jeszcze, chyba Zielony Kącik", "Zielony Kącik"),
    ],
)
def test_a_hedged_answer_is_an_answer_and_a_plain_dont_know_a_skip(
    agent: Agent, lang: str, hedge: str, store: str
) -> None:
    pin("dont_know", hedge)
    conv, _ = talk(agent, lang, {"contact_name": "Jan Nowak"}, [YES[lang], hedge])
    assert store in str(conv.tracker.slots["store_name"])
    plain = {"en": "no idea yet", "pl": "nie wiem"}[lang]
    pin("dont_know", plain, confidence=0.98)
    conv, _ = talk(agent, lang, {"contact_name": "Jan Nowak"}, [YES[lang], plain])
    assert conv.tracker.slots["store_name"] is None
    assert conv.tracker.slots["skipped_fields"] == ["store_name"]


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "when the builders finish, not sure"), ("pl", "jak skończymy remont, nie wiem")],
)
def test_a_launch_date_in_words_with_a_dont_know_is_kept_and_flagged(
    agent: Agent, lang: str, words: str
) -> None:
    pin("dont_know", words)
    known = {
        "contact_name": "Jan Kowalski",
        "store_name": "Moda Plus",
        "industry": "fashion",
        "product_count": 100,
        "sales_channels": ["none"],
        "has_domain": False,
        "payment_methods": ["card"],
        "shipping_methods": ["courier"],
        "tax_id": "5260250274",
        "tax_id_confirmed": True,
        "contact_email": "jan@modaplus.pl",
        "contact_email_confirmed": True,
    }
    conv, _ = talk(agent, lang, {**known, "earlier_call_fields": list(known)}, [YES[lang], words])
    assert conv.ended and conv.tracker.slots["call_outcome"] == "completed"
    field = store_config_from_tracker(conv.tracker.to_json()).fields["launch_date"]
    assert field.value == words and field.flagged and field.heard == words


# -- the safety net: any mix of non-answers -----------------------------------------------
NON_ANSWERS = {
    "en": ["what?", "/silence", "hold on", "you spelled it wrong", "hello?", "who is this?"],
    "pl": ["co?", "/silence", "chwileczkę", "źle zapisane", "halo?", "kto mówi?"],
}


@pytest.mark.parametrize("lang", ["en", "pl"])
@pytest.mark.parametrize("shift", range(3))
def test_no_question_is_asked_more_than_four_times_in_any_mix(
    agent: Agent, lang: str, shift: int
) -> None:
    pin("wait", NON_ANSWERS[lang][2], confidence=0.98)
    pin("correct", NON_ANSWERS[lang][3], confidence=0.95)
    cycle = itertools.cycle(NON_ANSWERS[lang][shift:] + NON_ANSWERS[lang][:shift])
    texts = [YES[lang], *itertools.islice(cycle, 40)]
    conv, turns = talk(agent, lang, {}, texts)
    counted = asks(turns)
    assert counted and max(counted.values()) <= MAX_ASKS, counted
    # a merchant who cannot be understood ends with a consultant's callback, not a loop
    assert conv.ended
    assert len(turns) < len(texts) + 1


# -- outside a form ------------------------------------------------------------------------
def _tracker(events: list[dict[str, Any]]) -> Tracker:
    return Tracker("t", {"language": "en"}, {"text": "what?"}, events, False, None, {}, "")


def test_saying_it_again_outside_a_form_is_capped() -> None:
    events: list[dict[str, Any]] = [{"event": "bot", "text": "Goodbye.", "metadata": {}}]
    action = ActionRepeatLast()
    for _ in range(MAX_ASKS - 1 - 1):
        events.append({"event": "action", "name": "action_repeat_last"})
    dispatcher = CollectingDispatcher()
    assert _run(action, dispatcher, _tracker(events)) == []
    assert dispatcher.messages[0]["text"] == "Goodbye."  # said again, slowly
    events.append({"event": "action", "name": "action_repeat_last"})
    dispatcher = CollectingDispatcher()
    ended = _run(action, dispatcher, _tracker(events))
    assert dispatcher.messages[0]["response"] == "utter_not_understood_end"
    assert {
        "event": "slot",
        "timestamp": None,
        "name": "call_outcome",
        "value": "not_understood",
    } in ended


def _run(action: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[Any]:
    import asyncio

    return asyncio.run(action.run(dispatcher, tracker, {}))


def test_words_beside_the_intent_come_from_its_training_data() -> None:
    assert unexplained_words("It's Kwame Mensah.", "en", {"correct"}) == ["kwame", "mensah"]
    assert unexplained_words("hold on a second", "en", {"wait"}) == []
    assert unexplained_words("Chwileczkę, już sprawdzam", "pl", {"wait"}) == []


def test_no_answer_is_read_into_a_yes_no_question() -> None:
    tracker = Tracker(
        "t",
        {"language": "en", "requested_slot": "migrate_products"},
        {"text": "no idea, no", "intent": {"name": "dont_know", "confidence": 0.9}},
        [],
        False,
        None,
        {"name": "onboarding_form"},
        "",
    )
    assert answer_instead(tracker, {}, free_text=True) == {}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "No, I said ninety products, not seventy."),
        ("pl", "Nie, mówiłem dziewięćdziesiąt produktów, a nie siedemdziesiąt."),
    ],
)
def test_a_correction_reaches_an_answer_many_questions_back_and_no_yes_no(
    agent: Agent, lang: str, text: str
) -> None:
    """ "No, I said ninety" at the e-mail question: the product count, five questions back,
    is corrected; the "no" of the correction is not read as an answer to a yes/no field."""
    pin("correct", text)
    known = {
        "contact_name": "Jan Kowalski",
        "store_name": "Moda Plus",
        "industry": "fashion",
        "product_count": 70,
        "sales_channels": ["marketplace"],
        "migrate_products": True,
        "has_domain": True,
        "domain": "modaplus.pl",
        "payment_methods": ["card"],
        "shipping_methods": ["courier"],
        "tax_id": "5260250274",
        "tax_id_confirmed": True,
    }
    slots = {**known, "earlier_call_fields": list(known)}
    conv, turns = talk(agent, lang, slots, [YES[lang], text])
    assert conv.tracker.slots["product_count"] == 90
    assert conv.tracker.slots["has_domain"] is True
    assert conv.tracker.slots["migrate_products"] is True
    assert turns[-1][-1].metadata["ask"] == "contact_email"


@pytest.mark.parametrize(
    ("lang", "text", "store"),
    [
        ("en", "Hang on... it's Tidewater Aquatics.", "Tidewater Aquatics"),
        ("pl", "Chwileczkę... Pracownia Pod Dębem.", "Pracownia Pod Dębem"),
    ],
)
def test_a_wait_then_the_answer_in_one_sentence_is_the_answer(
    agent: Agent, lang: str, text: str, store: str
) -> None:
    pin("wait", text)
    conv, _ = talk(agent, lang, {"contact_name": "Jan Nowak"}, [YES[lang], text])
    assert conv.tracker.slots["store_name"] == store
    # and a wait that goes on with no name in it is a wait
    other = {"en": "Hang on, I'll ask my wife", "pl": "Chwileczkę, zapytam żony"}[lang]
    pin("wait", other)
    conv, turns = talk(agent, lang, {"contact_name": "Jan Nowak"}, [YES[lang], other])
    assert conv.tracker.slots["store_name"] is None
    assert turns[-1][-1].response == "utter_wait"


@pytest.mark.parametrize(
    ("lang", "digits", "no"),
    [
        ("en", "five two six zero two five zero two seven four", "no"),
        ("pl", "pięć dwa sześć zero dwa pięć zero dwa siedem cztery", "nie"),
    ],
)
def test_no_to_every_read_back_cannot_loop(agent: Agent, lang: str, digits: str, no: str) -> None:
    """Each "no" to "I have the tax number ... Is that right?" reopens the question; over
    the call it is still asked at most MAX_ASKS times, then left for staff."""
    known = {
        "contact_name": "Jan Kowalski",
        "store_name": "Moda Plus",
        "industry": "fashion",
        "product_count": 10,
        "sales_channels": ["none"],
        "has_domain": False,
        "payment_methods": ["card"],
        "shipping_methods": ["courier"],
    }
    slots = {**known, "earlier_call_fields": list(known)}
    conv, turns = talk(agent, lang, slots, [YES[lang], *[digits, no] * 6])
    assert asks(turns)["tax_id"] == MAX_ASKS
    assert "tax_id" in conv.tracker.slots["given_up_fields"]
    assert any(m.metadata.get("ask") == "contact_email" for turn in turns for m in turn)


@pytest.mark.parametrize(
    ("lang", "text", "why"),
    [
        ("en", "Hello, yes, what is it?", "set up your new store"),
        ("pl", "Tak, słucham, o co chodzi?", "skonfigurować Państwa nowy sklep"),
    ],
)
def test_what_is_it_about_gets_who_and_why_and_is_no_consent(
    agent: Agent, lang: str, text: str, why: str
) -> None:
    """The real NLU: a yes with "what is it about?" is a question, not consent to talk."""
    conv, turns = talk(agent, lang, {}, [text])
    assert conv.tracker.slots.get("good_time") is None
    assert turns[1][0].response == "utter_bot_identity" and why in turns[1][0].text
    assert turns[1][-1].metadata["ask"] == "good_time"


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "Hello, yes, what is it?"), ("pl", "Halo? Tak, słucham, o co chodzi?")],
)
def test_the_same_yes_with_a_question_after_hearing_who_calls_is_consent(
    agent: Agent, lang: str, text: str
) -> None:
    """Told who calls and why, a merchant who says the same "yes, what is it?" again has
    answered: the call goes on instead of explaining until it gives up."""
    conv, turns = talk(agent, lang, {}, [text, text])
    assert conv.tracker.slots.get("good_time") is True
    assert turns[2][-1].metadata["ask"] == "contact_name"


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "Hi there, hello, I'm listening."), ("pl", "Halo, dzień dobry, no słucham.")],
)
def test_a_greeting_with_a_go_ahead_again_after_hearing_who_calls_is_consent(
    agent: Agent, lang: str, text: str
) -> None:
    """The first "Hello, I'm listening" may be a phone just picked up and is greeted back;
    the same go-ahead once the bot has said who calls and why is the yes, not a loop."""
    conv, turns = talk(agent, lang, {}, [text, text])
    assert conv.tracker.slots.get("good_time") is True
    assert turns[2][-1].metadata["ask"] == "contact_name"


UNHELPFUL = {
    "en": [
        *("what?", "/silence", "hold on", "you got that wrong", "hello?", "who is this?"),
        *("nice weather today", "no", "I don't know", "what's this about?", "one moment please"),
    ],
    "pl": [
        *("co?", "/silence", "chwileczkę", "źle pan zapisał", "halo?", "kto mówi?"),
        *("ładna dziś pogoda", "nie", "nie wiem", "o co chodzi?", "momencik"),
    ],
}


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_a_merchant_who_never_answers_never_loops(agent: Agent, lang: str) -> None:
    """The real NLU, random mixes of everything that is no answer: every question asked at
    most MAX_ASKS times, and every call ends."""
    import random

    rng = random.Random(19)
    for _ in range(8):
        texts = [YES[lang], *(rng.choice(UNHELPFUL[lang]) for _ in range(70))]
        conv, turns = talk(agent, lang, {}, texts)
        counted = asks(turns)
        assert max(counted.values()) <= MAX_ASKS, counted
        assert conv.ended, said(turns)[-4:]


@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [("en", "No, Gary Holt.", "Gary Holt"), ("pl", "Nie, Nowak.", "Nowak")],
)
def test_a_no_before_a_name_is_the_name_and_a_plain_no_is_none(
    agent: Agent, lang: str, text: str, name: str
) -> None:
    pin("deny", text, confidence=0.9)
    conv, _ = talk(agent, lang, {}, [YES[lang], text])
    assert conv.tracker.slots["contact_name"] == name
    conv, _ = talk(agent, lang, {}, [YES[lang], {"en": "no", "pl": "nie"}[lang]])
    assert conv.tracker.slots["contact_name"] is None


@pytest.mark.parametrize(
    ("lang", "text"), [("en", "No, I said Moda Plus."), ("pl", "Nie, mówiłem Moda Plus.")]
)
def test_a_correction_at_the_launch_date_is_not_kept_as_its_words(
    agent: Agent, lang: str, text: str
) -> None:
    pin("correct", text)
    known = {
        "contact_name": "Jan Kowalski",
        "store_name": "Moda Pluss",
        "industry": "fashion",
        "product_count": 10,
        "sales_channels": ["none"],
        "has_domain": False,
        "payment_methods": ["card"],
        "shipping_methods": ["courier"],
        "tax_id": "5260250274",
        "tax_id_confirmed": True,
        "contact_email": "jan@modaplus.pl",
        "contact_email_confirmed": True,
    }
    slots = {**known, "earlier_call_fields": list(known)}
    conv, turns = talk(agent, lang, slots, [YES[lang], text])
    assert conv.tracker.slots["launch_date"] is None
    # "moda" fits the industry it already has: no correction of it
    assert conv.tracker.slots["industry"] == "fashion"
    assert not conv.ended and "ask" in turns[-1][-1].metadata


@pytest.mark.parametrize(
    ("text", "slot", "value"),
    [
        ("Henryk Zając, Heniek, jak kto woli.", "contact_name", "Henryk Zając"),
        ("Córka wymyśliła nazwę: Pod Jarzębiną.", "store_name", "Pod Jarzębiną"),
    ],
)
def test_a_nickname_aside_or_who_thought_the_name_up_is_an_answer(
    agent: Agent, text: str, slot: str, value: str
) -> None:
    """The real NLU: "jak kto woli" is no question who is calling, and naming the field
    asked for with its answer is no correction of it."""
    first = "Halina Kos." if slot == "store_name" else text
    texts = ["Tak.", first, text] if slot == "store_name" else ["Tak.", text]
    conv, _ = talk(agent, "pl", {}, texts)
    assert conv.tracker.slots.get(slot) == value
