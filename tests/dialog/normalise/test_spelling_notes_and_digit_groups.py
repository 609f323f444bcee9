"""Spelling notes naming a letter inside an address ("przez zwykłe o", "with a k"), a digit
named in the plural after a count ("dwa zera", "two zeros"), and a group of a digit string
corrected in the middle ("zero sześćdziesiąt siedem... nie, zero sześćdziesiąt sześć")."""

import pytest

from voicebot.dialog.normalise import parse_digit_string, parse_domain, parse_email, parse_tax_id


@pytest.mark.parametrize(
    ("text", "lang", "address"),
    [
        (
            "foto podkreślnik gorski, przez zwykłe o, małpa wp kropka pl.",
            "pl",
            "foto_gorski@wp.pl",
        ),
        (
            "antykwariat myślnik dab, przez a bez ogonka, małpa gmail kropka com.",
            "pl",
            "antykwariat-dab@gmail.com",
        ),
        ("sklep górski, przez ó kreskowane, małpa wp kropka pl.", "pl", "sklepgorski@wp.pl"),
        ("jurek, przez samo u, małpa wp kropka pl.", "pl", "jurek@wp.pl"),
        ("wiktoria, przez w, małpa wp kropka pl.", "pl", "wiktoria@wp.pl"),
        ("viktoria, przez v, małpa onet kropka pl.", "pl", "viktoria@onet.pl"),
        ("hubert przez samo ha małpa wp kropka pl", "pl", "hubert@wp.pl"),
        ("jan kowalski, bez polskich znaków, małpa wp kropka pl.", "pl", "jankowalski@wp.pl"),
        ("ala kot, wszystko małymi literami, małpa wp kropka pl.", "pl", "alakot@wp.pl"),
        ("ala kot, wszystko razem, małpa wp kropka pl.", "pl", "alakot@wp.pl"),
        ("kathryn, spelled with a k, at gmail dot com", "en", "kathryn@gmail.com"),
        ("jane underscore doe, with a y, at gmail dot com", "en", "jane_doe@gmail.com"),
        ("jana novakova, s tvrdým y, zavináč seznam tečka cz", "cs", "jananovakova@seznam.cz"),
        ("петров, через в, собака мейл точка ру", "ru", "petrov@mail.ru"),
        ("janez, z navadnim c, afna gmail pika com", "sl", "janez@gmail.com"),
    ],
)
def test_a_note_naming_a_letter_is_no_part_of_the_address(
    text: str, lang: str, address: str
) -> None:
    assert parse_email(text, lang) == address


@pytest.mark.parametrize(
    ("text", "lang", "digits"),
    [
        ("Dziewięć sześć, dwa zera, pięć trzy, cztery zero, trzy dziewięć.", "pl", "9600534039"),
        ("jeden, trzy zera, dwa", "pl", "10002"),
        ("dwie piątki", "pl", "55"),
        ("sto dwa zera", "pl", "10000"),
        ("nine six, two zeros, five three, four zero, three nine", "en", "9600534039"),
        ("devět šest, dvě nuly, pět tři, čtyři nula, tři devět", "cs", "9600534039"),
        ("девять шесть, два нуля, пять три, четыре ноль, три девять", "ru", "9600534039"),
        ("devet šest, dve ničli, pet tri, štiri nič, tri devet", "sl", "9600534039"),
        # a count and a digit in the singular are two digits, as before
        ("dwa zero", "pl", "20"),
    ],
)
def test_a_digit_named_in_the_plural_after_a_count(text: str, lang: str, digits: str) -> None:
    assert parse_digit_string(text, lang) == digits


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("Dziewięć sześć, dwa zera, pięć trzy, cztery zero, trzy dziewięć.", "pl", "9600534039"),
        (
            "Dziewięć sześć, podwójne zero, pięć trzy, cztery zero, trzy dziewięć.",
            "pl",
            "9600534039",
        ),
        (
            "Sześćset trzydzieści pięć, zero sześćdziesiąt siedem... nie, przepraszam, zero "
            "sześćdziesiąt sześć, czterdzieści sześć, dwadzieścia.",
            "pl",
            "6350664620",
        ),
        ("nine six, two zeros, five three, four zero, three nine", "en", "9600534039"),
        ("nine six, double zero, five three, four zero, three nine", "en", "9600534039"),
        (
            "six three five, oh six seven, no, sorry, oh six six, four six, two oh",
            "en",
            "6350664620",
        ),
        (
            "šest set třicet pět, nula šedesát sedm, ne pardon, nula šedesát šest, čtyřicet "
            "šest, dvacet",
            "cs",
            "6350664620",
        ),
    ],
)
def test_spoken_nip_with_a_plural_zero_or_a_corrected_group(
    text: str, lang: str, value: str
) -> None:
    check = parse_tax_id(text, lang)
    assert check is not None and check.valid and check.value == value


@pytest.mark.parametrize(
    ("text", "lang", "digits"),
    [
        # the corrected group is as long as the one before the marker: it takes its place
        ("pięć dwa sześć, zero zero trzy, nie, zero zero cztery", "pl", "526004"),
        # the group before was cut short: said again whole, it takes its place (pl/dev8)
        ("pięć dwa sześć, nie, pięć dwa sześć zero", "pl", "5260"),
        (
            "siedemset siedemdziesiąt dziewięć, zero siedem... czekaj, zero siedem siedem "
            "siedem, sześćset siedemdziesiąt jeden",
            "pl",
            "7790777671",
        ),
        # a correction of another length, not begun alike: the digits as said, all of them
        ("pięć dwa sześć, nie, siedem dwa sześć zero", "pl", "5267260"),
        # no correction: unchanged
        ("pięćset dwadzieścia sześć, zero zero, dwadzieścia pięć", "pl", "5260025"),
    ],
)
def test_a_corrected_group_in_a_digit_string(text: str, lang: str, digits: str) -> None:
    assert parse_digit_string(text, lang) == digits


def test_a_corrected_group_can_be_left_as_said() -> None:
    text = "pięć dwa sześć, zero zero trzy, nie, zero zero cztery"
    assert parse_digit_string(text, "pl", corrections=False) == "526003004"


@pytest.mark.parametrize(
    ("text", "lang", "domain"),
    [
        ("zielony gaj, przez zwykłe z, kropka pl", "pl", "zielonygaj.pl"),
        # words of the name that look like a note but run on into it stay
        ("shop with a view dot com", "en", "shopwithaview.com"),
    ],
)
def test_a_letter_note_ends_a_clause_or_comes_before_a_symbol(
    text: str, lang: str, domain: str
) -> None:
    assert parse_domain(text, lang) == domain
