"""Taking answers out of what merchants say: a name out of its sentence, every list value
named (and none ruled out), the closest industry of the taxonomy with a confidence.

Pure functions of the text (and the NLU's entities); every phrase is per-language data:
voicebot/actions/data/<lang>.yml (`names`) and data/lexicon.yml (values and taxonomy)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cache

from voicebot.dialog.normalise.corrections import corrected
from voicebot.dialog.normalise.numbers import find_numbers

from .common import labels, lexicon

# Below this share of the keywords heard, an industry is a guess that staff should check.
SURE_INDUSTRY = 0.6
MAX_NAME_WORDS = 6  # a longer "name" is more likely a sentence we could not take apart

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|&|[,;:!?…]|\.(?:\s|$)|\s[-–]\s")
_SEPARATOR = re.compile(r"^(?:[,;:!?…]|\.\s*|\s[-–]\s)$")
_SEGMENT_BREAK = re.compile(r"[,;:!?…]+|\.\.\.|\.(?=\s|$)|\s[-–]\s")


_PLACE_WORDS = {"in", "at", "from", "near", "w", "we", "z", "ze", "koło", "przy", "pod"}


@dataclass(frozen=True)
class NameTake:
    value: str | None
    unsure: bool = False


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    value: str
    negated: bool = False
    denied: bool = False  # negated in so many words ("nie", "odpada"), not as a reason


@dataclass
class ListTake:
    values: list[str] = field(default_factory=list)
    partial: bool = False  # something was named that no value of the list stands for


@dataclass(frozen=True)
class IndustryTake:
    value: str | None
    confidence: float


# -- names ---------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return [w for w in re.split(r"\s+", text.strip()) if w]


def _phrase_list(lang: str, key: str) -> list[list[str]]:
    return [list(p) for p in _phrases(lang, key)]


@cache
def _phrases(lang: str, key: str) -> tuple[tuple[str, ...], ...]:
    data = (labels(lang).get("names") or {}).get(key) or []
    if key == "carriers_before":
        data = [*data, *_carrier_combinations(lang)]
    return tuple(
        sorted((tuple(w.lower() for w in str(p).split()) for p in data), key=len, reverse=True)
    )


def _carrier_combinations(lang: str) -> list[str]:
    """ "the shop's name is gonna be", "sklep to będzie": every subject of the naming
    (`carrier_subjects`) with every way of saying it is named (`carrier_verbs`); a verb
    written with a leading apostrophe is glued to its subject ("it" + "'s called")."""
    names = labels(lang).get("names") or {}
    subjects = [str(s) for s in names.get("carrier_subjects") or []]
    verbs = [str(v) for v in names.get("carrier_verbs") or []]
    out = [v for v in verbs if not v.startswith("'") and len(v.split()) > 1]
    for subject in subjects:
        for verb in verbs:
            out.append(subject + verb if verb.startswith("'") else f"{subject} {verb}")
    return out


def _bare(word: str) -> str:
    return word.lower().replace("’", "'").strip('.,;:!?…"')


def _key(words: list[str]) -> list[str]:
    """Words as compared for "said again": lower case, possessive and hyphens gone
    ("Northbound's" is "northbound", "Moto-Bart" is "moto", "bart")."""
    out: list[str] = []
    for word in words:
        bare = _bare(word)
        bare = bare[:-2] if bare.endswith("'s") else bare
        out.extend(part for part in bare.split("-") if part)
    return out


def _strip_edges(words: list[str], lang: str, more: tuple[str, ...] = ()) -> list[str]:
    """Carrier phrases and fillers off both ends, as long as a word of the name is left;
    the phrases of the `more` keys also go from the front ("just_words" after a
    correction)."""
    before = sorted(
        _phrase_list(lang, "carriers_before")
        + _phrase_list(lang, "fillers")
        # "w papierach Tomasz Górski", "officially Thomas Gray"
        + _phrase_list(lang, "official_leads")
        + [p for key in more for p in _phrase_list(lang, key)],
        key=len,
        reverse=True,
    )
    # fillers go from the front only: "Sit Well" keeps its "Well"
    after = _phrase_list(lang, "carriers_after")
    changed = True
    while changed and words:
        changed = False
        lowered = [_bare(w) for w in words]
        for phrase in before:
            if lowered[: len(phrase)] == phrase and len(words) > len(phrase):
                words = words[len(phrase) :]
                changed = True
                break
        lowered = [_bare(w) for w in words]
        for phrase in after:
            if lowered[-len(phrase) :] == phrase and len(words) > len(phrase):
                words = words[: -len(phrase)]
                changed = True
                break
    return words


def _only_filler(words: list[str], lang: str) -> bool:
    lowered = [_bare(w) for w in words]
    phrases = (
        _phrase_list(lang, "fillers")
        # "Wiem, mało oryginalne", "I know, not very original": a remark on the name
        + _phrase_list(lang, "remarks")
        + _phrase_list(lang, "carriers_before")
        + _phrase_list(lang, "carriers_after")
        + _phrase_list(lang, "carrier_subjects")
    )
    return not lowered or lowered in phrases


def _aside_phrases(lang: str) -> tuple[set[str], list[list[str]]]:
    asides = _phrase_list(lang, "asides")
    return {p[0] for p in asides if len(p) == 1}, [p for p in asides if len(p) > 1]


def _aside_at(lowered: list[str], i: int, lang: str) -> bool:
    markers, phrases = _aside_phrases(lang)
    return lowered[i] in markers or any(lowered[i : i + len(p)] == p for p in phrases)


def _is_aside(words: list[str], lang: str) -> bool:
    """ "przez dwa a", "spelled with two l", "that's M A R S H", "R, A, M": about
    spelling, not the name; "ale może być Bartek", "but call me Gaz": a nickname beside it."""
    lowered = [_bare(w) for w in words]
    if any(_aside_at(lowered, i, lang) for i in range(len(lowered))):
        return True
    if any(_spelled(w) for w in lowered):
        return True  # "T-H-Y-M-E"
    # letters to the end are a spelling ("that's M A R S H"); before a word, initials
    # ("J K Rowling")
    letters = sum(1 for w in lowered if len(w) == 1 and w.isalpha())
    ends_in_letter = len(lowered[-1]) == 1 and lowered[-1].isalpha()
    if (letters >= 2 and ends_in_letter) or (letters == len(lowered) and letters > 0):
        return True
    # "duże B", "capital P": a word on how a letter is written, then the letter
    weak = {p[0] for p in _phrase_list(lang, "aside_words") if len(p) == 1}
    return any(w in weak and _letter(n) for w, n in itertools.pairwise(lowered))


def _restates(sentence: list[str], candidates: list[_Candidate], lang: str) -> bool:
    """ "Astro Zakątek. Astro i Zakątek, osobno.", "FizjoPlan. Fizjo i Plan razem": a
    sentence saying the parts of a name said before, with connectives and notes on how it is
    written, tells how to write that name; it is no name of its own."""
    skip = {p[0] for key in ("connectives", "aside_words") for p in _phrase_list(lang, key)}
    parts = [w for w in (_bare(w) for w in sentence) if w and w not in skip and not _letter(w)]
    if len(parts) < 2:
        return False
    joined = "".join(parts)
    return any(
        "".join(re.sub(r"[-'’]", "", _bare(w)) for w in c.words) == joined for c in candidates
    )


def _spelled(word: str) -> bool:
    parts = [p for p in re.split(r"[-.]", word) if p]
    return len(parts) >= 2 and all(len(p) == 1 and p.isalpha() for p in parts)


def _cut_aside(words: list[str], lang: str) -> list[str]:
    """ "Rachael with an extra a" -> "Rachael": a short spelling note after the name. Words
    that may also be a name's ("double", "razem") count only after the name, or alone."""
    lowered = [_bare(w) for w in words]
    weak = {p[0] for p in _phrase_list(lang, "aside_words") if len(p) == 1}
    if lowered and all(w in weak for w in lowered):
        return []
    for i in range(1, len(lowered)):
        if len(lowered) - i <= 5 and (_aside_at(lowered, i, lang) or lowered[i] in weak):
            return words[:i]
    # "leo marsh that's m a r s h" (no punctuation from the recogniser): the letters and
    # the words that introduce them go
    letters = [i for i, w in enumerate(words) if _letter(w) or _spelled(_bare(w))]
    if len(letters) >= 2 and letters[0] > 0:
        start = letters[0]
        if all(_letter(w) or _spelled(_bare(w)) for w in words[start:]):
            intros = {p[0] for p in _phrase_list(lang, "spelling_intros") if len(p) == 1}
            while start > 1 and _bare(words[start - 1]) in intros:
                start -= 1
            return words[:start]
    return words


