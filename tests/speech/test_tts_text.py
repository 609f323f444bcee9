"""Sentences for streaming, read-back groups, and the telephone audio helpers."""

from __future__ import annotations

import numpy as np

from voicebot.speech.tts_audio import fade_out_from, loudness_dbfs, to_telephone
from voicebot.speech.tts_text import Piece, pieces, sentences


def test_sentences_keep_addresses_and_decimals_whole() -> None:
    text = "Thank you.  Is it jan.kowalski@example.com? It costs 1.5 dollars!"
    assert sentences(text) == [
        "Thank you.",
        "Is it jan.kowalski@example.com?",
        "It costs 1.5 dollars!",
    ]
    assert sentences("   ") == []


def test_phone_numbers_are_read_digit_by_digit_in_groups() -> None:
    assert pieces("Your number is +48 777 314 159, is that right?", "en") == [
        Piece("Your number is", False),
        Piece("plus", True),
        Piece("4 8", True),
        Piece("7 7 7", True),
        Piece("3 1 4", True),
        Piece("1 5 9", True),
        Piece("is that right?", False),
    ]
    # an unbroken run in threes; a lone last digit joins the group before it
    assert [p.text for p in pieces("NIP 1234567890", "pl")][1:] == ["1 2 3", "4 5 6", "7 8 9 0"]
    # short numbers stay numbers
    assert pieces("About 1200 products.", "en") == [Piece("About 1200 products.", False)]


def test_e_mail_addresses_and_dates_in_the_call_language() -> None:
    assert [p.text for p in pieces("Napisz na jan.kowalski@gadget-corner.pl", "pl")] == [
        "Napisz na",
        "jan kropka kowalski",
        "małpa",
        "gadget myślnik corner kropka pl",
    ]
    spoken = pieces("We launch on 02.12.2026, right?", "en")
    assert [p.text for p in spoken] == ["We launch on", "02", "12", "2026", "right?"]
    assert [p.pause_after for p in spoken] == [False, True, True, True, False]


def test_telephone_audio_is_8khz_at_the_target_level_with_faded_edges() -> None:
    rate = 22050
    t = np.arange(rate) / rate
    tone = (3000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)  # starts and ends mid-wave
    loud = np.concatenate([np.zeros(rate // 2, np.int16), tone, np.zeros(rate // 2, np.int16)])
    out = to_telephone(loud, rate, -20.0)
    assert out.dtype == np.int16 and abs(out.size / 8000 - 1.08) < 0.02  # silence trimmed
    assert abs(loudness_dbfs(out) + 20.0) < 0.5
    assert abs(int(out[0])) < 50 and abs(int(out[-1])) < 50


def test_a_cut_ends_with_a_ramp_from_where_playback_was() -> None:
    pcm = (np.full(8000, 10000, np.int16)).astype("<i2").tobytes()  # 1 s of a loud level
    tail = np.frombuffer(fade_out_from(pcm, 500), "<i2")
    assert tail.size == 160  # 20 ms at 8 kHz
    assert tail[0] == 10000 and abs(int(tail[-1])) < 100
    assert np.all(np.diff(tail.astype(np.int32)) <= 0)  # falls steadily: no step
    assert fade_out_from(pcm, 5000) == b""  # past the end: nothing to fade
