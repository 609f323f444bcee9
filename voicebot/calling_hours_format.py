"""The calling-hours setting's format: ``{day-or-range: ["HH:MM-HH:MM", ...]}`` per country,
parsed into seven days of spans. Imports nothing of voicebot, so the settings can validate
it without importing the scheduling rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_KEY = "default"
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


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
