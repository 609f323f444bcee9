"""What to say, in which pieces: sentences for streaming, and read-backs broken into groups.

A prompt is spoken sentence by sentence (the first one plays while the next is synthesised).
Inside a sentence, read-backs are cut into groups, each spoken on its own and followed by a
short pause (``tts.group_pause_ms``), the way a person reads a number back:

- written forms: phone numbers and other long digit strings ("777 314 159" -> "7 7 7" ·
  "3 1 4" · "1 5 9"), e-mail addresses, numeric dates;
- spelled forms, as the dialog writes its read-backs (``say_digits``, ``spell_address``,
  ``say_date``): digit words in comma-separated groups ("five two six, zero one two"), spelled
  addresses ("alex dot morgan at gadget dot co dot uk": the local part · "at" · the domain),
  and spelled dates, whose commas ("tomorrow, on Tuesday the third of March, at ten") become
  group pauses instead of whatever pause the engine makes of a comma.

Amounts written with a thousands space ("12 000", "1 200 000") are numbers, not digit strings:
they are joined ("12000") so the engine says "twelve thousand".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_DATE = r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b"
_DIGITS = r"\+?\d(?:[ -]?\d){4,}"  # five digits or more, in groups or not
_SPECIAL = re.compile(f"(?P<email>{_EMAIL})|(?P<date>{_DATE})|(?P<digits>{_DIGITS})")
_THOUSANDS = re.compile(r"\d{1,3}(?: \d{3})+")
MIN_SPELLED_DIGITS = 4  # fewer digit words ("one, two or three") are ordinary speech
MIN_UNGROUPED_DIGITS = 5  # a run this long without commas is read back in threes


@dataclass(frozen=True)
class Piece:
    text: str
    pause_after: bool  # a group of a read-back: a short pause follows


def sentences(text: str) -> list[str]:
    """The prompt's sentences, whitespace normalised; e-mails and decimals stay whole."""
    text = " ".join(text.split())
    return [s for s in _SENTENCE_END.split(text) if s]


def pieces(sentence: str, language: str) -> list[Piece]:
    """The sentence as plain text pieces and read-back groups (pause after each group)."""
    words = symbol_words(language)
    out: list[Piece] = []
    text = ""  # plain text waiting to be split into spelled read-backs and plain pieces
    position = 0
    for match in _SPECIAL.finditer(sentence):
        text += sentence[position : match.start()]
        position = match.end()
        if match.group("digits") and is_amount(match.group()):
            text += match.group().replace(" ", "")  # "12 000": a number, said as one
            continue
        _append_spoken(out, text, language)
        text = ""
        if match.group("email"):
            groups = _email_groups(match.group(), words)
        elif match.group("date"):
            groups = re.split(r"[./-]", match.group())
        else:
            groups = _digit_groups(match.group(), words)
        out.extend(Piece(g, pause_after=True) for g in groups if g)
    _append_spoken(out, text + sentence[position:], language)
    if out and out[-1].pause_after:  # nothing follows the last group: no pause needed
        out[-1] = Piece(out[-1].text, pause_after=False)
    return out


def is_amount(number: str) -> bool:
    """ "12 000", "150 000", "1 200 000": thousands separated by spaces. "777 314 159" (nine
    digits in threes) is a phone number, and so is anything with a plus or a dash."""
    if not _THOUSANDS.fullmatch(number):
        return False
    first, *_ = number.split(" ")
    return len(first) < 3 or len(number.replace(" ", "")) <= 6


@cache
def _readback_data() -> dict:
    return yaml.safe_load(
        resources.files("voicebot.speech").joinpath("data/readback.yml").read_text("utf-8")
    )


@cache
def symbol_words(language: str) -> dict[str, str]:
    data = _readback_data()
    return {str(k): str(v) for k, v in (data.get(language) or {}).items()}


@cache
def digit_words(language: str) -> tuple[str, ...]:
    return tuple(str(w) for w in (_readback_data().get("digits") or {}).get(language) or ())


@cache
def month_words(language: str) -> tuple[str, ...]:
    return tuple(str(w) for w in (_readback_data().get("months") or {}).get(language) or ())


@dataclass(frozen=True)
class _Spelled:
    """The patterns of one language's spelled read-backs."""

    address: re.Pattern[str] | None  # name (symbol name)+, with at least one "dot"
    at: str
    digit_run: re.Pattern[str] | None  # digit words, comma-separated groups or a long run
    month: re.Pattern[str] | None


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _spelled(language: str) -> _Spelled:
    symbols = symbol_words(language)
    digits = digit_words(language)
    months = month_words(language)
    names = [symbols[k] for k in ("at", "dot", "dash", "underscore") if k in symbols]
    digit = rf"(?:{_alternation(digits)})" if digits else None
    address = None
    if "at" in symbols and "dot" in symbols:
        # a name is one word, or digit words, as spell_address writes them: "kowalski seven"
        word = r"[^\W\d_]+" + (rf"(?:\s+{digit})*" if digit else "")
        symbol = rf"(?:{_alternation(names)})"
        address = re.compile(
            rf"(?<![\w.@-]){word}(?:\s+{symbol}\s+{word})+(?![\w@])", re.IGNORECASE
        )
    digit_run = None
    if digit:
        group = rf"{digit}(?:\s+{digit})*"
        digit_run = re.compile(rf"\b{group}(?:,\s*{group})*\b", re.IGNORECASE)
    month = re.compile(rf"\b(?:{_alternation(months)})\b") if months else None
    return _Spelled(address, symbols.get("at", ""), digit_run, month)


