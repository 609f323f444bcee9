"""Whisper's decoding loop on digit strings ("..., 9, 10, 10, 10, ...") is cut from its text;
what people really say is left alone."""

from __future__ import annotations

import pytest

from voicebot.speech.whisper_engine import without_repetition_loop


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        ("1, 2, 3, 4, 5, 6, 7, 8, 9, " + "10, " * 40, "1, 2, 3, 4, 5, 6, 7, 8, 9."),
        ("One two three " + "nine " * 8, "One two three."),
        ("My store is called Gadget Corner.", "My store is called Gadget Corner."),
        ("7, 7, 7, 3, 1, 4", "7, 7, 7, 3, 1, 4"),
        ("no, no, no, no", "no, no, no, no"),  # said, not looped
        ("", ""),
    ],
)
def test_a_repetition_loop_at_the_end_goes(heard: str, kept: str) -> None:
    assert without_repetition_loop(heard) == kept
