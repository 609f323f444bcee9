"""Dates and times as spoken, resolved in the merchant's time zone relative to `now`:
"jutro o dziesiątej", "w przyszły poniedziałek", "next Monday at 10", "in two weeks",
"od pierwszego grudnia", "wpół do jedenastej", "half past ten"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from .languages import Language, language
from .numbers import find_numbers
from .tokens import tokenize

# Hours said without am/pm and below this are afternoon hours ("o trzeciej" = 15:00):
# nobody books a business call at three in the night.
EARLIEST_BUSINESS_HOUR = 8
PART_OF_DAY_HOURS = {"morning": 9, "afternoon": 15, "evening": 18}


@dataclass(frozen=True)
class SpokenDateTime:
    value: datetime  # aware, in the merchant's time zone
    has_date: bool
    has_time: bool

    @property
    def day(self) -> date:
        return self.value.date()


def _clean(tokens: list[str]) -> list[str]:
    """Join "a m" / "p . m ." into am / pm."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        rest = [t for t in tokens[i + 1 : i + 4] if t != "."]
        if tok in ("a", "p") and rest[:1] == ["m"]:
            out.append(tok + "m")
            i += 1
            while i < len(tokens) and tokens[i] in (".", "m"):
                i += 1
            continue
        if tok != ".":
            out.append(tok)
        i += 1
    return out


