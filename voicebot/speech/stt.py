"""Speech recognition behind one interface: engines (one per language per process) and
streams (one per call). Which engine serves a language is decided in
``voicebot.speech.engines``.

    engine = load_recognizer_engine("pl", settings.speech)   # voicebot.speech.engines
    stream = engine.open_stream(sample_rate=8000)
    for frame in frames:                      # 20 ms of PCM16
        for event in stream.accept(frame): ...
    stream.expect(["tak", "nie"], endpoint_silence_ms=400)   # bias the next answer
    stream.flush()                            # hang-up: finalise what was heard

Events (times in ms from the stream's first sample):
- ``speech_start``: the caller is really talking. Vosk: the first partial with a real word
  (not ``[unk]``) inside a voiced utterance, so line noise and coughs never barge in.
  Whisper has no partials: it fires once ``min_speech_ms`` of voiced audio opened the
  utterance (VAD-based barge-in).
- ``partial``: the running hypothesis changed (Vosk only).
- ``final``: the utterance ended (trailing silence, maximum length or flush). Sent for every
  utterance that produced ``speech_start``, even when its text is empty, so a listener that
  paused for barge-in always hears the end.

``accept`` does the decoding on the calling thread and both engines release the GIL while
decoding, so run one stream per call on a worker thread; Whisper's ``accept`` blocks for the
transcription (about 1-2 s on 2 cores) at the end of an utterance.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from voicebot.speech.audio import FRAME_MS
from voicebot.speech.vad import EndKind, EndpointConfig, Endpointer

if TYPE_CHECKING:
    from voicebot.config import SpeechSettings

log = logging.getLogger(__name__)

EventKind = Literal["speech_start", "partial", "final"]
UNKNOWN_WORD = "[unk]"


@dataclass(frozen=True)
class Word:
    word: str
    start_ms: int
    end_ms: int
    confidence: float


@dataclass(frozen=True)
class SpeechEvent:
    kind: EventKind
    text: str = ""
    confidence: float = 0.0
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    start_ms: int = 0
    end_ms: int = 0
    end_reason: str | None = None  # finals: "silence" | "max_length" | "flush"
    endpoint_silence_ms: int = 0  # finals ended by silence: the trailing silence that did it


def endpoint_config(settings: SpeechSettings) -> EndpointConfig:
    return EndpointConfig(
        vad_aggressiveness=settings.vad_aggressiveness,
        noise_margin_db=settings.noise_margin_db,
        min_speech_ms=settings.min_speech_ms,
        start_window_ms=max(settings.min_speech_ms, 200),
        endpoint_silence_ms=settings.endpoint_silence_ms,
        max_utterance_ms=settings.max_utterance_ms,
        pre_roll_ms=settings.pre_roll_ms,
    )


class RecognitionStream(ABC):
    """One call's recognition: frames in, events out. Not thread-safe; one thread per stream."""

    def __init__(self, sample_rate: int, config: EndpointConfig) -> None:
        self.sample_rate = sample_rate
        self.config = config
        self.frame_bytes = sample_rate * FRAME_MS // 1000 * 2
        self._endpointer = Endpointer(sample_rate, config)
        self._pending = bytearray()
        self._utterance_start_ms = 0
        self._speech_started = False
        self.vocabulary: list[str] | None = None
        self._endpoint_rule: Callable[[str], int] | None = None
        self._default_silence_ms = config.endpoint_silence_ms

    # -- public API ---------------------------------------------------------------------------
    def accept(self, pcm16: bytes) -> list[SpeechEvent]:
        """Feed PCM16 mono audio (any length; normally one 20 ms frame)."""
        if len(pcm16) % 2:
            raise ValueError(f"PCM16 audio must have an even number of bytes, got {len(pcm16)}")
        self._pending += pcm16
        events: list[SpeechEvent] = []
        while len(self._pending) >= self.frame_bytes:
            frame = bytes(self._pending[: self.frame_bytes])
            del self._pending[: self.frame_bytes]
            events.extend(self._process(frame))
        return events

    def expect(
        self,
        vocabulary: list[str] | None,
        *,
        endpoint_silence_ms: int | None = None,
        endpoint_rule: Callable[[str], int] | None = None,
    ) -> None:
        """Bias the next answer towards ``vocabulary`` (None: free speech) and set its trailing
        silence: ``endpoint_silence_ms`` (None: the configured default), or, when given,
        ``endpoint_rule(text heard so far)`` re-asked whenever the running hypothesis changes
        (short once the answer is complete, long while it plainly is not)."""
        cleaned = None
        if vocabulary:
            cleaned = sorted({w.strip().lower() for w in vocabulary if w and w.strip()})
        self.vocabulary = cleaned or None
        self._default_silence_ms = endpoint_silence_ms or self.config.endpoint_silence_ms
        self._endpoint_rule = endpoint_rule
        if not self.in_utterance:
            self._endpointer.endpoint_silence_ms = self._silence_for("")
        self._on_expect(self.vocabulary)

    def flush(self) -> list[SpeechEvent]:
        """Hang-up (or end of input): finalise an open utterance."""
        events: list[SpeechEvent] = []
        if self._pending:
            padded = bytes(self._pending) + b"\x00" * (self.frame_bytes - len(self._pending))
            self._pending.clear()
            events.extend(self._process(padded))
        kind = self._endpointer.force_end()
        if kind is not None:
            events.extend(self._close_utterance(kind))
        return events

    @property
    def now_ms(self) -> int:
        return self._endpointer.now_ms

    @property
    def in_utterance(self) -> bool:
        return self._endpointer.in_utterance

    @property
    def voiced_ms(self) -> int:
        return self._endpointer.voiced_ms

    def _silence_for(self, text: str) -> int:
        if self._endpoint_rule is None:
            return self._default_silence_ms
        return self._endpoint_rule(text)

    # -- engine hooks ---------------------------------------------------------------------------
    @abstractmethod
    def _begin_utterance(self, pre_roll: list[bytes]) -> list[SpeechEvent]: ...

    @abstractmethod
    def _audio(self, frame: bytes) -> list[SpeechEvent]: ...

    @abstractmethod
    def _end_utterance(self, reason: EndKind, end_ms: int) -> SpeechEvent | None: ...

    def _on_expect(self, vocabulary: list[str] | None) -> None:  # noqa: B027 - optional hook
        pass

    # -- helpers for engines --------------------------------------------------------------------
    def _speech_start(self) -> list[SpeechEvent]:
        if self._speech_started:
            return []
        self._speech_started = True
        return [SpeechEvent("speech_start", start_ms=self._utterance_start_ms, end_ms=self.now_ms)]

    def _process(self, frame: bytes) -> list[SpeechEvent]:
        decision = self._endpointer.process(frame)
        events: list[SpeechEvent] = []
        if decision.started:
            self._utterance_start_ms = decision.start_ms
            self._speech_started = False
            self._endpointer.endpoint_silence_ms = self._silence_for("")
            events.extend(self._begin_utterance(decision.pre_roll))
        if decision.in_utterance:
            heard = self._audio(frame)
            partials = [e for e in heard if e.kind == "partial"]
            if partials:  # the answer so far decides how long a pause ends it
                self._endpointer.endpoint_silence_ms = self._silence_for(partials[-1].text)
            events.extend(heard)
            if decision.ended is None and self._endpointer.trailing_silence_ms >= (
                self._endpointer.endpoint_silence_ms
            ):
                decision.ended = self._endpointer.end_now()  # a shorter endpoint already passed
        if decision.ended is not None:
            events.extend(self._close_utterance(decision.ended))
        return events

    def _close_utterance(self, reason: EndKind) -> list[SpeechEvent]:
        trailing = self._endpointer.trailing_silence_ms if reason == EndKind.SILENCE else 0
        final = self._end_utterance(reason, self.now_ms - trailing)
        if final is None:
            return []
        if not final.text and not self._speech_started:
            return []  # noise that never became words: nothing happened
        self._speech_started = False
        return [replace(final, endpoint_silence_ms=trailing)]


class RecognizerEngine(ABC):
    """A loaded model for one language, shared by every stream in the process."""

    name: str = ""

    def __init__(self, language: str, settings: SpeechSettings) -> None:
        self.language = language
        self.settings = settings

    @abstractmethod
    def open_stream(self, sample_rate: int = 8000) -> RecognitionStream: ...

    def describe(self) -> str:
        return f"{self.name} ({self.language})"


def is_real_word(word: str) -> bool:
    return bool(word) and word != UNKNOWN_WORD