def _leads_aside(words: list[str], lang: str) -> bool:
    """ "..., ale może być Bartek", "..., but everyone calls me Gaz": beside the name."""
    return _lead(words, lang, "aside_leads") > 0 or _lead(words, lang, "nickname_leads") > 0


def _lead(words: list[str], lang: str, key: str) -> int:
    """How many words at the start are a phrase of `key` (the longest one), or 0."""
    lowered = [_bare(w) for w in words]
    return next((len(p) for p in _phrase_list(lang, key) if lowered[: len(p)] == p), 0)


def _asks_back(words: list[str], lang: str) -> bool:
    """ "A po co panu moje nazwisko", "why do you need it": a question back (a
    `question_leads` phrase at the start, after any fillers) is no name."""
    fillers = _phrase_list(lang, "fillers")
    lowered = [_bare(w) for w in words]
    while lowered and _lead(lowered, lang, "question_leads") == 0:
        filler = next((p for p in fillers if lowered[: len(p)] == p), None)
        if filler is None:
            return False
        lowered = lowered[len(filler) :]
    return bool(lowered)


def _letter(word: str) -> bool:
    bare = _bare(word)
    return len(bare) == 1 and bare.isalpha()


def _spelling_starts(words: list[str], following: list[tuple[str, bool]]) -> bool:
    """A clause ending in a letter, followed by a clause of letters: a spelling begins."""
    if not following or not _letter(words[-1]):
        return False
    after = _words(following[0][0])
    return bool(after) and all(_letter(w) for w in after)


def _is_hedge(words: list[str], lang: str) -> bool:
    """ "we haven't properly decided", "jeszcze nie wiem": about the name, not the name."""
    return _mentions(words, lang, "hedges")


def _mentions(words: list[str], lang: str, key: str) -> bool:
    """A phrase of `key` in the words (its last word may be the start of one: "wymyśli"
    is in "wymyślił")."""
    lowered = " ".join(_bare(w) for w in words)
    return any(
        re.search(r"(?:^|\s)" + re.escape(" ".join(p)), lowered) for p in _phrase_list(lang, key)
    )


def name_case(words: list[str], lang: str) -> str:
    """The casing rule: a word the merchant (or the recogniser) wrote with a capital keeps
    its casing; a word in lower case gets a capital on each part ("dąbrowska-mazur" ->
    "Dąbrowska-Mazur"), except connectives inside the name ("and", "i", "of")."""
    connectives = {p[0] for p in _phrase_list(lang, "connectives") if len(p) == 1}
    # a language whose names are written in sentence case ("Чайная лавка"): in text written
    # with capitals, a lower-case word after the first is written so on purpose
    sentence_case = bool((labels(lang).get("names") or {}).get("sentence_case")) and any(
        ch.isupper() for word in words for ch in word
    )
    out: list[str] = []
    for index, word in enumerate(words):
        if (
            any(ch.isupper() for ch in word)
            or (index > 0 and word in connectives)
            or (index > 0 and sentence_case)
        ):
            out.append(word)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(out)


