"""Self-corrections, launch dates as people say them, and domains said with neighbours."""

from datetime import datetime

import pytest

from voicebot.dialog.normalise import (
    after_correction,
    parse_domain,
    parse_email,
    parse_launch_date,
    parse_quantity,
)

NOW = datetime.fromisoformat("2026-11-23T09:30:00+01:00")  # a Monday


@pytest.mark.parametrize(
    ("text", "lang", "after"),
    [
        ("Two hundred, no, three hundred.", "en", "three hundred."),
        ("Eighty, no, sorry, ninety.", "en", "ninety."),
        ("post I guess, no, actually courier is fine", "en", "courier is fine"),
        (
            "Sześćdziesiąt... nie, przepraszam, osiemdziesiąt produktów.",
            "pl",
            "osiemdziesiąt produktów.",
        ),
        ("Trzysta, nie, czterysta.", "pl", "czterysta."),
        ("Nie kurierem, tylko paczkomaty.", "pl", None),  # a negation, not a correction
        ("Card and PayPal", "en", None),
    ],
)
def test_the_words_after_the_last_self_correction(text: str, lang: str, after: str | None) -> None:
    assert after_correction(text, lang) == after


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [("two hundred no three hundred", "en", 300), ("dwieście nie przepraszam trzysta", "pl", 300)],
)
def test_a_correction_without_punctuation_between_two_numbers(
    text: str, lang: str, value: int
) -> None:
    quantity = parse_quantity(text, lang)
    assert quantity is not None and quantity.as_int() == value


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("Sześćdziesiąt... nie, przepraszam, osiemdziesiąt produktów.", "pl", 80),
        ("Two hundred, no, three hundred.", "en", 300),
        ("Hundred and fifty.", "en", 150),
        ("A couple of hundred.", "en", 200),
    ],
)
def test_quantities_said_with_a_correction_or_without_a_leading_one(
    text: str, lang: str, value: int
) -> None:
    from voicebot.actions.forms import _quantity

    class Said:  # the two things _quantity reads from a tracker
        latest_message = {"text": text}

        def get_slot(self, name: str) -> str:
            return lang

    quantity = _quantity(Said())  # type: ignore[arg-type]
    assert quantity is not None and quantity.as_int() == value
    if "couple" in text:
        assert parse_quantity(text, lang).approximate  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("March.", "en", "2027-03-01"),
        ("Marzec.", "pl", "2027-03-01"),
        ("In the middle of January.", "en", "2027-01-15"),
        ("W połowie lutego.", "pl", "2027-02-15"),
        ("The end of January.", "en", "2027-01-31"),
        ("End of the month.", "en", "2026-11-30"),
        ("Early March.", "en", "2027-03-01"),
        ("W grudniu.", "pl", "2026-12-01"),
        ("The tenth of December.", "en", "2026-12-10"),
        ("Next Friday.", "en", "2026-11-27"),
        ("Za miesiąc.", "pl", "2026-12-23"),
        ("W przyszłym tygodniu.", "pl", "2026-11-30"),
        ("Od nowego roku.", "pl", "2027-01-01"),
        ("As soon as possible.", "en", "asap"),
        ("Jak najszybciej.", "pl", "asap"),
        # a weekday said with a week ahead is that week's, not the coming one
        ("Za tydzień w środę.", "pl", "2026-12-02"),
        ("W środę.", "pl", "2026-11-25"),
        ("Next week on Friday.", "en", "2026-12-04"),
        # a day alone as the correction keeps the month said before it
        ("Szóstego stycznia... a nie, to święto, to niech będzie siódmego.", "pl", "2027-01-07"),
        ("Piętnastego stycznia, nie, szesnastego.", "pl", "2027-01-16"),
    ],
)
def test_launch_dates_as_people_say_them(text: str, lang: str, value: str) -> None:
    said = parse_launch_date(text, lang, NOW, "Europe/Warsaw")
    assert said is not None and said.value == value


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Before Easter.", "en"),
        ("The second week of January.", "en"),
        ("After New Year.", "en"),
        ("Po świętach.", "pl"),
        ("Jak tylko będzie gotowe.", "pl"),
    ],
)
def test_words_that_name_no_single_day_give_none(text: str, lang: str) -> None:
    assert parse_launch_date(text, lang, NOW, "Europe/Warsaw") is None


@pytest.mark.parametrize(
    ("text", "lang", "domain"),
    [
        ("We do, it's spoke and chain dot co dot uk", "en", "spokeandchain.co.uk"),
        ("Yes. sit well dot co dot uk", "en", "sitwell.co.uk"),
        ("Yes, case point dot co dot uk.", "en", "casepoint.co.uk"),
        ("Tak, pod lipą kropka pl.", "pl", "podlipa.pl"),
        ("Tak, naturalnie piękna kropka com kropka pl", "pl", "naturalniepiekna.com.pl"),
        ("pod adresem moda plus kropka pl", "pl", "modaplus.pl"),
    ],
)
def test_a_domain_is_said_in_its_own_clause_and_written_without_diacritics(
    text: str, lang: str, domain: str
) -> None:
    assert parse_domain(text, lang) == domain


def test_an_email_with_polish_letters_and_a_conjunction() -> None:
    assert parse_email("basia małpa glina i szkło kropka pl", "pl") == "basia@glinaiszklo.pl"
    # a top-level domain spelled letter by letter, its "i" no conjunction
    assert parse_email("agnieszka małpa fizjoplan kropka i o.", "pl") == "agnieszka@fizjoplan.io"
    assert parse_email("jan małpa wp kropka pl i tyle", "pl") == "jan@wp.pl"
    assert parse_email("dan at spoke and chain dot co dot uk", "en") == "dan@spokeandchain.co.uk"


@pytest.mark.parametrize(
    ("text", "lang", "day"),
    [
        ("In about three weeks.", "en", "2026-12-14"),
        ("In roughly a month?", "en", "2026-12-23"),
        ("Za jakieś trzy tygodnie.", "pl", "2026-12-14"),
        ("Za około miesiąc.", "pl", "2026-12-23"),
        ("In about a fortnight.", "en", "2026-12-07"),
    ],
)
def test_a_hedged_relative_date_is_that_many_days_away(text: str, lang: str, day: str) -> None:
    now = datetime.fromisoformat("2026-11-23T09:30:00+00:00")
    when = parse_launch_date(text, lang, now, "Europe/Warsaw")
    assert when is not None and when.value == day
