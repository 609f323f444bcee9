"""E-mail addresses and domains as spoken: "jan kropka kowalski małpa gmail kropka com"
-> jan.kowalski@gmail.com, "moda plus kropka pl" -> modaplus.pl. Also the way back:
spelling an address as words for reading it back."""

from __future__ import annotations

import re
import unicodedata

from .corrections import corrected
from .languages import Language, language
from .numbers import find_numbers

_EMAIL = re.compile(
    r"^[a-z0-9](?:[a-z0-9._%+-]*[a-z0-9])?@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$"
)
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
_WRITTEN_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_WRITTEN_DOMAIN = re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b")
# Top-level domains a recogniser returns as a separate word with no "dot" before it.
_BARE_TLDS = {"com", "pl", "eu", "net", "org", "de", "cz", "si", "ru", "uk", "io", "info", "shop"}
_BARE_TLDS |= {"store"}
_TOKEN = re.compile(r"[^\W_]+|[@._|-]")
# Punctuation that ends a clause in written speech (a "." followed by a space is a full stop,
# not a dot): the address does not run on past it.
_CLAUSE_PUNCT = re.compile(r"\.{2,}|\.(?=\s|$)|[,;:!?…]")
BREAK = "|"


def is_valid_email(address: str) -> bool:
    return bool(_EMAIL.match(address))


def is_valid_domain(domain: str) -> bool:
    return bool(_DOMAIN.match(domain))


def _symbol(token: str, rules: Language, plain: frozenset[str] = frozenset()) -> str | None:
    if token in plain:
        return None
    for key, symbol in (("at", "@"), ("dot", "."), ("underscore", "_"), ("dash", "-")):
        if token in rules.email_words(key):
            return symbol
    return None


def _plain_words(tokens: list[str], rules: Language) -> frozenset[str]:
    """When the usual word for a symbol is said ("dot"), its rarer synonyms ("point",
    "period") are words of the name: "case point dot co dot uk" is casepoint.co.uk."""
    plain: set[str] = set()
    for key in ("at", "dot", "underscore", "dash"):
        listed = [w for w in rules.raw.get("email", {}).get(key, []) if str(w).isalpha()]
        if listed and listed[0] in tokens:
            plain |= {str(w) for w in listed[1:]}
    return frozenset(plain)


def _to_pieces(text: str, lang: str) -> list[str]:
    """Each token as a symbol, a run of digits (number words become digits) or a word."""
    rules = language(lang)
    tokens = _TOKEN.findall(_CLAUSE_PUNCT.sub(f" {BREAK} ", text.lower()))
    numbers = {span.start: span for span in find_numbers(tokens, lang)}
    plain = _plain_words(tokens, rules)
    pieces: list[str] = []
    i = 0
    while i < len(tokens):
        span = numbers.get(i)
        if (
            span is not None
            and not tokens[i][0].isdigit()
            and not _starts_words(tokens, span, numbers, rules)
        ):
            pieces.append(span.digits)
            i = span.end
            continue
        symbol = _symbol(tokens[i], rules, plain)
        pieces.append(symbol if symbol is not None else tokens[i])
        i += 1
    return pieces


def _latin(piece: str, rules: Language) -> str:
    """A piece as written in an address: in a language written in another script, the word a
    recogniser spells in that script ("мейл" -> mail), else letter by letter ("петров" ->
    petrov), by the language's `email.spoken_words` and `email.transliterate`."""
    email = rules.email
    words = email.get("spoken_words") or {}
    table = email.get("transliterate") or {}
    if piece in words:
        return str(words[piece])
    if table:
        piece = "".join(str(table.get(ch, ch)) for ch in piece)
    return _ascii(piece)


def _ascii(piece: str) -> str:
    """Addresses are written without diacritics: "kamień" -> "kamien", "łąka" -> "laka"."""
    piece = piece.replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", piece)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _starts_words(tokens: list[str], span, numbers, rules: Language) -> bool:  # type: ignore[no-untyped-def]
    """ "jedna chwila", "three sisters": a one-word number running into a word of the name
    is a word too; "sklep dwadzieścia cztery", "kot dwa", "anna dwa trzy" end in digits."""
    after = tokens[span.end] if span.end < len(tokens) else ""
    return (
        span.end - span.start == 1
        and after.isalpha()
        and span.end not in numbers
        and _symbol(after, rules) is None
    )


