"""Stereo call recordings: the merchant on the left channel, the bot on the right, both on
the call's media clock so they line up as the merchant heard them."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import numpy as np

RATE = 8000


class StereoRecorder:
    """Collects both sides in memory (8 kHz is 16 kB/s per side) and writes one WAV at the end.

    Merchant audio arrives in order; bot audio is placed where it starts playing and is cut
    where a barge-in cleared it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._merchant: list[np.ndarray] = []
        self._merchant_samples = 0
        self._bot: list[tuple[int, np.ndarray]] = []  # (start sample, samples)

    def add_merchant(self, pcm16: bytes) -> None:
        samples = np.frombuffer(pcm16, dtype="<i2")
        with self._lock:
            self._merchant.append(samples)
            self._merchant_samples += samples.size

    def add_bot(self, pcm16: bytes, start_ms: int) -> None:
        with self._lock:
            self._bot.append((start_ms * RATE // 1000, np.frombuffer(pcm16, dtype="<i2")))

    def cut_bot(self, at_ms: int) -> None:
        """Everything the bot would have said after ``at_ms`` was never heard."""
        cut = at_ms * RATE // 1000
        with self._lock:
            kept = []
            for start, samples in self._bot:
                if start >= cut:
                    continue
                kept.append((start, samples[: max(0, cut - start)]))
            self._bot = kept

    @property
    def duration_ms(self) -> int:
        with self._lock:
            bot_end = max((s + a.size for s, a in self._bot), default=0)
            return max(self._merchant_samples, bot_end) * 1000 // RATE

    def stereo(self) -> np.ndarray:
        with self._lock:
            bot_end = max((s + a.size for s, a in self._bot), default=0)
            length = max(self._merchant_samples, bot_end)
            out = np.zeros((length, 2), dtype=np.int16)
            if self._merchant:
                left = np.concatenate(self._merchant)
                out[: left.size, 0] = left
            for start, samples in self._bot:
                out[start : start + samples.size, 1] = samples
            return out

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.stereo()
        tmp = path.with_suffix(".part")
        with wave.open(str(tmp), "wb") as wav:
            wav.setnchannels(2)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes(data.astype("<i2").tobytes())
        tmp.replace(path)  # a reader never sees a half-written file
        return path
