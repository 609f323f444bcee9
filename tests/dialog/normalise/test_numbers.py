"""Numbers said in words, per language, with inflection, approximations and ranges."""

import pytest

from voicebot.dialog.normalise import Quantity, find_numbers, parse_number, parse_quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dwadzieścia pięć tysięcy", 25000),
        ("pięćset", 500),
        ("pięciuset", 500),
        ("dwa", 2),
        ("dwie", 2),
        ("dwóch", 2),
        ("dwoma", 2),
        ("tysiąc", 1000),
        ("dwa tysiące", 2000),
        ("pięć tysięcy", 5000),
        ("1,2 tysiąca", 1200),
        ("półtora tysiąca", 1500),
        ("dwa i pół tysiąca", 2500),
        ("trzy i pół", 3.5),
        ("pół miliona", 500000),
        ("sto dwadzieścia trzy tysiące czterysta", 123400),
        ("dwustu", 200),
        ("jedenaście", 11),
        ("dziewięćset dziewięćdziesiąt dziewięć", 999),
        ("milion dwieście tysięcy", 1200000),
        ("mamy 350 produktów", 350),
        ("25 tysięcy", 25000),
        ("jeden przecinek pięć miliona", 1500000),
        # hundreds counted like thousands, also in the colloquial "stówa"
        ("osiem setek", 800),
        ("jakieś cztery stówy", 400),
        ("setka", 100),
        ("półtorej setki", 150),
    ],
)
def test_polish_numbers(text: str, expected: float) -> None:
    assert parse_number(text, "pl") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("twenty five thousand", 25000),
        ("twenty-five", 25),
        ("five hundred", 500),
        ("a hundred", 100),
        ("a thousand", 1000),
        ("two thousand five hundred and twenty one", 2521),
        ("two and a half thousand", 2500),
        ("one and a half million", 1500000),
        ("one hundred and twenty", 120),
        ("half a million", 500000),
        ("one point five million", 1500000),
        ("1,200", 1200),
        ("twelve", 12),
        ("ninety nine", 99),
        ("we have 40 products", 40),
    ],
)
def test_english_numbers(text: str, expected: float) -> None:
    assert parse_number(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("około pięciuset", "pl", Quantity(500, None, True)),
        ("jakieś dwa tysiące produktów", "pl", Quantity(2000, None, True)),
        ("mniej więcej trzysta", "pl", Quantity(300, None, True)),
        ("od 100 do 200", "pl", Quantity(100, 200, False)),
        ("od stu do dwustu", "pl", Quantity(100, 200, False)),
        ("między tysiącem a dwoma tysiącami", "pl", Quantity(1000, 2000, False)),
        ("od dwóch do trzech tysięcy", "pl", Quantity(2000, 3000, False)),
        ("dwieście trzysta", "pl", Quantity(200, 300, False)),
        ("about five hundred", "en", Quantity(500, None, True)),
        ("around a thousand", "en", Quantity(1000, None, True)),
        ("between 100 and 200", "en", Quantity(100, 200, False)),
        ("between one hundred and two hundred", "en", Quantity(100, 200, False)),
        ("from two to three thousand", "en", Quantity(2000, 3000, False)),
        ("two or three hundred", "en", Quantity(200, 300, False)),
        ("exactly forty two", "en", Quantity(42, None, False)),
    ],
)
def test_quantities(text: str, lang: str, expected: Quantity) -> None:
    assert parse_quantity(text, lang) == expected


def test_range_midpoint_and_flags() -> None:
    quantity = parse_quantity("od stu do dwustu", "pl")
    assert quantity is not None and quantity.is_range and quantity.as_int() == 150


@pytest.mark.parametrize("text", ["nie wiem", "no idea", "", "sklep z butami"])
def test_no_number(text: str) -> None:
    assert parse_quantity(text, "pl") is None
    assert parse_quantity(text, "en") is None


def test_order_break_splits_digit_groups() -> None:
    spans = find_numbers("pięćset dwadzieścia sześć zero zero trzydzieści dwa jeden", "pl")
    assert [s.digits for s in spans] == ["526", "0", "0", "32", "1"]


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        # a number restarted and completed is the completed one
        ("Seventy... seventy-four.", "en", 74),
        ("Trzysta... trzysta czterdzieści.", "pl", 340),
        ("Two thousand... two thousand five hundred.", "en", 2500),
        # a figure said again last, after another one, is the one chosen
        ("Thirty-one, thirty-two. Thirty-two.", "en", 32),
        ("Six hundred. Or seven hundred. Seven hundred.", "en", 700),
        ("Dwieście, może trzysta. Trzysta.", "pl", 300),
        ("Osiemset, może tysiąc. Niech będzie tysiąc.", "pl", 1000),
        # "X, maybe Y" is a range when nothing settles it
        ("Nine hundred, maybe a thousand.", "en", 950),
        ("Sześćset, może osiemset.", "pl", 700),
        ("Powiedzmy czterdzieści.", "pl", 40),
        # compounds stay whole
        ("Ninety-five.", "en", 95),
        ("tysiąc pięćset", "pl", 1500),
        ("sześćset osiemdziesiąt", "pl", 680),
    ],
)
def test_the_number_settled_on_is_the_one_taken(text: str, lang: str, value: int) -> None:
    from voicebot.dialog.normalise import corrected

    quantity = parse_quantity(corrected(text, lang), lang) or parse_quantity(text, lang)
    assert quantity is not None and quantity.as_int() == value
