"""A word said and then spelled or said again inside an address ("a kropka wróblewska, czyli
w r o b l e w s k a", "k kropka wójcik, w-o-j-c-i-k", "glinaiogien, glina i ogień"), asides
and "and then" clauses inside it, a note between a word and a dash, and a plural digit
followed by the same digits said out ("trzy ósemki, o tak: osiem, osiem, osiem")."""

import pytest

from voicebot.dialog.normalise import parse_digit_string, parse_domain, parse_email, parse_tax_id


@pytest.mark.parametrize(
    ("text", "lang", "address"),
    [
        (
            "glinaiogien, wszystko razem, glina i ogień bez polskich liter, małpa, o dwa, "
            "kropka pl.",
            "pl",
            "glinaiogien@o2.pl",
        ),
        (
            "a kropka wróblewska, bez kreseczki nad o, czyli w r o b l e w s k a, podkreślnik, "
            "mydlarnia, małpa gmail kropka com.",
            "pl",
            "a.wroblewska_mydlarnia@gmail.com",
        ),
        (
            "halina kropka zielińska, bez polskich liter, czyli z i e l i n s k a, i potem "
            "tysiąc dziewięćset pięćdziesiąt osiem, to mój rok urodzenia, hehe, małpa onet "
            "kropka pl.",
            "pl",
            "halina.zielinska1958@onet.pl",
        ),
        (
            "psiamicha, razem, kropka poznań, bez ogonka, czyli p o z n a n, małpa gmail "
            "kropka com.",
            "pl",
            "psiamicha.poznan@gmail.com",
        ),
        (
            "anioł, bez polskiej litery, myślnik, dewocjonalia, małpa wp kropka pl.",
            "pl",
            "aniol-dewocjonalia@wp.pl",
        ),
        (
            "k kropka wójcik, w-o-j-c-i-k, bez kreski, małpa biuropol kropka com kropka pl.",
            "pl",
            "k.wojcik@biuropol.com.pl",
        ),
        # a lead inside the clause, and a spelling that differs from the word heard
        ("kasia czyli k a s j a, małpa wp kropka pl.", "pl", "kasja@wp.pl"),
        ("john, that is j o h n, dot smith, at gmail dot com", "en", "john.smith@gmail.com"),
        (
            "anna dot kowalczyk, k-o-w-a-l-c-z-y-k, at example dot com",
            "en",
            "anna.kowalczyk@example.com",
        ),
        (
            "mary dot jones, and then nineteen eighty, that's my birth year, haha, at gmail "
            "dot com",
            "en",
            "mary.jones1980@gmail.com",
        ),
        ("sales, all one word, dash, team at shop dot com", "en", "sales-team@shop.com"),
        (
            "jan tečka novák, bez háčku, tedy n o v a k, zavináč seznam tečka cz",
            "cs",
            "jan.novak@seznam.cz",
        ),
        (
            "иван точка иванов, то есть и в а н о в, собака мейл точка ру",
            "ru",
            "ivan.ivanov@mail.ru",
        ),
        (
            "janez pika novak, brez strešice, torej n o v a k, afna gmail pika com",
            "sl",
            "janez.novak@gmail.com",
        ),
    ],
)
def test_a_word_said_then_spelled_or_said_again(text: str, lang: str, address: str) -> None:
    assert parse_email(text, lang) == address


@pytest.mark.parametrize(
    ("text", "lang", "address"),
    [
        # a spelling of no word just said, with no lead, is left as it is said
        ("antykwariat, a n t y k w a r i a t, małpa wp kropka pl.", "pl", "antykwariat@wp.pl"),
        ("jan kropka kowalski małpa gmail kropka com", "pl", "jan.kowalski@gmail.com"),
        ("info, at example dot com", "en", "info@example.com"),
    ],
)
def test_addresses_without_a_spelling_are_unchanged(text: str, lang: str, address: str) -> None:
    assert parse_email(text, lang) == address


def test_a_domain_said_then_spelled() -> None:
    assert parse_domain("psiamicha, czyli p s i a m i c h a, kropka pl.", "pl") == "psiamicha.pl"


@pytest.mark.parametrize(
    ("text", "lang", "digits"),
    [
        (
            "Pięć, dziewięć, sześć, sześć, zero... teraz trzy ósemki, o tak: osiem, osiem, "
            "osiem... i na końcu cztery, dwa.",
            "pl",
            "5966088842",
        ),
        (
            "five nine six six zero, now three eights, that is eight, eight, eight, and "
            "finally four two",
            "en",
            "5966088842",
        ),
        ("pět devět šest šest nula, tři osmičky, tedy osm osm osm, čtyři dva", "cs", "5966088842"),
        # the digits said out are not the counted ones: both stay
        ("trzy ósemki, osiem, cztery", "pl", "88884"),
        ("dwa zera jeden", "pl", "001"),
    ],
)
def test_a_plural_digit_then_the_same_digits_said_out(text: str, lang: str, digits: str) -> None:
    assert parse_digit_string(text, lang) == digits


def test_the_tax_id_with_a_plural_digit_said_out() -> None:
    check = parse_tax_id(
        "Pięć, dziewięć, sześć, sześć, zero... teraz trzy ósemki, o tak: osiem, osiem, "
        "osiem... i na końcu cztery, dwa.",
        "pl",
    )
    assert check is not None and check.valid and check.value == "5966088842"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("e myślnik sklep małpa pakmar kropka eu.", "e-sklep@pakmar.eu"),
        ("adres e kropka nowak małpa gmail kropka com", "e.nowak@gmail.com"),
        ("mój e mail to jan małpa wp kropka pl", "jan@wp.pl"),  # "e mail" is still no letter
    ],
)
def test_a_letter_joined_on_is_part_of_the_address(text: str, address: str) -> None:
    assert parse_email(text, "pl") == address
