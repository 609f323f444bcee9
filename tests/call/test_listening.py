"""Dialog-aware listening: what the bot asked -> vocabulary and endpoint rule, per language."""

from __future__ import annotations

import pytest

from voicebot.actions.common import lexicon
from voicebot.call.listening import (
    AnswerKind,
    EndpointTimes,
    Expectation,
    category_words,
    kind_of,
    listening_words,
    slot_kinds,
)
from voicebot.dialog.domain import load_domain
from voicebot.dialog.normalise.languages import available_languages

TIMES = EndpointTimes(short_ms=300, normal_ms=700, long_ms=1200)
SHORT, NORMAL, LONG = TIMES.short_ms, TIMES.normal_ms, TIMES.long_ms


def expect(slot: str | None, language: str = "en") -> Expectation:
    return Expectation.after({"requested_slot": slot, "language": language}, language, TIMES)


def test_every_slot_kind_names_a_slot_the_dialog_declares() -> None:
    from pathlib import Path

    domain = load_domain(Path(__file__).resolve().parents[2] / "dialogs")
    assert set(slot_kinds()) <= set(domain.slots)


@pytest.mark.parametrize("language", available_languages())
def test_every_dialog_language_has_listening_words(language: str) -> None:
    words = listening_words(language)
    assert words.backchannels and words.fillers and words.joiners and words.alphabet
    for slot in ("industry", "sales_channels", "payment_methods", "shipping_methods"):
        assert category_words(slot, language), slot


def test_every_industry_of_the_taxonomy_is_listened_for() -> None:
    """The industry words come from the bot's lexicon, so none of its 21 industries is
    missing: each is named by at least one word of the vocabulary, in each language."""
    taxonomy = lexicon()["industry_taxonomy"]
    for language in ("en", "pl"):
        vocabulary = set(expect("industry", language).vocabulary or ())
        for industry in taxonomy:
            stems = {
                " ".join(str(s).lstrip("=").lower().split())
                for s in lexicon()["industry"][industry]
            }
            assert stems & vocabulary, (language, industry)


@pytest.mark.parametrize(
    ("language", "heard"),
    [
        ("en", "pets"),
        ("en", "We sell books."),
        ("en", "sport"),
        ("en", "pet food and dog toys"),
        ("en", "sporting goods"),
        ("en", "mostly bicycles"),  # a stem names the words it begins
        ("pl", "książki"),
        ("pl", "artykuły sportowe"),
        ("pl", "karma dla psa"),
    ],
)
def test_pets_books_and_sport_are_heard_as_complete_industries(language: str, heard: str) -> None:
    expectation = expect("industry", language)
    vocabulary = set(expectation.vocabulary or ())
    assert {"en": {"pets", "books", "sport"}, "pl": {"sport", "karma"}}[language] <= vocabulary
    assert expectation.endpoint_silence_ms(heard) == SHORT


def test_a_ruled_out_value_is_no_complete_answer() -> None:
    assert expect("shipping_methods").endpoint_silence_ms("not by post") == NORMAL
    assert expect("shipping_methods").endpoint_silence_ms("by post") == SHORT


@pytest.mark.parametrize(
    ("slot", "kind"),
    [
        ("tax_id_confirmed", AnswerKind.YES_NO),
        ("good_time", AnswerKind.YES_NO),
        ("some_new_thing_confirmed", AnswerKind.YES_NO),
        ("tax_id", AnswerKind.TAX_ID),
        ("product_count", AnswerKind.NUMBER),
        ("contact_email", AnswerKind.EMAIL),
        ("domain", AnswerKind.DOMAIN),
        ("launch_date", AnswerKind.DATE),
        ("industry", AnswerKind.CATEGORY),
        ("store_name", AnswerKind.FREE),
        (None, AnswerKind.FREE),
    ],
)
def test_the_requested_slot_decides_the_kind_of_answer(slot: str | None, kind: AnswerKind) -> None:
    assert kind_of(slot) is kind


@pytest.mark.parametrize("language", ["en", "pl"])
def test_vocabularies_per_kind(language: str) -> None:
    yes_no = expect("tax_id_confirmed", language).vocabulary or ()
    assert {"en": "yes", "pl": "tak"}[language] in yes_no
    assert {"en": "no", "pl": "nie"}[language] in yes_no
    digits = expect("tax_id", language).vocabulary or ()
    assert {"en": "seven", "pl": "siedem"}[language] in digits
    email = expect("contact_email", language).vocabulary or ()
    assert {"en": "dot", "pl": "kropka"}[language] in email
    assert {"en": "at", "pl": "małpa"}[language] in email
    assert "gmail" in email
    dates = expect("launch_date", language).vocabulary or ()
    assert {"en": "march", "pl": "marca"}[language] in dates
    industry = expect("industry", language).vocabulary or ()
    assert {"en": "electronics", "pl": "elektronika"}[language] in industry
    assert expect("store_name", language).vocabulary is None
    for slot in ("tax_id_confirmed", "tax_id", "contact_email", "launch_date", "industry"):
        assert all(
            part.replace("'", "").isalpha()
            for w in expect(slot, language).vocabulary or ()
            for part in w.split()
        ), slot  # words a recogniser can say: no "1st", no "@"


