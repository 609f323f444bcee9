"""Czech read-backs: the synthesiser's words for cs are the ones the dialog writes, and a DIČ
read back by the dialog keeps its CZ apart from the digits, pausing after each group."""

from pathlib import Path

import yaml

import voicebot.dialog.normalise as normalise
from voicebot.dialog.normalise import say_digits, spell_address
from voicebot.speech.tts_text import digit_words, month_words, pieces, symbol_words


def test_czech_readback_words_agree_with_the_normalise_data() -> None:
    data = yaml.safe_load((Path(normalise.__file__).parent / "data" / "cs.yml").read_text("utf-8"))
    units = data["numbers"]["units"]
    assert digit_words("cs") == tuple(str(units[d][0]) for d in range(10))
    assert month_words("cs") == tuple(data["dates"]["speak"]["months"])
    speak = data["email"]["speak"]
    words = symbol_words("cs")
    assert (words["at"], words["dot"], words["dash"], words["underscore"]) == (
        speak["at"],
        speak["dot"],
        speak["dash"],
        speak["underscore"],
    )


def test_a_dic_read_back_pauses_after_the_prefix_and_each_group() -> None:
    sentence = f"Zapsal jsem si DIČ {say_digits('CZ25123891', 'cs')}. Je to správně?"
    read = pieces(sentence, "cs")
    assert read[0].text.endswith("DIČ CZ")
    assert [p.text for p in read[1:4]] == ["dva pět jedna", "dva tři osm", "devět jedna"]
    assert all(p.pause_after for p in read[1:4])


def test_a_czech_address_is_spelled_with_czech_symbol_names() -> None:
    assert spell_address("jan.novak@seznam.cz", "cs") == "jan tečka novak zavináč seznam tečka cz"
