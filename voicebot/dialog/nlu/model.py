"""Intent classification (TF-IDF word and character n-grams and token shapes + a linear SVM)
and entity extraction (annotated values, lookup tables, regexes, synonyms, and a CRF that
learns from the words around the values) for one language."""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from voicebot.dialog.nlu.crf import CRFEntityExtractor
from voicebot.dialog.nlu.data import NLUData
from voicebot.dialog.nlu.features import shape_words
from voicebot.dialog.nlu.pipeline import NLUConfig

FALLBACK_INTENT = "nlu_fallback"
_SOFTMAX_SCALE = 3.0
_TOKEN = re.compile(r"\w+", re.UNICODE)
_INTENT_MESSAGE = re.compile(r"^/(?P<intent>[^{@\s]+)(?P<entities>\{.*\})?\s*$", re.DOTALL)


def normalise_text(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower().strip()


def parse_intent_message(text: str) -> dict[str, Any] | None:
    """Rasa's `/intent{"entity": "value"}` shortcut, or None if `text` is not one."""
    match = _INTENT_MESSAGE.match(text.strip())
    if not match:
        return None
    entities = []
    if match.group("entities"):
        try:
            values = json.loads(match.group("entities"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"bad entities in {text!r}: {exc.msg}") from exc
        if not isinstance(values, dict):
            raise ValueError(f"entities in {text!r} must be a JSON object")
        for name, value in values.items():
            for item in value if isinstance(value, list) else [value]:
                entities.append(
                    {
                        "entity": name,
                        "value": item,
                        "start": 0,
                        "end": 0,
                        "confidence_entity": 1.0,
                        "extractor": "intent_message",
                    }
                )
    intent = match.group("intent")
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities,
        "intent_ranking": [{"name": intent, "confidence": 1.0}],
    }


@dataclass
class _Phrase:
    tokens: tuple[str, ...]
    entity: str
    value: Any | None  # None: the matched text (after synonyms)
    role: str | None
    group: str | None
    extractor: str


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0).lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _fold(word: str) -> str:
    """Without diacritics: speech recognisers and typists often drop them."""
    decomposed = unicodedata.normalize("NFKD", word.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _similar(a: str, b: str) -> bool:
    """Same word up to diacritics and an inflected ending (Polish cases, English plurals)."""
    a, b = _fold(a), _fold(b)
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 3:
        return False
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    # The shorter word may lose two letters of its ending, the longer may add four at most:
    # "przelew" ~ "przelewem", but not ~ "przełączyć".
    return common >= max(5, min(len(a), len(b)) - 2, max(len(a), len(b)) - 4)


class EntityExtractor:
    """The rule-based extractor: annotated values, lookup entries and synonyms as phrases
    (also without diacritics and with an inflected ending), and regexes."""

    def __init__(
        self,
        data: NLUData,
        entities: list[str] | None = None,
        *,
        use_regexes: bool = True,
        use_synonyms: bool = True,
    ) -> None:
        self.synonyms = (
            {normalise_text(k): v for k, v in data.synonyms.items()} if use_synonyms else {}
        )
        known = set(entities or []) | {e["entity"] for x in data.examples for e in x.entities}
        known |= set(data.lookups)
        self.regexes = [
            (name, re.compile(pattern, re.IGNORECASE))
            for name, patterns in data.regexes.items()
            if name in known
            for pattern in patterns
            if use_regexes
        ]
        phrases: dict[tuple[Any, ...], _Phrase] = {}
        for example in data.examples:
            for ent in example.entities:
                surface = example.text[ent["start"] : ent["end"]]
                toks = tuple(t for t, _, _ in _tokens(surface))
                value = ent["value"] if str(ent["value"]) != surface else None
                key = (toks, ent["entity"], ent.get("role"), ent.get("group"))
                phrases.setdefault(
                    key,
                    _Phrase(
                        toks, ent["entity"], value, ent.get("role"), ent.get("group"), "annotation"
                    ),
                )
        for name, items in data.lookups.items():
            for item in items:
                toks = tuple(t for t, _, _ in _tokens(item))
                phrases.setdefault(
                    (toks, name, None, None), _Phrase(toks, name, None, None, None, "lookup")
                )
        # a synonym's surface forms find the entity the synonym value belongs to
        value_entity = {
            str(p.value if p.value is not None else " ".join(p.tokens)).lower(): p.entity
            for p in phrases.values()
        }
        for surface, value in self.synonyms.items():
            entity = value_entity.get(str(value).lower())
            toks = tuple(t for t, _, _ in _tokens(surface))
            if entity and toks:
                phrases.setdefault(
                    (toks, entity, None, None), _Phrase(toks, entity, None, None, None, "synonym")
                )
        self.phrases = [p for p in phrases.values() if p.tokens]

    def extract(self, text: str) -> list[dict[str, Any]]:
        tokens = _tokens(text)
        words = [t for t, _, _ in tokens]
        candidates: list[tuple[float, int, dict[str, Any]]] = []
        for phrase in self.phrases:
            n = len(phrase.tokens)
            for i in range(len(words) - n + 1):
                window = words[i : i + n]
                if tuple(window) == phrase.tokens:
                    confidence = 1.0
                elif [_fold(w) for w in window] == [_fold(t) for t in phrase.tokens]:
                    confidence = 0.9
                elif all(_similar(a, b) for a, b in zip(window, phrase.tokens, strict=True)):
                    confidence = 0.8
                else:
                    continue
                start, end = tokens[i][1], tokens[i + n - 1][2]
                candidates.append(
                    (
                        confidence,
                        end - start,
                        self._entity(
                            text,
                            start,
                            end,
                            phrase.entity,
                            phrase.value,
                            phrase.role,
                            phrase.group,
                            confidence,
                            f"{phrase.extractor}_extractor",
                        ),
                    )
                )
        for name, pattern in self.regexes:
            for match in pattern.finditer(text):
                if match.end() > match.start():
                    candidates.append(
                        (
                            0.95,
                            match.end() - match.start(),
                            self._entity(
                                text,
                                match.start(),
                                match.end(),
                                name,
                                None,
                                None,
                                None,
                                1.0,
                                "RegexEntityExtractor",
                            ),
                        )
                    )
        # longest, most certain matches first; no overlaps
        candidates.sort(key=lambda c: (-c[1], -c[0], c[2]["start"]))
        chosen: list[dict[str, Any]] = []
        for _, _, entity in candidates:
            if all(entity["end"] <= c["start"] or entity["start"] >= c["end"] for c in chosen):
                chosen.append(entity)
        return sorted(chosen, key=lambda e: e["start"])

    def map_synonym(self, entity: dict[str, Any]) -> dict[str, Any]:
        """A learned entity's value through the synonyms (also without diacritics)."""
        surface = normalise_text(str(entity["value"]))
        value = self.synonyms.get(surface)
        if value is None:
            value = self._folded_synonyms().get(_fold(surface))
        if value is not None:
            entity = {**entity, "value": value, "processors": ["EntitySynonymMapper"]}
        return entity

    def _folded_synonyms(self) -> dict[str, Any]:
        if not hasattr(self, "_folded"):
            self._folded = {_fold(k): v for k, v in self.synonyms.items()}
        return self._folded

    def _entity(
        self,
        text: str,
        start: int,
        end: int,
        name: str,
        value: Any,
        role: str | None,
        group: str | None,
        confidence: float,
        extractor: str,
    ) -> dict[str, Any]:
        surface = text[start:end]
        entity: dict[str, Any] = {
            "entity": name,
            "start": start,
            "end": end,
            "value": surface if value is None else value,
            "confidence_entity": confidence,
            "extractor": extractor,
        }
        synonym = self.synonyms.get(normalise_text(surface))
        if value is None and synonym is not None:
            entity["value"] = synonym
            entity["processors"] = ["EntitySynonymMapper"]
        if role:
            entity["role"] = role
        if group:
            entity["group"] = group
        return entity


def combine(rules: list[dict[str, Any]], learned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rule matches (exact values, lookups, regexes) win where they overlap a learned entity;
    the CRF adds what the rules do not know."""
    chosen = list(rules)
    for entity in learned:
        if all(entity["end"] <= c["start"] or entity["start"] >= c["end"] for c in chosen):
            chosen.append(entity)
    return sorted(chosen, key=lambda e: e["start"])


def _with_entity_marks(text: str, entities: list[dict[str, Any]], shapes: bool = True) -> str:
    """The text plus one word per entity type found and per number-like token's shape, so
    that an unseen value of a known entity (a lookup entry, a regex match, a number the
    data never had) still points to the right intent."""
    marks = sorted({f"entity_{e['entity']}" for e in entities})
    if shapes:
        marks += shape_words(text)
    return f"{normalise_text(text)} {' '.join(marks)}".strip()


class IntentClassifier:
    def __init__(self, data: NLUData, config: NLUConfig | None = None) -> None:
        self.config = config or NLUConfig()
        shapes = self.config.shape_features
        texts = [_with_entity_marks(e.text, e.entities, shapes) for e in data.examples]
        labels = [e.intent for e in data.examples]
        self.labels = sorted(set(labels))
        self.pipeline: Pipeline | None = None
        if len(self.labels) < 2:
            return
        parts: list[tuple[str, TfidfVectorizer]] = [
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=self.config.word_ngrams,
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                ),
            )
        ]
        if self.config.char_ngrams:
            parts.append(
                (
                    "chars",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=self.config.char_ngrams, sublinear_tf=True
                    ),
                )
            )
        features = FeatureUnion(parts)
        self.pipeline = Pipeline(
            [
                ("features", features),
                ("classifier", LinearSVC(C=1.0)),
            ]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.pipeline.fit(texts, labels)

    def rank(self, text: str, entities: list[dict[str, Any]]) -> list[tuple[str, float]]:
        if self.pipeline is None:
            return [(self.labels[0], 1.0)] if self.labels else []
        marked = _with_entity_marks(text, entities, self.config.shape_features)
        scores = self.pipeline.decision_function([marked])[0]
        if len(self.labels) == 2:  # a binary SVM gives one margin for the second class
            scores = np.array([-scores, scores]).ravel()
        # A softmax over the SVM margins: a known phrase scores ~0.9+, unseen text spreads out
        # and falls under the fallback threshold. (Linear SVM trains in milliseconds, where
        # logistic regression on these sparse features took seconds.)
        exp = np.exp((scores - scores.max()) * _SOFTMAX_SCALE)
        probabilities = exp / exp.sum()
        classes = self.pipeline.classes_
        order = np.argsort(-probabilities)
        return [(str(classes[i]), float(probabilities[i])) for i in order]


class NLUModel:
    """One language's NLU: `parse(text)` returns Rasa parse data. `config` comes from the
    project's Rasa config.yml (see pipeline.py); `fallback_threshold`, when given, overrides
    its FallbackClassifier threshold."""

    def __init__(
        self,
        data: NLUData,
        language: str,
        fallback_threshold: float | None = None,
        entities: list[str] | None = None,
        config: NLUConfig | None = None,
    ) -> None:
        if config is None:
            config = NLUConfig(fallback_threshold=0.45, ambiguity_threshold=0.0)
        self.config = config
        self.language = language
        self.fallback_threshold = (
            config.fallback_threshold if fallback_threshold is None else fallback_threshold
        )
        self.ambiguity_threshold = config.ambiguity_threshold
        self.intents = data.intents
        self.extractor = EntityExtractor(
            data, entities, use_regexes=config.regex_entities, use_synonyms=config.synonyms
        )
        self.crf = CRFEntityExtractor(data, config.crf) if config.crf else None
        self.classifier = IntentClassifier(data, config)

    def parse(
        self,
        text: str,
        *,
        confidence: float | None = None,
        alternatives: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        meta = dict(metadata or {})
        meta.setdefault("language", self.language)
        meta["asr_confidence"] = confidence
        meta["asr_alternatives"] = list(alternatives or [])
        shortcut = parse_intent_message(text)
        if shortcut is not None:
            return {**shortcut, "metadata": meta}
        result = self._parse_text(text)
        if result["intent"]["confidence"] < self.fallback_threshold and alternatives:
            # a recognition alternative may be what the caller said
            for index, alternative in enumerate(alternatives):
                other = self._parse_text(alternative)
                if other["intent"]["confidence"] > max(
                    result["intent"]["confidence"], self.fallback_threshold
                ):
                    result = other
                    meta["parsed_alternative"] = index
                    break
        ranking = result["intent_ranking"]
        if ranking and self._falls_back(ranking):
            result["intent"] = {"name": FALLBACK_INTENT, "confidence": self.fallback_threshold}
            result["intent_ranking"] = [dict(result["intent"]), *ranking]
        result["metadata"] = meta
        return result

    def _falls_back(self, ranking: list[dict[str, Any]]) -> bool:
        """Rasa's FallbackClassifier: too unsure, or two intents too close to tell apart."""
        if ranking[0]["confidence"] < self.fallback_threshold:
            return True
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        return ranking[0]["confidence"] - second < self.ambiguity_threshold

    def entities(self, text: str) -> list[dict[str, Any]]:
        """The rule extractor's entities, plus the CRF's where the rules found nothing."""
        found = self.extractor.extract(text)
        if self.crf is not None:
            learned = [self.extractor.map_synonym(e) for e in self.crf.extract(text)]
            found = combine(found, learned)
        return found

    def _parse_text(self, text: str) -> dict[str, Any]:
        entities = self.entities(text)
        ranking = self.classifier.rank(text, entities)[:10]
        top_name, top_confidence = ranking[0] if ranking else (FALLBACK_INTENT, 0.0)
        return {
            "text": text,
            "intent": {"name": top_name, "confidence": top_confidence},
            "entities": entities,
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        }
