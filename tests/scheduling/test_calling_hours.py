"""Calling hours in the merchant's own time zone, across DST changes and holidays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dialer.helpers import LONDON, NEW_YORK, WARSAW, local

from voicebot.calling_hours_format import CallingHoursError, parse_weekly_hours
from voicebot.config import ConfigError, Settings, load_settings
from voicebot.scheduling.calling_hours import is_allowed, next_allowed_time


def with_dialer(settings: Settings, **values: object) -> Settings:
    return settings.model_copy(
        update={
            "dialer": settings.dialer.model_validate({**settings.dialer.model_dump(), **values})
        }
    )


def test_weekday_hours_in_warsaw(settings: Settings) -> None:
    monday_early = local(WARSAW, 2026, 6, 15, 8, 59)
    assert not is_allowed(monday_early, WARSAW, "PL", settings)
    assert next_allowed_time(monday_early, WARSAW, "PL", settings) == local(WARSAW, 2026, 6, 15, 9)
    assert is_allowed(local(WARSAW, 2026, 6, 15, 18, 59), WARSAW, "PL", settings)
    assert not is_allowed(local(WARSAW, 2026, 6, 15, 19, 0), WARSAW, "PL", settings)


def test_inside_hours_is_returned_unchanged_in_the_merchants_zone(settings: Settings) -> None:
    when = datetime(2026, 6, 16, 10, 30, tzinfo=UTC)  # 12:30 in Warsaw
    result = next_allowed_time(when, WARSAW, "PL", settings)
    assert result == when
    assert result.tzinfo is not None and result.utcoffset() == timedelta(hours=2)


def test_friday_evening_moves_to_saturday_morning_in_london(settings: Settings) -> None:
    friday_late = local(LONDON, 2026, 6, 19, 19, 30)
    assert next_allowed_time(friday_late, LONDON, "GB", settings) == local(LONDON, 2026, 6, 20, 10)


def test_saturday_closes_at_14_and_sunday_is_closed_in_new_york(settings: Settings) -> None:
    assert is_allowed(local(NEW_YORK, 2026, 6, 20, 13, 59), NEW_YORK, "US", settings)
    saturday_two = local(NEW_YORK, 2026, 6, 20, 14, 0)
    assert next_allowed_time(saturday_two, NEW_YORK, "US", settings) == local(
        NEW_YORK, 2026, 6, 22, 9
    )


def test_one_instant_is_open_in_warsaw_and_closed_in_new_york(settings: Settings) -> None:
    instant = datetime(2026, 6, 16, 9, 0, tzinfo=UTC)  # 11:00 Warsaw, 10:00 London, 05:00 NY
    assert is_allowed(instant, WARSAW, "PL", settings)
    assert is_allowed(instant, LONDON, "GB", settings)
    assert not is_allowed(instant, NEW_YORK, "US", settings)
    assert next_allowed_time(instant, NEW_YORK, "US", settings) == datetime(
        2026, 6, 16, 13, 0, tzinfo=UTC
    )


def test_spring_forward_in_europe_keeps_nine_oclock_local(settings: Settings) -> None:
    # 2026-03-29 is the last Sunday of March: CET (+1) becomes CEST (+2).
    saturday_after_close = local(WARSAW, 2026, 3, 28, 14, 0)
    monday = next_allowed_time(saturday_after_close, WARSAW, "PL", settings)
    assert monday == local(WARSAW, 2026, 3, 30, 9)
    assert monday.astimezone(UTC).hour == 7  # the Friday before, 9:00 was 08:00 UTC
    assert local(WARSAW, 2026, 3, 27, 9).astimezone(UTC).hour == 8


def test_fall_back_in_europe_keeps_nine_oclock_local(settings: Settings) -> None:
    # 2026-10-25 is the last Sunday of October: CEST (+2) becomes CET (+1).
    saturday_after_close = datetime(2026, 10, 24, 13, 0, tzinfo=UTC)  # 15:00 Warsaw, 14:00 London
    monday = next_allowed_time(saturday_after_close, WARSAW, "PL", settings)
    assert monday.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    london = next_allowed_time(saturday_after_close, LONDON, "GB", settings)
    assert london.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_us_and_europe_change_clocks_on_different_weeks(settings: Settings) -> None:
    # New York moved to EDT on 2026-03-08, London stays on GMT until 2026-03-29.
    instant = datetime(2026, 3, 16, 12, 30, tzinfo=UTC)  # 12:30 London, 08:30 New York
    assert is_allowed(instant, LONDON, "GB", settings)
    assert not is_allowed(instant, NEW_YORK, "US", settings)
    assert next_allowed_time(instant, NEW_YORK, "US", settings) == datetime(
        2026, 3, 16, 13, 0, tzinfo=UTC
    )


def test_a_window_opening_inside_the_spring_gap_opens_after_it(settings: Settings) -> None:
    night = with_dialer(settings, calling_hours={"default": {"sun": ["02:30-04:00"]}})
    opens = next_allowed_time(local(WARSAW, 2026, 3, 28, 12, 0), WARSAW, "PL", night)
    # 02:30 does not exist that night; the first real instant of the window is 03:30 CEST.
    assert opens.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert is_allowed(opens, WARSAW, "PL", night)


def test_public_holidays_close_the_day_when_enabled(settings: Settings) -> None:
    independence_day = local(WARSAW, 2026, 11, 11, 10, 0)  # a Wednesday
    assert not is_allowed(independence_day, WARSAW, "PL", settings)
    assert next_allowed_time(independence_day, WARSAW, "PL", settings) == local(
        WARSAW, 2026, 11, 12, 9
    )
    # The same day is an ordinary Wednesday in Britain.
    assert is_allowed(local(LONDON, 2026, 11, 11, 10, 0), LONDON, "GB", settings)
    no_holidays = with_dialer(settings, skip_public_holidays=False)
    assert is_allowed(independence_day, WARSAW, "PL", no_holidays)


def test_christmas_and_the_weekend_chain_together(settings: Settings) -> None:
    # 2026-12-24..26 are Polish holidays (Thu, Fri, Sat), then Sunday is closed.
    assert next_allowed_time(local(WARSAW, 2026, 12, 23, 19, 0), WARSAW, "PL", settings) == local(
        WARSAW, 2026, 12, 28, 9
    )


def test_country_specific_hours_override_the_default(settings: Settings) -> None:
    custom = with_dialer(
        settings, calling_hours={"gb": {"mon-fri": ["08:00-12:00", "13:00-20:00"]}}
    )
    lunch = local(LONDON, 2026, 6, 16, 12, 15)
    assert not is_allowed(lunch, LONDON, "GB", custom)
    assert next_allowed_time(lunch, LONDON, "GB", custom) == local(LONDON, 2026, 6, 16, 13)
    assert is_allowed(local(LONDON, 2026, 6, 16, 19, 30), LONDON, "GB", custom)
    # Poland has no entry of its own: the default applies.
    assert not is_allowed(local(WARSAW, 2026, 6, 16, 19, 30), WARSAW, "PL", custom)


def test_naive_times_and_unknown_zones_are_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="aware"):
        next_allowed_time(datetime(2026, 6, 16, 10), WARSAW, "PL", settings)
    with pytest.raises(CallingHoursError, match="Mars/Olympus"):
        is_allowed(datetime(2026, 6, 16, 10, tzinfo=UTC), "Mars/Olympus", "PL", settings)


def test_parse_and_config_errors_name_the_entry(tmp_path) -> None:
    week = parse_weekly_hours({"mon-fri": ["09:00-19:00"], "sat": "10:00-14:00"})
    assert len(week[0]) == 1 and week[5][0].end.hour == 14 and week[6] == ()
    for bad, message in [
        ({"mon-fry": ["09:00-19:00"]}, "mon-fry"),
        ({"mon": ["19:00-09:00"]}, "end before"),
        ({"mon": ["9-17"]}, "09:00-19:00"),
    ]:
        with pytest.raises(CallingHoursError, match=message):
            parse_weekly_hours(bad)
    config = tmp_path / "config.yml"
    config.write_text("dialer:\n  calling_hours:\n    CZ: {sun: ['25:00-26:00']}\n")
    with pytest.raises(ConfigError, match=r"dialer.calling_hours.*CZ"):
        load_settings(config, environ={})


PRAGUE, MOSCOW, LJUBLJANA = "Europe/Prague", "Europe/Moscow", "Europe/Ljubljana"


def test_czech_merchants_are_called_on_working_days_until_six(settings: Settings) -> None:
    friday_late = local(PRAGUE, 2026, 6, 19, 18, 0)  # closed; Saturday is closed too
    assert next_allowed_time(friday_late, PRAGUE, "CZ", settings) == local(PRAGUE, 2026, 6, 22, 9)


def test_czech_statehood_day_is_a_holiday(settings: Settings) -> None:
    statehood_day = local(PRAGUE, 2026, 10, 28, 10, 0)  # a Wednesday
    assert not is_allowed(statehood_day, PRAGUE, "CZ", settings)
    assert next_allowed_time(statehood_day, PRAGUE, "CZ", settings) == local(
        PRAGUE, 2026, 10, 29, 9
    )


def test_russian_merchants_until_eight_and_on_saturdays(settings: Settings) -> None:
    assert is_allowed(local(MOSCOW, 2026, 6, 17, 19, 59), MOSCOW, "RU", settings)
    assert not is_allowed(local(MOSCOW, 2026, 6, 17, 20, 0), MOSCOW, "RU", settings)
    assert is_allowed(local(MOSCOW, 2026, 6, 20, 15, 0), MOSCOW, "RU", settings)
    assert not is_allowed(local(MOSCOW, 2026, 6, 12, 11, 0), MOSCOW, "RU", settings)  # Russia Day


def test_slovenian_working_day_starts_at_eight(settings: Settings) -> None:
    assert is_allowed(local(LJUBLJANA, 2026, 6, 16, 8, 0), LJUBLJANA, "SI", settings)
    assert not is_allowed(local(LJUBLJANA, 2026, 6, 16, 17, 0), LJUBLJANA, "SI", settings)
    assert not is_allowed(
        local(LJUBLJANA, 2026, 6, 25, 10, 0), LJUBLJANA, "SI", settings
    )  # Statehood
