"""Calling hours: when a merchant may be phoned, in the merchant's own time zone.

Hours are configured per country as ``{day-or-range: ["HH:MM-HH:MM", ...]}`` (format and
validation in ``voicebot.calling_hours_format``), e.g.
``{"mon-fri": ["09:00-19:00"], "sat": ["10:00-14:00"]}``; a country without its own entry
uses ``default``. Public holidays (the ``holidays`` package) close the whole day.
Everything compares local wall-clock times, so daylight-saving changes need no special case.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from voicebot.calling_hours_format import (
    DEFAULT_KEY,
    CallingHoursError,
    WeeklyHours,
    parse_weekly_hours,
)

if TYPE_CHECKING:
    from voicebot.config import Settings

log = logging.getLogger(__name__)

# How far ahead to look for an open window; long enough for any holiday cluster.
_SEARCH_DAYS = 60


@lru_cache(maxsize=256)
def _cached_week(key: str, frozen: tuple[tuple[str, tuple[str, ...]], ...]) -> WeeklyHours:
    return parse_weekly_hours({day: list(spans) for day, spans in frozen})


def hours_for(country: str | None, settings: Settings) -> WeeklyHours:
    table = settings.dialer.calling_hours
    key = (country or "").upper()
    raw = table.get(key) or table[DEFAULT_KEY]
    frozen = tuple(
        (day, (spans,) if isinstance(spans, str) else tuple(spans)) for day, spans in raw.items()
    )
    return _cached_week(key, frozen)


@lru_cache(maxsize=64)
def _holiday_calendar(country: str) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(country)
    except NotImplementedError:
        log.warning("no public-holiday calendar for country %s; calling on every weekday", country)
        return None


def is_holiday(day: date, country: str | None, settings: Settings) -> bool:
    if not settings.dialer.skip_public_holidays:
        return False
    code = (country or settings.dialer.default_country).upper()
    calendar = _holiday_calendar(code)
    return calendar is not None and day in calendar


def zone(tz: str | None) -> ZoneInfo:
    """The merchant's zone; an unknown name is an error, not a silent fallback to UTC."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CallingHoursError(f"unknown time zone {tz!r}") from exc


def _require_aware(when: datetime) -> None:
    if when.tzinfo is None:
        raise ValueError("pass an aware datetime (with a time zone), not a naive one")


def is_allowed(when: datetime, tz: str | None, country: str | None, settings: Settings) -> bool:
    """True when ``when`` falls inside calling hours in the merchant's time zone."""
    _require_aware(when)
    local = when.astimezone(zone(tz))
    if is_holiday(local.date(), country, settings):
        return False
    wall = local.time().replace(tzinfo=None)
    return any(s.start <= wall < s.end for s in hours_for(country, settings)[local.weekday()])


def _local_moment(day: date, at: time, tzinfo: ZoneInfo) -> datetime:
    # A window opening inside a spring-forward gap (e.g. 02:30) opens at the first real
    # instant after it: a round trip through UTC normalises the non-existent wall time.
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=tzinfo).astimezone(UTC).astimezone(tzinfo)


def next_allowed_time(
    when: datetime, tz: str | None, country: str | None, settings: Settings
) -> datetime:
    """The first moment at or after ``when`` inside calling hours, in the merchant's zone.

    Used by the dialer for every scheduled call and by the dialog to tell a merchant when
    a callback asked for outside hours will really happen.
    """
    _require_aware(when)
    tzinfo = zone(tz)
    local = when.astimezone(tzinfo)
    if is_allowed(local, tz, country, settings):
        return local
    week = hours_for(country, settings)
    for offset in range(_SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if is_holiday(day, country, settings):
            continue
        for span in week[day.weekday()]:
            opens = _local_moment(day, span.start, tzinfo)
            if opens > local:
                return opens
    raise CallingHoursError(
        f"no calling hours within {_SEARCH_DAYS} days of {local.isoformat()} ({country or '?'})"
    )
