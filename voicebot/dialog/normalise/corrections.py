"""Self-corrections in one breath: "two hundred, no, three hundred", "sześćdziesiąt... nie,
przepraszam, osiemdziesiąt". The words after the last correction are what the merchant
meant; the markers are per-language data (normalise/data/<lang>.yml, `corrections`)."""

from __future__ import annotations

import re
from functools import cache

from .languages import language

_CLAUSE_END = r"(?:^|[,.;:!?…]|\.\.\.|\s-\s|\s–\s)"


@cache
def _pattern(lang: str) -> re.Pattern[str]:
    rules = language(lang).raw.get("corrections") or {}
    standalone = sorted((str(p) for p in rules.get("standalone") or []), key=len, reverse=True)
    lead_ins = sorted((str(p) for p in rules.get("lead_ins") or []), key=len, reverse=True)

    def alternatives(phrases: list[str]) -> str:
        return "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases) or r"(?!x)x"

    # a standalone marker is a clause of its own: punctuation (or the start) before it and
    # punctuation after it; a lead-in may run straight into the corrected words
    return re.compile(
        rf"{_CLAUSE_END}\s*(?:(?:{alternatives(standalone)})\s*[,.;:!?…]+"
        rf"|(?:{alternatives(lead_ins)})\b[\s,]*)",
        re.IGNORECASE,
    )


def after_correction(text: str, lang: str) -> str | None:
    """The words after the merchant's last self-correction, or None when there is none (or
    nothing follows it)."""
    found = None
    while True:
        last_end = None
        for match in _pattern(lang).finditer(text):
            if text[match.end() :].strip(" ,.;:!?…"):
                last_end = match.end()
        if last_end is None:
            return found
        # markers in a row ("no, sorry, ..."): look again in what follows
        text = found = text[last_end:].strip()


def corrected(text: str, lang: str) -> str:
    """The text with everything before its last self-correction dropped."""
    return after_correction(text, lang) or text


def correction_segments(text: str, lang: str) -> list[str]:
    """The text cut at each self-correction marker, markers left out: "zero sześćdziesiąt
    siedem... nie, przepraszam, zero sześćdziesiąt sześć" -> ["zero sześćdziesiąt siedem",
    "zero sześćdziesiąt sześć"]. Markers in a row make one cut; one segment when there is
    no correction."""
    segments: list[str] = []
    rest = text
    while True:
        cut = next(
            (m for m in _pattern(lang).finditer(rest) if rest[m.end() :].strip(" ,.;:!?…")),
            None,
        )
        if cut is None:
            break
        head = rest[: cut.start()]
        if head.strip(" ,.;:!?…"):
            segments.append(head)
        rest = rest[cut.end() :]
    segments.append(rest)
    return segments