@dataclass
class _Candidate:
    words: list[str]
    sentence_start: bool  # its first capital may be the sentence's, not the name's


def _looks_like_name(candidate: _Candidate, lang: str) -> bool:
    """Written with a name's capitals: a capital on a word the sentence does not explain."""
    words = candidate.words
    for index, word in enumerate(words):
        if index == 0 and candidate.sentence_start:
            if any(ch.isupper() for ch in word[1:]):
                return True
            continue
        if word[:1].isupper():
            return True
    return False


def _plain_words(candidate: _Candidate, lang: str) -> bool:
    """In text written with capitals, a name word written in lower case (not a connective):
    likely a word of the sentence left in the name ("Spoke and chain, I think")."""
    connectives = {p[0] for p in _phrase_list(lang, "connectives") if len(p) == 1}
    sentence_case = bool((labels(lang).get("names") or {}).get("sentence_case"))
    return (
        not sentence_case
        and any(
            word[:1].islower() and _bare(word) not in connectives for word in candidate.words[1:]
        )
    ) or (not candidate.sentence_start and candidate.words[0][:1].islower())


def _contained(small: list[str], big: list[str]) -> bool:
    return len(small) <= len(big) and any(
        big[i : i + len(small)] == small for i in range(len(big) - len(small) + 1)
    )


def _clauses(text: str) -> list[tuple[str, bool, bool]]:
    """The clauses of the text, each with whether it starts a sentence and whether its
    sentence is a question (ends with "?")."""
    out: list[tuple[str, bool, str]] = []
    start, sentence_start = 0, True
    for match in _SEGMENT_BREAK.finditer(text):
        out.append((text[start : match.start()], sentence_start, match.group(0).strip()))
        sentence_start = match.group(0).strip() in (".", "...", "!", "?", "…")
        start = match.end()
    out.append((text[start:], sentence_start, ""))
    asked, question = [], False
    for segment, begins, mark in reversed(out):
        if "?" in mark:
            question = True
        asked.append((segment, begins, question))
        if begins:
            question = False
    return list(reversed(asked))


def _sentence_of(
    segments: list[tuple[str, bool, bool]], index: int
) -> list[tuple[str, bool, bool]]:
    """The clauses of the sentence that begins at clause ``index``."""
    end = next((j for j in range(index + 1, len(segments)) if segments[j][1]), len(segments))
    return segments[index:end]


def take_name(text: str, lang: str) -> NameTake:
    """The name in "We're going with Spoke and Chain." (-> "Spoke and Chain"), in "Tom, Tom
    Riley" (-> "Tom Riley") or in "Lniana Szafa, przez dwa a" (-> "Lniana Szafa")."""
    said = text.strip()
    take = _take_name(said, lang)
    fixed = corrected(said, lang)
    if fixed == said or not take.value or len(take.value.split()) != 1:
        return take
    # "Zbyszek Kaczmarek. Znaczy Zbigniew": one word said as a correction replaces the word
    # of the two-word name before it that it is a form of (the same first two letters), so
    # the surname is not lost; flagged, as the bot chose
    before = _take_name(said[: said.rfind(fixed)], lang)
    words = (before.value or "").split()
    new = take.value
    alike = [i for i, w in enumerate(words) if w[:2].lower() == new[:2].lower() and w != new]
    if len(words) != 2 or len(alike) != 1:  # a first name and a surname
        return take
    words[alike[0]] = new
    return NameTake(" ".join(words), True)


