"""Yes or no in everyday forms: "no pewnie" (yes), "nie bardzo" (no), "yeah sure", "nope"."""

from __future__ import annotations

from .languages import language
from .tokens import tokenize


def _find(tokens: list[str], phrase: tuple[str, ...]) -> int:
    """Index of the phrase in tokens, or -1."""
    n = len(phrase)
    for i in range(len(tokens) - n + 1):
        if tuple(tokens[i : i + n]) == phrase:
            return i
    return -1


def parse_yes_no(text: str, lang: str) -> bool | None:
    """True for yes, False for no, None when the answer is neither (or both equally).

    The longest matching phrase wins ("no pewnie" beats "no", "not really" beats "really");
    ties go to the earliest phrase in the utterance.
    """
    rules = language(lang)
    tokens = [tok.replace("'", "'") for tok in tokenize(text)]
    best: tuple[int, int, bool] | None = None  # (-length, position, answer)
    for answer, phrases in ((True, rules.yes), (False, rules.no)):
        for phrase in phrases:
            pos = _find(tokens, phrase)
            if pos < 0:
                continue
            key = (-len(phrase), pos, answer)
            if best is None or key[:2] < best[:2]:
                best = key
    if best is None:
        return None
    return best[2]
