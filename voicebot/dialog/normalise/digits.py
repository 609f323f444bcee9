"""Digit strings read one by one or in groups: tax ids, phone numbers, postcodes.

"pięćset dwadzieścia sześć, zero zero, trzydzieści dwa" -> "5260032";
"double five oh seven" -> "5507".
"""

from __future__ import annotations

from .languages import language
from .numbers import find_numbers
from .tokens import tokenize


def parse_digit_string(text: str, lang: str, min_digits: int = 1) -> str | None:
    """All digits said, in order, as one string; None when fewer than `min_digits`.

    Words that are not numbers are skipped only if they are known fillers ("i", "dash");
    letters before the first digit (e.g. a country prefix "PL") are returned by
    `split_prefix`, not here.
    """
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
            out.append(span.digits * repeat)
            repeat = 1
            i = span.end
            continue
        tok = tokens[i]
        if tok in words.repeat:
            repeat = int(words.repeat[tok])
        i += 1
    digits = "".join(out)
    digits = "".join(ch for ch in digits if ch.isdigit())
    return digits if len(digits) >= min_digits else None


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