def _take_name(said: str, lang: str) -> NameTake:
    text = corrected(said, lang)
    cased = any(ch.isupper() for ch in said) and any(ch.islower() for ch in said)
    if cased and text != said and not any(w[:1].isupper() for w in _words(text)):
        # "Anna Nowak, sorry, the dog is barking": an apology for an aside, not a new name
        text = said
    # "Kwiaciarnia Storczyk... znaczy, sam Storczyk": after a correction or a first part,
    # "sam", "just" (`just_words`) before the name meant is no part of it
    fixed = text != said
    candidates: list[_Candidate] = []
    nicknames: list[_Candidate] = []
    segments = _clauses(text)
    # after the name, a sentence begun as a note on how it is written ("Fix po angielsku,
    # phone też, i cyfry dwa cztery") and the rest of a sentence begun as an explanation
    # ("Bo wie pan, zaczynałem od Junaka po ojcu, ...") are about the name, clause by clause
    beside = False
    sentence_from = 0  # the first candidate said in the current sentence
    added_at = -1  # the clause the last candidate was said in
    for index, (segment, sentence_start, asked) in enumerate(segments):
        words = [w.strip('"“”„«»') for w in _words(segment)]
        words = [w for w in words if w]
        beside = beside and not sentence_start
        if sentence_start:
            sentence_from = len(candidates)
            sentence = [w for seg, *_ in _sentence_of(segments, index) for w in _words(seg)]
            beside = bool(candidates) and _restates(sentence, candidates, lang)
        if beside:
            continue
        if words and _mentions(words, lang, "nickname_trails"):
            # "Pani Halinka, tak na mnie mówią na osiedlu", "Auntie Hal, that's what they
            # call me": the clause before it in its sentence is a nickname, beside a name
            # said before (the answer only when no other name is said)
            if not sentence_start and added_at == index - 1 and len(candidates) > sentence_from:
                nickname = candidates.pop()
                if not candidates:
                    nicknames.append(_Candidate(nickname.words, False))
            beside = True
            continue
        if (
            candidates
            and sentence_start
            and [_bare(w) for w in words] in _phrase_list(lang, "remarks")
        ):
            # "Skórzana Torba. Wiem, mało oryginalne, ale klienci pamiętają.": a sentence
            # begun with a remark on the name said before is beside it
            beside = True
            continue
        if words and _mentions(words, lang, "origin_words"):
            # "Włóczkowe Cuda. To wnuczek wymyślił, Kacperek, ...", "My grandson came up
            # with it": who thought the name up, or where it comes from, to the end of the
            # sentence, is beside a name said before it
            if sentence_from > 0:
                del candidates[sentence_from:]
            beside = bool(candidates)
            continue
        if asked or (words and _asks_back(words, lang)):
            # "A po co panu moje nazwisko?", "Co? Nazwisko? Mazur.": a question back
            continue
        if words and _spelling_starts(words, segments[index + 1 : index + 2]):
            continue  # "Price is P, R, I, C, E": the spelling begins in this clause
        nickname = _lead(words, lang, "nickname_leads")
        if nickname and not candidates:
            # "Wszyscy mówią na mnie pani Basia. A tak to Barbara Zięba.": a nickname
            # before the name; it is the answer only when no other name is said
            rest = _strip_edges(words[nickname:], lang)
            if rest and not _only_filler(rest, lang):
                nicknames.append(_Candidate(rest, False))
            continue
        lead = _surname_lead(words, lang)
        if lead and candidates:
            # "Татьяна, фамилия Волкова": the surname of the name just said
            rest = _strip_edges(words[lead:], lang)
            if rest and not _only_filler(rest, lang):
                last = candidates[-1]
                candidates[-1] = _Candidate(last.words + rest, last.sentence_start)
                continue
        if candidates and words and sentence_start and _is_aside(words, lang):
            beside = True
        words = _cut_aside(words, lang)
        if beside or not words or _only_filler(words, lang) or _is_aside(words, lang):
            continue
        if candidates and _leads_aside(words, lang):
            beside = True
            continue
        if _is_hedge(words, lang):
            continue
        # also when the name is said again: "Szczupak, po prostu Szczupak"
        just = (fixed and not candidates) or bool(candidates)
        stripped = _strip_edges(words, lang, ("just_words",) if just else ())
        if stripped and not _only_filler(stripped, lang) and not _is_aside(stripped, lang):
            candidates.append(_Candidate(stripped, sentence_start and stripped == words))
            added_at = index
    guess = False
    if not candidates and nicknames:
        candidates, guess = nicknames, True
    candidates = _as_noted(_without_generic_word(candidates, lang), said, lang)
    # "Tom, Tom Riley", "Przecinek. Księgarnia Przecinek", "Moto-Bart. Moto, Bart": a part
    # said again inside another one is that one; "Jan Kowal... Kowalczyk! Jan Kowalczyk":
    # a false start, the beginning of a part said after it, is that part
    kept: list[_Candidate] = []
    for i, c in enumerate(candidates):
        key = _key(c.words)
        later = [_key(o.words) for o in candidates[i + 1 :]]
        earlier = [_key(o.words) for o in candidates[:i]]
        if (
            any(_contained(key, k) for k in later)
            or any(_contained(key, k) and k != key for k in earlier)
            or any(_false_start(key, k) for k in later)
        ):
            continue
        kept.append(c)
    kept = _without_pieces_said(kept)
    if not kept:
        return NameTake(None)
    if len(kept) > 1 and cased:
        # "Um, we haven't decided. Second Gear Parts": the part written like a name (a
        # single word at a sentence's start may be a first name: "Jessica, J, E, ...")
        named = [
            c
            for c in kept
            if _looks_like_name(c, lang)
            or (len(c.words) == 1 and any(ch.isupper() for ch in c.words[0]))
        ]
        if named and len(named) < len(kept):
            kept, guess = named, True
        # "Kevin Schmidt. ... Ojciec był Niemcem.": a sentence with words of a sentence in
        # lower case after a part written wholly like a name is a remark, not the name
        remarks = [
            i
            for i, c in enumerate(kept)
            if i > 0
            and c.sentence_start
            and _plain_words(c, lang)
            and any(not _plain_words(o, lang) and _looks_like_name(o, lang) for o in kept[:i])
        ]
        if remarks:
            kept, guess = [c for i, c in enumerate(kept) if i not in remarks], True
    if len(kept) == 2 and all(len(c.words) == 1 for c in kept):
        # "Grzegorz... Kaczmarek": a first and a last name with a pause between; "Nowak.
        # Piotr.": a known first name (`first_names`) said alone after a lone surname
        # goes first
        words = kept[0].words + kept[1].words
        firsts = _first_names(lang)
        if kept[1].sentence_start and _bare(words[1]) in firsts and _bare(words[0]) not in firsts:
            words = [words[1], words[0]]
        kept, guess = [_Candidate(words, False)], True
    elif len(kept) == 2 and _form_of_first_name(kept[0].words, kept[1].words):
        # "Piotrek Zięba. Piotr, znaczy.", "Magdalena Pawlak. Madzia.": a form of the first
        # name after the full name; with a mark after it ("znaczy", "I mean"; form_marks) it
        # is the first name meant, else a nickname aside; the surname is never lost
        words = list(kept[0].words)
        marks = _phrase_list(lang, "form_marks")
        if _ends_with(said, marks) or _ends_with(said, marks, before_last_word=True):
            words[0] = kept[1].words[0]  # "Tomasz, znaczy.", "W dowodzie Przemysław."
        kept, guess = [_Candidate(words, False)], True
    elif len(kept) > 1 and len(kept[-1].words) > 1 and all(len(c.words) == 1 for c in kept[:-1]):
        # "Gaz. Well, Gary Holt": a nickname or a false start, then the full name
        kept, guess = [kept[-1]], True
    # parts that are not one name said twice are all kept (a misheard name loses no word),
    # and the bot is unsure of them
    unsure = (
        guess
        or len(kept) > 1
        or sum(len(c.words) for c in kept) > MAX_NAME_WORDS
        or (cased and any(_plain_words(c, lang) for c in kept))
    )
    return NameTake(", ".join(name_case(c.words, lang) for c in kept), unsure)


