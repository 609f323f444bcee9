"""Russian spoken forms: numbers in their case forms, e-mails and domains said in Cyrillic
(transliterated to the Latin letters addresses are written in), dates, yes/no, the INN."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from voicebot.dialog.normalise import (
    parse_domain,
    parse_email,
    parse_launch_date,
    parse_quantity,
    parse_tax_id,
    parse_yes_no,
    say_date,
    say_digits,
    spell_address,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.mark.parametrize(
    ("text", "value", "approximate"),
    [
        ("около пятисот", 500, True),
        ("две с половиной тысячи", 2500, False),
        ("полторы тысячи товаров", 1500, False),
        ("двадцать одна тысяча", 21000, False),
        ("где-то триста пятьдесят", 350, True),
        ("полтысячи", 500, False),
        ("тысяча двести", 1200, False),
        ("примерно восемьсот", 800, True),
    ],
)
def test_numbers(text: str, value: int, approximate: bool) -> None:
    quantity = parse_quantity(text, "ru")
    assert quantity is not None
    assert (quantity.as_int(), quantity.approximate) == (value, approximate)


def test_range() -> None:
    quantity = parse_quantity("от ста до двухсот", "ru")
    assert quantity is not None and (quantity.value, quantity.high) == (100, 200)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("иван точка петров собака мейл точка ру", "ivan.petrov@mail.ru"),
        ("олег нижнее подчёркивание смирнов собака яндекс точка ру", "oleg_smirnov@yandex.ru"),
        ("это мария восемьдесят пять собака бк точка ру", "mariya85@bk.ru"),
        ("anna собака gmail точка ком", "anna@gmail.com"),
        ("мой адрес ivan.petrov@mail.ru", "ivan.petrov@mail.ru"),
        ("о л е г собака лист точка ру", "oleg@list.ru"),
        ("shop дефис info собака ya точка ru", "shop-info@ya.ru"),
    ],
)
def test_emails(text: str, address: str) -> None:
    assert parse_email(text, "ru") == address


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("мода плюс точка ру", "modaplus.ru"),
        ("домен ремонт дефис про точка ру", "remont-pro.ru"),
        ("у нас домен shop.ru", "shop.ru"),
        ("сайт чайная лавка точка эр у", "chaynayalavka.ru"),
    ],
)
def test_domains(text: str, domain: str) -> None:
    assert parse_domain(text, "ru") == domain


def test_spelled_back() -> None:
    assert spell_address("ivan_87@mail.ru", "ru") == (
        "ivan нижнее подчёркивание восемь семь собака mail точка ru"
    )


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("первого марта", "2027-03-01"),
        ("с пятнадцатого января", "2027-01-15"),
        ("двадцать пятого декабря", "2026-12-25"),
        ("в середине марта", "2027-03-15"),
        ("в конце января", "2027-01-31"),
        ("через две недели", "2026-12-07"),
        ("с нового года", "2027-01-01"),
        ("как можно скорее", "asap"),
    ],
)
def test_launch_dates(text: str, day: str) -> None:
    launch = parse_launch_date(text, "ru", NOW, "Europe/Moscow")
    assert launch is not None and launch.value == day


def test_vague_launch_is_none() -> None:
    assert parse_launch_date("весной, наверное", "ru", NOW, "Europe/Moscow") is None


def test_date_said_back() -> None:
    moment = datetime(2026, 11, 24, tzinfo=ZoneInfo("Europe/Moscow"))
    assert say_date(moment, "ru", NOW) == "завтра, во вторник, двадцать четвёртого ноября"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("да", True),
        ("ну да, конечно", True),
        ("угу", True),
        ("всё верно", True),
        ("нет", False),
        ("да нет, не сейчас", False),
        ("не совсем", False),
    ],
)
def test_yes_no(text: str, answer: bool) -> None:
    assert parse_yes_no(text, "ru") is answer


@pytest.mark.parametrize(
    "text",
    [
        "семь семь ноль семь ноль восемь три восемь девять три",
        "семьдесят семь ноль семь ноль восемь тридцать восемь девяносто три",
        "семьсот семьдесят, семьсот восемь, триста восемьдесят девять, три",
    ],
)
def test_inn_of_an_organisation(text: str) -> None:
    check = parse_tax_id(text, "ru", "RU")
    assert check is not None and check.valid and check.value.endswith("7707083893")


def test_inn_of_an_entrepreneur() -> None:
    check = parse_tax_id("пятьсот сто, семьсот тридцать два, двести пятьдесят девять", "ru", "RU")
    assert check is not None and check.valid and check.value.endswith("500100732259")


def test_inn_checksum() -> None:
    check = parse_tax_id("семь семь ноль семь ноль восемь три восемь девять четыре", "ru", "RU")
    assert check is not None and not check.valid


def test_inn_read_back_in_groups() -> None:
    assert (
        say_digits("7707083893", "ru") == "семь семь ноль, семь ноль восемь, три восемь, девять три"
    )


@pytest.mark.parametrize(
    ("text", "lang", "domain"),
    [
        ("мода плюс точка ком, нет, точка ру", "ru", "modaplus.ru"),
        ("lesnaya polyana точка рф... ой, нет, точка ru.", "ru", "lesnayapolyana.ru"),
        ("moda plus kropka com, nie, kropka pl", "pl", "modaplus.pl"),
    ],
)
def test_a_corrected_ending_replaces_the_domains_ending(text: str, lang: str, domain: str) -> None:
    assert parse_domain(text, lang) == domain


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("тысячи две", 2000),
        ("сотен пять", 500),
        ("около полутора сотен", 150),
        ("две сотни", 200),
        ("тысяч десять примерно", 10000),
    ],
)
def test_inverted_estimates_and_hundreds(text: str, value: int) -> None:
    quantity = parse_quantity(text, "ru")
    assert quantity is not None and quantity.as_int() == value


def test_dative_day() -> None:
    launch = parse_launch_date("к восьмому марта", "ru", NOW, "Europe/Moscow")
    assert launch is not None and launch.value == "2027-03-08"
