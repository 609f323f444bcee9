"""Pacing a prompt with sox's tempo effect: longer by the factor, same pitch, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from voicebot.speech.tempo import TempoError, change_tempo


def tone(seconds: float, hz: float = 440.0, rate: int = 8000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * hz * t) * 8000).astype("<i2").tobytes()


def dominant_hz(pcm: bytes, rate: int = 8000) -> float:
    samples = np.frombuffer(pcm, "<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[int(np.argmax(spectrum))])


def test_slower_is_longer_by_the_factor_and_keeps_the_pitch() -> None:
    audio = tone(2.0)
    slower = change_tempo(audio, 8000, 0.75)
    assert len(slower) / len(audio) == pytest.approx(1 / 0.75, rel=0.03)
    assert dominant_hz(slower) == pytest.approx(440.0, abs=5.0)
    assert change_tempo(b"", 8000, 0.75) == b""


def test_an_impossible_factor_is_refused() -> None:
    with pytest.raises(TempoError, match="outside"):
        change_tempo(tone(0.5), 8000, 0.1)
