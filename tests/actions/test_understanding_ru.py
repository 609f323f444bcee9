"""Russian names and numbers in the actions: sentence case, a surname said after the first
name, the noun agreeing with the number read back, list values with local brands."""

from __future__ import annotations

import pytest

from voicebot.actions.conversation import _products_word
from voicebot.actions.understanding import industry_answer, list_answer, take_name


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("Магазин будет называться Северный стиль.", "Северный стиль"),
        ("Канцелярия и точка.", "Канцелярия и точка"),
        ("меня зовут иван петрович сидоров", "Иван Петрович Сидоров"),
        ("Меня зовут Татьяна, фамилия Волкова.", "Татьяна Волкова"),
        ("Я Роман Викторович, фамилия Соловьёв.", "Роман Викторович Соловьёв"),
        ("Понятно. Меня Андрей зовут, Андрей Новиков.", "Андрей Новиков"),
    ],
)
def test_names(said: str, name: str) -> None:
    assert take_name(said, "ru").value == name


def test_sentence_case_is_russian_only() -> None:
    assert take_name("Kwiat i kamień", "pl").value == "Kwiat i Kamień"


@pytest.mark.parametrize(
    ("count", "word"),
    [
        (1, "товар"),
        (2, "товара"),
        (4, "товара"),
        (5, "товаров"),
        (11, "товаров"),
        (12, "товаров"),
        (21, "товар"),
        (22, "товара"),
        (111, "товаров"),
        (1500, "товаров"),
    ],
)
def test_products_agree_with_the_number(count: int, word: str) -> None:
    assert _products_word(count, "ru") == word


@pytest.mark.parametrize(
    ("said", "kind", "values"),
    [
        ("картой и по сбп", "payment_methods", {"card", "bank_transfer"}),
        ("наложенный платёж", "payment_methods", {"cash_on_delivery"}),
        ("сдэк, деловые линии и почта россии", "shipping_methods", {"courier", "post"}),
        ("постаматы 5post и самовывоз", "shipping_methods", {"parcel_locker", "pickup"}),
        ("на вайлдберриз и озоне", "sales_channels", {"marketplace"}),
        ("сайт на тильде", "sales_channels", {"other_platform"}),
        ("пока нигде", "sales_channels", {"none"}),
    ],
)
def test_list_values(said: str, kind: str, values: set[str]) -> None:
    assert set(list_answer(said, kind, "ru", []).values) == values


def test_everything_but() -> None:
    take = list_answer("всё кроме наложенного платежа", "payment_methods", "ru", [])
    assert set(take.values) == {"card", "bank_transfer"} and take.partial


def test_email_is_no_shipping_by_post() -> None:
    assert list_answer("хочу исправить почту", "shipping_methods", "ru", []).values == []


@pytest.mark.parametrize(
    ("said", "industry"),
    [
        ("продаём одежду и обувь", "fashion"),
        ("автозапчасти", "automotive"),
        ("корма для кошек", "animals_pets"),
        ("иконы и церковные свечи", "religious_ceremonial"),
    ],
)
def test_industries(said: str, industry: str) -> None:
    assert industry_answer(said, "ru", []).value == industry


def test_and_ends_the_online_words_of_a_shop() -> None:
    # "и" parts a shop from the website named after it, as "i" does in Polish
    take = list_answer("Своя кофейня и сайт на Тильде.", "sales_channels", "ru", [])
    assert set(take.values) == {"physical_store", "other_platform"}


def test_a_value_ruled_out_after_it() -> None:
    take = list_answer("Банковские карты, СБП. Наличные не нужны.", "payment_methods", "ru", [])
    assert set(take.values) == {"card", "bank_transfer"}
