"""PCM helpers: conversion, polyphase resampling, 20 ms framing and WAV input/output."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

TELEPHONE_RATE = 8000
FRAME_MS = 20
# One 20 ms frame of 8 kHz audio: 160 samples, 320 bytes of PCM16 or 160 bytes of mu-law.
FRAME_SAMPLES_8K = TELEPHONE_RATE * FRAME_MS // 1000
FRAME_BYTES_PCM16_8K = FRAME_SAMPLES_8K * 2
FRAME_BYTES_ULAW = FRAME_SAMPLES_8K


def as_int16(pcm16: bytes | np.ndarray) -> np.ndarray:
    """PCM16 little-endian bytes (or any int/float array) -> int16 array, without copying bytes."""
    if isinstance(pcm16, bytes | bytearray | memoryview):
        if len(pcm16) % 2:
            raise ValueError(f"PCM16 data must have an even number of bytes, got {len(pcm16)}")
        return np.frombuffer(pcm16, dtype="<i2")
    array = np.asarray(pcm16)
    if array.dtype == np.int16:
        return array
    return np.clip(np.rint(array), -32768, 32767).astype(np.int16)


def resample(pcm16: bytes | np.ndarray, src_rate: int, dst_rate: int) -> bytes:
    """Resample PCM16 mono with a polyphase anti-aliasing FIR (scipy's resample_poly)."""
    return resample_array(as_int16(pcm16), src_rate, dst_rate).astype("<i2").tobytes()


def resample_array(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """int16 in, int16 out; 8000 <-> 16000 <-> 22050 use the exact rational ratio."""
    if src_rate <= 0 or dst_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {src_rate} -> {dst_rate}")
    samples = as_int16(samples)
    if src_rate == dst_rate or samples.size == 0:
        return samples.copy()
    common = gcd(src_rate, dst_rate)
    up, down = dst_rate // common, src_rate // common
    out = resample_poly(samples.astype(np.float32), up, down)
    return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


def frames(
    data: bytes, frame_bytes: int = FRAME_BYTES_PCM16_8K, *, pad: bool = True
) -> Iterator[bytes]:
    """Cut PCM16 audio into equal frames (default 20 ms at 8 kHz, 320 bytes); the last one is
    padded with silence when ``pad``, dropped otherwise."""
    yield from _frames(data, frame_bytes, pad=pad, pad_byte=b"\x00")


def ulaw_frames(ulaw: bytes, *, pad: bool = True) -> Iterator[bytes]:
    """Mu-law audio in 20 ms frames of 160 bytes; the last one padded with mu-law silence."""
    yield from _frames(ulaw, FRAME_BYTES_ULAW, pad=pad, pad_byte=b"\xff")


def _frames(data: bytes, frame_bytes: int, *, pad: bool, pad_byte: bytes) -> Iterator[bytes]:
    if frame_bytes <= 0:
        raise ValueError(f"frame size must be positive, got {frame_bytes}")
    view = memoryview(data)
    for start in range(0, len(view), frame_bytes):
        chunk = bytes(view[start : start + frame_bytes])
        if len(chunk) < frame_bytes:
            if not pad:
                return
            chunk += pad_byte * (frame_bytes - len(chunk))
        yield chunk


def read_wav(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """A 16-bit WAV file (path or bytes) -> (mono int16 samples, sample rate)."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    with handle, wave.open(handle, "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"expected 16-bit PCM WAV, got {8 * wav.getsampwidth()}-bit")
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return samples, rate


def write_wav(path: str | Path, pcm16: bytes | np.ndarray, rate: int) -> None:
    """Mono 16-bit WAV."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(as_int16(pcm16).astype("<i2").tobytes())


def duration_ms(pcm16: bytes, rate: int = TELEPHONE_RATE) -> int:
    return len(pcm16) * 1000 // (2 * rate)