def _without_pieces_said(candidates: list[_Candidate]) -> list[_Candidate]:
    """ "MotoKlik. Moto, a potem Klik": a one-word name, then the pieces it is made of said
    one by one, is that name."""
    for i, whole in enumerate(candidates):
        if len(whole.words) != 1:
            continue
        joined = ""
        for j in range(i + 1, len(candidates)):
            if len(candidates[j].words) != 1:
                break
            joined += _bare(candidates[j].words[0])
            if j > i + 1 and joined == _bare(whole.words[0]):
                return candidates[: i + 1] + candidates[j + 1 :]
    return candidates


def _first_names(lang: str) -> set[str]:
    return {p[0] for p in _phrase_list(lang, "first_names") if len(p) == 1}


def take_person_name(text: str, lang: str) -> NameTake:
    """`take_name` for a person: "Pawlak Ryszard", said surname first as on a form, is
    written Ryszard Pawlak (only when the second word is a known first name, `first_names`,
    and the first is not)."""
    take = take_name(text, lang)
    words = (take.value or "").split(" ")
    firsts = _first_names(lang)
    if len(words) == 2 and _bare(words[1]) in firsts and _bare(words[0]) not in firsts:
        return NameTake(f"{words[1]} {words[0]}", take.unsure)
    return take


def _false_start(start: list[str], whole: list[str]) -> bool:
    """ "Jan Kowal" of "Jan Kowalczyk": the words of a part, the last one cut short, begin
    a part of two words or more said after it ("Jan... Janowski" is a first name and a
    surname)."""
    return (
        len(start) <= len(whole)
        and len(whole) > 1
        and start[:-1] == whole[: len(start) - 1]
        and whole[len(start) - 1] != start[-1]
        and whole[len(start) - 1].startswith(start[-1])
    )


def _form_of_first_name(name: list[str], word: list[str]) -> bool:
    """One word, not the first name itself, sharing its first two letters ("Józek" of
    "Józef", "Tom" of "Thomas"), said after a first name and a surname."""
    if len(name) != 2 or len(word) != 1:
        return False
    first, form = name[0].lower(), word[0].lower()
    return first != form and first[:2] == form[:2]


def _ends_with(said: str, phrases: list[list[str]], *, before_last_word: bool = False) -> bool:
    """Whether the text ends with one of the phrases (or with one and one word more)."""
    lowered = [_bare(w) for w in _words(said)]
    if before_last_word:
        lowered = lowered[:-1]
    return any(p and lowered[-len(p) :] == p for p in phrases)


def _surname_lead(words: list[str], lang: str) -> int:
    """How many words at the start introduce the surname of the name said before it
    (`surname_leads`: "фамилия", "а фамилия"), or 0."""
    lowered = [_bare(w) for w in words]
    for phrase in _phrase_list(lang, "surname_leads"):
        if lowered[: len(phrase)] == phrase and len(words) > len(phrase):
            return len(phrase)
    return 0


def _without_generic_word(candidates: list[_Candidate], lang: str) -> list[_Candidate]:
    """ "Pod Lipami. Sklep Pod Lipami", "Pasja. Sklep wędkarski Pasja": a name said again
    after the generic word for what it names (`generic_words`: "sklep", "firma"), with or
    without its adjectives, is the name said alone; "Księgarnia
    Przecinek" after "Przecinek" keeps its word, as that one is no generic word."""
    generic = {p[0] for p in _phrase_list(lang, "generic_words") if len(p) == 1}
    keys = [_key(c.words) for c in candidates]
    out: list[_Candidate] = []
    for c, key in zip(candidates, keys, strict=True):
        # "Pasja. Sklep wędkarski Pasja": the generic word's adjectives go with it
        tail = next((j for j in range(1, len(key)) if key[0] in generic and key[j:] in keys), 0)
        if tail:
            c = _Candidate(c.words[tail:], False)
        out.append(c)
    return out


def _as_noted(candidates: list[_Candidate], said: str, lang: str) -> list[_Candidate]:
    """The name as the merchant says it is written: numbers in digits after a note like
    "cyframi" ("Ciemnia trzydzieści pięć, trzydzieści pięć cyframi" is "Ciemnia 35"), and
    its "i"/"and" as "&" after one like "ampersandem" (`digit_notes`, `ampersand_notes`)."""
    lowered = " " + " ".join(_bare(w) for w in _words(said)) + " "

    # "Trzy słownie, nie cyfrą": a note said with a negator before it is the opposite
    negators = [" ".join(p) for p in _phrase_list(lang, "note_negators")]

    def noted(key: str) -> bool:
        notes = [" ".join(p) for p in _phrase_list(lang, key)]
        said = [n for n in notes if f" {n} " in lowered]
        return any(not any(f" {neg} {n} " in lowered for neg in negators) for n in said)

    digits, ampersand = noted("digit_notes"), noted("ampersand_notes")
    if not digits and not ampersand:
        return candidates
    ands = {p[0] for p in _phrase_list(lang, "ampersand_words") if len(p) == 1}
    out: list[_Candidate] = []
    for c in candidates:
        words = list(c.words)
        if ampersand:
            words = ["&" if i > 0 and _bare(w) in ands else w for i, w in enumerate(words)]
        if digits:
            spans = {s.start: s for s in find_numbers([_bare(w) for w in words], lang)}
            numbered: list[str] = []
            i = 0
            while i < len(words):
                span = spans.get(i)
                if span and numbered and numbered[-1].isdigit():
                    numbered[-1] += span.digits  # "trzy pięć cyframi" is 35
                else:
                    numbered.append(span.digits if span else words[i])
                i = span.end if span else i + 1
            words = numbered
        out.append(_Candidate(words, c.sentence_start))
    return out


