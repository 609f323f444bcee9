"""Listening for a Russian merchant: the vocabularies come from the ru rules and lexicon,
every industry is listened for, and the read-back words agree with the spoken-form rules."""

from __future__ import annotations

import pytest
import yaml

from voicebot.actions.common import lexicon
from voicebot.call.listening import EndpointTimes, Expectation
from voicebot.dialog.normalise.languages import language
from voicebot.speech.tts_text import symbol_words

TIMES = EndpointTimes(short_ms=500, long_ms=1200)


def expect(slot: str) -> Expectation:
    return Expectation.after({"requested_slot": slot, "language": "ru"}, "ru", TIMES)


def test_vocabularies_per_kind() -> None:
    assert {"да", "нет"} <= set(expect("tax_id_confirmed").vocabulary or ())
    assert "семь" in (expect("tax_id").vocabulary or ())
    email = set(expect("contact_email").vocabulary or ())
    assert {"собака", "точка", "mail", "yandex"} <= email
    assert "марта" in (expect("launch_date").vocabulary or ())
    assert "электроника" in (expect("industry").vocabulary or ())


@pytest.mark.parametrize("slot", ["tax_id_confirmed", "tax_id", "launch_date", "industry"])
def test_words_a_recogniser_can_say(slot: str) -> None:
    assert all(
        part.isalpha()
        for w in expect(slot).vocabulary or ()
        for part in w.replace("-", " ").split()
    ), slot


def test_every_industry_is_listened_for() -> None:
    vocabulary = set(expect("industry").vocabulary or ())
    for industry in lexicon()["industry_taxonomy"]:
        stems = {
            " ".join(str(s).lstrip("=").lower().split()) for s in lexicon()["industry"][industry]
        }
        russian = {s for s in stems if any("а" <= ch <= "я" for ch in s)}
        assert russian & vocabulary, industry


def test_read_back_words_agree_with_the_spoken_forms() -> None:
    from importlib import resources

    data = yaml.safe_load(
        resources.files("voicebot.speech").joinpath("data/readback.yml").read_text("utf-8")
    )
    rules = language("ru").raw
    assert data["digits"]["ru"] == [str(rules["numbers"]["units"][d][0]) for d in range(10)]
    assert data["months"]["ru"] == rules["dates"]["speak"]["months"]
    speak = rules["email"]["speak"]
    words = symbol_words("ru")
    assert [words[k] for k in ("at", "dot", "dash", "underscore")] == [
        speak[k] for k in ("at", "dot", "dash", "underscore")
    ]
