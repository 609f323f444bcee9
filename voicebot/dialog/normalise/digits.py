"""Digit strings read one by one or in groups: tax ids, phone numbers, postcodes.

"pięćset dwadzieścia sześć, zero zero, trzydzieści dwa" -> "5260032";
"double five oh seven" -> "5507".
"""

from __future__ import annotations

import re

from .corrections import correction_segments
from .languages import language
from .numbers import find_numbers
from .tokens import tokenize


def parse_digit_string(
    text: str, lang: str, min_digits: int = 1, corrections: bool = True
) -> str | None:
    """All digits said, in order, as one string; None when fewer than `min_digits`.

    Words that are not numbers are skipped only if they are known fillers ("i", "dash");
    letters before the first digit (e.g. a country prefix "PL") are returned by
    `split_prefix`, not here. A group said again after a self-correction ("zero
    sześćdziesiąt siedem... nie, zero sześćdziesiąt sześć") takes the place of the group
    before it when it is as long (unless `corrections` is False).
    """
    digits = (_spliced(text, lang) if corrections else None) or _digits(text, lang)
    return digits if len(digits) >= min_digits else None


# where a group of a read-out number ends: a comma, a full stop, a pause, a dash between spaces
_GROUP_END = re.compile(r"[,;:!?…]|\.(?=\s|$)|\s[-–]\s")


def _groups(text: str, lang: str) -> list[str]:
    """The digits of each group said (the parts between pauses), empty ones left out."""
    return [g for part in _GROUP_END.split(text) if (g := _digits(part, lang))]


def _spliced(text: str, lang: str) -> str | None:
    """The digits with each self-corrected group replaced: the first group after a
    correction marker replaces the last group before it when both have as many digits, or
    when the one before was cut short ("zero siedem... czekaj, zero siedem siedem siedem").
    None when no correction marker is followed by such a group."""
    segments = correction_segments(text, lang)
    if len(segments) < 2:
        return None
    groups = _groups(segments[0], lang)
    spliced = False
    for segment in segments[1:]:
        after = _groups(segment, lang)
        if (
            groups
            and after
            and (len(groups[-1]) == len(after[0]) or after[0].startswith(groups[-1]))
        ):
            groups.pop()
            spliced = True
        groups += after
    return "".join(groups) if spliced else None


def _digits(text: str, lang: str) -> str:
    words = language(lang).numbers
    tokens = tokenize(text)
    # "oh" counts as zero only inside digit strings
    tokens = ["0" if tok in words.digit_only else tok for tok in tokens]
    out: list[str] = []
    repeat = 1
    spans = {span.start: span for span in find_numbers(tokens, lang)}
    i = 0
    while i < len(tokens):
        span = spans.get(i)
        if span is not None:
            plural = _plural_digit(tokens, span, lang)
            if plural is not None:
                out.append(plural)
                repeat = 1
                counted = plural[-_count(tokens, span, lang) :]
                i = _said_out(tokens, span.end + 1, counted, spans)
                continue
            out.append(span.digits * repeat)
            repeat = 1
            i = span.end
            continue
        tok = tokens[i]
        if tok in words.repeat:
            repeat = int(words.repeat[tok])
        i += 1
    digits = "".join(out)
    return "".join(ch for ch in digits if ch.isdigit())


def _said_out(tokens: list[str], start: int, counted: str, spans) -> int:  # type: ignore[no-untyped-def]
    """Where the digits go on after a plural digit ending at `start`: "trzy ósemki, o tak:
    osiem, osiem, osiem", "three eights, that is eight eight eight": the same digits said out
    after the count (a few words between) mean them once, so they are skipped."""
    i = start
    while i < len(tokens) and i not in spans and i - start < _SAID_OUT_GAP:
        i += 1
    said = ""
    while i in spans and len(said) < len(counted):
        said += spans[i].digits
        i = spans[i].end
    return i if said == counted else start


# words allowed between a plural digit and the same digits said out
_SAID_OUT_GAP = 3


def _count(tokens: list[str], span, lang: str) -> int:  # type: ignore[no-untyped-def]
    """The count before a plural digit: "trzy" in "trzy ósemki"."""
    return int(language(lang).numbers.units[tokens[span.end - 1]])


def _plural_digit(tokens: list[str], span, lang: str) -> str | None:  # type: ignore[no-untyped-def]
    """ "dwa zera", "two zeros", "dvě nuly": a count (two to nine) and a digit named in the
    plural (`numbers.digit_plurals`) are that digit so many times; words of the number
    before the count keep their digits ("sto dwa zera" -> "10000"). None when the span is
    not followed by such a digit."""
    words = language(lang).numbers
    after = tokens[span.end] if span.end < len(tokens) else ""
    count = tokens[span.end - 1]
    if after not in words.digit_plurals or not 2 <= words.units.get(count, 0) <= 9:
        return None
    head = "".join(s.digits for s in find_numbers(tokens[span.start : span.end - 1], lang))
    return head + str(int(words.digit_plurals[after])) * int(words.units[count])


def spoken_prefix(text: str, lang: str) -> str:
    """A country code said by its letters' names before a tax number ("cé zet dva pět ...")
    written as the code ("CZ dva pět ..."); introduction words (the language's e-mail
    fillers: "je to", "to jest") before it dropped."""
    rules = language(lang)
    names = {str(k).lower(): str(v) for k, v in (rules.email.get("letter_names") or {}).items()}
    fillers = rules.email_words("fillers")
    words = text.split()
    bare = [w.lower().strip(",.;:") for w in words]
    i = 0
    while i < len(words) - 1 and bare[i] in fillers:
        i += 1
    if len(words) - i >= 3 and bare[i] in names and bare[i + 1] in names:
        code = (names[bare[i]] + names[bare[i + 1]]).upper()
        return " ".join([code, *words[i + 2 :]])
    return " ".join(words[i:])


def split_prefix(text: str) -> tuple[str, str]:
    """A leading two-letter country code said or written before a tax number ("PL 526...",
    "gb 123..."), and the rest of the text."""
    tokens = text.strip().split()
    if tokens and len(tokens[0]) == 2 and tokens[0].isalpha():
        return tokens[0].upper(), " ".join(tokens[1:])
    head = text.strip()[:2]
    if head.isalpha() and text.strip()[2:3].isdigit():
        return head.upper(), text.strip()[2:]
    return "", text