# -- list and category values ---------------------------------------------------------------
def _tokens(text: str) -> list[str]:
    return [t.strip().lower() for t in _WORD.findall(text.replace("’", "'"))]


def _stem_matches(stem: str, tokens: list[str], at: int) -> int:
    """How many tokens the stem covers at this position (0: no match)."""
    whole = stem.startswith("=")
    # the words are split at hyphens ("t-shirt" is "t", "shirt"), so are the stems
    parts = stem.lstrip("=").lower().replace("-", " ").split()
    if at + len(parts) > len(tokens):
        return 0
    for offset, part in enumerate(parts):
        token = tokens[at + offset]
        last = offset == len(parts) - 1
        if last and not whole:
            if not token.startswith(part):
                return 0
        elif token != part:
            return 0
    return len(parts)


def _is_separator(token: str) -> bool:
    return bool(_SEPARATOR.match(token)) or token in ("", ".")


def lexicon_hits(text: str, kind: str, lang: str) -> list[Hit]:
    """Every value of `kind` named in the text, where, and whether it was ruled out."""
    tokens = _tokens(text)
    table = lexicon()[kind]
    hits: list[Hit] = []
    for value, stems in table.items():
        for at in range(len(tokens)):
            length = max((_stem_matches(str(s), tokens, at) for s in stems), default=0)
            if length:
                hits.append(Hit(at, at + length, value))
    hits = _drop_online_shops(hits, tokens) if kind == "sales_channels" else hits
    # "postawiony lata temu" is no Temu (`not_values`)
    blocked = _not_value_tokens(tokens, lang)
    hits = [h for h in hits if not any(i in blocked for i in range(h.start, h.end))]
    # one value per stretch of words: the longest stem wins ("cash on delivery" over "cash")
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    chosen: list[Hit] = []
    covered_until = -1
    for hit in hits:
        if hit.start >= covered_until:
            chosen.append(hit)
            covered_until = hit.end
    negated = [_negate(h, tokens, lang, kind, chosen) for h in chosen]
    return _not_sold_so(negated, tokens, lang) if kind == "sales_channels" else negated


def _not_value_tokens(tokens: list[str], lang: str) -> set[int]:
    """The tokens of phrases that name no value though a stem matches them (`not_values`)."""
    phrases = [str(p) for p in (lexicon().get("not_values") or {}).get(lang, [])]
    out: set[int] = set()
    for at in range(len(tokens)):
        length = max((_stem_matches(p, tokens, at) for p in phrases), default=0)
        out.update(range(at, at + length))
    return out


def _not_sold_so(hits: list[Hit], tokens: list[str], lang: str) -> list[Hit]:
    """ "Stacjonarnie nie sprzedajemy": a value right beside a "none" said with a negation
    ("nie sprzedajemy", "don't sell"), in its clause, is ruled out (not when the clause
    makes an exception: "nigdzie poza Allegro"); "Przez internet jeszcze
    nie sprzedajemy, tylko strona z galerią jest": with an online word in that clause, the
    online values (`online_channels`) to the end of the sentence (or a `contrasts` word) are
    ruled out."""
    table = lexicon()
    negations = [str(n) for n in (table.get("negations") or {}).get(lang, [])]
    markers = [str(m) for m in table.get("online_markers") or []]
    online = {str(v) for v in table.get("online_channels") or []}
    contrasts = [str(c) for c in (table.get("contrasts") or {}).get(lang, [])]
    exceptions = [str(n) for n in (table.get("negation_exceptions") or {}).get(lang, [])]
    out = list(hits)
    for none in hits:
        if none.value != "none" or not any(
            _stem_matches(n, tokens, i) for n in negations for i in range(none.start, none.end)
        ):
            continue
        left, right = _clause(tokens, none.start, none.end)
        if any(_stem_matches(e, tokens, i) for e in exceptions for i in range(left, right)):
            continue  # "nie sprzedajemy nigdzie poza Allegro": only Allegro
        covered = {i for h in hits for i in range(h.start, h.end)}
        said_online = any(
            _stem_matches(m, tokens, i)
            for m in markers
            for i in range(left, right)
            if i not in covered
        )
        end = none.end
        while end < len(tokens) and tokens[end] not in (".", "!", "?", "…", "..."):
            if any(_stem_matches(c, tokens, end) for c in contrasts):
                break
            end += 1
        for k, hit in enumerate(out):
            if hit.value == "none" or hit.negated:
                continue
            # right before it, or up to two words after ("don't sell from a shop")
            beside = left <= hit.start and hit.end <= right and none.start - 1 <= hit.end
            beside = beside and hit.start <= none.end + 2
            after = said_online and hit.value in online and none.end <= hit.start < end
            if beside or after:
                out[k] = Hit(hit.start, hit.end, hit.value, negated=True)
    return out