class _Scanner:
    def __init__(self, tokens: list[str], rules: Language, today: date) -> None:
        self.tokens = tokens
        self.rules = rules
        self.today = today
        self.day: date | None = None
        self.hour: int | None = None
        self.minute = 0
        self.part: str | None = None
        self.explicit_meridiem: str | None = None
        self.relative_delta: timedelta | None = None  # "in an hour": an exact moment
        # "za tydzień", "next week": a weekday said with it is that week's ("za tydzień w
        # środę" is the Wednesday of next week, not the coming one)
        self.week_of: date | None = None

    def words(self, key: str) -> frozenset[str]:
        return self.rules.date_words(key)

    def tok(self, i: int) -> str:
        return self.tokens[i] if 0 <= i < len(self.tokens) else ""

    # -- ordinals: "dwudziestego pierwszego", "twenty first", "21st", "21"
    def ordinal_at(self, i: int, key: str) -> tuple[int, int] | None:
        table = self.rules.date_map(key)
        tok = self.tok(i)
        if tok[:1].isdigit():
            digits = "".join(ch for ch in tok if ch.isdigit())
            if digits and ":" not in tok and len(digits) <= 2:
                suffix = tok[len(digits) :]
                if suffix in ("", "st", "nd", "rd", "th", "go", "ego"):
                    return int(digits), i + 1
            return None
        tens_cardinal = self.rules.dates.get("ordinal_tens_cardinal", False)
        tens = self.rules.numbers.tens
        if tok in table:
            value = int(table[tok])
            if value in (20, 30) and self.tok(i + 1) in table and table[self.tok(i + 1)] < 10:
                return value + int(table[self.tok(i + 1)]), i + 2
            return value, i + 1
        if tens_cardinal and tok in tens and self.tok(i + 1) in table:
            unit = int(table[self.tok(i + 1)])
            if unit < 10:
                return int(tens[tok]) + unit, i + 2
        return None

    def month_at(self, i: int) -> int | None:
        months = self.rules.date_map("months")
        return int(months[self.tok(i)]) if self.tok(i) in months else None

    def scan(self) -> None:
        i = 0
        while i < len(self.tokens):
            i = self.step(i)

    def step(self, i: int) -> int:
        tok = self.tok(i)
        w = self.words
        if tok in w("today"):
            self.day = self.today
            if tok == "tonight":
                self.part = "evening"
            return i + 1
        if tok in w("tomorrow"):
            self.day = self.today + timedelta(days=1)
            return i + 1
        if tok in w("day_after_tomorrow"):
            self.day = self.today + timedelta(days=2)
            return i + 1
        if tok == "day" and self.tok(i + 1) == "after" and self.tok(i + 2) in w("tomorrow"):
            self.day = self.today + timedelta(days=2)
            return i + 3
        if tok in w("in"):
            consumed = self.relative_at(i + 1)
            if consumed:
                return consumed
        weekdays = self.rules.date_map("weekdays")
        if tok in w("next") or tok in w("this"):
            nxt = self.tok(i + 1)
            if nxt in weekdays:
                self.day = self.next_weekday(int(weekdays[nxt]))
                return i + 2
            if nxt in w("next_week") and tok in w("next"):
                self.day = self.week_of = self.today + timedelta(days=7 - self.today.weekday())
                return i + 2
            if nxt in w("next_month") and tok in w("next"):
                self.day = (self.today + relativedelta(months=1)).replace(day=1)
                return i + 2
        if tok in weekdays:
            if self.week_of is not None:
                monday = self.week_of - timedelta(days=self.week_of.weekday())
                self.day = max(monday + timedelta(days=int(weekdays[tok])), self.today)
            else:
                self.day = self.next_weekday(int(weekdays[tok]))
            return i + 1
        # day and month: "pierwszego grudnia", "first of december", "15 grudnia"
        ordinal = self.ordinal_at(i, "day_ordinals")
        if ordinal is not None:
            day_number, j = ordinal
            if self.tok(j) == "of":
                j += 1
            month = self.month_at(j)
            if month is not None and 1 <= day_number <= 31:
                self.set_day(month, day_number, j + 1)
                return j + 1 + (1 if self.year_at(j + 1) else 0)
        month = self.month_at(i)
        if month is not None:
            after = self.ordinal_at(i + 1, "day_ordinals")
            if after is not None and 1 <= after[0] <= 31:
                self.set_day(month, after[0], after[1])
                return after[1]
            if self.tok(i - 1) in w("month_prepositions"):
                day_number = 1
                if self.tok(i - 1) in w("end_of"):
                    day_number = 25
                self.set_day(month, day_number, i + 1)
                return i + 1
        # times
        if tok in w("noon") and self.tok(i - 1) not in ("po", "przed"):
            self.hour, self.minute = 12, 0
            return i + 1
        for part in ("morning", "afternoon", "evening"):
            if tok in w(part):
                if tok in ("am", "pm"):
                    self.explicit_meridiem = tok
                else:
                    self.part = part
                return i + 1
        if tok in w("half_before"):  # "wpół do jedenastej"
            j = i + 1 if self.tok(i + 1) != "do" else i + 2
            hour = self.ordinal_at(j, "hour_ordinals")
            if hour is not None:
                self.hour, self.minute = (hour[0] - 1) % 24, 30
                return hour[1]
        if tok == "half" and self.tok(i + 1) == "past":
            spans = find_numbers(self.tokens[i + 2 : i + 4], self.rules.code)
            if spans and spans[0].start == 0:
                self.hour, self.minute = int(spans[0].value), 30
                return i + 2 + spans[0].end
        hour = self.ordinal_at(i, "hour_ordinals") if not tok[:1].isdigit() else None
        if hour is not None and hour[0] <= 24:
            self.hour = hour[0]
            self.minute = self.minutes_at(hour[1])[0]
            return self.minutes_at(hour[1])[1]
        if tok in w("time_markers"):
            return self.clock_at(i + 1) or i + 1
        if ":" in tok and tok.replace(":", "").isdigit():
            return self.clock_at(i) or i + 1
        if tok[:1].isdigit() and self.tok(i + 1) in ("am", "pm", "o'clock"):
            return self.clock_at(i) or i + 1
        return i + 1

    def year_at(self, i: int) -> int | None:
        tok = self.tok(i)
        return int(tok) if tok.isdigit() and len(tok) == 4 else None

    def set_day(self, month: int, day_number: int, year_index: int) -> None:
        year = self.year_at(year_index) or self.today.year
        try:
            candidate = date(year, month, day_number)
        except ValueError:
            return
        if candidate < self.today and self.year_at(year_index) is None:
            candidate = candidate.replace(year=year + 1)
        self.day = candidate

    def next_weekday(self, weekday: int) -> date:
        ahead = (weekday - self.today.weekday()) % 7 or 7
        return self.today + timedelta(days=ahead)

    def relative_at(self, i: int) -> int | None:
        """ "za dwa tygodnie", "in a week", "za pół godziny": returns the index after it."""
        unit_keys = self.rules.dates.get("units", {})
        # "in about two weeks", "za jakieś dwa tygodnie": the hedge does not move the day
        while self.tok(i) in self.rules.numbers.approximate and self.tok(i + 1):
            i += 1
        count = 1.0
        j = i
        spans = find_numbers(self.tokens[i : i + 4], self.rules.code)
        if spans and spans[0].start == 0:
            count = spans[0].value
            j = i + spans[0].end
        elif self.tok(i) in self.rules.numbers.article_one:
            j = i + 1
        unit = next((key for key, words in unit_keys.items() if self.tok(j) in words), None)
        if unit is None:
            return None
        if unit == "day":
            self.day = self.today + timedelta(days=round(count))
        elif unit == "week":
            self.day = self.week_of = self.today + timedelta(weeks=round(count))
        elif unit == "fortnight":
            self.day = self.today + timedelta(weeks=2 * round(count))
        elif unit == "month":
            self.day = self.today + relativedelta(months=round(count))
        elif unit == "hour":
            self.relative_delta = timedelta(hours=count)
        else:
            self.relative_delta = timedelta(minutes=count)
        return j + 1

    def minutes_at(self, i: int) -> tuple[int, int]:
        """Minutes said after an hour ("dziesiąta trzydzieści", "ten fifteen")."""
        spans = find_numbers(self.tokens[i : i + 3], self.rules.code)
        if spans and spans[0].start == 0 and 0 <= spans[0].value < 60:
            # "zero pięć" = :05
            if spans[0].value == 0 and len(spans) > 1 and spans[1].start == spans[0].end:
                return int(spans[1].value), i + spans[1].end
            return int(spans[0].value), i + spans[0].end
        return 0, i

    def clock_at(self, i: int) -> int | None:
        tok = self.tok(i)
        if tok in self.words("half_before"):
            return None  # "v půl jedenácté": the half is read where it stands
        if ":" in tok:
            hh, _, mm = tok.partition(":")
            if hh.isdigit() and mm.isdigit():
                self.hour, self.minute = int(hh), int(mm)
                return i + 1
        ordinal = self.ordinal_at(i, "hour_ordinals") if not tok[:1].isdigit() else None
        if ordinal is not None:
            self.hour = ordinal[0]
            self.minute, end = self.minutes_at(ordinal[1])
            return end
        spans = find_numbers(self.tokens[i : i + 2], self.rules.code)
        if spans and spans[0].start == 0 and 0 <= spans[0].value <= 24:
            self.hour = int(spans[0].value)
            self.minute, end = self.minutes_at(i + spans[0].end)
            return end
        return None

    def resolve_hour(self) -> int | None:
        if self.hour is None:
            return PART_OF_DAY_HOURS.get(self.part) if self.part else None
        hour = self.hour % 24
        if self.explicit_meridiem == "pm" and hour < 12:
            return hour + 12
        if self.explicit_meridiem == "am":
            return 0 if hour == 12 else hour
        if self.part in ("afternoon", "evening") and hour < 12:
            return hour + 12
        if self.part is None and 0 < hour < EARLIEST_BUSINESS_HOUR:
            return hour + 12
        return hour


def parse_datetime(
    text: str, lang: str, now: datetime, tz: str = "Europe/Warsaw"
) -> SpokenDateTime | None:
    """The date and/or time said, resolved against `now` in zone `tz`; None if none was said.

    A time with no date is today, or tomorrow if that time has already passed; a date with
    no time has `has_time=False` and midnight as its clock time."""
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)
    scanner = _Scanner(_clean(tokenize(text)), language(lang), local_now.date())
    scanner.scan()
    if scanner.relative_delta is not None:
        moment = (local_now + scanner.relative_delta).replace(second=0, microsecond=0)
        return SpokenDateTime(moment, True, True)
    hour = scanner.resolve_hour()
    if scanner.day is None and hour is None:
        return None
    if hour is None:
        return SpokenDateTime(datetime.combine(scanner.day, time(0, 0), tzinfo=zone), True, False)
    minute = scanner.minute if scanner.hour is not None else 0
    day = scanner.day or local_now.date()
    moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
    if scanner.day is None and moment <= local_now:
        moment += timedelta(days=1)
    return SpokenDateTime(moment, scanner.day is not None, True)