def _address_clause(text: str, rules: Language) -> str:
    """The clause the address is said in: "We do, it's spoke and chain dot co dot uk" ->
    "it's spoke and chain dot co dot uk", so that "we do" is not glued to the name."""
    symbols = [w for key in ("dot", "at") for w in rules.email_words(key) if w.isalpha()]
    if not symbols:
        return text
    spoken = re.search(
        r"\b(?:" + "|".join(map(re.escape, symbols)) + r")\b|[^\W_]\.[^\W_]|@", text.lower()
    )
    if spoken is None:
        return text
    breaks = [m.end() for m in re.finditer(r"[,;:!?]|\.(?=\s)", text[: spoken.start()])]
    # "g a d z e t o w n i a, kropka pl": a clause holding only the marker takes the one
    # before it; "anioł myślnik, dewocjonalia, małpa ...": a pause next to a dash or an
    # underscore word is inside the name
    joins = frozenset(
        w for key in ("dash", "underscore") for w in rules.email_words(key) if w.isalpha()
    )
    while breaks and (
        not re.search(r"[^\W_]", text[breaks[-1] : spoken.start()])
        or _next_to_word(text, breaks[-1], joins)
    ):
        breaks.pop()
    # "ciemnia, trzy pięć, kropka pl": a clause of a number alone ends the name said before
    # it (a number is rarely a whole domain, and no introduction is one)
    if breaks and _only_a_number(text[breaks[-1] : spoken.start()], rules):
        breaks.pop()
    return text[max(breaks) :] if breaks else text


def _next_to_word(text: str, pos: int, words: frozenset[str]) -> bool:
    """Whether the word just before the clause break ending at `pos`, or the one just after
    it, is one of `words`."""
    before = re.findall(r"[^\W_]+", text[:pos])[-1:]
    after = re.match(r"\W*?([^\W_]+)", text[pos:])
    return bool(before and before[0].lower() in words) or bool(
        after and after.group(1).lower() in words
    )


def _only_a_number(clause: str, rules: Language) -> bool:
    tokens = _TOKEN.findall(clause.lower())
    spans = find_numbers(tokens, rules.code) if tokens else []
    covered = {i for span in spans for i in range(span.start, span.end)}
    return bool(tokens) and all(i in covered or tok.isdigit() for i, tok in enumerate(tokens))


def _end_of_domain(pieces: list[str]) -> list[str]:
    """The domain ends with its last label: at a full stop or comma after the first dot, or
    where two words follow each other after it ("pl bez polskich znaków", "com all one
    word"), letters spelled one by one being one word ("kropka i o"); clause breaks before
    the first dot are only pauses in the name."""
    www = {"www", "wu", "dub", "double", "w"}
    lead = 0
    while lead < len(pieces) and pieces[lead] in www:
        lead += 1
    if lead and (pieces[lead - 1] != "w" or lead >= 3) and pieces[lead : lead + 1] == ["."]:
        pieces = pieces[lead + 1 :]  # "www dot ...", "wu wu wu kropka ..."
    if "." not in pieces:
        return [p for p in pieces if p != BREAK]
    first_dot = pieces.index(".")
    out = [p for p in pieces[:first_dot] if p != BREAK]
    previous = "."
    for piece in pieces[first_dot:]:
        if piece == BREAK:
            break
        spelled = len(piece) == 1 and len(previous) == 1 and (piece + previous).isalpha()
        if piece not in "._-" and previous not in "._-" and not spelled:  # "kropka i o": io
            break
        out.append(piece)
        previous = piece
    return out


def _trim_fillers(
    pieces: list[str],
    fillers: frozenset[str],
    from_left: bool,
    leading_only: frozenset[str] = frozenset(),
) -> list[str]:
    """Drop introduction words ("mój adres to") at the outer edge of an address. Words in
    `leading_only` ("pod", "na") go only when another filler follows ("pod adresem"), as
    they also start names ("pod lipą kropka pl")."""
    items = list(pieces) if from_left else list(reversed(pieces))
    while items and (items[0] in fillers or items[0] in "._-"):
        if from_left and items[0] in leading_only and (len(items) < 2 or items[1] not in fillers):
            break
        items.pop(0)
    return items if from_left else list(reversed(items))


