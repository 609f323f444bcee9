"""How people really answer "is now a good time?" (issue 19, pl/dev5): a go-ahead in any
words is a yes, "how long will it take?" is answered, and a merchant who first asked to be
called later but then has the time after all starts the questions at once. Real engine,
every language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from voicebot.dialog import Agent

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-23T09:30:00+01:00"


@pytest.fixture(scope="module")
def agent() -> Agent:
    return Agent.load(ROOT)


def response_text(name: str, lang: str) -> str:
    domain = yaml.safe_load((ROOT / "dialogs" / "domain.yml").read_text(encoding="utf-8"))
    for variant in domain["responses"][name]:
        if {"type": "slot", "name": "language", "value": lang} in variant.get("condition", []):
            return variant["text"]
    raise KeyError(f"{name} has no {lang} text")


def talk(agent: Agent, lang: str, texts: list[str]) -> tuple[Any, list[list[Any]]]:
    conv = agent.new_conversation("opening", language=lang, slots={"call_started_at": NOW})
    conv.start()
    turns = []
    for text in texts:
        turns.append(list(conv.handle(text, confidence=0.9, metadata={}).messages))
    return conv, turns


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("pl", "Ja tylko na chwilę, mów pani."),
        ("pl", "Jestem w samochodzie, ale mogę. Mam na głośnomówiącym."),
        ("pl", "No dobra, pytaj pan."),
        ("en", "I've only got a second, fire away."),
        ("en", "I'm driving but I can."),
        ("cs", "Tak povídejte."),
        ("ru", "Ну говорите."),
        ("sl", "Kar vprašajte."),
    ],
)
def test_a_go_ahead_in_any_words_is_a_yes(agent: Agent, lang: str, text: str) -> None:
    conv, turns = talk(agent, lang, [text])
    assert conv.tracker.slots.get("good_time") is True
    assert turns[0][-1].metadata["ask"] == "contact_name"


@pytest.mark.parametrize(
    ("lang", "text"),
    [("pl", "Teraz nie mogę, ale jutro mogę."), ("en", "I can't talk now.")],
)
def test_a_no_with_a_can_in_it_is_still_a_no(agent: Agent, lang: str, text: str) -> None:
    conv, turns = talk(agent, lang, [text])
    assert conv.tracker.slots.get("good_time") is False
    assert turns[0][-1].metadata["ask"] == "callback_time"


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("pl", "A ile to potrwa?"),
        ("en", "How long will this take?"),
        ("cs", "Jak dlouho to bude trvat?"),
        ("ru", "А это долго?"),
        ("sl", "Koliko časa bo trajalo?"),
    ],
)
def test_how_long_it_takes_is_answered_and_the_question_asked_again(
    agent: Agent, lang: str, question: str
) -> None:
    conv, turns = talk(agent, lang, [question])
    texts = [m.text for m in turns[0]]
    assert texts[0] == response_text("utter_call_duration", lang)
    assert response_text("utter_chitchat", lang) not in texts
    assert turns[0][-1].metadata["ask"] == "good_time"
    assert conv.tracker.slots.get("good_time") is None


def test_how_long_it_takes_is_answered_in_the_middle_of_the_questions(agent: Agent) -> None:
    conv, turns = talk(agent, "pl", ["Tak.", "Długo to jeszcze potrwa?"])
    assert turns[1][0].text == response_text("utter_call_duration", "pl")
    assert turns[1][-1].metadata["ask"] == "contact_name"  # asked again, nothing taken
    assert conv.tracker.slots.get("contact_name") is None


@pytest.mark.parametrize(
    ("lang", "later", "now"),
    [
        (
            "pl",
            "Oj, teraz nie bardzo... może pan zadzwonić później?",
            "A dobra, teraz też mogę. Mów pan.",
        ),
        ("en", "Not now, can you call me later?", "Actually I can talk now, go ahead."),
    ],
)
def test_asked_when_to_call_back_now_after_all_starts_the_questions(
    agent: Agent, lang: str, later: str, now: str
) -> None:
    conv, turns = talk(agent, lang, [later, now])
    assert turns[0][-1].metadata["ask"] == "callback_time"
    assert turns[1][0].text == response_text("utter_now_after_all", lang)
    assert turns[1][-1].metadata["ask"] == "contact_name"
    assert conv.tracker.slots.get("good_time") is True
    assert conv.tracker.slots.get("callback_time") is None
    assert not conv.ended


def test_a_callback_time_with_now_in_it_is_still_a_callback(agent: Agent) -> None:
    conv, _turns = talk(agent, "pl", ["Nie teraz.", "Teraz nie, ale jutro o dziesiątej tak."])
    assert conv.ended
    assert conv.tracker.slots.get("callback_time", "").startswith("2026-11-24T10:00")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("pl", "Panie, teraz to nie bardzo, jestem w trasie... A długo to będzie?"),
        ("en", "Not really, I'm on the road. How long will it take?"),
    ],
)
def test_a_no_that_ends_asking_how_long_is_answered_and_asked_again(
    agent: Agent, lang: str, text: str
) -> None:
    """The length may change the no: told it, the merchant is asked again, not for a time
    to call back."""
    conv, turns = talk(agent, lang, [text])
    assert turns[0][0].text == response_text("utter_call_duration", lang)
    assert turns[0][-1].metadata["ask"] == "good_time"
    assert conv.tracker.slots.get("good_time") is None
    _conv, turns = talk(agent, lang, [text, "Nie." if lang == "pl" else "No."])
    assert turns[1][-1].metadata["ask"] == "callback_time"  # a plain no stands


@pytest.mark.parametrize(
    ("lang", "text", "ask"),
    [
        (
            "pl",
            "A długo to będzie trwało? Bo konie nienakarmione. No dobra, byle szybko.",
            "contact_name",
        ),
        ("en", "How long will it take? Okay, go ahead.", "contact_name"),
        ("pl", "A ile to potrwa? Bo teraz to nie mogę, jestem u lekarza.", "callback_time"),
    ],
)
def test_how_long_asked_and_answered_in_one_breath(
    agent: Agent, lang: str, text: str, ask: str
) -> None:
    """The merchant asks how long it takes and answers the question in the same breath
    (pl/dev8): the length is told and the answer taken, not asked for again."""
    conv, turns = talk(agent, lang, [text])
    texts = [m.text for m in turns[0]]
    assert texts[0] == response_text("utter_call_duration", lang)
    assert turns[0][-1].metadata["ask"] == ask
    assert conv.tracker.slots.get("good_time") is (ask == "contact_name")
