"""Whisper's decoding loop on digit strings ("..., 9, 10, 10, 10, ...") is cut short and
cut from its text; what people really say is left alone."""

from __future__ import annotations

import pytest

from voicebot.speech.whisper_engine import TOKENS_PER_SECOND, token_budget, without_repetition_loop


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


def test_a_decode_may_not_run_on_far_past_what_was_said() -> None:
    # a three-second tax number may produce about sixty tokens, not the model's 448 (the
    # loop beam search ran into took seconds of CPU from every other call)
    assert 3 * 7 < token_budget(3.0) <= 3 * TOKENS_PER_SECOND + 24 < 448 // 6
    # fast Polish measured here at 7.6 tokens a second: a long answer keeps room to spare
    assert token_budget(12.0) >= 12 * 7.6 * 1.5
    # the prompt and the answer share the model's 448-token context
    assert token_budget(60.0) <= 448 - 4
    assert token_budget(60.0, with_hotwords=True) + 223 + 4 <= 448
