"""Telephone-ready audio from any engine: 8 kHz, one loudness, no clicks, pauses between groups.

Every rendered piece goes through ``to_telephone``: the existing polyphase resampler to
8 kHz, silence trimmed to a fixed margin (engines pad differently), the speech brought to one
loudness (RMS of the voiced 20 ms frames, so pauses do not count) under a peak ceiling, and
short fades at both ends, so pieces joined with pauses or cut by a barge-in never click.
"""

from __future__ import annotations

import numpy as np

from voicebot.speech.audio import FRAME_SAMPLES_8K, TELEPHONE_RATE, resample_array

FADE_MS = 5  # long enough to hide a step, too short to hear
EDGE_MS = 40  # silence kept before and after speech in every piece
PEAK_CEILING = 0.89 * 32767  # -1 dBFS: headroom for mu-law and the network's codecs
VOICED_BELOW_PEAK_DB = 35.0  # frames quieter than the loudest one by more than this are pauses


def to_telephone(samples: np.ndarray, rate: int, target_dbfs: float) -> np.ndarray:
    """Engine samples -> int16 at 8 kHz, trimmed, loudness-normalised, faded at both ends."""
    audio = resample_array(samples, rate, TELEPHONE_RATE).astype(np.float32)
    audio = trim_silence(audio)
    if audio.size == 0:
        return np.zeros(0, dtype=np.int16)
    level = voiced_rms(audio)
    if level > 0:
        gain = 32767 * 10 ** (target_dbfs / 20) / level
        peak = float(np.abs(audio).max())
        audio = audio * min(gain, PEAK_CEILING / peak)
    return fade_edges(audio)


def voiced_rms(audio: np.ndarray) -> float:
    """RMS over the 20 ms frames that carry speech (within 35 dB of the loudest frame)."""
    usable = audio[: audio.size - audio.size % FRAME_SAMPLES_8K].astype(np.float64)
    if usable.size == 0:
        return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
    frame_rms = np.sqrt(np.mean(np.square(usable.reshape(-1, FRAME_SAMPLES_8K)), axis=1))
    loudest = frame_rms.max()
    if loudest <= 0:
        return 0.0
    voiced = frame_rms[frame_rms >= loudest * 10 ** (-VOICED_BELOW_PEAK_DB / 20)]
    return float(np.sqrt(np.mean(np.square(voiced))))


def loudness_dbfs(pcm16: bytes | np.ndarray) -> float:
    """The voiced loudness of 8 kHz PCM16 in dBFS (what normalisation aims at)."""
    samples = np.frombuffer(pcm16, "<i2") if isinstance(pcm16, bytes) else pcm16
    level = voiced_rms(samples.astype(np.float32))
    return 20 * np.log10(level / 32767) if level > 0 else float("-inf")


def trim_silence(audio: np.ndarray, threshold: float = 200.0) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio[:0]
    edge = EDGE_MS * TELEPHONE_RATE // 1000
    return audio[max(0, loud[0] - edge) : loud[-1] + 1 + edge]


def fade_edges(audio: np.ndarray, fade_ms: int = FADE_MS) -> np.ndarray:
    n = min(fade_ms * TELEPHONE_RATE // 1000, audio.size // 2)
    out = np.asarray(audio, dtype=np.float32).copy()
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, endpoint=False, dtype=np.float32)
        out[:n] *= ramp
        out[-n:] *= ramp[::-1]
    return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


def silence(ms: int) -> np.ndarray:
    return np.zeros(ms * TELEPHONE_RATE // 1000, dtype=np.int16)


def pad_to_frames(pcm16: bytes) -> bytes:
    """Whole 20 ms frames: what the line plays is exactly what the clock counts."""
    frame_bytes = FRAME_SAMPLES_8K * 2
    short = -len(pcm16) % frame_bytes
    return pcm16 + b"\x00" * short


def fade_out_from(pcm16: bytes, offset_ms: int, fade_ms: int = 20) -> bytes:
    """The audio just after ``offset_ms``, faded to zero over ``fade_ms``: sent after a
    barge-in ``clear`` so the cut ends in a ramp instead of a step (a click)."""
    start = max(0, offset_ms) * TELEPHONE_RATE // 1000 * 2
    n = fade_ms * TELEPHONE_RATE // 1000
    tail = np.frombuffer(pcm16[start : start + 2 * n], "<i2").astype(np.float32)
    if tail.size == 0:
        return b""
    tail *= np.linspace(1.0, 0.0, tail.size, dtype=np.float32)
    return np.rint(tail).astype("<i2").tobytes()
