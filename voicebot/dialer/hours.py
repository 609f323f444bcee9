"""Calling hours: when a merchant may be phoned, in the merchant's own time zone.

Hours are configured per country as ``{day-or-range: ["HH:MM-HH:MM", ...]}``, e.g.
``{"mon-fri": ["09:00-19:00"], "sat": ["10:00-14:00"]}``; a country without its own entry
uses ``default``. Public holidays (the ``holidays`` package) close the whole day.
Everything compares local wall-clock times, so daylight-saving changes need no special case.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

if TYPE_CHECKING:
    from voicebot.config import Settings

log = logging.getLogger(__name__)

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_KEY = "default"
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# How far ahead to look for an open window; long enough for any holiday cluster.
_SEARCH_DAYS = 60


class CallingHoursError(ValueError):
    """A calling-hours entry that cannot be understood; the message names it."""


@dataclass(frozen=True)
class Span:
    """Open from ``start`` (inclusive) to ``end`` (exclusive), local wall-clock time."""

    start: time
    end: time


WeeklyHours = tuple[tuple[Span, ...], ...]  # index 0 = Monday


def _days(spec: str) -> list[int]:
    spec = spec.strip().lower()
    if "-" in spec:
        first, last = (part.strip() for part in spec.split("-", 1))
        if first not in DAY_NAMES or last not in DAY_NAMES:
            raise CallingHoursError(f"unknown day range {spec!r} (use e.g. mon-fri)")
        start, end = DAY_NAMES.index(first), DAY_NAMES.index(last)
        if end < start:
            raise CallingHoursError(f"day range {spec!r} runs backwards")
        return list(range(start, end + 1))
    if spec not in DAY_NAMES:
        raise CallingHoursError(f"unknown day {spec!r} (use mon, tue, ... sun)")
    return [DAY_NAMES.index(spec)]


def _span(text: str) -> Span:
    match = _SPAN.match(text)
    if not match:
        raise CallingHoursError(f"hours {text!r} must look like 09:00-19:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise CallingHoursError(f"hours {text!r} are not a time of day")
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= time(h1, m1):
        raise CallingHoursError(f"hours {text!r} end before they start")
    return Span(time(h1, m1), end)


def parse_weekly_hours(raw: dict[str, list[str] | str]) -> WeeklyHours:
    """``{"mon-fri": ["09:00-19:00"]}`` -> seven tuples of spans; raises CallingHoursError."""
    week: list[list[Span]] = [[] for _ in DAY_NAMES]
    for day_spec, spans in raw.items():
        texts = [spans] if isinstance(spans, str) else list(spans or [])
        for day in _days(day_spec):
            week[day].extend(_span(t) for t in texts)
    if not any(week):
        raise CallingHoursError("calling hours allow no time at all")
    return tuple(tuple(sorted(day, key=lambda s: s.start)) for day in week)


def validate_calling_hours(table: dict[str, dict[str, list[str] | str]]) -> None:
    """Used by the settings validator so a bad entry fails at start-up, not at 9:00."""
    if DEFAULT_KEY not in table:
        raise CallingHoursError(f"calling_hours needs a '{DEFAULT_KEY}' entry")
    for country, raw in table.items():
        try:
            parse_weekly_hours(raw)
        except CallingHoursError as exc:
            raise CallingHoursError(f"{country}: {exc}") from None


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
