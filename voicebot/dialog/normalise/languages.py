"""Per-language spoken-form rules, loaded from data/<lang>.yml.

The rules are data so that a new language (cs, ru, ...) is a new YAML file, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"


class UnknownLanguageError(ValueError):
    """No spoken-form rules exist for the requested language."""


def _word_map(groups: dict[Any, list[str]] | None) -> dict[str, float]:
    """{value: [word, ...]} -> {word: value}; values may be ints or floats."""
    out: dict[str, float] = {}
    for value, words in (groups or {}).items():
        for word in words or []:
            out[_check_word(word)] = float(value)
    return out


def _check_word(item: Any) -> str:
    # YAML 1.1 reads bare yes/no/on/off as booleans: insist on quotes in the data files
    if isinstance(item, bool):
        raise ValueError(f"a word list holds the boolean {item!r}: quote yes/no/on/off")
    return str(item).lower()


def _words(items: list[Any] | None) -> frozenset[str]:
    return frozenset(_check_word(item) for item in items or [])


@dataclass(frozen=True)
class NumberWords:
    units: dict[str, float]
    teens: dict[str, float]
    tens: dict[str, float]
    hundreds: dict[str, float]
    hundred_words: frozenset[str]
    multipliers: dict[str, float]
    fractions: dict[str, float]
    article_one: frozenset[str]
    joiners: frozenset[str]
    fraction_joiners: frozenset[str]  # "two AND a half", "dwa I pół"
    decimal_point: frozenset[str]
    approximate: frozenset[str]
    range_from: frozenset[str]
    range_to: frozenset[str]
    digit_fillers: frozenset[str]
    repeat: dict[str, float]
    digit_only: dict[str, float]
    # a digit named in the plural after a count: "dwa zera", "two zeros" -> "00"
    digit_plurals: dict[str, float]
    decimal_comma: bool


@dataclass(frozen=True)
class Language:
    code: str
    numbers: NumberWords
    email: dict[str, Any]
    dates: dict[str, Any]
    yes: tuple[tuple[str, ...], ...]
    no: tuple[tuple[str, ...], ...]
    negators: frozenset[str]
    raw: dict[str, Any] = field(repr=False)

    def email_words(self, key: str) -> frozenset[str]:
        return _words(self.email.get(key))

    def date_words(self, key: str) -> frozenset[str]:
        return _words(self.dates.get(key))

    def date_map(self, key: str) -> dict[str, float]:
        return _word_map(self.dates.get(key))


def available_languages() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.yml"))


@cache
def language(code: str) -> Language:
    """The rules of one language; raises UnknownLanguageError for a language with no file."""
    path = DATA_DIR / f"{code}.yml"
    if not path.is_file():
        raise UnknownLanguageError(
            f"no spoken-form rules for language {code!r} (have: {', '.join(available_languages())})"
        )
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    num = raw["numbers"]
    numbers = NumberWords(
        units=_word_map(num.get("units")),
        teens=_word_map(num.get("teens")),
        tens=_word_map(num.get("tens")),
        hundreds=_word_map(num.get("hundreds")),
        hundred_words=_words(num.get("hundred_words")),
        multipliers=_word_map(num.get("multipliers")),
        fractions=_word_map(num.get("fractions")),
        article_one=_words(num.get("article_one")),
        joiners=_words(num.get("joiners")),
        fraction_joiners=_words(num.get("fraction_joiners")),
        decimal_point=_words(num.get("decimal_point")),
        approximate=_words(num.get("approximate")),
        range_from=_words(num.get("range_from")),
        range_to=_words(num.get("range_to")),
        digit_fillers=_words(num.get("digit_fillers")),
        repeat=_word_map(num.get("repeat")),
        digit_only=_word_map(num.get("digit_only")),
        digit_plurals=_word_map(num.get("digit_plurals")),
        decimal_comma=bool(num.get("decimal_comma", False)),
    )
    yes_no = raw.get("yes_no", {})
    return Language(
        code=code,
        numbers=numbers,
        email=raw.get("email", {}),
        dates=raw.get("dates", {}),
        yes=tuple(tuple(_check_word(p).split()) for p in yes_no.get("affirmative", [])),
        no=tuple(tuple(_check_word(p).split()) for p in yes_no.get("negative", [])),
        negators=_words(yes_no.get("negators")),
        raw=raw,
    )
