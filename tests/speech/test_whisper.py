"""Whisper (faster-whisper, base int8) on English and Polish espeak-ng speech, phone quality.

Polish espeak-ng speech and Whisper base do not go together well (see docs/models.md): the
Polish test checks the machinery (utterances cut by the VAD, barge-in from the VAD, timings)
not the sentence.
"""

from __future__ import annotations

import logging
import re
import time

import pytest

from voicebot.config import SpeechSettings
from voicebot.speech.engines import load_recognizer_engine
from voicebot.speech.model_files import WHISPER_BASE_MODEL_BIN_SIZE
from voicebot.speech.whisper_engine import WhisperEngine

from .speech_audio import feed, finals, say, silence

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def whisper_settings(models_dir) -> SpeechSettings:
    # English and Polish have no Vosk model here: they fall back to Whisper.
    return SpeechSettings(models_dir=models_dir, whisper_beam_size=5)


@pytest.fixture(scope="module")
def english(whisper_settings):
    return load_recognizer_engine("en", whisper_settings)


def words_of(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def test_missing_vosk_model_falls_back_to_an_assembled_whisper(english, models_dir) -> None:
    assert isinstance(english, WhisperEngine)
    assert (models_dir / "whisper-base" / "model.bin").stat().st_size == WHISPER_BASE_MODEL_BIN_SIZE


def test_english_answers_come_through(english) -> None:
    stream = english.open_stream()
    audio = (
        silence(400)
        + say("my store is called gadget corner", "en-us")
        + silence(1000)
        + say("we accept card and paypal", "en-us", rate=140)
        + silence(1000)
    )
    events = feed(stream, audio)
    kinds = [e.kind for e in events]
    # VAD barge-in; the pause after each answer starts its decode, which the end of the
    # utterance then uses (a partial result first when it finished before the endpoint)
    assert [k for k in kinds if k != "partial"] == ["speech_start", "final"] * 2
    assert stream.decodes == 2  # one Whisper run per answer
    first, second = finals(events)
    assert {"gadget", "corner"} <= set(words_of(first.text))
    assert "paypal" in words_of(second.text) or "pay" in words_of(second.text)
    assert 0.3 < first.confidence <= 1.0
    assert first.words and first.start_ms <= first.words[0].start_ms < first.words[-1].end_ms
    assert first.words[-1].end_ms <= first.end_ms + 300
    assert second.start_ms > first.end_ms


def test_polish_machinery_and_a_robust_number(whisper_settings) -> None:
    polish = load_recognizer_engine("pl", whisper_settings)
    stream = polish.open_stream()
    stream.expect(["tak", "nie"], endpoint_silence_ms=400)
    events = feed(stream, silence(300) + say("tak", "pl") + silence(700))
    assert [e.kind for e in events] == ["speech_start", "final"]
    assert events[1].end_reason == "silence" and events[1].end_ms - events[1].start_ms < 1500
    stream.expect(None)
    # espeak-ng Polish through Whisper base is mostly misheard: assert the machinery only.
    longer = finals(
        feed(stream, silence(300) + say("sto dwadzieścia", "pl", rate=130) + silence(900))
    )
    assert len(longer) == 1 and longer[0].text and 0.0 < longer[0].confidence <= 1.0
    assert all(longer[0].start_ms <= w.start_ms <= longer[0].end_ms + 300 for w in longer[0].words)


def test_a_pause_mid_answer_is_decoded_while_the_merchant_goes_on(english) -> None:  # type: ignore[no-untyped-def]
    """Digits said in two groups: a decode starts at each pause; the first is outdated by the
    second group, and the end takes the second, which covers the whole answer."""
    stream = english.open_stream()
    stream.expect(None, endpoint_rule=lambda heard: 1200)  # "unfinished": the pause is no end
    audio = (
        silence(300)
        + say("one two three", "en-us", rate=140)
        + silence(600)
        + say("four five six", "en-us", rate=140)
        + silence(1400)
    )
    events = feed(stream, audio, flush=False)
    assert [e.kind for e in events if e.kind != "partial"] == ["speech_start", "final"]
    assert stream.decodes == 2  # one per pause; the end has nothing left to decode
    final = finals(events)[0]
    assert final.words == sorted(final.words, key=lambda w: w.start_ms)
    assert final.words[-1].start_ms > final.start_ms + 900, final.text  # both groups


def test_a_complete_answer_ends_after_the_short_silence(english) -> None:  # type: ignore[no-untyped-def]
    """At the line's pace: the pause's decode comes back during the silence, its words are a
    complete answer, and the short endpoint ends the utterance well before the long one."""
    stream = english.open_stream()
    complete = {"yes", "yeah", "no"}
    stream.expect(
        ["yes", "no"],
        endpoint_rule=lambda heard: 300 if set(words_of(heard)) & complete else 8000,
    )
    events = feed(stream, silence(300) + say("yes", "en-us"), flush=False)
    for _ in range(400):  # up to 8 s of silence, 20 ms at a time, as the line sends it
        events += stream.accept(silence(20))
        if finals(events):
            break
        time.sleep(0.02)
    final = finals(events)[0]
    assert set(words_of(final.text)) & complete, final.text
    assert final.end_reason == "silence" and final.endpoint_silence_ms < 8000
    assert [e.kind for e in events] == ["speech_start", "partial", "final"]
    assert stream.decodes == 1


def test_slovenian_is_served_by_whisper_by_configuration_and_the_log_says_why(
    models_dir, caplog
) -> None:
    settings = SpeechSettings(models_dir=models_dir)  # the default engines: sl is whisper
    with caplog.at_level(logging.INFO, logger="voicebot.speech.engines"):
        engine = load_recognizer_engine("sl", settings)
    assert type(engine).__name__ == "WhisperEngine"
    assert "speech sl: Whisper model" in caplog.text
    assert "speech.engines.sl: whisper; no Vosk model is published for it" in caplog.text
