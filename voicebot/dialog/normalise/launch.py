"""A launch date as merchants say it, to the day: "March." is the next 1 March, "in the
middle of January" the 15th, "the end of the month" its last day, "as soon as possible" an
answer of its own. What cannot honestly become a day ("before Christmas", "the second week
of January", "when the website is ready") gives None: the caller keeps the words for staff.
Phrases are per-language data (normalise/data/<lang>.yml, `launch` and `dates`)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .corrections import corrected
from .dates import _Scanner, parse_datetime
from .languages import language
from .tokens import tokenize

ASAP = "asap"


@dataclass(frozen=True)
class LaunchDate:
    value: str  # ISO date, or "asap"
    day: date | None  # None for "asap"


def _phrases(items: list) -> list[tuple[str, ...]]:  # type: ignore[type-arg]
    out = []
    for item in items or []:
        words = item if isinstance(item, list) else str(item).split()
        out.append(tuple(tokenize(" ".join(str(w) for w in words))))
    return out


def _find(tokens: list[str], phrase: tuple[str, ...]) -> int:
    n = len(phrase)
    for i in range(len(tokens) - n + 1):
        if tuple(tokens[i : i + n]) == phrase:
            return i
    return -1


def _has_any(tokens: list[str], phrases: list[tuple[str, ...]]) -> bool:
    return any(_find(tokens, p) >= 0 for p in phrases if p)


def _next_occurrence(month: int, day_number: int | None, today: date) -> date:
    """That day of the month this year, or next year once it has passed (a whole month that
    is under way is this month: "in November" said on 23 November is today)."""
    year = today.year
    if month < today.month:
        year += 1
    last = calendar.monthrange(year, month)[1]
    if day_number is None:
        return today if (year, month) == (today.year, today.month) else date(year, month, 1)
    candidate = date(year, month, min(day_number, last))
    if candidate < today:
        year += 1
        candidate = date(year, month, min(day_number, calendar.monthrange(year, month)[1]))
    return candidate


def _position_day(tokens: list[str], before: int, launch: dict, year: int, month: int):  # type: ignore[no-untyped-def,type-arg]
    """Where in the month the words just before the month put the day: 1, 15 or the last."""
    window = tokens[max(0, before - 4) : before]
    if any(t in launch.get("month_middle", []) for t in window):
        return 15
    if any(t in launch.get("month_end", []) for t in window):
        return calendar.monthrange(year, month)[1]
    if any(t in launch.get("month_start", []) for t in window):
        return 1
    return None


def parse_launch_date(text: str, lang: str, now: datetime, tz: str) -> LaunchDate | None:
    """The launch day said, "asap", or None when the words do not name one day."""
    rules = language(lang)
    launch = rules.raw.get("launch") or {}
    zone = ZoneInfo(tz)
    today = (now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)).date()
    months = rules.date_map("months")
    whole, text = text, corrected(text, lang)
    tokens = [t for t in tokenize(text) if t not in (".", "-", "–")]
    if _has_any(tokens, _phrases(launch.get("asap"))):
        return LaunchDate(ASAP, None)
    if text != whole and not any(t in months for t in tokens):
        # "szóstego stycznia... a nie, siódmego": a day alone as the correction keeps the
        # month said before it ("..., to niech będzie siódmego": the day ends the answer)
        ends = [
            _Scanner(tokens, rules, today).ordinal_at(i, "day_ordinals") for i in range(len(tokens))
        ]
        before = [t for t in tokenize(whole[: len(whole) - len(text)]) if t in months]
        if any(day is not None and day[1] == len(tokens) for day in ends) and before:
            tokens = [*tokens, before[-1]]
            text = f"{text} {before[-1]}"
    scanner = _Scanner(tokens, rules, today)
    week_words = set(rules.dates.get("units", {}).get("week", []))
    month_index = next((i for i, t in enumerate(tokens) if t in months), None)
    if month_index is not None:
        month = int(months[tokens[month_index]])
        explicit = scanner.ordinal_at(month_index + 1, "day_ordinals")
        for back in (1, 2, 3):
            found = scanner.ordinal_at(month_index - back, "day_ordinals")
            if found is not None and found[1] >= month_index - 1:
                explicit = found
        if explicit is not None and 1 <= explicit[0] <= 31:
            return _iso(_next_occurrence(month, explicit[0], today))
        if any(t in week_words for t in tokens):
            return None  # "the second week of January": not one day
        year = _next_occurrence(month, None, today).year
        position = _position_day(tokens, month_index, launch, year, month)
        return _iso(_next_occurrence(month, position, today) if position else date(year, month, 1))
    this_month = _phrases(launch.get("this_month"))
    for phrase in this_month:
        at = _find(tokens, phrase)
        if at >= 0:
            position = _position_day(tokens, at, launch, today.year, today.month)
            if position:
                return _iso(max(today, date(today.year, today.month, position)))
    from_words = set(launch.get("from_words") or [])
    for phrase in _phrases(launch.get("new_year")):
        at = _find(tokens, phrase)
        # "from the new year", "od nowego roku"; "after New Year" is no day
        if at > 0 and (
            tokens[at - 1] in from_words
            or (tokens[at - 1] == "the" and at > 1 and tokens[at - 2] in from_words)
        ):
            return _iso(date(today.year + 1, 1, 1))
    if any(t in set(launch.get("vague") or []) for t in tokens) and not _relative(tokens, rules):
        return None
    said = parse_datetime(text, lang, now, tz)
    return _iso(said.value.date()) if said is not None else None


def _relative(tokens: list[str], rules) -> bool:  # type: ignore[no-untyped-def]
    """ "in two weeks", "next week": a week word that names a day, not a vague one."""
    lead = set(rules.date_words("in")) | set(rules.date_words("next"))
    return any(t in lead for t in tokens)


def _iso(day: date) -> LaunchDate:
    return LaunchDate(day.isoformat(), day)
