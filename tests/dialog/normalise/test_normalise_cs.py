"""Czech spoken forms: numbers in their case forms, digit strings and the DIČ, dates with
month names in their forms, e-mail addresses and domains, yes and no."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from voicebot.dialog.normalise import (
    parse_datetime,
    parse_domain,
    parse_email,
    parse_quantity,
    parse_tax_id,
    parse_yes_no,
    say_datetime,
    say_digits,
)
from voicebot.dialog.normalise.launch import parse_launch_date

PRAGUE = ZoneInfo("Europe/Prague")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PRAGUE)  # Monday


@pytest.mark.parametrize(
    ("text", "value", "high", "approximate"),
    [
        ("asi pět set", 500, None, True),
        ("dvě stě padesát", 250, None, False),
        ("tisíc dvě stě", 1200, None, False),
        ("kolem dvou tisíc", 2000, None, True),
        ("pětadvacet tisíc", 25000, None, False),
        ("dvacet pět tisíc", 25000, None, False),
        ("od sto do dvou set", 100, 200, False),
        ("dva a půl tisíce", 2500, None, False),
        ("mezi dvěma a třemi tisíci", 2000, 3000, False),
        ("1,2 tisíce", 1200, None, False),
        ("pětset", 500, None, False),
        ("ctyri sta", 400, None, False),
        ("čtyři sta, ne, pardon, pět set", 500, None, False),
    ],
)
def test_czech_quantities(text: str, value: int, high: int | None, approximate: bool) -> None:
    quantity = parse_quantity(text, "cs")
    assert quantity is not None
    assert (quantity.value, quantity.high, quantity.approximate) == (value, high, approximate)


@pytest.mark.parametrize(
    "text",
    [
        "dva pět jedna dva tři osm devět jedna",
        "CZ dvacet pět dvanáct třicet osm devadesát jedna",
        "cé zet dva pět jedna, dvacet tři, osm set devadesát jedna",
        "je to dva pět, jedna dva, tři osm, devět jedna",
        "CZ25123891",
    ],
)
def test_czech_dic_spoken_one_by_one_and_in_groups(text: str) -> None:
    check = parse_tax_id(text, "cs", "CZ")
    assert check is not None and check.valid
    assert check.value == "CZ25123891"


def test_a_dic_is_read_back_with_its_prefix_apart_and_digits_in_groups() -> None:
    assert say_digits("CZ25123891", "cs") == "CZ, dva pět jedna, dva tři osm, devět jedna"
    assert say_digits("5260250274", "pl").startswith("pięć dwa sześć, zero dwa pięć")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("zítra v deset", "2026-11-24T10:00"),
        ("v pondělí ve tři odpoledne", "2026-11-30T15:00"),
        ("zítra v půl jedenácté", "2026-11-24T10:30"),
        ("ve čtvrtek v devět ráno", "2026-11-26T09:00"),
        ("pozítří ve čtrnáct třicet", "2026-11-25T14:30"),
    ],
)
def test_czech_callback_times(text: str, iso: str) -> None:
    said = parse_datetime(text, "cs", NOW, "Europe/Prague")
    assert said is not None and said.value.strftime("%Y-%m-%dT%H:%M") == iso


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("prvního prosince", "2026-12-01"),
        ("od patnáctého ledna", "2027-01-15"),
        ("začátkem března", "2027-03-01"),
        ("v polovině února", "2027-02-15"),
        ("koncem ledna", "2027-01-31"),
        ("v březnu", "2027-03-01"),
        ("1. února", "2027-02-01"),
        ("dvacátého prvního prosince", "2026-12-21"),
        ("od nového roku", "2027-01-01"),
        ("co nejdřív", "asap"),
        ("za měsíc", "2026-12-23"),
    ],
)
def test_czech_launch_dates(text: str, day: str) -> None:
    found = parse_launch_date(text, "cs", NOW, "Europe/Prague")
    assert found is not None and found.value == day


def test_a_vague_czech_launch_is_no_day() -> None:
    assert parse_launch_date("asi až po Vánocích", "cs", NOW, "Europe/Prague") is None


def test_czech_dates_are_said_with_genitive_ordinals_and_months() -> None:
    moment = datetime(2026, 11, 24, 10, 0, tzinfo=PRAGUE)
    assert say_datetime(moment, "cs", NOW) == "zítra, v úterý dvacátého čtvrtého listopadu, v deset"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("jan tečka novák zavináč seznam tečka cé zet", "jan.novak@seznam.cz"),
        ("je to info zavináč moje firma tečka cz", "info@mojefirma.cz"),
        ("petra podtržítko svobodová zavináč email tečka cz", "petra_svobodova@email.cz"),
        ("eshop pomlčka květiny zavináč centrum tečka cé zet", "eshop-kvetiny@centrum.cz"),
        ("lucie, bez háčků a čárek, zavináč gmail tečka com", "lucie@gmail.com"),
    ],
)
def test_czech_email_addresses(text: str, address: str) -> None:
    assert parse_email(text, "cs") == address


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("květinářství plus tečka cé zet", "kvetinarstviplus.cz"),
        ("www tečka zlatá rybka tečka cz", "zlatarybka.cz"),
        ("naše doména je dobrota tečka eu", "dobrota.eu"),
    ],
)
def test_czech_domains(text: str, domain: str) -> None:
    assert parse_domain(text, "cs") == domain


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("ano", True),
        ("jo jasně", True),
        ("no jasně, povídejte", True),
        ("to sedí", True),
        ("ne", False),
        ("teď se to nehodí", False),
        ("nene, to nesedí", False),
        ("zatím ne", False),
    ],
)
def test_czech_yes_no(text: str, answer: bool) -> None:
    assert parse_yes_no(text, "cs") is answer


def test_a_number_said_again_after_its_hundreds_is_the_number_said_last() -> None:
    """ "šest set, šest set padesát": the second "set" starts a number of its own (without the
    comma the recogniser drops), it does not multiply 606 by a hundred."""
    quantity = parse_quantity("tak šest set šest set padesát", "cs")
    assert quantity is not None and quantity.value == 650
    quantity = parse_quantity("two hundred five hundred", "en")
    assert quantity is not None and quantity.value != 20500
