"""G.711 mu-law against the standard algorithm, written out plainly one sample at a time."""

from __future__ import annotations

import numpy as np
import pytest

from voicebot.speech.g711 import ulaw_decode, ulaw_encode

SEGMENT_ENDS = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]


def reference_linear_to_ulaw(sample: int) -> int:
    """ITU-T G.711 (the reference g711.c): 14-bit magnitude, bias 33, eight segments."""
    value = sample >> 2
    mask = 0xFF
    if value < 0:
        value, mask = -value, 0x7F
    value = min(value, 8159) + 0x21
    segment = next((i for i, end in enumerate(SEGMENT_ENDS) if value <= end), 8)
    if segment >= 8:
        return 0x7F ^ mask
    return ((segment << 4) | ((value >> (segment + 1)) & 0xF)) ^ mask


def reference_ulaw_to_linear(code: int) -> int:
    code = ~code & 0xFF
    magnitude = (((code & 0x0F) << 3) + 0x84) << ((code & 0x70) >> 4)
    return 0x84 - magnitude if code & 0x80 else magnitude - 0x84


def test_encode_matches_reference_for_every_16_bit_sample() -> None:
    samples = np.arange(-32768, 32768, dtype=np.int16)
    expected = bytes(reference_linear_to_ulaw(int(s)) for s in samples)
    assert ulaw_encode(samples.astype("<i2").tobytes()) == expected
    assert ulaw_encode(samples) == expected  # arrays are accepted too


def test_decode_matches_reference_for_every_code() -> None:
    decoded = np.frombuffer(ulaw_decode(bytes(range(256))), dtype="<i2")
    assert decoded.tolist() == [reference_ulaw_to_linear(c) for c in range(256)]


def test_known_table_values() -> None:
    # From the G.711 table: 0xFF and 0x7F are the two zeros, 0x80/0x00 the extremes.
    assert np.frombuffer(ulaw_decode(b"\xff\x7f\x80\x00"), "<i2").tolist() == [0, 0, 32124, -32124]
    # -1 is shifted to -1 (not 0) before the magnitude is taken: the code next to zero.
    assert ulaw_encode(np.array([0, -1, 32767, -32768], dtype=np.int16)) == b"\xff\x7e\x80\x00"


def test_roundtrip_error_is_within_one_quantisation_step() -> None:
    samples = np.arange(-32768, 32768, 7, dtype=np.int16)
    back = np.frombuffer(ulaw_decode(ulaw_encode(samples)), "<i2").astype(np.int32)
    error = np.abs(back - samples.astype(np.int32))
    # The step doubles per segment: relative error stays under ~1/16 (plus the zero region).
    assert np.all(error <= np.maximum(np.abs(samples.astype(np.int32)) / 16, 8) + 4)


def test_matches_audioop_when_available() -> None:
    audioop = pytest.importorskip("audioop")  # gone in Python 3.13
    pcm = np.arange(-32768, 32768, dtype=np.int16).astype("<i2").tobytes()
    assert ulaw_encode(pcm) == audioop.lin2ulaw(pcm, 2)
    assert ulaw_decode(bytes(range(256))) == audioop.ulaw2lin(bytes(range(256)), 2)


def test_odd_byte_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="even number"):
        ulaw_encode(b"\x00\x01\x02")
