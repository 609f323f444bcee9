"""Answers heard in pl/dev6 that came out wrong, with an English and another language's
equivalent: a first name said after a lone surname, a nickname with "tak na mnie mówią",
who thought the store name up, a remark on the name, the settled product count, and a
sales channel said with a negation."""

from __future__ import annotations

import pytest

from voicebot.actions.forms import _settled_on, _summed_up
from voicebot.actions.understanding import list_answer, take_name
from voicebot.dialog.normalise import corrected, parse_quantity


def _count(text: str, lang: str) -> int | None:
    """The product count as extract_product_count takes it (forms._quantity)."""
    quantity = (
        _summed_up(text, lang)
        or _settled_on(text, lang)
        or parse_quantity(corrected(text, lang), lang)
        or parse_quantity(text, lang)
    )
    return quantity.as_int() if quantity is not None else None


@pytest.mark.parametrize(
    ("lang", "said", "expected"),
    [
        ("pl", "Nowak. Piotr.", "Piotr Nowak"),
        ("en", "Smith. John.", "John Smith"),
        ("ru", "Иванов. Пётр.", "Пётр Иванов"),
        ("cs", "Novák. Petr.", "Petr Novák"),
        # a first name first stays first
        ("pl", "Grzegorz... Kaczmarek", "Grzegorz Kaczmarek"),
        (
            "pl",
            "Halina Zielińska. Zielińska, przez ń. Pani Halinka, tak na mnie mówią na osiedlu.",
            "Halina Zielińska",
        ),
        (
            "en",
            "Halina Zielinska. Zielinska, with an n. Auntie Hal, that's what they call me on "
            "the estate.",
            "Halina Zielinska",
        ),
        ("cs", "Halina Zielińská. Paní Halinka, tak mi říkají na sídlišti.", "Halina Zielińská"),
        ("ru", "Галина Зелинская. Тётя Галя, так меня все зовут во дворе.", "Галина Зелинская"),
    ],
)
def test_contact_name(lang: str, said: str, expected: str) -> None:
    assert take_name(said, lang).value == expected


@pytest.mark.parametrize(
    ("lang", "said", "expected"),
    [
        (
            "pl",
            "Włóczkowe Cuda. To wnuczek wymyślił, Kacperek, on jest bardzo mądry, studiuje "
            "informatykę we Wrocławiu.",
            "Włóczkowe Cuda",
        ),
        (
            "en",
            "Woolly Wonders. My grandson came up with it, Casper, he's very clever, he studies "
            "computer science in Wroclaw.",
            "Woolly Wonders",
        ),
        (
            "cs",
            "Vlněné zázraky. To vymyslel vnuk, Kuba, je moc chytrý, studuje informatiku v Brně.",
            "Vlněné zázraky",
        ),
        (
            "pl",
            "Skórzana Torba. Wiem, mało oryginalne, ale klienci pamiętają.",
            "Skórzana Torba",
        ),
        (
            "en",
            "Leather Satchel. I know, not very original, but customers remember it.",
            "Leather Satchel",
        ),
        (
            "ru",
            "Кожаная сумка. Знаю, не очень оригинально, но клиенты запоминают.",
            "Кожаная сумка",
        ),
    ],
)
def test_store_name(lang: str, said: str, expected: str) -> None:
    assert take_name(said, lang).value == expected


@pytest.mark.parametrize(
    ("lang", "said", "expected"),
    [
        (
            "pl",
            "Oj, niech pomyślę... sweterki w trzech rozmiarach, czapeczek to mam chyba ze "
            "dwadzieścia wzorów... no, będzie z sześćdziesiąt, może sześćdziesiąt pięć. Niech "
            "pan napisze sześćdziesiąt.",
            60,
        ),
        (
            "pl",
            "Eee... przysmaków ze trzydzieści rodzajów, akcesoriów drugie tyle, no około "
            "osiemdziesięciu będzie.",
            80,
        ),
        (
            "en",
            "Oh, let me think... jumpers in three sizes, hats I've got about twenty patterns... "
            "well, it'll be about sixty, maybe sixty-five. Put down sixty.",
            60,
        ),
        (
            "en",
            "Um... treats, about thirty kinds, accessories as many again, well, around eighty.",
            80,
        ),
        (
            "ru",
            "Ой, дайте подумать... свитера в трёх размерах, шапочек штук двадцать моделей... "
            "ну, будет шестьдесят, может шестьдесят пять. Пишите шестьдесят.",
            60,
        ),
        (
            "ru",
            "Э... лакомств штук тридцать видов, аксессуаров столько же, ну около восьмидесяти "
            "будет.",
            80,
        ),
        # one figure, or no settling word at the end: as before
        ("pl", "Około dwustu.", 200),
        ("en", "About two hundred products, in three categories.", 200),
    ],
)
def test_product_count(lang: str, said: str, expected: int) -> None:
    assert _count(said, lang) == expected


@pytest.mark.parametrize(
    ("lang", "said", "expected"),
    [
        (
            "pl",
            "Mamy salon przy zakładzie w Rybniku, tam ludzie przychodzą, oglądają. Przez "
            "internet jeszcze nie sprzedajemy, tylko strona z galerią jest.",
            ["physical_store"],
        ),
        (
            "pl",
            "Mamy sklep internetowy na PrestaShopie, postawiony lata temu przez zewnętrzną "
            "firmę. Stacjonarnie nie sprzedajemy, tylko magazyn.",
            ["other_platform"],
        ),
        (
            "en",
            "We've got a showroom at the works in Rybnik, people come in and have a look. We "
            "don't sell online yet, there's only a website with a gallery.",
            ["physical_store"],
        ),
        (
            "en",
            "We've got an online shop on PrestaShop, set up years ago by an outside company. We "
            "don't sell from a shop, only a warehouse.",
            ["other_platform"],
        ),
        (
            "ru",
            "У нас салон при заводе в Рыбнике, люди приходят, смотрят. Через интернет пока не "
            "продаём, только сайт с галереей есть.",
            ["physical_store"],
        ),
        (
            "sl",
            "Imamo spletno trgovino na PrestaShopu, ki jo je pred leti postavilo zunanje "
            "podjetje. Fizično ne prodajamo, samo skladišče imamo.",
            ["other_platform"],
        ),
        # a website said after selling online is ruled out is no platform either
        (
            "pl",
            "Mamy sklepik. Przez internet jeszcze nie sprzedajemy, tylko strona jest.",
            ["physical_store"],
        ),
        # an exception is no negation: only Allegro
        ("pl", "Nie sprzedajemy nigdzie poza Allegro.", ["marketplace"]),
    ],
)
def test_sales_channels(lang: str, said: str, expected: list[str]) -> None:
    assert list_answer(said, "sales_channels", lang, []).values == expected