def _glue_domain(pieces: list[str]) -> str:
    """Join the pieces of a domain, adding the dot a recogniser left out before a TLD."""
    if len(pieces) >= 2 and "." not in pieces and pieces[-1] in _BARE_TLDS:
        pieces = [*pieces[:-1], ".", pieces[-1]]
    return "".join(pieces)


def _without_notes(text: str, rules: Language) -> str:
    """How-to-write notes said inside an address ("zielony lisc, bez polskich znaków, kropka
    pl", "sales, all lower case, at ...") are no part of it, wherever they stand."""
    return _without_general_notes(_without_letter_notes(text, rules), rules)


def _after_note(text: str, match: re.Match[str], symbols: frozenset[str]) -> str:
    """What a dropped note leaves: before "małpa"/"dot" the address goes on; before anything
    else the note stood between two clauses ("gadżetownia, bez ogonka, g a d ..."), which
    stay apart."""
    following = re.match(r"\s*([^\W_]+)", text[match.end() :])
    return " " if following is None or following.group(1).lower() in symbols else ", "


def _symbol_words(rules: Language) -> frozenset[str]:
    return frozenset(
        w for key in ("at", "dot", "dash", "underscore") for w in rules.email_words(key)
    )


def _without_letter_notes(text: str, rules: Language) -> str:
    """Notes naming a letter ("foto gorski, przez zwykłe o, małpa ...", "kathryn, spelled
    with a k, at ...", `email.letter_notes`) go with their letter, where they end a clause
    or come before a symbol word: "shop with a view dot com" is no note."""
    patterns = [str(p) for p in rules.raw.get("email", {}).get("letter_notes", [])]
    if not patterns:
        return text
    pattern = r"[,;]?\s*\b(?:" + "|".join(patterns) + r")(?![\w-])\s*[,;.]?"
    symbols = _symbol_words(rules)

    def dropped(match: re.Match[str]) -> str:
        rest = text[match.end() :]
        following = re.match(r"\s*([^\W_]+)", rest)
        ends_clause = (
            match.group(0).rstrip()[-1:] in (",", ";", ".")
            or re.match(r"\s*(?:[,;.!?…]|$)", rest) is not None
            or (following is not None and following.group(1).lower() in symbols)
        )
        return _after_note(text, match, symbols) if ends_clause else match.group(0)

    return re.sub(pattern, dropped, text, flags=re.IGNORECASE).strip()


def _without_general_notes(text: str, rules: Language) -> str:
    email = rules.raw.get("email", {})
    notes = sorted(email.get("notes", []), key=len, reverse=True)
    if not notes:
        return text
    # `note_patterns` are regular expressions for notes with a free part ("bez kreski nad
    # o", "bez tych kresek nad literami"); `note_joiners` join notes into one ("ale bez
    # polskich znaków i razem"), so no "ale" or "i" is left behind in the address
    note = (
        r"(?:"
        + "|".join([*(str(p) for p in email.get("note_patterns", [])), *map(re.escape, notes)])
        + r")"
    )
    joiners = [re.escape(str(j)) for j in email.get("note_joiners", [])]
    if joiners:
        joiner = r"(?:" + "|".join(joiners) + r")"
        note = rf"(?:{joiner}\s+)?{note}(?:\s*,?\s+{joiner}\s+{note})*"
    pattern = r"[,;]?\s*\b" + note + r"\b\s*[,;.]?"
    symbols = _symbol_words(rules)
    return re.sub(
        pattern, lambda match: _after_note(text, match, symbols), text, flags=re.IGNORECASE
    ).strip()