def _drop_online_shops(hits: list[Hit], tokens: list[str]) -> list[Hit]:
    """ "sklep na Shoperze", "Shopify shop": a shop word next to an online word is no
    physical shop."""
    markers = [str(m) for m in lexicon().get("online_markers") or []]
    breaks = {"and", "i", "oraz", "a", "but", "ale", "и", "а", "но"}

    def online_near(hit: Hit) -> bool:
        window: list[int] = []
        for i in range(hit.end, min(len(tokens), hit.end + 3)):
            if _is_separator(tokens[i]) or tokens[i] in breaks:
                break
            window.append(i)
        if hit.start > 0 and not _is_separator(tokens[hit.start - 1]):
            window.append(hit.start - 1)
        return any(_stem_matches(m, tokens, i) for i in window for m in markers)

    return [h for h in hits if h.value != "physical_store" or not online_near(h)]


_BREAKS = {"and", "i", "oraz", "but", "ale", "tylko", "only", "just", "lecz", "also", "też"}
_BREAKS |= {"и", "но", "только", "также", "тоже", "зато"}  # Russian
_EITHER = {"też", "also", "either", "тоже", "также"}


def _negate(hit: Hit, tokens: list[str], lang: str, kind: str, hits: list[Hit]) -> Hit:
    """ "not the post", "bez pobrania", "nie na Allegro": up to three words back, within
    the clause; "Kart nie", "PayPala nie": a negation after it (`negations_after`), unless
    that negation starts the next value ("kurier nie poczta"); "kiedyś byliśmy na Allegro,
    ale już nie", "we used to be on eBay": a value of the past (`past_markers`); a value
    in the reason for another ("bo ...", `reason_markers`)."""
    if hit.value == "none":
        return hit
    negated = Hit(hit.start, hit.end, hit.value, negated=True)
    # said in so many words, unless in the reason for another value
    in_reason = _in_reason(hit, tokens, lang, hits)
    denied = Hit(hit.start, hit.end, hit.value, True, denied=not in_reason)
    table = lexicon()
    negations = [str(n) for n in (table.get("negations") or {}).get(lang, [])]
    exceptions = [str(n) for n in (table.get("negation_exceptions") or {}).get(lang, [])]
    for i in range(hit.start - 1, max(-1, hit.start - 4), -1):
        if _is_separator(tokens[i]) or tokens[i] in _BREAKS:
            break
        if any(_stem_matches(n, tokens, i) for n in negations) and not any(
            _stem_matches(e, tokens, j) for e in exceptions for j in (i, i - 1) if j >= 0
        ):
            return denied
    starts = {h.start for h in hits if h is not hit}
    # "Sklepu stacjonarnego nie prowadzę": the same value said on is the same phrase
    others = {h.start for h in hits if h.value != hit.value}
    after = [str(n) for n in (table.get("negations_after") or {}).get(lang, [])]
    for i in range(hit.end, min(len(tokens), hit.end + 3)):
        # "kart też nie": "też" joins the negation here, it starts no new clause
        if _is_separator(tokens[i]) or tokens[i] in _BREAKS - _EITHER or i in others:
            break
        length = max((_stem_matches(n, tokens, i) for n in after), default=0)
        if length:
            if i + length in starts:
                break  # "kurier nie poczta": the negation is the next value's
            return denied
    past = [str(n) for n in (table.get("past_markers") or {}).get(lang, [])]
    if past and _in_past_clause(hit, tokens, past, starts):
        return negated
    if kind in ALL_KINDS and _for_the_shop_floor(hit, tokens, lang):
        return negated
    return negated if in_reason else hit


def _in_reason(hit: Hit, tokens: list[str], lang: str, hits: list[Hit]) -> bool:
    """ "Kurier, bo słoiki w paczkomacie się tłuką": a value named only in the reason given
    for another (`reason_markers`, up to the clause's punctuation) is not chosen, nor is it
    denied by a "nie" there ("bo wózek się do paczkomatu nie zmieści")."""
    reasons = [str(n) for n in (lexicon().get("reason_markers") or {}).get(lang, [])]
    for i in range(hit.start - 1, -1, -1):
        if _is_separator(tokens[i]):
            return False
        if any(_stem_matches(r, tokens, i) for r in reasons):
            # only a reason for a value said before it ("Bo kurier najlepszy" names one)
            return any(h.end <= i for h in hits if h is not hit)
    return False


def _clause(tokens: list[str], start: int, end: int) -> tuple[int, int]:
    """The clause around tokens[start:end]: up to the punctuation or a conjunction ("and",
    "ale") on either side."""

    def edge(token: str) -> bool:
        return _is_separator(token) or token in _BREAKS

    left = start
    while left > 0 and not edge(tokens[left - 1]):
        left -= 1
    right = end
    while right < len(tokens) and not edge(tokens[right]):
        right += 1
    return left, right


def _for_the_shop_floor(hit: Hit, tokens: list[str], lang: str) -> bool:
    """ "W sklepie to gotówka, ale w necie przelew i BLIK": a payment or delivery said for
    the physical shop (`offline_markers` in its clause), set against the online one
    (`online_contrasts` in another clause), is not the online store's."""
    table = lexicon()
    offline = [str(m) for m in (table.get("offline_markers") or {}).get(lang, [])]
    online = [str(m) for m in (table.get("online_contrasts") or {}).get(lang, [])]
    if not offline or not online:
        return False
    left, right = _clause(tokens, hit.start, hit.end)
    here = any(_stem_matches(m, tokens, i) for m in offline for i in range(left, right))
    return here and any(
        _stem_matches(m, tokens, i)
        for m in online
        for i in range(len(tokens))
        if not left <= i < right
    )


