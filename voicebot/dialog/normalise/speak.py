"""The way back: values turned into words meant to be heard (no digits or symbols),
for reading back what the merchant said."""

from __future__ import annotations

from datetime import datetime

from num2words import num2words

from .languages import language


def say_number(value: float, lang: str) -> str:
    """25000 -> "dwadzieścia pięć tysięcy" / "twenty five thousand"."""
    number = int(value) if float(value).is_integer() else value
    return num2words(number, lang=lang).replace("-", " ").replace(",", "")


def say_digits(digits: str, lang: str, group: int | None = None) -> str:
    """Digits one by one, in groups separated by a comma pause: "pięć dwa sześć, zero ...";
    a leading country code is a group of its own ("CZ, dva pět jedna, ..."). Groups are of
    the language's `tax_id.speak_group` digits unless `group` is given."""
    raw = language(lang).raw
    units = raw["numbers"]["units"]
    size = group or int((raw.get("tax_id") or {}).get("speak_group") or 3)
    names = [str(units[d][0]) for d in range(10)]
    chars = [ch for ch in digits if ch.isalnum()]
    lead = 0
    while lead < len(chars) and chars[lead].isalpha():
        lead += 1
    spoken = [names[int(ch)] if ch.isdigit() else ch for ch in chars[lead:]]
    sizes = [min(size, len(spoken) - i) for i in range(0, len(spoken), size)]
    if len(sizes) > 1 and sizes[-1] == 1 and sizes[-2] > 2:
        # no digit alone at the end: ten digits by three are 3-3-2-2, as a NIP is written
        sizes[-2:] = [sizes[-2] - 1, 2]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    groups = [" ".join(spoken[start : start + n]) for start, n in zip(starts, sizes, strict=True)]
    if 0 < lead < len(chars):
        groups.insert(0, "".join(chars[:lead]).upper())
    elif lead:
        groups = [" ".join(chars)]
    return ", ".join(groups)


def say_date(moment: datetime, lang: str, now: datetime) -> str:
    """ "jutro, we wtorek dwudziestego czwartego listopada" / "tomorrow, on Tuesday the ..." """
    speak = language(lang).dates["speak"]
    local_now = now.astimezone(moment.tzinfo) if moment.tzinfo else now
    days_ahead = (moment.date() - local_now.date()).days
    relative = {0: speak["today"], 1: speak["tomorrow"], 2: speak["day_after_tomorrow"]}
    fields = {
        "weekday": speak["weekdays"][moment.weekday()],
        "day": speak["day_ordinals"][moment.day - 1],
        "month": speak["months"][moment.month - 1],
        "year": say_number(moment.year, lang),
    }
    if moment.year != local_now.year and days_ahead > 60:
        text = speak["date_with_year"].format(**fields)
    else:
        text = speak["date"].format(**fields)
    if days_ahead in relative:
        text = f"{relative[days_ahead]}{speak['joiner']}{text}"
    return text


def say_time(moment: datetime, lang: str) -> str:
    """ "o dziesiątej trzydzieści" / "at ten thirty in the morning" """
    speak = language(lang).dates["speak"]
    hour = speak["hours"][moment.hour]
    if moment.hour < 12:
        suffix = speak.get("hour_suffix_am", "")
    elif moment.hour < 18:
        suffix = speak.get("hour_suffix_pm", "")
    else:
        suffix = speak.get("hour_suffix_evening", "")
    if moment.hour in (0, 12):
        suffix = ""
    if moment.minute:
        minutes = say_number(moment.minute, lang)
        if moment.minute < 10:
            minutes = f"{speak.get('minute_zero', say_number(0, lang))} {minutes}"
        text = speak["time_with_minutes"].format(hour=hour, minutes=minutes, suffix=suffix)
    else:
        text = speak["time"].format(hour=hour, suffix=suffix)
    return " ".join(text.split())


def say_datetime(moment: datetime, lang: str, now: datetime, with_time: bool = True) -> str:
    text = say_date(moment, lang, now)
    if with_time:
        joiner = language(lang).dates["speak"]["joiner"]
        text = f"{text}{joiner}{say_time(moment, lang)}"
    return text