def _letter_names(text: str, rules: Language) -> str:
    """Letters said by name after a dot ("kropka pe el" -> "kropka pl"): a top-level domain
    spelled as its letters."""
    names = rules.raw.get("email", {}).get("letter_names", {})
    dots = [w for w in rules.email_words("dot") if w.isalpha()]
    if not names or not dots:
        return text
    letter = (
        r"(?:" + "|".join(re.escape(str(n)) for n in sorted(names, key=len, reverse=True)) + r")"
    )
    run = re.compile(
        r"\b((?:"
        + "|".join(map(re.escape, dots))
        + r")\s+)("
        + letter
        + r"(?:\s+"
        + letter
        + r")+)\b",
        re.IGNORECASE,
    )

    def spelled(match: re.Match[str]) -> str:
        return match.group(1) + "".join(str(names[w.lower()]) for w in match.group(2).split())

    # "a be ce myślnik budownictwo": three or more letters by name anywhere are a spelled
    # word, when two of them are names no word is ("be", "ce"; "a", "o", "u" alone are)
    anywhere = re.compile(r"\b(" + letter + r"(?:\s+" + letter + r"){2,})\b", re.IGNORECASE)

    def spelled_word(match: re.Match[str]) -> str:
        said = match.group(1).split()
        if sum(len(w) > 1 for w in said) < 2:
            return match.group(1)
        return "".join(str(names[w.lower()]) for w in said)

    return anywhere.sub(spelled_word, run.sub(spelled, text))


def _as_written(text: str, lang: str) -> str:
    rules = language(lang)
    return _spoken_spellings(_letter_names(_without_notes(text, rules), rules), rules)


# a letter said alone ("w", "ż"), and a run of them spelling a word: "w r o b l e w s k a",
# "w-o-j-c-i-k"
_LETTER = r"[^\W\d_](?![^\W_])"
_SPELLED = rf"{_LETTER}(?:\s*-\s*{_LETTER}|\s+{_LETTER})+"
_CLAUSE_BREAK = re.compile(r"((?:\s*(?:[,;:]|\.{2,}|…)\s*)+)")


def _phrases(rules: Language, key: str, skip: frozenset[str] = frozenset()) -> str:
    """The language's `email.<key>` phrases as one regular expression (spaces inside a
    phrase match any spacing), leaving out those made of `skip` words only; one that never
    matches when there are none."""
    listed = [str(p) for p in rules.email.get(key) or [] if not set(str(p).split()) <= skip]
    phrases = sorted(listed, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases) or r"(?!x)x"


def _folded(words: str) -> str:
    """Words glued and compared as written: "glina i ogień" -> "glinaiogien"."""
    return "".join(ch for ch in _ascii(words.lower()) if ch.isalnum())


def _spoken_spellings(text: str, rules: Language) -> str:
    """A word said and then spelled or said again, clause by clause: "a kropka wróblewska,
    czyli w r o b l e w s k a" is "a kropka wroblewska" (the spelling replaces the word just
    said, with or without a lead `email.spelling_leads`, when it spells that word);
    "glinaiogien, glina i ogień, małpa" keeps the run-together word (the words explain
    it). Also: a clause of an aside alone (`email.asides`: "to mój rok urodzenia", "hehe")
    is dropped, and one begun with `email.continuations` ("i potem ...") goes on with the
    clause before it."""
    leads = _phrases(rules, "spelling_leads")
    # "wróblewska czyli w r o b ...": a lead inside a clause starts a clause of its own;
    # one of filler words only ("to jest") does so after a pause alone, as it also
    # introduces the address ("jan kowalski to jest a b c małpa ...")
    inside = _phrases(rules, "spelling_leads", skip=rules.email_words("fillers"))
    text = re.sub(
        rf"\s+((?:{inside})\s*[,:]?\s+)(?={_SPELLED})", r", \1", text, flags=re.IGNORECASE
    )
    asides = re.compile(rf"(?:\s*(?:{_phrases(rules, 'asides')})\s*)+[.!?]*", re.IGNORECASE)
    going_on = re.compile(rf"\s*(?:{_phrases(rules, 'continuations')})\s+", re.IGNORECASE)
    spelling = re.compile(
        rf"\s*(?:(?P<lead>{leads})\s*[,:]?\s*)?(?P<head>{_SPELLED})(?P<rest>.*)$",
        re.IGNORECASE | re.DOTALL,
    )
    symbols = _symbol_words(rules)
    parts = _CLAUSE_BREAK.split(text)
    clauses, seps = [parts[0]], []
    for sep, clause in zip(parts[1::2], parts[2::2], strict=True):
        if asides.fullmatch(clause):
            continue
        on = going_on.match(clause)
        if on and clauses[-1].strip():
            clauses[-1] = clauses[-1].rstrip() + " " + clause[on.end() :]
            continue
        spelled = spelling.match(clause)
        if spelled:
            letters = "".join(re.findall(r"[^\W\d_]", spelled.group("head"))).lower()
            said = _respelled(clauses[-1], letters, symbols, bool(spelled.group("lead")))
            if said is not None:
                clauses[-1] = said
                clause = spelled.group("rest")
        else:
            clause = _said_again(clauses[-1], clause, symbols)
        if clause.strip(" .!?…"):
            seps.append(sep)
            clauses.append(clause)
    return "".join(c + s for c, s in zip(clauses, [*seps, ""], strict=True))


