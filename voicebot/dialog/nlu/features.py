"""Tokens and their lexical/syntactic features (as Rasa's WhitespaceTokenizer,
LexicalSyntacticFeaturizer and RegexFeaturizer give them), shared by the CRF entity extractor
and the intent classifier."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A word with inner punctuation kept together ("9:30", "it's", "e-mail", "3.5");
# other punctuation separates tokens and is dropped, as Rasa's WhitespaceTokenizer does.
_TOKEN = re.compile(r"\w+(?:[:.'’@-]\w+)*", re.UNICODE)
_SHAPE_RUN = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def fold(word: str) -> str:
    """Without diacritics: speech recognisers and typists often drop them."""
    decomposed = unicodedata.normalize("NFKD", word.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def shape(word: str) -> str:
    """Word shape with repeats squeezed: "Kraków" -> "Xx", "99" -> "d", "A4" -> "Xd"."""
    classes = "".join(
        "X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c for c in word
    )
    return _SHAPE_RUN.sub(r"\1", classes)


def shape_words(text: str) -> list[str]:
    """One pseudo-word per token whose shape generalises (numbers, codes), so the intent
    classifier treats an unseen "99" like the numbers it was trained on."""
    marks = []
    for token in tokenize(text):
        if any(c.isdigit() for c in token.text):
            marks.append("shape_" + shape(token.text).replace(":", "colon").replace(".", "dot"))
    return marks


class PatternMatcher:
    """Which tokens lie in a regex match or a lookup-table phrase (Rasa's RegexFeaturizer)."""

    def __init__(self, regexes: dict[str, list[str]], lookups: dict[str, list[str]]) -> None:
        self.regexes = [
            (name, re.compile(pattern, re.IGNORECASE))
            for name, patterns in regexes.items()
            for pattern in patterns
        ]
        self.lookups: dict[tuple[str, ...], set[str]] = {}
        for name, items in lookups.items():
            for item in items:
                words = tuple(fold(t.lower) for t in tokenize(item))
                if words:
                    self.lookups.setdefault(words, set()).add(name)
        self.longest = max((len(k) for k in self.lookups), default=0)

    def token_patterns(self, text: str, tokens: list[Token]) -> list[set[str]]:
        found: list[set[str]] = [set() for _ in tokens]
        for name, pattern in self.regexes:
            for match in pattern.finditer(text):
                if match.end() <= match.start():
                    continue
                for index, token in enumerate(tokens):
                    if token.start < match.end() and token.end > match.start():
                        found[index].add(f"regex:{name}")
        folded = [fold(t.lower) for t in tokens]
        for i in range(len(tokens)):
            for n in range(1, min(self.longest, len(tokens) - i) + 1):
                for name in self.lookups.get(tuple(folded[i : i + n]), ()):
                    for index in range(i, i + n):
                        found[index].add(f"lookup:{name}")
        return found


def _word_features(token: Token, prefix: str) -> dict[str, str | bool]:
    low = token.lower
    row: dict[str, str | bool] = {
        f"{prefix}low": low,
        f"{prefix}fold": fold(low),  # "żywność" also as "zywnosc"
        f"{prefix}shape": shape(token.text),
    }
    # false flags are left out: they carry no weight and slow training down
    if token.text.istitle():
        row[f"{prefix}title"] = True
    if token.text.isupper():
        row[f"{prefix}upper"] = True
    if token.text.isdigit():
        row[f"{prefix}digit"] = True
    return row


def token_features(
    text: str, tokens: list[Token], matcher: PatternMatcher | None
) -> list[dict[str, str | bool]]:
    """Rasa CRFEntityExtractor's default features: the word lower-cased, its prefixes and
    suffixes, shape, digits, title/upper case, regex and lookup patterns, and the same for
    the neighbours (one each side; two for the lower-cased word)."""
    patterns = matcher.token_patterns(text, tokens) if matcher else [set() for _ in tokens]
    rows: list[dict[str, str | bool]] = []
    for i, token in enumerate(tokens):
        low = fold(token.lower)
        row: dict[str, str | bool] = {"bias": True, **_word_features(token, "")}
        row.update(
            {
                "prefix2": low[:2],
                "prefix5": low[:5],
                "suffix2": low[-2:],
                "suffix3": low[-3:],
                "suffix5": low[-5:],
            }
        )
        for pattern in patterns[i]:
            row[pattern] = True
        for offset in (-1, 1):
            j = i + offset
            side = "-1:" if offset < 0 else "+1:"
            if 0 <= j < len(tokens):
                row.update(_word_features(tokens[j], side))
                row.update({f"{side}suffix3": fold(tokens[j].lower)[-3:]})
                for pattern in patterns[j]:
                    row[side + pattern] = True
            else:
                row[side + ("BOS" if offset < 0 else "EOS")] = True
        for offset in (-2, 2):
            j = i + offset
            if 0 <= j < len(tokens):
                row[f"{offset:+d}:low"] = fold(tokens[j].lower)
        rows.append(row)
    return rows
