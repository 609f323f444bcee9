"""Digit strings read one by one or in groups, and tax numbers of several countries."""

import pytest

from voicebot.dialog.normalise import (
    check_tax_id,
    nip_checksum_ok,
    parse_digit_string,
    parse_tax_id,
)


@pytest.mark.parametrize(
    ("text", "lang", "digits"),
    [
        ("pięć dwa sześć zero dwa pięć zero dwa siedem cztery", "pl", "5260250274"),
        (
            "pięćset dwadzieścia sześć zero dwadzieścia pięć zero dwa siedem cztery",
            "pl",
            "5260250274",
        ),
        (
            "pięćset dwadzieścia sześć, zero zero, dwadzieścia pięć, trzydzieści dziewięć",
            "pl",
            "526002539",
        ),
        ("mój nip to 526 025 02 74", "pl", "5260250274"),
        ("five two six oh two five oh two seven four", "en", "5260250274"),
        ("double five oh seven", "en", "5507"),
        ("five hundred twenty six", "en", "526"),
        ("podwójne zero jeden", "pl", "001"),
    ],
)
def test_digit_strings(text: str, lang: str, digits: str) -> None:
    assert parse_digit_string(text, lang) == digits


def test_too_few_digits_is_none() -> None:
    assert parse_digit_string("dwa", "pl", min_digits=5) is None
    assert parse_digit_string("nie pamiętam", "pl") is None


@pytest.mark.parametrize(
    ("nip", "ok"),
    [
        ("5260250274", True),
        ("5260250275", False),
        ("1234563218", True),
        ("123456321", False),
        ("0000000000", True),
        ("12345abc89", False),
    ],
)
def test_nip_checksum(nip: str, ok: bool) -> None:
    assert nip_checksum_ok(nip) is ok


@pytest.mark.parametrize(
    ("raw", "country", "valid", "value"),
    [
        ("5260250274", "PL", True, "5260250274"),
        ("526-025-02-74", "PL", True, "5260250274"),
        ("PL5260250274", "PL", True, "5260250274"),
        ("5260250275", "PL", False, "5260250275"),
        ("980780684", "GB", True, "GB980780684"),
        ("GB980780684", "PL", True, "GB980780684"),
        ("25123891", "CZ", True, "CZ25123891"),  # the DIČ is written with its CZ
        ("CZ25123891", "CZ", True, "CZ25123891"),
        ("7707083893", "RU", True, "7707083893"),  # INN of an organisation, bare at home
        ("500100732259", "RU", True, "500100732259"),  # INN of a sole trader (12 digits)
        ("7707083894", "RU", False, "7707083894"),
        ("50223054", "SI", True, "50223054"),  # davčna številka, bare at home
        ("SI50223054", "SI", True, "50223054"),
        ("50223055", "SI", False, "50223055"),
        ("SI50223054", "PL", True, "SI50223054"),  # another country's keeps its prefix
        ("136695976", "DE", True, "DE136695976"),
        ("136695977", "DE", False, "136695977"),
    ],
)
def test_tax_ids_by_country(raw: str, country: str, valid: bool, value: str) -> None:
    result = check_tax_id(raw, country)
    assert (result.valid, result.value) == (valid, value)


def test_tax_id_reasons() -> None:
    assert check_tax_id("123", "PL").reason == "length"
    assert check_tax_id("5260250275", "PL").reason == "checksum"


def test_spoken_tax_id() -> None:
    spoken = parse_tax_id(
        "pięćset dwadzieścia sześć zero dwadzieścia pięć zero dwa siedem cztery", "pl"
    )
    assert spoken is not None and spoken.valid and spoken.value == "5260250274"
    assert parse_tax_id("nie wiem", "pl") is None
    english = parse_tax_id("nine eight oh seven eight oh six eight four", "en", country="GB")
    assert english is not None and english.valid and english.value == "GB980780684"
