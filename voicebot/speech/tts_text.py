"""What to say, in which pieces: sentences for streaming, and read-backs broken into groups.

A prompt is spoken sentence by sentence (the first one plays while the next is synthesised).
Inside a sentence, phone numbers and other long digit strings, e-mail addresses and dates are
cut into groups, each spoken on its own and followed by a short pause, the way a person reads
a number back: "777 314 159" -> "7 7 7" · "3 1 4" · "1 5 9".
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
    position = 0
    for match in _SPECIAL.finditer(sentence):
        _append_text(out, sentence[position : match.start()])
        if match.group("email"):
            groups = _email_groups(match.group(), words)
        elif match.group("date"):
            groups = re.split(r"[./-]", match.group())
        else:
            groups = _digit_groups(match.group(), words)
        out.extend(Piece(g, pause_after=True) for g in groups if g)
        position = match.end()
    _append_text(out, sentence[position:])
    if out and out[-1].pause_after:  # nothing follows the last group: no pause needed
        out[-1] = Piece(out[-1].text, pause_after=False)
    return out


@cache
def symbol_words(language: str) -> dict[str, str]:
    data = yaml.safe_load(
        resources.files("voicebot.speech").joinpath("data/readback.yml").read_text("utf-8")
    )
    return {str(k): str(v) for k, v in (data.get(language) or {}).items()}


def _append_text(out: list[Piece], text: str) -> None:
    text = text.strip().lstrip(",;:").strip()  # the group before was its own piece
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