def _in_past_clause(hit: Hit, tokens: list[str], past: list[str], starts: set[int]) -> bool:
    left, right = _clause(tokens, hit.start, hit.end)
    if any(_stem_matches(m, tokens, i) for m in past for i in range(left, right)):
        return True
    # "Na Allegro byliśmy, ale już nie", "an Etsy shop but closed it": the next clause,
    # naming no value, says it is over
    if right < len(tokens):
        nxt_left, nxt_right = _clause(tokens, right + 1, right + 1)
        if not any(nxt_left <= s < nxt_right for s in starts):
            return any(
                _stem_matches(m, tokens, i) for m in past for i in range(right + 1, nxt_right)
            )
    return False


def canonical(values: list[str], kind: str, lang: str) -> tuple[list[str], list[str]]:
    """Entity values as the lexicon's ids ("Card" -> card), and those it does not know."""
    known = lexicon()[kind]
    ids: list[str] = []
    unknown: list[str] = []
    for value in values:
        if value in known:
            ids.append(value)
        elif value.lower() in known:
            ids.append(value.lower())
        else:
            found = [h.value for h in lexicon_hits(value, kind, lang) if not h.negated]
            (ids.append(found[0]) if found else unknown.append(value))
    return list(dict.fromkeys(ids)), unknown


def list_answer(text: str, kind: str, lang: str, entities: list[str]) -> ListTake:
    """Every value named (the NLU's entities and the lexicon's matches together), in the
    order said, without the ones ruled out; a self-correction keeps what came after it."""
    fixed = corrected(text, lang)
    if fixed != text:
        # the NLU read the whole sentence: keep its entities the correction still names
        entities = [e for e in entities if e.lower() in fixed.lower()]
    take = _list_answer(fixed, kind, lang, entities)
    if not take.values:
        take = _list_answer(text, kind, lang, entities)
    return take


def _list_answer(text: str, kind: str, lang: str, entities: list[str]) -> ListTake:
    hits = lexicon_hits(text, kind, lang)
    ruled_out = {h.value for h in hits if h.negated}
    named = [h.value for h in hits if not h.negated]
    # a value denied the last time it is named, in the words it was named with before, is
    # out: "Winyle pocztą się łamią, więc Poczta Polska odpada" (while "Kurierem nie... a,
    # kurier też" keeps it, and so does "na OLX, nie na Allegro")
    tokens = _tokens(text)
    last_said = {h.value: h for h in sorted(hits, key=lambda h: h.start)}
    denied_last = {
        value
        for value, last in last_said.items()
        if last.denied
        and all(
            tokens[h.start][:4] == tokens[last.start][:4]
            for h in hits
            if h.value == value and not h.negated
        )
    }
    from_nlu, unknown = canonical(entities, kind, lang)
    values = [
        v
        for v in dict.fromkeys([*named, *from_nlu])
        if (v not in ruled_out or v in named) and v not in denied_last
    ]
    if len(values) > 1 and "none" in values:
        values.remove("none")
    if not values and kind in ALL_KINDS and _says_all(text, lang):
        # "everything except PayPal", "wszystkie": every value but those ruled out, a guess
        offered = ((lexicon().get("offered") or {}).get(lang) or {}).get(kind)
        values = [
            v
            for v in offered or lexicon()[kind]
            if v != "none" and v not in ruled_out and v in lexicon()[kind]
        ]
        return ListTake(values, partial=True)
    return ListTake(values, partial=bool(unknown) or _names_unknown(text, hits))


ALL_KINDS = ("payment_methods", "shipping_methods")


def _says_all(text: str, lang: str) -> bool:
    tokens = _tokens(text)
    words = [str(w) for w in (lexicon().get("all_words") or {}).get(lang, [])]
    return any(_stem_matches(w, tokens, i) for w in words for i in range(len(tokens)))


def _names_unknown(text: str, hits: list[Hit]) -> bool:
    """A proper name (a capitalised word not starting a sentence) that no value covers,
    like "Discogs" or "Instagram": the list may be missing something."""
    tokens = _WORD.findall(text.replace("’", "'"))
    covered = {i for h in hits for i in range(h.start, h.end)}
    for index, token in enumerate(tokens):
        starts_sentence = index == 0 or tokens[index - 1].strip() in (".", "!", "?")
        place = index > 0 and tokens[index - 1].lower() in _PLACE_WORDS  # "in Leeds"
        if (
            not place
            and token[:1].isupper()
            and not starts_sentence
            and index not in covered
            and token not in ("I", "I'm", "I've")
        ):
            return True
    return False


def industry_answer(text: str, lang: str, entities: list[str]) -> IndustryTake:
    """The taxonomy's category closest to what was said, and how sure: the share of the
    keywords heard that point to it (an NLU entity the keywords missed counts as one)."""
    hits = [h for h in lexicon_hits(corrected(text, lang), "industry", lang) if not h.negated]
    if not hits:  # "Oscypki, bundz... Jedzenie, znaczy się, regionalne.": a filler "znaczy"
        hits = [h for h in lexicon_hits(text, "industry", lang) if not h.negated]
    ids, _ = canonical(entities, "industry", lang)
    named = [h.value for h in hits]
    votes: dict[str, int] = {}
    order: list[str] = []
    for value in named + [i for i in ids if i not in named]:
        votes[value] = votes.get(value, 0) + 1
        if value not in order:
            order.append(value)
    if not votes:
        return IndustryTake(None, 0.0)
    best = max(order, key=lambda v: (votes[v], -order.index(v)))
    total = sum(votes.values())
    confidence = votes[best] / total
    if total == 1:
        confidence = 0.8  # one word, one category: likely, not proven
    return IndustryTake(best, round(confidence, 2))
