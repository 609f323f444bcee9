"""Dialog-aware listening: what the bot just asked becomes what the recogniser expects.

After every bot turn the dialog says what it waits for (requested slot, language). That
gives an :class:`Expectation`: the kind of answer, a vocabulary to bias recognition with
(Vosk decodes with a grammar recogniser beside the free one, Whisper takes it as hotwords)
and an endpoint rule: how much trailing silence ends the answer, judged on the words heard
so far (short once the answer is complete, long while it plainly is not).

Every word list is data: the kinds per slot in data/slots.yml, per language in
data/<lang>.yml, plus the dialog's own spoken-form rules (yes/no, numbers, months, e-mail
symbols) and the onboarding actions' lexicon (industries, sales channels, payments,
shipping: voicebot/actions/data/lexicon.yml and the value names of its <lang>.yml), so both
sides agree on what a complete answer is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from voicebot.dialog.normalise.digits import parse_digit_string
from voicebot.dialog.normalise.email import parse_domain, parse_email
from voicebot.dialog.normalise.languages import Language, UnknownLanguageError, language
from voicebot.dialog.normalise.tax_id import check_tax_id
from voicebot.dialog.normalise.tokens import tokenize
from voicebot.dialog.normalise.yesno import parse_yes_no

DATA = Path(__file__).parent / "data"
# The fewest digits a business tax number of the country has: fewer are plainly unfinished
# (the Czech IČO/DIČ and the Slovenian davčna številka have 8, the US EIN 9).
TAX_ID_DIGITS = {"PL": 10, "RU": 10, "CZ": 8, "SI": 8, "US": 9, "GB": 9}
FEWEST_TAX_ID_DIGITS = 8


class AnswerKind(StrEnum):
    YES_NO = "yes_no"
    NUMBER = "number"
    TAX_ID = "tax_id"
    EMAIL = "email"
    DOMAIN = "domain"
    DATE = "date"
    CATEGORY = "category"
    FREE = "free"


@dataclass(frozen=True)
class EndpointTimes:
    """Trailing silence that ends an answer: complete, undecided, plainly unfinished."""

    short_ms: int = 350
    normal_ms: int = 700
    long_ms: int = 1200


@dataclass(frozen=True)
class ListeningWords:
    """One language's words for listening."""

    backchannels: frozenset[tuple[str, ...]]
    fillers: frozenset[tuple[str, ...]]
    joiners: frozenset[str]
    alphabet: frozenset[str]  # the letters the language's words are written with
    email_words: tuple[str, ...]
    letters: tuple[str, ...]


@cache
def slot_kinds() -> dict[str, AnswerKind]:
    raw = yaml.safe_load((DATA / "slots.yml").read_text(encoding="utf-8")) or {}
    return {str(slot): AnswerKind(kind) for slot, kind in raw.items()}


@cache
def listening_words(code: str) -> ListeningWords:
    path = DATA / f"{code}.yml"
    if not path.is_file():
        raise UnknownLanguageError(f"no listening words for language {code!r} ({path})")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

    def phrases(key: str) -> frozenset[tuple[str, ...]]:
        return frozenset(tuple(_tokens(str(p))) for p in raw.get(key) or [])

    return ListeningWords(
        backchannels=phrases("backchannels"),
        fillers=phrases("fillers"),
        joiners=frozenset(str(w).lower() for w in raw.get("joiners") or []),
        alphabet=frozenset(str(raw.get("alphabet") or "").lower()),
        email_words=tuple(str(w).lower() for w in raw.get("email_words") or []),
        letters=tuple(str(w).lower() for w in raw.get("letters") or []),
    )


def kind_of(slot: str | None) -> AnswerKind:
    if not slot:
        return AnswerKind.FREE
    known = slot_kinds().get(slot)
    if known is not None:
        return known
    return AnswerKind.YES_NO if slot.endswith("_confirmed") else AnswerKind.FREE


@dataclass(frozen=True)
class Expectation:
    """What the bot waits for after one of its turns."""

    kind: AnswerKind
    slot: str | None
    language: str
    vocabulary: tuple[str, ...] | None  # None: free speech, nothing to bias towards
    times: EndpointTimes
    country: str = "PL"  # whose tax number is complete

    @classmethod
    def after(
        cls, expecting: Mapping[str, Any] | None, language_code: str, times: EndpointTimes
    ) -> Expectation:
        """From the dialog turn's ``expecting`` (requested_slot, language)."""
        expecting = expecting or {}
        code = str(expecting.get("language") or language_code)
        slot = expecting.get("requested_slot")
        slot = slot if isinstance(slot, str) else None
        kind = kind_of(slot)
        country = str(expecting.get("country") or "PL").upper()
        return cls(kind, slot, code, vocabulary_for(kind, slot, code), times, country)

    def endpoint_silence_ms(self, heard: str) -> int:
        """The trailing silence that ends the answer, given the words heard so far."""
        return judge_endpoint(self, heard)


def vocabulary_for(kind: AnswerKind, slot: str | None, code: str) -> tuple[str, ...] | None:
    try:
        rules = language(code)
        words = listening_words(code)
    except UnknownLanguageError:
        return None  # a language without word lists is heard freely
    yes_no = {" ".join(p) for p in (*rules.yes, *rules.no)}
    found: set[str]
    if kind is AnswerKind.YES_NO:
        found = yes_no
    elif kind in (AnswerKind.NUMBER, AnswerKind.TAX_ID):
        found = _number_words(rules)
        if kind is AnswerKind.NUMBER:
            found |= set(rules.numbers.approximate) | set(rules.numbers.range_to)
    elif kind in (AnswerKind.EMAIL, AnswerKind.DOMAIN):
        found = set(words.letters) | set(words.email_words) | _number_words(rules)
        for key in ("at", "dot", "underscore", "dash"):
            found |= {w for w in rules.email_words(key) if w.isalpha()}
    elif kind is AnswerKind.DATE:
        found = _number_words(rules)
        for key in ("today", "tomorrow", "next", "this", "in"):
            found |= set(rules.date_words(key))
        for key in ("weekdays", "months", "day_ordinals"):
            found |= set(rules.date_map(key))
    elif kind is AnswerKind.CATEGORY:
        found = set(category_words(slot or "", code))
    else:
        return None
    return tuple(sorted(w for w in found if _speakable(w))) or None


