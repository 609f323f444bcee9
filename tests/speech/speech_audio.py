"""Test speech made with espeak-ng and sent through the telephone path (mu-law, 8 kHz)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
from num2words import num2words

from voicebot.speech.audio import FRAME_BYTES_PCM16_8K, frames, read_wav, resample_array
from voicebot.speech.g711 import ulaw_decode, ulaw_encode


@lru_cache(maxsize=128)
def espeak(text: str, voice: str, rate: int = 150, pitch: int = 50) -> tuple[np.ndarray, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(out), text],
            check=True,
            capture_output=True,
        )
        samples, sample_rate = read_wav(out)
    # espeak-ng pads its output with silence; trim it so tests control every pause exactly.
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 300)
    if loud.size:
        samples = samples[loud[0] : loud[-1] + 1]
    return samples, sample_rate


def telephone(samples: np.ndarray, rate: int) -> bytes:
    """Resample to 8 kHz and pass through G.711 mu-law like a phone call does."""
    pcm8k = resample_array(samples, rate, 8000).astype("<i2").tobytes()
    return ulaw_decode(ulaw_encode(pcm8k))


def say(text: str, voice: str, rate: int = 150, pitch: int = 50) -> bytes:
    """PCM16 8 kHz of espeak-ng speaking ``text``, telephone quality."""
    return telephone(*espeak(text, voice, rate, pitch))


def silence(ms: int) -> bytes:
    return b"\x00\x00" * (8 * ms)


def noise(ms: int, level_db: float, seed: int = 7) -> bytes:
    """White noise at ``level_db`` dBFS RMS, through mu-law."""
    rng = np.random.default_rng(seed)
    amplitude = 32768.0 * 10 ** (level_db / 20)
    samples = np.clip(rng.normal(0, amplitude, 8 * ms), -32768, 32767).astype("<i2")
    return ulaw_decode(ulaw_encode(samples.tobytes()))


def mix(speech: bytes, background: bytes) -> bytes:
    a = np.frombuffer(speech, "<i2").astype(np.int32)
    b = np.frombuffer(background, "<i2").astype(np.int32)
    n = max(len(a), len(b))
    a = np.pad(a, (0, n - len(a)))
    b = np.pad(b, (0, n - len(b)))
    return np.clip(a + b, -32768, 32767).astype("<i2").tobytes()


def feed(stream, audio: bytes, flush: bool = True) -> list:
    """Send audio in 20 ms frames like the media stream does; collect every event."""
    events = []
    for frame in frames(audio, FRAME_BYTES_PCM16_8K):
        events.extend(stream.accept(frame))
    if flush:
        events.extend(stream.flush())
    return events


def finals(events: list) -> list:
    return [e for e in events if e.kind == "final"]


def as_heard(pcm16: bytes) -> np.ndarray:
    """What the merchant hears of 8 kHz PCM16: mu-law on the line, decoded."""
    return np.frombuffer(ulaw_decode(ulaw_encode(pcm16)), dtype="<i2")


def normalise_words(text: str) -> str:
    """Lower case, no punctuation, numbers as words: a word error rate counts words, not
    spellings ("1200" and "twelve hundred" still differ, as they would to a listener)."""
    words = []
    for token in re.sub(r"[^\w\s']", " ", text.lower().replace("-", " ")).split():
        words.append(num2words(int(token)) if token.isdigit() else token)
    return " ".join(words).replace("-", " ")


def pauses_ms(pcm16: bytes, quiet_below: int = 100, frame_ms: int = 10) -> list[int]:
    """The silences inside 8 kHz PCM16 speech (leading and trailing silence left out), in ms:
    runs of ``frame_ms`` frames whose loudest sample is under ``quiet_below``."""
    samples = np.abs(np.frombuffer(pcm16, "<i2").astype(np.int32))
    size = 8 * frame_ms
    peaks = samples[: samples.size // size * size].reshape(-1, size).max(axis=1)
    loud = np.flatnonzero(peaks >= quiet_below)
    if loud.size == 0:
        return []
    runs, length = [], 0
    for peak in peaks[loud[0] : loud[-1] + 1]:
        if peak < quiet_below:
            length += 1
        elif length:
            runs.append(length * frame_ms)
            length = 0
    return runs
