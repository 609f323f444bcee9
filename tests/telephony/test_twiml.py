"""The TwiML Twilio reads itself (voicemail, apology): the merchant's language where Twilio
has a voice for it, else the fallback language's text and voice."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from voicebot.telephony.twiml import say_and_hang_up

TEXTS = {"pl": "Dzień dobry.", "en": "Hello.", "cs": "Dobrý den.", "sl": "Dober dan."}


def said(language: str, texts: dict[str, str] = TEXTS) -> tuple[str | None, str | None]:
    root = ET.fromstring(say_and_hang_up(texts, language))
    assert [child.tag for child in root] == ["Say", "Hangup"]
    say = root.find("Say")
    assert say is not None
    return say.text, say.get("language")


def test_a_language_twilio_speaks_is_said_in_it() -> None:
    assert said("pl") == ("Dzień dobry.", "pl-PL")
    assert said("cs") == ("Dobrý den.", "cs-CZ")


def test_slovenian_has_no_twilio_voice_so_english_is_said() -> None:
    assert said("sl") == ("Hello.", "en-US")


def test_a_language_without_a_text_or_unknown_falls_back_to_english() -> None:
    assert said("ru") == ("Hello.", "en-US")  # no Russian text configured here
    assert said("xx") == ("Hello.", "en-US")
