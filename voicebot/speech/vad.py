"""Voice activity and endpointing for phone audio: the contract every engine follows.

A frame is *voiced* when WebRTC's VAD says speech AND its energy stands ``noise_margin_db``
above an adaptive noise floor (the quietest frame of the last 2 s). The second test is what
keeps steady line hiss or hum (which WebRTC's VAD often calls speech) from opening an
utterance.

An utterance starts when ``min_speech_ms`` of voiced frames fall within the last
``start_window_ms`` (a single click does not start one) and ends at the first of:
``endpoint_silence_ms`` of trailing unvoiced audio (shorter after a yes/no question; the caller
sets it per turn) or ``max_utterance_ms`` of audio. ``pre_roll_ms`` of audio before the start
is handed to the recogniser too, so the first syllable is not cut.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import webrtcvad

from voicebot.speech.audio import FRAME_MS


@dataclass(frozen=True)
class EndpointConfig:
    vad_aggressiveness: int = 2
    noise_margin_db: float = 9.0
    min_speech_ms: int = 120
    start_window_ms: int = 200
    endpoint_silence_ms: int = 700
    max_utterance_ms: int = 15000
    pre_roll_ms: int = 300


class EndKind(StrEnum):
    SILENCE = "silence"
    MAX_LENGTH = "max_length"
    FLUSH = "flush"


@dataclass
class FrameDecision:
    """What one frame means: maybe an utterance started (with its pre-roll audio), the frame
    belongs to an utterance, and maybe the utterance ended after it."""

    started: bool = False
    pre_roll: list[bytes] = field(default_factory=list)
    in_utterance: bool = False
    ended: EndKind | None = None
    start_ms: int = 0


class NoiseFloor:
    """The background level in dBFS: the quietest frame of the last ``window_frames``
    (minimum statistics). Steady noise is learnt within the window; speech always has
    quieter gaps between syllables, so it does not raise the floor much."""

    def __init__(self, window_frames: int = 100) -> None:
        self._levels: deque[float] = deque(maxlen=window_frames)

    @property
    def level_db(self) -> float:
        return min(self._levels) if self._levels else -90.0

    def update(self, frame_db: float) -> None:
        self._levels.append(frame_db)


def frame_level_db(pcm16: bytes) -> float:
    samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float32)
    rms = math.sqrt(float(np.mean(samples * samples))) if samples.size else 0.0
    return 20.0 * math.log10(max(rms, 1.0) / 32768.0)


class VoiceActivityDetector:
    """Per-frame speech/non-speech for 10/20/30 ms frames of PCM16 at 8/16/32/48 kHz."""

    MIN_LEVEL_DB = -55.0  # quieter than this is never speech on a phone line

    def __init__(self, sample_rate: int, aggressiveness: int = 2, margin_db: float = 9.0) -> None:
        if sample_rate not in (8000, 16000, 32000, 48000):
            raise ValueError(f"voice activity detection needs 8/16/32/48 kHz, got {sample_rate}")
        self.sample_rate = sample_rate
        self.margin_db = margin_db
        self._vad = webrtcvad.Vad(aggressiveness)
        self.noise = NoiseFloor()

    def is_voiced(self, frame: bytes) -> bool:
        level = frame_level_db(frame)
        self.noise.update(level)  # before the test: the first frames of a call judge themselves
        speechlike = self._vad.is_speech(frame, self.sample_rate)
        loud_enough = level > max(self.noise.level_db + self.margin_db, self.MIN_LEVEL_DB)
        return speechlike and loud_enough


class Endpointer:
    """Turns a stream of fixed 20 ms frames into utterance boundaries."""

    def __init__(self, sample_rate: int, config: EndpointConfig) -> None:
        self.config = config
        self.vad = VoiceActivityDetector(
            sample_rate, config.vad_aggressiveness, config.noise_margin_db
        )
        self.endpoint_silence_ms = config.endpoint_silence_ms
        self.frame_count = 0
        self.in_utterance = False
        self._recent: deque[tuple[bytes, bool]] = deque(
            maxlen=max(config.pre_roll_ms, config.start_window_ms) // FRAME_MS
        )
        self._utterance_frames = 0
        self._voiced_frames = 0
        self._trailing_silence_frames = 0

    @property
    def now_ms(self) -> int:
        return self.frame_count * FRAME_MS

    def process(self, frame: bytes) -> FrameDecision:
        voiced = self.vad.is_voiced(frame)
        self.frame_count += 1
        if not self.in_utterance:
            return self._while_idle(frame, voiced)
        return self._while_speaking(voiced)

    def _while_idle(self, frame: bytes, voiced: bool) -> FrameDecision:
        self._recent.append((frame, voiced))
        window = list(self._recent)[-(self.config.start_window_ms // FRAME_MS) :]
        voiced_ms = sum(FRAME_MS for _, v in window if v)
        if voiced_ms < self.config.min_speech_ms:
            return FrameDecision()
        pre_roll_frames = self.config.pre_roll_ms // FRAME_MS
        pre_roll = [f for f, _ in list(self._recent)[-pre_roll_frames:]] if pre_roll_frames else []
        self._recent.clear()
        self.in_utterance = True
        self._utterance_frames = len(pre_roll)
        self._voiced_frames = sum(1 for _, v in window if v)
        self._trailing_silence_frames = 0
        start_ms = self.now_ms - len(pre_roll) * FRAME_MS
        return FrameDecision(started=True, pre_roll=pre_roll, in_utterance=True, start_ms=start_ms)

    def _while_speaking(self, voiced: bool) -> FrameDecision:
        self._utterance_frames += 1
        self._voiced_frames += int(voiced)
        self._trailing_silence_frames = 0 if voiced else self._trailing_silence_frames + 1
        ended = None
        if self._trailing_silence_frames * FRAME_MS >= self.endpoint_silence_ms:
            ended = EndKind.SILENCE
        elif self._utterance_frames * FRAME_MS >= self.config.max_utterance_ms:
            ended = EndKind.MAX_LENGTH
        if ended is not None:
            self.in_utterance = False
        return FrameDecision(in_utterance=True, ended=ended)

    def end_now(self) -> EndKind:
        """The caller's rule shortened the endpoint below the silence already heard."""
        self.in_utterance = False
        return EndKind.SILENCE

    def force_end(self) -> EndKind | None:
        """Hang-up: close an open utterance."""
        if not self.in_utterance:
            return None
        self.in_utterance = False
        return EndKind.FLUSH

    @property
    def trailing_silence_ms(self) -> int:
        return self._trailing_silence_frames * FRAME_MS

    @property
    def voiced_ms(self) -> int:
        """Voiced audio in the current (or last) utterance: a cough is short, an answer not."""
        return self._voiced_frames * FRAME_MS
