"""Slovenian spoken forms: numbers in their case forms (21 to 99 one word, unit first),
digit strings and the davčna številka, dates with month names in their forms, e-mail
addresses and domains, yes and no; and the form of "izdelek" after a number."""

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

LJUBLJANA = ZoneInfo("Europe/Ljubljana")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=LJUBLJANA)  # Monday


@pytest.mark.parametrize(
    ("text", "value", "high", "approximate"),
    [
        ("okoli petsto", 500, None, True),
        ("dvesto petdeset", 250, None, False),
        ("tisoč dvesto", 1200, None, False),
        ("kakšnih dva tisoč", 2000, None, True),
        ("petindvajset tisoč", 25000, None, False),
        ("pet in dvajset", 25, None, False),
        ("dvainštirideset", 42, None, False),
        ("stiriindvajset", 24, None, False),
        ("od sto do dvesto", 100, 200, False),
        ("med tristo in štiristo", 300, 400, False),
        ("1,2 tisoča", 1200, None, False),
        ("nekje okrog petih tisočev", 5000, None, True),
        ("tristo, ne, oprostite, štiristo", 400, None, False),
    ],
)
def test_slovenian_quantities(text: str, value: int, high: int | None, approximate: bool) -> None:
    quantity = parse_quantity(text, "sl")
    assert quantity is not None
    assert (quantity.value, quantity.high, quantity.approximate) == (value, high, approximate)


@pytest.mark.parametrize(
    "text",
    [
        "pet nič dva dva tri nič pet štiri",
        "petdeset dvaindvajset trideset štiriinpetdeset",
        "SI pet nič dva dva tri nič pet štiri",
        "to je pet nič, dva dva, tri nič, pet štiri",
        "5022 3054",
        "SI50223054",
    ],
)
def test_a_davcna_stevilka_spoken_one_by_one_and_in_groups(text: str) -> None:
    check = parse_tax_id(text, "sl", "SI")
    assert check is not None and check.valid
    assert check.value == "50223054"


def test_a_davcna_stevilka_with_a_wrong_check_digit_is_refused() -> None:
    check = parse_tax_id("pet nič dva dva tri nič pet pet", "sl", "SI")
    assert check is not None and not check.valid


def test_a_davcna_stevilka_is_read_back_in_two_groups_of_four() -> None:
    assert say_digits("50223054", "sl", 4) == "pet nič dva dva, tri nič pet štiri"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("jutri ob desetih", "2026-11-24T10:00"),
        ("v petek popoldne", "2026-11-27T15:00"),
        ("naslednji ponedeljek ob 9", "2026-11-30T09:00"),
        ("pojutrišnjem ob pol enajstih", "2026-11-25T10:30"),
        ("v sredo ob štirih", "2026-11-25T16:00"),
    ],
)
def test_slovenian_callback_times(text: str, iso: str) -> None:
    said = parse_datetime(text, "sl", NOW, "Europe/Ljubljana")
    assert said is not None and said.value.strftime("%Y-%m-%dT%H:%M") == iso


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("prvega decembra", "2026-12-01"),
        ("od petnajstega januarja", "2027-01-15"),
        ("15. januarja", "2027-01-15"),
        ("v začetku aprila", "2027-04-01"),
        ("sredi februarja", "2027-02-15"),
        ("konec marca", "2027-03-31"),
        ("marca", "2027-03-01"),
        ("petindvajsetega decembra", "2026-12-25"),
        ("od novega leta", "2027-01-01"),
        ("čim prej", "asap"),
        ("čez dva tedna", "2026-12-07"),
        ("naslednji mesec", "2026-12-01"),
    ],
)
def test_slovenian_launch_dates(text: str, day: str) -> None:
    found = parse_launch_date(text, "sl", NOW, "Europe/Ljubljana")
    assert found is not None and found.value == day


def test_a_vague_slovenian_launch_is_no_day() -> None:
    assert parse_launch_date("nekje spomladi", "sl", NOW, "Europe/Ljubljana") is None


def test_slovenian_dates_are_said_with_genitive_ordinals_and_months() -> None:
    moment = datetime(2026, 11, 24, 10, 0, tzinfo=LJUBLJANA)
    assert (
        say_datetime(moment, "sl", NOW) == "jutri, v torek, štiriindvajsetega novembra, ob desetih"
    )


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("janez pika novak afna gmail pika com", "janez.novak@gmail.com"),
        ("info afna trgovina vezaj lipa pika si", "info@trgovina-lipa.si"),
        ("marko podčrtaj kovač afna siol pika net", "marko_kovac@siol.net"),
        ("prodaja afna t vezaj dva pika net", "prodaja@t-2.net"),
        ("petra afna amis pika net", "petra@amis.net"),
        ("janez novak, skupaj, afna gmail pika com", "janeznovak@gmail.com"),
    ],
)
def test_slovenian_email_addresses(text: str, address: str) -> None:
    assert parse_email(text, "sl") == address


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("moda plus pika si", "modaplus.si"),
        ("www pika zelena lipa pika si", "zelenalipa.si"),
        ("lesena igrača pika si, brez šumnikov", "lesenaigraca.si"),
        ("zelena lipa pika es i", "zelenalipa.si"),
        ("zelena lipa si", "zelenalipa.si"),  # the recogniser left out "pika"
    ],
)
def test_slovenian_domains(text: str, domain: str) -> None:
    assert parse_domain(text, "sl") == domain


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("ja", True),
        ("ja seveda", True),
        ("to drži", True),
        ("v redu, kar vprašajte", True),
        ("ne", False),
        ("zdaj ne", False),
        ("ne, to ne drži", False),
        ("še ne", False),
    ],
)
def test_slovenian_yes_no(text: str, answer: bool) -> None:
    assert parse_yes_no(text, "sl") is answer


@pytest.mark.parametrize(
    ("count", "word"),
    [
        (1, "izdelek"),
        (2, "izdelka"),
        (3, "izdelki"),
        (4, "izdelki"),
        (5, "izdelkov"),
        (11, "izdelkov"),
        (21, "izdelkov"),
        (101, "izdelek"),
        (102, "izdelka"),
        (104, "izdelki"),
        (500, "izdelkov"),
    ],
)
def test_the_form_of_izdelek_follows_the_number(count: int, word: str) -> None:
    from voicebot.actions.conversation import _products_word

    assert _products_word(count, "sl") == word
