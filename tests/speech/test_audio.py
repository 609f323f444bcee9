"""Resampling keeps tones where they are and removes what the new rate cannot carry."""

from __future__ import annotations

import numpy as np
import pytest

from voicebot.speech.audio import frames, resample, resample_array, ulaw_frames


def tone(frequency: float, rate: int, seconds: float = 1.0, amplitude: float = 10000) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


def spectrum_peak(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """(peak frequency in Hz, RMS level)."""
    window = np.hanning(len(samples))
    magnitude = np.abs(np.fft.rfft(samples.astype(np.float64) * window))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    return float(freqs[int(np.argmax(magnitude))]), float(
        np.sqrt(np.mean(samples.astype(float) ** 2))
    )


@pytest.mark.parametrize(
    ("src", "dst", "frequency"),
    [
        (8000, 16000, 1000),
        (16000, 8000, 1000),
        (22050, 8000, 440),
        (8000, 22050, 3000),
        (22050, 16000, 2500),
    ],
)
def test_tone_stays_at_its_frequency(src: int, dst: int, frequency: float) -> None:
    out = resample_array(tone(frequency, src), src, dst)
    assert abs(len(out) - dst) <= 1  # one second in, one second out
    peak, level = spectrum_peak(out[200:-200], dst)
    assert abs(peak - frequency) < 3
    assert 6500 < level < 7600  # 10000/sqrt(2) = 7071: the level survives


def test_no_aliasing_above_the_new_nyquist() -> None:
    # 6 kHz cannot exist at 8 kHz; a naive decimator would fold it down to 2 kHz.
    out = resample_array(tone(6000, 22050), 22050, 8000)
    _, level = spectrum_peak(out[200:-200], 8000)
    assert level < 10000 / np.sqrt(2) / 100  # at least 40 dB down


def test_bytes_in_bytes_out() -> None:
    pcm = tone(1000, 8000, 0.1).astype("<i2").tobytes()
    out = resample(pcm, 8000, 16000)
    assert isinstance(out, bytes) and len(out) == 2 * len(pcm)
    assert resample(pcm, 8000, 8000) == pcm


def test_frames_are_20_ms_and_the_tail_is_padded() -> None:
    data = bytes(range(256)) * 3  # 768 bytes = 2 full PCM frames + 128 bytes
    chunks = list(frames(data))
    assert [len(c) for c in chunks] == [320, 320, 320]
    assert b"".join(chunks)[:768] == data and chunks[-1][128:] == b"\x00" * 192
    assert len(list(frames(data, pad=False))) == 2
    assert list(ulaw_frames(b"\x01" * 170))[-1] == b"\x01" * 10 + b"\xff" * 150


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        resample(b"\x00\x01\x02", 8000, 16000)
    with pytest.raises(ValueError):
        resample(b"\x00\x00", 0, 16000)