def _respelled(before: str, letters: str, symbols: frozenset[str], lead: bool) -> str | None:
    """The clause `before` with the words `letters` spell (the last one, two or three)
    written as spelled; after a lead ("czyli") the last word even when the spelling differs
    from it. None when the spelling is not of words just said."""
    words = list(re.finditer(r"[^\W_]+", before))
    for k in range(1, min(3, len(words)) + 1):
        said = words[-k:]
        if any(w.group(0).lower() in symbols for w in said):
            break
        if _folded(" ".join(w.group(0) for w in said)) == _folded(letters):
            return before[: said[0].start()] + letters + before[said[-1].end() :]
    if lead and words and words[-1].group(0).lower() not in symbols:
        return before[: words[-1].start()] + letters + before[words[-1].end() :]
    return None


def _said_again(before: str, clause: str, symbols: frozenset[str]) -> str:
    """ "glinaiogien, glina i ogień małpa ...": words (two or more) glued into the word just
    said are that word said again; the clause goes on after them."""
    last = re.findall(r"[^\W_]+", before)[-1:]
    words = []
    for word in re.finditer(r"[^\W_]+", clause):
        if word.group(0).lower() in symbols:
            break
        words.append(word)
    if not last or len(words) < 2 or last[0].lower() in symbols:
        return clause
    if _folded(last[0]) == _folded(" ".join(w.group(0) for w in words)):
        return clause[words[-1].end() :]
    return clause


def parse_email(text: str, lang: str) -> str | None:
    """The e-mail address in the utterance, or None when none can be built; after a
    self-correction ("kwame at ..., no, use info. info at ...") the corrected one."""
    text = _as_written(text, lang)
    fixed = corrected(text, lang)
    return (_parse_email(fixed, lang) if fixed != text else None) or _parse_email(text, lang)


def _parse_email(text: str, lang: str) -> str | None:
    written = _WRITTEN_EMAIL.search(text.lower())
    if written and is_valid_email(written.group(0)):
        return written.group(0)
    rules = language(lang)
    fillers = rules.email_words("fillers")
    pieces = _to_pieces(_address_clause(text, rules), lang)
    if "@" not in pieces:
        return None
    at = pieces.index("@")
    pieces = _pauses_at_symbols(pieces[:at]) + pieces[at:]
    at = pieces.index("@")
    local = _cut_at_filler(list(reversed(pieces[:at])), fillers | {BREAK})[::-1]
    # intro words come before the address; after the @ only trailing words ("proszę") go
    domain = _trim_fillers(_end_of_domain(pieces[at + 1 :]), fillers, from_left=False)
    address = "".join(_latin(p, rules) for p in local) + "@"
    address += _glue_domain([_latin(p, rules) for p in domain])
    return address if is_valid_email(address) else None


def _pauses_at_symbols(local: list[str]) -> list[str]:
    """A comma next to "kropka" or before "małpa" is a pause in reading the address out, not
    the end of a clause: "tuli tuli, kropka, sklep, małpa ..." is tulituli.sklep@, and
    "antykwariat, a n t y k w a r i a t, małpa ..." is the spelled name."""
    out: list[str] = []
    for i, piece in enumerate(local):
        after = local[i + 1] if i + 1 < len(local) else "@"
        if piece == BREAK and (after in "._-@" or (out and out[-1] in "._-")):
            continue
        out.append(piece)
    return out


def _cut_at_filler(pieces: list[str], fillers: frozenset[str]) -> list[str]:
    """Pieces up to the first filler word (reading away from the @)."""
    out: list[str] = []
    for piece in pieces:
        # inside a name spelled letter by letter ("a n t y k w a r i a t", "e w e l i n a")
        # a one-letter filler ("i", "e") is a letter of it
        spelled = len(piece) == 1 and len(out) >= 2 and all(map(_is_letter, out[-2:]))
        # "e myślnik sklep": a letter joined on by a hyphen, a dot or an underscore is one
        joined = _is_letter(piece) and bool(out) and out[-1] in "-_."
        if piece in fillers and not (spelled or joined):
            break
        out.append(piece)
    return out


