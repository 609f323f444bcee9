"""Whisper (faster-whisper, CTranslate2 int8) for languages with no Vosk model.

Whisper is not a streaming recogniser: the shared VAD endpointer cuts utterances and each one
is transcribed alone when it ends. There are no partial results, so ``speech_start`` (used for
barge-in) comes from the VAD: ``min_speech_ms`` of voiced audio opens the utterance.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voicebot.speech.audio import resample_array
from voicebot.speech.stt import (
    RecognitionStream,
    RecognizerEngine,
    SpeechEvent,
    Word,
    endpoint_config,
)
from voicebot.speech.vad import EndKind

if TYPE_CHECKING:
    from voicebot.config import SpeechSettings

WHISPER_RATE = 16000
# Segments Whisper itself thinks are not speech (its usual hallucinations on noise).
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
FALLBACK_TEMPERATURES = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]  # faster-whisper's own default


class WhisperEngine(RecognizerEngine):
    name = "whisper"

    def __init__(self, language: str, model_path: Path, settings: SpeechSettings) -> None:
        super().__init__(language, settings)
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:  # the `whisper` extra is optional
            raise RuntimeError(
                "Whisper needs faster-whisper: pip install 'voicebot[whisper]'"
            ) from exc
        self.model_path = model_path
        self.model = WhisperModel(
            str(model_path),
            device="cpu",
            compute_type="int8",
            cpu_threads=settings.whisper_threads,
            num_workers=2,  # two calls may transcribe at once (CTranslate2 releases the GIL)
        )

    def open_stream(self, sample_rate: int = 8000) -> WhisperStream:
        return WhisperStream(self, sample_rate)

    def transcribe(
        self, pcm16: np.ndarray, sample_rate: int, vocabulary: list[str] | None = None
    ) -> tuple[str, float, list[Word]]:
        """One utterance -> (text, confidence 0..1, words with ms relative to its start)."""
        audio = resample_array(pcm16, sample_rate, WHISPER_RATE).astype(np.float32) / 32768.0
        segments, _info = self.model.transcribe(
            audio,
            language=self.language,
            beam_size=self.settings.whisper_beam_size,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,  # our endpointer already cut the utterance
            temperature=FALLBACK_TEMPERATURES
            if self.settings.whisper_temperature_fallback
            else 0.0,
            hotwords=" ".join(vocabulary) if vocabulary else None,
        )
        texts: list[str] = []
        words: list[Word] = []
        logprobs: list[float] = []
        for segment in segments:  # a lazy generator: decoding happens in this loop
            if segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_LOGPROB:
                continue
            texts.append(segment.text.strip())
            logprobs.append(segment.avg_logprob)
            for w in segment.words or []:
                words.append(
                    Word(
                        w.word.strip(),
                        round(w.start * 1000),
                        round(w.end * 1000),
                        float(w.probability),
                    )
                )
        text = " ".join(t for t in texts if t)
        confidence = float(math.exp(sum(logprobs) / len(logprobs))) if logprobs else 0.0
        return text, confidence, words


class WhisperStream(RecognitionStream):
    def __init__(self, engine: WhisperEngine, sample_rate: int) -> None:
        super().__init__(sample_rate, endpoint_config(engine.settings))
        self.engine = engine
        self._audio_frames: list[bytes] = []

    def _begin_utterance(self, pre_roll: list[bytes]) -> list[SpeechEvent]:
        self._audio_frames = list(pre_roll)
        return self._speech_start()

    def _audio(self, frame: bytes) -> list[SpeechEvent]:
        self._audio_frames.append(frame)
        return []

    def _end_utterance(self, reason: EndKind, end_ms: int) -> SpeechEvent:
        pcm = np.frombuffer(b"".join(self._audio_frames), dtype="<i2")
        self._audio_frames = []
        text, confidence, words = self.engine.transcribe(pcm, self.sample_rate, self.vocabulary)
        offset = self._utterance_start_ms
        words = [Word(w.word, w.start_ms + offset, w.end_ms + offset, w.confidence) for w in words]
        return SpeechEvent(
            "final",
            text,
            confidence,
            [(text, confidence)] if text else [],
            words,
            start_ms=self._utterance_start_ms,
            end_ms=end_ms,
            end_reason=reason.value,
        )
