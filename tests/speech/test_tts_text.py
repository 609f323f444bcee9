"""Sentences for streaming, read-back groups, and the telephone audio helpers."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from voicebot.speech.tts_audio import fade_out_from, loudness_dbfs, to_telephone
from voicebot.speech.tts_text import (
    Piece,
    digit_words,
    is_amount,
    month_words,
    pieces,
    sentences,
    symbol_words,
)


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


def texts(spoken: list[Piece]) -> list[str]:
    return [p.text for p in spoken]


def test_spelled_addresses_are_read_in_groups() -> None:
    """What spell_address writes: the local part, the "at", the domain, a pause after each."""
    spoken = pieces("I have the address alex dot morgan at gadget dot co dot uk.", "en")
    assert spoken == [
        Piece("I have the address", False),
        Piece("alex dot morgan", True),
        Piece("at", True),
        Piece("gadget dot co dot uk", False),
    ]
    polish = (
        "Czy adres jan kropka kowalski siedem siedem małpa gadget myślnik corner kropka pl"
        " się zgadza?"
    )
    assert texts(pieces(polish, "pl")) == [
        "Czy adres",
        "jan kropka kowalski siedem siedem",  # digits spelled one by one stay with their name
        "małpa",
        "gadget myślnik corner kropka pl",
        "się zgadza?",
    ]
    # a domain alone is one group between the words around it
    assert pieces("Is gadget dot co dot uk your domain?", "en")[1] == Piece(
        "gadget dot co dot uk", True
    )
    # "at" in ordinary speech is not an address
    assert pieces("Look at the cat, please.", "en") == [Piece("Look at the cat, please.", False)]


def test_spelled_digits_pause_where_the_dialog_put_commas() -> None:
    """What say_digits writes: groups joined by ", "; each comma becomes a group pause."""
    spoken = pieces("I have the tax number five two six, zero one two, three four five, six.", "en")
    assert texts(spoken) == [
        "I have the tax number",
        "five two six",
        "zero one two",
        "three four five",
        "six",
    ]
    assert [p.pause_after for p in spoken] == [False, True, True, True, False]
    polish = pieces("Czy NIP pięć dwa sześć, zero jeden dwa się zgadza?", "pl")
    assert texts(polish) == ["Czy NIP", "pięć dwa sześć", "zero jeden dwa", "się zgadza?"]
    # a long run without commas is read back in threes
    run = pieces("The code is seven seven seven three one four one.", "en")
    assert texts(run)[1:] == ["seven seven seven", "three one four one"]
    # a few digit words are ordinary speech
    assert pieces("Press one, two or three.", "en") == [Piece("Press one, two or three.", False)]


def test_spelled_dates_pause_at_their_commas() -> None:
    """What say_datetime writes: "tomorrow, on Tuesday the ..., at ..."; commas elsewhere stay."""
    spoken = pieces(
        "Thank you, Anna, we call back tomorrow, on Tuesday the third of March, at ten.", "en"
    )
    assert spoken == [
        Piece("Thank you, Anna, we call back tomorrow", True),
        Piece("on Tuesday the third of March", True),
        Piece("at ten.", False),
    ]
    polish = pieces("Zadzwonimy jutro, we wtorek trzeciego marca, o dziesiątej.", "pl")
    assert texts(polish) == ["Zadzwonimy jutro", "we wtorek trzeciego marca", "o dziesiątej."]
    # a month name as a word of its own is not a date
    assert pieces("May I ask, what is it?", "en") == [Piece("May I ask, what is it?", False)]
    assert len(pieces("Dziękuję, Maja, to wszystko.", "pl")) == 1


def test_amounts_with_a_thousands_space_are_numbers() -> None:
    assert pieces("Plans start at 12 000 zł a year.", "pl") == [
        Piece("Plans start at 12000 zł a year.", False)
    ]
    assert texts(pieces("Up to 1 200 000 orders, or 150 000.", "en")) == [
        "Up to 1200000 orders, or 150000."
    ]
    assert is_amount("12 000") and is_amount("1 500") and not is_amount("777 314 159")
    assert not is_amount("22 123 45 67") and not is_amount("12345")
    # a phone number in threes is still read digit by digit
    assert texts(pieces("Call 777 314 159.", "en"))[1:] == ["7 7 7", "3 1 4", "1 5 9"]


@pytest.mark.parametrize("lang", ["en", "pl", "sl"])
def test_spelled_words_are_the_ones_the_dialog_writes(lang: str) -> None:
    from pathlib import Path

    import voicebot.dialog.normalise as normalise

    data = yaml.safe_load(
        (Path(normalise.__file__).parent / "data" / f"{lang}.yml").read_text("utf-8")
    )
    units = data["numbers"]["units"]
    assert digit_words(lang) == tuple(str(units[d][0]) for d in range(10))
    assert month_words(lang) == tuple(data["dates"]["speak"]["months"])
    speak = data["email"]["speak"]
    assert {k: symbol_words(lang)[k] for k in ("at", "dot", "dash", "underscore")} == {
        k: speak[k] for k in ("at", "dot", "dash", "underscore")
    }


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