def _is_letter(piece: str) -> bool:
    return len(piece) == 1 and piece.isalpha()


def parse_domain(text: str, lang: str, names: tuple[str, ...] = ()) -> str | None:
    """The domain name in the utterance ("moda plus kropka pl" -> modaplus.pl), or None;
    after a self-correction the corrected one. `names` (the store's name) settle a word
    that may be an introduction or the name's own: "the bobbin box dot shop" for "The
    Bobbin Box" is thebobbinbox.shop."""
    text = _as_written(text, lang)
    fixed = corrected(text, lang)
    if fixed == text:
        return _parse_domain(text, lang, names)
    return (
        _parse_domain(fixed, lang, names)
        or _corrected_ending(text, fixed, lang, names)
        or _parse_domain(text, lang, names)
    )


def _corrected_ending(text: str, fixed: str, lang: str, names: tuple[str, ...]) -> str | None:
    """ "lesnaya polyana kropka com, nie, kropka pl": a correction of the ending alone (it
    starts with the dot) replaces the ending of the domain said before it."""
    rules = language(lang)
    pieces = [p for p in _to_pieces(fixed, lang) if p != BREAK]
    if not pieces or pieces[0] != ".":
        return None
    before = _parse_domain(text[: text.rfind(fixed)], lang, names)
    ending = _glue_domain([_latin(p, rules) for p in pieces]).strip("-")
    if before is None:
        return None
    domain = before.split(".")[0] + ending
    return domain if is_valid_domain(domain) else None


def _parse_domain(text: str, lang: str, names: tuple[str, ...] = ()) -> str | None:
    written = _WRITTEN_DOMAIN.search(text.lower())
    if written and is_valid_domain(written.group(0)):
        return written.group(0).removeprefix("www.")
    rules = language(lang)
    fillers = rules.email_words("fillers")
    # introductions go from the front ("nasza domena to ..."); words inside the name stay
    # ("pod lipą kropka pl" is podlipa.pl)
    pieces = _end_of_domain(_to_pieces(_address_clause(text, rules), lang))
    leading_only = rules.email_words("leading_only_fillers")
    untrimmed = pieces
    pieces = _trim_fillers(pieces, fillers, from_left=True, leading_only=leading_only)
    pieces = _restore_name_words(untrimmed, pieces, names)
    pieces = _trim_fillers(pieces, fillers, from_left=False)
    domain = _glue_domain([_latin(p, rules) for p in pieces])
    domain = domain.removeprefix("www.").strip(".-")
    return domain if is_valid_domain(domain) else None


def _restore_name_words(untrimmed: list[str], trimmed: list[str], names: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """Filler words trimmed off the front that the store's name starts with go back."""
    dropped = untrimmed[: len(untrimmed) - len(trimmed)]
    if not dropped or "." not in trimmed:
        return trimmed
    label = "".join(_ascii(p) for p in trimmed[: trimmed.index(".")])
    for name in names:
        glued = re.sub(r"[^a-z0-9]", "", _ascii(name.lower()))
        for k in range(len(dropped)):
            restored = "".join(_ascii(p) for p in dropped[k:])
            if label and glued == restored + label:
                return [*dropped[k:], *trimmed]
    return trimmed


def spell_address(address: str, lang: str) -> str:
    """An e-mail address or domain as words to be spoken: symbols named, digits one by one."""
    rules = language(lang)
    speak = rules.email["speak"]
    digit_names = _digit_names(lang)
    names = {"@": speak["at"], ".": speak["dot"], "_": speak["underscore"], "-": speak["dash"]}
    words: list[str] = []
    for part in re.findall(r"[a-z]+|\d|[@._-]", address.lower()):
        if part in names:
            words.append(names[part])
        elif part.isdigit():
            words.append(digit_names[int(part)])
        else:
            words.append(part)
    return " ".join(words)


def _digit_names(lang: str) -> list[str]:
    units = language(lang).raw["numbers"]["units"]
    return [str(units[d][0]) for d in range(10)]