def _append_spoken(out: list[Piece], text: str, language: str) -> None:
    """Plain text that may hold read-backs already written as words."""
    for segment, pause_after in _date_segments(text, language):
        before = len(out)
        _append_words(out, segment, language)
        if pause_after and len(out) > before:  # the comma around a date: a group pause
            out[-1] = Piece(out[-1].text, pause_after=True)


def _date_segments(text: str, language: str) -> list[tuple[str, bool]]:
    """``text`` cut at the commas around a spelled date ("tomorrow, on Tuesday the third of
    March, at ten"), each cut marked for a group pause. Other commas stay commas."""
    month = _spelled(language).month
    if month is None or "," not in text:
        return [(text, False)]
    parts = text.split(",")
    dated = [_names_a_date(p, month) for p in parts]
    if not any(dated):
        return [(text, False)]
    segments: list[tuple[str, bool]] = []
    current = parts[0]
    for n in range(len(parts) - 1):
        if dated[n] or dated[n + 1]:  # a comma next to the date
            segments.append((current, True))
            current = parts[n + 1]
        else:
            current += "," + parts[n + 1]
    segments.append((current, False))
    return segments


def _names_a_date(part: str, month: re.Pattern[str]) -> bool:
    """A month name that is not the part's first word: "on Tuesday the third of March",
    "we wtorek trzeciego marca"; not "May I ask" or a name like "Maja"."""
    found = month.search(part)
    return found is not None and bool(part[: found.start()].strip())


def _append_words(out: list[Piece], text: str, language: str) -> None:
    spelled = _spelled(language)
    found: list[tuple[int, int, list[str]]] = []
    if spelled.address is not None:
        dot = re.escape(symbol_words(language)["dot"])
        for match in spelled.address.finditer(text):
            if re.search(rf"\s{dot}\s", match.group(), re.IGNORECASE):
                found.append(
                    (match.start(), match.end(), _address_groups(match.group(), spelled.at))
                )
    if spelled.digit_run is not None:
        for match in spelled.digit_run.finditer(text):
            if any(start < match.end() and match.start() < end for start, end, _ in found):
                continue  # digits inside an address belong to it
            groups = _digit_word_groups(match.group())
            if groups:
                found.append((match.start(), match.end(), groups))
    position = 0
    for start, end, groups in sorted(found):
        _append_text(out, text[position:start])
        out.extend(Piece(g, pause_after=True) for g in groups)
        position = end
    _append_text(out, text[position:])


def _address_groups(spoken: str, at: str) -> list[str]:
    """ "alex dot morgan at gadget dot co dot uk" -> local part · "at" · domain."""
    words = spoken.split()
    for n, word in enumerate(words):
        if word.lower() == at.lower() and 0 < n < len(words) - 1:
            return [" ".join(words[:n]), word, " ".join(words[n + 1 :])]
    return [" ".join(words)]


def _digit_word_groups(spoken: str) -> list[str]:
    """Digit words as groups: the dialog's comma groups, or a long unbroken run in threes."""
    groups = [" ".join(g.split()) for g in spoken.split(",") if g.strip()]
    count = sum(len(g.split()) for g in groups)
    if len(groups) > 1:
        return groups if count >= MIN_SPELLED_DIGITS else []
    words = groups[0].split() if groups else []
    if len(words) < MIN_UNGROUPED_DIGITS:
        return []
    chunks = [words[i : i + 3] for i in range(0, len(words), 3)]
    if len(chunks) > 1 and len(chunks[-1]) == 1:
        chunks[-2:] = [chunks[-2] + chunks[-1]]
    return [" ".join(chunk) for chunk in chunks]


def _append_text(out: list[Piece], text: str) -> None:
    text = text.strip().lstrip(",;:").strip()  # the group before was its own piece
    text = text.rstrip(",;:").strip()  # and so is the one after
    if re.search(r"\w", text):
        out.append(Piece(text, pause_after=False))


def _digit_groups(number: str, words: dict[str, str]) -> list[str]:
    groups: list[str] = []
    if number.startswith("+"):
        groups.append(words.get("plus", "+"))
        number = number[1:]
    for written in re.split(r"[ -]", number):
        # an unbroken run is read in threes; a lone last digit joins the group before it
        chunks = [written[i : i + 3] for i in range(0, len(written), 3)]
        if len(chunks) > 1 and len(chunks[-1]) == 1:
            chunks[-2:] = [chunks[-2] + chunks[-1]]
        groups.extend(" ".join(chunk) for chunk in chunks)
    return groups


def _email_groups(address: str, words: dict[str, str]) -> list[str]:
    local, domain = address.split("@", 1)
    names = {".": "dot", "-": "dash", "_": "underscore"}

    def spoken(part: str) -> str:
        return re.sub(r"[._-]", lambda m: f" {words.get(names[m.group()], m.group())} ", part)

    return [" ".join(spoken(local).split()), words.get("at", "@"), " ".join(spoken(domain).split())]
