"""Whisper (faster-whisper, CTranslate2 int8) for languages with no Vosk model.

Whisper is not a streaming recogniser: the shared VAD endpointer cuts utterances. So that
the end of an answer does not wait for a decode, each pause of ``whisper_segment_pause_ms``
inside an utterance starts a decode of the audio so far on a helper thread, while the call's
worker goes on taking audio: its text, if nothing was said meanwhile, is a ``partial``
result (it drives the endpoint rule and barge-in), and when the utterance ends with nothing
more said, that decode (already done or well under way) is the final result.
When the merchant went on, the whole utterance is decoded again at the end (a decode costs
about the same whatever the length, and the last piece alone would lose its context).
``speech_start`` comes from the VAD: ``min_speech_ms`` of voiced audio opens the utterance.
"""

from __future__ import annotations

import math
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voicebot.speech.audio import FRAME_MS, resample_array
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
        # decodes started at a pause, while the call's worker goes on taking audio
        self.pause_pool = ThreadPoolExecutor(2, thread_name_prefix=f"whisper-{language}")

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
            hotwords=" ".join(vocabulary)
            if vocabulary and self.settings.whisper_hotwords
            else None,
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
        text = without_repetition_loop(" ".join(t for t in texts if t))
        confidence = float(math.exp(sum(logprobs) / len(logprobs))) if logprobs else 0.0
        return text, confidence, words


_ITEM = re.compile(r"[^,\s]+(?:[,.]?\s*|$)")
LOOP_REPEATS = 6  # the same item this many times in a row at the end: a decoding loop


def without_repetition_loop(text: str) -> str:
    """ "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10, ...": Whisper's beam search ran
    on past the digits said into a loop of one item; the loop was never said, so it goes.
    People do not say one word six times running."""
    items = [m.group(0) for m in _ITEM.finditer(text)]
    keys = [i.strip(" ,.").lower() for i in items]
    end = len(keys)
    start = end
    while start > 0 and keys[start - 1] == keys[-1]:
        start -= 1
    if not keys or end - start < LOOP_REPEATS:
        return text
    return "".join(items[:start]).rstrip(" ,") + ("." if start else "")


@dataclass(frozen=True)
class _Decoded:
    text: str
    confidence: float
    words: list[Word]


class WhisperStream(RecognitionStream):
    def __init__(self, engine: WhisperEngine, sample_rate: int) -> None:
        super().__init__(sample_rate, endpoint_config(engine.settings))
        self.engine = engine
        self.segment_pause_ms = engine.settings.whisper_segment_pause_ms
        self._audio_frames: list[bytes] = []
        # decodes of the utterance so far, each with the voiced ms it covers
        self._started: tuple[int, Future[_Decoded]] | None = None  # started at a pause
        self._decoded: tuple[int, _Decoded] | None = None  # the last one finished
        self.decodes = 0  # Whisper runs of this stream (figures for tests and benchmarks)

    def _begin_utterance(self, pre_roll: list[bytes]) -> list[SpeechEvent]:
        self._audio_frames = list(pre_roll)
        self._cancel_started()  # a decode of the last utterance still queued: not needed now
        self._decoded = None
        return self._speech_start()

    def _audio(self, frame: bytes) -> list[SpeechEvent]:
        self._audio_frames.append(frame)
        events: list[SpeechEvent] = []
        voiced = self._endpointer.voiced_ms
        if self._started is not None and self._started[1].done():
            covered, future = self._started
            self._started = None
            self._decoded = (covered, future.result())
            text = self._decoded[1].text
            if covered == voiced and text:  # still the whole answer: a partial result
                events.append(
                    SpeechEvent(
                        "partial", text, start_ms=self._utterance_start_ms, end_ms=self.now_ms
                    )
                )
        pause = self._endpointer.trailing_silence_ms
        just_paused = 0 <= pause - self.segment_pause_ms < FRAME_MS
        if self.segment_pause_ms and just_paused and voiced > self._covered():
            self._cancel_started()  # outdated by the words since: it must not queue ahead
            # decode while the merchant may go on; the worker keeps taking audio meanwhile
            pcm = b"".join(self._audio_frames)
            self.decodes += 1
            from voicebot.observability.logs import in_call_context

            decode = in_call_context(self._decode)  # its log lines name the call
            self._started = (voiced, self.engine.pause_pool.submit(decode, pcm))
        return events

    def _covered(self) -> int:
        """Voiced ms covered by the newest decode, started or finished."""
        if self._started is not None:
            return self._started[0]
        return self._decoded[0] if self._decoded is not None else 0

    def _cancel_started(self) -> None:
        """Forget the decode started at a pause, cancelling it if it has not begun: left in
        the pool's queue, a superseded decode would run ahead of the one that matters (this
        call's next one or another call's)."""
        if self._started is not None:
            self._started[1].cancel()
            self._started = None

    def _decode(self, pcm16: bytes) -> _Decoded:
        """The whole utterance so far: Whisper's cost hardly depends on the length (it always
        encodes a 30 s window), and a piece decoded alone loses its context ("of March"
        alone came out as "on Mars")."""
        pcm = np.frombuffer(pcm16, dtype="<i2")
        text, confidence, words = self.engine.transcribe(pcm, self.sample_rate, self.vocabulary)
        offset = self._utterance_start_ms
        shifted = [
            Word(w.word, w.start_ms + offset, w.end_ms + offset, w.confidence) for w in words
        ]
        return _Decoded(text, confidence, shifted)

    def _end_utterance(self, reason: EndKind, end_ms: int) -> SpeechEvent:
        voiced = self._endpointer.voiced_ms
        if self._started is not None and self._started[0] == voiced:
            decoded = self._started[1].result()  # started at the pause: mostly done by now
        elif self._decoded is not None and self._decoded[0] == voiced:
            decoded = self._decoded[1]
        else:  # the merchant went on after the last pause (or never paused)
            self._cancel_started()
            self.decodes += 1
            decoded = self._decode(b"".join(self._audio_frames))
        self._started = self._decoded = None
        self._audio_frames = []
        return SpeechEvent(
            "final",
            decoded.text,
            decoded.confidence,
            [(decoded.text, decoded.confidence)] if decoded.text else [],
            decoded.words,
            start_ms=self._utterance_start_ms,
            end_ms=end_ms,
            end_reason=reason.value,
        )
