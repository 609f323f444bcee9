"""Numbers said in words: "dwadzieścia pięć tysięcy" -> 25000, "about five hundred" -> ~500,
"od stu do dwustu" -> 100..200, "1,2 tysiąca" -> 1200.

The parser walks the tokens left to right and builds a number while each word fits the
place-value order (hundreds, then tens, then units, then a multiplier); a word that breaks
the order starts a new number. That is what lets digit strings read in groups
("pięćset dwadzieścia sześć zero zero") split into their groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from .languages import NumberWords, language
from .tokens import tokenize

# Place classes, highest first; a number may only step down through them.
_HUNDREDS, _TENS, _TEENS, _UNITS, _MULT, _DIGITS, _FRACTION = range(7)


@dataclass(frozen=True)
class NumberSpan:
    """One number found in the token list: tokens[start:end]."""

    value: float
    start: int
    end: int
    digits: str  # how it is written as a digit string ("0" for zero, "007" for "007")
    has_multiplier: bool


@dataclass(frozen=True)
class Quantity:
    """An amount as the merchant said it: a value, or a range, possibly approximate."""

    value: float
    high: float | None = None
    approximate: bool = False

    @property
    def is_range(self) -> bool:
        return self.high is not None

    def as_int(self) -> int:
        """A single figure: the value, or the middle of a range."""
        if self.high is None:
            return round(self.value)
        return round((self.value + self.high) / 2)


def _digit_token_value(token: str, words: NumberWords) -> float | None:
    if not token[0].isdigit():
        return None
    cleaned = token
    if words.decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _is_number_word(token: str, words: NumberWords) -> bool:
    return (
        token in words.units
        or token in words.teens
        or token in words.tens
        or token in words.hundreds
        or token[0].isdigit()
    )


def _parse_at(tokens: list[str], i: int, words: NumberWords) -> NumberSpan | None:
    """The longest well-formed number starting at tokens[i], or None."""
    total = 0.0
    current = 0.0
    last: int | None = None
    has_multiplier = False
    digits_text: str | None = None
    j = i
    n = len(tokens)
    while j < n:
        tok = tokens[j]
        nxt = tokens[j + 1] if j + 1 < n else ""
        digit_value = _digit_token_value(tok, words)
        if digit_value is not None:
            if last is not None and last != _MULT:
                break
            if ":" in tok:  # a clock time is not a quantity
                break
            current += digit_value
            digits_text = tok if tok.isdigit() else None
            last = _DIGITS
        elif tok in words.units:
            value = words.units[tok]
            if value == 0:
                # zero never combines: "zero zero" is two digits
                if last is not None:
                    break
                return NumberSpan(0.0, i, j + 1, "0", False)
            if last not in (None, _HUNDREDS, _TENS, _MULT):
                break
            current += value
            last = _UNITS
        elif tok in words.teens:
            if last not in (None, _HUNDREDS, _MULT):
                break
            current += words.teens[tok]
            last = _TEENS
        elif tok in words.tens:
            if last not in (None, _HUNDREDS, _MULT):
                break
            current += words.tens[tok]
            last = _TENS
        elif tok in words.hundreds:
            if last not in (None, _MULT):
                break
            current += words.hundreds[tok]
            last = _HUNDREDS
        elif tok in words.hundred_words:
            # English "five hundred": multiplies the small number before it; "hundred and
            # fifty" alone is one hundred and fifty
            if last is None and nxt not in words.hundred_words:
                current, last = 1.0, _UNITS
            if last not in (_UNITS, _TEENS, _DIGITS):
                break
            small = current % 1000 if current >= 1000 else current
            if small >= 100:
                # "šest set, šest set padesát": a hundred word never scales hundreds; the
                # word before it starts the next number
                previous = tokens[j - 1]
                for table in (words.units, words.teens, words.tens):
                    if last in (_UNITS, _TEENS, _TENS) and previous in table:
                        current -= table[previous]
                        j -= 1
                        break
                break
            current = current - small + small * 100
            last = _HUNDREDS
            has_multiplier = True  # "two or three hundred" scales the first number too
            digits_text = None
        elif tok in words.multipliers:
            if last is None:
                current = 1.0
            elif last == _MULT:
                break
            total += current * words.multipliers[tok]
            current = 0.0
            last = _MULT
            has_multiplier = True
            digits_text = None
        elif tok in words.fractions:
            if last is not None:
                break
            current += words.fractions[tok]
            last = _FRACTION
            # "half a million": the article belongs to the fraction
            if nxt in words.article_one:
                j += 1
        elif tok in words.article_one and last is None:
            if nxt in words.hundred_words or nxt in words.multipliers:
                current = 1.0
                last = _UNITS
            else:
                break
        elif (
            tok in words.fraction_joiners
            and last in (_UNITS, _TEENS, _TENS)
            and (k := _fraction_index(tokens, j + 1, words)) is not None
        ):
            # "two and a half thousand", "dwa i pół tysiąca": the fraction joins the number
            # before it, and a multiplier after it scales both.
            current += words.fractions[tokens[k]]
            j = k + 1
            continue
        elif tok in words.joiners and last in (_HUNDREDS, _MULT):
            after = tokens[j + 2] if j + 2 < n else ""
            joins = _is_number_word(nxt, words) and not nxt[0].isdigit()
            if not joins or after in words.hundred_words or after in words.multipliers:
                break
        elif tok == "-" and last == _TENS and nxt in words.units:
            pass  # "twenty-five"
        elif tok in words.decimal_point and last in (_UNITS, _DIGITS, _TEENS, _TENS):
            fraction_digits = ""
            k = j + 1
            while k < n and (tokens[k] in words.units or tokens[k].isdigit()):
                fraction_digits += (
                    tokens[k] if tokens[k].isdigit() else str(int(words.units[tokens[k]]))
                )
                k += 1
            if not fraction_digits:
                break
            current += float("0." + fraction_digits)
            last = _DIGITS
            digits_text = None
            j = k
            continue
        else:
            break
        j += 1
    if last is None:
        return None
    value = total + current
    if digits_text is None or has_multiplier:
        digits_text = str(int(value)) if value == int(value) else str(value)
    return NumberSpan(value, i, j, digits_text, has_multiplier)


def _fraction_index(tokens: list[str], k: int, words: NumberWords) -> int | None:
    """Where the fraction word is, at k or after an article ("a half", "pół"); None if none."""
    if k < len(tokens) and tokens[k] in words.article_one:
        k += 1
    return k if k < len(tokens) and tokens[k] in words.fractions else None


def find_numbers(text: str | list[str], lang: str) -> list[NumberSpan]:
    """Every number in the text, in order."""
    words = language(lang).numbers
    tokens = tokenize(text) if isinstance(text, str) else text
    spans: list[NumberSpan] = []
    i = 0
    while i < len(tokens):
        span = _parse_at(tokens, i, words)
        if span is None or span.end == span.start:
            i += 1
            continue
        spans.append(span)
        i = span.end
    return spans


def parse_number(text: str, lang: str) -> float | None:
    """The first number in the text, or None."""
    spans = find_numbers(text, lang)
    return spans[0].value if spans else None


def parse_quantity(text: str, lang: str) -> Quantity | None:
    """An amount with its range and approximation: "około pięciuset" -> ~500,
    "between one and two thousand" -> 1000..2000. None when no number was said."""
    words = language(lang).numbers
    tokens = _replace_phrases(tokenize(text), language(lang).raw["numbers"].get("phrases") or {})
    spans = find_numbers(tokens, lang)
    if not spans:
        return None
    approximate = any(tok in words.approximate for tok in tokenize(text))
    # "dwieście nie trzysta" without punctuation: a correction between two numbers
    markers = {
        str(m) for m in (language(lang).raw.get("corrections") or {}).get("standalone") or []
    }
    corrected_at = [
        k
        for k in range(1, len(spans))
        if " ".join(tokens[spans[k - 1].end : spans[k].start]) in markers
    ]
    if corrected_at:
        spans = spans[corrected_at[-1] :]
    spans = _settled(spans, tokens)
    first = spans[0]
    if len(spans) >= 2:
        second = spans[1]
        between = tokens[first.end : second.start]
        before = tokens[max(0, first.start - 1) : first.start]
        connected = any(tok in words.range_to for tok in between) or (
            not between and second.value > first.value
        )
        opened = any(tok in words.range_from for tok in before)
        if (connected or opened) and len(between) <= 2:
            low, high = first.value, second.value
            # "od dwóch do trzech tysięcy": the multiplier of the second applies to the first
            if second.has_multiplier and not first.has_multiplier and low * _scale_of(high) <= high:
                scale = _scale_of(second.value)
                low *= scale
            if high > low:
                return Quantity(low, high, approximate)
    return Quantity(first.value, None, approximate)


def _settled(spans: list[NumberSpan], tokens: list[str]) -> list[NumberSpan]:
    """The number the merchant settled on. "Ninety... ninety-five", "sześćset... sześćset
    osiemdziesiąt": a number restarted and completed is the completed one. "Twenty-two,
    twenty-three. Say twenty-three", "tysiąc dwieście, może tysiąc pięćset. Niech będzie
    tysiąc pięćset": a figure said again last, after another one, is the one chosen."""
    out: list[NumberSpan] = []
    for span in spans:
        if out:
            before = out[-1]
            said = tokens[before.start : before.end]
            if (
                span.end - span.start > len(said)
                and tokens[span.start : span.start + len(said)] == said
                and span.value > before.value
            ):
                out[-1] = span
                continue
        out.append(span)
    if len(out) >= 3 or (len(out) == 2 and out[0].value == out[1].value):
        last = out[-1]
        if any(s.value == last.value for s in out[:-1]) and len({s.value for s in out}) > 1:
            return [last]
    return out


def _replace_phrases(tokens: list[str], phrases: dict[str, str]) -> list[str]:
    """Number phrases as the number word they stand for ("a couple of" -> "two")."""
    for phrase, word in phrases.items():
        parts = tokenize(phrase)
        i = 0
        while i <= len(tokens) - len(parts):
            if tokens[i : i + len(parts)] == parts:
                tokens = [*tokens[:i], str(word), *tokens[i + len(parts) :]]
            i += 1
    return tokens


def _scale_of(value: float) -> float:
    for scale in (1_000_000_000.0, 1_000_000.0, 1000.0, 100.0):
        if value >= scale:
            return scale
    return 1.0