@cache
def category_words(slot: str, code: str) -> tuple[str, ...]:
    """The words a value of a list or category slot is named with, from the bot's own
    lexicon: every keyword the onboarding actions pick the value out of (a stem stands for
    the words it begins: "pets", "sport"; a "=word" stem for that word), plus the names the
    bot says the values with in this language ("books, music and film"). The lexicon mixes
    languages: only keywords written in the language's alphabet are kept (a Polish word
    without diacritics stays in the English list; a recogniser not knowing it ignores it)."""
    from voicebot.actions.common import DATA as ACTIONS_DATA
    from voicebot.actions.common import labels, lexicon

    try:
        letters = listening_words(code).alphabet
    except UnknownLanguageError:
        return ()
    table = lexicon().get(slot)
    if not isinstance(table, dict):
        return ()
    found = {" ".join(_tokens(str(stem).lstrip("="))) for stems in table.values() for stem in stems}
    if (ACTIONS_DATA / f"{code}.yml").is_file():  # the actions' labels fall back to a default
        said = labels(code)
        joiners = {str(said.get("and") or ""), str(said.get("or") or "")} - {""}
        for name in ((said.get("values") or {}).get(slot) or {}).values():
            # "books, music and film" -> books, music, film
            for part in re.split(r",|;", str(name).lower()):
                words: list[str] = []
                for word in [*part.split(), None]:
                    if word is None or word in joiners:
                        found.add(" ".join(words))
                        words = []
                    else:
                        words.append(word)
    written = letters | {" ", "'"}
    kept = {p for p in found if _speakable(p) and (not letters or set(p) <= written)}
    return tuple(sorted(kept))


def _speakable(phrase: str) -> bool:
    """Words a recogniser can emit ("first", not "1st"; no symbols)."""
    parts = phrase.split()
    return bool(parts) and all(p.replace("'", "").isalpha() for p in parts)


def _number_words(rules: Language) -> set[str]:
    n = rules.numbers
    words = set(n.units) | set(n.teens) | set(n.tens) | set(n.hundreds)
    words |= set(n.hundred_words) | set(n.multipliers) | set(n.digit_only) | set(n.repeat)
    return {w for w in words if w.isalpha()}


def judge_endpoint(expectation: Expectation, heard: str) -> int:
    times = expectation.times
    tokens = _tokens(heard)
    if not tokens:
        return times.normal_ms
    code = expectation.language
    try:
        words = listening_words(code)
    except UnknownLanguageError:
        return times.normal_ms
    if _ends_with(tokens, words.fillers) or tokens[-1] in words.joiners | {"@"}:
        return times.long_ms  # "um", "john dot", "card and": more is coming
    kind = expectation.kind
    try:
        if kind is AnswerKind.YES_NO:
            return times.short_ms if parse_yes_no(heard, code) is not None else times.normal_ms
        if kind is AnswerKind.TAX_ID:
            digits = parse_digit_string(heard, code) or ""
            fewest = TAX_ID_DIGITS.get(expectation.country, FEWEST_TAX_ID_DIGITS)
            if len(digits) >= fewest and check_tax_id(digits, expectation.country).valid:
                return times.short_ms
            return times.long_ms if 0 < len(digits) < fewest else times.normal_ms
        if kind is AnswerKind.EMAIL:
            return times.short_ms if parse_email(heard, code) else times.normal_ms
        if kind is AnswerKind.DOMAIN:
            return times.short_ms if parse_domain(heard, code) else times.normal_ms
        if kind is AnswerKind.CATEGORY:
            named, ruled_out = _values_named(expectation.slot or "", heard, code)
            if named or (not ruled_out and _mentions(tokens, expectation.vocabulary or ())):
                return times.short_ms
            return times.normal_ms
    except UnknownLanguageError:
        return times.normal_ms
    return times.normal_ms


def _values_named(slot: str, heard: str, code: str) -> tuple[bool, bool]:
    """Whether the words name a value of the slot as the onboarding actions read them (the
    lexicon's stems match the words they begin), and whether they rule one out ("not the
    post": the answer is not complete yet)."""
    from voicebot.actions.common import lexicon
    from voicebot.actions.understanding import lexicon_hits

    if not isinstance(lexicon().get(slot), dict):
        return False, False
    hits = lexicon_hits(heard, slot, code)
    return any(not h.negated for h in hits), any(h.negated for h in hits)


def _tokens(text: str) -> list[str]:
    """Words as the dialog tokenises them, without the recogniser's unknown-word marks and
    the full stop Whisper puts after every answer."""
    tokens = tokenize(text.replace("[unk]", " "))
    while tokens and tokens[-1] in (".", "-", "_"):
        tokens.pop()
    return tokens


def _ends_with(tokens: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    return any(len(p) <= len(tokens) and tuple(tokens[-len(p) :]) == p for p in phrases)


def _mentions(tokens: list[str], vocabulary: tuple[str, ...]) -> bool:
    text = f" {' '.join(tokens)} "
    return any(f" {phrase} " in text for phrase in vocabulary)