def test_the_turn_language_wins_over_the_calls() -> None:
    expectation = Expectation.after({"requested_slot": "good_time", "language": "pl"}, "en", TIMES)
    assert expectation.language == "pl" and "tak" in (expectation.vocabulary or ())


def test_a_language_without_word_lists_listens_freely() -> None:
    expectation = expect("good_time", "xx")
    assert expectation.vocabulary is None
    assert expectation.endpoint_silence_ms("yes") == NORMAL


@pytest.mark.parametrize(
    ("slot", "language", "heard", "silence"),
    [
        # yes/no: a yes or no word is a complete answer
        ("tax_id_confirmed", "en", "yes", SHORT),
        ("tax_id_confirmed", "en", "Yes.", SHORT),
        ("tax_id_confirmed", "en", "no", SHORT),
        ("tax_id_confirmed", "en", "that's right", SHORT),
        ("tax_id_confirmed", "en", "yes but", LONG),
        ("tax_id_confirmed", "en", "well", LONG),
        ("tax_id_confirmed", "en", "the number", NORMAL),
        ("good_time", "pl", "tak", SHORT),
        ("good_time", "pl", "nie", SHORT),
        ("good_time", "pl", "yyy", LONG),
        # tax id: ten digits whose checksum holds
        ("tax_id", "en", "one two three four five six three two one eight", SHORT),
        ("tax_id", "en", "1234563218.", SHORT),
        ("tax_id", "en", "123 456 32 18", SHORT),
        ("tax_id", "en", "one two three four five six three", LONG),
        ("tax_id", "en", "1234563219", NORMAL),  # ten digits, wrong checksum: a slip, not more
        ("tax_id", "en", "my tax number is", LONG),
        ("tax_id", "pl", "jeden dwa trzy cztery pięć sześć trzy dwa jeden osiem", SHORT),
        ("tax_id", "pl", "jeden dwa trzy cztery", LONG),
        # e-mail and domain: an address with a domain
        ("contact_email", "en", "john at gmail dot com", SHORT),
        ("contact_email", "en", "john@gmail.com.", SHORT),
        ("contact_email", "en", "my email is john dot", LONG),
        ("contact_email", "en", "john at", LONG),
        ("contact_email", "en", "john at gmail", NORMAL),
        ("contact_email", "pl", "jan małpa onet kropka pl", SHORT),
        ("contact_email", "pl", "jan kropka", LONG),
        ("domain", "en", "gadget corner dot com", SHORT),
        ("domain", "en", "gadget corner dot", LONG),
        # categories: a known word
        ("industry", "en", "Electronics.", SHORT),
        ("industry", "en", "mostly car parts", SHORT),
        ("industry", "en", "we sell", NORMAL),
        ("industry", "en", "um", LONG),
        ("payment_methods", "en", "card and", LONG),
        ("payment_methods", "en", "Card and PayPal.", SHORT),
        ("shipping_methods", "pl", "kurierem", SHORT),
        ("industry", "pl", "elektronika", SHORT),
        # numbers, dates and free speech: the default unless plainly unfinished
        ("product_count", "en", "about 1200 products", NORMAL),
        ("product_count", "en", "about twelve hundred and", LONG),
        ("launch_date", "en", "on the first of", LONG),
        ("store_name", "en", "It's called Gadget Corner.", NORMAL),
        ("store_name", "en", "", NORMAL),
        ("store_name", "en", "[unk]", NORMAL),
    ],
)
def test_endpoint_silence_follows_the_answer_so_far(
    slot: str, language: str, heard: str, silence: int
) -> None:
    assert expect(slot, language).endpoint_silence_ms(heard) == silence


@pytest.mark.parametrize(
    ("country", "language", "heard", "silence"),
    [
        # each country's own tax number is complete at its own length and checksum
        ("CZ", "cs", "dva pět jedna dva tři osm devět jedna", SHORT),  # IČO/DIČ 25123891
        ("SI", "sl", "pet nič dva dva tri nič pet štiri", SHORT),  # davčna številka 50223054
        ("RU", "ru", "семь семь ноль семь ноль восемь три восемь девять три", SHORT),  # INN
        ("US", "en", "one two three four five six seven eight nine", SHORT),  # EIN
        ("SI", "sl", "pet nič dva dva tri", LONG),  # five digits of eight
        ("CZ", "cs", "dva pět jedna dva tři osm devět dva", NORMAL),  # eight, a slip
        ("PL", "pl", "dwa pięć jeden dwa trzy osiem dziewięć jeden", LONG),  # a NIP has ten
    ],
)
def test_a_tax_number_is_complete_by_the_merchants_country(
    country: str, language: str, heard: str, silence: int
) -> None:
    expectation = Expectation.after(
        {"requested_slot": "tax_id", "language": language, "country": country},
        language,
        TIMES,
    )
    assert expectation.endpoint_silence_ms(heard) == silence
