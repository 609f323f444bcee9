"""Whole numbers from untrusted text (query strings, form fields, path segments, stream
parameters), parsed in one place with bounds.

`str.isdigit()` accepts "²" and other Unicode digits that `int()` then refuses, and `int()`
accepts 5,000-digit strings that no database column can hold; both used to end as 500s.
Here only ASCII digits count, the length is capped before converting, and the value must
lie within the bounds the caller gives."""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

# Primary keys are PostgreSQL INTEGER (32-bit signed) columns; SQLite holds more, but an id
# above this can never exist on every supported database.
MAX_ID = 2**31 - 1
# Enough digits for any 64-bit value; longer text is refused before int() sees it.
MAX_DIGITS = 20
_DIGITS = re.compile(r"[0-9]+")


class IntegerError(ValueError):
    """The text is not a whole number within the bounds; the message names the field."""


def parse_int(
    raw: str | int | None,
    *,
    name: str,
    minimum: int = 0,
    maximum: int = MAX_ID,
    max_digits: int = MAX_DIGITS,
) -> int:
    """ASCII digits only (no sign, no spaces), at most `max_digits` of them, within
    [minimum, maximum]; otherwise IntegerError naming `name`."""
    if isinstance(raw, bool):
        raise IntegerError(f"{name} must be a whole number from {minimum} to {maximum}")
    if isinstance(raw, int):
        value = raw
    else:
        text = raw if isinstance(raw, str) else ""
        if len(text) > max_digits or not _DIGITS.fullmatch(text):
            raise IntegerError(f"{name} must be a whole number from {minimum} to {maximum}")
        value = int(text)
    if not minimum <= value <= maximum:
        raise IntegerError(f"{name} must be a whole number from {minimum} to {maximum}")
    return value


def parse_optional_int(raw: str | int | None, **bounds: int) -> int | None:
    """The number, or None for anything that is not one within the bounds. For values a
    third party sends (Twilio's CallDuration, SequenceNumber) that we log and ignore."""
    if raw is None or raw == "":
        return None
    try:
        return parse_int(raw, name="value", **bounds)
    except IntegerError:
        return None


def parse_id(raw: str | int | None) -> int | None:
    """A database id (1 to MAX_ID), or None when the text cannot be one."""
    return parse_optional_int(raw, minimum=1, maximum=MAX_ID, max_digits=len(str(MAX_ID)))


class IdConverter(IntegerConverter):
    """URL segment `<id:name>`: ASCII digits of a database id; anything else is a 404
    before the view runs (werkzeug's int converter takes 30 digits and lets them through)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(map, min=1, max=MAX_ID)


def register_id_converter(app) -> None:  # type: ignore[no-untyped-def]
    app.url_map.converters.setdefault("id", IdConverter)
