"""Simulated calls over real loopback HTTP and WebSocket, with real speech both ways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.simulator.runner import Simulator
from voicebot.spoken_languages import supported_languages


def call_settings(settings: Settings, **call: object) -> Settings:
    """Every language on Whisper (no Vosk model of ours can be installed on these machines)."""
    whisper = {language: "whisper" for language in supported_languages()}
    return settings.model_copy(
        update={
            "speech": settings.speech.model_copy(update={"engines": whisper}),
            "call": settings.call.model_copy(update=call),
        }
    )


@pytest.fixture
def quick_silence_simulator(settings: Settings, db: Database) -> Iterator[Simulator]:
    with Simulator(call_settings(settings, silence_reprompt_s=4.0), db, speed=4.0) as sim:
        yield sim


@pytest.fixture
def simulator(settings: Settings, db: Database) -> Iterator[Simulator]:
    # Silence is measured on the line clock; 20 s leaves the persona time to think.
    with Simulator(call_settings(settings, silence_reprompt_s=20.0), db, speed=2.0) as sim:
        yield sim


@pytest.fixture
def fast_simulator(settings: Settings, db: Database) -> Iterator[Simulator]:
    """A longer call at three times real speed; 30 s of line silence leave the persona and
    the recogniser time on a loaded machine."""
    with Simulator(call_settings(settings, silence_reprompt_s=30.0), db, speed=3.0) as sim:
        yield sim
