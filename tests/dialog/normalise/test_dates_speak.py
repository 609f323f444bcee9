"""Dates and times resolved in the merchant's zone, and values spoken back as words."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from voicebot.dialog.normalise import (
    UnknownLanguageError,
    language,
    parse_datetime,
    say_datetime,
    say_digits,
    say_number,
)

WARSAW = ZoneInfo("Europe/Warsaw")
# Monday 23 November 2026, 9:30 in Warsaw
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=WARSAW)


@pytest.mark.parametrize(
    ("text", "lang", "iso", "has_time"),
    [
        ("jutro o dziesiątej", "pl", "2026-11-24T10:00", True),
        ("jutro o dziesiątej trzydzieści", "pl", "2026-11-24T10:30", True),
        ("w przyszły poniedziałek", "pl", "2026-11-30T00:00", False),
        ("w piątek rano", "pl", "2026-11-27T09:00", True),
        ("za tydzień", "pl", "2026-11-30T00:00", False),
        ("za dwa tygodnie", "pl", "2026-12-07T00:00", False),
        ("od pierwszego grudnia", "pl", "2026-12-01T00:00", False),
        ("dwudziestego pierwszego grudnia", "pl", "2026-12-21T00:00", False),
        ("piętnastego stycznia", "pl", "2027-01-15T00:00", False),
        ("w grudniu", "pl", "2026-12-01T00:00", False),
        ("w przyszłym miesiącu", "pl", "2026-12-01T00:00", False),
        ("o wpół do jedenastej", "pl", "2026-11-23T10:30", True),
        ("jutro o trzeciej", "pl", "2026-11-24T15:00", True),
        ("o 14:30", "pl", "2026-11-23T14:30", True),
        ("pojutrze o siedemnastej", "pl", "2026-11-25T17:00", True),
        ("za godzinę", "pl", "2026-11-23T10:30", True),
        ("next monday at 10", "en", "2026-11-30T10:00", True),
        ("in two weeks", "en", "2026-12-07T00:00", False),
        ("tomorrow at 3 pm", "en", "2026-11-24T15:00", True),
        ("tomorrow at ten thirty", "en", "2026-11-24T10:30", True),
        ("half past ten tomorrow", "en", "2026-11-24T10:30", True),
        ("friday afternoon", "en", "2026-11-27T15:00", True),
        ("december first", "en", "2026-12-01T00:00", False),
        ("the first of december", "en", "2026-12-01T00:00", False),
        ("on the twenty first of december", "en", "2026-12-21T00:00", False),
        ("the day after tomorrow", "en", "2026-11-25T00:00", False),
        ("in half an hour", "en", "2026-11-23T10:00", True),
        ("at 10 am", "en", "2026-11-23T10:00", True),
        ("next week", "en", "2026-11-30T00:00", False),
    ],
)
def test_resolved_dates(text: str, lang: str, iso: str, has_time: bool) -> None:
    result = parse_datetime(text, lang, NOW, "Europe/Warsaw")
    assert result is not None
    assert result.value.strftime("%Y-%m-%dT%H:%M") == iso
    assert result.has_time is has_time
    assert result.value.tzinfo == WARSAW


def test_time_already_past_goes_to_tomorrow() -> None:
    result = parse_datetime("o dziewiątej", "pl", NOW)
    assert result is not None and result.value.day == 24


def test_resolved_in_the_merchants_zone() -> None:
    utc_now = datetime(2026, 11, 23, 23, 30, tzinfo=ZoneInfo("UTC"))  # already 24th in Warsaw
    result = parse_datetime("jutro o dziesiątej", "pl", utc_now, "Europe/Warsaw")
    assert result is not None and result.value.strftime("%d %H") == "25 10"
    london = parse_datetime("tomorrow at ten", "en", utc_now, "Europe/London")
    assert london is not None and london.value.strftime("%d %H") == "24 10"


@pytest.mark.parametrize("text", ["nie wiem", "we may launch soon", "sklep z butami"])
def test_no_date(text: str) -> None:
    assert parse_datetime(text, "pl", NOW) is None
    assert parse_datetime(text, "en", NOW) is None


def test_speaking_values() -> None:
    moment = datetime(2026, 11, 24, 10, 30, tzinfo=WARSAW)
    assert say_datetime(moment, "pl", NOW) == (
        "jutro, we wtorek dwudziestego czwartego listopada, o dziesiątej trzydzieści"
    )
    assert say_datetime(moment, "en", NOW) == (
        "tomorrow, on Tuesday the twenty fourth of November, at ten thirty in the morning"
    )
    assert say_datetime(moment.replace(hour=15, minute=5), "en", NOW).endswith(
        "at three oh five in the afternoon"
    )
    assert say_number(25000, "pl") == "dwadzieścia pięć tysięcy"
    assert say_number(2521, "en") == "two thousand five hundred and twenty one"
    assert (
        say_digits("5260250274", "pl") == "pięć dwa sześć, zero dwa pięć, zero dwa, siedem cztery"
    )
    for text in (say_datetime(moment, "pl", NOW), say_digits("123", "en")):
        assert not any(ch.isdigit() for ch in text)


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(UnknownLanguageError, match="xx"):
        language("xx")
